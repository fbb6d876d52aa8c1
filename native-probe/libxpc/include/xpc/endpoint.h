#ifndef __XPC_ENDPOINT_H__
#define __XPC_ENDPOINT_H__

#ifndef __XPC_INDIRECT__
#error "Please #include <xpc/xpc.h> instead of this file directly."
#endif

__XPC_BEGIN_DECLS

/* An endpoint for an anonymous listener (xpc_connection_create(NULL, queue)), to embed in a
 * message; the receiver connects with xpc_connection_create_from_endpoint. */
XPC_EXPORT xpc_endpoint_t xpc_endpoint_create(xpc_connection_t connection);

__XPC_END_DECLS

#endif
