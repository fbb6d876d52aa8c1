/*
 * A small stand-in for libdispatch (Grand Central Dispatch) with Apple's names and signatures:
 * serial and concurrent queues on a pthread pool, the main queue (run by dispatch_main), delayed
 * work, semaphores and dispatch_once. It is what libxpc's connections use to deliver events, so a
 * program written against Apple's <dispatch/dispatch.h> and <xpc/xpc.h> builds unchanged.
 *
 * Not provided: sources, groups, I/O channels, data objects, QoS classes, workloops.
 */
#ifndef __DISPATCH_PUBLIC__
#define __DISPATCH_PUBLIC__

#ifndef __BLOCKS__
#error "dispatch.h requires Blocks support (compile with -fblocks)."
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DISPATCH_API_VERSION 20181008

/* Protected inside the library (see <xpc/base.h>): its own calls bind locally. */
#ifdef __XPC_BUILDING_LIBXPC__
#define DISPATCH_EXPORT extern __attribute__((visibility("protected")))
#else
#define DISPATCH_EXPORT extern __attribute__((visibility("default")))
#endif
#define DISPATCH_EXPORT_DATA extern __attribute__((visibility("default")))
#define DISPATCH_NORETURN __attribute__((__noreturn__))
#define DISPATCH_NOESCAPE __attribute__((__noescape__))
#define DISPATCH_TRANSPARENT_UNION __attribute__((__transparent_union__))

typedef union {
  struct _os_object_s *_os_obj;
  struct dispatch_object_s *_do;
  struct dispatch_queue_s *_dq;
  struct dispatch_queue_attr_s *_dqa;
  struct dispatch_semaphore_s *_dsema;
} dispatch_object_t DISPATCH_TRANSPARENT_UNION;

typedef struct dispatch_queue_s *dispatch_queue_t;
typedef dispatch_queue_t dispatch_queue_global_t;
typedef dispatch_queue_t dispatch_queue_serial_t;
typedef dispatch_queue_t dispatch_queue_main_t;
typedef dispatch_queue_t dispatch_queue_concurrent_t;
typedef struct dispatch_queue_attr_s *dispatch_queue_attr_t;
typedef struct dispatch_semaphore_s *dispatch_semaphore_t;

typedef void (^dispatch_block_t)(void);
typedef void (*dispatch_function_t)(void *);
typedef intptr_t dispatch_once_t;

/* ---- time ---------------------------------------------------------------------------------- */

typedef uint64_t dispatch_time_t;

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define USEC_PER_SEC 1000000ull
#define NSEC_PER_USEC 1000ull

#define DISPATCH_TIME_NOW (0ull)
#define DISPATCH_TIME_FOREVER (~0ull)

/* A point in time `delta` nanoseconds after `when` (DISPATCH_TIME_NOW: now). */
DISPATCH_EXPORT dispatch_time_t dispatch_time(dispatch_time_t when, int64_t delta);

/* ---- objects ------------------------------------------------------------------------------- */

DISPATCH_EXPORT void dispatch_retain(dispatch_object_t object);
DISPATCH_EXPORT void dispatch_release(dispatch_object_t object);
/* Counted: work submitted to a suspended queue waits until every suspend is resumed. */
DISPATCH_EXPORT void dispatch_suspend(dispatch_object_t object);
DISPATCH_EXPORT void dispatch_resume(dispatch_object_t object);
DISPATCH_EXPORT void dispatch_activate(dispatch_object_t object);
DISPATCH_EXPORT void dispatch_set_target_queue(dispatch_object_t object, dispatch_queue_t queue);

/* ---- queues -------------------------------------------------------------------------------- */

#define DISPATCH_QUEUE_SERIAL NULL
#define DISPATCH_QUEUE_SERIAL_INACTIVE (&_dispatch_queue_attr_serial_inactive)
#define DISPATCH_QUEUE_CONCURRENT (&_dispatch_queue_attr_concurrent)
DISPATCH_EXPORT_DATA struct dispatch_queue_attr_s _dispatch_queue_attr_concurrent;
DISPATCH_EXPORT_DATA struct dispatch_queue_attr_s _dispatch_queue_attr_serial_inactive;

#define DISPATCH_QUEUE_PRIORITY_HIGH 2
#define DISPATCH_QUEUE_PRIORITY_DEFAULT 0
#define DISPATCH_QUEUE_PRIORITY_LOW (-2)
#define DISPATCH_QUEUE_PRIORITY_BACKGROUND INT16_MIN

#define DISPATCH_TARGET_QUEUE_DEFAULT NULL
#define DISPATCH_CURRENT_QUEUE_LABEL NULL

DISPATCH_EXPORT dispatch_queue_t dispatch_queue_create(const char * label, dispatch_queue_attr_t attr);
DISPATCH_EXPORT dispatch_queue_t dispatch_queue_create_with_target(const char * label, dispatch_queue_attr_t attr,
                                                                   dispatch_queue_t target);
/* The label given at creation ("" if none); DISPATCH_CURRENT_QUEUE_LABEL: the queue running the caller. */
DISPATCH_EXPORT const char *dispatch_queue_get_label(dispatch_queue_t queue);
/* The queue of the main thread: its work runs once the main thread calls dispatch_main(). */
DISPATCH_EXPORT dispatch_queue_main_t dispatch_get_main_queue(void);
/* A concurrent queue on the shared thread pool (every priority shares one pool). */
DISPATCH_EXPORT dispatch_queue_global_t dispatch_get_global_queue(intptr_t identifier, uintptr_t flags);

DISPATCH_EXPORT void dispatch_async(dispatch_queue_t queue, dispatch_block_t block);
DISPATCH_EXPORT void dispatch_async_f(dispatch_queue_t queue, void * context, dispatch_function_t work);
/* Runs the block on the queue and waits for it; on a serial queue from its own work it deadlocks, as in libdispatch. */
DISPATCH_EXPORT void dispatch_sync(dispatch_queue_t queue, DISPATCH_NOESCAPE dispatch_block_t block);
DISPATCH_EXPORT void dispatch_sync_f(dispatch_queue_t queue, void * context, dispatch_function_t work);
DISPATCH_EXPORT void dispatch_after(dispatch_time_t when, dispatch_queue_t queue, dispatch_block_t block);
DISPATCH_EXPORT void dispatch_after_f(dispatch_time_t when, dispatch_queue_t queue, void * context, dispatch_function_t work);

/* Runs the main queue on the calling (main) thread; never returns. */
DISPATCH_EXPORT DISPATCH_NORETURN void dispatch_main(void);

/* ---- semaphores ---------------------------------------------------------------------------- */

DISPATCH_EXPORT dispatch_semaphore_t dispatch_semaphore_create(intptr_t value);
/* 0 on success, non-zero when the timeout passed first. */
DISPATCH_EXPORT intptr_t dispatch_semaphore_wait(dispatch_semaphore_t dsema, dispatch_time_t timeout);
/* Non-zero when a waiter was woken. */
DISPATCH_EXPORT intptr_t dispatch_semaphore_signal(dispatch_semaphore_t dsema);

/* ---- once ---------------------------------------------------------------------------------- */

DISPATCH_EXPORT void dispatch_once(dispatch_once_t *predicate, DISPATCH_NOESCAPE dispatch_block_t block);
DISPATCH_EXPORT void dispatch_once_f(dispatch_once_t *predicate, void * context, dispatch_function_t function);

#ifdef __cplusplus
}
#endif

#endif
