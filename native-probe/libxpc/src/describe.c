/*
 * xpc_copy_description: libxpc's description text, in the one regular form app/xpc/describe.ts
 * prints (its grammar is the reference): quoted and escaped strings and keys, dates in UTC to the
 * second, doubles as "%f" when that reads back exactly and otherwise in the shortest round-trip
 * form as JavaScript prints it, the first 24 data bytes. Addresses are the objects' own.
 */
#include "internal.h"

#include <math.h>

struct sbuf {
  char *text;
  size_t length;
  size_t capacity;
};

static void sb_grow(struct sbuf *b, size_t more) {
  if (b->length + more + 1 <= b->capacity) return;
  size_t capacity = b->capacity == 0 ? 256 : b->capacity;
  while (b->length + more + 1 > capacity) capacity *= 2;
  char *text = realloc(b->text, capacity);
  if (text == NULL) abort();
  b->text = text;
  b->capacity = capacity;
}

static void sb_put(struct sbuf *b, const char *s, size_t n) {
  sb_grow(b, n);
  memcpy(b->text + b->length, s, n);
  b->length += n;
  b->text[b->length] = '\0';
}

static void sb_str(struct sbuf *b, const char *s) {
  sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    sb_put(b, small, (size_t)n);
    return;
  }
  sb_grow(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->text + b->length, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->length += (size_t)n;
}

static void sb_indent(struct sbuf *b, int depth) {
  for (int i = 0; i < depth; i++) sb_put(b, "\t", 1);
}

/* \ " newline CR tab escaped; other C0 controls and DEL as \uXXXX; everything else as is. */
static void sb_escaped(struct sbuf *b, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    unsigned char c = *p;
    if (c == '\\') sb_str(b, "\\\\");
    else if (c == '"') sb_str(b, "\\\"");
    else if (c == '\n') sb_str(b, "\\n");
    else if (c == '\r') sb_str(b, "\\r");
    else if (c == '\t') sb_str(b, "\\t");
    else if (c < 0x20 || c == 0x7f) sb_printf(b, "\\u%04X", c);
    else sb_put(b, (const char *)p, 1);
  }
}

static void sb_quoted(struct sbuf *b, const char *text) {
  sb_put(b, "\"", 1);
  sb_escaped(b, text);
  sb_put(b, "\"", 1);
}

/* JavaScript's Number.prototype.toString for a finite, non-zero double. */
static void format_js_number(struct sbuf *b, double v) {
  char buf[64];
  int precision = 1;
  for (; precision <= 17; precision++) {
    snprintf(buf, sizeof buf, "%.*e", precision - 1, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* buf: [-]d[.ddd]e±XX */
  const char *p = buf;
  bool negative = *p == '-';
  if (negative) p++;
  char digits[32];
  int k = 0;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[k++] = *p;
  while (k > 1 && digits[k - 1] == '0') k--;
  digits[k] = '\0';
  int n = atoi(p + 1) + 1;
  if (negative) sb_put(b, "-", 1);
  if (k <= n && n <= 21) {
    sb_str(b, digits);
    for (int i = k; i < n; i++) sb_put(b, "0", 1);
  } else if (0 < n && n <= 21) {
    sb_put(b, digits, (size_t)n);
    sb_put(b, ".", 1);
    sb_str(b, digits + n);
  } else if (-6 < n && n <= 0) {
    sb_str(b, "0.");
    for (int i = 0; i < -n; i++) sb_put(b, "0", 1);
    sb_str(b, digits);
  } else {
    sb_put(b, digits, 1);
    if (k > 1) {
      sb_put(b, ".", 1);
      sb_str(b, digits + 1);
    }
    sb_printf(b, "e%c%d", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
  }
}

static void format_double(struct sbuf *b, double v) {
  if (isnan(v)) {
    sb_str(b, "nan");
    return;
  }
  if (isinf(v)) {
    sb_str(b, v > 0 ? "inf" : "-inf");
    return;
  }
  if (v == 0) {
    sb_str(b, signbit(v) ? "-0.000000" : "0.000000");
    return;
  }
  if (fabs(v) < 1e21) {
    char fixed[64];
    snprintf(fixed, sizeof fixed, "%.6f", v);
    if (strtod(fixed, NULL) == v) {
      sb_str(b, fixed);
      return;
    }
  }
  format_js_number(b, v);
}

/* ctime-like, in UTC: "Sun Nov 22 20:56:41 2026 UTC (approx)" (floor division: dates before 1970 too). */
static void format_date(struct sbuf *b, int64_t ns) {
  static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t seconds = ns / 1000000000;
  if (ns % 1000000000 < 0) seconds -= 1;
  int64_t days = seconds / 86400;
  if (seconds % 86400 < 0) days -= 1;
  int64_t second_of_day = seconds - days * 86400;
  int weekday = (int)(((days + 4) % 7 + 7) % 7);
  /* H. Hinnant's civil_from_days. */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  sb_printf(b, "%s %s %02d %02d:%02d:%02d %" PRId64 " UTC (approx)", weekdays[weekday], months[month - 1], (int)day,
            (int)(second_of_day / 3600), (int)(second_of_day % 3600 / 60), (int)(second_of_day % 60), year);
}

static void describe(struct sbuf *b, xpc_object_t o, int depth);

static void describe_string(struct sbuf *b, struct xpci_string *s) {
  sb_printf(b, "<string: %p> { length = %zu, contents = ", (void *)s, s->length);
  sb_quoted(b, s->text);
  sb_str(b, " }");
}

static void describe(struct sbuf *b, xpc_object_t o, int depth) {
  if (o == NULL) {
    sb_str(b, "(null)");
    return;
  }
  const char *name = XO(o)->type->name;
  switch (XO_CODE(o)) {
    case XT_DICTIONARY:
    case XT_ERROR: {
      struct _xpc_dictionary_s *d = o;
      sb_printf(b, "<%s: %p> { count = %zu, transaction: 0, voucher = 0x0, contents =\n", name, o, d->count);
      for (size_t i = 0; i < d->count; i++) {
        sb_indent(b, depth + 1);
        sb_quoted(b, d->entries[i].key);
        sb_str(b, " => ");
        describe(b, d->entries[i].value, depth + 1);
        sb_put(b, "\n", 1);
      }
      sb_indent(b, depth);
      sb_put(b, "}", 1);
      return;
    }
    case XT_ARRAY: {
      struct xpci_array *a = o;
      size_t capacity = a->count == 0 ? 0 : 1;
      while (capacity < a->count) capacity *= 2;
      sb_printf(b, "<array: %p> { count = %zu, capacity = %zu, contents =\n", o, a->count, capacity);
      for (size_t i = 0; i < a->count; i++) {
        sb_indent(b, depth + 1);
        sb_printf(b, "%zu: ", i);
        describe(b, a->items[i], depth + 1);
        sb_put(b, "\n", 1);
      }
      sb_indent(b, depth);
      sb_put(b, "}", 1);
      return;
    }
    case XT_NULL:
      sb_printf(b, "<null: %p>: null", o);
      return;
    case XT_BOOL:
      sb_printf(b, "<bool: %p>: %s", o, ((struct _xpc_bool_s *)o)->value ? "true" : "false");
      return;
    case XT_INT64:
      sb_printf(b, "<int64: %p>: %" PRId64, o, ((struct xpci_scalar *)o)->v.i);
      return;
    case XT_UINT64:
      sb_printf(b, "<uint64: %p>: %" PRIu64, o, ((struct xpci_scalar *)o)->v.u);
      return;
    case XT_DOUBLE:
      sb_printf(b, "<double: %p>: ", o);
      format_double(b, ((struct xpci_scalar *)o)->v.d);
      return;
    case XT_DATE:
      sb_printf(b, "<date: %p> ", o);
      format_date(b, ((struct xpci_scalar *)o)->v.i);
      return;
    case XT_DATA: {
      struct xpci_data *d = o;
      sb_printf(b, "<data: %p>: { length = %zu bytes, contents = ", o, d->length);
      if (d->length == 0) {
        sb_str(b, "(nil)");
      } else {
        size_t shown = d->length < 24 ? d->length : 24;
        sb_str(b, "0x");
        for (size_t i = 0; i < shown; i++) sb_printf(b, "%02x", d->bytes[i]);
        if (shown < d->length) sb_str(b, "...");
      }
      sb_str(b, " }");
      return;
    }
    case XT_STRING:
      describe_string(b, o);
      return;
    case XT_UUID: {
      const uint8_t *u = ((struct xpci_uuid *)o)->bytes;
      sb_printf(b, "<uuid: %p> %02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", o, u[0], u[1], u[2], u[3], u[4], u[5],
                u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
      return;
    }
    case XT_FD:
      sb_printf(b, "<fd: %p> { type = file, path = ", o);
      sb_escaped(b, ((struct xpci_fd *)o)->path);
      sb_str(b, " }");
      return;
    case XT_SHMEM: {
      size_t size = ((struct xpci_shmem *)o)->size;
      size_t pages = size / 16384 + (size % 16384 != 0);
      sb_printf(b, "<shmem: %p>: %zu bytes (%zu %s)", o, size, pages, pages == 1 ? "page" : "pages");
      return;
    }
    case XT_ENDPOINT:
      sb_printf(b, "<endpoint: %p> { name = ", o);
      sb_quoted(b, ((struct _xpc_endpoint_s *)o)->name);
      sb_str(b, " }");
      return;
    case XT_CONNECTION: {
      char *text = xpci_connection_describe(o);
      sb_str(b, text);
      free(text);
      return;
    }
    case XT_SESSION: {
      char *text = xpci_session_describe(o);
      sb_str(b, text);
      free(text);
      return;
    }
    case XT_RICH_ERROR: {
      struct _xpc_rich_error_s *e = o;
      sb_printf(b, "<rich_error: %p> { can_retry = %s, description = ", o, e->can_retry ? "true" : "false");
      sb_quoted(b, e->description);
      sb_str(b, " }");
      return;
    }
    default:
      sb_printf(b, "<%s: %p>", name, o);
  }
}

char *xpci_copy_description(xpc_object_t o) {
  struct sbuf b = {0};
  describe(&b, o, 0);
  if (b.text == NULL) return xpci_strdup("");
  return b.text;
}

char *xpc_copy_description(xpc_object_t object) {
  return xpci_copy_description(object);
}
