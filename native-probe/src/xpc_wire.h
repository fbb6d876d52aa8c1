/*
 * xpc_wire: a portable C99 encoder of XPC values into Apple's XPC serialization format, byte
 * for byte as app/xpc/codec.ts encodes it (docs/wire-format.md), and the RemoteXPC frame
 * wrapper of app/xpc/frame.ts.
 *
 *   payload    = u32 magic 0x42133742, u32 version 5, object
 *   object     = u32 type code, body; every object starts on a 4-byte boundary
 *   cstring    = u32 length (bytes + the NUL), UTF-8 bytes, NUL, zero padding to 4
 *   container  = u32 byte count of what follows, u32 entry count, entries
 *   frame      = u32 magic 0x29b00b92, u32 flags, u64 body length, u64 message id, body
 *
 * The writer is a builder: the caller walks its own value representation (libxpc objects in
 * the macOS probe, plain C values in tests) and calls one function per value, opening and
 * closing containers around their entries. It does not depend on libxpc and never allocates:
 * it writes into a buffer the caller owns, and refuses (with a sticky error code) anything
 * past that buffer, past XW_MAX_DEPTH, or past the element limit, as well as text the format
 * cannot carry (NUL inside a string, invalid UTF-8) and misuse (a dictionary value without a
 * key, an unbalanced end).
 */
#ifndef XPC_WIRE_H
#define XPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XW_PAYLOAD_MAGIC 0x42133742u
#define XW_PAYLOAD_VERSION 5u
#define XW_FRAME_MAGIC 0x29b00b92u
#define XW_FRAME_HEADER_SIZE 24u

/* Frame flag bits (RemoteXPC). */
#define XW_FLAG_ALWAYS_SET 0x1u
#define XW_FLAG_DATA_PRESENT 0x100u
#define XW_FLAG_WANTING_REPLY 0x10000u
#define XW_FLAG_REPLY 0x20000u
#define XW_DEFAULT_MESSAGE_FLAGS (XW_FLAG_ALWAYS_SET | XW_FLAG_DATA_PRESENT)

/* Type codes. */
#define XW_T_NULL 0x1000u
#define XW_T_BOOL 0x2000u
#define XW_T_INT64 0x3000u
#define XW_T_UINT64 0x4000u
#define XW_T_DOUBLE 0x5000u
#define XW_T_DATE 0x7000u
#define XW_T_DATA 0x8000u
#define XW_T_STRING 0x9000u
#define XW_T_UUID 0xa000u
#define XW_T_FD 0xb000u
#define XW_T_SHMEM 0xc000u
#define XW_T_ARRAY 0xe000u
#define XW_T_DICTIONARY 0xf000u
#define XW_T_ERROR 0x10000u
#define XW_T_ENDPOINT 0x12000u

/* Deepest container nesting the writer accepts (the root container is depth 1). The broker's
 * decoder accepts 64 by default. */
#define XW_MAX_DEPTH 64
/* Array items + dictionary entries in one payload, as the broker's decoder default. */
#define XW_DEFAULT_MAX_ELEMENTS 1000000u

typedef enum xw_status {
  XW_OK = 0,
  /* The next write does not fit in the buffer. */
  XW_ERR_NO_SPACE,
  /* A container would be nested deeper than XW_MAX_DEPTH. */
  XW_ERR_TOO_DEEP,
  /* More container entries than the element limit. */
  XW_ERR_TOO_MANY,
  /* A string, key, path or name contains NUL before its end. */
  XW_ERR_NUL_IN_STRING,
  /* A string, key, path or name is not valid UTF-8. */
  XW_ERR_BAD_UTF8,
  /* A call out of order: a value where a dictionary key is due, a key outside a dictionary,
   * a second root, an end without its begin, finishing with containers open or no root. */
  XW_ERR_STATE,
  /* A NULL pointer where text or bytes are required. */
  XW_ERR_ARGUMENT
} xw_status;

/* A short English name of a status ("no-space", "too-deep" …). */
const char *xw_status_name(xw_status status);

typedef struct xw_container {
  /* Offset of the container's u32 byte count. */
  size_t count_at;
  uint32_t entries;
  /* 1 for a dictionary (keys and values alternate), 0 for an array. */
  unsigned char is_dict;
  /* Dictionary only: a key was written and its value is due. */
  unsigned char key_pending;
} xw_container;

typedef struct xw_writer {
  uint8_t *buf;
  size_t cap;
  size_t len;
  /* Where the payload (magic) starts: 0, or XW_FRAME_HEADER_SIZE for a framed writer. */
  size_t payload_at;
  xw_status status;
  int depth;
  int root_written;
  uint32_t elements;
  uint32_t max_elements;
  /* Offset of the first byte of the call that failed, for error messages. */
  size_t error_at;
  xw_container stack[XW_MAX_DEPTH];
} xw_writer;

/* Starts a payload (magic and version) at the start of buf. */
void xw_init(xw_writer *w, uint8_t *buf, size_t cap);
/* Starts a frame: reserves the 24-byte header, then the payload. Finish with xw_finish_frame. */
void xw_init_frame(xw_writer *w, uint8_t *buf, size_t cap);
/* Lowers the element limit (default XW_DEFAULT_MAX_ELEMENTS). */
void xw_set_max_elements(xw_writer *w, uint32_t max_elements);

void xw_null(xw_writer *w);
void xw_bool(xw_writer *w, int value);
void xw_int64(xw_writer *w, int64_t value);
void xw_uint64(xw_writer *w, uint64_t value);
void xw_double(xw_writer *w, double value);
/* Nanoseconds since the Unix epoch. */
void xw_date(xw_writer *w, int64_t nanoseconds);
void xw_data(xw_writer *w, const void *bytes, size_t length);
/* A NUL-terminated UTF-8 string. */
void xw_string(xw_writer *w, const char *text);
/* length bytes of UTF-8 text (which must not contain NUL). */
void xw_string_n(xw_writer *w, const char *text, size_t length);
void xw_uuid(xw_writer *w, const uint8_t bytes[16]);
/* A file descriptor, identified by the path it was opened from. */
void xw_fd(xw_writer *w, const char *path);
void xw_shmem(xw_writer *w, uint64_t size);
/* An error object: a dictionary-layout body with XPCErrorDescription => description. */
void xw_error(xw_writer *w, const char *description);
void xw_endpoint(xw_writer *w, const char *service);

void xw_array_begin(xw_writer *w);
void xw_array_end(xw_writer *w);
void xw_dict_begin(xw_writer *w);
/* The key of the next dictionary entry; its value follows with any value call. */
void xw_key(xw_writer *w, const char *key);
void xw_dict_end(xw_writer *w);

/* Checks the payload is complete (one root, no open container). Returns the status; on XW_OK
 * *length (if not NULL) is the payload's byte count. */
xw_status xw_finish(xw_writer *w, size_t *length);
/* xw_finish, then fills the frame header. *length is the whole frame's byte count. */
xw_status xw_finish_frame(xw_writer *w, uint32_t flags, uint64_t message_id, size_t *length);

/* Writes a 24-byte frame header into out. */
void xw_frame_header(uint8_t out[XW_FRAME_HEADER_SIZE], uint32_t flags, uint64_t body_length, uint64_t message_id);

/* 1 when the length bytes are valid UTF-8 without NUL; otherwise 0 and *why (if not NULL) says
 * which of XW_ERR_NUL_IN_STRING / XW_ERR_BAD_UTF8. */
int xw_check_text(const char *text, size_t length, xw_status *why);

#ifdef __cplusplus
}
#endif

#endif
