/*
 * Decoder of Apple's XPC serialization format into XPC objects (docs/wire-format.md), with the
 * checks, limits, error codes and error offsets of app/xpc/codec.ts: every length and entry count
 * is checked against the bytes that remain in the input (or in the enclosing container) before
 * anything is read or allocated, so hostile input is refused with a reason, never followed.
 */
#include "internal.h"

const xpci_limits xpci_default_limits = {64u * 1024u * 1024u, 64, 1000000};

enum {
  T_NULL = 0x1000,
  T_BOOL = 0x2000,
  T_INT64 = 0x3000,
  T_UINT64 = 0x4000,
  T_DOUBLE = 0x5000,
  T_DATE = 0x7000,
  T_DATA = 0x8000,
  T_STRING = 0x9000,
  T_UUID = 0xa000,
  T_FD = 0xb000,
  T_SHMEM = 0xc000,
  T_ARRAY = 0xe000,
  T_DICTIONARY = 0xf000,
  T_ERROR = 0x10000,
  T_ENDPOINT = 0x12000,
};

struct reader {
  const uint8_t *bytes;
  size_t pos;
  /* Exclusive end of the innermost container (the input's end at the root). */
  size_t end;
  /* Whether we are inside a container: running out of it is bad-length, not truncated. */
  int in_container;
  uint64_t elements;
  const xpci_limits *limits;
  xpci_decode_error *err;
};

static int fail(struct reader *r, const char *code, size_t offset) {
  r->err->code = code;
  r->err->offset = offset;
  return 0;
}

/* n more bytes fit in the current container (or the input); else fails at `at`. */
static int need(struct reader *r, uint64_t n, size_t at) {
  if (n <= r->end - r->pos) return 1;
  return fail(r, r->in_container ? "bad-length" : "truncated", at);
}

static uint32_t rd_u32(struct reader *r) {
  const uint8_t *p = r->bytes + r->pos;
  r->pos += 4;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(struct reader *r) {
  uint64_t lo = rd_u32(r);
  uint64_t hi = rd_u32(r);
  return lo | hi << 32;
}

/* The bytes from pos up to `until` are zero; moves to `until`. */
static int padding(struct reader *r, size_t until) {
  for (size_t i = r->pos; i < until; i++)
    if (r->bytes[i] != 0) return fail(r, "bad-padding", i);
  r->pos = until;
  return 1;
}

/* u32 length (with NUL), text, NUL, padding. Returns a malloc'd copy of the text. */
static char *cstring(struct reader *r, size_t *length_out) {
  if (!need(r, 4, r->pos)) return NULL;
  uint32_t length = rd_u32(r);
  size_t start = r->pos;
  if (length == 0) return fail(r, "bad-string", start - 4), NULL;
  if (!need(r, xpci_pad4(length), start - 4)) return NULL;
  size_t nul = start + length - 1;
  if (r->bytes[nul] != 0) return fail(r, "bad-string", nul), NULL;
  const void *inner = memchr(r->bytes + start, 0, length - 1);
  if (inner != NULL) return fail(r, "bad-string", (size_t)((const uint8_t *)inner - r->bytes)), NULL;
  if (!xw_check_text((const char *)r->bytes + start, length - 1, NULL)) return fail(r, "bad-utf8", start), NULL;
  r->pos = nul + 1;
  if (!padding(r, start + xpci_pad4(length))) return NULL;
  char *text = malloc(length);
  if (text == NULL) abort();
  memcpy(text, r->bytes + start, length);
  *length_out = length - 1;
  return text;
}

static xpc_object_t value(struct reader *r, unsigned depth);

/*
 * Reads a container's byte count and entry count, checks them against the limits and the bytes
 * available, and makes it the current container. *count gets the entry count.
 */
static int open_container(struct reader *r, size_t type_at, unsigned depth, unsigned min_entry, uint32_t *count) {
  if (depth + 1 > r->limits->max_depth) return fail(r, "too-deep", type_at);
  if (!need(r, 4, r->pos)) return 0;
  uint32_t byte_count = rd_u32(r);
  size_t body_at = r->pos;
  if (!need(r, byte_count, body_at - 4)) return 0;
  if (byte_count < 4) return fail(r, "bad-length", body_at - 4);
  *count = rd_u32(r);
  if ((uint64_t)*count * min_entry > (uint64_t)byte_count - 4) return fail(r, "bad-length", body_at);
  r->elements += *count;
  if (r->elements > r->limits->max_elements) return fail(r, "too-many-elements", body_at);
  r->end = body_at + byte_count;
  r->in_container = 1;
  return 1;
}

static int close_container(struct reader *r, size_t end, int in_container) {
  if (r->pos != r->end) return fail(r, "bad-length", r->pos);
  r->end = end;
  r->in_container = in_container;
  return 1;
}

static xpc_object_t array(struct reader *r, size_t type_at, unsigned depth) {
  size_t end = r->end;
  int in_container = r->in_container;
  uint32_t count;
  if (!open_container(r, type_at, depth, 4, &count)) return NULL;
  struct xpci_array *a = xpci_array_new(count);
  for (uint32_t i = 0; i < count; i++) {
    xpc_object_t item = value(r, depth + 1);
    if (item == NULL) {
      xpci_release(a);
      return NULL;
    }
    xpci_array_push(a, item);
  }
  if (!close_container(r, end, in_container)) {
    xpci_release(a);
    return NULL;
  }
  return a;
}

static struct _xpc_dictionary_s *dictionary(struct reader *r, size_t type_at, unsigned depth) {
  size_t end = r->end;
  int in_container = r->in_container;
  uint32_t count;
  if (!open_container(r, type_at, depth, 8, &count)) return NULL;
  struct _xpc_dictionary_s *d = xpci_dict_new();
  for (uint32_t i = 0; i < count; i++) {
    size_t key_at = r->pos;
    const uint8_t *nul = memchr(r->bytes + key_at, 0, r->end - key_at);
    if (nul == NULL) {
      fail(r, "bad-key", key_at);
      goto bad;
    }
    size_t key_length = (size_t)(nul - (r->bytes + key_at));
    if (!xw_check_text((const char *)r->bytes + key_at, key_length, NULL)) {
      fail(r, "bad-utf8", key_at);
      goto bad;
    }
    r->pos = key_at + key_length + 1;
    size_t key_end = key_at + xpci_pad4(key_length + 1);
    if (!need(r, key_end - r->pos, r->pos) || !padding(r, key_end)) goto bad;
    if (xpci_dict_get(d, (const char *)r->bytes + key_at) != NULL) {
      fail(r, "duplicate-key", key_at);
      goto bad;
    }
    xpc_object_t item = value(r, depth + 1);
    if (item == NULL) goto bad;
    char *key = malloc(key_length + 1);
    if (key == NULL) abort();
    memcpy(key, r->bytes + key_at, key_length + 1);
    xpci_dict_add_new(d, key, key_length, item);
  }
  if (!close_container(r, end, in_container)) goto bad;
  return d;
bad:
  xpci_release(d);
  return NULL;
}

static xpc_object_t value(struct reader *r, unsigned depth) {
  if (!need(r, 4, r->pos)) return NULL;
  size_t type_at = r->pos;
  uint32_t type = rd_u32(r);
  switch (type) {
    case T_NULL:
      return xpc_null_create();
    case T_BOOL: {
      if (!need(r, 4, r->pos)) return NULL;
      uint32_t b = rd_u32(r);
      if (b > 1) return fail(r, "bad-bool", r->pos - 4), NULL;
      return xpc_bool_create(b == 1);
    }
    case T_INT64:
      if (!need(r, 8, r->pos)) return NULL;
      return xpc_int64_create((int64_t)rd_u64(r));
    case T_DATE:
      if (!need(r, 8, r->pos)) return NULL;
      return xpc_date_create((int64_t)rd_u64(r));
    case T_UINT64:
      if (!need(r, 8, r->pos)) return NULL;
      return xpc_uint64_create(rd_u64(r));
    case T_DOUBLE: {
      if (!need(r, 8, r->pos)) return NULL;
      uint64_t bits = rd_u64(r);
      double d;
      memcpy(&d, &bits, sizeof d);
      return xpc_double_create(d);
    }
    case T_SHMEM: {
      if (!need(r, 8, r->pos)) return NULL;
      size_t at = r->pos;
      uint64_t size = rd_u64(r);
      if (size > 9007199254740991ull) return fail(r, "out-of-range", at), NULL;
      return xpci_shmem_with_size((size_t)size);
    }
    case T_DATA: {
      if (!need(r, 4, r->pos)) return NULL;
      uint32_t length = rd_u32(r);
      size_t start = r->pos;
      if (!need(r, xpci_pad4(length), start - 4)) return NULL;
      r->pos += length;
      if (!padding(r, start + xpci_pad4(length))) return NULL;
      uint8_t *copy = NULL;
      if (length > 0) {
        copy = malloc(length);
        if (copy == NULL) abort();
        memcpy(copy, r->bytes + start, length);
      }
      return xpci_data_take(copy, length);
    }
    case T_UUID:
      if (!need(r, 16, r->pos)) return NULL;
      r->pos += 16;
      return xpc_uuid_create(r->bytes + r->pos - 16);
    case T_STRING: {
      size_t length;
      char *text = cstring(r, &length);
      return text ? xpci_string_take(text, length) : NULL;
    }
    case T_FD: {
      size_t length;
      char *path = cstring(r, &length);
      if (path == NULL) return NULL;
      xpc_object_t fd = xpci_fd_from_path(path);
      free(path);
      return fd;
    }
    case T_ENDPOINT: {
      size_t length;
      char *name = cstring(r, &length);
      if (name == NULL) return NULL;
      xpc_object_t endpoint = xpci_endpoint_create_named(name);
      free(name);
      return endpoint;
    }
    case T_ARRAY:
      return array(r, type_at, depth);
    case T_DICTIONARY:
      return dictionary(r, type_at, depth);
    case T_ERROR: {
      struct _xpc_dictionary_s *d = dictionary(r, type_at, depth);
      if (d == NULL) return NULL;
      const char *description = xpc_string_get_string_ptr(xpci_dict_get(d, XPC_ERROR_KEY_DESCRIPTION));
      xpc_object_t error = description ? xpci_error_create(description) : NULL;
      xpci_release(d);
      if (error == NULL) return fail(r, "bad-error", type_at), NULL;
      return error;
    }
    default:
      return fail(r, "unknown-type", type_at), NULL;
  }
}

xpc_object_t xpci_decode(const uint8_t *bytes, size_t length, const xpci_limits *limits, xpci_decode_error *err) {
  struct reader r = {bytes, 0, length, 0, 0, limits, err};
  if (length > limits->max_bytes) return fail(&r, "too-large", limits->max_bytes), NULL;
  if (!need(&r, 4, 0)) return NULL;
  if (rd_u32(&r) != XW_PAYLOAD_MAGIC) return fail(&r, "bad-magic", 0), NULL;
  if (!need(&r, 4, 4)) return NULL;
  if (rd_u32(&r) != XW_PAYLOAD_VERSION) return fail(&r, "bad-version", 4), NULL;
  xpc_object_t root = value(&r, 0);
  if (root == NULL) return NULL;
  if (r.pos != length) {
    xpci_release(root);
    return fail(&r, "trailing-bytes", r.pos), NULL;
  }
  return root;
}
