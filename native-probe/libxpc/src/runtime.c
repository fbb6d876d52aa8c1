/*
 * The per-process XPC runtime on the broker socket, the C counterpart of sdk/runtime.ts: the
 * hello handshake, one I/O thread that reads frames, decodes them and routes each broker op to
 * its client connection, listener or peer connection (events go to the connection's serial
 * queue), the transaction accounting of peer handlers ("handled", replies created in a handler,
 * replies sent or dropped), and process exit when the broker says so (idle exit, end of
 * termination) or, for a process it launched, when it goes away. docs/protocol.md is the
 * protocol.
 */
#include "internal.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PROTOCOL_VERSION 1
#define REQUEST_FLAGS (XW_DEFAULT_MESSAGE_FLAGS | XW_FLAG_WANTING_REPLY)
#define REPLY_FLAGS (XW_DEFAULT_MESSAGE_FLAGS | XW_FLAG_REPLY)
#define MAX_FRAME_BODY (64u * 1024u * 1024u)

enum conn_kind { CK_CLIENT = 1, CK_LISTENER, CK_PEER };
enum delivery_phase { PH_QUEUED = 0, PH_RUNNING, PH_RETURNED };
enum reply_state { RP_NONE = 0, RP_CREATED, RP_SENT, RP_DROPPED };
enum pending_kind { PEND_HANDLER = 1, PEND_SYNC, PEND_SESSION };
enum event_kind { EV_MESSAGE = 1, EV_ERROR, EV_NEW_PEER, EV_PEER_MESSAGE };

/* A request waiting for its reply (or error): exactly one completion each. */
struct xpci_pending {
  struct xpci_pending *next;
  uint64_t request;
  int kind;
  xpc_handler_t handler;
  xpc_session_reply_handler_t session_handler;
  dispatch_queue_t queue;
  /* PEND_SYNC: the waiting thread sleeps on cond (with rt.mu) until done. */
  pthread_cond_t cond;
  int done;
  xpc_object_t result;
  char *reason;
};

struct xpci_barrier {
  struct xpci_barrier *next;
  uint64_t token;
  dispatch_block_t block;
  /* An internal waiter (session activation) instead of a block. */
  int *done;
};

/* A message delivered to a peer handler: its place in the broker's transaction accounting. */
struct xpci_delivery {
  int refs;
  uint64_t id;
  struct _xpc_connection_s *peer;
  bool expects_reply;
  int phase;
  pthread_t runner;
  int reply;
  /* A created reply released before its handler returned: reported after the return. */
  bool drop_pending;
  /* A reply sent by the handler itself: goes out with the "handler returned" notice. */
  xpc_object_t deferred;
};

struct _xpc_connection_s {
  struct xobj head;
  int kind;
  bool session_api;
  /* Local id (client connection, listener) or the broker's id (peer connection). */
  uint64_t id;
  /* The service (client, named listener) or endpoint name (endpoint client). */
  char *name;
  bool privileged;
  bool via_endpoint;
  bool anonymous;
  bool main_listener;
  xpc_connection_handler_t main_handler;
  xpc_handler_t handler;
  xpc_session_incoming_message_handler_t session_incoming;
  xpc_session_cancel_handler_t session_cancel;
  dispatch_queue_t target;
  /* Serial, targeting `target`; suspended while inactive or suspended. */
  dispatch_queue_t evq;
  bool evq_forced;
  bool activated;
  int suspend_count;
  bool ended;
  bool cancelled_locally;
  bool registered;
  bool listen_sent;
  bool listening;
  bool listen_failed;
  char *endpoint_name;
  xpc_object_t end_error;
  bool end_retryable;
  char *last_reason;
  pid_t pid;
  uid_t uid;
  gid_t gid;
  char *peer_name;
  /* A peer connection: the local id of the listener it came through. */
  uint64_t listener_id;
  void *context;
  xpc_finalizer_t finalizer;
  struct xpci_pending *pendings;
  struct xpci_barrier *barriers;
  uint64_t last_barrier;
  struct _xpc_connection_s *next;
};

struct xpci_event {
  struct _xpc_connection_s *conn;
  int kind;
  xpc_object_t object;
  struct xpci_delivery *delivery;
  bool final;
};

enum rt_state { RT_NEW = 0, RT_OPEN, RT_GONE };

static struct {
  pthread_mutex_t mu;
  /* Broadcast when a listener learns its endpoint, a barrier completes, or a connection ends. */
  pthread_cond_t cond;
  int state;
  int fd;
  char *gone_reason;
  char *fatal_reason;
  uint64_t last_frame;
  uint64_t last_local;
  struct _xpc_connection_s *conns;
  int64_t pid;
  char *job;
  bool launched_by_broker;
  int explicit_transactions;
} rt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, RT_NEW, -1, NULL, NULL, 0, 0, NULL, 0, NULL, false, 0};

/* ---- ops ------------------------------------------------------------------------------------ */

static void op_set(xpc_object_t d, const char *key, xpc_object_t owned) {
  xpci_dict_set(d, key, owned);
  xpci_release(owned);
}

static void op_str(xpc_object_t d, const char *key, const char *value) {
  op_set(d, key, xpc_string_create(value));
}

static void op_int(xpc_object_t d, const char *key, uint64_t value) {
  op_set(d, key, xpc_int64_create((int64_t)value));
}

static void op_bool(xpc_object_t d, const char *key, bool value) {
  xpci_dict_set(d, key, xpc_bool_create(value));
}

static void op_ids(xpc_object_t d, const char *key, uint64_t id) {
  struct xpci_array *a = xpci_array_new(1);
  xpci_array_push(a, xpc_int64_create((int64_t)id));
  op_set(d, key, a);
}

static xpc_object_t op_new(const char *name) {
  xpc_object_t d = xpci_dict_new();
  op_str(d, "op", name);
  return d;
}

static bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/*
 * Writes one op (consumed) as a frame; with rt.mu held. Returns false when the socket is not
 * open or the op cannot be encoded (*why then says why, if given). *id gets the frame id.
 */
static bool rt_send(xpc_object_t op, uint32_t flags, uint64_t *id, const char **why) {
  const char *problem = NULL;
  bool ok = false;
  if (rt.state != RT_OPEN) {
    problem = rt.gone_reason ? rt.gone_reason : "the broker connection is closed";
  } else {
    size_t length = 0;
    uint8_t *frame = xpci_encode_frame(op, flags, 0, &length, &problem);
    if (frame != NULL) {
      uint64_t frame_id = ++rt.last_frame;
      for (int i = 0; i < 8; i++) frame[16 + i] = (uint8_t)(frame_id >> (8 * i));
      if (!write_all(rt.fd, frame, length)) shutdown(rt.fd, SHUT_RDWR);
      free(frame);
      if (id) *id = frame_id;
      ok = true;
    }
  }
  if (!ok && why) *why = problem;
  xpci_release(op);
  return ok;
}

/* ---- connections in the runtime ------------------------------------------------------------- */

static void conn_register(struct _xpc_connection_s *c) {
  c->next = rt.conns;
  rt.conns = c;
  c->registered = true;
  xpci_retain(c);
}

/* Takes the connection off the runtime's list; the runtime's reference passes to the caller. */
static void conn_unregister(struct _xpc_connection_s *c) {
  for (struct _xpc_connection_s **at = &rt.conns; *at; at = &(*at)->next) {
    if (*at == c) {
      *at = c->next;
      break;
    }
  }
  c->next = NULL;
  c->registered = false;
}

static struct _xpc_connection_s *find_conn(int kind, uint64_t id) {
  for (struct _xpc_connection_s *c = rt.conns; c; c = c->next)
    if (c->id == id && c->kind == kind) return c;
  return NULL;
}

static void set_reason(struct _xpc_connection_s *c, const char *reason) {
  free(c->last_reason);
  c->last_reason = xpci_strdup(reason);
}

static void run_event(void *ctx);

/* Queues an event for the connection's handler; takes `object` and one reference to `c`. */
static void post_event(struct _xpc_connection_s *c, int kind, xpc_object_t object, struct xpci_delivery *d, bool final) {
  struct xpci_event *e = calloc(1, sizeof *e);
  if (e == NULL) abort();
  e->conn = c;
  e->kind = kind;
  e->object = object;
  e->delivery = d;
  e->final = final;
  dispatch_async_f(c->evq, e, run_event);
}

struct reply_call {
  xpc_handler_t handler;
  xpc_session_reply_handler_t session_handler;
  xpc_object_t reply;
  xpc_rich_error_t error;
};

static void run_reply(void *ctx) {
  struct reply_call *call = ctx;
  if (call->handler) {
    call->handler(call->reply);
    Block_release(call->handler);
  } else {
    call->session_handler(call->error ? NULL : call->reply, call->error);
    Block_release(call->session_handler);
  }
  xpci_release(call->reply);
  xpci_release(call->error);
  free(call);
}

static xpc_rich_error_t rich_error_new(const char *error, const char *reason, bool can_retry) {
  struct _xpc_rich_error_s *e = xpci_alloc(&_xpc_type_rich_error, sizeof *e);
  e->description = reason && *reason ? xpci_format("%s: %s", error, reason) : xpci_strdup(error);
  e->can_retry = can_retry;
  return e;
}

/* Completes a request with its reply or an error object (rt.mu held). */
static void complete_pending(struct _xpc_connection_s *c, struct xpci_pending *p, xpc_object_t result, const char *reason) {
  if (p->kind == PEND_SYNC) {
    p->result = xpci_retain(result);
    p->reason = reason ? xpci_strdup(reason) : NULL;
    p->done = 1;
    pthread_cond_signal(&p->cond);
    return;
  }
  struct reply_call *call = calloc(1, sizeof *call);
  if (call == NULL) abort();
  call->reply = xpci_retain(result);
  if (p->kind == PEND_HANDLER) {
    call->handler = p->handler;
  } else {
    call->session_handler = p->session_handler;
    if (XO_CODE(result) == XT_ERROR) call->error = rich_error_new(xpci_error_description(result), reason, c->ended && c->end_retryable);
  }
  dispatch_async_f(p->queue, call, run_reply);
  dispatch_release(p->queue);
  free(p);
}

static struct xpci_pending *take_pending(struct _xpc_connection_s *c, uint64_t request) {
  for (struct xpci_pending **at = &c->pendings; *at; at = &(*at)->next) {
    struct xpci_pending *p = *at;
    if (p->request == request) {
      *at = p->next;
      return p;
    }
  }
  return NULL;
}

static void run_barrier(struct _xpc_connection_s *c, struct xpci_barrier *b) {
  if (b->block) {
    dispatch_async(c->target, b->block);
    Block_release(b->block);
  } else {
    *b->done = 1;
    pthread_cond_broadcast(&rt.cond);
  }
  free(b);
}

/*
 * A client connection or session ends (rt.mu held): outstanding requests get `error`, barriers
 * run, and the handler's last event is `error`, exactly once.
 */
static void client_finish(struct _xpc_connection_s *c, xpc_object_t error, const char *reason, bool retryable) {
  if (c->ended) return;
  c->ended = true;
  c->end_error = xpci_retain(error);
  c->end_retryable = retryable;
  set_reason(c, reason);
  struct xpci_pending *p = c->pendings;
  c->pendings = NULL;
  while (p) {
    struct xpci_pending *next = p->next;
    complete_pending(c, p, error, reason);
    p = next;
  }
  struct xpci_barrier *b = c->barriers;
  c->barriers = NULL;
  while (b) {
    struct xpci_barrier *next = b->next;
    run_barrier(c, b);
    b = next;
  }
  if (c->registered) conn_unregister(c);
  else xpci_retain(c);
  post_event(c, EV_ERROR, xpci_retain(error), NULL, true);
  pthread_cond_broadcast(&rt.cond);
}

/* A listener or peer connection ends (rt.mu held): its handler's last event is `error`. */
static void server_end(struct _xpc_connection_s *c, xpc_object_t error, const char *reason, bool local) {
  if (c->ended) return;
  c->ended = true;
  c->end_error = xpci_retain(error);
  if (local) c->cancelled_locally = true;
  set_reason(c, reason);
  if (c->registered) conn_unregister(c);
  else xpci_retain(c);
  post_event(c, EV_ERROR, xpci_retain(error), NULL, true);
  /* The last event is delivered even if the service suspended the connection, or never activated a
   * peer connection; a listener not yet activated gets it at activation, once its handler is set. */
  if (!c->evq_forced && (c->activated || c->kind == CK_PEER)) {
    c->evq_forced = true;
    xpci_queue_force_resume(c->evq);
  }
  pthread_cond_broadcast(&rt.cond);
}

static void conn_end(struct _xpc_connection_s *c, xpc_object_t error, const char *reason, bool local) {
  if (c->kind == CK_CLIENT) client_finish(c, error, reason, false);
  else server_end(c, error, reason, local);
}

/* ---- starting: socket and hello ------------------------------------------------------------- */

static void *io_main(void *arg);

static void rt_fail_start(char *reason) {
  rt.state = RT_GONE;
  rt.gone_reason = reason;
  xpci_log("%s", reason);
}

/* Connects to the broker once (rt.mu held); afterwards rt.state is RT_OPEN or RT_GONE. */
static void rt_ensure(void) {
  if (rt.state != RT_NEW) return;
  const char *path = getenv("XPC_INSPECTOR_SOCKET");
  if (path == NULL || *path == '\0') {
    rt_fail_start(xpci_strdup("no broker socket: set XPC_INSPECTOR_SOCKET (the broker sets it for the processes it launches)"));
    return;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    rt_fail_start(xpci_format("cannot reach the broker at %s: the path is too long for a Unix socket", path));
    return;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    const char *what = e == ENOENT ? "no socket there (is xpc-inspector running?)" : e == ECONNREFUSED ? "nothing is listening" : strerror(e);
    rt_fail_start(xpci_format("cannot reach the broker at %s: %s", path, what));
    return;
  }
  rt.fd = fd;
  rt.state = RT_OPEN;
  const char *token = getenv("XPC_INSPECTOR_JOB_TOKEN");
  const char *type = getenv("XPC_INSPECTOR_PROCESS_TYPE");
  rt.launched_by_broker = token != NULL;
  xpc_object_t hello = op_new("hello");
  op_int(hello, "version", PROTOCOL_VERSION);
  op_str(hello, "name", program_invocation_short_name);
  op_str(hello, "processType", type != NULL && strcmp(type, "background") == 0 ? "background" : "app");
  if (token != NULL && *token != '\0') op_str(hello, "token", token);
  rt_send(hello, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attr, io_main, NULL) != 0) abort();
  pthread_attr_destroy(&attr);
}

/* ---- peer handlers and transaction accounting ------------------------------------------------ */

void xpci_delivery_unref(struct xpci_delivery *d) {
  if (d == NULL || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
  xpci_release(d->deferred);
  xpci_release(d->peer);
  free(d);
}

/* "The handler of delivery d returned" (rt.mu held), with what it left behind. */
static void report_returned(struct xpci_delivery *d) {
  d->phase = PH_RETURNED;
  if (d->deferred != NULL) {
    xpc_object_t op = op_new("reply");
    op_int(op, "request", d->id);
    xpci_dict_set(op, "body", d->deferred);
    op_bool(op, "handled", true);
    const char *why = NULL;
    if (!rt_send(op, REPLY_FLAGS, NULL, &why) && rt.state == RT_OPEN) xpci_log("the reply to message %" PRIu64 " cannot be sent: %s", d->id, why);
    return;
  }
  xpc_object_t op = op_new("handled");
  op_ids(op, "messages", d->id);
  if (d->reply == RP_CREATED || d->drop_pending) op_ids(op, "replies", d->id);
  rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  if (d->drop_pending) {
    xpc_object_t dropped = op_new("reply-dropped");
    op_int(dropped, "request", d->id);
    rt_send(dropped, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  }
}

static void run_peer_message(struct _xpc_connection_s *c, xpc_object_t message, struct xpci_delivery *d) {
  pthread_mutex_lock(&rt.mu);
  xpc_handler_t handler = NULL;
  bool skip = c->cancelled_locally;
  if (!skip) {
    d->phase = PH_RUNNING;
    d->runner = pthread_self();
    handler = c->handler ? Block_copy(c->handler) : NULL;
  }
  pthread_mutex_unlock(&rt.mu);
  if (handler != NULL) {
    handler(message);
    Block_release(handler);
  }
  pthread_mutex_lock(&rt.mu);
  report_returned(d);
  xpc_object_t deferred = d->deferred;
  d->deferred = NULL;
  pthread_mutex_unlock(&rt.mu);
  xpci_release(deferred);
  xpci_delivery_unref(d);
}

static void run_event(void *ctx) {
  struct xpci_event *e = ctx;
  struct _xpc_connection_s *c = e->conn;
  if (e->kind == EV_PEER_MESSAGE) {
    run_peer_message(c, e->object, e->delivery);
  } else {
    pthread_mutex_lock(&rt.mu);
    bool skip = !e->final && c->cancelled_locally;
    xpc_handler_t handler = c->handler ? Block_copy(c->handler) : NULL;
    xpc_session_incoming_message_handler_t incoming = c->session_incoming ? Block_copy(c->session_incoming) : NULL;
    xpc_session_cancel_handler_t cancel = c->session_cancel ? Block_copy(c->session_cancel) : NULL;
    xpc_rich_error_t rich = e->final && c->session_api ? rich_error_new(xpci_error_description(e->object), c->last_reason, c->end_retryable) : NULL;
    bool main_failed = e->final && c->main_listener && c->listen_failed;
    char *reason = c->last_reason ? xpci_strdup(c->last_reason) : NULL;
    pthread_mutex_unlock(&rt.mu);
    if (!skip) {
      if (c->session_api) {
        if (e->kind == EV_MESSAGE && incoming) incoming(e->object);
        else if (e->final && cancel) cancel(rich);
      } else if (e->kind == EV_NEW_PEER && c->main_handler) {
        c->main_handler(e->object);
      } else if (handler) {
        handler(e->object);
      }
    }
    if (main_failed) {
      xpci_log("xpc_main: cannot listen: %s", reason ? reason : "the listener ended");
      exit(EXIT_FAILURE);
    }
    free(reason);
    xpci_release(rich);
    if (handler) Block_release(handler);
    if (incoming) Block_release(incoming);
    if (cancel) Block_release(cancel);
    if (e->final) {
      /* After the last event the handlers are let go, as libxpc does. */
      pthread_mutex_lock(&rt.mu);
      handler = c->handler;
      incoming = c->session_incoming;
      cancel = c->session_cancel;
      c->handler = NULL;
      c->session_incoming = NULL;
      c->session_cancel = NULL;
      pthread_mutex_unlock(&rt.mu);
      if (handler) Block_release(handler);
      if (incoming) Block_release(incoming);
      if (cancel) Block_release(cancel);
    }
  }
  xpci_release(e->object);
  xpci_release(c);
  free(e);
}

/* ---- broker ops ----------------------------------------------------------------------------- */

/* Why the op is malformed, for closing the socket; NULL while it is fine. */
static char *op_problem;

static void bad_field(const char *op, const char *key, const char *expected) {
  if (op_problem == NULL) op_problem = xpci_format("op '%s' from the broker: key '%s' must be %s", op, key, expected);
}

static bool f_int(xpc_object_t d, const char *op, const char *key, uint64_t *out, bool optional) {
  xpc_object_t v = xpci_dict_get(d, key);
  if (v == NULL && optional) return false;
  if (v != NULL && XO_CODE(v) == XT_INT64 && ((struct xpci_scalar *)v)->v.i >= 0 && ((struct xpci_scalar *)v)->v.i <= 9007199254740991) {
    *out = (uint64_t)((struct xpci_scalar *)v)->v.i;
    return true;
  }
  if (v != NULL && XO_CODE(v) == XT_UINT64 && ((struct xpci_scalar *)v)->v.u <= 9007199254740991ull) {
    *out = ((struct xpci_scalar *)v)->v.u;
    return true;
  }
  bad_field(op, key, "int64");
  return false;
}

static bool f_str(xpc_object_t d, const char *op, const char *key, const char **out, bool optional) {
  xpc_object_t v = xpci_dict_get(d, key);
  if (v == NULL && optional) return false;
  if (v != NULL && XO_CODE(v) == XT_STRING) {
    *out = ((struct xpci_string *)v)->text;
    return true;
  }
  bad_field(op, key, "string");
  return false;
}

static bool f_bool(xpc_object_t d, const char *op, const char *key, bool *out, bool optional) {
  xpc_object_t v = xpci_dict_get(d, key);
  if (v == NULL && optional) return false;
  if (v != NULL && XO_CODE(v) == XT_BOOL) {
    *out = ((struct _xpc_bool_s *)v)->value;
    return true;
  }
  bad_field(op, key, "bool");
  return false;
}

/* An XPC error object, as the global error of that description when there is one. */
static bool f_error(xpc_object_t d, const char *op, const char *key, xpc_object_t *out) {
  xpc_object_t v = xpci_dict_get(d, key);
  if (v != NULL && XO_CODE(v) == XT_ERROR) {
    xpc_object_t known = xpci_error_by_name(xpci_error_description(v));
    *out = known ? known : v;
    return true;
  }
  bad_field(op, key, "error");
  return false;
}

static bool f_any(xpc_object_t d, const char *op, const char *key, xpc_object_t *out) {
  *out = xpci_dict_get(d, key);
  if (*out != NULL) return true;
  bad_field(op, key, "an XPC value");
  return false;
}

static void mark_received(xpc_object_t body, struct _xpc_connection_s *c, struct xpci_delivery *d) {
  if (body == NULL || XO_CODE(body) != XT_DICTIONARY) return;
  struct _xpc_dictionary_s *dict = body;
  if (dict->remote == NULL) dict->remote = xpci_retain(c);
  if (d != NULL && dict->delivery == NULL) {
    __atomic_fetch_add(&d->refs, 1, __ATOMIC_RELAXED);
    dict->delivery = d;
  }
}

static void on_peer_new(xpc_object_t op) {
  uint64_t listener_id = 0, peer_id = 0, pid = 0, uid = 0, gid = 0;
  const char *name = NULL, *api = NULL;
  f_int(op, "peer-new", "listener", &listener_id, false);
  f_int(op, "peer-new", "peer", &peer_id, false);
  f_int(op, "peer-new", "pid", &pid, false);
  f_int(op, "peer-new", "uid", &uid, false);
  f_int(op, "peer-new", "gid", &gid, false);
  f_str(op, "peer-new", "name", &name, false);
  f_str(op, "peer-new", "api", &api, false);
  if (op_problem) return;
  struct _xpc_connection_s *listener = find_conn(CK_LISTENER, listener_id);
  if (listener == NULL || listener->ended) {
    xpc_object_t cancel = op_new("peer-cancel");
    op_int(cancel, "peer", peer_id);
    op_str(cancel, "reason", "the listener was cancelled");
    rt_send(cancel, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
    return;
  }
  struct _xpc_connection_s *peer = xpci_alloc(&_xpc_type_connection, sizeof *peer);
  peer->kind = CK_PEER;
  peer->id = peer_id;
  peer->pid = (pid_t)pid;
  peer->uid = (uid_t)uid;
  peer->gid = (gid_t)gid;
  peer->peer_name = xpci_strdup(name);
  peer->listener_id = listener_id;
  peer->target = xpci_queue_create("com.apple.xpc.peer", NULL);
  peer->evq = xpci_queue_create("com.apple.xpc.peer", peer->target);
  dispatch_suspend(peer->evq);
  conn_register(peer);
  /* The user's reference: given to the listener's handler, which retains it to keep it. */
  xpci_retain(listener);
  post_event(listener, EV_NEW_PEER, peer, NULL, false);
}

static void on_deliver(xpc_object_t op, uint64_t message_id) {
  uint64_t peer_id = 0;
  xpc_object_t body = NULL;
  bool expects_reply = false;
  f_int(op, "deliver", "peer", &peer_id, false);
  f_any(op, "deliver", "body", &body);
  f_bool(op, "deliver", "reply", &expects_reply, false);
  if (op_problem) return;
  struct _xpc_connection_s *peer = find_conn(CK_PEER, peer_id);
  if (peer == NULL) {
    /* Crossed with our own cancel of that peer: never handled, but the broker's count must come down. */
    xpc_object_t handled = op_new("handled");
    op_ids(handled, "messages", message_id);
    rt_send(handled, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
    return;
  }
  struct xpci_delivery *d = calloc(1, sizeof *d);
  if (d == NULL) abort();
  d->refs = 1;
  d->id = message_id;
  d->peer = xpci_retain(peer);
  d->expects_reply = expects_reply;
  mark_received(body, peer, d);
  xpci_retain(peer);
  post_event(peer, EV_PEER_MESSAGE, xpci_retain(body), d, false);
}

static void on_reply(xpc_object_t op, bool error) {
  const char *name = error ? "reply-error" : "reply";
  uint64_t conn_id = 0, request = 0;
  xpc_object_t body = NULL;
  const char *reason = NULL;
  f_int(op, name, "connection", &conn_id, false);
  f_int(op, name, "request", &request, false);
  if (error) {
    f_error(op, name, "error", &body);
    f_str(op, name, "reason", &reason, false);
  } else {
    f_any(op, name, "body", &body);
  }
  if (op_problem) return;
  struct _xpc_connection_s *c = find_conn(CK_CLIENT, conn_id);
  if (c == NULL) return;
  struct xpci_pending *p = take_pending(c, request);
  /* An ended connection keeps the reason it ended with. */
  if (error && !c->ended) set_reason(c, reason);
  if (p == NULL) return;
  if (!error) mark_received(body, c, NULL);
  complete_pending(c, p, body, reason);
}

static void on_connection_error(xpc_object_t op) {
  uint64_t conn_id = 0;
  xpc_object_t error = NULL;
  const char *reason = NULL;
  bool retryable = false;
  f_int(op, "connection-error", "connection", &conn_id, false);
  f_error(op, "connection-error", "error", &error);
  f_str(op, "connection-error", "reason", &reason, false);
  f_bool(op, "connection-error", "retryable", &retryable, true);
  if (op_problem) return;
  struct _xpc_connection_s *c = find_conn(CK_CLIENT, conn_id);
  if (c == NULL || c->ended) return;
  if (error == XPC_ERROR_CONNECTION_INTERRUPTED) {
    set_reason(c, reason);
    if (!c->session_api) {
      xpci_retain(c);
      post_event(c, EV_ERROR, error, NULL, false);
    }
    return;
  }
  /* Final: let go of the id, as the protocol asks. */
  xpc_object_t cancel = op_new("cancel");
  op_int(cancel, "connection", c->id);
  rt_send(cancel, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  client_finish(c, error, reason, retryable);
}

static void on_message(xpc_object_t op) {
  uint64_t conn_id = 0;
  xpc_object_t body = NULL;
  f_int(op, "message", "connection", &conn_id, false);
  f_any(op, "message", "body", &body);
  if (op_problem) return;
  struct _xpc_connection_s *c = find_conn(CK_CLIENT, conn_id);
  if (c == NULL || c->ended) return;
  mark_received(body, c, NULL);
  xpci_retain(c);
  post_event(c, EV_MESSAGE, xpci_retain(body), NULL, false);
}

static void on_barrier_done(xpc_object_t op) {
  uint64_t conn_id = 0, token = 0;
  f_int(op, "barrier-done", "connection", &conn_id, false);
  f_int(op, "barrier-done", "token", &token, false);
  if (op_problem) return;
  struct _xpc_connection_s *c = find_conn(CK_CLIENT, conn_id);
  if (c == NULL) return;
  for (struct xpci_barrier **at = &c->barriers; *at; at = &(*at)->next) {
    struct xpci_barrier *b = *at;
    if (b->token == token) {
      *at = b->next;
      run_barrier(c, b);
      return;
    }
  }
}

static void on_listening(xpc_object_t op, bool failed) {
  const char *name = failed ? "listen-failed" : "listening";
  uint64_t listener_id = 0;
  const char *text = NULL;
  f_int(op, name, "listener", &listener_id, false);
  f_str(op, name, failed ? "reason" : "endpoint", &text, !failed);
  if (op_problem) return;
  struct _xpc_connection_s *l = find_conn(CK_LISTENER, listener_id);
  if (l == NULL) return;
  if (failed) {
    l->listen_failed = true;
    server_end(l, XPC_ERROR_CONNECTION_INVALID, text, false);
    return;
  }
  l->listening = true;
  if (text != NULL) {
    free(l->endpoint_name);
    l->endpoint_name = xpci_strdup(text);
  }
  pthread_cond_broadcast(&rt.cond);
}

static void on_peer_error(xpc_object_t op) {
  uint64_t peer_id = 0;
  xpc_object_t error = NULL;
  const char *reason = NULL;
  f_int(op, "peer-error", "peer", &peer_id, false);
  f_error(op, "peer-error", "error", &error);
  f_str(op, "peer-error", "reason", &reason, false);
  if (op_problem) return;
  struct _xpc_connection_s *peer = find_conn(CK_PEER, peer_id);
  if (peer == NULL || peer->ended) return;
  if (error == XPC_ERROR_CONNECTION_INVALID) {
    server_end(peer, error, reason, false);
    return;
  }
  set_reason(peer, reason);
  xpci_retain(peer);
  post_event(peer, EV_ERROR, xpci_retain(error), NULL, false);
}

/* Handles one op from the broker (rt.mu held). Returns an exit status to exit with, or -1. */
static int handle_op(xpc_object_t op, uint64_t frame_id) {
  const char *name = NULL;
  if (XO_CODE(op) != XT_DICTIONARY || !f_str(op, "frame", "op", &name, false)) {
    free(op_problem);
    op_problem = xpci_strdup("a frame from the broker is not an op dictionary");
    return -1;
  }
  if (strcmp(name, "hello-ok") == 0) {
    uint64_t pid = 0;
    const char *job = NULL;
    f_int(op, name, "pid", &pid, false);
    f_str(op, name, "job", &job, true);
    rt.pid = (int64_t)pid;
    if (job) rt.job = xpci_strdup(job);
  } else if (strcmp(name, "fatal") == 0) {
    const char *reason = NULL;
    if (f_str(op, name, "reason", &reason, false)) {
      free(rt.fatal_reason);
      rt.fatal_reason = xpci_strdup(reason);
    }
  } else if (strcmp(name, "listening") == 0) {
    on_listening(op, false);
  } else if (strcmp(name, "listen-failed") == 0) {
    on_listening(op, true);
  } else if (strcmp(name, "peer-new") == 0) {
    on_peer_new(op);
  } else if (strcmp(name, "deliver") == 0) {
    on_deliver(op, frame_id);
  } else if (strcmp(name, "peer-error") == 0) {
    on_peer_error(op);
  } else if (strcmp(name, "reply") == 0) {
    on_reply(op, false);
  } else if (strcmp(name, "reply-error") == 0) {
    on_reply(op, true);
  } else if (strcmp(name, "connection-error") == 0) {
    on_connection_error(op);
  } else if (strcmp(name, "message") == 0) {
    on_message(op);
  } else if (strcmp(name, "barrier-done") == 0) {
    on_barrier_done(op);
  } else if (strcmp(name, "idle-exit") == 0 || strcmp(name, "exit") == 0) {
    /* xpc_main(3): the runtime ends the process; the broker checked there is no work left. */
    return 0;
  }
  /* Unknown ops are ignored: a newer broker may add some. */
  return -1;
}

/* ---- the I/O thread ------------------------------------------------------------------------- */

static ssize_t read_some(int fd, uint8_t *p, size_t n) {
  for (;;) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

static bool read_full(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read_some(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Every connection, listener and peer connection ends with CONNECTION_INVALID (rt.mu held). */
static void rt_gone(const char *why) {
  if (rt.state == RT_GONE) return;
  rt.state = RT_GONE;
  rt.gone_reason = xpci_format("the broker connection closed: %s", why);
  while (rt.conns) conn_end(rt.conns, XPC_ERROR_CONNECTION_INVALID, rt.gone_reason, false);
  pthread_cond_broadcast(&rt.cond);
}

static void *io_main(void *arg) {
  (void)arg;
  int fd = rt.fd;
  char *why = NULL;
  uint8_t header[XW_FRAME_HEADER_SIZE];
  for (;;) {
    if (!read_full(fd, header, sizeof header)) break;
    uint32_t magic = (uint32_t)header[0] | (uint32_t)header[1] << 8 | (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
    if (magic != XW_FRAME_MAGIC) {
      why = xpci_format("malformed frame from the broker: bad frame magic 0x%08x", magic);
      break;
    }
    uint64_t length = le64(header + 8);
    uint64_t frame_id = le64(header + 16);
    if (length > MAX_FRAME_BODY) {
      why = xpci_format("malformed frame from the broker: a body of %" PRIu64 " bytes is over the limit", length);
      break;
    }
    /* Grown as bytes arrive, so a header that claims a large body costs nothing until it is sent. */
    size_t have = 0, capacity = 0;
    uint8_t *body = NULL;
    bool ok = true;
    while (have < length) {
      if (have == capacity) {
        capacity = capacity == 0 ? 4096 : capacity * 2;
        if (capacity > length) capacity = (size_t)length;
        uint8_t *grown = realloc(body, capacity);
        if (grown == NULL) abort();
        body = grown;
      }
      ssize_t r = read_some(fd, body + have, capacity - have);
      if (r <= 0) {
        ok = false;
        break;
      }
      have += (size_t)r;
    }
    if (!ok) {
      free(body);
      break;
    }
    xpci_decode_error err = {0};
    xpc_object_t op = xpci_decode(body, (size_t)length, &xpci_default_limits, &err);
    free(body);
    if (op == NULL) {
      why = xpci_format("malformed frame body from the broker: %s at byte %zu", err.code, err.offset);
      break;
    }
    pthread_mutex_lock(&rt.mu);
    int exit_status = handle_op(op, frame_id);
    char *problem = op_problem;
    op_problem = NULL;
    pthread_mutex_unlock(&rt.mu);
    xpci_release(op);
    if (exit_status >= 0) {
      fflush(NULL);
      exit(exit_status);
    }
    if (problem != NULL) {
      why = problem;
      break;
    }
  }
  pthread_mutex_lock(&rt.mu);
  if (why == NULL) why = rt.fatal_reason ? xpci_format("the broker closed the connection: %s", rt.fatal_reason) : xpci_strdup("the broker closed the connection");
  xpci_log("%s", why);
  rt_gone(why);
  /* Writers check rt.state (now RT_GONE) under rt.mu before touching the descriptor. */
  close(fd);
  rt.fd = -1;
  bool launched = rt.launched_by_broker;
  pthread_mutex_unlock(&rt.mu);
  free(why);
  /* A service the broker launched has no reason to outlive it. */
  if (launched) {
    fflush(NULL);
    exit(0);
  }
  return NULL;
}
