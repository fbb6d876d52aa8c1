/* xpc_wire: see xpc_wire.h. C99, no allocation, no dependency beyond the C library. */
#include "xpc_wire.h"

#include <string.h>

static const char ERROR_DESCRIPTION_KEY[] = "XPCErrorDescription";

const char *xw_status_name(xw_status status) {
  switch (status) {
    case XW_OK:
      return "ok";
    case XW_ERR_NO_SPACE:
      return "no-space";
    case XW_ERR_TOO_DEEP:
      return "too-deep";
    case XW_ERR_TOO_MANY:
      return "too-many-elements";
    case XW_ERR_NUL_IN_STRING:
      return "nul-in-string";
    case XW_ERR_BAD_UTF8:
      return "bad-utf8";
    case XW_ERR_STATE:
      return "bad-call-order";
    case XW_ERR_ARGUMENT:
      return "bad-argument";
  }
  return "unknown";
}

static void put_u32_at(uint8_t *p, uint32_t n) {
  p[0] = (uint8_t)(n & 0xffu);
  p[1] = (uint8_t)((n >> 8) & 0xffu);
  p[2] = (uint8_t)((n >> 16) & 0xffu);
  p[3] = (uint8_t)((n >> 24) & 0xffu);
}

static void put_u64_at(uint8_t *p, uint64_t n) {
  put_u32_at(p, (uint32_t)(n & 0xffffffffu));
  put_u32_at(p + 4, (uint32_t)(n >> 32));
}

static size_t pad4(size_t n) {
  return n + ((4u - (n & 3u)) & 3u);
}

static void fail(xw_writer *w, xw_status status) {
  if (w->status == XW_OK) {
    w->status = status;
    w->error_at = w->len;
  }
}

/* Room for n more bytes? Sets XW_ERR_NO_SPACE otherwise. */
static int room(xw_writer *w, size_t n) {
  if (w->status != XW_OK) return 0;
  if (n > w->cap - w->len) {
    fail(w, XW_ERR_NO_SPACE);
    return 0;
  }
  return 1;
}

static void u32(xw_writer *w, uint32_t n) {
  put_u32_at(w->buf + w->len, n);
  w->len += 4;
}

static void u64(xw_writer *w, uint64_t n) {
  put_u64_at(w->buf + w->len, n);
  w->len += 8;
}

/* Writes bytes and zero padding to a multiple of 4 of `padded_to` (>= length). */
static void bytes_padded(xw_writer *w, const void *bytes, size_t length, size_t padded) {
  if (length > 0) memcpy(w->buf + w->len, bytes, length);
  memset(w->buf + w->len + length, 0, padded - length);
  w->len += padded;
}

static void init_common(xw_writer *w, uint8_t *buf, size_t cap, size_t payload_at) {
  memset(w, 0, sizeof *w);
  w->buf = buf;
  w->cap = buf == NULL ? 0 : cap;
  w->len = 0;
  w->payload_at = payload_at;
  w->status = XW_OK;
  w->max_elements = XW_DEFAULT_MAX_ELEMENTS;
  if (buf == NULL) {
    fail(w, XW_ERR_ARGUMENT);
    return;
  }
  if (!room(w, payload_at + 8)) return;
  memset(w->buf, 0, payload_at);
  w->len = payload_at;
  u32(w, XW_PAYLOAD_MAGIC);
  u32(w, XW_PAYLOAD_VERSION);
}

void xw_init(xw_writer *w, uint8_t *buf, size_t cap) {
  init_common(w, buf, cap, 0);
}

void xw_init_frame(xw_writer *w, uint8_t *buf, size_t cap) {
  init_common(w, buf, cap, XW_FRAME_HEADER_SIZE);
}

void xw_set_max_elements(xw_writer *w, uint32_t max_elements) {
  w->max_elements = max_elements;
}

int xw_check_text(const char *text, size_t length, xw_status *why) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < length) {
    unsigned char c = s[i];
    if (c == 0) {
      if (why) *why = XW_ERR_NUL_IN_STRING;
      return 0;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    /* The WHATWG decoder's rules (what the broker's TextDecoder accepts): no overlong forms,
     * no surrogates, nothing past U+10FFFF. */
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      if (why) *why = XW_ERR_BAD_UTF8;
      return 0;
    }
    if (length - i - 1 < need) {
      if (why) *why = XW_ERR_BAD_UTF8;
      return 0;
    }
    for (size_t k = 1; k <= need; k++) {
      unsigned char b = s[i + k];
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
      if (b < min || b > max) {
        if (why) *why = XW_ERR_BAD_UTF8;
        return 0;
      }
    }
    i += need + 1;
  }
  return 1;
}

/* Before each value: one root only; inside a dictionary a key must be pending. */
static int begin_value(xw_writer *w) {
  if (w->status != XW_OK) return 0;
  if (w->depth == 0) {
    if (w->root_written) {
      fail(w, XW_ERR_STATE);
      return 0;
    }
    w->root_written = 1;
    return 1;
  }
  xw_container *top = &w->stack[w->depth - 1];
  if (top->is_dict) {
    if (!top->key_pending) {
      fail(w, XW_ERR_STATE);
      return 0;
    }
    top->key_pending = 0;
    return 1;
  }
  if (w->elements >= w->max_elements) {
    fail(w, XW_ERR_TOO_MANY);
    return 0;
  }
  w->elements++;
  top->entries++;
  return 1;
}

static void fixed(xw_writer *w, uint32_t type, uint64_t body, int body_bytes) {
  if (!begin_value(w) || !room(w, 4u + (size_t)body_bytes)) return;
  u32(w, type);
  if (body_bytes == 4) u32(w, (uint32_t)body);
  else if (body_bytes == 8) u64(w, body);
}

void xw_null(xw_writer *w) {
  fixed(w, XW_T_NULL, 0, 0);
}

void xw_bool(xw_writer *w, int value) {
  fixed(w, XW_T_BOOL, value ? 1u : 0u, 4);
}

void xw_int64(xw_writer *w, int64_t value) {
  fixed(w, XW_T_INT64, (uint64_t)value, 8);
}

void xw_uint64(xw_writer *w, uint64_t value) {
  fixed(w, XW_T_UINT64, value, 8);
}

void xw_double(xw_writer *w, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  fixed(w, XW_T_DOUBLE, bits, 8);
}

void xw_date(xw_writer *w, int64_t nanoseconds) {
  fixed(w, XW_T_DATE, (uint64_t)nanoseconds, 8);
}

void xw_shmem(xw_writer *w, uint64_t size) {
  fixed(w, XW_T_SHMEM, size, 8);
}

void xw_data(xw_writer *w, const void *bytes, size_t length) {
  if (bytes == NULL && length > 0) {
    fail(w, XW_ERR_ARGUMENT);
    return;
  }
  if (length > 0xffffffffu) {
    fail(w, XW_ERR_NO_SPACE);
    return;
  }
  if (!begin_value(w)) return;
  size_t padded = pad4(length);
  if (padded < length || !room(w, 8) || !room(w, 8 + padded)) {
    fail(w, XW_ERR_NO_SPACE);
    return;
  }
  u32(w, XW_T_DATA);
  u32(w, (uint32_t)length);
  bytes_padded(w, bytes, length, padded);
}

void xw_uuid(xw_writer *w, const uint8_t bytes[16]) {
  if (bytes == NULL) {
    fail(w, XW_ERR_ARGUMENT);
    return;
  }
  if (!begin_value(w) || !room(w, 20)) return;
  u32(w, XW_T_UUID);
  bytes_padded(w, bytes, 16, 16);
}

/* u32 length (with NUL), text, NUL, padding. The caller checked the text. */
static void cstring_body(xw_writer *w, const char *text, size_t length) {
  if (length >= 0xffffffffu) {
    fail(w, XW_ERR_NO_SPACE);
    return;
  }
  size_t padded = pad4(length + 1);
  if (padded < length || !room(w, 4) || !room(w, 4 + padded)) {
    fail(w, XW_ERR_NO_SPACE);
    return;
  }
  u32(w, (uint32_t)(length + 1));
  bytes_padded(w, text, length, padded);
}

static int checked_text(xw_writer *w, const char *text, size_t length) {
  if (w->status != XW_OK) return 0;
  if (text == NULL) {
    fail(w, XW_ERR_ARGUMENT);
    return 0;
  }
  xw_status why = XW_OK;
  if (!xw_check_text(text, length, &why)) {
    fail(w, why);
    return 0;
  }
  return 1;
}

static void text_object(xw_writer *w, uint32_t type, const char *text, size_t length) {
  if (!checked_text(w, text, length) || !begin_value(w) || !room(w, 4)) return;
  u32(w, type);
  cstring_body(w, text, length);
}

void xw_string(xw_writer *w, const char *text) {
  text_object(w, XW_T_STRING, text, text == NULL ? 0 : strlen(text));
}

void xw_string_n(xw_writer *w, const char *text, size_t length) {
  text_object(w, XW_T_STRING, text, length);
}

void xw_fd(xw_writer *w, const char *path) {
  text_object(w, XW_T_FD, path, path == NULL ? 0 : strlen(path));
}

void xw_endpoint(xw_writer *w, const char *service) {
  text_object(w, XW_T_ENDPOINT, service, service == NULL ? 0 : strlen(service));
}

/* Type code, reserved byte count, entry count placeholder; pushes the container. */
static void open_container(xw_writer *w, uint32_t type, int is_dict) {
  if (w->status != XW_OK) return;
  if (w->depth >= XW_MAX_DEPTH) {
    fail(w, XW_ERR_TOO_DEEP);
    return;
  }
  if (!begin_value(w) || !room(w, 12)) return;
  u32(w, type);
  xw_container *c = &w->stack[w->depth++];
  c->count_at = w->len;
  c->entries = 0;
  c->is_dict = (unsigned char)is_dict;
  c->key_pending = 0;
  u32(w, 0);
  u32(w, 0);
}

static void close_container(xw_writer *w, int is_dict) {
  if (w->status != XW_OK) return;
  if (w->depth == 0) {
    fail(w, XW_ERR_STATE);
    return;
  }
  xw_container *c = &w->stack[w->depth - 1];
  if (c->is_dict != (unsigned char)is_dict || c->key_pending) {
    fail(w, XW_ERR_STATE);
    return;
  }
  size_t counted = w->len - (c->count_at + 4);
  if (counted > 0xffffffffu) {
    fail(w, XW_ERR_NO_SPACE);
    return;
  }
  put_u32_at(w->buf + c->count_at, (uint32_t)counted);
  put_u32_at(w->buf + c->count_at + 4, c->entries);
  w->depth--;
}

void xw_array_begin(xw_writer *w) {
  open_container(w, XW_T_ARRAY, 0);
}

void xw_array_end(xw_writer *w) {
  close_container(w, 0);
}

void xw_dict_begin(xw_writer *w) {
  open_container(w, XW_T_DICTIONARY, 1);
}

void xw_dict_end(xw_writer *w) {
  close_container(w, 1);
}

void xw_key(xw_writer *w, const char *key) {
  if (w->status != XW_OK) return;
  if (w->depth == 0 || !w->stack[w->depth - 1].is_dict || w->stack[w->depth - 1].key_pending) {
    fail(w, XW_ERR_STATE);
    return;
  }
  size_t length = key == NULL ? 0 : strlen(key);
  if (!checked_text(w, key, length)) return;
  if (w->elements >= w->max_elements) {
    fail(w, XW_ERR_TOO_MANY);
    return;
  }
  size_t padded = pad4(length + 1);
  if (!room(w, padded)) return;
  bytes_padded(w, key, length, padded);
  xw_container *top = &w->stack[w->depth - 1];
  top->key_pending = 1;
  top->entries++;
  w->elements++;
}

void xw_error(xw_writer *w, const char *description) {
  size_t length = description == NULL ? 0 : strlen(description);
  if (!checked_text(w, description, length)) return;
  /* The layout of a one-entry dictionary under the error type code: it counts towards depth
   * and the element limit as that dictionary does in the broker's decoder. */
  if (w->depth >= XW_MAX_DEPTH) {
    fail(w, XW_ERR_TOO_DEEP);
    return;
  }
  if (!begin_value(w)) return;
  if (w->elements >= w->max_elements) {
    fail(w, XW_ERR_TOO_MANY);
    return;
  }
  w->elements++;
  if (!room(w, 12)) return;
  u32(w, XW_T_ERROR);
  size_t count_at = w->len;
  u32(w, 0);
  u32(w, 1);
  size_t key_padded = pad4(sizeof ERROR_DESCRIPTION_KEY);
  if (!room(w, key_padded + 4)) return;
  bytes_padded(w, ERROR_DESCRIPTION_KEY, sizeof ERROR_DESCRIPTION_KEY - 1, key_padded);
  u32(w, XW_T_STRING);
  cstring_body(w, description, length);
  if (w->status != XW_OK) return;
  put_u32_at(w->buf + count_at, (uint32_t)(w->len - (count_at + 4)));
}

xw_status xw_finish(xw_writer *w, size_t *length) {
  if (w->status == XW_OK && (w->depth != 0 || !w->root_written)) fail(w, XW_ERR_STATE);
  if (w->status == XW_OK && length != NULL) *length = w->len - w->payload_at;
  return w->status;
}

xw_status xw_finish_frame(xw_writer *w, uint32_t flags, uint64_t message_id, size_t *length) {
  size_t payload = 0;
  if (w->payload_at != XW_FRAME_HEADER_SIZE && w->status == XW_OK) fail(w, XW_ERR_STATE);
  if (xw_finish(w, &payload) != XW_OK) return w->status;
  xw_frame_header(w->buf, flags, (uint64_t)payload, message_id);
  if (length != NULL) *length = w->len;
  return XW_OK;
}

void xw_frame_header(uint8_t out[XW_FRAME_HEADER_SIZE], uint32_t flags, uint64_t body_length, uint64_t message_id) {
  put_u32_at(out, XW_FRAME_MAGIC);
  put_u32_at(out + 4, flags);
  put_u64_at(out + 8, body_length);
  put_u64_at(out + 16, message_id);
}
