/*
 * The probe's interposer: loaded into a process, it observes that process's libxpc calls
 * (interposed.def lists them) and reports them to the broker's probe socket
 * ($XPC_INSPECTOR_PROBE_SOCKET) as records (src/probe_record.h). It observes, never changes:
 * every replacement calls the real function with the same arguments, and an event, reply or
 * barrier handler is wrapped only to report what it receives before calling the original.
 *
 * One source, two ways of getting in front of libxpc (the only part that differs):
 *   macOS   a dylib inserted with DYLD_INSERT_LIBRARIES; a __DATA,__interpose section of
 *           (replacement, original) pairs. Calls from this image are not redirected, so the
 *           replacement `probe_<fn>` calls the real `<fn>` by name.
 *   Linux   an LD_PRELOAD library in front of native-probe/libxpc (Apple's API on Linux): the
 *           replacement *is* `<fn>`, and the real one is found with dlsym(RTLD_NEXT).
 *
 * All encoding and socket work is in src/ (portable C); this file adapts xpc_object_t to the
 * xw_ builder through libxpc's public API only.
 */
#if defined(__APPLE__)
#define PROBE_ON_MACOS 1
#else
#define PROBE_ON_MACOS 0
#define _GNU_SOURCE
#endif

#include <Block.h>
#include <dispatch/dispatch.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xpc/xpc.h>

#if PROBE_ON_MACOS
#include <libproc.h>
#include <sys/param.h>
#endif

#include "../src/probe_record.h"

#define PROBE_SOCKET_ENV "XPC_INSPECTOR_PROBE_SOCKET"

/* ---- the interposition mechanism ------------------------------------------------------------ */

#if PROBE_ON_MACOS

#define PROBE_REPLACEMENT(fn) probe_##fn
#define REAL(fn) fn
/* The replacements call functions newer than the deployment target: they only run when the app
 * called the original, which therefore exists. */
#pragma clang diagnostic ignored "-Wunguarded-availability"
#pragma clang diagnostic ignored "-Wunguarded-availability-new"

/* Functions newer than the deployment target (12.0) are weak imports: the dylib loads on
 * macOS 12, and the interpose entry of a function the system lacks is left unbound. */
#define PROBE_NEWER_10_7 0
#define PROBE_NEWER_10_12 0
#define PROBE_NEWER_12_0 0
#define PROBE_NEWER_13_0 1
#define PROBE_NEWER_14_0 1
#define PROBE_NEWER_14_4 1
#define PROBE_WEAK_0
#define PROBE_WEAK_1 __attribute__((weak_import))
#define PROBE_WEAK_(newer) PROBE_WEAK_##newer
#define PROBE_WEAK(newer) PROBE_WEAK_(newer)
#define PROBE_INTERPOSED(fn, since, on_linux) extern __typeof__(fn) fn PROBE_WEAK(PROBE_NEWER_##since);
#include "interposed.def"
#undef PROBE_INTERPOSED
/* Called by the session replacements only, and new with sessions in macOS 13, but the SDK's
 * headers give them no availability. */
extern __typeof__(xpc_rich_error_copy_description) xpc_rich_error_copy_description __attribute__((weak_import));
extern __typeof__(xpc_rich_error_can_retry) xpc_rich_error_can_retry __attribute__((weak_import));

#else /* Linux: LD_PRELOAD */

#define PROBE_REPLACEMENT(fn) fn
/* The next definition of `fn` after this library (libxpc's), looked up once per call site. */
#define REAL(fn)                                                                     \
  (__extension__({                                                                   \
    static __typeof__(&fn) real_##fn;                                                \
    if (real_##fn == NULL) real_##fn = (__typeof__(&fn))probe_real_symbol(#fn);      \
    real_##fn;                                                                       \
  }))

static void *probe_real_symbol(const char *name) {
  void *fn = dlsym(RTLD_NEXT, name);
  if (fn == NULL) {
    fprintf(stderr, "xpc-inspector probe: %s is not defined by any library after the probe (%s)\n", name, dlerror());
    abort();
  }
  return fn;
}

#endif

/* What the replacements of one platform exist for: macOS has them all, Linux those its libxpc has. */
#define PROBE_HAS_REQUIREMENTS PROBE_ON_MACOS
#define PROBE_HAS_XPC_SERVICE_SESSION PROBE_ON_MACOS

#define PROBE_EXPORT __attribute__((visibility("default")))

static probe_sink g_sink;
static volatile int g_enabled;

#if PROBE_ON_MACOS
/* xpc_connection_copy_invalidation_reason is macOS 12+ and the probe's deployment target is 12.0,
 * but a weak lookup keeps the probe loadable on an older system all the same. */
typedef char *(*copy_reason_fn)(xpc_connection_t);
static copy_reason_fn g_copy_reason;
#define COPY_REASON(c) (g_copy_reason != NULL ? g_copy_reason(c) : NULL)
#else
#define COPY_REASON(c) xpc_connection_copy_invalidation_reason(c)
#endif

static uint64_t handle_of(const void *object) {
  return (uint64_t)(uintptr_t)object;
}

/* ---- small pointer → id tables ------------------------------------------------------------------
 * Bounded rings keyed by object pointer: the newest entry for a key wins, the oldest is forgotten
 * first. Used to pair a reply object with the request it answers, and an endpoint with the
 * listener that made it. */

#define TABLE_SLOTS 1024

typedef struct probe_table {
  pthread_mutex_t lock;
  const void *keys[TABLE_SLOTS];
  uint64_t values[TABLE_SLOTS];
  unsigned next;
} probe_table;

static probe_table g_received = {.lock = PTHREAD_MUTEX_INITIALIZER}; /* request object -> probe message id */
static probe_table g_replies = {.lock = PTHREAD_MUTEX_INITIALIZER};  /* reply object -> request's probe message id */
static probe_table g_endpoints = {.lock = PTHREAD_MUTEX_INITIALIZER}; /* endpoint object -> listener handle */

static void table_put(probe_table *t, const void *key, uint64_t value) {
  pthread_mutex_lock(&t->lock);
  t->keys[t->next] = key;
  t->values[t->next] = value;
  t->next = (t->next + 1) % TABLE_SLOTS;
  pthread_mutex_unlock(&t->lock);
}

/* The value for key (0 when unknown); `take` forgets it. */
static uint64_t table_get(probe_table *t, const void *key, int take) {
  uint64_t value = 0;
  pthread_mutex_lock(&t->lock);
  for (unsigned i = 0; i < TABLE_SLOTS; i++) {
    unsigned slot = (t->next + TABLE_SLOTS - 1 - i) % TABLE_SLOTS;
    if (t->keys[slot] == key && key != NULL) {
      value = t->values[slot];
      if (take) t->keys[slot] = NULL;
      break;
    }
  }
  pthread_mutex_unlock(&t->lock);
  return value;
}

/* ---- xpc_object_t -> builder --------------------------------------------------------------- */

static void put_value(xw_writer *w, xpc_object_t v);

/* A descriptor is identified by its path (the format's fd body); a duplicate is asked, then closed. */
static void put_fd(xw_writer *w, xpc_object_t v) {
  char path[4096];
  int fd = xpc_fd_dup(v);
  int known = 0;
  if (fd >= 0) {
#if PROBE_ON_MACOS
    known = fcntl(fd, F_GETPATH, path) == 0;
#else
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n > 0) {
      path[n] = '\0';
      known = 1;
    }
#endif
    close(fd);
  }
  xw_fd(w, known ? path : "");
}

/* An endpoint the process made itself names its listener; one it received is unknown here. */
static void put_endpoint(xw_writer *w, xpc_object_t v) {
  uint64_t listener = table_get(&g_endpoints, v, 0);
  char name[64] = "";
  if (listener != 0) snprintf(name, sizeof name, "pid %d listener 0x%" PRIx64, (int)getpid(), listener);
  xw_endpoint(w, name);
}

static void put_value(xw_writer *w, xpc_object_t v) {
  if (w->status != XW_OK) return;
  xpc_type_t t = xpc_get_type(v);
  if (t == XPC_TYPE_NULL) {
    xw_null(w);
  } else if (t == XPC_TYPE_BOOL) {
    xw_bool(w, xpc_bool_get_value(v));
  } else if (t == XPC_TYPE_INT64) {
    xw_int64(w, xpc_int64_get_value(v));
  } else if (t == XPC_TYPE_UINT64) {
    xw_uint64(w, xpc_uint64_get_value(v));
  } else if (t == XPC_TYPE_DOUBLE) {
    xw_double(w, xpc_double_get_value(v));
  } else if (t == XPC_TYPE_DATE) {
    xw_date(w, xpc_date_get_value(v));
  } else if (t == XPC_TYPE_DATA) {
    xw_data(w, xpc_data_get_bytes_ptr(v), xpc_data_get_length(v));
  } else if (t == XPC_TYPE_STRING) {
    xw_string_n(w, xpc_string_get_string_ptr(v), xpc_string_get_length(v));
  } else if (t == XPC_TYPE_UUID) {
    xw_uuid(w, xpc_uuid_get_bytes(v));
  } else if (t == XPC_TYPE_FD) {
    put_fd(w, v);
#ifdef XPC_TYPE_SHMEM
  } else if (t == XPC_TYPE_SHMEM) {
    /* libxpc has no accessor for a region's size short of mapping it; the probe does not map the
     * app's memory, so the size is reported as 0 (README.md). */
    xw_shmem(w, 0);
#endif
  } else if (t == XPC_TYPE_ARRAY) {
    xw_array_begin(w);
    if (w->status != XW_OK) return;
    xpc_array_apply(v, ^bool(size_t index, xpc_object_t item) {
      (void)index;
      put_value(w, item);
      return w->status == XW_OK;
    });
    xw_array_end(w);
  } else if (t == XPC_TYPE_DICTIONARY) {
    xw_dict_begin(w);
    if (w->status != XW_OK) return;
    xpc_dictionary_apply(v, ^bool(const char *key, xpc_object_t item) {
      xw_key(w, key);
      put_value(w, item);
      return w->status == XW_OK;
    });
    xw_dict_end(w);
  } else if (t == XPC_TYPE_ERROR) {
    const char *description = xpc_dictionary_get_string(v, XPC_ERROR_KEY_DESCRIPTION);
    xw_error(w, description != NULL ? description : "");
  } else if (t == XPC_TYPE_ENDPOINT) {
    put_endpoint(w, v);
  } else {
    /* Types the format has no code for (connections, activities …): their type name as text. */
    char text[96];
    snprintf(text, sizeof text, "<xpc %s>", xpc_type_get_name(t));
    xw_string(w, text);
  }
}

static void body_of(xw_writer *w, const void *ctx) {
  put_value(w, (xpc_object_t)(uintptr_t)ctx);
}

/* A session's error arrives as an xpc_rich_error_t: written as an XPC error with its description. */
static void rich_error_body(xw_writer *w, const void *ctx) {
  xw_error(w, (const char *)ctx);
}

/* ---- start-up -------------------------------------------------------------------------------- */

static void send_hello(void) {
#if PROBE_ON_MACOS
  char executable[PROC_PIDPATHINFO_MAXSIZE];
  if (proc_pidpath(getpid(), executable, sizeof executable) <= 0) executable[0] = '\0';
  const char *name = getprogname();
#else
  char executable[4096];
  ssize_t n = readlink("/proc/self/exe", executable, sizeof executable - 1);
  executable[n > 0 ? n : 0] = '\0';
  const char *name = program_invocation_short_name;
#endif
  probe_hello(&g_sink, (int32_t)getpid(), executable, name);
}

static int connect_sink(void) {
  const char *path = getenv(PROBE_SOCKET_ENV);
  if (path == NULL || path[0] == '\0') return 0;
  if (probe_sink_open(&g_sink, path, 0) != 0) {
    fprintf(stderr, "xpc-inspector probe: pid %d cannot connect to %s: %s; not observing\n", (int)getpid(), path, strerror(errno));
    probe_sink_close(&g_sink);
    return 0;
  }
  send_hello();
  return 1;
}

/* A forked child gets a connection of its own, so that the kernel names it correctly. */
static void after_fork_in_child(void) {
  g_enabled = 0;
  probe_sink_forget_after_fork(&g_sink);
  g_enabled = connect_sink();
}

__attribute__((constructor)) static void probe_start(void) {
#if PROBE_ON_MACOS
  g_copy_reason = (copy_reason_fn)dlsym(RTLD_DEFAULT, "xpc_connection_copy_invalidation_reason");
#endif
  g_enabled = connect_sink();
  if (g_enabled) pthread_atfork(NULL, NULL, after_fork_in_child);
}

/* ---- connections: creation ------------------------------------------------------------------- */

static const char *name_or_empty(const char *name) {
  return name != NULL ? name : "";
}

PROBE_EXPORT xpc_connection_t PROBE_REPLACEMENT(xpc_connection_create)(const char *name, dispatch_queue_t queue) {
  xpc_connection_t c = REAL(xpc_connection_create)(name, queue);
  if (g_enabled && c != NULL) {
    /* Without a name it is an anonymous listener, reachable only through its endpoint. */
    probe_connection_origin origin = {.anonymous = name == NULL};
    probe_connection_created_from(&g_sink, handle_of(c), name_or_empty(name), 0, name == NULL, &origin);
  }
  return c;
}

PROBE_EXPORT xpc_connection_t PROBE_REPLACEMENT(xpc_connection_create_mach_service)(const char *name, dispatch_queue_t queue, uint64_t flags) {
  xpc_connection_t c = REAL(xpc_connection_create_mach_service)(name, queue, flags);
  if (g_enabled && c != NULL) {
    probe_connection_created(&g_sink, handle_of(c), name_or_empty(name), (flags & XPC_CONNECTION_MACH_SERVICE_PRIVILEGED) != 0,
                             (flags & XPC_CONNECTION_MACH_SERVICE_LISTENER) != 0);
  }
  return c;
}

PROBE_EXPORT xpc_connection_t PROBE_REPLACEMENT(xpc_connection_create_from_endpoint)(xpc_endpoint_t endpoint) {
  xpc_connection_t c = REAL(xpc_connection_create_from_endpoint)(endpoint);
  if (g_enabled && c != NULL) {
    probe_connection_origin origin = {.endpoint = handle_of(endpoint)};
    probe_connection_created_from(&g_sink, handle_of(c), "", 0, 0, &origin);
  }
  return c;
}

PROBE_EXPORT xpc_endpoint_t PROBE_REPLACEMENT(xpc_endpoint_create)(xpc_connection_t listener) {
  xpc_endpoint_t endpoint = REAL(xpc_endpoint_create)(listener);
  if (g_enabled && endpoint != NULL) {
    table_put(&g_endpoints, endpoint, handle_of(listener));
    probe_endpoint_created(&g_sink, handle_of(endpoint), handle_of(listener));
  }
  return endpoint;
}

/* ---- connections: state ---------------------------------------------------------------------- */

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_activate)(xpc_connection_t c) {
  if (g_enabled) probe_connection_activated(&g_sink, handle_of(c));
  REAL(xpc_connection_activate)(c);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_resume)(xpc_connection_t c) {
  if (g_enabled) probe_connection_resumed(&g_sink, handle_of(c));
  REAL(xpc_connection_resume)(c);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_suspend)(xpc_connection_t c) {
  if (g_enabled) probe_connection_suspended(&g_sink, handle_of(c));
  REAL(xpc_connection_suspend)(c);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_cancel)(xpc_connection_t c) {
  if (g_enabled) probe_connection_canceled(&g_sink, handle_of(c));
  REAL(xpc_connection_cancel)(c);
}

/* ---- connections: event handlers ------------------------------------------------------------ */

/* A received message: reported, and remembered so that a reply created for it names it. */
static void report_received(xpc_connection_t conn, xpc_object_t message) {
  uint64_t id = probe_next_message(&g_sink);
  table_put(&g_received, message, id);
  probe_message_received(&g_sink, handle_of(conn), id, xpc_connection_get_name(conn), (int32_t)xpc_connection_get_pid(conn), body_of,
                         message);
}

static void report_connection_error(xpc_connection_t conn, xpc_object_t error) {
  const char *description = xpc_dictionary_get_string(error, XPC_ERROR_KEY_DESCRIPTION);
  char *reason = COPY_REASON(conn);
  probe_connection_error(&g_sink, handle_of(conn), xpc_connection_get_name(conn), (int32_t)xpc_connection_get_pid(conn),
                         description != NULL ? description : "", reason);
  free(reason);
}

/* A listener's handler receives each new peer as a connection object. */
static void report_peer(uint64_t listener, const char *service, xpc_connection_t peer) {
  probe_connection_origin origin = {.peer_of = listener, .peer_pid = (int32_t)xpc_connection_get_pid(peer)};
  probe_connection_created_from(&g_sink, handle_of(peer), name_or_empty(service), 0, 0, &origin);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_set_event_handler)(xpc_connection_t c, xpc_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    REAL(xpc_connection_set_event_handler)(c, handler);
    return;
  }
  /* libxpc runs a connection's event handler only while the connection exists, so it may be
   * asked for its name, peer pid and invalidation reason there. */
  xpc_connection_t conn = c;
  xpc_handler_t observed = ^(xpc_object_t event) {
    if (g_enabled) {
      xpc_type_t t = xpc_get_type(event);
      if (t == XPC_TYPE_DICTIONARY) {
        report_received(conn, event);
      } else if (t == XPC_TYPE_ERROR) {
        report_connection_error(conn, event);
      } else if (t == XPC_TYPE_CONNECTION) {
        report_peer(handle_of(conn), xpc_connection_get_name(conn), (xpc_connection_t)event);
      }
    }
    handler(event);
  };
  REAL(xpc_connection_set_event_handler)(c, observed);
}

/* ---- sending ----------------------------------------------------------------------------------- */

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_send_message)(xpc_connection_t c, xpc_object_t message) {
  if (g_enabled) {
    uint64_t in_reply_to = table_get(&g_replies, message, 1);
    const char *service = xpc_connection_get_name(c);
    int32_t pid = (int32_t)xpc_connection_get_pid(c);
    uint64_t id = probe_next_message(&g_sink);
    if (in_reply_to != 0) {
      probe_reply_sent(&g_sink, handle_of(c), id, in_reply_to, service, pid, body_of, message);
    } else {
      probe_message_sent(&g_sink, handle_of(c), id, service, pid, 0, 0, body_of, message);
    }
  }
  REAL(xpc_connection_send_message)(c, message);
}

/* The pid of whoever sent a reply (the connection it came on), 0 for an error or when unknown. */
static int32_t sender_pid(xpc_object_t reply) {
  if (xpc_get_type(reply) != XPC_TYPE_DICTIONARY) return 0;
  xpc_connection_t remote = xpc_dictionary_get_remote_connection(reply);
  return remote != NULL ? (int32_t)xpc_connection_get_pid(remote) : 0;
}

static void report_reply(uint64_t handle, uint64_t request, xpc_object_t reply, char *reason) {
  probe_reply_received(&g_sink, handle, probe_next_message(&g_sink), request, NULL, sender_pid(reply), body_of, reply, reason);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_send_message_with_reply)(xpc_connection_t c, xpc_object_t message, dispatch_queue_t queue,
                                                                            xpc_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    REAL(xpc_connection_send_message_with_reply)(c, message, queue, handler);
    return;
  }
  uint64_t handle = handle_of(c);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle, request, xpc_connection_get_name(c), (int32_t)xpc_connection_get_pid(c), 1, 0, body_of, message);
  /* The connection is retained for the reply: an error reply is reported with the connection's
   * invalidation reason, which can only be asked of the connection. */
  xpc_connection_t conn = (xpc_connection_t)xpc_retain(c);
  xpc_handler_t observed = ^(xpc_object_t reply) {
    if (g_enabled) {
      char *reason = xpc_get_type(reply) == XPC_TYPE_ERROR ? COPY_REASON(conn) : NULL;
      report_reply(handle, request, reply, reason);
      free(reason);
    }
    xpc_release(conn);
    handler(reply);
  };
  REAL(xpc_connection_send_message_with_reply)(c, message, queue, observed);
}

PROBE_EXPORT xpc_object_t PROBE_REPLACEMENT(xpc_connection_send_message_with_reply_sync)(xpc_connection_t c, xpc_object_t message) {
  if (!g_enabled) return REAL(xpc_connection_send_message_with_reply_sync)(c, message);
  uint64_t handle = handle_of(c);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle, request, xpc_connection_get_name(c), (int32_t)xpc_connection_get_pid(c), 1, 1, body_of, message);
  xpc_object_t reply = REAL(xpc_connection_send_message_with_reply_sync)(c, message);
  if (g_enabled && reply != NULL) {
    char *reason = xpc_get_type(reply) == XPC_TYPE_ERROR ? COPY_REASON(c) : NULL;
    report_reply(handle, request, reply, reason);
    free(reason);
  }
  return reply;
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_connection_send_barrier)(xpc_connection_t c, dispatch_block_t barrier) {
  if (!g_enabled || barrier == NULL) {
    REAL(xpc_connection_send_barrier)(c, barrier);
    return;
  }
  uint64_t handle = handle_of(c);
  probe_barrier(&g_sink, handle, 0);
  dispatch_block_t observed = ^{
    if (g_enabled) probe_barrier(&g_sink, handle, 1);
    barrier();
  };
  REAL(xpc_connection_send_barrier)(c, observed);
}

/* ---- the service side ------------------------------------------------------------------------ */

PROBE_EXPORT xpc_object_t PROBE_REPLACEMENT(xpc_dictionary_create_reply)(xpc_object_t request) {
  xpc_object_t reply = REAL(xpc_dictionary_create_reply)(request);
  if (g_enabled && reply != NULL) {
    uint64_t id = table_get(&g_received, request, 0);
    if (id != 0) {
      table_put(&g_replies, reply, id);
      probe_reply_created(&g_sink, id);
    }
  }
  return reply;
}

/* xpc_main's listener has no connection object of its own; this handle names it. */
#define MAIN_LISTENER_HANDLE ((uint64_t)1)
static xpc_connection_handler_t g_main_handler;
static const char *g_main_service;

static void main_peer_trampoline(xpc_connection_t peer) {
  if (g_enabled) report_peer(MAIN_LISTENER_HANDLE, g_main_service, peer);
  g_main_handler(peer);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_main)(xpc_connection_handler_t handler) {
  if (!g_enabled || handler == NULL) REAL(xpc_main)(handler);
  /* launchd (and the broker) name the job's service in XPC_SERVICE_NAME. */
  g_main_service = name_or_empty(getenv("XPC_SERVICE_NAME"));
  g_main_handler = handler;
  probe_connection_created(&g_sink, MAIN_LISTENER_HANDLE, g_main_service, 0, 1);
  REAL(xpc_main)(main_peer_trampoline);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_transaction_begin)(void) {
  if (g_enabled) probe_transaction(&g_sink, 1);
  REAL(xpc_transaction_begin)();
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_transaction_end)(void) {
  if (g_enabled) probe_transaction(&g_sink, -1);
  REAL(xpc_transaction_end)();
}

/* ---- peer requirements (macOS 12+ / 14.4+) --------------------------------------------------- */

#if PROBE_HAS_REQUIREMENTS

static void report_requirement(xpc_connection_t c, const char *kind, const char *value, int result) {
  if (!g_enabled) return;
  char text[1024];
  snprintf(text, sizeof text, "%s%s%s", kind, value != NULL ? ": " : "", value != NULL ? value : "");
  probe_requirement_set(&g_sink, handle_of(c), text, result == 0);
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_code_signing_requirement)(xpc_connection_t c, const char *requirement) {
  int result = REAL(xpc_connection_set_peer_code_signing_requirement)(c, requirement);
  report_requirement(c, "code-signing", requirement, result);
  return result;
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_team_identity_requirement)(xpc_connection_t c, const char *signing_identifier) {
  int result = REAL(xpc_connection_set_peer_team_identity_requirement)(c, signing_identifier);
  report_requirement(c, "team-identity", signing_identifier, result);
  return result;
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_platform_identity_requirement)(xpc_connection_t c, const char *signing_identifier) {
  int result = REAL(xpc_connection_set_peer_platform_identity_requirement)(c, signing_identifier);
  report_requirement(c, "platform-identity", signing_identifier, result);
  return result;
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_entitlement_exists_requirement)(xpc_connection_t c, const char *entitlement) {
  int result = REAL(xpc_connection_set_peer_entitlement_exists_requirement)(c, entitlement);
  report_requirement(c, "entitlement-exists", entitlement, result);
  return result;
}

/* The value is shown with xpc_copy_description, the way libxpc prints it. */
static void report_object_requirement(xpc_connection_t c, const char *kind, const char *name, xpc_object_t value, int result) {
  if (!g_enabled) return;
  char *description = value != NULL ? xpc_copy_description(value) : NULL;
  char text[1024];
  snprintf(text, sizeof text, "%s%s%s%s%s", kind, name != NULL ? ": " : "", name != NULL ? name : "", description != NULL ? " = " : "",
           description != NULL ? description : "");
  free(description);
  probe_requirement_set(&g_sink, handle_of(c), text, result == 0);
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_entitlement_matches_value_requirement)(xpc_connection_t c, const char *entitlement,
                                                                                                  xpc_object_t value) {
  int result = REAL(xpc_connection_set_peer_entitlement_matches_value_requirement)(c, entitlement, value);
  report_object_requirement(c, "entitlement-matches", entitlement, value, result);
  return result;
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_connection_set_peer_lightweight_code_requirement)(xpc_connection_t c, xpc_object_t requirement) {
  int result = REAL(xpc_connection_set_peer_lightweight_code_requirement)(c, requirement);
  report_object_requirement(c, "lightweight-code", NULL, requirement, result);
  return result;
}

PROBE_EXPORT int PROBE_REPLACEMENT(xpc_session_set_peer_code_signing_requirement)(xpc_session_t s, const char *requirement) {
  int result = REAL(xpc_session_set_peer_code_signing_requirement)(s, requirement);
  report_requirement((xpc_connection_t)(void *)s, "code-signing", requirement, result);
  return result;
}

#endif /* PROBE_HAS_REQUIREMENTS */

/* ---- XPCSession (macOS 13+) ------------------------------------------------------------------ */

/* A session's name for the records: it has no public name accessor, so the probe keeps the one it
 * was created with (sessions are few; the newest 64 are remembered). */
#define SESSION_NAMES 64
static struct {
  pthread_mutex_t lock;
  const void *session[SESSION_NAMES];
  char name[SESSION_NAMES][128];
  unsigned next;
} g_sessions = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void session_remember(xpc_session_t s, const char *name) {
  pthread_mutex_lock(&g_sessions.lock);
  unsigned slot = g_sessions.next;
  g_sessions.session[slot] = s;
  snprintf(g_sessions.name[slot], sizeof g_sessions.name[slot], "%s", name_or_empty(name));
  g_sessions.next = (slot + 1) % SESSION_NAMES;
  pthread_mutex_unlock(&g_sessions.lock);
}

static void session_name(xpc_session_t s, char *out, size_t size) {
  out[0] = '\0';
  pthread_mutex_lock(&g_sessions.lock);
  for (unsigned i = 0; i < SESSION_NAMES; i++) {
    unsigned slot = (g_sessions.next + SESSION_NAMES - 1 - i) % SESSION_NAMES;
    if (g_sessions.session[slot] == s) {
      snprintf(out, size, "%s", g_sessions.name[slot]);
      break;
    }
  }
  pthread_mutex_unlock(&g_sessions.lock);
}

static void report_session_created(xpc_session_t s, const char *name, int privileged) {
  session_remember(s, name);
  probe_connection_origin origin = {.session = 1};
  probe_connection_created_from(&g_sink, handle_of(s), name_or_empty(name), privileged, 0, &origin);
}

PROBE_EXPORT xpc_session_t PROBE_REPLACEMENT(xpc_session_create_mach_service)(const char *name, dispatch_queue_t queue,
                                                                              xpc_session_create_flags_t flags, xpc_rich_error_t *error_out) {
  xpc_session_t s = REAL(xpc_session_create_mach_service)(name, queue, flags, error_out);
  if (g_enabled && s != NULL) report_session_created(s, name, 0);
  return s;
}

#if PROBE_HAS_XPC_SERVICE_SESSION
PROBE_EXPORT xpc_session_t PROBE_REPLACEMENT(xpc_session_create_xpc_service)(const char *name, dispatch_queue_t queue,
                                                                             xpc_session_create_flags_t flags, xpc_rich_error_t *error_out) {
  xpc_session_t s = REAL(xpc_session_create_xpc_service)(name, queue, flags, error_out);
  if (g_enabled && s != NULL) report_session_created(s, name, 0);
  return s;
}
#endif

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_session_set_incoming_message_handler)(xpc_session_t s, xpc_session_incoming_message_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    REAL(xpc_session_set_incoming_message_handler)(s, handler);
    return;
  }
  uint64_t handle = handle_of(s);
  xpc_session_incoming_message_handler_t observed = ^(xpc_object_t message) {
    if (g_enabled) {
      char name[128];
      session_name((xpc_session_t)(uintptr_t)handle, name, sizeof name);
      uint64_t id = probe_next_message(&g_sink);
      table_put(&g_received, message, id);
      probe_message_received(&g_sink, handle, id, name, 0, body_of, message);
    }
    handler(message);
  };
  REAL(xpc_session_set_incoming_message_handler)(s, observed);
}

/* The rich error's description, or the fallback; the caller frees. */
static char *rich_error_text(xpc_rich_error_t error) {
  char *text = error != NULL ? xpc_rich_error_copy_description(error) : NULL;
  return text != NULL ? text : strdup("session error");
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_session_set_cancel_handler)(xpc_session_t s, xpc_session_cancel_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    REAL(xpc_session_set_cancel_handler)(s, handler);
    return;
  }
  uint64_t handle = handle_of(s);
  xpc_session_cancel_handler_t observed = ^(xpc_rich_error_t error) {
    if (g_enabled) {
      char name[128];
      session_name((xpc_session_t)(uintptr_t)handle, name, sizeof name);
      char *text = rich_error_text(error);
      probe_session_error(&g_sink, handle, name, text, error != NULL && xpc_rich_error_can_retry(error));
      free(text);
    }
    handler(error);
  };
  REAL(xpc_session_set_cancel_handler)(s, observed);
}

PROBE_EXPORT bool PROBE_REPLACEMENT(xpc_session_activate)(xpc_session_t s, xpc_rich_error_t *error_out) {
  if (g_enabled) probe_connection_activated(&g_sink, handle_of(s));
  return REAL(xpc_session_activate)(s, error_out);
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_session_cancel)(xpc_session_t s) {
  if (g_enabled) probe_connection_canceled(&g_sink, handle_of(s));
  REAL(xpc_session_cancel)(s);
}

/* Unlike a connection's, a session's send can refuse (an inactive or canceled session): only a
 * message libxpc took is reported. */
PROBE_EXPORT xpc_rich_error_t PROBE_REPLACEMENT(xpc_session_send_message)(xpc_session_t s, xpc_object_t message) {
  uint64_t in_reply_to = g_enabled ? table_get(&g_replies, message, 1) : 0;
  xpc_rich_error_t refused = REAL(xpc_session_send_message)(s, message);
  if (g_enabled && refused == NULL) {
    char name[128];
    session_name(s, name, sizeof name);
    uint64_t id = probe_next_message(&g_sink);
    if (in_reply_to != 0) {
      probe_reply_sent(&g_sink, handle_of(s), id, in_reply_to, name, 0, body_of, message);
    } else {
      probe_message_sent(&g_sink, handle_of(s), id, name, 0, 0, 0, body_of, message);
    }
  }
  return refused;
}

/* A session's answer: the reply, or the rich error that came instead. */
static void report_session_reply(uint64_t handle, const char *name, uint64_t request, xpc_object_t reply, xpc_rich_error_t error) {
  uint64_t id = probe_next_message(&g_sink);
  if (reply != NULL) {
    probe_reply_received(&g_sink, handle, id, request, name, sender_pid(reply), body_of, reply, NULL);
    return;
  }
  char *text = rich_error_text(error);
  probe_reply_received(&g_sink, handle, id, request, name, 0, rich_error_body, text, text);
  free(text);
}

PROBE_EXPORT xpc_object_t PROBE_REPLACEMENT(xpc_session_send_message_with_reply_sync)(xpc_session_t s, xpc_object_t message,
                                                                                      xpc_rich_error_t *error_out) {
  if (!g_enabled) return REAL(xpc_session_send_message_with_reply_sync)(s, message, error_out);
  char name[128];
  session_name(s, name, sizeof name);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle_of(s), request, name, 0, 1, 1, body_of, message);
  /* The error is reported whether or not the caller asked for it. */
  xpc_rich_error_t error = NULL;
  xpc_object_t reply = REAL(xpc_session_send_message_with_reply_sync)(s, message, &error);
  if (g_enabled) report_session_reply(handle_of(s), name, request, reply, error);
  if (error_out != NULL) {
    *error_out = error;
  } else if (error != NULL) {
    xpc_release(error);
  }
  return reply;
}

PROBE_EXPORT void PROBE_REPLACEMENT(xpc_session_send_message_with_reply_async)(xpc_session_t s, xpc_object_t message,
                                                                               xpc_session_reply_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    REAL(xpc_session_send_message_with_reply_async)(s, message, handler);
    return;
  }
  uint64_t handle = handle_of(s);
  char name[128];
  session_name(s, name, sizeof name);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle, request, name, 0, 1, 0, body_of, message);
  xpc_session_reply_handler_t observed = ^(xpc_object_t reply, xpc_rich_error_t error) {
    if (g_enabled) {
      char again[128];
      session_name((xpc_session_t)(uintptr_t)handle, again, sizeof again);
      report_session_reply(handle, again, request, reply, error);
    }
    handler(reply, error);
  };
  REAL(xpc_session_send_message_with_reply_async)(s, message, observed);
}

/* ---- the interpose table (macOS) -------------------------------------------------------------- */

#if PROBE_ON_MACOS
/* dyld's interposing tuples, one per line of interposed.def: calls from every other image to the
 * original go to the replacement; calls made from this image are not redirected. */
#define PROBE_INTERPOSED(fn, since, on_linux)                                                                              \
  __attribute__((used)) static struct {                                                                                   \
    const void *replacement;                                                                                              \
    const void *original;                                                                                                 \
  } probe_interpose_##fn __attribute__((section("__DATA,__interpose"))) = {(const void *)(uintptr_t)&probe_##fn,          \
                                                                          (const void *)(uintptr_t)&fn};
#include "interposed.def"
#undef PROBE_INTERPOSED
#endif
