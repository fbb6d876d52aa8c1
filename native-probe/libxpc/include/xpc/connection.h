#ifndef __XPC_CONNECTION_H__
#define __XPC_CONNECTION_H__

#ifndef __XPC_INDIRECT__
#error "Please #include <xpc/xpc.h> instead of this file directly."
#endif

#ifndef __BLOCKS__
#error "XPC connections require Blocks support."
#endif

__XPC_BEGIN_DECLS

/* The service went away; the connection stays usable and the next message relaunches it. */
#define XPC_ERROR_CONNECTION_INTERRUPTED XPC_GLOBAL_OBJECT(_xpc_error_connection_interrupted)
XPC_EXPORT_DATA const struct _xpc_dictionary_s _xpc_error_connection_interrupted;

/* The connection is finished: the last event its handler receives. */
#define XPC_ERROR_CONNECTION_INVALID XPC_GLOBAL_OBJECT(_xpc_error_connection_invalid)
XPC_EXPORT_DATA const struct _xpc_dictionary_s _xpc_error_connection_invalid;

/* To a peer connection of a service that must wind down (no further messages arrive). */
#define XPC_ERROR_TERMINATION_IMMINENT XPC_GLOBAL_OBJECT(_xpc_error_termination_imminent)
XPC_EXPORT_DATA const struct _xpc_dictionary_s _xpc_error_termination_imminent;

/* The listener's peer requirement refused this client ("Peer Forbidden"). */
#define XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT XPC_GLOBAL_OBJECT(_xpc_error_peer_code_signing_requirement)
XPC_EXPORT_DATA const struct _xpc_dictionary_s _xpc_error_peer_code_signing_requirement;

#define XPC_CONNECTION_MACH_SERVICE_LISTENER (1 << 0)
#define XPC_CONNECTION_MACH_SERVICE_PRIVILEGED (1 << 1)

typedef void (*xpc_finalizer_t)(void *value);

XPC_EXPORT xpc_connection_t xpc_connection_create(const char *name, dispatch_queue_t targetq);
XPC_EXPORT xpc_connection_t xpc_connection_create_mach_service(const char *name, dispatch_queue_t targetq, uint64_t flags);
XPC_EXPORT xpc_connection_t xpc_connection_create_from_endpoint(xpc_endpoint_t endpoint);
XPC_EXPORT void xpc_connection_set_target_queue(xpc_connection_t connection, dispatch_queue_t targetq);
XPC_EXPORT void xpc_connection_set_event_handler(xpc_connection_t connection, xpc_handler_t handler);
XPC_EXPORT void xpc_connection_activate(xpc_connection_t connection);
XPC_EXPORT void xpc_connection_suspend(xpc_connection_t connection);
XPC_EXPORT void xpc_connection_resume(xpc_connection_t connection);
XPC_EXPORT void xpc_connection_send_message(xpc_connection_t connection, xpc_object_t message);
XPC_EXPORT void xpc_connection_send_barrier(xpc_connection_t connection, dispatch_block_t barrier);
XPC_EXPORT void xpc_connection_send_message_with_reply(xpc_connection_t connection, xpc_object_t message, dispatch_queue_t replyq,
                                                       xpc_handler_t handler);
XPC_EXPORT xpc_object_t xpc_connection_send_message_with_reply_sync(xpc_connection_t connection, xpc_object_t message);
XPC_EXPORT void xpc_connection_cancel(xpc_connection_t connection);
XPC_EXPORT_DATA const char *xpc_connection_get_name(xpc_connection_t connection);
XPC_EXPORT uid_t xpc_connection_get_euid(xpc_connection_t connection);
XPC_EXPORT gid_t xpc_connection_get_egid(xpc_connection_t connection);
XPC_EXPORT pid_t xpc_connection_get_pid(xpc_connection_t connection);
XPC_EXPORT void xpc_connection_set_context(xpc_connection_t connection, void *context);
XPC_EXPORT void *xpc_connection_get_context(xpc_connection_t connection);
XPC_EXPORT void xpc_connection_set_finalizer_f(xpc_connection_t connection, xpc_finalizer_t finalizer);
/* The reason the broker gave for the last error event (malloc'd; free() it), or NULL. */
XPC_EXPORT char *xpc_connection_copy_invalidation_reason(xpc_connection_t connection);

__XPC_END_DECLS

#endif
