/*
 * Test program for probe_record.c, run by main/probe/ingest.test.ts.
 *
 *   probe_session SOCKET session SERVICE_PID [--wait]
 *       Connects to a broker's probe socket and reports what a client of com.apple.example
 *       would show: hello, the connection created and resumed, a request with a dictionary body
 *       and its reply 25 ms later, a sync request answered by CONNECTION_INTERRUPTED, the
 *       interruption, a message from the service, the cancel and the final CONNECTION_INVALID.
 *       SERVICE_PID is reported as the peer's pid. With --wait it prints "ready" after the
 *       connection was created and waits for a line on stdin before going on.
 *   probe_session - backpressure
 *       Writes records into a socket pair nobody reads until it is full, then drains it and
 *       prints what arrived as "chunk HEX" lines, then one more record after the drain, then
 *       "stats SENT DROPPED".
 *   probe_session SOCKET threads
 *       hello, then 4 threads each reporting 500 messages on a connection of its own at once;
 *       prints "sent N dropped M created K" (K: connection-created records that got through).
 *   probe_session SOCKET fork
 *       hello, then fork(): the child forgets the parent's connection, opens its own, says hello
 *       and reports a connection to com.apple.child; the parent, after the child exited, reports
 *       one to com.apple.parent. Prints "child PID".
 * Prints "sent N dropped M" at the end of a session.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/probe_record.h"

static const uint64_t CONN = 0x600003a04000ULL;
static const char *SERVICE = "com.apple.example";

static void request_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_dict_begin(w);
  xw_key(w, "op");
  xw_string(w, "lookup");
  xw_key(w, "id");
  xw_int64(w, 42);
  xw_key(w, "args");
  xw_array_begin(w);
  xw_string(w, "a");
  xw_bool(w, 1);
  xw_array_end(w);
  xw_key(w, "blob");
  xw_data(w, "\xde\xad\xbe\xef", 4);
  xw_key(w, "when");
  xw_date(w, 1700000000000000000LL);
  xw_dict_end(w);
}

static void reply_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_dict_begin(w);
  xw_key(w, "status");
  xw_string(w, "ok");
  xw_key(w, "result");
  xw_uint64(w, 7);
  xw_dict_end(w);
}

static void ping_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_dict_begin(w);
  xw_key(w, "op");
  xw_string(w, "ping");
  xw_dict_end(w);
}

static void interrupted_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_error(w, "Connection interrupted");
}

static void event_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_dict_begin(w);
  xw_key(w, "event");
  xw_string(w, "changed");
  xw_dict_end(w);
}

/* Not UTF-8: the record goes out with bodyError instead of the body. */
static void bad_text_body(xw_writer *w, const void *ctx) {
  (void)ctx;
  xw_dict_begin(w);
  xw_key(w, "name");
  xw_string(w, "caf\xe9");
  xw_dict_end(w);
}

static void blob_body(xw_writer *w, const void *ctx) {
  static const char bytes[200] = {0};
  xw_dict_begin(w);
  xw_key(w, "i");
  xw_int64(w, *(const int64_t *)ctx);
  xw_key(w, "pad");
  xw_data(w, bytes, sizeof bytes);
  xw_dict_end(w);
}

/* Larger than the socket buffer: the kernel takes only part of this record. */
static void big_body(xw_writer *w, const void *ctx) {
  static char bytes[100000];
  (void)ctx;
  memset(bytes, 0x5a, sizeof bytes);
  xw_data(w, bytes, sizeof bytes);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static unsigned long sent, dropped;
static void count(probe_result r) {
  if (r == PROBE_SENT) sent++;
  else dropped++;
}

static int session(const char *path, int32_t service_pid, int wait, const char *self) {
  probe_sink s;
  if (probe_sink_open(&s, path, 0) != 0) {
    fprintf(stderr, "probe_session: cannot connect to %s: %s\n", path, strerror(errno));
    return 2;
  }
  count(probe_hello(&s, (int32_t)getpid(), self, "probe_session"));
  count(probe_connection_created(&s, CONN, SERVICE, 0, 0));
  if (wait) {
    printf("ready\n");
    fflush(stdout);
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL) return 3;
  }
  count(probe_connection_resumed(&s, CONN));
  uint64_t request = probe_next_message(&s);
  count(probe_message_sent(&s, CONN, request, SERVICE, 0, 1, 0, request_body, NULL));
  sleep_ms(25);
  count(probe_reply_received(&s, CONN, probe_next_message(&s), request, SERVICE, service_pid, reply_body, NULL, NULL));
  uint64_t ping = probe_next_message(&s);
  count(probe_message_sent(&s, CONN, ping, SERVICE, service_pid, 1, 1, ping_body, NULL));
  count(probe_reply_received(&s, CONN, probe_next_message(&s), ping, SERVICE, service_pid, interrupted_body, NULL, "the service exited"));
  count(probe_connection_error(&s, CONN, SERVICE, service_pid, "Connection interrupted", "com.apple.example: the service exited"));
  count(probe_message_sent(&s, CONN, probe_next_message(&s), SERVICE, service_pid, 0, 0, bad_text_body, NULL));
  count(probe_message_received(&s, CONN, probe_next_message(&s), SERVICE, service_pid, event_body, NULL));
  count(probe_connection_canceled(&s, CONN));
  count(probe_connection_error(&s, CONN, SERVICE, service_pid, "Connection invalid", "canceled"));
  while (!probe_sink_flush(&s)) sleep_ms(1);
  probe_sink_close(&s);
  printf("sent %lu dropped %lu\n", sent, dropped);
  return 0;
}

static void print_chunk(int fd) {
  static uint8_t buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    printf("chunk ");
    for (ssize_t i = 0; i < n; i++) printf("%02x", buf[i]);
    printf("\n");
  }
}

static int backpressure(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 2;
  int small = 4096;
  (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL, 0) | O_NONBLOCK);
  probe_sink s;
  if (probe_sink_open_fd(&s, sv[0], 0) != 0) return 2;
  count(probe_hello(&s, (int32_t)getpid(), "/test/probe_session", NULL));
  for (int64_t i = 0; i < 3; i++) {
    count(probe_message_sent(&s, CONN, probe_next_message(&s), SERVICE, 0, 0, 0, blob_body, &i));
  }
  count(probe_message_sent(&s, CONN, probe_next_message(&s), SERVICE, 0, 0, 0, big_body, NULL));
  for (int64_t i = 3; i < 3000; i++) {
    count(probe_message_sent(&s, CONN, probe_next_message(&s), SERVICE, 0, 0, 0, blob_body, &i));
  }
  /* The reader catches up: the rest of a partly written record goes first, then the next. */
  print_chunk(sv[1]);
  while (!probe_sink_flush(&s)) print_chunk(sv[1]);
  print_chunk(sv[1]);
  probe_result last = probe_connection_canceled(&s, CONN);
  count(last);
  print_chunk(sv[1]);
  printf("stats %lu %lu %d\n", sent, dropped, (int)last);
  probe_sink_close(&s);
  return 0;
}

static probe_sink shared;

static void *reporter(void *arg) {
  uint64_t conn = 0x1000u + (uint64_t)(uintptr_t)arg;
  probe_result r = probe_connection_created(&shared, conn, "com.apple.threads", 0, 0);
  unsigned long *ok = (unsigned long *)malloc(3 * sizeof *ok);
  ok[0] = r == PROBE_SENT;
  ok[1] = r != PROBE_SENT;
  ok[2] = r == PROBE_SENT;
  for (int64_t i = 0; i < 500; i++) {
    r = probe_message_sent(&shared, conn, probe_next_message(&shared), NULL, 0, 0, 0, blob_body, &i);
    ok[r == PROBE_SENT ? 0 : 1]++;
  }
  return ok;
}

static int threads(const char *path) {
  if (probe_sink_open(&shared, path, 0) != 0) return 2;
  count(probe_hello(&shared, (int32_t)getpid(), "/test/probe_session", "threads"));
  unsigned long created = 0;
  pthread_t t[4];
  for (uintptr_t i = 0; i < 4; i++) pthread_create(&t[i], NULL, reporter, (void *)i);
  for (int i = 0; i < 4; i++) {
    void *result;
    pthread_join(t[i], &result);
    sent += ((unsigned long *)result)[0];
    dropped += ((unsigned long *)result)[1];
    created += ((unsigned long *)result)[2];
    free(result);
  }
  while (!probe_sink_flush(&shared)) sleep_ms(1);
  probe_sink_close(&shared);
  printf("sent %lu dropped %lu created %lu\n", sent, dropped, created);
  return 0;
}

static int forked(const char *path) {
  if (probe_sink_open(&shared, path, 0) != 0) return 2;
  count(probe_hello(&shared, (int32_t)getpid(), "/test/probe_session", "parent"));
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    probe_sink_forget_after_fork(&shared);
    if (probe_sink_open(&shared, path, 0) != 0) _exit(3);
    probe_hello(&shared, (int32_t)getpid(), "/test/probe_session", "child");
    probe_connection_created(&shared, CONN, "com.apple.child", 0, 0);
    while (!probe_sink_flush(&shared)) sleep_ms(1);
    probe_sink_close(&shared);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  count(probe_connection_created(&shared, CONN, "com.apple.parent", 0, 0));
  probe_sink_close(&shared);
  printf("child %d %d\n", (int)child, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[2], "threads") == 0) return threads(argv[1]);
  if (argc >= 3 && strcmp(argv[2], "fork") == 0) return forked(argv[1]);
  if (argc >= 3 && strcmp(argv[2], "backpressure") == 0) return backpressure();
  if (argc >= 4 && strcmp(argv[2], "session") == 0) {
    return session(argv[1], (int32_t)atoi(argv[3]), argc >= 5 && strcmp(argv[4], "--wait") == 0, argv[0]);
  }
  fprintf(stderr, "usage: probe_session SOCKET session SERVICE_PID [--wait] | probe_session - backpressure\n");
  return 64;
}
