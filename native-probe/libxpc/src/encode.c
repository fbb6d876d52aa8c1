/*
 * Encoding XPC objects into frames with the probe's builder (native-probe/src/xpc_wire.c): the
 * exact size is computed first, so a frame is one allocation and one walk.
 */
#include "internal.h"

static uint64_t cstring_size(const char *text) {
  return 4 + xpci_pad4(strlen(text) + 1);
}

/* Bytes of one object (type code included); 0 for a type that cannot travel in a message. */
static uint64_t object_size(xpc_object_t o) {
  switch (XO_CODE(o)) {
    case XT_NULL:
      return 4;
    case XT_BOOL:
      return 8;
    case XT_INT64:
    case XT_UINT64:
    case XT_DOUBLE:
    case XT_DATE:
    case XT_SHMEM:
      return 12;
    case XT_DATA:
      return 8 + xpci_pad4(((struct xpci_data *)o)->length);
    case XT_STRING:
      return 4 + 4 + xpci_pad4(((struct xpci_string *)o)->length + 1);
    case XT_UUID:
      return 20;
    case XT_FD:
      return 4 + cstring_size(((struct xpci_fd *)o)->path);
    case XT_ENDPOINT:
      return 4 + cstring_size(((struct _xpc_endpoint_s *)o)->name);
    case XT_ERROR:
      return 12 + xpci_pad4(sizeof "XPCErrorDescription") + 4 + cstring_size(xpci_error_description(o));
    case XT_ARRAY: {
      struct xpci_array *a = o;
      uint64_t size = 12;
      for (size_t i = 0; i < a->count; i++) {
        uint64_t item = object_size(a->items[i]);
        if (item == 0) return 0;
        size += item;
      }
      return size;
    }
    case XT_DICTIONARY: {
      struct _xpc_dictionary_s *d = o;
      uint64_t size = 12;
      for (size_t i = 0; i < d->count; i++) {
        uint64_t item = object_size(d->entries[i].value);
        if (item == 0) return 0;
        size += xpci_pad4(strlen(d->entries[i].key) + 1) + item;
      }
      return size;
    }
    default:
      return 0;
  }
}

static void write_object(xw_writer *w, xpc_object_t o) {
  switch (XO_CODE(o)) {
    case XT_NULL:
      xw_null(w);
      return;
    case XT_BOOL:
      xw_bool(w, ((struct _xpc_bool_s *)o)->value);
      return;
    case XT_INT64:
      xw_int64(w, ((struct xpci_scalar *)o)->v.i);
      return;
    case XT_UINT64:
      xw_uint64(w, ((struct xpci_scalar *)o)->v.u);
      return;
    case XT_DOUBLE:
      xw_double(w, ((struct xpci_scalar *)o)->v.d);
      return;
    case XT_DATE:
      xw_date(w, ((struct xpci_scalar *)o)->v.i);
      return;
    case XT_SHMEM:
      xw_shmem(w, ((struct xpci_shmem *)o)->size);
      return;
    case XT_DATA: {
      struct xpci_data *d = o;
      xw_data(w, d->length ? d->bytes : (const void *)"", d->length);
      return;
    }
    case XT_STRING:
      xw_string_n(w, ((struct xpci_string *)o)->text, ((struct xpci_string *)o)->length);
      return;
    case XT_UUID:
      xw_uuid(w, ((struct xpci_uuid *)o)->bytes);
      return;
    case XT_FD:
      xw_fd(w, ((struct xpci_fd *)o)->path);
      return;
    case XT_ENDPOINT:
      xw_endpoint(w, ((struct _xpc_endpoint_s *)o)->name);
      return;
    case XT_ERROR:
      xw_error(w, xpci_error_description(o));
      return;
    case XT_ARRAY: {
      struct xpci_array *a = o;
      xw_array_begin(w);
      for (size_t i = 0; i < a->count && w->status == XW_OK; i++) write_object(w, a->items[i]);
      xw_array_end(w);
      return;
    }
    case XT_DICTIONARY: {
      struct _xpc_dictionary_s *d = o;
      xw_dict_begin(w);
      for (size_t i = 0; i < d->count && w->status == XW_OK; i++) {
        xw_key(w, d->entries[i].key);
        write_object(w, d->entries[i].value);
      }
      xw_dict_end(w);
      return;
    }
    default:
      return;
  }
}

uint8_t *xpci_encode_frame(xpc_object_t root, uint32_t flags, uint64_t message_id, size_t *length, const char **why) {
  uint64_t size = object_size(root);
  if (size == 0) {
    *why = "it holds an object that cannot travel in a message (a connection, session or rich error)";
    return NULL;
  }
  size += XW_FRAME_HEADER_SIZE + 8;
  if (size > (uint64_t)xpci_default_limits.max_bytes + XW_FRAME_HEADER_SIZE) {
    *why = "it is larger than the 64 MiB a frame may carry";
    return NULL;
  }
  uint8_t *buf = calloc(1, (size_t)size);
  if (buf == NULL) abort();
  xw_writer *w = malloc(sizeof *w);
  if (w == NULL) abort();
  xw_init_frame(w, buf, (size_t)size);
  write_object(w, root);
  xw_status status = xw_finish_frame(w, flags, message_id, length);
  free(w);
  if (status != XW_OK) {
    free(buf);
    *why = xw_status_name(status);
    return NULL;
  }
  return buf;
}
