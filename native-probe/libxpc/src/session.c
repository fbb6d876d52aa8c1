/*
 * XPC sessions (the client side of macOS 13's session API) as `api: 'session'` connections:
 * activated once, never reconnected or relaunched; when either side goes away the session is
 * cancelled and the cancel handler gets a rich error with the reason and whether a new session
 * may help. Misuse (sending on an inactive session, activating twice) is an error returned to
 * the caller and logged, and nothing is sent.
 */

struct xpc_session_s {
  struct xobj head;
  struct _xpc_connection_s *conn;
};

static struct xpc_session_s *as_session(xpc_session_t s, const char *what) {
  if (s != NULL && XO_CODE(s) == XT_SESSION) return s;
  xpci_log("%s: not a session", what);
  return NULL;
}

static xpc_rich_error_t misuse(const char *what, const char *problem) {
  xpci_log("%s: %s", what, problem);
  return rich_error_new("API misuse", problem, false);
}

static void set_error(xpc_rich_error_t *error_out, xpc_rich_error_t error) {
  if (error_out != NULL) *error_out = error;
  else xpci_release(error);
}

/* The error of a session that has ended (rt.mu held). */
static xpc_rich_error_t ended_error(struct _xpc_connection_s *c) {
  return rich_error_new(xpci_error_description(c->end_error ? c->end_error : XPC_ERROR_CONNECTION_INVALID), c->last_reason, c->end_retryable);
}

xpc_session_t xpc_session_create_mach_service(const char *mach_service, dispatch_queue_t target_queue, xpc_session_create_flags_t flags,
                                              xpc_rich_error_t *error_out) {
  if (error_out != NULL) *error_out = NULL;
  struct xpc_session_s *s = xpci_alloc(&_xpc_type_session, sizeof *s);
  struct _xpc_connection_s *c = conn_new(CK_CLIENT, mach_service, target_queue);
  c->session_api = true;
  c->privileged = (flags & XPC_SESSION_CREATE_MACH_PRIVILEGED) != 0;
  s->conn = c;
  pthread_mutex_lock(&rt.mu);
  client_connect(c);
  pthread_mutex_unlock(&rt.mu);
  if (!(flags & XPC_SESSION_CREATE_INACTIVE) && !xpc_session_activate(s, error_out)) {
    xpci_release(s);
    return NULL;
  }
  return s;
}

void xpc_session_set_incoming_message_handler(xpc_session_t session, xpc_session_incoming_message_handler_t handler) {
  struct xpc_session_s *s = as_session(session, "xpc_session_set_incoming_message_handler");
  if (s == NULL) return;
  xpc_session_incoming_message_handler_t copy = handler ? Block_copy(handler) : NULL;
  pthread_mutex_lock(&rt.mu);
  xpc_session_incoming_message_handler_t old = s->conn->session_incoming;
  s->conn->session_incoming = copy;
  pthread_mutex_unlock(&rt.mu);
  if (old) Block_release(old);
}

void xpc_session_set_cancel_handler(xpc_session_t session, xpc_session_cancel_handler_t cancel_handler) {
  struct xpc_session_s *s = as_session(session, "xpc_session_set_cancel_handler");
  if (s == NULL) return;
  xpc_session_cancel_handler_t copy = cancel_handler ? Block_copy(cancel_handler) : NULL;
  pthread_mutex_lock(&rt.mu);
  xpc_session_cancel_handler_t old = s->conn->session_cancel;
  s->conn->session_cancel = copy;
  pthread_mutex_unlock(&rt.mu);
  if (old) Block_release(old);
}

void xpc_session_set_target_queue(xpc_session_t session, dispatch_queue_t target_queue) {
  struct xpc_session_s *s = as_session(session, "xpc_session_set_target_queue");
  if (s != NULL) xpc_connection_set_target_queue(s->conn, target_queue);
}

/*
 * Activation looks the service up: `activate`, then a barrier, whose answer comes after the
 * broker's verdict on the name, so an unknown service fails here, synchronously.
 */
bool xpc_session_activate(xpc_session_t session, xpc_rich_error_t *error_out) {
  if (error_out != NULL) *error_out = NULL;
  struct xpc_session_s *s = as_session(session, "xpc_session_activate");
  if (s == NULL) return false;
  struct _xpc_connection_s *c = s->conn;
  pthread_mutex_lock(&rt.mu);
  if (c->activated) {
    pthread_mutex_unlock(&rt.mu);
    set_error(error_out, misuse("xpc_session_activate", "the session is already activated"));
    return false;
  }
  c->activated = true;
  if (!c->ended) {
    send_conn_op(c, "activate", "");
    struct xpci_barrier *b = calloc(1, sizeof *b);
    if (b == NULL) abort();
    int done = 0;
    b->token = ++c->last_barrier;
    b->done = &done;
    b->next = c->barriers;
    c->barriers = b;
    xpc_object_t op = op_new("barrier");
    op_int(op, "connection", c->id);
    op_int(op, "token", b->token);
    rt_send(op, XW_DEFAULT_MESSAGE_FLAGS, NULL, NULL);
    /* If the session ends first, client_finish runs (and frees) the barrier, which sets done. */
    while (!done) pthread_cond_wait(&rt.cond, &rt.mu);
  }
  bool ok = !c->ended;
  xpc_rich_error_t error = ok ? NULL : ended_error(c);
  pthread_mutex_unlock(&rt.mu);
  /* Events flow from now on, including the cancellation of a session that failed to activate. */
  dispatch_resume(c->evq);
  if (!ok) set_error(error_out, error);
  return ok;
}

void xpc_session_cancel(xpc_session_t session) {
  struct xpc_session_s *s = as_session(session, "xpc_session_cancel");
  if (s == NULL) return;
  pthread_mutex_lock(&rt.mu);
  bool active = s->conn->activated;
  pthread_mutex_unlock(&rt.mu);
  if (!active) xpci_log("xpc_session_cancel: the session was never activated");
  xpc_connection_cancel(s->conn);
}

/* Misuse or a finished session: the error to report instead of sending (rt.mu held). */
static xpc_rich_error_t unusable(struct _xpc_connection_s *c, const char *what) {
  if (!c->activated) return misuse(what, "the session is not activated: call xpc_session_activate first");
  if (c->ended) return ended_error(c);
  return NULL;
}

xpc_rich_error_t xpc_session_send_message(xpc_session_t session, xpc_object_t message) {
  struct xpc_session_s *s = as_session(session, "xpc_session_send_message");
  if (s == NULL) return rich_error_new("API misuse", "not a session", false);
  pthread_mutex_lock(&rt.mu);
  xpc_rich_error_t error = unusable(s->conn, "xpc_session_send_message");
  const char *why = NULL;
  if (error == NULL && !client_send(s->conn, message, false, false, NULL, &why)) error = rich_error_new("Connection invalid", why, false);
  pthread_mutex_unlock(&rt.mu);
  return error;
}

xpc_object_t xpc_session_send_message_with_reply_sync(xpc_session_t session, xpc_object_t message, xpc_rich_error_t *error_out) {
  if (error_out != NULL) *error_out = NULL;
  struct xpc_session_s *s = as_session(session, "xpc_session_send_message_with_reply_sync");
  if (s == NULL) return NULL;
  struct _xpc_connection_s *c = s->conn;
  pthread_mutex_lock(&rt.mu);
  xpc_rich_error_t error = unusable(c, "xpc_session_send_message_with_reply_sync");
  if (error != NULL) {
    pthread_mutex_unlock(&rt.mu);
    set_error(error_out, error);
    return NULL;
  }
  char *reason = NULL;
  xpc_object_t result = send_sync_locked(c, message, &reason);
  if (XO_CODE(result) == XT_ERROR) {
    error = rich_error_new(xpci_error_description(result), reason, c->ended && c->end_retryable);
    xpci_release(result);
    result = NULL;
  }
  pthread_mutex_unlock(&rt.mu);
  free(reason);
  if (error != NULL) set_error(error_out, error);
  return result;
}

void xpc_session_send_message_with_reply_async(xpc_session_t session, xpc_object_t message, xpc_session_reply_handler_t reply_handler) {
  struct xpc_session_s *s = as_session(session, "xpc_session_send_message_with_reply_async");
  if (s == NULL || reply_handler == NULL) return;
  struct _xpc_connection_s *c = s->conn;
  pthread_mutex_lock(&rt.mu);
  xpc_rich_error_t error = unusable(c, "xpc_session_send_message_with_reply_async");
  uint64_t id = 0;
  const char *why = NULL;
  if (error == NULL && !client_send(c, message, true, false, &id, &why)) error = rich_error_new("Connection invalid", why, false);
  if (error == NULL) {
    struct xpci_pending *p = pending_new(PEND_SESSION, id, c->target);
    p->session_handler = Block_copy(reply_handler);
    p->next = c->pendings;
    c->pendings = p;
  }
  pthread_mutex_unlock(&rt.mu);
  if (error != NULL) {
    struct reply_call *call = calloc(1, sizeof *call);
    if (call == NULL) abort();
    call->session_handler = Block_copy(reply_handler);
    call->error = error;
    dispatch_async_f(c->target, call, run_reply);
  }
}

char *xpc_session_copy_description(xpc_session_t session) {
  struct xpc_session_s *s = as_session(session, "xpc_session_copy_description");
  return s ? xpci_session_describe(s) : NULL;
}

char *xpci_session_describe(struct xpc_session_s *s) {
  struct _xpc_connection_s *c = s->conn;
  pthread_mutex_lock(&rt.mu);
  const char *state = c->ended ? "cancelled" : c->activated ? "active" : "inactive";
  char *text = xpci_format("<session: %p> { name = %s, state = %s%s%s }", (void *)s, c->name ? c->name : "", state, c->ended && c->last_reason ? ", reason = " : "",
                           c->ended && c->last_reason ? c->last_reason : "");
  pthread_mutex_unlock(&rt.mu);
  return text;
}

void xpci_session_dealloc(struct xpc_session_s *s) {
  struct _xpc_connection_s *c = s->conn;
  pthread_mutex_lock(&rt.mu);
  bool inactive = !c->activated && !c->ended;
  pthread_mutex_unlock(&rt.mu);
  /* An inactive session would otherwise stay registered with the broker for ever. */
  if (inactive) xpc_connection_cancel(c);
  xpci_release(c);
  free(s);
}

char *xpc_rich_error_copy_description(xpc_rich_error_t error) {
  if (error == NULL || XO_CODE(error) != XT_RICH_ERROR) return NULL;
  return xpci_strdup(error->description);
}

bool xpc_rich_error_can_retry(xpc_rich_error_t error) {
  return error != NULL && XO_CODE(error) == XT_RICH_ERROR && error->can_retry;
}
