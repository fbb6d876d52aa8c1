#ifndef __XPC_SESSION_H__
#define __XPC_SESSION_H__

#ifndef __XPC_INDIRECT__
#error "Please #include <xpc/xpc.h> instead of this file directly."
#endif

#ifndef __BLOCKS__
#error "XPC Session require Blocks support."
#endif

__XPC_BEGIN_DECLS

typedef struct xpc_session_s *xpc_session_t;

typedef uint64_t xpc_session_create_flags_t;
enum {
  XPC_SESSION_CREATE_NONE = 0,
  XPC_SESSION_CREATE_INACTIVE = (1 << 0),
  XPC_SESSION_CREATE_MACH_PRIVILEGED = (1 << 1),
};

typedef void (^xpc_session_cancel_handler_t)(xpc_rich_error_t error);
typedef void (^xpc_session_incoming_message_handler_t)(xpc_object_t message);
typedef void (^xpc_session_reply_handler_t)(xpc_object_t reply, xpc_rich_error_t error);

#define XPC_TYPE_SESSION (&_xpc_type_session)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_session);

XPC_EXPORT char *xpc_session_copy_description(xpc_session_t session);
XPC_EXPORT xpc_session_t xpc_session_create_mach_service(const char *mach_service, dispatch_queue_t target_queue,
                                                         xpc_session_create_flags_t flags, xpc_rich_error_t *error_out);
XPC_EXPORT void xpc_session_set_incoming_message_handler(xpc_session_t session, xpc_session_incoming_message_handler_t handler);
XPC_EXPORT void xpc_session_set_cancel_handler(xpc_session_t session, xpc_session_cancel_handler_t cancel_handler);
XPC_EXPORT void xpc_session_set_target_queue(xpc_session_t session, dispatch_queue_t target_queue);
XPC_EXPORT bool xpc_session_activate(xpc_session_t session, xpc_rich_error_t *error_out);
XPC_EXPORT void xpc_session_cancel(xpc_session_t session);
XPC_EXPORT xpc_rich_error_t xpc_session_send_message(xpc_session_t session, xpc_object_t message);
XPC_EXPORT xpc_object_t xpc_session_send_message_with_reply_sync(xpc_session_t session, xpc_object_t message,
                                                                 xpc_rich_error_t *error_out);
XPC_EXPORT void xpc_session_send_message_with_reply_async(xpc_session_t session, xpc_object_t message,
                                                          xpc_session_reply_handler_t reply_handler);

__XPC_END_DECLS

#endif
