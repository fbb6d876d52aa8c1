/*
 * Internals of libxpc for Linux. The library is built as one translation unit (libxpc.c
 * includes every module) with hidden visibility; the public headers declare the API's functions
 * protected while the library is built (__XPC_BUILDING_LIBXPC__): exported, yet the calls the
 * library makes to its own functions bind locally, so an LD_PRELOAD library defining the same
 * names (the probe's interposer) sees only the application's calls, as dyld interposition does
 * on macOS.
 *
 * Locking: one runtime mutex (rt.mu) guards every connection, listener, peer and delivery, and
 * is held while a frame is written, so that the order of frames on the socket is the order of
 * the state changes they report. User code (handlers, blocks, finalizers) never runs with it
 * held. Objects are released outside it where a release can reach back into the runtime.
 */
#ifndef XPCI_INTERNAL_H
#define XPCI_INTERNAL_H

#define _GNU_SOURCE
#define __XPC_BUILDING_LIBXPC__ 1
#include <Block.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dispatch/dispatch.h>
#include <xpc/xpc.h>

#include "../../src/xpc_wire.h"

#define XPCI_HIDDEN __attribute__((visibility("hidden")))
#define XPCI_UNUSED __attribute__((unused))

/* ---- types -------------------------------------------------------------------------------- */

enum xpci_type_code {
  XT_NULL = 1,
  XT_BOOL,
  XT_INT64,
  XT_UINT64,
  XT_DOUBLE,
  XT_DATE,
  XT_DATA,
  XT_STRING,
  XT_UUID,
  XT_FD,
  XT_SHMEM,
  XT_ARRAY,
  XT_DICTIONARY,
  XT_ERROR,
  XT_ENDPOINT,
  XT_CONNECTION,
  XT_SESSION,
  XT_RICH_ERROR,
};

struct _xpc_type_s {
  const char *name;
  int code;
};

/* Objects that are never freed (the global bools and errors): retain and release do nothing. */
#define XO_IMMORTAL 1u

struct xobj {
  const struct _xpc_type_s *type;
  int refs;
  unsigned flags;
};

#define XO(o) ((struct xobj *)(o))
#define XO_CODE(o) (XO(o)->type->code)

struct _xpc_bool_s {
  struct xobj head;
  bool value;
};

struct xpci_scalar {
  struct xobj head;
  union {
    int64_t i;
    uint64_t u;
    double d;
  } v;
};

struct xpci_data {
  struct xobj head;
  size_t length;
  uint8_t *bytes;
};

struct xpci_string {
  struct xobj head;
  size_t length;
  char *text;
};

struct xpci_uuid {
  struct xobj head;
  uint8_t bytes[16];
};

struct xpci_fd {
  struct xobj head;
  /* Our duplicate of the descriptor given to xpc_fd_create, or -1 for a received one. */
  int fd;
  /* Where it was opened from: what travels in a message. */
  char *path;
};

struct xpci_shmem {
  struct xobj head;
  size_t size;
  void *region;
};

struct _xpc_endpoint_s {
  struct xobj head;
  /* The broker's name for the anonymous listener (connect with endpoint: true). */
  char *name;
};

struct xpci_array {
  struct xobj head;
  size_t count;
  size_t capacity;
  xpc_object_t *items;
};

struct xpci_entry {
  char *key;
  xpc_object_t value;
  uint32_t hash;
};

struct xpci_delivery;
struct _xpc_connection_s;

/* Dictionaries, and error objects (same layout: XPCErrorDescription => string). */
struct _xpc_dictionary_s {
  struct xobj head;
  size_t count;
  size_t capacity;
  struct xpci_entry *entries;
  /* Open-addressing index of entry positions + 1 (0 = empty); NULL while the dictionary is small. */
  uint32_t *index;
  size_t index_size;
  /* A received message: the connection it came on (retained). */
  struct _xpc_connection_s *remote;
  /* A request delivered to a peer handler (the message); or the delivery a reply answers. */
  struct xpci_delivery *delivery;
  struct xpci_delivery *reply_to;
};

struct _xpc_rich_error_s {
  struct xobj head;
  char *description;
  bool can_retry;
};

/* ---- dispatch ----------------------------------------------------------------------------- */

enum xpci_queue_kind { DQ_SERIAL = 1, DQ_CONCURRENT, DQ_MAIN, DQ_GLOBAL };

struct dispatch_object_s {
  int kind; /* DO_QUEUE / DO_SEMAPHORE / DO_ATTR */
  int refs;
  unsigned flags;
};

enum { DO_QUEUE = 1, DO_SEMAPHORE, DO_ATTR };

struct xpci_work {
  struct xpci_work *next;
  dispatch_function_t fn;
  void *ctx;
  /* The queue the work was submitted to (retained unless immortal), for dispatch_queue_get_label. */
  struct dispatch_queue_s *queue;
};

struct dispatch_queue_s {
  struct dispatch_object_s base;
  int qkind;
  char *label;
  pthread_mutex_t mu;
  pthread_cond_t cond; /* main queue: the main thread waits here */
  struct xpci_work *head, *tail;
  int scheduled;
  int suspended;
  int inactive;
  struct dispatch_queue_s *target;
};

struct dispatch_queue_attr_s {
  struct dispatch_object_s base;
  int concurrent;
  int inactive;
};

struct dispatch_semaphore_s {
  struct dispatch_object_s base;
  pthread_mutex_t mu;
  pthread_cond_t cond;
  intptr_t value;
  intptr_t waiters;
};

XPCI_HIDDEN dispatch_queue_t xpci_queue_create(const char *label, dispatch_queue_t target);
XPCI_HIDDEN void xpci_queue_force_resume(dispatch_queue_t q);
XPCI_HIDDEN void xpci_monotonic_deadline(dispatch_time_t when, struct timespec *out);
XPCI_HIDDEN uint64_t xpci_now_ns(void);

/* ---- objects ------------------------------------------------------------------------------ */

XPCI_HIDDEN void *xpci_alloc(const struct _xpc_type_s *type, size_t size);
XPCI_HIDDEN xpc_object_t xpci_retain(xpc_object_t o);
XPCI_HIDDEN void xpci_release(xpc_object_t o);
XPCI_HIDDEN void xpci_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
XPCI_HIDDEN char *xpci_strdup(const char *s);
XPCI_HIDDEN char *xpci_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

XPCI_HIDDEN xpc_object_t xpci_string_take(char *text, size_t length);
XPCI_HIDDEN xpc_object_t xpci_data_take(uint8_t *bytes, size_t length);
XPCI_HIDDEN xpc_object_t xpci_fd_from_path(const char *path);
XPCI_HIDDEN xpc_object_t xpci_endpoint_create_named(const char *name);
XPCI_HIDDEN xpc_object_t xpci_error_create(const char *description);
XPCI_HIDDEN xpc_object_t xpci_shmem_with_size(size_t size);
XPCI_HIDDEN struct _xpc_dictionary_s *xpci_dict_new(void);
/* Adds an entry; 0 if the key is already there (the decoder's duplicate check). Takes value. */
XPCI_HIDDEN int xpci_dict_add_new(struct _xpc_dictionary_s *d, char *key, size_t key_length, xpc_object_t value);
XPCI_HIDDEN xpc_object_t xpci_dict_get(xpc_object_t d, const char *key);
XPCI_HIDDEN void xpci_dict_set(xpc_object_t d, const char *key, xpc_object_t value);
XPCI_HIDDEN struct xpci_array *xpci_array_new(size_t capacity);
XPCI_HIDDEN void xpci_array_push(struct xpci_array *a, xpc_object_t value); /* takes value */
XPCI_HIDDEN const char *xpci_error_description(xpc_object_t error);
XPCI_HIDDEN xpc_object_t xpci_error_by_name(const char *description);
XPCI_HIDDEN xpc_object_t xpci_copy(xpc_object_t o);
XPCI_HIDDEN char *xpci_copy_description(xpc_object_t o);
XPCI_HIDDEN void xpci_dict_dealloc_hook(struct _xpc_dictionary_s *d);

/* ---- wire --------------------------------------------------------------------------------- */

/* n rounded up to a multiple of 4, as the format aligns every object. */
static inline uint64_t xpci_pad4(uint64_t n) {
  return n + ((4 - (n & 3)) & 3);
}

typedef struct xpci_limits {
  size_t max_bytes;
  unsigned max_depth;
  uint64_t max_elements;
} xpci_limits;

XPCI_HIDDEN extern const xpci_limits xpci_default_limits;

typedef struct xpci_decode_error {
  const char *code; /* "truncated", "bad-magic" … as app/xpc/codec.ts names them */
  size_t offset;
} xpci_decode_error;

/* Decodes one payload (magic, version, root object); NULL with *err set when it is not valid. */
XPCI_HIDDEN xpc_object_t xpci_decode(const uint8_t *bytes, size_t length, const xpci_limits *limits, xpci_decode_error *err);

/* Encodes `root` as a frame (header + payload) into a new buffer; NULL with *why set on failure. */
XPCI_HIDDEN uint8_t *xpci_encode_frame(xpc_object_t root, uint32_t flags, uint64_t message_id, size_t *length, const char **why);

/* ---- runtime ------------------------------------------------------------------------------ */

XPCI_HIDDEN void xpci_connection_dealloc(struct _xpc_connection_s *c);
XPCI_HIDDEN char *xpci_connection_describe(struct _xpc_connection_s *c);
XPCI_HIDDEN void xpci_session_dealloc(struct xpc_session_s *s);
XPCI_HIDDEN char *xpci_session_describe(struct xpc_session_s *s);
XPCI_HIDDEN void xpci_delivery_unref(struct xpci_delivery *d);
XPCI_HIDDEN void xpci_reply_released(struct xpci_delivery *d);

#endif
