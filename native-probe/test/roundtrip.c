/*
 * roundtrip: a client written against Apple's libxpc API that times request/reply round trips to
 * a service. It measures what the probe adds per message: the same program runs with and without
 * the probe inserted, against the same broker and service, in one run.
 *
 *   roundtrip SERVICE COUNT      prints "roundtrip COUNT NS_PER_ROUND_TRIP CPU_NS_PER_ROUND_TRIP"
 *                                and exits 0 (CPU: this process's user + system time, all threads)
 *
 * One warm-up request first (it launches the service on demand), then COUNT synchronous
 * requests; each reply must be a dictionary that echoes the request's "n".
 */
#include <dispatch/dispatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <xpc/xpc.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return ((uint64_t)usage.ru_utime.tv_sec + (uint64_t)usage.ru_stime.tv_sec) * 1000000000u +
         ((uint64_t)usage.ru_utime.tv_usec + (uint64_t)usage.ru_stime.tv_usec) * 1000u;
}

static int ask(xpc_connection_t connection, int64_t n) {
  xpc_object_t request = xpc_dictionary_create(NULL, NULL, 0);
  xpc_dictionary_set_string(request, "op", "ping");
  xpc_dictionary_set_int64(request, "n", n);
  xpc_object_t reply = xpc_connection_send_message_with_reply_sync(connection, request);
  xpc_release(request);
  int ok = xpc_get_type(reply) == XPC_TYPE_DICTIONARY && xpc_dictionary_get_int64(reply, "n") == n;
  if (!ok) {
    char *text = xpc_copy_description(reply);
    fprintf(stderr, "roundtrip: request %lld got %s\n", (long long)n, text);
    free(text);
  }
  xpc_release(reply);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: roundtrip SERVICE COUNT\n");
    return 2;
  }
  long count = atol(argv[2]);
  xpc_connection_t connection = xpc_connection_create_mach_service(argv[1], NULL, 0);
  xpc_connection_set_event_handler(connection, ^(xpc_object_t event) {
    (void)event;
  });
  xpc_connection_resume(connection);
  if (!ask(connection, -1)) return 1;
  uint64_t start = now_ns();
  uint64_t cpu_start = cpu_ns();
  for (long i = 0; i < count; i++) {
    if (!ask(connection, i)) return 1;
  }
  uint64_t elapsed = now_ns() - start;
  uint64_t cpu = cpu_ns() - cpu_start;
  uint64_t per = count > 0 ? (uint64_t)count : 1;
  printf("roundtrip %ld %llu %llu\n", count, (unsigned long long)(elapsed / per), (unsigned long long)(cpu / per));
  xpc_connection_cancel(connection);
  return 0;
}
