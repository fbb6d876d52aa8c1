/*
 * Test program for xpc_wire.c: encodes values of every XPC type and prints one line per value,
 * "NAME HEX" (the payload, or the frame for names starting with frame_), then one line per
 * refused input, "error NAME STATUS". With the argument check-text it reads hex strings from
 * stdin, one per line, and prints 1 or 0 for each: whether xw_check_text accepts those bytes.
 * native-probe/native-probe.test.ts compiles it and checks the bytes against app/xpc/codec.ts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/xpc_wire.h"

static uint8_t buf[1 << 20];

static void hex(const char *name, const uint8_t *bytes, size_t length) {
  printf("%s ", name);
  for (size_t i = 0; i < length; i++) printf("%02x", bytes[i]);
  printf("\n");
}

typedef void (*build_fn)(xw_writer *w);

static void emit(const char *name, build_fn build) {
  xw_writer w;
  xw_init(&w, buf, sizeof buf);
  build(&w);
  size_t length = 0;
  xw_status status = xw_finish(&w, &length);
  if (status != XW_OK) {
    printf("%s FAILED %s\n", name, xw_status_name(status));
    return;
  }
  hex(name, buf, length);
}

static void refuse(const char *name, build_fn build, size_t cap, uint32_t max_elements) {
  xw_writer w;
  xw_init(&w, buf, cap);
  if (max_elements) xw_set_max_elements(&w, max_elements);
  build(&w);
  printf("error %s %s\n", name, xw_status_name(xw_finish(&w, NULL)));
}

static void b_null(xw_writer *w) { xw_null(w); }
static void b_true(xw_writer *w) { xw_bool(w, 1); }
static void b_false(xw_writer *w) { xw_bool(w, 0); }
static void b_int64_min(xw_writer *w) { xw_int64(w, INT64_MIN); }
static void b_int64_neg5(xw_writer *w) { xw_int64(w, -5); }
static void b_int64_max(xw_writer *w) { xw_int64(w, INT64_MAX); }
static void b_uint64_max(xw_writer *w) { xw_uint64(w, UINT64_MAX); }
static void b_uint64_zero(xw_writer *w) { xw_uint64(w, 0); }
static void b_double_pi(xw_writer *w) { xw_double(w, 3.141592653589793); }
static void b_double_neg0(xw_writer *w) { xw_double(w, -0.0); }
static void b_double_inf(xw_writer *w) { xw_double(w, -INFINITY); }
static void b_double_nan(xw_writer *w) { xw_double(w, NAN); }
static void b_date(xw_writer *w) { xw_date(w, 1700000000123456789LL); }
static void b_date_neg(xw_writer *w) { xw_date(w, -1); }
static void b_data_empty(xw_writer *w) { xw_data(w, NULL, 0); }
static void b_data_5(xw_writer *w) { xw_data(w, "\x00\x01\x02\xfe\xff", 5); }
static void b_data_8(xw_writer *w) { xw_data(w, "ABCDEFGH", 8); }
static void b_string_empty(xw_writer *w) { xw_string(w, ""); }
static void b_string_abc(xw_writer *w) { xw_string(w, "abc"); }
static void b_string_abcd(xw_writer *w) { xw_string(w, "abcd"); }
/* "héllo ✓ 😀" */
static void b_string_utf8(xw_writer *w) { xw_string(w, "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80"); }
static void b_string_n(xw_writer *w) { xw_string_n(w, "abcdef", 3); }
static const uint8_t UUID[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21};
static void b_uuid(xw_writer *w) { xw_uuid(w, UUID); }
static void b_fd(xw_writer *w) { xw_fd(w, "/etc/hosts"); }
static void b_shmem(xw_writer *w) { xw_shmem(w, 4096); }
static void b_error(xw_writer *w) { xw_error(w, "Connection invalid"); }
static void b_endpoint(xw_writer *w) { xw_endpoint(w, "com.apple.example"); }
static void b_array_empty(xw_writer *w) {
  xw_array_begin(w);
  xw_array_end(w);
}
static void b_array_mixed(xw_writer *w) {
  xw_array_begin(w);
  xw_null(w);
  xw_bool(w, 1);
  xw_string(w, "x");
  xw_array_begin(w);
  xw_int64(w, 7);
  xw_array_end(w);
  xw_error(w, "Connection interrupted");
  xw_array_end(w);
}
static void b_dict_empty(xw_writer *w) {
  xw_dict_begin(w);
  xw_dict_end(w);
}
static void b_dict_keys(xw_writer *w) {
  /* Keys of 1 to 5 bytes cover every padding length; one key is not ASCII. */
  xw_dict_begin(w);
  xw_key(w, "a");
  xw_string(w, "x");
  xw_key(w, "bb");
  xw_int64(w, 5);
  xw_key(w, "ccc");
  xw_bool(w, 0);
  xw_key(w, "dddd");
  xw_null(w);
  xw_key(w, "eeeee");
  xw_dict_begin(w);
  xw_key(w, "cl\xc3\xa9");
  xw_uint64(w, 9);
  xw_dict_end(w);
  xw_dict_end(w);
}
static void b_every_type(xw_writer *w) {
  xw_dict_begin(w);
  xw_key(w, "null");
  xw_null(w);
  xw_key(w, "bool");
  xw_bool(w, 1);
  xw_key(w, "int64");
  xw_int64(w, -42);
  xw_key(w, "uint64");
  xw_uint64(w, 18446744073709551615ULL);
  xw_key(w, "double");
  xw_double(w, 0.5);
  xw_key(w, "date");
  xw_date(w, 1000000000);
  xw_key(w, "data");
  xw_data(w, "xyz", 3);
  xw_key(w, "string");
  xw_string(w, "hello");
  xw_key(w, "uuid");
  xw_uuid(w, UUID);
  xw_key(w, "fd");
  xw_fd(w, "/dev/null");
  xw_key(w, "shmem");
  xw_shmem(w, 65536);
  xw_key(w, "array");
  xw_array_begin(w);
  xw_int64(w, 1);
  xw_int64(w, 2);
  xw_array_end(w);
  xw_key(w, "dictionary");
  xw_dict_begin(w);
  xw_key(w, "k");
  xw_string(w, "v");
  xw_dict_end(w);
  xw_key(w, "error");
  xw_error(w, "Peer Forbidden");
  xw_key(w, "endpoint");
  xw_endpoint(w, "com.example.anon");
  xw_dict_end(w);
}
static int nesting;
static void b_nested(xw_writer *w) {
  for (int i = 0; i < nesting; i++) xw_array_begin(w);
  xw_string(w, "bottom");
  for (int i = 0; i < nesting; i++) xw_array_end(w);
}
static void b_nested_error(xw_writer *w) {
  for (int i = 0; i < nesting; i++) xw_array_begin(w);
  xw_error(w, "deep");
  for (int i = 0; i < nesting; i++) xw_array_end(w);
}

static void e_nul(xw_writer *w) { xw_string_n(w, "a\0b", 3); }
static void e_bad_byte(xw_writer *w) { xw_string(w, "\xff"); }
static void e_overlong(xw_writer *w) { xw_string(w, "\xc0\xaf"); }
static void e_surrogate(xw_writer *w) { xw_string(w, "\xed\xa0\x80"); }
static void e_truncated_seq(xw_writer *w) { xw_string(w, "ok\xe2\x9c"); }
static void e_bad_key(xw_writer *w) {
  xw_dict_begin(w);
  xw_key(w, "\xf5\x80\x80\x80");
  xw_null(w);
  xw_dict_end(w);
}
static void e_value_without_key(xw_writer *w) {
  xw_dict_begin(w);
  xw_null(w);
  xw_dict_end(w);
}
static void e_key_in_array(xw_writer *w) {
  xw_array_begin(w);
  xw_key(w, "k");
  xw_array_end(w);
}
static void e_key_without_value(xw_writer *w) {
  xw_dict_begin(w);
  xw_key(w, "k");
  xw_dict_end(w);
}
static void e_two_roots(xw_writer *w) {
  xw_null(w);
  xw_null(w);
}
static void e_unclosed(xw_writer *w) { xw_array_begin(w); }
static void e_unbalanced(xw_writer *w) {
  xw_array_begin(w);
  xw_dict_end(w);
}
static void e_no_root(xw_writer *w) { (void)w; }
static void e_four_items(xw_writer *w) {
  xw_array_begin(w);
  for (int i = 0; i < 4; i++) xw_int64(w, i);
  xw_array_end(w);
}
static void e_big_data(xw_writer *w) { xw_data(w, buf + 512, 100); }
static void e_null_string(xw_writer *w) { xw_string(w, NULL); }

static int from_hex(const char *line, uint8_t *out, size_t max) {
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  if (n % 2 != 0 || n / 2 > max) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(line + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (int)(n / 2);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "check-text") == 0) {
    static char line[8192];
    static uint8_t bytes[4096];
    while (fgets(line, sizeof line, stdin) != NULL) {
      int n = from_hex(line, bytes, sizeof bytes);
      if (n < 0) {
        printf("bad-input\n");
        continue;
      }
      printf("%d\n", xw_check_text((const char *)bytes, (size_t)n, NULL));
    }
    return 0;
  }

  emit("null", b_null);
  emit("bool_true", b_true);
  emit("bool_false", b_false);
  emit("int64_min", b_int64_min);
  emit("int64_neg5", b_int64_neg5);
  emit("int64_max", b_int64_max);
  emit("uint64_max", b_uint64_max);
  emit("uint64_zero", b_uint64_zero);
  emit("double_pi", b_double_pi);
  emit("double_neg0", b_double_neg0);
  emit("double_neg_inf", b_double_inf);
  emit("double_nan", b_double_nan);
  emit("date", b_date);
  emit("date_neg", b_date_neg);
  emit("data_empty", b_data_empty);
  emit("data_5", b_data_5);
  emit("data_8", b_data_8);
  emit("string_empty", b_string_empty);
  emit("string_abc", b_string_abc);
  emit("string_abcd", b_string_abcd);
  emit("string_utf8", b_string_utf8);
  emit("string_n", b_string_n);
  emit("uuid", b_uuid);
  emit("fd", b_fd);
  emit("shmem", b_shmem);
  emit("error_value", b_error);
  emit("endpoint", b_endpoint);
  emit("array_empty", b_array_empty);
  emit("array_mixed", b_array_mixed);
  emit("dict_empty", b_dict_empty);
  emit("dict_keys", b_dict_keys);
  emit("every_type", b_every_type);
  nesting = XW_MAX_DEPTH;
  emit("nested_max", b_nested);
  nesting = XW_MAX_DEPTH - 1;
  emit("nested_error_max", b_nested_error);

  {
    xw_writer w;
    xw_init_frame(&w, buf, sizeof buf);
    b_every_type(&w);
    size_t length = 0;
    xw_status status = xw_finish_frame(&w, XW_DEFAULT_MESSAGE_FLAGS | XW_FLAG_WANTING_REPLY, 0x0102030405060708ULL, &length);
    if (status != XW_OK) printf("frame_every_type FAILED %s\n", xw_status_name(status));
    else hex("frame_every_type", buf, length);
  }

  nesting = XW_MAX_DEPTH + 1;
  refuse("too_deep", b_nested, sizeof buf, 0);
  nesting = XW_MAX_DEPTH;
  refuse("too_deep_error", b_nested_error, sizeof buf, 0);
  refuse("no_space_data", e_big_data, 64, 0);
  refuse("no_space_header", b_null, 4, 0);
  refuse("no_space_nested", b_every_type, 100, 0);
  refuse("too_many", e_four_items, sizeof buf, 3);
  refuse("nul_in_string", e_nul, sizeof buf, 0);
  refuse("bad_byte", e_bad_byte, sizeof buf, 0);
  refuse("overlong", e_overlong, sizeof buf, 0);
  refuse("surrogate", e_surrogate, sizeof buf, 0);
  refuse("truncated_sequence", e_truncated_seq, sizeof buf, 0);
  refuse("bad_key", e_bad_key, sizeof buf, 0);
  refuse("value_without_key", e_value_without_key, sizeof buf, 0);
  refuse("key_in_array", e_key_in_array, sizeof buf, 0);
  refuse("key_without_value", e_key_without_value, sizeof buf, 0);
  refuse("two_roots", e_two_roots, sizeof buf, 0);
  refuse("unclosed", e_unclosed, sizeof buf, 0);
  refuse("unbalanced", e_unbalanced, sizeof buf, 0);
  refuse("no_root", e_no_root, sizeof buf, 0);
  refuse("null_string", e_null_string, sizeof buf, 0);
  return 0;
}
