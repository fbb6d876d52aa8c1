/*
 * A client of com.example.c-echo written against Apple's libxpc API.
 *
 *   c-client traffic    keeps a realistic mix of traffic flowing (one-way, with reply, synchronous,
 *                       barriers) about once a second ($C_TRAFFIC_INTERVAL_MS) until killed
 *   c-client scenario   a finite, deterministic session for tests (see scenario() below)
 *   c-client slow-txn MS
 *                       one request whose reply the service sends MS ms later, inside a
 *                       transaction (for stopping the service while it is busy); prints the answer
 *
 * Every observed event is one stdout line: a word naming it, a space, and an XPC-JSON
 * dictionary (docs: app/xpc/json.ts) with what was observed, e.g.
 *   reply {"step":"with-reply","body":{"op":"ping","n":2,...}}
 */
#include <dispatch/dispatch.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xpc/xpc.h>

#define SERVICE "com.example.c-echo"

/* ---- output ----------------------------------------------------------------------------------- */

struct text {
  char *s;
  size_t n, cap;
};

static void put(struct text *t, const char *s, size_t n) {
  if (t->n + n + 1 > t->cap) {
    t->cap = (t->n + n + 1) * 2;
    t->s = realloc(t->s, t->cap);
    if (t->s == NULL) abort();
  }
  memcpy(t->s + t->n, s, n);
  t->n += n;
  t->s[t->n] = '\0';
}

static void puts_(struct text *t, const char *s) {
  put(t, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct text *t, const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  put(t, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void json_string(struct text *t, const char *s) {
  puts_(t, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"') puts_(t, "\\\"");
    else if (*p == '\\') puts_(t, "\\\\");
    else if (*p < 0x20 || *p == 0x7f) putf(t, "\\u%04x", *p);
    else put(t, (const char *)p, 1);
  }
  puts_(t, "\"");
}

static void base64(struct text *t, const uint8_t *b, size_t n) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) | (i + 2 < n ? b[i + 2] : 0);
    char out[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], i + 1 < n ? alphabet[v >> 6 & 63] : '=', i + 2 < n ? alphabet[v & 63] : '='};
    put(t, out, 4);
  }
}

/* The service an endpoint leads to: the public API only shows it in the description. */
static void endpoint_name(struct text *t, xpc_object_t endpoint) {
  char *description = xpc_copy_description(endpoint);
  const char *start = strstr(description, "name = \"");
  const char *stop = start ? strrchr(description, '"') : NULL;
  char *name = strndup(start && stop > start + 8 ? start + 8 : "", start && stop > start + 8 ? (size_t)(stop - start - 8) : 0);
  json_string(t, name);
  free(name);
  free(description);
}

/* XPC-JSON of a value, in the canonical spelling app/xpc/json.ts parses back exactly. */
static void xpc_json(struct text *t, xpc_object_t v) {
  xpc_type_t type = xpc_get_type(v);
  if (type == XPC_TYPE_NULL) {
    puts_(t, "null");
  } else if (type == XPC_TYPE_BOOL) {
    puts_(t, xpc_bool_get_value(v) ? "true" : "false");
  } else if (type == XPC_TYPE_INT64) {
    int64_t n = xpc_int64_get_value(v);
    if (n > 9007199254740991LL || n < -9007199254740991LL) putf(t, "{\"$int64\":\"%" PRId64 "\"}", n);
    else putf(t, "%" PRId64, n);
  } else if (type == XPC_TYPE_UINT64) {
    putf(t, "{\"$uint64\":\"%" PRIu64 "\"}", xpc_uint64_get_value(v));
  } else if (type == XPC_TYPE_DOUBLE) {
    double d = xpc_double_get_value(v);
    if (isnan(d)) puts_(t, "{\"$double\":\"NaN\"}");
    else if (isinf(d)) puts_(t, d > 0 ? "{\"$double\":\"Infinity\"}" : "{\"$double\":\"-Infinity\"}");
    else if (d == 0 && signbit(d)) puts_(t, "{\"$double\":\"-0\"}");
    else putf(t, "{\"$double\":%.17g}", d);
  } else if (type == XPC_TYPE_DATE) {
    int64_t ns = xpc_date_get_value(v);
    int64_t seconds = ns / 1000000000, fraction = ns % 1000000000;
    if (fraction < 0) {
      fraction += 1000000000;
      seconds -= 1;
    }
    time_t when = (time_t)seconds;
    struct tm tm;
    gmtime_r(&when, &tm);
    putf(t, "{\"$date\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z\"}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fraction);
  } else if (type == XPC_TYPE_DATA) {
    puts_(t, "{\"$data\":\"");
    base64(t, xpc_data_get_bytes_ptr(v), xpc_data_get_length(v));
    puts_(t, "\"}");
  } else if (type == XPC_TYPE_STRING) {
    json_string(t, xpc_string_get_string_ptr(v));
  } else if (type == XPC_TYPE_UUID) {
    const uint8_t *u = xpc_uuid_get_bytes(v);
    putf(t, "{\"$uuid\":\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"}", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
         u[10], u[11], u[12], u[13], u[14], u[15]);
  } else if (type == XPC_TYPE_FD) {
    char link[64], path[4096];
    int fd = xpc_fd_dup(v);
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = fd >= 0 ? readlink(link, path, sizeof path - 1) : -1;
    path[n > 0 ? n : 0] = '\0';
    if (fd >= 0) close(fd);
    puts_(t, "{\"$fd\":");
    json_string(t, path);
    puts_(t, "}");
  } else if (type == XPC_TYPE_ERROR) {
    puts_(t, "{\"$error\":");
    json_string(t, xpc_dictionary_get_string(v, XPC_ERROR_KEY_DESCRIPTION));
    puts_(t, "}");
  } else if (type == XPC_TYPE_ENDPOINT) {
    puts_(t, "{\"$endpoint\":");
    endpoint_name(t, v);
    puts_(t, "}");
  } else if (type == XPC_TYPE_ARRAY) {
    puts_(t, "[");
    xpc_array_apply(v, ^bool(size_t index, xpc_object_t item) {
      if (index > 0) puts_(t, ",");
      xpc_json(t, item);
      return true;
    });
    puts_(t, "]");
  } else if (type == XPC_TYPE_DICTIONARY) {
    /* A dictionary whose only key starts with "$" would read as a type tag: it is wrapped. */
    __block bool tag_like = false;
    if (xpc_dictionary_get_count(v) == 1) {
      xpc_dictionary_apply(v, ^bool(const char *key, xpc_object_t item) {
        (void)item;
        tag_like = key[0] == '$';
        return false;
      });
    }
    if (tag_like) puts_(t, "{\"$dict\":");
    puts_(t, "{");
    __block bool first = true;
    xpc_dictionary_apply(v, ^bool(const char *key, xpc_object_t item) {
      if (!first) puts_(t, ",");
      first = false;
      json_string(t, key);
      puts_(t, ":");
      xpc_json(t, item);
      return true;
    });
    puts_(t, "}");
    if (tag_like) puts_(t, "}");
  } else {
    json_string(t, xpc_type_get_name(type));
  }
}

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

/* Prints "<event> <XPC-JSON of fields>" as one line. Takes `fields`. */
static void emit(const char *event, xpc_object_t fields) {
  struct text t = {0};
  puts_(&t, event);
  puts_(&t, " ");
  xpc_json(&t, fields);
  pthread_mutex_lock(&out_mu);
  printf("%s\n", t.s);
  fflush(stdout);
  pthread_mutex_unlock(&out_mu);
  free(t.s);
  xpc_release(fields);
}

static xpc_object_t fields(void) {
  return xpc_dictionary_create_empty();
}

static xpc_object_t with_step(const char *step) {
  xpc_object_t f = fields();
  xpc_dictionary_set_string(f, "step", step);
  return f;
}

/* Fields describing an error event: its name and the connection's invalidation reason. */
static xpc_object_t error_fields(const char *step, xpc_connection_t connection, xpc_object_t error) {
  xpc_object_t f = with_step(step);
  xpc_dictionary_set_string(f, "error", xpc_dictionary_get_string(error, XPC_ERROR_KEY_DESCRIPTION));
  char *reason = xpc_connection_copy_invalidation_reason(connection);
  if (reason != NULL) xpc_dictionary_set_string(f, "reason", reason);
  free(reason);
  return f;
}

static xpc_object_t request(const char *op) {
  xpc_object_t message = xpc_dictionary_create_empty();
  xpc_dictionary_set_string(message, "op", op);
  return message;
}

static void wait_for(dispatch_semaphore_t sema, const char *what) {
  if (dispatch_semaphore_wait(sema, dispatch_time(DISPATCH_TIME_NOW, 20 * (int64_t)NSEC_PER_SEC)) != 0) {
    xpc_object_t f = with_step(what);
    emit("timeout", f);
    exit(3);
  }
}

static void pause_ms(int ms) {
  usleep((useconds_t)ms * 1000);
}

/* ---- scenario ---------------------------------------------------------------------------------- */

static dispatch_queue_t events_queue;

struct main_events {
  int notify;
  int interrupted;
  int invalid;
  dispatch_semaphore_t notified;
  dispatch_semaphore_t sleeping;
  dispatch_semaphore_t invalidated;
  int64_t sleeping_pid;
};

/* The body the with-reply step sends: one value of every type a message can carry. */
static xpc_object_t every_type_request(void) {
  xpc_object_t m = request("ping");
  xpc_dictionary_set_int64(m, "n", 2);
  xpc_dictionary_set_string(m, "text", "héllo \"quoted\"\n");
  xpc_dictionary_set_int64(m, "min", INT64_MIN);
  xpc_dictionary_set_uint64(m, "max", UINT64_MAX);
  xpc_dictionary_set_double(m, "pi", 3.25);
  xpc_dictionary_set_bool(m, "yes", true);
  xpc_dictionary_set_value(m, "nothing", xpc_null_create());
  xpc_dictionary_set_date(m, "when", 1700000000123456789LL);
  const uint8_t bytes[4] = {0, 1, 2, 255};
  xpc_dictionary_set_data(m, "bytes", bytes, sizeof bytes);
  const uuid_t id = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
  xpc_dictionary_set_uuid(m, "id", id);
  int fd = open("/dev/null", O_RDONLY);
  xpc_dictionary_set_fd(m, "fd", fd);
  close(fd);
  xpc_object_t list = xpc_array_create_empty();
  xpc_array_set_int64(list, XPC_ARRAY_APPEND, 1);
  xpc_array_set_string(list, XPC_ARRAY_APPEND, "two");
  xpc_object_t three = xpc_dictionary_create_empty();
  xpc_dictionary_set_double(three, "three", 3.0);
  xpc_array_append_value(list, three);
  xpc_release(three);
  xpc_dictionary_set_value(m, "list", list);
  xpc_release(list);
  return m;
}

/* Sends a request and waits for its one answer; prints "<event> {step, body|error, calls}". */
static void request_and_wait(xpc_connection_t connection, const char *event, const char *step, xpc_object_t message, int settle_ms) {
  __block int calls = 0;
  __block xpc_object_t answer = NULL;
  dispatch_semaphore_t done = dispatch_semaphore_create(0);
  xpc_connection_send_message_with_reply(connection, message, events_queue, ^(xpc_object_t reply) {
    if (calls++ == 0) {
      answer = xpc_retain(reply);
      dispatch_semaphore_signal(done);
    }
  });
  xpc_release(message);
  wait_for(done, step);
  if (settle_ms > 0) pause_ms(settle_ms);
  xpc_object_t f;
  __block int counted;
  dispatch_sync(events_queue, ^{
    counted = calls;
  });
  if (xpc_get_type(answer) == XPC_TYPE_ERROR) {
    f = error_fields(step, connection, answer);
  } else {
    f = with_step(step);
    xpc_dictionary_set_value(f, "body", answer);
  }
  xpc_dictionary_set_int64(f, "calls", counted);
  emit(event, f);
  xpc_release(answer);
  dispatch_release(done);
}

static void sync_and_print(xpc_connection_t connection, const char *event, const char *step, xpc_object_t message) {
  xpc_object_t reply = xpc_connection_send_message_with_reply_sync(connection, message);
  xpc_release(message);
  xpc_object_t f = with_step(step);
  xpc_dictionary_set_value(f, "body", reply);
  emit(event, f);
  xpc_release(reply);
}

static void session_steps(void) {
  /* Misuse first: a session created inactive cannot send; activating twice fails. */
  xpc_rich_error_t error = NULL;
  xpc_session_t session = xpc_session_create_mach_service(SERVICE, events_queue, XPC_SESSION_CREATE_INACTIVE, &error);
  dispatch_semaphore_t cancelled = dispatch_semaphore_create(0);
  __block int cancel_calls = 0;
  xpc_session_set_incoming_message_handler(session, ^(xpc_object_t message) {
    xpc_object_t f = with_step("session");
    xpc_dictionary_set_value(f, "body", message);
    emit("session-message", f);
  });
  xpc_session_set_cancel_handler(session, ^(xpc_rich_error_t reason) {
    char *description = xpc_rich_error_copy_description(reason);
    xpc_object_t f = with_step("session");
    xpc_dictionary_set_string(f, "description", description);
    xpc_dictionary_set_bool(f, "canRetry", xpc_rich_error_can_retry(reason));
    xpc_dictionary_set_int64(f, "calls", ++cancel_calls);
    emit("session-cancelled", f);
    free(description);
    dispatch_semaphore_signal(cancelled);
  });
  xpc_object_t early = request("ping");
  xpc_rich_error_t misuse = xpc_session_send_message(session, early);
  xpc_release(early);
  char *send_text = misuse ? xpc_rich_error_copy_description(misuse) : strdup("(no error)");
  xpc_release(misuse);
  bool first = xpc_session_activate(session, NULL);
  xpc_rich_error_t twice = NULL;
  bool second = xpc_session_activate(session, &twice);
  char *twice_text = twice ? xpc_rich_error_copy_description(twice) : strdup("(no error)");
  xpc_release(twice);
  xpc_object_t f = with_step("session");
  xpc_dictionary_set_string(f, "sendWhileInactive", send_text);
  xpc_dictionary_set_bool(f, "activated", first);
  xpc_dictionary_set_bool(f, "activatedTwice", second);
  xpc_dictionary_set_string(f, "activateTwice", twice_text);
  emit("session-misuse", f);
  free(send_text);
  free(twice_text);

  xpc_object_t ping = request("ping");
  xpc_dictionary_set_string(ping, "via", "session");
  xpc_rich_error_t sync_error = NULL;
  xpc_object_t reply = xpc_session_send_message_with_reply_sync(session, ping, &sync_error);
  xpc_release(ping);
  f = with_step("session-sync");
  if (reply != NULL) xpc_dictionary_set_value(f, "body", reply);
  if (sync_error != NULL) {
    char *text = xpc_rich_error_copy_description(sync_error);
    xpc_dictionary_set_string(f, "error", text);
    free(text);
  }
  emit("session-reply", f);
  xpc_release(reply);
  xpc_release(sync_error);

  dispatch_semaphore_t answered = dispatch_semaphore_create(0);
  xpc_object_t async = request("ping");
  xpc_dictionary_set_string(async, "via", "session-async");
  xpc_session_send_message_with_reply_async(session, async, ^(xpc_object_t answer, xpc_rich_error_t failure) {
    xpc_object_t g = with_step("session-async");
    if (answer != NULL) xpc_dictionary_set_value(g, "body", answer);
    if (failure != NULL) {
      char *text = xpc_rich_error_copy_description(failure);
      xpc_dictionary_set_string(g, "error", text);
      free(text);
    }
    emit("session-reply", g);
    dispatch_semaphore_signal(answered);
  });
  xpc_release(async);
  wait_for(answered, "session-async");

  char *description = xpc_session_copy_description(session);
  f = with_step("session");
  xpc_dictionary_set_string(f, "description", description);
  emit("session-description", f);
  free(description);

  xpc_session_cancel(session);
  wait_for(cancelled, "session-cancel");
  xpc_release(session);

  /* A session to a name nobody provides fails at creation. */
  xpc_rich_error_t unknown = NULL;
  xpc_session_t nobody = xpc_session_create_mach_service("com.example.does-not-exist", events_queue, XPC_SESSION_CREATE_NONE, &unknown);
  char *unknown_text = unknown ? xpc_rich_error_copy_description(unknown) : strdup("(no error)");
  f = with_step("session-unknown");
  xpc_dictionary_set_bool(f, "created", nobody != NULL);
  xpc_dictionary_set_string(f, "description", unknown_text);
  xpc_dictionary_set_bool(f, "canRetry", unknown != NULL && xpc_rich_error_can_retry(unknown));
  emit("session-unknown", f);
  free(unknown_text);
  xpc_release(unknown);
  if (nobody != NULL) xpc_release(nobody);
  dispatch_release(answered);
  dispatch_release(cancelled);
}

static char *read_stdin_line(void) {
  char *line = NULL;
  size_t capacity = 0;
  if (getline(&line, &capacity, stdin) < 0) {
    free(line);
    return NULL;
  }
  return line;
}

/*
 * One-way, with reply, sync, barrier, suspend/resume, an endpoint round trip, the transaction and
 * callback ops, a session exchange, an unknown service, the service killed mid-request (the test
 * kills the pid printed in "ready-for-kill" and then writes a line to stdin), the relaunch, and a
 * cancel with a request outstanding.
 */
static void scenario(void) {
  events_queue = dispatch_queue_create("com.example.c-client.events", DISPATCH_QUEUE_SERIAL);
  struct main_events *seen = calloc(1, sizeof *seen);
  seen->notified = dispatch_semaphore_create(0);
  seen->sleeping = dispatch_semaphore_create(0);
  seen->invalidated = dispatch_semaphore_create(0);
  xpc_object_t f = fields();
  xpc_dictionary_set_int64(f, "pid", getpid());
  emit("start", f);

  xpc_connection_t connection = xpc_connection_create_mach_service(SERVICE, events_queue, 0);
  xpc_connection_set_event_handler(connection, ^(xpc_object_t event) {
    if (xpc_get_type(event) == XPC_TYPE_ERROR) {
      if (event == XPC_ERROR_CONNECTION_INTERRUPTED) seen->interrupted++;
      if (event == XPC_ERROR_CONNECTION_INVALID) seen->invalid++;
      emit("connection-error", error_fields("main", connection, event));
      if (event == XPC_ERROR_CONNECTION_INVALID) dispatch_semaphore_signal(seen->invalidated);
      return;
    }
    xpc_object_t g = with_step("main");
    xpc_dictionary_set_value(g, "body", event);
    emit("message", g);
    const char *what = xpc_dictionary_get_string(event, "event");
    if (what != NULL && strcmp(what, "notify") == 0) {
      seen->notify++;
      dispatch_semaphore_signal(seen->notified);
    } else if (what != NULL && strcmp(what, "sleeping") == 0) {
      seen->sleeping_pid = xpc_dictionary_get_int64(event, "servedBy");
      dispatch_semaphore_signal(seen->sleeping);
    }
  });
  xpc_connection_resume(connection);

  /* One-way. */
  xpc_object_t oneway = request("oneway");
  xpc_dictionary_set_string(oneway, "text", "one-way hello");
  xpc_connection_send_message(connection, oneway);
  xpc_release(oneway);
  emit("sent", with_step("one-way"));

  /* With reply, carrying every type. */
  request_and_wait(connection, "reply", "with-reply", every_type_request(), 0);

  /* Synchronous. */
  xpc_object_t sync = request("ping");
  xpc_dictionary_set_int64(sync, "n", 3);
  xpc_dictionary_set_bool(sync, "sync", true);
  sync_and_print(connection, "sync-reply", "sync", sync);

  /* Barrier after a one-way message. */
  xpc_object_t before = request("oneway");
  xpc_dictionary_set_string(before, "text", "before the barrier");
  xpc_connection_send_message(connection, before);
  xpc_release(before);
  dispatch_semaphore_t barrier_done = dispatch_semaphore_create(0);
  xpc_connection_send_barrier(connection, ^{
    emit("barrier", with_step("barrier"));
    dispatch_semaphore_signal(barrier_done);
  });
  wait_for(barrier_done, "barrier");
  dispatch_release(barrier_done);

  /* Suspended: the request is held, and so are the service's messages, until resumed. */
  xpc_connection_suspend(connection);
  emit("suspended", with_step("suspend"));
  __block int notify_replies = 0;
  dispatch_semaphore_t notify_done = dispatch_semaphore_create(0);
  xpc_object_t notify = request("notify");
  xpc_dictionary_set_int64(notify, "count", 2);
  xpc_connection_send_message_with_reply(connection, notify, events_queue, ^(xpc_object_t reply) {
    notify_replies++;
    xpc_object_t g = with_step("notify");
    xpc_dictionary_set_value(g, "body", reply);
    emit("notify-reply", g);
    dispatch_semaphore_signal(notify_done);
  });
  xpc_release(notify);
  pause_ms(400);
  __block int replies_while_suspended, events_while_suspended;
  dispatch_sync(events_queue, ^{
    replies_while_suspended = notify_replies;
    events_while_suspended = seen->notify;
  });
  f = with_step("resume");
  xpc_dictionary_set_int64(f, "repliesWhileSuspended", replies_while_suspended);
  xpc_dictionary_set_int64(f, "messagesWhileSuspended", events_while_suspended);
  emit("resuming", f);
  xpc_connection_resume(connection);
  wait_for(notify_done, "notify-reply");
  wait_for(seen->notified, "notify-1");
  wait_for(seen->notified, "notify-2");
  dispatch_release(notify_done);

  /* An endpoint round trip: the service's anonymous listener, reached through its endpoint. */
  xpc_object_t asked = request("endpoint");
  xpc_object_t with_endpoint = xpc_connection_send_message_with_reply_sync(connection, asked);
  xpc_release(asked);
  xpc_endpoint_t endpoint = xpc_dictionary_get_value(with_endpoint, "endpoint");
  f = with_step("endpoint");
  if (endpoint != NULL) xpc_dictionary_set_value(f, "endpoint", endpoint);
  emit("endpoint", f);
  if (endpoint != NULL) {
    xpc_connection_t via = xpc_connection_create_from_endpoint(endpoint);
    dispatch_semaphore_t via_ended = dispatch_semaphore_create(0);
    xpc_connection_set_event_handler(via, ^(xpc_object_t event) {
      if (xpc_get_type(event) == XPC_TYPE_ERROR) {
        emit("endpoint-error", error_fields("endpoint", via, event));
        if (event == XPC_ERROR_CONNECTION_INVALID) dispatch_semaphore_signal(via_ended);
      }
    });
    /* Activated rather than resumed: the macOS 14 way to start a new connection. */
    xpc_connection_activate(via);
    xpc_object_t hello = request("ping");
    xpc_dictionary_set_string(hello, "text", "via the endpoint");
    sync_and_print(via, "endpoint-reply", "endpoint", hello);
    xpc_connection_cancel(via);
    wait_for(via_ended, "endpoint-cancel");
    dispatch_release(via_ended);
    xpc_release(via);
  }
  xpc_release(with_endpoint);

  /* A reply sent after its handler returned, inside an explicit transaction; a synchronous callback. */
  xpc_object_t txn = request("txn");
  xpc_dictionary_set_int64(txn, "ms", 100);
  sync_and_print(connection, "txn-reply", "txn", txn);
  xpc_object_t callback = request("callback");
  xpc_dictionary_set_int64(callback, "n", 21);
  sync_and_print(connection, "callback-reply", "callback", callback);

  /* The LISTENER-style service (xpc_connection_create_mach_service + dispatch_main). */
  xpc_connection_t listener_service = xpc_connection_create_mach_service("com.example.c-echo-listener", events_queue, 0);
  xpc_connection_set_event_handler(listener_service, ^(xpc_object_t event) {
    (void)event;
  });
  xpc_connection_resume(listener_service);
  xpc_object_t listener_ping = request("ping");
  xpc_dictionary_set_string(listener_ping, "text", "to the listener service");
  request_and_wait(listener_service, "listener-reply", "listener", listener_ping, 0);
  xpc_connection_cancel(listener_service);
  xpc_release(listener_service);

  session_steps();

  /* A name nobody provides: CONNECTION_INVALID with the broker's reason, for the handler and the request. */
  xpc_connection_t unknown = xpc_connection_create_mach_service("com.example.does-not-exist", events_queue, 0);
  dispatch_semaphore_t unknown_invalid = dispatch_semaphore_create(0);
  xpc_connection_set_event_handler(unknown, ^(xpc_object_t event) {
    emit("unknown-event", error_fields("unknown", unknown, event));
    if (event == XPC_ERROR_CONNECTION_INVALID) dispatch_semaphore_signal(unknown_invalid);
  });
  xpc_connection_resume(unknown);
  request_and_wait(unknown, "unknown-reply", "unknown", request("ping"), 300);
  wait_for(unknown_invalid, "unknown-invalid");
  dispatch_release(unknown_invalid);
  xpc_release(unknown);

  /* The service dies mid-request: the reply handler gets CONNECTION_INTERRUPTED exactly once. */
  __block int sleep_calls = 0;
  __block xpc_object_t sleep_answer = NULL;
  dispatch_semaphore_t sleep_done = dispatch_semaphore_create(0);
  xpc_object_t nap = request("sleep");
  xpc_dictionary_set_int64(nap, "ms", 30000);
  xpc_connection_send_message_with_reply(connection, nap, events_queue, ^(xpc_object_t reply) {
    if (sleep_calls++ == 0) {
      sleep_answer = xpc_retain(reply);
      dispatch_semaphore_signal(sleep_done);
    }
  });
  xpc_release(nap);
  wait_for(seen->sleeping, "sleeping");
  f = with_step("kill");
  xpc_dictionary_set_int64(f, "pid", seen->sleeping_pid);
  emit("ready-for-kill", f);
  free(read_stdin_line());
  wait_for(sleep_done, "interrupted-reply");
  pause_ms(300);
  __block int interrupted_calls;
  dispatch_sync(events_queue, ^{
    interrupted_calls = sleep_calls;
  });
  f = xpc_get_type(sleep_answer) == XPC_TYPE_ERROR ? error_fields("kill", connection, sleep_answer) : with_step("kill");
  xpc_dictionary_set_int64(f, "calls", interrupted_calls);
  emit("interrupted-reply", f);
  xpc_release(sleep_answer);
  dispatch_release(sleep_done);

  /* The next message relaunches the service. */
  xpc_object_t again = request("ping");
  xpc_dictionary_set_string(again, "text", "after the crash");
  request_and_wait(connection, "relaunch-reply", "relaunch", again, 0);

  /* Cancel with a request outstanding: it gets CONNECTION_INVALID, and so does the handler, once. */
  __block int cancel_calls = 0;
  dispatch_semaphore_t cancel_answered = dispatch_semaphore_create(0);
  xpc_object_t slow = request("sleep");
  xpc_dictionary_set_int64(slow, "ms", 200);
  xpc_connection_send_message_with_reply(connection, slow, events_queue, ^(xpc_object_t reply) {
    cancel_calls++;
    emit("cancel-reply", error_fields("cancel", connection, reply));
    dispatch_semaphore_signal(cancel_answered);
  });
  xpc_release(slow);
  xpc_connection_cancel(connection);
  wait_for(cancel_answered, "cancel-reply");
  wait_for(seen->invalidated, "cancel-invalid");
  pause_ms(400);
  __block int invalid_events, reply_calls, interrupted_events;
  dispatch_sync(events_queue, ^{
    invalid_events = seen->invalid;
    reply_calls = cancel_calls;
    interrupted_events = seen->interrupted;
  });
  f = with_step("done");
  xpc_dictionary_set_int64(f, "invalidEvents", invalid_events);
  xpc_dictionary_set_int64(f, "interruptedEvents", interrupted_events);
  xpc_dictionary_set_int64(f, "cancelReplyCalls", reply_calls);
  emit("done", f);
  xpc_release(connection);
  exit(0);
}

/* ---- traffic ------------------------------------------------------------------------------------ */

static xpc_connection_t traffic_connection;
static dispatch_queue_t traffic_queue;
static int64_t traffic_interval_ms = 1000;
static int64_t tick_count;

static void tick(void *context) {
  (void)context;
  int64_t n = ++tick_count;
  xpc_object_t message = request(n % 5 == 1 ? "oneway" : "ping");
  xpc_dictionary_set_int64(message, "n", n);
  xpc_dictionary_set_string(message, "text", "traffic");
  switch (n % 5) {
    case 0:
    case 2:
      xpc_connection_send_message_with_reply(traffic_connection, message, traffic_queue, ^(xpc_object_t reply) {
        (void)reply;
      });
      break;
    case 1:
      xpc_connection_send_message(traffic_connection, message);
      break;
    case 3: {
      xpc_dictionary_set_bool(message, "sync", true);
      xpc_object_t reply = xpc_connection_send_message_with_reply_sync(traffic_connection, message);
      xpc_release(reply);
      break;
    }
    case 4:
      xpc_connection_send_message(traffic_connection, message);
      xpc_connection_send_barrier(traffic_connection, ^{
      });
      break;
  }
  xpc_release(message);
  dispatch_after_f(dispatch_time(DISPATCH_TIME_NOW, traffic_interval_ms * (int64_t)NSEC_PER_MSEC), traffic_queue, NULL, tick);
}

static void traffic(void) {
  const char *interval = getenv("C_TRAFFIC_INTERVAL_MS");
  if (interval != NULL && atoi(interval) > 0) traffic_interval_ms = atoi(interval);
  traffic_queue = dispatch_queue_create("com.example.c-client.traffic", DISPATCH_QUEUE_SERIAL);
  traffic_connection = xpc_connection_create_mach_service(SERVICE, traffic_queue, 0);
  xpc_connection_set_event_handler(traffic_connection, ^(xpc_object_t event) {
    if (xpc_get_type(event) == XPC_TYPE_ERROR) {
      char *reason = xpc_connection_copy_invalidation_reason(traffic_connection);
      printf("c-client: %s (%s)\n", xpc_dictionary_get_string(event, XPC_ERROR_KEY_DESCRIPTION), reason ? reason : "no reason");
      fflush(stdout);
      free(reason);
    }
  });
  xpc_connection_resume(traffic_connection);
  dispatch_async_f(traffic_queue, NULL, tick);
  dispatch_main();
}

static void slow_txn(int64_t ms) {
  events_queue = dispatch_queue_create("com.example.c-client.events", DISPATCH_QUEUE_SERIAL);
  xpc_connection_t connection = xpc_connection_create_mach_service(SERVICE, events_queue, 0);
  xpc_connection_set_event_handler(connection, ^(xpc_object_t event) {
    if (xpc_get_type(event) == XPC_TYPE_ERROR) emit("connection-error", error_fields("slow-txn", connection, event));
  });
  xpc_connection_resume(connection);
  xpc_object_t txn = request("txn");
  xpc_dictionary_set_int64(txn, "ms", ms);
  emit("txn-sent", with_step("slow-txn"));
  request_and_wait(connection, "txn-reply", "slow-txn", txn, 0);
  xpc_connection_cancel(connection);
  xpc_release(connection);
  exit(0);
}

int main(int argc, char **argv) {
  const char *script = argc > 1 ? argv[1] : "";
  if (strcmp(script, "traffic") == 0) traffic();
  if (strcmp(script, "scenario") == 0) scenario();
  if (strcmp(script, "slow-txn") == 0 && argc > 2) slow_txn(atoll(argv[2]));
  fprintf(stderr, "usage: %s traffic | scenario | slow-txn MS\n", argv[0]);
  return 2;
}
