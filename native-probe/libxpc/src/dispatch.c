/*
 * The dispatch stand-in: a growing pool of worker threads runs concurrent work and the drains of
 * serial queues; a serial queue is drained by one work item at a time on its target (the pool,
 * another serial queue, or the main queue), which is what keeps a connection's handler from ever
 * running concurrently with itself. The main queue is drained by the main thread in
 * dispatch_main(); delayed work waits on one timer thread.
 */
#include "internal.h"

#include <time.h>

/* Enough threads that blocked work (a synchronous send, a semaphore wait) never starves the pool. */
#define POOL_MAX_THREADS 256

static _Thread_local dispatch_queue_t current_queue;

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t monotonic_attr;

static void init_clock(void) {
  pthread_condattr_init(&monotonic_attr);
  pthread_condattr_setclock(&monotonic_attr, CLOCK_MONOTONIC);
}

static void cond_init_monotonic(pthread_cond_t *cond) {
  pthread_once(&clock_once, init_clock);
  pthread_cond_init(cond, &monotonic_attr);
}

uint64_t xpci_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  /* + 1: a time is never DISPATCH_TIME_NOW (0). */
  return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec + 1;
}

void xpci_monotonic_deadline(dispatch_time_t when, struct timespec *out) {
  uint64_t ns = when == DISPATCH_TIME_NOW ? xpci_now_ns() : when;
  ns -= 1;
  out->tv_sec = (time_t)(ns / NSEC_PER_SEC);
  out->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

dispatch_time_t dispatch_time(dispatch_time_t when, int64_t delta) {
  if (when == DISPATCH_TIME_FOREVER) return DISPATCH_TIME_FOREVER;
  uint64_t base = when == DISPATCH_TIME_NOW ? xpci_now_ns() : when;
  if (delta < 0) {
    uint64_t back = (uint64_t)(-(delta + 1)) + 1;
    return back >= base ? 1 : base - back;
  }
  if ((uint64_t)delta >= DISPATCH_TIME_FOREVER - base) return DISPATCH_TIME_FOREVER;
  return base + (uint64_t)delta;
}

/* ---- objects ------------------------------------------------------------------------------- */

static struct dispatch_queue_s main_queue = {
    .base = {DO_QUEUE, 1, XO_IMMORTAL},
    .qkind = DQ_MAIN,
    .label = "com.apple.main-thread",
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
};

static struct dispatch_queue_s global_queue = {
    .base = {DO_QUEUE, 1, XO_IMMORTAL},
    .qkind = DQ_GLOBAL,
    .label = "com.apple.root.default-qos",
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
};

struct dispatch_queue_attr_s _dispatch_queue_attr_concurrent = {{DO_ATTR, 1, XO_IMMORTAL}, 1, 0};
struct dispatch_queue_attr_s _dispatch_queue_attr_serial_inactive = {{DO_ATTR, 1, XO_IMMORTAL}, 0, 1};

static void queue_free(dispatch_queue_t q);
static void semaphore_free(dispatch_semaphore_t s);

static void object_retain(struct dispatch_object_s *o) {
  if (o == NULL || (o->flags & XO_IMMORTAL)) return;
  __atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED);
}

static void object_release(struct dispatch_object_s *o) {
  if (o == NULL || (o->flags & XO_IMMORTAL)) return;
  int left = __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL);
  if (left > 0) return;
  if (left < 0) {
    xpci_log("dispatch_release: object %p released more often than retained", (void *)o);
    abort();
  }
  if (o->kind == DO_QUEUE) queue_free((dispatch_queue_t)o);
  else if (o->kind == DO_SEMAPHORE) semaphore_free((dispatch_semaphore_t)o);
}

void dispatch_retain(dispatch_object_t object) {
  object_retain(object._do);
}

void dispatch_release(dispatch_object_t object) {
  object_release(object._do);
}

/* ---- the thread pool ---------------------------------------------------------------------- */

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  struct xpci_work *head, *tail;
  int threads;
  int idle;
  int pending;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0};

static struct xpci_work *work_new(dispatch_function_t fn, void *ctx, dispatch_queue_t queue) {
  struct xpci_work *w = malloc(sizeof *w);
  if (w == NULL) abort();
  w->next = NULL;
  w->fn = fn;
  w->ctx = ctx;
  w->queue = queue;
  object_retain(queue ? &queue->base : NULL);
  return w;
}

static void run_work(struct xpci_work *w, dispatch_queue_t as) {
  dispatch_queue_t previous = current_queue;
  current_queue = as;
  w->fn(w->ctx);
  current_queue = previous;
  object_release(w->queue ? &w->queue->base : NULL);
  free(w);
}

static void *pool_worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.head == NULL) {
      pool.idle++;
      pthread_cond_wait(&pool.cond, &pool.mu);
      pool.idle--;
    }
    struct xpci_work *w = pool.head;
    pool.head = w->next;
    if (pool.head == NULL) pool.tail = NULL;
    pool.pending--;
    pthread_mutex_unlock(&pool.mu);
    run_work(w, w->queue);
    pthread_mutex_lock(&pool.mu);
  }
  return NULL;
}

static void pool_submit(struct xpci_work *w) {
  pthread_mutex_lock(&pool.mu);
  if (pool.tail) pool.tail->next = w;
  else pool.head = w;
  pool.tail = w;
  pool.pending++;
  if (pool.pending > pool.idle && pool.threads < POOL_MAX_THREADS) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, pool_worker, NULL) == 0) pool.threads++;
    pthread_attr_destroy(&attr);
  } else {
    pthread_cond_signal(&pool.cond);
  }
  pthread_mutex_unlock(&pool.mu);
}

/* ---- queues ------------------------------------------------------------------------------- */

static void queue_push(dispatch_queue_t q, struct xpci_work *w);

static void drain(void *ctx) {
  dispatch_queue_t q = ctx;
  for (;;) {
    pthread_mutex_lock(&q->mu);
    if (q->suspended > 0 || q->inactive || q->head == NULL) {
      q->scheduled = 0;
      pthread_mutex_unlock(&q->mu);
      break;
    }
    struct xpci_work *w = q->head;
    q->head = w->next;
    if (q->head == NULL) q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    run_work(w, q);
  }
  object_release(&q->base);
}

/* Called with scheduled newly set: hands the queue's drain to its target. */
static void schedule(dispatch_queue_t q) {
  object_retain(&q->base);
  pthread_mutex_lock(&q->mu);
  dispatch_queue_t target = q->target;
  object_retain(target ? &target->base : NULL);
  pthread_mutex_unlock(&q->mu);
  struct xpci_work *w = work_new(drain, q, target);
  if (target == NULL) pool_submit(w);
  else queue_push(target, w);
  object_release(target ? &target->base : NULL);
}

static void queue_push(dispatch_queue_t q, struct xpci_work *w) {
  switch (q->qkind) {
    case DQ_GLOBAL:
    case DQ_CONCURRENT:
      pool_submit(w);
      return;
    case DQ_MAIN:
      pthread_mutex_lock(&q->mu);
      if (q->tail) q->tail->next = w;
      else q->head = w;
      q->tail = w;
      pthread_cond_signal(&q->cond);
      pthread_mutex_unlock(&q->mu);
      return;
    default: {
      pthread_mutex_lock(&q->mu);
      if (q->tail) q->tail->next = w;
      else q->head = w;
      q->tail = w;
      int go = !q->scheduled && q->suspended == 0 && !q->inactive;
      if (go) q->scheduled = 1;
      pthread_mutex_unlock(&q->mu);
      if (go) schedule(q);
    }
  }
}

static dispatch_queue_t queue_new(const char *label, int kind, dispatch_queue_t target, int inactive) {
  dispatch_queue_t q = calloc(1, sizeof *q);
  if (q == NULL) abort();
  q->base.kind = DO_QUEUE;
  q->base.refs = 1;
  q->qkind = kind;
  q->label = xpci_strdup(label ? label : "");
  pthread_mutex_init(&q->mu, NULL);
  pthread_cond_init(&q->cond, NULL);
  q->inactive = inactive;
  q->target = target;
  object_retain(target ? &target->base : NULL);
  return q;
}

static void queue_free(dispatch_queue_t q) {
  struct xpci_work *w = q->head;
  while (w) {
    struct xpci_work *next = w->next;
    object_release(w->queue ? &w->queue->base : NULL);
    free(w);
    w = next;
  }
  object_release(q->target ? &q->target->base : NULL);
  pthread_mutex_destroy(&q->mu);
  pthread_cond_destroy(&q->cond);
  free(q->label);
  free(q);
}

dispatch_queue_t xpci_queue_create(const char *label, dispatch_queue_t target) {
  return queue_new(label, DQ_SERIAL, target, 0);
}

dispatch_queue_t dispatch_queue_create(const char *label, dispatch_queue_attr_t attr) {
  return dispatch_queue_create_with_target(label, attr, NULL);
}

dispatch_queue_t dispatch_queue_create_with_target(const char *label, dispatch_queue_attr_t attr, dispatch_queue_t target) {
  int concurrent = attr != NULL && attr->concurrent;
  return queue_new(label, concurrent ? DQ_CONCURRENT : DQ_SERIAL, target, attr != NULL && attr->inactive);
}

const char *dispatch_queue_get_label(dispatch_queue_t queue) {
  if (queue == NULL) queue = current_queue;
  if (queue == NULL) return "";
  return queue->label;
}

dispatch_queue_main_t dispatch_get_main_queue(void) {
  return &main_queue;
}

dispatch_queue_global_t dispatch_get_global_queue(intptr_t identifier, uintptr_t flags) {
  (void)identifier;
  (void)flags;
  return &global_queue;
}

void dispatch_suspend(dispatch_object_t object) {
  dispatch_queue_t q = object._dq;
  if (q == NULL || q->base.kind != DO_QUEUE || (q->base.flags & XO_IMMORTAL)) return;
  pthread_mutex_lock(&q->mu);
  q->suspended++;
  pthread_mutex_unlock(&q->mu);
}

static void queue_resume(dispatch_queue_t q, int all) {
  pthread_mutex_lock(&q->mu);
  if (q->suspended == 0 && !all) {
    pthread_mutex_unlock(&q->mu);
    xpci_log("dispatch_resume: over-resume of queue \"%s\"", q->label);
    return;
  }
  q->suspended = all ? 0 : q->suspended - 1;
  int go = q->suspended == 0 && !q->inactive && !q->scheduled && q->head != NULL;
  if (go) q->scheduled = 1;
  pthread_mutex_unlock(&q->mu);
  if (go) schedule(q);
}

void dispatch_resume(dispatch_object_t object) {
  dispatch_queue_t q = object._dq;
  if (q == NULL || q->base.kind != DO_QUEUE || (q->base.flags & XO_IMMORTAL)) return;
  queue_resume(q, 0);
}

void xpci_queue_force_resume(dispatch_queue_t q) {
  queue_resume(q, 1);
}

void dispatch_activate(dispatch_object_t object) {
  dispatch_queue_t q = object._dq;
  if (q == NULL || q->base.kind != DO_QUEUE || (q->base.flags & XO_IMMORTAL)) return;
  pthread_mutex_lock(&q->mu);
  int go = q->inactive && q->suspended == 0 && !q->scheduled && q->head != NULL;
  q->inactive = 0;
  if (go) q->scheduled = 1;
  pthread_mutex_unlock(&q->mu);
  if (go) schedule(q);
}

void dispatch_set_target_queue(dispatch_object_t object, dispatch_queue_t queue) {
  dispatch_queue_t q = object._dq;
  if (q == NULL || q->base.kind != DO_QUEUE || (q->base.flags & XO_IMMORTAL)) return;
  if (queue == q) return;
  object_retain(queue ? &queue->base : NULL);
  pthread_mutex_lock(&q->mu);
  dispatch_queue_t old = q->target;
  q->target = queue;
  pthread_mutex_unlock(&q->mu);
  object_release(old ? &old->base : NULL);
}

static void call_block(void *ctx) {
  dispatch_block_t block = ctx;
  block();
  Block_release(block);
}

void dispatch_async_f(dispatch_queue_t queue, void *context, dispatch_function_t work) {
  if (queue == NULL || work == NULL) {
    xpci_log("dispatch_async: NULL queue or work");
    abort();
  }
  queue_push(queue, work_new(work, context, queue));
}

void dispatch_async(dispatch_queue_t queue, dispatch_block_t block) {
  dispatch_async_f(queue, Block_copy(block), call_block);
}

struct sync_call {
  dispatch_function_t fn;
  void *ctx;
  pthread_mutex_t mu;
  pthread_cond_t cond;
  int done;
};

static void run_sync(void *ctx) {
  struct sync_call *call = ctx;
  call->fn(call->ctx);
  pthread_mutex_lock(&call->mu);
  call->done = 1;
  pthread_cond_signal(&call->cond);
  pthread_mutex_unlock(&call->mu);
}

void dispatch_sync_f(dispatch_queue_t queue, void *context, dispatch_function_t work) {
  if (queue->qkind == DQ_GLOBAL || queue->qkind == DQ_CONCURRENT) {
    dispatch_queue_t previous = current_queue;
    current_queue = queue;
    work(context);
    current_queue = previous;
    return;
  }
  struct sync_call call = {work, context, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
  queue_push(queue, work_new(run_sync, &call, queue));
  pthread_mutex_lock(&call.mu);
  while (!call.done) pthread_cond_wait(&call.cond, &call.mu);
  pthread_mutex_unlock(&call.mu);
  pthread_mutex_destroy(&call.mu);
  pthread_cond_destroy(&call.cond);
}

static void call_block_no_release(void *ctx) {
  dispatch_block_t block = ctx;
  block();
}

void dispatch_sync(dispatch_queue_t queue, dispatch_block_t block) {
  dispatch_sync_f(queue, (void *)block, call_block_no_release);
}

/* ---- the main queue ----------------------------------------------------------------------- */

void dispatch_main(void) {
  dispatch_queue_t q = &main_queue;
  for (;;) {
    pthread_mutex_lock(&q->mu);
    while (q->head == NULL) pthread_cond_wait(&q->cond, &q->mu);
    struct xpci_work *w = q->head;
    q->head = w->next;
    if (q->head == NULL) q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    run_work(w, q);
  }
}

/* ---- delayed work ------------------------------------------------------------------------- */

struct timer {
  struct timer *next;
  dispatch_time_t deadline;
  dispatch_queue_t queue;
  struct xpci_work *work;
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  struct timer *head;
  int started;
} timers = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0};

static void *timer_thread(void *arg) {
  (void)arg;
  pthread_mutex_lock(&timers.mu);
  for (;;) {
    if (timers.head == NULL) {
      pthread_cond_wait(&timers.cond, &timers.mu);
      continue;
    }
    struct timer *t = timers.head;
    if (t->deadline > xpci_now_ns()) {
      struct timespec ts;
      xpci_monotonic_deadline(t->deadline, &ts);
      pthread_cond_timedwait(&timers.cond, &timers.mu, &ts);
      continue;
    }
    timers.head = t->next;
    pthread_mutex_unlock(&timers.mu);
    queue_push(t->queue, t->work);
    object_release(&t->queue->base);
    free(t);
    pthread_mutex_lock(&timers.mu);
  }
  return NULL;
}

void dispatch_after_f(dispatch_time_t when, dispatch_queue_t queue, void *context, dispatch_function_t work) {
  if (when == DISPATCH_TIME_FOREVER) return;
  struct timer *t = malloc(sizeof *t);
  if (t == NULL) abort();
  t->deadline = when == DISPATCH_TIME_NOW ? xpci_now_ns() : when;
  t->queue = queue;
  object_retain(&queue->base);
  t->work = work_new(work, context, queue);
  pthread_mutex_lock(&timers.mu);
  if (!timers.started) {
    pthread_cond_destroy(&timers.cond);
    cond_init_monotonic(&timers.cond);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, timer_thread, NULL) != 0) abort();
    pthread_attr_destroy(&attr);
    timers.started = 1;
  }
  struct timer **at = &timers.head;
  while (*at && (*at)->deadline <= t->deadline) at = &(*at)->next;
  t->next = *at;
  *at = t;
  pthread_cond_signal(&timers.cond);
  pthread_mutex_unlock(&timers.mu);
}

void dispatch_after(dispatch_time_t when, dispatch_queue_t queue, dispatch_block_t block) {
  if (when == DISPATCH_TIME_FOREVER) return;
  dispatch_after_f(when, queue, Block_copy(block), call_block);
}

/* ---- semaphores --------------------------------------------------------------------------- */

dispatch_semaphore_t dispatch_semaphore_create(intptr_t value) {
  if (value < 0) return NULL;
  dispatch_semaphore_t s = calloc(1, sizeof *s);
  if (s == NULL) abort();
  s->base.kind = DO_SEMAPHORE;
  s->base.refs = 1;
  pthread_mutex_init(&s->mu, NULL);
  cond_init_monotonic(&s->cond);
  s->value = value;
  return s;
}

static void semaphore_free(dispatch_semaphore_t s) {
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cond);
  free(s);
}

intptr_t dispatch_semaphore_wait(dispatch_semaphore_t s, dispatch_time_t timeout) {
  pthread_mutex_lock(&s->mu);
  if (s->value > 0) {
    s->value--;
    pthread_mutex_unlock(&s->mu);
    return 0;
  }
  if (timeout == DISPATCH_TIME_NOW) {
    pthread_mutex_unlock(&s->mu);
    return 1;
  }
  struct timespec ts;
  if (timeout != DISPATCH_TIME_FOREVER) xpci_monotonic_deadline(timeout, &ts);
  s->waiters++;
  while (s->value == 0) {
    if (timeout == DISPATCH_TIME_FOREVER) {
      pthread_cond_wait(&s->cond, &s->mu);
    } else if (pthread_cond_timedwait(&s->cond, &s->mu, &ts) == ETIMEDOUT && s->value == 0) {
      s->waiters--;
      pthread_mutex_unlock(&s->mu);
      return 1;
    }
  }
  s->value--;
  s->waiters--;
  pthread_mutex_unlock(&s->mu);
  return 0;
}

intptr_t dispatch_semaphore_signal(dispatch_semaphore_t s) {
  pthread_mutex_lock(&s->mu);
  s->value++;
  intptr_t woke = s->waiters > 0;
  if (woke) pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->mu);
  return woke;
}

/* ---- once --------------------------------------------------------------------------------- */

static pthread_mutex_t once_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t once_cond = PTHREAD_COND_INITIALIZER;

void dispatch_once_f(dispatch_once_t *predicate, void *context, dispatch_function_t function) {
  if (__atomic_load_n(predicate, __ATOMIC_ACQUIRE) == ~(dispatch_once_t)0) return;
  pthread_mutex_lock(&once_mu);
  if (*predicate == 0) {
    *predicate = 1;
    pthread_mutex_unlock(&once_mu);
    function(context);
    pthread_mutex_lock(&once_mu);
    __atomic_store_n(predicate, ~(dispatch_once_t)0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&once_cond);
  } else {
    while (*predicate != ~(dispatch_once_t)0) pthread_cond_wait(&once_cond, &once_mu);
  }
  pthread_mutex_unlock(&once_mu);
}

void dispatch_once(dispatch_once_t *predicate, dispatch_block_t block) {
  dispatch_once_f(predicate, (void *)block, call_block_no_release);
}
