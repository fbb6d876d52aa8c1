/*
 * com.example.c-echo: a launch agent written against Apple's libxpc API, as in xpc_main(3):
 *
 *   c-echo-service                      xpc_main(): serves every MachService of its job
 *   c-echo-service listener <service>   a LISTENER mach service connection and dispatch_main()
 *
 * Requests are dictionaries whose "op" says what to do:
 *   ping      reply: the request's entries, plus servedBy (pid), served (a count), and the
 *             client's pid and uid as the peer connection knows them (peerPid, peerUid)
 *   sleep     tells the client {"event":"sleeping"} on the peer connection, sleeps "ms", replies
 *   txn       opens a transaction, replies "ms" later from another queue, closes the transaction
 *   callback  asks its own anonymous listener, synchronously, to double "n"; replies with that
 *   endpoint  creates an anonymous listener that answers pings; replies with its endpoint
 *   notify    sends "count" one-way messages to the client on the peer connection, then replies
 * Messages without a reply expected (op "oneway", or any other) are counted.
 */
#include <dispatch/dispatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xpc/xpc.h>

static int64_t served;

static xpc_object_t reply_echoing(xpc_object_t request) {
  xpc_object_t reply = xpc_dictionary_create_reply(request);
  if (reply == NULL) return NULL;
  xpc_dictionary_apply(request, ^bool(const char *key, xpc_object_t value) {
    xpc_dictionary_set_value(reply, key, value);
    return true;
  });
  xpc_connection_t peer = xpc_dictionary_get_remote_connection(request);
  xpc_dictionary_set_int64(reply, "servedBy", getpid());
  xpc_dictionary_set_int64(reply, "served", __atomic_add_fetch(&served, 1, __ATOMIC_RELAXED));
  xpc_dictionary_set_int64(reply, "peerPid", xpc_connection_get_pid(peer));
  xpc_dictionary_set_int64(reply, "peerUid", xpc_connection_get_euid(peer));
  return reply;
}

/* An anonymous listener whose peers answer {"op":"ping"} and {"op":"double","n":N}. */
static xpc_connection_t create_anonymous_listener(const char *who) {
  xpc_connection_t listener = xpc_connection_create(NULL, NULL);
  xpc_connection_set_event_handler(listener, ^(xpc_object_t peer) {
    if (xpc_get_type(peer) != XPC_TYPE_CONNECTION) return;
    xpc_connection_set_event_handler(peer, ^(xpc_object_t message) {
      if (xpc_get_type(message) != XPC_TYPE_DICTIONARY) return;
      xpc_object_t reply = xpc_dictionary_create_reply(message);
      if (reply == NULL) return;
      const char *op = xpc_dictionary_get_string(message, "op");
      if (op != NULL && strcmp(op, "double") == 0) {
        xpc_dictionary_set_int64(reply, "n", 2 * xpc_dictionary_get_int64(message, "n"));
      } else {
        const char *text = xpc_dictionary_get_string(message, "text");
        xpc_dictionary_set_string(reply, "from", who);
        xpc_dictionary_set_string(reply, "text", text ? text : "");
      }
      xpc_dictionary_set_int64(reply, "servedBy", getpid());
      xpc_connection_send_message(xpc_dictionary_get_remote_connection(message), reply);
      xpc_release(reply);
    });
    xpc_connection_resume(peer);
  });
  xpc_connection_resume(listener);
  return listener;
}

static xpc_connection_t callback_connection(void) {
  static dispatch_once_t once;
  static xpc_connection_t connection;
  dispatch_once(&once, ^{
    xpc_connection_t listener = create_anonymous_listener("callback-listener");
    xpc_endpoint_t endpoint = xpc_endpoint_create(listener);
    connection = xpc_connection_create_from_endpoint(endpoint);
    xpc_release(endpoint);
    xpc_connection_set_event_handler(connection, ^(xpc_object_t event) {
      (void)event;
    });
    xpc_connection_resume(connection);
  });
  return connection;
}

static void handle_request(xpc_connection_t peer, xpc_object_t request) {
  const char *op = xpc_dictionary_get_string(request, "op");
  if (op == NULL) op = "";
  xpc_object_t reply = NULL;

  if (strcmp(op, "ping") == 0) {
    reply = reply_echoing(request);
  } else if (strcmp(op, "sleep") == 0) {
    int64_t ms = xpc_dictionary_get_int64(request, "ms");
    xpc_object_t note = xpc_dictionary_create_empty();
    xpc_dictionary_set_string(note, "event", "sleeping");
    xpc_dictionary_set_int64(note, "servedBy", getpid());
    xpc_connection_send_message(peer, note);
    xpc_release(note);
    usleep((useconds_t)(ms * 1000));
    reply = reply_echoing(request);
    if (reply != NULL) xpc_dictionary_set_int64(reply, "slept", ms);
  } else if (strcmp(op, "txn") == 0) {
    /* The reply outlives the handler: created here, sent later, with a transaction around the work. */
    int64_t ms = xpc_dictionary_get_int64(request, "ms");
    xpc_object_t later = reply_echoing(request);
    if (later == NULL) return;
    xpc_transaction_begin();
    xpc_retain(peer);
    dispatch_after(dispatch_time(DISPATCH_TIME_NOW, ms * (int64_t)NSEC_PER_MSEC), dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_DEFAULT, 0), ^{
      xpc_dictionary_set_bool(later, "late", true);
      xpc_connection_send_message(peer, later);
      xpc_release(later);
      xpc_release(peer);
      xpc_transaction_end();
    });
  } else if (strcmp(op, "callback") == 0) {
    xpc_object_t question = xpc_dictionary_create_empty();
    xpc_dictionary_set_string(question, "op", "double");
    xpc_dictionary_set_int64(question, "n", xpc_dictionary_get_int64(request, "n"));
    xpc_object_t answer = xpc_connection_send_message_with_reply_sync(callback_connection(), question);
    xpc_release(question);
    reply = reply_echoing(request);
    if (reply != NULL) {
      if (xpc_get_type(answer) == XPC_TYPE_DICTIONARY) xpc_dictionary_set_int64(reply, "doubled", xpc_dictionary_get_int64(answer, "n"));
      else xpc_dictionary_set_string(reply, "callbackError", xpc_dictionary_get_string(answer, XPC_ERROR_KEY_DESCRIPTION));
    }
    xpc_release(answer);
  } else if (strcmp(op, "endpoint") == 0) {
    xpc_connection_t listener = create_anonymous_listener("anonymous-listener");
    xpc_endpoint_t endpoint = xpc_endpoint_create(listener);
    reply = reply_echoing(request);
    if (reply != NULL) xpc_dictionary_set_value(reply, "endpoint", endpoint);
    xpc_release(endpoint);
  } else if (strcmp(op, "notify") == 0) {
    int64_t count = xpc_dictionary_get_int64(request, "count");
    for (int64_t i = 1; i <= count; i++) {
      xpc_object_t note = xpc_dictionary_create_empty();
      xpc_dictionary_set_string(note, "event", "notify");
      xpc_dictionary_set_int64(note, "index", i);
      xpc_connection_send_message(peer, note);
      xpc_release(note);
    }
    reply = reply_echoing(request);
  } else {
    __atomic_add_fetch(&served, 1, __ATOMIC_RELAXED);
    reply = xpc_dictionary_create_reply(request);
    if (reply != NULL) xpc_dictionary_set_string(reply, "error", "unknown op");
  }

  if (reply != NULL) {
    xpc_connection_send_message(peer, reply);
    xpc_release(reply);
  }
}

static void new_connection_handler(xpc_connection_t peer) {
  xpc_connection_set_event_handler(peer, ^(xpc_object_t event) {
    xpc_type_t type = xpc_get_type(event);
    if (type == XPC_TYPE_DICTIONARY) {
      handle_request(peer, event);
    } else if (event == XPC_ERROR_TERMINATION_IMMINENT) {
      printf("c-echo: termination imminent\n");
      fflush(stdout);
    }
  });
  xpc_connection_resume(peer);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "listener") == 0) {
    xpc_connection_t listener = xpc_connection_create_mach_service(argv[2], NULL, XPC_CONNECTION_MACH_SERVICE_LISTENER);
    xpc_connection_set_event_handler(listener, ^(xpc_object_t event) {
      if (xpc_get_type(event) == XPC_TYPE_CONNECTION) new_connection_handler(event);
    });
    xpc_connection_resume(listener);
    dispatch_main();
  }
  xpc_main(new_connection_handler);
  exit(EXIT_FAILURE);
}
