/* probe_record: see probe_record.h. */
#if !defined(__APPLE__) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "probe_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifdef MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

/* Text the observed app hands us (service names, reasons, paths) that is not valid UTF-8 is
 * written with each offending byte replaced by '?', cut at this many bytes. */
#define SANITIZED_TEXT_BYTES 4096

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sink_reset(probe_sink *s) {
  s->fd = -1;
  s->buf = NULL;
  s->cap = 0;
  s->pending_at = s->pending_end = 0;
  s->dropped = s->dropped_total = s->records_sent = 0;
  s->last_message = 0;
  s->start_ns = monotonic_ns();
  s->error = 0;
}

int probe_sink_open_fd(probe_sink *s, int fd, size_t record_bytes) {
  sink_reset(s);
  pthread_mutex_init(&s->lock, NULL);
  if (record_bytes == 0) record_bytes = PROBE_DEFAULT_RECORD_BYTES;
  if (record_bytes < 64) record_bytes = 64;
  s->buf = (uint8_t *)malloc(record_bytes);
  if (s->buf == NULL) {
    s->error = ENOMEM;
    if (fd >= 0) close(fd);
    errno = ENOMEM;
    return -1;
  }
  s->cap = record_bytes;
  if (fd < 0) {
    s->error = EBADF;
    errno = EBADF;
    return -1;
  }
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    int saved = errno;
    close(fd);
    s->error = saved;
    errno = saved;
    return -1;
  }
#ifdef SO_NOSIGPIPE
  {
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
  }
#endif
  s->fd = fd;
  return 0;
}

int probe_sink_open(probe_sink *s, const char *path, size_t record_bytes) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  int fd = -1;
  int saved = 0;
  if (path == NULL || strlen(path) >= sizeof addr.sun_path) {
    saved = ENAMETOOLONG;
  } else {
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
      saved = errno;
    } else if (connect(fd, (const struct sockaddr *)&addr, (socklen_t)sizeof addr) != 0) {
      /* A blocking connect: on a Unix-domain socket it completes or fails at once. */
      saved = errno;
      close(fd);
      fd = -1;
    }
  }
  int rc = probe_sink_open_fd(s, fd, record_bytes);
  if (fd < 0) {
    s->error = saved;
    errno = saved;
    return -1;
  }
  return rc;
}

void probe_sink_close(probe_sink *s) {
  pthread_mutex_lock(&s->lock);
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  free(s->buf);
  s->buf = NULL;
  s->cap = 0;
  s->pending_at = s->pending_end = 0;
  pthread_mutex_unlock(&s->lock);
}

void probe_sink_forget_after_fork(probe_sink *s) {
  /* The parent's lock may have been held by a thread that does not exist in the child. */
  pthread_mutex_init(&s->lock, NULL);
  if (s->fd >= 0) close(s->fd);
  free(s->buf);
  sink_reset(s);
}

/* Closes the socket after a write error: every later record is counted as dropped. */
static void sink_failed(probe_sink *s, int error) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->error = error;
  s->pending_at = s->pending_end = 0;
}

/* Writes as much of buf[at, end) as the kernel takes. Returns bytes written, 0 when the socket
 * is full, -1 after a failure (the sink is then closed). Caller holds the lock. */
static ssize_t write_some(probe_sink *s, size_t at, size_t end) {
  for (;;) {
    ssize_t n = send(s->fd, s->buf + at, end - at, SEND_FLAGS);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    sink_failed(s, errno);
    return -1;
  }
}

static int flush_locked(probe_sink *s) {
  if (s->pending_at == s->pending_end) return 1;
  if (s->fd < 0) return 0;
  ssize_t n = write_some(s, s->pending_at, s->pending_end);
  if (n < 0) return 0;
  s->pending_at += (size_t)n;
  if (s->pending_at == s->pending_end) s->pending_at = s->pending_end = 0;
  return s->pending_at == s->pending_end;
}

int probe_sink_flush(probe_sink *s) {
  pthread_mutex_lock(&s->lock);
  int done = flush_locked(s);
  pthread_mutex_unlock(&s->lock);
  return done;
}

uint64_t probe_next_message(probe_sink *s) {
  pthread_mutex_lock(&s->lock);
  uint64_t id = ++s->last_message;
  pthread_mutex_unlock(&s->lock);
  return id;
}

/* ---- building --------------------------------------------------------------------------- */

static void put_text(xw_writer *w, const char *text) {
  if (text == NULL) text = "";
  size_t length = strlen(text);
  if (xw_check_text(text, length, NULL)) {
    xw_string_n(w, text, length);
    return;
  }
  char clean[SANITIZED_TEXT_BYTES];
  size_t n = 0, i = 0;
  while (i < length && n < sizeof clean) {
    /* Keep each valid sequence, replace each byte that starts none. */
    size_t take = 1;
    unsigned char c = (unsigned char)text[i];
    if (c >= 0xc0) take = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (take > length - i || n + take > sizeof clean || !xw_check_text(text + i, take, NULL)) {
      clean[n++] = '?';
      i++;
      continue;
    }
    memcpy(clean + n, text + i, take);
    n += take;
    i += take;
  }
  xw_string_n(w, clean, n);
}

static void key_text(xw_writer *w, const char *key, const char *text) {
  xw_key(w, key);
  put_text(w, text);
}

static void key_int(xw_writer *w, const char *key, uint64_t n) {
  xw_key(w, key);
  xw_int64(w, (int64_t)n);
}

static void key_handle(xw_writer *w, const char *key, uint64_t handle) {
  xw_key(w, key);
  xw_uint64(w, handle);
}

static void key_bool(xw_writer *w, const char *key, int value) {
  xw_key(w, key);
  xw_bool(w, value);
}

/* Locks the sink and starts a record; returns 0 (unlocked, counted as dropped) when it cannot
 * be written now. */
static int begin_record(probe_sink *s, xw_writer *w, const char *name, probe_result *result) {
  pthread_mutex_lock(&s->lock);
  if (s->fd < 0 || s->buf == NULL) {
    s->dropped++;
    s->dropped_total++;
    pthread_mutex_unlock(&s->lock);
    *result = PROBE_CLOSED;
    return 0;
  }
  if (!flush_locked(s)) {
    s->dropped++;
    s->dropped_total++;
    *result = s->fd < 0 ? PROBE_CLOSED : PROBE_DROPPED;
    pthread_mutex_unlock(&s->lock);
    return 0;
  }
  xw_init_frame(w, s->buf, s->cap);
  xw_dict_begin(w);
  key_text(w, "record", name);
  uint64_t now = monotonic_ns();
  key_int(w, "t", now >= s->start_ns ? now - s->start_ns : 0);
  if (s->dropped > 0) key_int(w, "dropped", s->dropped);
  return 1;
}

/* Writes the body under "body", or, when it cannot be serialized, "bodyError" instead. */
static void put_body(xw_writer *w, probe_body_fn body, const void *ctx) {
  if (body == NULL) return;
  xw_writer before = *w;
  xw_key(w, "body");
  body(w, ctx);
  int depth_ok = w->depth == before.depth && !w->stack[w->depth - 1].key_pending;
  if (w->status == XW_OK && depth_ok) return;
  xw_status why = w->status == XW_OK ? XW_ERR_STATE : w->status;
  size_t at = w->error_at > before.len ? w->error_at - before.len : 0;
  *w = before;
  char text[160];
  const char *what = why == XW_ERR_NO_SPACE ? "it does not fit in the probe's record buffer"
                     : why == XW_ERR_TOO_DEEP ? "it is nested deeper than the probe's limit"
                     : why == XW_ERR_TOO_MANY ? "it has more entries than the probe's limit"
                     : why == XW_ERR_BAD_UTF8 ? "it holds text that is not UTF-8"
                     : why == XW_ERR_NUL_IN_STRING ? "it holds text with a NUL inside"
                                                   : "its serialization failed";
  snprintf(text, sizeof text, "body not captured: %s (%s near byte %lu of the record)", what, xw_status_name(why),
           (unsigned long)at);
  key_text(w, "bodyError", text);
}

static probe_result end_record(probe_sink *s, xw_writer *w) {
  xw_dict_end(w);
  size_t length = 0;
  uint64_t frame_id = s->records_sent + s->dropped_total + 1;
  probe_result result;
  if (xw_finish_frame(w, XW_DEFAULT_MESSAGE_FLAGS, frame_id, &length) != XW_OK) {
    /* Only the record's own small fields are left here, so this means a tiny buffer. */
    s->dropped++;
    s->dropped_total++;
    result = PROBE_DROPPED;
  } else {
    ssize_t n = write_some(s, 0, length);
    if (n <= 0) {
      s->dropped++;
      s->dropped_total++;
      result = n < 0 ? PROBE_CLOSED : PROBE_DROPPED;
    } else {
      if ((size_t)n < length) {
        s->pending_at = (size_t)n;
        s->pending_end = length;
      }
      s->records_sent++;
      s->dropped = 0;
      result = PROBE_SENT;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return result;
}

static void put_peer(xw_writer *w, const char *service, int32_t peer_pid) {
  if (service != NULL) key_text(w, "service", service);
  if (peer_pid > 0) key_int(w, "peerPid", (uint64_t)peer_pid);
}

probe_result probe_hello(probe_sink *s, int32_t pid, const char *executable, const char *name) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "hello", &r)) return r;
  key_int(&w, "version", PROBE_RECORD_VERSION);
  key_int(&w, "pid", (uint64_t)(pid < 0 ? 0 : pid));
  key_text(&w, "executable", executable);
  if (name != NULL) key_text(&w, "name", name);
  return end_record(s, &w);
}

probe_result probe_connection_created(probe_sink *s, uint64_t connection, const char *service, int privileged, int listener) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "connection-created", &r)) return r;
  key_handle(&w, "connection", connection);
  key_text(&w, "service", service);
  key_bool(&w, "privileged", privileged);
  if (listener) key_bool(&w, "listener", 1);
  return end_record(s, &w);
}

probe_result probe_connection_created_from(probe_sink *s, uint64_t connection, const char *service, int privileged, int listener,
                                           const probe_connection_origin *origin) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "connection-created", &r)) return r;
  key_handle(&w, "connection", connection);
  key_text(&w, "service", service);
  key_bool(&w, "privileged", privileged);
  if (listener) key_bool(&w, "listener", 1);
  if (origin != NULL) {
    if (origin->anonymous) key_bool(&w, "anonymous", 1);
    if (origin->session) key_text(&w, "api", "session");
    if (origin->endpoint != 0) key_handle(&w, "endpoint", origin->endpoint);
    if (origin->peer_of != 0) key_handle(&w, "peerOf", origin->peer_of);
    if (origin->peer_pid > 0) key_int(&w, "peerPid", (uint64_t)origin->peer_pid);
  }
  return end_record(s, &w);
}

probe_result probe_endpoint_created(probe_sink *s, uint64_t endpoint, uint64_t listener) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "endpoint-created", &r)) return r;
  key_handle(&w, "endpoint", endpoint);
  key_handle(&w, "connection", listener);
  return end_record(s, &w);
}

probe_result probe_barrier(probe_sink *s, uint64_t connection, int ran) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "barrier", &r)) return r;
  key_handle(&w, "connection", connection);
  key_bool(&w, "ran", ran);
  return end_record(s, &w);
}

probe_result probe_requirement_set(probe_sink *s, uint64_t connection, const char *requirement, int accepted) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "requirement-set", &r)) return r;
  key_handle(&w, "connection", connection);
  key_text(&w, "requirement", requirement);
  key_bool(&w, "accepted", accepted);
  return end_record(s, &w);
}

probe_result probe_reply_created(probe_sink *s, uint64_t request) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "reply-created", &r)) return r;
  key_int(&w, "request", request);
  return end_record(s, &w);
}

probe_result probe_transaction(probe_sink *s, int delta) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "transaction", &r)) return r;
  xw_key(&w, "delta");
  xw_int64(&w, delta < 0 ? -1 : 1);
  return end_record(s, &w);
}

probe_result probe_reply_sent(probe_sink *s, uint64_t connection, uint64_t message, uint64_t in_reply_to, const char *service,
                              int32_t peer_pid, probe_body_fn body, const void *ctx) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "message-sent", &r)) return r;
  key_handle(&w, "connection", connection);
  key_int(&w, "message", message);
  put_peer(&w, service, peer_pid);
  key_bool(&w, "expectsReply", 0);
  key_bool(&w, "sync", 0);
  key_int(&w, "inReplyTo", in_reply_to);
  put_body(&w, body, ctx);
  return end_record(s, &w);
}

probe_result probe_session_error(probe_sink *s, uint64_t connection, const char *service, const char *error, int retryable) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "connection-error", &r)) return r;
  key_handle(&w, "connection", connection);
  put_peer(&w, service, 0);
  key_text(&w, "error", error);
  key_bool(&w, "retryable", retryable);
  return end_record(s, &w);
}

static probe_result connection_only(probe_sink *s, const char *name, uint64_t connection) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, name, &r)) return r;
  key_handle(&w, "connection", connection);
  return end_record(s, &w);
}

probe_result probe_connection_activated(probe_sink *s, uint64_t connection) {
  return connection_only(s, "connection-activated", connection);
}

probe_result probe_connection_resumed(probe_sink *s, uint64_t connection) {
  return connection_only(s, "connection-resumed", connection);
}

probe_result probe_connection_suspended(probe_sink *s, uint64_t connection) {
  return connection_only(s, "connection-suspended", connection);
}

probe_result probe_connection_canceled(probe_sink *s, uint64_t connection) {
  return connection_only(s, "connection-canceled", connection);
}

probe_result probe_message_sent(probe_sink *s, uint64_t connection, uint64_t message, const char *service, int32_t peer_pid,
                                int expects_reply, int sync, probe_body_fn body, const void *ctx) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "message-sent", &r)) return r;
  key_handle(&w, "connection", connection);
  key_int(&w, "message", message);
  put_peer(&w, service, peer_pid);
  key_bool(&w, "expectsReply", expects_reply);
  key_bool(&w, "sync", sync);
  put_body(&w, body, ctx);
  return end_record(s, &w);
}

probe_result probe_message_received(probe_sink *s, uint64_t connection, uint64_t message, const char *service, int32_t peer_pid,
                                    probe_body_fn body, const void *ctx) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "message-received", &r)) return r;
  key_handle(&w, "connection", connection);
  key_int(&w, "message", message);
  put_peer(&w, service, peer_pid);
  put_body(&w, body, ctx);
  return end_record(s, &w);
}

probe_result probe_reply_received(probe_sink *s, uint64_t connection, uint64_t message, uint64_t request, const char *service,
                                  int32_t peer_pid, probe_body_fn body, const void *ctx, const char *reason) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "reply-received", &r)) return r;
  key_handle(&w, "connection", connection);
  key_int(&w, "message", message);
  key_int(&w, "request", request);
  put_peer(&w, service, peer_pid);
  put_body(&w, body, ctx);
  if (reason != NULL) key_text(&w, "reason", reason);
  return end_record(s, &w);
}

probe_result probe_connection_error(probe_sink *s, uint64_t connection, const char *service, int32_t peer_pid, const char *error,
                                    const char *reason) {
  xw_writer w;
  probe_result r;
  if (!begin_record(s, &w, "connection-error", &r)) return r;
  key_handle(&w, "connection", connection);
  put_peer(&w, service, peer_pid);
  key_text(&w, "error", error);
  if (reason != NULL) key_text(&w, "reason", reason);
  return end_record(s, &w);
}
