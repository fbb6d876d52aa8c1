/*
 * The macOS layer of the native probe: a dylib loaded with DYLD_INSERT_LIBRARIES that interposes
 * libxpc's connection API (DYLD_INTERPOSE) and reports what the process does to the broker's
 * probe socket ($XPC_INSPECTOR_PROBE_SOCKET) as records (src/probe_record.h). It observes, never
 * changes: every replacement calls the real function with the same arguments, and an event or
 * reply handler is wrapped only to report what it receives before calling the original.
 *
 * Kept deliberately thin. All encoding and socket work is in src/ (portable C, tested on Linux);
 * this file only adapts xpc_object_t to the xw_ builder through libxpc's public API and hooks:
 *   xpc_connection_create_mach_service   -> connection-created
 *   xpc_connection_resume / _suspend     -> connection-resumed / -suspended
 *   xpc_connection_send_message          -> message-sent
 *   xpc_connection_send_message_with_reply(_sync) -> message-sent, then reply-received
 *   xpc_connection_set_event_handler     -> message-received / connection-error (handler wrapped)
 *   xpc_connection_cancel                -> connection-canceled
 *
 * Compiled only on macOS (clang, -fblocks); see native-probe/Makefile and README.md.
 */
#ifdef __APPLE__

#include <Block.h>
#include <dispatch/dispatch.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libproc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <unistd.h>
#include <xpc/xpc.h>

#include "../src/probe_record.h"

#define PROBE_SOCKET_ENV "XPC_INSPECTOR_PROBE_SOCKET"

/* dyld's interposing tuple: calls from every other image to `replacee` go to `replacement`; calls
 * made from this image (the replacements calling the real function) are not redirected. */
#define DYLD_INTERPOSE(replacement, replacee)                                                                \
  __attribute__((used)) static struct {                                                                      \
    const void *replacement_fn;                                                                              \
    const void *replacee_fn;                                                                                 \
  } interpose_##replacee __attribute__((section("__DATA,__interpose"))) = {(const void *)(unsigned long)&replacement, \
                                                                           (const void *)(unsigned long)&replacee};

static probe_sink g_sink;
static volatile int g_enabled;

/* xpc_connection_copy_invalidation_reason is newer than some systems the probe runs on: looked up
 * at run time, used where present. */
typedef char *(*copy_reason_fn)(xpc_connection_t);
static copy_reason_fn g_copy_reason;

static uint64_t handle_of(xpc_connection_t c) {
  return (uint64_t)(uintptr_t)c;
}

/* ---- xpc_object_t -> builder --------------------------------------------------------------- */

static void put_value(xw_writer *w, xpc_object_t v);

static void put_fd(xw_writer *w, xpc_object_t v) {
  /* The descriptor is identified by its path (the format's fd body); a duplicate is asked, then closed. */
  char path[MAXPATHLEN];
  int fd = xpc_fd_dup(v);
  if (fd >= 0 && fcntl(fd, F_GETPATH, path) == 0) {
    close(fd);
    xw_fd(w, path);
    return;
  }
  if (fd >= 0) close(fd);
  xw_fd(w, "");
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
  } else if (t == XPC_TYPE_SHMEM) {
    /* libxpc has no accessor for a region's size short of mapping it; the probe does not map the
     * app's memory, so the size is reported as 0 (README.md). */
    xw_shmem(w, 0);
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
    /* An endpoint names no service through the public API. */
    xw_endpoint(w, "");
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

/* ---- start-up -------------------------------------------------------------------------------- */

static void send_hello(void) {
  char executable[PROC_PIDPATHINFO_MAXSIZE];
  if (proc_pidpath(getpid(), executable, sizeof executable) <= 0) executable[0] = '\0';
  probe_hello(&g_sink, (int32_t)getpid(), executable, getprogname());
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
  g_copy_reason = (copy_reason_fn)dlsym(RTLD_DEFAULT, "xpc_connection_copy_invalidation_reason");
  g_enabled = connect_sink();
  if (g_enabled) pthread_atfork(NULL, NULL, after_fork_in_child);
}

/* ---- the interposed functions ---------------------------------------------------------------- */

static xpc_connection_t probe_create_mach_service(const char *name, dispatch_queue_t queue, uint64_t flags) {
  xpc_connection_t c = xpc_connection_create_mach_service(name, queue, flags);
  if (g_enabled && c != NULL) {
    probe_connection_created(&g_sink, handle_of(c), name != NULL ? name : "", (flags & XPC_CONNECTION_MACH_SERVICE_PRIVILEGED) != 0,
                             (flags & XPC_CONNECTION_MACH_SERVICE_LISTENER) != 0);
  }
  return c;
}
DYLD_INTERPOSE(probe_create_mach_service, xpc_connection_create_mach_service)

static void probe_resume(xpc_connection_t c) {
  if (g_enabled) probe_connection_resumed(&g_sink, handle_of(c));
  xpc_connection_resume(c);
}
DYLD_INTERPOSE(probe_resume, xpc_connection_resume)

static void probe_suspend(xpc_connection_t c) {
  if (g_enabled) probe_connection_suspended(&g_sink, handle_of(c));
  xpc_connection_suspend(c);
}
DYLD_INTERPOSE(probe_suspend, xpc_connection_suspend)

static void probe_cancel(xpc_connection_t c) {
  if (g_enabled) probe_connection_canceled(&g_sink, handle_of(c));
  xpc_connection_cancel(c);
}
DYLD_INTERPOSE(probe_cancel, xpc_connection_cancel)

static void probe_send(xpc_connection_t c, xpc_object_t message) {
  if (g_enabled) {
    probe_message_sent(&g_sink, handle_of(c), probe_next_message(&g_sink), xpc_connection_get_name(c), (int32_t)xpc_connection_get_pid(c), 0, 0,
                       body_of, message);
  }
  xpc_connection_send_message(c, message);
}
DYLD_INTERPOSE(probe_send, xpc_connection_send_message)

/* The pid of whoever sent a reply (the connection it came on), 0 for an error or when unknown. */
static int32_t sender_pid(xpc_object_t reply) {
  if (xpc_get_type(reply) != XPC_TYPE_DICTIONARY) return 0;
  xpc_connection_t remote = xpc_dictionary_get_remote_connection(reply);
  return remote != NULL ? (int32_t)xpc_connection_get_pid(remote) : 0;
}

static void report_reply(uint64_t handle, uint64_t request, xpc_object_t reply, xpc_connection_t c_or_null) {
  char *reason = NULL;
  if (c_or_null != NULL && g_copy_reason != NULL && xpc_get_type(reply) == XPC_TYPE_ERROR) reason = g_copy_reason(c_or_null);
  probe_reply_received(&g_sink, handle, probe_next_message(&g_sink), request, NULL, sender_pid(reply), body_of, reply, reason);
  free(reason);
}

static void probe_send_with_reply(xpc_connection_t c, xpc_object_t message, dispatch_queue_t queue, xpc_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    xpc_connection_send_message_with_reply(c, message, queue, handler);
    return;
  }
  uint64_t handle = handle_of(c);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle, request, xpc_connection_get_name(c), (int32_t)xpc_connection_get_pid(c), 1, 0, body_of, message);
  /* Captures only plain values and the original handler (copied with this block): the connection
   * may be gone by the time the reply arrives. */
  xpc_handler_t observed = ^(xpc_object_t reply) {
    if (g_enabled) report_reply(handle, request, reply, NULL);
    handler(reply);
  };
  xpc_connection_send_message_with_reply(c, message, queue, observed);
}
DYLD_INTERPOSE(probe_send_with_reply, xpc_connection_send_message_with_reply)

static xpc_object_t probe_send_with_reply_sync(xpc_connection_t c, xpc_object_t message) {
  if (!g_enabled) return xpc_connection_send_message_with_reply_sync(c, message);
  uint64_t handle = handle_of(c);
  uint64_t request = probe_next_message(&g_sink);
  probe_message_sent(&g_sink, handle, request, xpc_connection_get_name(c), (int32_t)xpc_connection_get_pid(c), 1, 1, body_of, message);
  xpc_object_t reply = xpc_connection_send_message_with_reply_sync(c, message);
  if (g_enabled && reply != NULL) report_reply(handle, request, reply, c);
  return reply;
}
DYLD_INTERPOSE(probe_send_with_reply_sync, xpc_connection_send_message_with_reply_sync)

static void probe_set_event_handler(xpc_connection_t c, xpc_handler_t handler) {
  if (!g_enabled || handler == NULL) {
    xpc_connection_set_event_handler(c, handler);
    return;
  }
  uint64_t handle = handle_of(c);
  /* libxpc runs a connection's event handler only while the connection exists, so it may be
   * asked for its name, peer pid and invalidation reason there. */
  xpc_connection_t conn = c;
  xpc_handler_t observed = ^(xpc_object_t event) {
    if (g_enabled) {
      xpc_type_t t = xpc_get_type(event);
      if (t == XPC_TYPE_DICTIONARY) {
        probe_message_received(&g_sink, handle, probe_next_message(&g_sink), xpc_connection_get_name(conn), (int32_t)xpc_connection_get_pid(conn),
                               body_of, event);
      } else if (t == XPC_TYPE_ERROR) {
        const char *description = xpc_dictionary_get_string(event, XPC_ERROR_KEY_DESCRIPTION);
        char *reason = g_copy_reason != NULL ? g_copy_reason(conn) : NULL;
        probe_connection_error(&g_sink, handle, xpc_connection_get_name(conn), (int32_t)xpc_connection_get_pid(conn),
                               description != NULL ? description : "", reason);
        free(reason);
      }
      /* A listener's handler also receives new peer connections; their messages are reported by
       * the handlers set on them. */
    }
    handler(event);
  };
  xpc_connection_set_event_handler(c, observed);
}
DYLD_INTERPOSE(probe_set_event_handler, xpc_connection_set_event_handler)

#else
/* Not macOS: nothing to interpose. (A translation unit must declare something.) */
typedef int xpc_interpose_is_macos_only;
#endif /* __APPLE__ */
