#ifndef __XPC_RICH_ERROR_H__
#define __XPC_RICH_ERROR_H__

#ifndef __XPC_INDIRECT__
#error "Please #include <xpc/xpc.h> instead of this file directly."
#endif

__XPC_BEGIN_DECLS

/* "<error>: <reason>", e.g. "Connection invalid: no job provides ..."; free() it. */
XPC_EXPORT char *xpc_rich_error_copy_description(xpc_rich_error_t error);
/* Whether a new session may succeed where this one failed. */
XPC_EXPORT bool xpc_rich_error_can_retry(xpc_rich_error_t error);

__XPC_END_DECLS

#endif
