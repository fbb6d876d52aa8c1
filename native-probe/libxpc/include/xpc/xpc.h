/*
 * Apple's public libxpc API (the object API, connections, xpc_main, sessions) for Linux, on the
 * XPC Inspector broker: names, types and signatures as in the macOS SDK's <xpc/xpc.h>, so that
 * programs written against Apple's headers compile unchanged. native-probe/libxpc/README.md says
 * which subset is provided and how it differs from Apple's libxpc.
 */
#ifndef __XPC_H__
#define __XPC_H__

#include <dispatch/dispatch.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef __XPC_INDIRECT__
#define __XPC_INDIRECT__
#endif

#include <xpc/base.h>

__XPC_BEGIN_DECLS

#define XPC_API_VERSION 20200610

__XPC_END_DECLS

/* uuid_t as <uuid/uuid.h> declares it (libuuid's header when it is installed, as Apple's xpc.h includes it). */
#if defined(__has_include) && __has_include(<uuid/uuid.h>)
#include <uuid/uuid.h>
#elif !defined(_UUID_T)
#define _UUID_T
typedef unsigned char uuid_t[16];
#endif

__XPC_BEGIN_DECLS

typedef const struct _xpc_type_s *xpc_type_t;
typedef void *xpc_object_t;

#ifdef __BLOCKS__
typedef void (^xpc_handler_t)(xpc_object_t object);
#endif

#define XPC_TYPE_CONNECTION (&_xpc_type_connection)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_connection);
XPC_DECL(xpc_connection);
typedef void (*xpc_connection_handler_t)(xpc_connection_t connection);

#define XPC_TYPE_ENDPOINT (&_xpc_type_endpoint)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_endpoint);
XPC_DECL(xpc_endpoint);

#define XPC_TYPE_NULL (&_xpc_type_null)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_null);
#define XPC_TYPE_BOOL (&_xpc_type_bool)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_bool);
#define XPC_BOOL_TRUE XPC_GLOBAL_OBJECT(_xpc_bool_true)
XPC_EXPORT_DATA const struct _xpc_bool_s _xpc_bool_true;
#define XPC_BOOL_FALSE XPC_GLOBAL_OBJECT(_xpc_bool_false)
XPC_EXPORT_DATA const struct _xpc_bool_s _xpc_bool_false;
#define XPC_TYPE_INT64 (&_xpc_type_int64)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_int64);
#define XPC_TYPE_UINT64 (&_xpc_type_uint64)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_uint64);
#define XPC_TYPE_DOUBLE (&_xpc_type_double)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_double);
#define XPC_TYPE_DATE (&_xpc_type_date)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_date);
#define XPC_TYPE_DATA (&_xpc_type_data)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_data);
#define XPC_TYPE_STRING (&_xpc_type_string)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_string);
#define XPC_TYPE_UUID (&_xpc_type_uuid)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_uuid);
#define XPC_TYPE_FD (&_xpc_type_fd)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_fd);
#define XPC_TYPE_SHMEM (&_xpc_type_shmem)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_shmem);
#define XPC_TYPE_ARRAY (&_xpc_type_array)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_array);
#define XPC_TYPE_DICTIONARY (&_xpc_type_dictionary)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_dictionary);
#define XPC_TYPE_ERROR (&_xpc_type_error)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_error);

#define XPC_ERROR_KEY_DESCRIPTION _xpc_error_key_description
XPC_EXPORT_DATA const char *const _xpc_error_key_description;
#define XPC_EVENT_KEY_NAME _xpc_event_key_name
XPC_EXPORT_DATA const char *const _xpc_event_key_name;

#define XPC_TYPE_RICH_ERROR (&_xpc_type_rich_error)
XPC_EXPORT_DATA XPC_TYPE(_xpc_type_rich_error);
XPC_DECL(xpc_rich_error);

__XPC_END_DECLS

#include <xpc/endpoint.h>
#ifdef __BLOCKS__
#include <xpc/connection.h>
#include <xpc/rich_error.h>
#include <xpc/session.h>
#endif

__XPC_BEGIN_DECLS

/* ---- the object protocol -------------------------------------------------------------------- */

XPC_EXPORT xpc_object_t xpc_retain(xpc_object_t object);
XPC_EXPORT void xpc_release(xpc_object_t object);
XPC_EXPORT xpc_type_t xpc_get_type(xpc_object_t object);
XPC_EXPORT_DATA const char *xpc_type_get_name(xpc_type_t type);
XPC_EXPORT xpc_object_t xpc_copy(xpc_object_t object);
XPC_EXPORT bool xpc_equal(xpc_object_t object1, xpc_object_t object2);
XPC_EXPORT size_t xpc_hash(xpc_object_t object);
/* What lldb's `po` shows for the object; free() it. */
XPC_EXPORT char *xpc_copy_description(xpc_object_t object);

/* ---- scalars -------------------------------------------------------------------------------- */

XPC_EXPORT xpc_object_t xpc_null_create(void);
XPC_EXPORT xpc_object_t xpc_bool_create(bool value);
XPC_EXPORT bool xpc_bool_get_value(xpc_object_t xbool);
XPC_EXPORT xpc_object_t xpc_int64_create(int64_t value);
XPC_EXPORT int64_t xpc_int64_get_value(xpc_object_t xint);
XPC_EXPORT xpc_object_t xpc_uint64_create(uint64_t value);
XPC_EXPORT uint64_t xpc_uint64_get_value(xpc_object_t xuint);
XPC_EXPORT xpc_object_t xpc_double_create(double value);
XPC_EXPORT double xpc_double_get_value(xpc_object_t xdouble);
/* Nanoseconds since the Unix epoch. */
XPC_EXPORT xpc_object_t xpc_date_create(int64_t interval);
XPC_EXPORT xpc_object_t xpc_date_create_from_current(void);
XPC_EXPORT int64_t xpc_date_get_value(xpc_object_t xdate);

XPC_EXPORT xpc_object_t xpc_data_create(const void *bytes, size_t length);
XPC_EXPORT size_t xpc_data_get_length(xpc_object_t xdata);
XPC_EXPORT_DATA const void *xpc_data_get_bytes_ptr(xpc_object_t xdata);
XPC_EXPORT size_t xpc_data_get_bytes(xpc_object_t xdata, void *buffer, size_t off, size_t length);

XPC_EXPORT xpc_object_t xpc_string_create(const char *string);
XPC_EXPORT xpc_object_t xpc_string_create_with_format(const char *fmt, ...) XPC_PRINTF(1, 2);
XPC_EXPORT xpc_object_t xpc_string_create_with_format_and_arguments(const char *fmt, va_list ap) XPC_PRINTF(1, 0);
XPC_EXPORT size_t xpc_string_get_length(xpc_object_t xstring);
XPC_EXPORT_DATA const char *xpc_string_get_string_ptr(xpc_object_t xstring);

XPC_EXPORT xpc_object_t xpc_uuid_create(const uuid_t uuid);
XPC_EXPORT_DATA const uint8_t *xpc_uuid_get_bytes(xpc_object_t xuuid);

/* Duplicates fd; in a message it travels as the path it was opened from. NULL if fd is not open. */
XPC_EXPORT xpc_object_t xpc_fd_create(int fd);
/* A new descriptor: a dup of the local one, or (for a received fd) the path opened read-only; -1 on failure. */
XPC_EXPORT int xpc_fd_dup(xpc_object_t xfd);

/* Only the region's size travels in a message; xpc_shmem_map of a received region maps nothing (returns 0). */
XPC_EXPORT xpc_object_t xpc_shmem_create(void *region, size_t length);
XPC_EXPORT size_t xpc_shmem_map(xpc_object_t xshmem, void **region);

/* ---- arrays --------------------------------------------------------------------------------- */

#ifdef __BLOCKS__
typedef bool (^xpc_array_applier_t)(size_t index, xpc_object_t value);
#endif

#define XPC_ARRAY_APPEND ((size_t)(-1))

XPC_EXPORT xpc_object_t xpc_array_create(const xpc_object_t *objects, size_t count);
XPC_EXPORT xpc_object_t xpc_array_create_empty(void);
XPC_EXPORT void xpc_array_set_value(xpc_object_t xarray, size_t index, xpc_object_t value);
XPC_EXPORT void xpc_array_append_value(xpc_object_t xarray, xpc_object_t value);
XPC_EXPORT size_t xpc_array_get_count(xpc_object_t xarray);
XPC_EXPORT xpc_object_t xpc_array_get_value(xpc_object_t xarray, size_t index);
#ifdef __BLOCKS__
XPC_EXPORT bool xpc_array_apply(xpc_object_t xarray, XPC_NOESCAPE xpc_array_applier_t applier);
#endif

XPC_EXPORT void xpc_array_set_bool(xpc_object_t xarray, size_t index, bool value);
XPC_EXPORT void xpc_array_set_int64(xpc_object_t xarray, size_t index, int64_t value);
XPC_EXPORT void xpc_array_set_uint64(xpc_object_t xarray, size_t index, uint64_t value);
XPC_EXPORT void xpc_array_set_double(xpc_object_t xarray, size_t index, double value);
XPC_EXPORT void xpc_array_set_date(xpc_object_t xarray, size_t index, int64_t value);
XPC_EXPORT void xpc_array_set_data(xpc_object_t xarray, size_t index, const void *bytes, size_t length);
XPC_EXPORT void xpc_array_set_string(xpc_object_t xarray, size_t index, const char *string);
XPC_EXPORT void xpc_array_set_uuid(xpc_object_t xarray, size_t index, const uuid_t uuid);
XPC_EXPORT void xpc_array_set_fd(xpc_object_t xarray, size_t index, int fd);

XPC_EXPORT bool xpc_array_get_bool(xpc_object_t xarray, size_t index);
XPC_EXPORT int64_t xpc_array_get_int64(xpc_object_t xarray, size_t index);
XPC_EXPORT uint64_t xpc_array_get_uint64(xpc_object_t xarray, size_t index);
XPC_EXPORT double xpc_array_get_double(xpc_object_t xarray, size_t index);
XPC_EXPORT int64_t xpc_array_get_date(xpc_object_t xarray, size_t index);
XPC_EXPORT_DATA const void *xpc_array_get_data(xpc_object_t xarray, size_t index, size_t *length);
XPC_EXPORT_DATA const char *xpc_array_get_string(xpc_object_t xarray, size_t index);
XPC_EXPORT_DATA const uint8_t *xpc_array_get_uuid(xpc_object_t xarray, size_t index);
XPC_EXPORT int xpc_array_dup_fd(xpc_object_t xarray, size_t index);
XPC_EXPORT xpc_object_t xpc_array_get_dictionary(xpc_object_t xarray, size_t index);
XPC_EXPORT xpc_object_t xpc_array_get_array(xpc_object_t xarray, size_t index);

/* ---- dictionaries --------------------------------------------------------------------------- */

#ifdef __BLOCKS__
typedef bool (^xpc_dictionary_applier_t)(const char *key, xpc_object_t value);
#endif

XPC_EXPORT xpc_object_t xpc_dictionary_create(const char *const *keys, const xpc_object_t *values, size_t count);
XPC_EXPORT xpc_object_t xpc_dictionary_create_empty(void);
/* The reply to a request delivered to a peer connection's handler (NULL if none is expected);
 * create it while the handler runs. */
XPC_EXPORT xpc_object_t xpc_dictionary_create_reply(xpc_object_t original);
/* NULL value removes the key. */
XPC_EXPORT void xpc_dictionary_set_value(xpc_object_t xdict, const char *key, xpc_object_t value);
XPC_EXPORT xpc_object_t xpc_dictionary_get_value(xpc_object_t xdict, const char *key);
XPC_EXPORT size_t xpc_dictionary_get_count(xpc_object_t xdict);
#ifdef __BLOCKS__
/* In insertion order; stops (and returns false) when the applier returns false. */
XPC_EXPORT bool xpc_dictionary_apply(xpc_object_t xdict, XPC_NOESCAPE xpc_dictionary_applier_t applier);
#endif
XPC_EXPORT xpc_connection_t xpc_dictionary_get_remote_connection(xpc_object_t xdict);

XPC_EXPORT void xpc_dictionary_set_bool(xpc_object_t xdict, const char *key, bool value);
XPC_EXPORT void xpc_dictionary_set_int64(xpc_object_t xdict, const char *key, int64_t value);
XPC_EXPORT void xpc_dictionary_set_uint64(xpc_object_t xdict, const char *key, uint64_t value);
XPC_EXPORT void xpc_dictionary_set_double(xpc_object_t xdict, const char *key, double value);
XPC_EXPORT void xpc_dictionary_set_date(xpc_object_t xdict, const char *key, int64_t value);
XPC_EXPORT void xpc_dictionary_set_data(xpc_object_t xdict, const char *key, const void *bytes, size_t length);
XPC_EXPORT void xpc_dictionary_set_string(xpc_object_t xdict, const char *key, const char *string);
XPC_EXPORT void xpc_dictionary_set_uuid(xpc_object_t xdict, const char *key, const uuid_t uuid);
XPC_EXPORT void xpc_dictionary_set_fd(xpc_object_t xdict, const char *key, int fd);

XPC_EXPORT bool xpc_dictionary_get_bool(xpc_object_t xdict, const char *key);
XPC_EXPORT int64_t xpc_dictionary_get_int64(xpc_object_t xdict, const char *key);
XPC_EXPORT uint64_t xpc_dictionary_get_uint64(xpc_object_t xdict, const char *key);
XPC_EXPORT double xpc_dictionary_get_double(xpc_object_t xdict, const char *key);
XPC_EXPORT int64_t xpc_dictionary_get_date(xpc_object_t xdict, const char *key);
XPC_EXPORT_DATA const void *xpc_dictionary_get_data(xpc_object_t xdict, const char *key, size_t *length);
XPC_EXPORT_DATA const char *xpc_dictionary_get_string(xpc_object_t xdict, const char *key);
XPC_EXPORT_DATA const uint8_t *xpc_dictionary_get_uuid(xpc_object_t xdict, const char *key);
XPC_EXPORT int xpc_dictionary_dup_fd(xpc_object_t xdict, const char *key);
XPC_EXPORT xpc_object_t xpc_dictionary_get_dictionary(xpc_object_t xdict, const char *key);
XPC_EXPORT xpc_object_t xpc_dictionary_get_array(xpc_object_t xdict, const char *key);

/* ---- runtime -------------------------------------------------------------------------------- */

/* Serves every MachService of the job the broker launched this process for; never returns. */
XPC_EXPORT XPC_NORETURN void xpc_main(xpc_connection_handler_t handler);
XPC_EXPORT void xpc_transaction_begin(void);
XPC_EXPORT void xpc_transaction_end(void);

__XPC_END_DECLS

#endif
