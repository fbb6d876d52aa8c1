/*
 * xpc_connection(3) and xpc_main(3) on the broker protocol: client connections (connect,
 * activate, counted suspend/resume, send, requests, synchronous requests, barriers, cancel),
 * listeners (named, anonymous with endpoints, xpc_main's), peer connections and replies.
 */

static struct _xpc_connection_s *conn_new(int kind, const char *name, dispatch_queue_t targetq) {
  struct _xpc_connection_s *c = xpci_alloc(&_xpc_type_connection, sizeof *c);
  c->kind = kind;
  c->name = name ? xpci_strdup(name) : NULL;
  char *label = xpci_format("com.apple.xpc.connection.%s", name ? name : "anonymous");
  if (targetq != NULL) {
    dispatch_retain(targetq);
    c->target = targetq;
  } else {
    /* libxpc would use the default global queue; a serial queue keeps the events in order. */
    c->target = xpci_queue_create(label, NULL);
  }
  c->evq = xpci_queue_create(label, c->target);
  free(label);
  /* Created inactive: no event is delivered before activation. */
  dispatch_suspend(c->evq);
  return c;
}

static struct _xpc_connection_s *as_conn(xpc_object_t o, const char *what) {
  if (o != NULL && XO_CODE(o) == XT_CONNECTION) return o;
  xpci_log("%s: not a connection (%s)", what, o == NULL ? "NULL" : XO(o)->type->name);
  return NULL;
}

/* Registers a client connection and sends `connect` (rt.mu held). */
static void client_connect(struct _xpc_connection_s *c) {
  rt_ensure();
  c->id = ++rt.last_local;
  conn_register(c);
  if (rt.state != RT_OPEN) {
    client_finish(c, XPC_ERROR_CONNECTION_INVALID, rt.gone_reason, false);
    return;
  }
  xpc_object_t op = op_new("connect");
  op_int(op, "connection", c->id);
  op_str(op, "service", c->name ? c->name : "");
  op_bool(op, "privileged", c->privileged);
  op_str(op, "api", c->session_api ? "session" : "connection");
  op_bool(op, "endpoint", c->via_endpoint);
  rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
}

/* Registers a listener and sends `listen` (rt.mu held). */
static void listener_listen(struct _xpc_connection_s *c) {
  if (c->listen_sent) return;
  c->listen_sent = true;
  rt_ensure();
  c->id = ++rt.last_local;
  conn_register(c);
  if (rt.state != RT_OPEN) {
    server_end(c, XPC_ERROR_CONNECTION_INVALID, rt.gone_reason, false);
    return;
  }
  xpc_object_t op = op_new("listen");
  op_int(op, "listener", c->id);
  if (c->anonymous) op_bool(op, "anonymous", true);
  else if (!c->main_listener) op_str(op, "service", c->name);
  op_str(op, "api", "connection");
  rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
}

xpc_connection_t xpc_connection_create(const char *name, dispatch_queue_t targetq) {
  if (name == NULL) {
    struct _xpc_connection_s *c = conn_new(CK_LISTENER, NULL, targetq);
    c->anonymous = true;
    pthread_mutex_lock(&rt.mu);
    /* Registered at once, so that xpc_endpoint_create works before the listener is resumed. */
    listener_listen(c);
    pthread_mutex_unlock(&rt.mu);
    return c;
  }
  struct _xpc_connection_s *c = conn_new(CK_CLIENT, name, targetq);
  pthread_mutex_lock(&rt.mu);
  client_connect(c);
  pthread_mutex_unlock(&rt.mu);
  return c;
}

xpc_connection_t xpc_connection_create_mach_service(const char *name, dispatch_queue_t targetq, uint64_t flags) {
  if (flags & XPC_CONNECTION_MACH_SERVICE_LISTENER) {
    /* Checks in (`listen`) when activated. */
    return conn_new(CK_LISTENER, name, targetq);
  }
  struct _xpc_connection_s *c = conn_new(CK_CLIENT, name, targetq);
  c->privileged = (flags & XPC_CONNECTION_MACH_SERVICE_PRIVILEGED) != 0;
  pthread_mutex_lock(&rt.mu);
  client_connect(c);
  pthread_mutex_unlock(&rt.mu);
  return c;
}

xpc_connection_t xpc_connection_create_from_endpoint(xpc_endpoint_t endpoint) {
  const char *name = endpoint != NULL && XO_CODE(endpoint) == XT_ENDPOINT ? endpoint->name : "";
  struct _xpc_connection_s *c = conn_new(CK_CLIENT, name, NULL);
  c->via_endpoint = true;
  pthread_mutex_lock(&rt.mu);
  client_connect(c);
  pthread_mutex_unlock(&rt.mu);
  return c;
}

xpc_endpoint_t xpc_endpoint_create(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_endpoint_create");
  if (c == NULL || c->kind != CK_LISTENER || !c->anonymous) {
    xpci_log("xpc_endpoint_create: only an anonymous listener (xpc_connection_create(NULL, queue)) has an endpoint");
    return xpci_endpoint_create_named("");
  }
  pthread_mutex_lock(&rt.mu);
  while (!c->listening && !c->ended && rt.state == RT_OPEN) pthread_cond_wait(&rt.cond, &rt.mu);
  xpc_endpoint_t e = xpci_endpoint_create_named(c->endpoint_name ? c->endpoint_name : "");
  pthread_mutex_unlock(&rt.mu);
  return e;
}

void xpc_connection_set_target_queue(xpc_connection_t connection, dispatch_queue_t targetq) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_set_target_queue");
  if (c == NULL) return;
  pthread_mutex_lock(&rt.mu);
  bool late = c->activated;
  pthread_mutex_unlock(&rt.mu);
  if (late) {
    xpci_log("xpc_connection_set_target_queue: the connection is already activated");
    return;
  }
  dispatch_queue_t target = targetq;
  if (target != NULL) dispatch_retain(target);
  else target = xpci_queue_create("com.apple.xpc.connection", NULL);
  dispatch_queue_t old = c->target;
  c->target = target;
  dispatch_set_target_queue(c->evq, target);
  dispatch_release(old);
}

void xpc_connection_set_event_handler(xpc_connection_t connection, xpc_handler_t handler) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_set_event_handler");
  if (c == NULL) return;
  xpc_handler_t copy = handler ? Block_copy(handler) : NULL;
  pthread_mutex_lock(&rt.mu);
  xpc_handler_t old = c->handler;
  c->handler = copy;
  pthread_mutex_unlock(&rt.mu);
  if (old) Block_release(old);
}

/* Sends an op naming this connection or peer (rt.mu held). */
static void send_conn_op(struct _xpc_connection_s *c, const char *client_op, const char *peer_op) {
  xpc_object_t op = op_new(c->kind == CK_PEER ? peer_op : client_op);
  op_int(op, c->kind == CK_PEER ? "peer" : "connection", c->id);
  rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
}

static bool activate_locked(struct _xpc_connection_s *c, const char *what) {
  if (c->activated) {
    xpci_log("%s: the connection is already activated", what);
    return false;
  }
  c->activated = true;
  if (c->kind == CK_LISTENER) listener_listen(c);
  else if (!c->ended) send_conn_op(c, "activate", "peer-activate");
  return true;
}

void xpc_connection_activate(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_activate");
  if (c == NULL) return;
  pthread_mutex_lock(&rt.mu);
  /* Lifts the suspension the connection was created with; counted suspends still hold it. */
  bool resume = activate_locked(c, "xpc_connection_activate") && !c->evq_forced;
  pthread_mutex_unlock(&rt.mu);
  if (resume) dispatch_resume(c->evq);
}

/* Counted even on an ended connection (nothing is sent then): a handler waits for its final
 * event behind a suspension until the matching resume, as in libxpc. */
void xpc_connection_suspend(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_suspend");
  if (c == NULL) return;
  pthread_mutex_lock(&rt.mu);
  c->suspend_count++;
  if (!c->ended && c->kind != CK_LISTENER) send_conn_op(c, "suspend", "peer-suspend");
  bool forced = c->evq_forced;
  pthread_mutex_unlock(&rt.mu);
  if (!forced) dispatch_suspend(c->evq);
}

void xpc_connection_resume(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_resume");
  if (c == NULL) return;
  pthread_mutex_lock(&rt.mu);
  if (!c->activated && c->suspend_count == 0) {
    /* The first resume of a new connection activates it. */
    pthread_mutex_unlock(&rt.mu);
    xpc_connection_activate(connection);
    return;
  }
  if (c->suspend_count == 0) {
    pthread_mutex_unlock(&rt.mu);
    xpci_log("xpc_connection_resume: over-resume of connection %p (resumed more often than suspended)", connection);
    return;
  }
  c->suspend_count--;
  if (!c->ended && c->kind != CK_LISTENER) send_conn_op(c, "resume", "peer-resume");
  bool forced = c->evq_forced;
  pthread_mutex_unlock(&rt.mu);
  if (!forced) dispatch_resume(c->evq);
}

void xpc_connection_cancel(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_cancel");
  if (c == NULL) return;
  pthread_mutex_lock(&rt.mu);
  if (!c->ended) {
    c->cancelled_locally = true;
    if (c->kind == CK_CLIENT) {
      send_conn_op(c, "cancel", "cancel");
      client_finish(c, XPC_ERROR_CONNECTION_INVALID, "canceled by the client", false);
    } else if (c->kind == CK_PEER) {
      send_conn_op(c, "", "peer-cancel");
      server_end(c, XPC_ERROR_CONNECTION_INVALID, "canceled by the service", true);
    } else {
      if (c->listen_sent) {
        xpc_object_t op = op_new("listener-cancel");
        op_int(op, "listener", c->id);
        rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
        /* The broker detaches the listener's peers from their clients: they end here too. */
        for (struct _xpc_connection_s *p = rt.conns; p != NULL;) {
          struct _xpc_connection_s *next = p->next;
          if (p->kind == CK_PEER && p->listener_id == c->id) server_end(p, XPC_ERROR_CONNECTION_INVALID, "its listener was canceled", true);
          p = next;
        }
      }
      server_end(c, XPC_ERROR_CONNECTION_INVALID, "canceled", true);
    }
  }
  pthread_mutex_unlock(&rt.mu);
}

/* ---- sending ---------------------------------------------------------------------------------- */

/* A reply (from xpc_dictionary_create_reply) goes back to its requester whatever the connection. */
static void send_reply(struct _xpc_dictionary_s *reply) {
  struct xpci_delivery *d = reply->reply_to;
  pthread_mutex_lock(&rt.mu);
  if (d->reply != RP_CREATED) {
    pthread_mutex_unlock(&rt.mu);
    xpci_log("xpc_connection_send_message: the reply to message %" PRIu64 " was already sent or released", d->id);
    return;
  }
  d->reply = RP_SENT;
  if (d->phase == PH_RUNNING && pthread_equal(d->runner, pthread_self())) {
    /* Sent from inside its handler: one frame with the "handler returned" notice. */
    d->deferred = xpci_copy(reply);
  } else {
    xpc_object_t op = op_new("reply");
    op_int(op, "request", d->id);
    xpci_dict_set(op, "body", reply);
    op_bool(op, "handled", false);
    const char *why = NULL;
    if (!rt_send(op, REPLY_FLAGS, NULL, &why) && rt.state == RT_OPEN) xpci_log("the reply to message %" PRIu64 " cannot be sent: %s", d->id, why);
  }
  pthread_mutex_unlock(&rt.mu);
}

static bool is_reply(xpc_object_t message) {
  return message != NULL && XO_CODE(message) == XT_DICTIONARY && ((struct _xpc_dictionary_s *)message)->reply_to != NULL;
}

/* Sends a message on a client connection (rt.mu held); *id gets the request id. */
static bool client_send(struct _xpc_connection_s *c, xpc_object_t message, bool reply, bool sync, uint64_t *id, const char **why) {
  xpc_object_t op = op_new("send");
  op_int(op, "connection", c->id);
  xpci_dict_set(op, "body", message);
  op_bool(op, "reply", reply);
  op_bool(op, "sync", sync);
  return rt_send(op, reply ? REQUEST_FLAGS : XW_DEFAULT_MESSAGE_FLAGS, id, why);
}

void xpc_connection_send_message(xpc_connection_t connection, xpc_object_t message) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_send_message");
  if (c == NULL || message == NULL) return;
  if (is_reply(message)) {
    send_reply(message);
    return;
  }
  pthread_mutex_lock(&rt.mu);
  const char *why = NULL;
  bool sent = true;
  if (c->ended) {
    /* A message on a finished connection goes nowhere, as in libxpc. */
  } else if (c->kind == CK_CLIENT) {
    sent = client_send(c, message, false, false, NULL, &why);
  } else if (c->kind == CK_PEER) {
    xpc_object_t op = op_new("peer-send");
    op_int(op, "peer", c->id);
    xpci_dict_set(op, "body", message);
    sent = rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, &why);
  } else {
    why = "a listener cannot send messages";
    sent = false;
  }
  bool open = rt.state == RT_OPEN;
  pthread_mutex_unlock(&rt.mu);
  if (!sent && (open || c->kind == CK_LISTENER)) xpci_log("xpc_connection_send_message: the message cannot be sent: %s", why);
}

static struct xpci_pending *pending_new(int kind, uint64_t request, dispatch_queue_t queue) {
  struct xpci_pending *p = calloc(1, sizeof *p);
  if (p == NULL) abort();
  p->kind = kind;
  p->request = request;
  if (queue != NULL) {
    dispatch_retain(queue);
    p->queue = queue;
  }
  return p;
}

/* Answers a request that never left with an error, on its queue. */
static void fail_request_async(dispatch_queue_t queue, xpc_handler_t handler, xpc_session_reply_handler_t session_handler, xpc_object_t error,
                               const char *reason, bool can_retry) {
  struct reply_call *call = calloc(1, sizeof *call);
  if (call == NULL) abort();
  call->reply = xpci_retain(error);
  if (handler) {
    call->handler = Block_copy(handler);
  } else {
    call->session_handler = Block_copy(session_handler);
    call->error = rich_error_new(xpci_error_description(error), reason, can_retry);
  }
  dispatch_async_f(queue, call, run_reply);
}

void xpc_connection_send_message_with_reply(xpc_connection_t connection, xpc_object_t message, dispatch_queue_t replyq, xpc_handler_t handler) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_send_message_with_reply");
  if (c == NULL || message == NULL || handler == NULL) return;
  dispatch_queue_t queue = replyq ? replyq : c->target;
  pthread_mutex_lock(&rt.mu);
  if (c->kind != CK_CLIENT || c->ended) {
    const char *reason = c->kind != CK_CLIENT ? "only a client connection sends requests" : c->last_reason;
    char *copy = reason ? xpci_strdup(reason) : NULL;
    if (c->ended && c->last_reason == NULL) set_reason(c, "the connection is no longer valid");
    pthread_mutex_unlock(&rt.mu);
    fail_request_async(queue, handler, NULL, XPC_ERROR_CONNECTION_INVALID, copy, false);
    free(copy);
    return;
  }
  uint64_t id = 0;
  const char *why = NULL;
  if (!client_send(c, message, true, false, &id, &why)) {
    char *reason = xpci_format("the message cannot be sent: %s", why ? why : "unknown");
    pthread_mutex_unlock(&rt.mu);
    xpci_log("xpc_connection_send_message_with_reply: %s", reason);
    fail_request_async(queue, handler, NULL, XPC_ERROR_CONNECTION_INVALID, reason, false);
    free(reason);
    return;
  }
  struct xpci_pending *p = pending_new(PEND_HANDLER, id, queue);
  p->handler = Block_copy(handler);
  p->next = c->pendings;
  c->pendings = p;
  pthread_mutex_unlock(&rt.mu);
}

/* Sends a request and blocks the calling thread until its reply or error (rt.mu held). */
static xpc_object_t send_sync_locked(struct _xpc_connection_s *c, xpc_object_t message, char **reason_out) {
  *reason_out = NULL;
  if (c->ended) {
    *reason_out = c->last_reason ? xpci_strdup(c->last_reason) : NULL;
    return xpci_retain(c->end_error ? c->end_error : XPC_ERROR_CONNECTION_INVALID);
  }
  uint64_t id = 0;
  const char *why = NULL;
  if (!client_send(c, message, true, true, &id, &why)) {
    *reason_out = xpci_format("the message cannot be sent: %s", why ? why : "unknown");
    xpci_log("%s", *reason_out);
    return XPC_ERROR_CONNECTION_INVALID;
  }
  struct xpci_pending *p = pending_new(PEND_SYNC, id, NULL);
  pthread_cond_init(&p->cond, NULL);
  p->next = c->pendings;
  c->pendings = p;
  while (!p->done) pthread_cond_wait(&p->cond, &rt.mu);
  xpc_object_t result = p->result;
  *reason_out = p->reason;
  pthread_cond_destroy(&p->cond);
  free(p);
  return result;
}

xpc_object_t xpc_connection_send_message_with_reply_sync(xpc_connection_t connection, xpc_object_t message) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_send_message_with_reply_sync");
  if (c == NULL || message == NULL) return XPC_ERROR_CONNECTION_INVALID;
  if (c->kind != CK_CLIENT) {
    xpci_log("xpc_connection_send_message_with_reply_sync: only a client connection sends requests");
    return XPC_ERROR_CONNECTION_INVALID;
  }
  char *reason = NULL;
  pthread_mutex_lock(&rt.mu);
  xpc_object_t result = send_sync_locked(c, message, &reason);
  pthread_mutex_unlock(&rt.mu);
  free(reason);
  return result;
}

void xpc_connection_send_barrier(xpc_connection_t connection, dispatch_block_t barrier) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_send_barrier");
  if (c == NULL || barrier == NULL) return;
  pthread_mutex_lock(&rt.mu);
  if (c->kind != CK_CLIENT || c->ended || rt.state != RT_OPEN) {
    /* Nothing waits to be handed over (a peer's messages are written as they are sent). */
    pthread_mutex_unlock(&rt.mu);
    dispatch_async(c->target, barrier);
    return;
  }
  struct xpci_barrier *b = calloc(1, sizeof *b);
  if (b == NULL) abort();
  b->token = ++c->last_barrier;
  b->block = Block_copy(barrier);
  b->next = c->barriers;
  c->barriers = b;
  xpc_object_t op = op_new("barrier");
  op_int(op, "connection", c->id);
  op_int(op, "token", b->token);
  rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  pthread_mutex_unlock(&rt.mu);
}

/* ---- information ------------------------------------------------------------------------------- */

const char *xpc_connection_get_name(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_get_name");
  if (c == NULL || c->kind == CK_PEER || c->anonymous || c->via_endpoint || c->main_listener) return NULL;
  return c->name;
}

uid_t xpc_connection_get_euid(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_get_euid");
  return c && c->kind == CK_PEER ? c->uid : 0;
}

gid_t xpc_connection_get_egid(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_get_egid");
  return c && c->kind == CK_PEER ? c->gid : 0;
}

pid_t xpc_connection_get_pid(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_get_pid");
  return c && c->kind == CK_PEER ? c->pid : 0;
}

void xpc_connection_set_context(xpc_connection_t connection, void *context) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_set_context");
  if (c) c->context = context;
}

void *xpc_connection_get_context(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_get_context");
  return c ? c->context : NULL;
}

void xpc_connection_set_finalizer_f(xpc_connection_t connection, xpc_finalizer_t finalizer) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_set_finalizer_f");
  if (c) c->finalizer = finalizer;
}

char *xpc_connection_copy_invalidation_reason(xpc_connection_t connection) {
  struct _xpc_connection_s *c = as_conn(connection, "xpc_connection_copy_invalidation_reason");
  if (c == NULL) return NULL;
  pthread_mutex_lock(&rt.mu);
  char *reason = c->last_reason ? xpci_strdup(c->last_reason) : NULL;
  pthread_mutex_unlock(&rt.mu);
  return reason;
}

char *xpci_connection_describe(struct _xpc_connection_s *c) {
  const char *kind = c->kind == CK_PEER ? "peer" : c->kind == CK_LISTENER ? "listener" : "client";
  return xpci_format("<connection: %p> { name = %s, %s, listener = %s, pid = %d, euid = %u, egid = %u, asid = 0 }", (void *)c,
                     c->name ? c->name : (c->endpoint_name ? c->endpoint_name : "(anonymous)"), kind, c->kind == CK_LISTENER ? "true" : "false",
                     (int)c->pid, (unsigned)c->uid, (unsigned)c->gid);
}

/* The last reference went away (the runtime holds one while the connection is live). */
void xpci_connection_dealloc(struct _xpc_connection_s *c) {
  if (c->finalizer) c->finalizer(c->context);
  if (c->handler) Block_release(c->handler);
  if (c->session_incoming) Block_release(c->session_incoming);
  if (c->session_cancel) Block_release(c->session_cancel);
  xpci_release(c->end_error);
  dispatch_release(c->evq);
  dispatch_release(c->target);
  free(c->name);
  free(c->endpoint_name);
  free(c->last_reason);
  free(c->peer_name);
  free(c);
}

/* ---- requests and replies (service side) ------------------------------------------------------ */

xpc_object_t xpc_dictionary_create_reply(xpc_object_t original) {
  if (original == NULL || XO_CODE(original) != XT_DICTIONARY) return NULL;
  struct _xpc_dictionary_s *request = original;
  struct xpci_delivery *d = request->delivery;
  if (d == NULL || !d->expects_reply) return NULL;
  pthread_mutex_lock(&rt.mu);
  const char *problem = NULL;
  if (d->reply != RP_NONE) problem = "a reply to this message was already created";
  else if (d->phase != PH_RUNNING) problem = "a reply can only be created while the message's handler runs";
  else d->reply = RP_CREATED;
  pthread_mutex_unlock(&rt.mu);
  if (problem != NULL) {
    xpci_log("xpc_dictionary_create_reply: %s (message %" PRIu64 ")", problem, d->id);
    return NULL;
  }
  struct _xpc_dictionary_s *reply = xpci_dict_new();
  __atomic_fetch_add(&d->refs, 1, __ATOMIC_RELAXED);
  reply->reply_to = d;
  reply->remote = xpci_retain(d->peer);
  return reply;
}

xpc_connection_t xpc_dictionary_get_remote_connection(xpc_object_t xdict) {
  if (xdict == NULL || XO_CODE(xdict) != XT_DICTIONARY) return NULL;
  return ((struct _xpc_dictionary_s *)xdict)->remote;
}

/* A dictionary is freed: a reply released unsent is reported as dropped. */
void xpci_dict_dealloc_hook(struct _xpc_dictionary_s *dict) {
  struct xpci_delivery *d = dict->reply_to;
  if (d != NULL) {
    pthread_mutex_lock(&rt.mu);
    if (d->reply == RP_CREATED) {
      d->reply = RP_DROPPED;
      if (d->phase == PH_RETURNED) {
        xpc_object_t op = op_new("reply-dropped");
        op_int(op, "request", d->id);
        rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
      } else {
        d->drop_pending = true;
      }
    }
    pthread_mutex_unlock(&rt.mu);
    xpci_delivery_unref(d);
  }
  xpci_delivery_unref(dict->delivery);
  xpci_release(dict->remote);
}

/* ---- xpc_main and transactions ------------------------------------------------------------------ */

void xpc_main(xpc_connection_handler_t handler) {
  struct _xpc_connection_s *c = conn_new(CK_LISTENER, NULL, NULL);
  c->main_listener = true;
  c->main_handler = handler;
  pthread_mutex_lock(&rt.mu);
  activate_locked(c, "xpc_main");
  pthread_mutex_unlock(&rt.mu);
  dispatch_resume(c->evq);
  dispatch_main();
}

void xpc_transaction_begin(void) {
  pthread_mutex_lock(&rt.mu);
  rt_ensure();
  rt.explicit_transactions++;
  rt_send(op_new("txn-begin"), XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  pthread_mutex_unlock(&rt.mu);
}

void xpc_transaction_end(void) {
  pthread_mutex_lock(&rt.mu);
  if (rt.explicit_transactions == 0) {
    pthread_mutex_unlock(&rt.mu);
    xpci_log("xpc_transaction_end without a matching xpc_transaction_begin");
    return;
  }
  rt.explicit_transactions--;
  rt_send(op_new("txn-end"), XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
  pthread_mutex_unlock(&rt.mu);
}
