/*
 * probe_record: the native probe's records (app/protocol/probe.ts declares the same table on
 * the broker's side) and the sink that writes them, framed, to the broker's probe socket.
 *
 * The sink never blocks the observed app: the socket is non-blocking, a record that does not
 * fit in the kernel's buffer is dropped and counted, and the count is sent in the `dropped`
 * key of the next record that gets through. A record the kernel took only part of is finished
 * before anything else is written (so the stream never carries a torn frame); until then new
 * records are dropped and counted too. Records are built into one buffer of fixed size owned
 * by the sink, so memory use is bounded; a message body too large for it (or deeper than
 * XW_MAX_DEPTH, or holding text that is not UTF-8) is left out of its record, and the record's
 * `bodyError` says why.
 *
 * Every function is safe to call from any thread (one mutex per sink). Portable POSIX C99.
 */
#ifndef PROBE_RECORD_H
#define PROBE_RECORD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xpc_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROBE_RECORD_VERSION 1
/* Largest record (frame) the sink builds. */
#define PROBE_DEFAULT_RECORD_BYTES (4u * 1024u * 1024u)

typedef enum probe_result {
  /* Handed to the kernel (perhaps partly: the rest goes first with the next record). */
  PROBE_SENT = 0,
  /* The socket was full: dropped and counted. */
  PROBE_DROPPED,
  /* The sink has no socket (never opened, or the broker went away): dropped and counted. */
  PROBE_CLOSED
} probe_result;

typedef struct probe_sink {
  int fd;
  pthread_mutex_t lock;
  uint8_t *buf;
  size_t cap;
  /* The unsent rest of a record the kernel took only part of: buf[pending_at, pending_end). */
  size_t pending_at;
  size_t pending_end;
  /* Records dropped since the last one sent (reported in the next), and in all. */
  uint64_t dropped;
  uint64_t dropped_total;
  uint64_t records_sent;
  /* The last probe message id handed out. */
  uint64_t last_message;
  /* CLOCK_MONOTONIC nanoseconds at open: records carry t relative to it. */
  uint64_t start_ns;
  /* errno of the failure that closed the socket, 0 while open. */
  int error;
} probe_sink;

/* Writes one XPC value (a message body) with the builder. */
typedef void (*probe_body_fn)(xw_writer *w, const void *ctx);

/* Connects to the broker's probe socket at path. Returns 0, or -1 with errno set (the sink is
 * then closed: every record is counted as dropped). record_bytes 0 means the default. */
int probe_sink_open(probe_sink *s, const char *path, size_t record_bytes);
/* Uses an already connected stream socket (made non-blocking here). Returns 0 or -1/errno. */
int probe_sink_open_fd(probe_sink *s, int fd, size_t record_bytes);
/* Closes the socket and frees the buffer. */
void probe_sink_close(probe_sink *s);
/* In a child after fork(): forgets the parent's socket (without touching it) and re-creates the
 * lock; then probe_sink_open again and send a new hello. */
void probe_sink_forget_after_fork(probe_sink *s);

/* Tries to finish a partly written record. Returns 1 when nothing is pending any more. */
int probe_sink_flush(probe_sink *s);

/* A fresh probe message id (1, 2, 3 …), for message-sent records and the replies to them. */
uint64_t probe_next_message(probe_sink *s);

probe_result probe_hello(probe_sink *s, int32_t pid, const char *executable, const char *name);
probe_result probe_connection_created(probe_sink *s, uint64_t connection, const char *service, int privileged, int listener);

/* What else is known about a connection when it is created (all optional: 0 / NULL = not set). */
typedef struct probe_connection_origin {
  /* xpc_connection_create(NULL, …): a listener reachable only through its endpoint. */
  int anonymous;
  /* An XPCSession (xpc_session_*) rather than an xpc_connection_t. */
  int session;
  /* Made with xpc_connection_create_from_endpoint from this endpoint object. */
  uint64_t endpoint;
  /* A peer connection the listener `peer_of` accepted (its handler got it as XPC_TYPE_CONNECTION). */
  uint64_t peer_of;
  /* The peer's pid for a peer connection, where libxpc tells it. */
  int32_t peer_pid;
} probe_connection_origin;
probe_result probe_connection_created_from(probe_sink *s, uint64_t connection, const char *service, int privileged, int listener,
                                           const probe_connection_origin *origin);
/* xpc_connection_activate / xpc_session_activate. */
probe_result probe_connection_activated(probe_sink *s, uint64_t connection);
/* xpc_endpoint_create(listener). */
probe_result probe_endpoint_created(probe_sink *s, uint64_t endpoint, uint64_t listener);
/* xpc_connection_send_barrier: `ran` 0 when it is sent, 1 when its block runs. */
probe_result probe_barrier(probe_sink *s, uint64_t connection, int ran);
/* xpc_connection_set_peer_*_requirement: `requirement` names its kind and value as text. */
probe_result probe_requirement_set(probe_sink *s, uint64_t connection, const char *requirement, int accepted);
/* xpc_dictionary_create_reply for the received message `request` (a probe message id). */
probe_result probe_reply_created(probe_sink *s, uint64_t request);
/* xpc_transaction_begin (+1) / xpc_transaction_end (-1). */
probe_result probe_transaction(probe_sink *s, int delta);
/* The reply to the received message `in_reply_to`, sent on a peer connection. */
probe_result probe_reply_sent(probe_sink *s, uint64_t connection, uint64_t message, uint64_t in_reply_to, const char *service,
                              int32_t peer_pid, probe_body_fn body, const void *ctx);
/* A session's cancellation: its rich error's description, and whether retrying can help. */
probe_result probe_session_error(probe_sink *s, uint64_t connection, const char *service, const char *error, int retryable);

probe_result probe_connection_resumed(probe_sink *s, uint64_t connection);
probe_result probe_connection_suspended(probe_sink *s, uint64_t connection);
/* service may be NULL, peer_pid 0 when unknown. body may be NULL (a record without a body). */
probe_result probe_message_sent(probe_sink *s, uint64_t connection, uint64_t message, const char *service, int32_t peer_pid,
                                int expects_reply, int sync, probe_body_fn body, const void *ctx);
probe_result probe_message_received(probe_sink *s, uint64_t connection, uint64_t message, const char *service, int32_t peer_pid,
                                    probe_body_fn body, const void *ctx);
/* The answer to probe message `request`: a dictionary, or an error object (then reason, if
 * known, is the invalidation reason). */
probe_result probe_reply_received(probe_sink *s, uint64_t connection, uint64_t message, uint64_t request, const char *service,
                                  int32_t peer_pid, probe_body_fn body, const void *ctx, const char *reason);
probe_result probe_connection_error(probe_sink *s, uint64_t connection, const char *service, int32_t peer_pid, const char *error,
                                    const char *reason);
probe_result probe_connection_canceled(probe_sink *s, uint64_t connection);

#ifdef __cplusplus
}
#endif

#endif
