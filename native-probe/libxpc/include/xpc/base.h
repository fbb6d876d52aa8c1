/* Macros shared by the xpc headers (the subset of Apple's <xpc/base.h> they use). */
#ifndef __XPC_BASE_H__
#define __XPC_BASE_H__

#ifndef __XPC_INDIRECT__
#error "Please #include <xpc/xpc.h> instead of this file directly."
#endif

#ifdef __cplusplus
#define __XPC_BEGIN_DECLS extern "C" {
#define __XPC_END_DECLS }
#else
#define __XPC_BEGIN_DECLS
#define __XPC_END_DECLS
#endif

/* Functions are protected inside the library: exported, but the library's own calls to them bind
 * locally, so an LD_PRELOAD library that defines the same names sees only the application's
 * calls (as dyld interposition does on macOS). Data stays default, as copy relocations need. */
#ifdef __XPC_BUILDING_LIBXPC__
#define XPC_EXPORT extern __attribute__((visibility("protected")))
#else
#define XPC_EXPORT extern __attribute__((visibility("default")))
#endif
#define XPC_EXPORT_DATA extern __attribute__((visibility("default")))
#define XPC_NORETURN __attribute__((__noreturn__))
#define XPC_NOESCAPE __attribute__((__noescape__))
#define XPC_PRINTF(m, n) __attribute__((format(printf, m, n)))

/* Plain C, as Apple's headers without Objective-C: objects are untyped pointers. The global
 * objects are const; Apple's macro yields a const pointer, which warns when passed as an
 * xpc_object_t, so this one converts it (code written for Apple's header compiles the same). */
#define XPC_DECL(name) typedef struct _##name##_s *name##_t
#define XPC_GLOBAL_OBJECT(object) ((xpc_object_t)(&(object)))
#define XPC_TYPE(type) const struct _xpc_type_s type

#endif
