/*
 * Unit-test program for libxpc's object API, description text and decoder, built with the
 * library's source (the decoder has no public entry point). Driven by libxpc.unit.test.ts:
 *
 *   libxpc-unit objects   runs the object-API checks; prints "ok <check>" per check, or
 *                         "FAIL <check>: <what>" and exits 1
 *   libxpc-unit decode    reads one hex payload per stdin line; prints per line either
 *                         "ok <re-encoded payload hex> <description hex>" or "error <code> <offset>"
 *   libxpc-unit describe  prints the descriptions of values built with the API, as
 *                         "<name> <description hex>" lines
 *   libxpc-unit runtime   the dispatch stand-in, and a connection with no broker to talk to;
 *                         prints like `objects`
 */
#include "../src/libxpc.c"

#include <fcntl.h>
#include <math.h>

static int failures;
static int failures_before;
static const char *current;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      printf("FAIL %s: %s (line %d)\n", current, #cond, __LINE__);               \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static void begin(const char *name) {
  current = name;
  failures_before = failures;
}

static void end(void) {
  if (failures == failures_before) printf("ok %s\n", current);
}

static int refs(xpc_object_t o) {
  return __atomic_load_n(&XO(o)->refs, __ATOMIC_RELAXED);
}

static void check_objects(void) {
  begin("retain and release count references; the global objects are immortal");
  xpc_object_t s = xpc_string_create("x");
  CHECK(refs(s) == 1);
  CHECK(xpc_retain(s) == s && refs(s) == 2);
  xpc_release(s);
  CHECK(refs(s) == 1);
  xpc_release(s);
  for (int i = 0; i < 5; i++) {
    xpc_release(XPC_ERROR_CONNECTION_INVALID);
    xpc_release(XPC_BOOL_TRUE);
    xpc_release(xpc_null_create());
  }
  CHECK(xpc_get_type(XPC_ERROR_CONNECTION_INVALID) == XPC_TYPE_ERROR);
  end();

  begin("types and their names");
  xpc_object_t d = xpc_dictionary_create_empty();
  CHECK(xpc_get_type(d) == XPC_TYPE_DICTIONARY);
  CHECK(strcmp(xpc_type_get_name(XPC_TYPE_DICTIONARY), "dictionary") == 0);
  CHECK(strcmp(xpc_type_get_name(XPC_TYPE_UINT64), "uint64") == 0);
  CHECK(xpc_get_type(xpc_bool_create(true)) == XPC_TYPE_BOOL);
  CHECK(xpc_bool_create(true) == XPC_BOOL_TRUE && xpc_bool_create(false) == XPC_BOOL_FALSE);
  CHECK(xpc_get_type(xpc_null_create()) == XPC_TYPE_NULL);
  xpc_release(d);
  end();

  begin("the error constants carry the broker's descriptions");
  CHECK(strcmp(xpc_dictionary_get_string(XPC_ERROR_CONNECTION_INVALID, XPC_ERROR_KEY_DESCRIPTION), "Connection invalid") == 0);
  CHECK(strcmp(xpc_dictionary_get_string(XPC_ERROR_CONNECTION_INTERRUPTED, XPC_ERROR_KEY_DESCRIPTION), "Connection interrupted") == 0);
  CHECK(strcmp(xpc_dictionary_get_string(XPC_ERROR_TERMINATION_IMMINENT, XPC_ERROR_KEY_DESCRIPTION), "Termination imminent") == 0);
  CHECK(strcmp(xpc_dictionary_get_string(XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, XPC_ERROR_KEY_DESCRIPTION), "Peer Forbidden") == 0);
  CHECK(xpc_dictionary_get_count(XPC_ERROR_CONNECTION_INVALID) == 1);
  CHECK(strcmp(XPC_ERROR_KEY_DESCRIPTION, "XPCErrorDescription") == 0);
  end();

  begin("scalars keep their values, and getters of the wrong type return zero");
  xpc_object_t i = xpc_int64_create(INT64_MIN);
  xpc_object_t u = xpc_uint64_create(UINT64_MAX);
  xpc_object_t f = xpc_double_create(-0.0);
  xpc_object_t t = xpc_date_create(-1);
  CHECK(xpc_int64_get_value(i) == INT64_MIN);
  CHECK(xpc_uint64_get_value(u) == UINT64_MAX);
  CHECK(signbit(xpc_double_get_value(f)));
  CHECK(xpc_date_get_value(t) == -1);
  CHECK(xpc_int64_get_value(u) == 0 && xpc_uint64_get_value(i) == 0 && xpc_string_get_string_ptr(i) == NULL);
  xpc_object_t now = xpc_date_create_from_current();
  CHECK(xpc_date_get_value(now) > 1700000000000000000LL);
  xpc_release(now);
  xpc_release(i);
  xpc_release(u);
  xpc_release(f);
  xpc_release(t);
  end();

  begin("data is copied, and get_bytes copies a window of it");
  uint8_t bytes[5] = {1, 2, 3, 4, 5};
  xpc_object_t data = xpc_data_create(bytes, sizeof bytes);
  bytes[0] = 9;
  CHECK(xpc_data_get_length(data) == 5 && ((const uint8_t *)xpc_data_get_bytes_ptr(data))[0] == 1);
  uint8_t window[8] = {0};
  CHECK(xpc_data_get_bytes(data, window, 3, 8) == 2 && window[0] == 4 && window[1] == 5);
  CHECK(xpc_data_get_bytes(data, window, 7, 8) == 0);
  xpc_object_t empty = xpc_data_create(NULL, 0);
  CHECK(xpc_data_get_length(empty) == 0);
  xpc_release(empty);
  xpc_release(data);
  end();

  begin("strings: copies, formats, lengths in bytes");
  char text[] = "Grüße";
  xpc_object_t str = xpc_string_create(text);
  text[0] = 'X';
  CHECK(strcmp(xpc_string_get_string_ptr(str), "Grüße") == 0 && xpc_string_get_length(str) == 7);
  xpc_object_t formatted = xpc_string_create_with_format("%s-%d", "n", 42);
  CHECK(strcmp(xpc_string_get_string_ptr(formatted), "n-42") == 0);
  xpc_release(str);
  xpc_release(formatted);
  end();

  begin("uuids keep their 16 bytes");
  uuid_t id = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
  xpc_object_t uuid = xpc_uuid_create(id);
  CHECK(memcmp(xpc_uuid_get_bytes(uuid), id, 16) == 0);
  xpc_release(uuid);
  end();

  begin("fd objects duplicate the descriptor and know its path");
  int fd = open("/dev/null", O_RDONLY);
  xpc_object_t xfd = xpc_fd_create(fd);
  close(fd);
  CHECK(xfd != NULL && strcmp(((struct xpci_fd *)xfd)->path, "/dev/null") == 0);
  int again = xpc_fd_dup(xfd);
  CHECK(again >= 0);
  if (again >= 0) close(again);
  CHECK(xpc_fd_create(-1) == NULL);
  xpc_object_t received = xpci_fd_from_path("/dev/null");
  int opened = xpc_fd_dup(received);
  CHECK(opened >= 0);
  if (opened >= 0) close(opened);
  xpc_release(received);
  xpc_release(xfd);
  end();

  begin("arrays: append, set, get, apply in order, and the convenience accessors");
  xpc_object_t a = xpc_array_create_empty();
  xpc_array_set_int64(a, XPC_ARRAY_APPEND, -7);
  xpc_array_set_uint64(a, XPC_ARRAY_APPEND, 7);
  xpc_array_set_string(a, XPC_ARRAY_APPEND, "s");
  xpc_array_set_bool(a, XPC_ARRAY_APPEND, true);
  xpc_array_set_double(a, XPC_ARRAY_APPEND, 1.5);
  xpc_array_set_data(a, XPC_ARRAY_APPEND, "ab", 2);
  xpc_array_set_date(a, XPC_ARRAY_APPEND, 5);
  xpc_array_set_uuid(a, XPC_ARRAY_APPEND, id);
  CHECK(xpc_array_get_count(a) == 8);
  CHECK(xpc_array_get_int64(a, 0) == -7 && xpc_array_get_uint64(a, 1) == 7 && strcmp(xpc_array_get_string(a, 2), "s") == 0);
  CHECK(xpc_array_get_bool(a, 3) && xpc_array_get_double(a, 4) == 1.5 && xpc_array_get_date(a, 6) == 5);
  size_t length = 0;
  CHECK(memcmp(xpc_array_get_data(a, 5, &length), "ab", 2) == 0 && length == 2);
  CHECK(memcmp(xpc_array_get_uuid(a, 7), id, 16) == 0);
  xpc_array_set_string(a, 0, "replaced");
  CHECK(strcmp(xpc_array_get_string(a, 0), "replaced") == 0 && xpc_array_get_count(a) == 8);
  CHECK(xpc_array_get_value(a, 99) == NULL);
  __block size_t visited = 0;
  bool all = xpc_array_apply(a, ^bool(size_t index, xpc_object_t value) {
    (void)value;
    visited++;
    return index < 2;
  });
  CHECK(!all && visited == 3);
  xpc_object_t inner = xpc_array_create_empty();
  xpc_array_append_value(a, inner);
  CHECK(xpc_array_get_array(a, 8) == inner && xpc_array_get_dictionary(a, 8) == NULL);
  xpc_release(inner);
  xpc_object_t items[2] = {xpc_bool_create(true), xpc_null_create()};
  xpc_object_t made = xpc_array_create(items, 2);
  CHECK(xpc_array_get_count(made) == 2 && xpc_array_get_value(made, 0) == XPC_BOOL_TRUE);
  xpc_release(made);
  xpc_release(a);
  end();

  begin("dictionaries: insertion order, replace, NULL removes, apply stops, typed accessors");
  xpc_object_t dict = xpc_dictionary_create_empty();
  xpc_dictionary_set_string(dict, "b", "two");
  xpc_dictionary_set_int64(dict, "a", 1);
  xpc_dictionary_set_uint64(dict, "u", 2);
  xpc_dictionary_set_bool(dict, "t", true);
  xpc_dictionary_set_double(dict, "d", 2.5);
  xpc_dictionary_set_date(dict, "when", 9);
  xpc_dictionary_set_data(dict, "bytes", "xyz", 3);
  xpc_dictionary_set_uuid(dict, "id", id);
  int devnull = open("/dev/null", O_RDONLY);
  xpc_dictionary_set_fd(dict, "fd", devnull);
  close(devnull);
  xpc_object_t nested = xpc_dictionary_create_empty();
  xpc_dictionary_set_value(dict, "nested", nested);
  xpc_object_t list = xpc_array_create_empty();
  xpc_dictionary_set_value(dict, "list", list);
  CHECK(xpc_dictionary_get_count(dict) == 11);
  CHECK(strcmp(xpc_dictionary_get_string(dict, "b"), "two") == 0 && xpc_dictionary_get_int64(dict, "a") == 1);
  CHECK(xpc_dictionary_get_uint64(dict, "u") == 2 && xpc_dictionary_get_bool(dict, "t") && xpc_dictionary_get_double(dict, "d") == 2.5);
  CHECK(xpc_dictionary_get_date(dict, "when") == 9 && memcmp(xpc_dictionary_get_uuid(dict, "id"), id, 16) == 0);
  CHECK(memcmp(xpc_dictionary_get_data(dict, "bytes", &length), "xyz", 3) == 0 && length == 3);
  int dupped = xpc_dictionary_dup_fd(dict, "fd");
  CHECK(dupped >= 0);
  if (dupped >= 0) close(dupped);
  CHECK(xpc_dictionary_get_dictionary(dict, "nested") == nested && xpc_dictionary_get_array(dict, "list") == list);
  CHECK(xpc_dictionary_get_dictionary(dict, "list") == NULL && xpc_dictionary_get_string(dict, "a") == NULL);
  CHECK(xpc_dictionary_get_value(dict, "missing") == NULL && xpc_dictionary_get_int64(dict, "missing") == 0);
  xpc_dictionary_set_int64(dict, "b", 3);
  CHECK(xpc_dictionary_get_int64(dict, "b") == 3 && xpc_dictionary_get_count(dict) == 11);
  xpc_dictionary_set_value(dict, "a", NULL);
  CHECK(xpc_dictionary_get_value(dict, "a") == NULL && xpc_dictionary_get_count(dict) == 10);
  char order_text[64] = "";
  char *order = order_text;
  xpc_dictionary_apply(dict, ^bool(const char *key, xpc_object_t value) {
    (void)value;
    strcat(order, key);
    strcat(order, ",");
    return true;
  });
  CHECK(strcmp(order, "b,u,t,d,when,bytes,id,fd,nested,list,") == 0);
  __block int seen = 0;
  CHECK(!xpc_dictionary_apply(dict, ^bool(const char *key, xpc_object_t value) {
    (void)key;
    (void)value;
    return ++seen < 2;
  }));
  CHECK(seen == 2);
  const char *keys[2] = {"k1", "k2"};
  xpc_object_t values[2] = {xpc_bool_create(false), xpc_null_create()};
  xpc_object_t made_dict = xpc_dictionary_create(keys, values, 2);
  CHECK(xpc_dictionary_get_count(made_dict) == 2 && xpc_dictionary_get_value(made_dict, "k1") == XPC_BOOL_FALSE);
  xpc_release(made_dict);
  xpc_release(nested);
  xpc_release(list);
  xpc_release(dict);
  end();

  begin("a large dictionary finds, replaces and removes every key");
  xpc_object_t big = xpc_dictionary_create_empty();
  char key[32];
  for (int k = 0; k < 2000; k++) {
    snprintf(key, sizeof key, "key-%d", k);
    xpc_dictionary_set_int64(big, key, k);
  }
  int found = 0;
  for (int k = 0; k < 2000; k++) {
    snprintf(key, sizeof key, "key-%d", k);
    found += xpc_dictionary_get_int64(big, key) == k;
  }
  CHECK(found == 2000);
  for (int k = 0; k < 2000; k += 2) {
    snprintf(key, sizeof key, "key-%d", k);
    xpc_dictionary_set_value(big, key, NULL);
  }
  CHECK(xpc_dictionary_get_count(big) == 1000 && xpc_dictionary_get_int64(big, "key-1999") == 1999 && xpc_dictionary_get_value(big, "key-0") == NULL);
  xpc_release(big);
  end();

  begin("copy is deep for containers; equal ignores dictionary order; equal values hash alike");
  xpc_object_t x = xpc_dictionary_create_empty();
  xpc_dictionary_set_int64(x, "one", 1);
  xpc_dictionary_set_string(x, "two", "2");
  xpc_object_t xl = xpc_array_create_empty();
  xpc_array_set_double(xl, XPC_ARRAY_APPEND, 0.0);
  xpc_dictionary_set_value(x, "list", xl);
  xpc_object_t y = xpc_copy(x);
  CHECK(y != x && xpc_equal(x, y) && xpc_hash(x) == xpc_hash(y));
  xpc_array_set_double(xl, XPC_ARRAY_APPEND, 1.0);
  CHECK(!xpc_equal(x, y) && xpc_array_get_count(xpc_dictionary_get_array(y, "list")) == 1);
  xpc_object_t z = xpc_dictionary_create_empty();
  xpc_dictionary_set_value(z, "list", xpc_dictionary_get_value(y, "list"));
  xpc_dictionary_set_string(z, "two", "2");
  xpc_dictionary_set_int64(z, "one", 1);
  CHECK(xpc_equal(y, z) && xpc_hash(y) == xpc_hash(z));
  xpc_object_t neg = xpc_double_create(-0.0), pos = xpc_double_create(0.0);
  CHECK(xpc_equal(neg, pos) && xpc_hash(neg) == xpc_hash(pos));
  xpc_object_t i1 = xpc_int64_create(1), u1 = xpc_uint64_create(1);
  CHECK(!xpc_equal(i1, u1));
  xpc_release(i1);
  xpc_release(u1);
  xpc_release(neg);
  xpc_release(pos);
  xpc_release(xl);
  xpc_release(x);
  xpc_release(y);
  xpc_release(z);
  end();

  begin("xpc_copy_description of a small dictionary in libxpc's layout");
  xpc_object_t shown = xpc_dictionary_create_empty();
  xpc_dictionary_set_int64(shown, "n", 5);
  char *shown_text = xpc_copy_description(shown);
  char expected[256];
  snprintf(expected, sizeof expected, "<dictionary: %p> { count = 1, transaction: 0, voucher = 0x0, contents =\n\t\"n\" => <int64: %p>: 5\n}", shown,
           xpc_dictionary_get_value(shown, "n"));
  CHECK(strcmp(shown_text, expected) == 0);
  free(shown_text);
  xpc_release(shown);
  end();
}

/* ---- runtime mode: dispatch, and a connection without a broker -------------------------------- */

static void wait_or_fail(dispatch_semaphore_t s, const char *what) {
  if (dispatch_semaphore_wait(s, dispatch_time(DISPATCH_TIME_NOW, 5 * (int64_t)NSEC_PER_SEC)) != 0) {
    printf("FAIL %s: timed out waiting for %s\n", current, what);
    failures++;
  }
}

static int finalized;
static dispatch_semaphore_t finalized_sema;

static void finalizer(void *context) {
  finalized += context == (void *)&finalized;
  dispatch_semaphore_signal(finalized_sema);
}

static void check_runtime(void) {
  begin("a serial queue runs its work in order, one item at a time, and labels it");
  dispatch_queue_t q = dispatch_queue_create("com.example.serial", DISPATCH_QUEUE_SERIAL);
  __block int next = 0, running = 0, overlap = 0, out_of_order = 0;
  dispatch_semaphore_t all = dispatch_semaphore_create(0);
  for (int i = 0; i < 200; i++) {
    dispatch_async(q, ^{
      if (__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST) > 1) overlap++;
      if (next++ != i) out_of_order++;
      if (strcmp(dispatch_queue_get_label(DISPATCH_CURRENT_QUEUE_LABEL), "com.example.serial") != 0) out_of_order++;
      usleep(50);
      __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
      if (i == 199) dispatch_semaphore_signal(all);
    });
  }
  wait_or_fail(all, "200 items");
  CHECK(overlap == 0 && out_of_order == 0 && next == 200);
  end();

  begin("dispatch_sync waits for the block; a suspended queue holds work until resumed");
  __block int ran = 0;
  dispatch_sync(q, ^{
    ran = 1;
  });
  CHECK(ran == 1);
  dispatch_suspend(q);
  dispatch_async(q, ^{
    ran = 2;
  });
  usleep(50000);
  CHECK(ran == 1);
  dispatch_resume(q);
  dispatch_sync(q, ^{
  });
  CHECK(ran == 2);
  end();

  begin("a queue targeting a serial queue is serialized with it");
  dispatch_queue_t inner = dispatch_queue_create_with_target("com.example.inner", DISPATCH_QUEUE_SERIAL, q);
  __block int shared = 0, lost = 0;
  dispatch_semaphore_t both = dispatch_semaphore_create(0);
  for (int i = 0; i < 100; i++) {
    dispatch_queue_t on = i % 2 ? q : inner;
    dispatch_async(on, ^{
      int seen = shared;
      usleep(20);
      if (shared != seen) lost++;
      shared = seen + 1;
      if (i == 99) dispatch_semaphore_signal(both);
    });
  }
  wait_or_fail(both, "100 items");
  dispatch_sync(inner, ^{
  });
  CHECK(lost == 0 && shared == 100);
  dispatch_release(inner);
  end();

  begin("dispatch_after runs delayed work in deadline order, not before its time");
  char order_text[8] = "";
  char *order = order_text;
  uint64_t started = xpci_now_ns();
  __block uint64_t first_at = 0;
  dispatch_semaphore_t timed = dispatch_semaphore_create(0);
  dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 60 * (int64_t)NSEC_PER_MSEC), q, ^{
    strcat(order, "b");
    dispatch_semaphore_signal(timed);
  });
  dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 30 * (int64_t)NSEC_PER_MSEC), q, ^{
    strcat(order, "a");
    first_at = xpci_now_ns();
  });
  wait_or_fail(timed, "the timers");
  CHECK(strcmp(order, "ab") == 0 && first_at - started >= 30 * NSEC_PER_MSEC);
  end();

  begin("semaphores: wait times out, signal wakes a waiter; dispatch_once runs once");
  dispatch_semaphore_t s = dispatch_semaphore_create(0);
  uint64_t before = xpci_now_ns();
  CHECK(dispatch_semaphore_wait(s, dispatch_time(DISPATCH_TIME_NOW, 20 * (int64_t)NSEC_PER_MSEC)) != 0);
  CHECK(xpci_now_ns() - before >= 20 * NSEC_PER_MSEC);
  dispatch_async(dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_DEFAULT, 0), ^{
    usleep(10000);
    dispatch_semaphore_signal(s);
  });
  CHECK(dispatch_semaphore_wait(s, DISPATCH_TIME_FOREVER) == 0);
  static dispatch_once_t once;
  __block int once_count = 0;
  for (int i = 0; i < 3; i++) dispatch_once(&once, ^{
    once_count++;
  });
  CHECK(once_count == 1);
  dispatch_release(s);
  end();

  begin("without a broker, a connection ends with CONNECTION_INVALID naming XPC_INSPECTOR_SOCKET, once; its finalizer runs when released");
  unsetenv("XPC_INSPECTOR_SOCKET");
  finalized_sema = dispatch_semaphore_create(0);
  xpc_connection_t c = xpc_connection_create_mach_service("com.example.nowhere", q, 0);
  xpc_connection_set_context(c, &finalized);
  xpc_connection_set_finalizer_f(c, finalizer);
  CHECK(xpc_connection_get_context(c) == &finalized);
  CHECK(strcmp(xpc_connection_get_name(c), "com.example.nowhere") == 0 && xpc_connection_get_pid(c) == 0);
  __block int invalid = 0, other = 0;
  dispatch_semaphore_t ended = dispatch_semaphore_create(0);
  xpc_connection_set_event_handler(c, ^(xpc_object_t event) {
    if (event == XPC_ERROR_CONNECTION_INVALID) invalid++;
    else other++;
    dispatch_semaphore_signal(ended);
  });
  xpc_connection_resume(c);
  wait_or_fail(ended, "CONNECTION_INVALID");
  xpc_object_t message = xpc_dictionary_create_empty();
  xpc_object_t answer = xpc_connection_send_message_with_reply_sync(c, message);
  CHECK(answer == XPC_ERROR_CONNECTION_INVALID);
  xpc_release(message);
  char *reason = xpc_connection_copy_invalidation_reason(c);
  CHECK(reason != NULL && strstr(reason, "XPC_INSPECTOR_SOCKET") != NULL);
  free(reason);
  xpc_connection_cancel(c);
  dispatch_sync(q, ^{
  });
  CHECK(invalid == 1 && other == 0 && finalized == 0);
  xpc_release(c);
  wait_or_fail(finalized_sema, "the finalizer");
  CHECK(finalized == 1);
  end();
  dispatch_release(q);
}

/* ---- decode mode ---------------------------------------------------------------------------- */

static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void print_hex(const uint8_t *bytes, size_t length) {
  for (size_t i = 0; i < length; i++) printf("%02x", bytes[i]);
}

static void decode_lines(void) {
  char *line = NULL;
  size_t capacity = 0;
  ssize_t n;
  while ((n = getline(&line, &capacity, stdin)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    size_t length = (size_t)n / 2;
    uint8_t *bytes = malloc(length + 1);
    for (size_t i = 0; i < length; i++) bytes[i] = (uint8_t)(hex_value(line[2 * i]) << 4 | hex_value(line[2 * i + 1]));
    xpci_decode_error err = {0};
    xpc_object_t value = xpci_decode(bytes, length, &xpci_default_limits, &err);
    free(bytes);
    if (value == NULL) {
      printf("error %s %zu\n", err.code, err.offset);
      continue;
    }
    size_t frame_length = 0;
    const char *why = NULL;
    uint8_t *frame = xpci_encode_frame(value, XW_DEFAULT_MESSAGE_FLAGS, 0, &frame_length, &why);
    char *description = xpc_copy_description(value);
    printf("ok ");
    if (frame) print_hex(frame + XW_FRAME_HEADER_SIZE, frame_length - XW_FRAME_HEADER_SIZE);
    else printf("encode-failed:%s", why);
    printf(" ");
    print_hex((const uint8_t *)description, strlen(description));
    printf("\n");
    free(frame);
    free(description);
    xpc_release(value);
  }
  free(line);
}

/* ---- describe mode: values built with the API ------------------------------------------------- */

static void show(const char *name, xpc_object_t value) {
  char *text = xpc_copy_description(value);
  printf("%s ", name);
  print_hex((const uint8_t *)text, strlen(text));
  printf("\n");
  free(text);
  xpc_release(value);
}

static void describe_values(void) {
  show("null", xpc_null_create());
  show("true", xpc_bool_create(true));
  show("int64", xpc_int64_create(-42));
  show("uint64", xpc_uint64_create(UINT64_MAX));
  show("double-fixed", xpc_double_create(3.25));
  show("double-shortest", xpc_double_create(0.1234567890123));
  show("double-tiny", xpc_double_create(1.5e-7));
  show("double-huge", xpc_double_create(1e300));
  show("double-nan", xpc_double_create(NAN));
  show("double-neg-zero", xpc_double_create(-0.0));
  show("date", xpc_date_create(1700000000123456789LL));
  show("date-before-1970", xpc_date_create(-86400000000001LL));
  show("data", xpc_data_create("0123456789abcdefghijklmnopq", 27));
  show("data-empty", xpc_data_create(NULL, 0));
  show("string", xpc_string_create("quote \" back \\ tab \t nl \n del \x7f é"));
  uuid_t id = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
  show("uuid", xpc_uuid_create(id));
  show("fd", xpci_fd_from_path("/tmp/a \"file\""));
  show("shmem", xpc_shmem_create(NULL, 16385));
  show("endpoint", xpci_endpoint_create_named("endpoint.1.2.3"));
  show("error", xpc_retain(XPC_ERROR_CONNECTION_INTERRUPTED));
  xpc_object_t nested = xpc_dictionary_create_empty();
  xpc_object_t list = xpc_array_create_empty();
  xpc_array_set_int64(list, XPC_ARRAY_APPEND, 1);
  xpc_array_set_string(list, XPC_ARRAY_APPEND, "two");
  xpc_object_t empty_list = xpc_array_create_empty();
  xpc_array_append_value(list, empty_list);
  xpc_release(empty_list);
  xpc_dictionary_set_value(nested, "list", list);
  xpc_object_t inner = xpc_dictionary_create_empty();
  xpc_dictionary_set_bool(inner, "deep", false);
  xpc_dictionary_set_value(nested, "inner", inner);
  xpc_object_t empty_dict = xpc_dictionary_create_empty();
  xpc_dictionary_set_value(nested, "empty", empty_dict);
  xpc_release(empty_dict);
  xpc_release(list);
  xpc_release(inner);
  show("nested", nested);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "objects";
  if (strcmp(mode, "objects") == 0) {
    check_objects();
    return failures ? 1 : 0;
  }
  if (strcmp(mode, "runtime") == 0) {
    check_runtime();
    return failures ? 1 : 0;
  }
  if (strcmp(mode, "decode") == 0) {
    decode_lines();
    return 0;
  }
  if (strcmp(mode, "describe") == 0) {
    describe_values();
    return 0;
  }
  fprintf(stderr, "usage: %s objects|runtime|decode|describe\n", argv[0]);
  return 2;
}
