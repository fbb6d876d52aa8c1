/*
 * XPC objects: the type table, reference counts, scalars, data and strings, arrays, ordered
 * dictionaries (error objects share the dictionary layout), copy, equality and hashing.
 */
#include "internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

const struct _xpc_type_s _xpc_type_null = {"null", XT_NULL};
const struct _xpc_type_s _xpc_type_bool = {"bool", XT_BOOL};
const struct _xpc_type_s _xpc_type_int64 = {"int64", XT_INT64};
const struct _xpc_type_s _xpc_type_uint64 = {"uint64", XT_UINT64};
const struct _xpc_type_s _xpc_type_double = {"double", XT_DOUBLE};
const struct _xpc_type_s _xpc_type_date = {"date", XT_DATE};
const struct _xpc_type_s _xpc_type_data = {"data", XT_DATA};
const struct _xpc_type_s _xpc_type_string = {"string", XT_STRING};
const struct _xpc_type_s _xpc_type_uuid = {"uuid", XT_UUID};
const struct _xpc_type_s _xpc_type_fd = {"fd", XT_FD};
const struct _xpc_type_s _xpc_type_shmem = {"shmem", XT_SHMEM};
const struct _xpc_type_s _xpc_type_array = {"array", XT_ARRAY};
const struct _xpc_type_s _xpc_type_dictionary = {"dictionary", XT_DICTIONARY};
const struct _xpc_type_s _xpc_type_error = {"error", XT_ERROR};
const struct _xpc_type_s _xpc_type_endpoint = {"endpoint", XT_ENDPOINT};
const struct _xpc_type_s _xpc_type_connection = {"connection", XT_CONNECTION};
const struct _xpc_type_s _xpc_type_session = {"session", XT_SESSION};
const struct _xpc_type_s _xpc_type_rich_error = {"rich_error", XT_RICH_ERROR};

const char *const _xpc_error_key_description = "XPCErrorDescription";
const char *const _xpc_event_key_name = "XPCEventName";

const struct _xpc_bool_s _xpc_bool_true = {{&_xpc_type_bool, 1, XO_IMMORTAL}, true};
const struct _xpc_bool_s _xpc_bool_false = {{&_xpc_type_bool, 1, XO_IMMORTAL}, false};
static const struct xobj null_object = {&_xpc_type_null, 1, XO_IMMORTAL};

/* The global error objects: immortal dictionaries of type error holding their description. */
#define GLOBAL_ERROR(name, text)                                                                                     \
  static const struct xpci_string name##_text = {{&_xpc_type_string, 1, XO_IMMORTAL}, sizeof(text) - 1, (char *)text}; \
  static const struct xpci_entry name##_entry[1] = {{(char *)"XPCErrorDescription", (xpc_object_t)&name##_text, 0}};  \
  const struct _xpc_dictionary_s name = {                                                                            \
      {&_xpc_type_error, 1, XO_IMMORTAL}, 1, 1, (struct xpci_entry *)name##_entry, NULL, 0, NULL, NULL, NULL};

GLOBAL_ERROR(_xpc_error_connection_invalid, "Connection invalid")
GLOBAL_ERROR(_xpc_error_connection_interrupted, "Connection interrupted")
GLOBAL_ERROR(_xpc_error_termination_imminent, "Termination imminent")
GLOBAL_ERROR(_xpc_error_peer_code_signing_requirement, "Peer Forbidden")

/* ---- logging and allocation ------------------------------------------------------------------ */

void xpci_log(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "xpc: %s\n", line);
  fflush(stderr);
}

char *xpci_strdup(const char *s) {
  char *copy = strdup(s ? s : "");
  if (copy == NULL) abort();
  return copy;
}

char *xpci_format(const char *fmt, ...) {
  char *out = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&out, fmt, ap);
  va_end(ap);
  if (n < 0) abort();
  return out;
}

void *xpci_alloc(const struct _xpc_type_s *type, size_t size) {
  struct xobj *o = calloc(1, size);
  if (o == NULL) abort();
  o->type = type;
  o->refs = 1;
  return o;
}

static bool is_type(xpc_object_t o, int code) {
  return o != NULL && XO_CODE(o) == code;
}

static bool is_dictlike(xpc_object_t o) {
  return o != NULL && (XO_CODE(o) == XT_DICTIONARY || XO_CODE(o) == XT_ERROR);
}

/* ---- reference counting --------------------------------------------------------------------- */

static void dealloc(struct xobj *o);

xpc_object_t xpci_retain(xpc_object_t o) {
  if (o == NULL || (XO(o)->flags & XO_IMMORTAL)) return o;
  __atomic_fetch_add(&XO(o)->refs, 1, __ATOMIC_RELAXED);
  return o;
}

void xpci_release(xpc_object_t o) {
  if (o == NULL || (XO(o)->flags & XO_IMMORTAL)) return;
  int left = __atomic_sub_fetch(&XO(o)->refs, 1, __ATOMIC_ACQ_REL);
  if (left > 0) return;
  if (left < 0) {
    xpci_log("xpc_release: over-release of a %s object %p", XO(o)->type->name, o);
    abort();
  }
  dealloc(XO(o));
}

xpc_object_t xpc_retain(xpc_object_t object) {
  return xpci_retain(object);
}

void xpc_release(xpc_object_t object) {
  xpci_release(object);
}

static void dict_free_contents(struct _xpc_dictionary_s *d) {
  for (size_t i = 0; i < d->count; i++) {
    free(d->entries[i].key);
    xpci_release(d->entries[i].value);
  }
  free(d->entries);
  free(d->index);
}

static void dealloc(struct xobj *o) {
  switch (o->type->code) {
    case XT_DATA:
      free(((struct xpci_data *)o)->bytes);
      break;
    case XT_STRING:
      free(((struct xpci_string *)o)->text);
      break;
    case XT_FD: {
      struct xpci_fd *f = (struct xpci_fd *)o;
      if (f->fd >= 0) close(f->fd);
      free(f->path);
      break;
    }
    case XT_ENDPOINT:
      free(((struct _xpc_endpoint_s *)o)->name);
      break;
    case XT_ARRAY: {
      struct xpci_array *a = (struct xpci_array *)o;
      for (size_t i = 0; i < a->count; i++) xpci_release(a->items[i]);
      free(a->items);
      break;
    }
    case XT_DICTIONARY:
    case XT_ERROR: {
      struct _xpc_dictionary_s *d = (struct _xpc_dictionary_s *)o;
      xpci_dict_dealloc_hook(d);
      dict_free_contents(d);
      break;
    }
    case XT_CONNECTION:
      xpci_connection_dealloc((struct _xpc_connection_s *)o);
      return;
    case XT_SESSION:
      xpci_session_dealloc((struct xpc_session_s *)o);
      return;
    case XT_RICH_ERROR:
      free(((struct _xpc_rich_error_s *)o)->description);
      break;
    default:
      break;
  }
  free(o);
}

xpc_type_t xpc_get_type(xpc_object_t object) {
  return object == NULL ? NULL : XO(object)->type;
}

const char *xpc_type_get_name(xpc_type_t type) {
  return type == NULL ? "(null)" : type->name;
}

/* ---- scalars -------------------------------------------------------------------------------- */

xpc_object_t xpc_null_create(void) {
  return (xpc_object_t)&null_object;
}

xpc_object_t xpc_bool_create(bool value) {
  return value ? (xpc_object_t)&_xpc_bool_true : (xpc_object_t)&_xpc_bool_false;
}

bool xpc_bool_get_value(xpc_object_t xbool) {
  return is_type(xbool, XT_BOOL) && ((struct _xpc_bool_s *)xbool)->value;
}

static xpc_object_t scalar_create(const struct _xpc_type_s *type) {
  return xpci_alloc(type, sizeof(struct xpci_scalar));
}

xpc_object_t xpc_int64_create(int64_t value) {
  struct xpci_scalar *s = scalar_create(&_xpc_type_int64);
  s->v.i = value;
  return s;
}

int64_t xpc_int64_get_value(xpc_object_t xint) {
  return is_type(xint, XT_INT64) ? ((struct xpci_scalar *)xint)->v.i : 0;
}

xpc_object_t xpc_uint64_create(uint64_t value) {
  struct xpci_scalar *s = scalar_create(&_xpc_type_uint64);
  s->v.u = value;
  return s;
}

uint64_t xpc_uint64_get_value(xpc_object_t xuint) {
  return is_type(xuint, XT_UINT64) ? ((struct xpci_scalar *)xuint)->v.u : 0;
}

xpc_object_t xpc_double_create(double value) {
  struct xpci_scalar *s = scalar_create(&_xpc_type_double);
  s->v.d = value;
  return s;
}

double xpc_double_get_value(xpc_object_t xdouble) {
  return is_type(xdouble, XT_DOUBLE) ? ((struct xpci_scalar *)xdouble)->v.d : 0.0;
}

xpc_object_t xpc_date_create(int64_t interval) {
  struct xpci_scalar *s = scalar_create(&_xpc_type_date);
  s->v.i = interval;
  return s;
}

xpc_object_t xpc_date_create_from_current(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return xpc_date_create((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int64_t xpc_date_get_value(xpc_object_t xdate) {
  return is_type(xdate, XT_DATE) ? ((struct xpci_scalar *)xdate)->v.i : 0;
}

/* ---- data and strings ------------------------------------------------------------------------ */

xpc_object_t xpci_data_take(uint8_t *bytes, size_t length) {
  struct xpci_data *d = xpci_alloc(&_xpc_type_data, sizeof *d);
  d->bytes = bytes;
  d->length = length;
  return d;
}

xpc_object_t xpc_data_create(const void *bytes, size_t length) {
  uint8_t *copy = NULL;
  if (length > 0) {
    copy = malloc(length);
    if (copy == NULL) abort();
    if (bytes != NULL) memcpy(copy, bytes, length);
    else memset(copy, 0, length);
  }
  return xpci_data_take(copy, length);
}

size_t xpc_data_get_length(xpc_object_t xdata) {
  return is_type(xdata, XT_DATA) ? ((struct xpci_data *)xdata)->length : 0;
}

const void *xpc_data_get_bytes_ptr(xpc_object_t xdata) {
  return is_type(xdata, XT_DATA) ? ((struct xpci_data *)xdata)->bytes : NULL;
}

size_t xpc_data_get_bytes(xpc_object_t xdata, void *buffer, size_t off, size_t length) {
  if (!is_type(xdata, XT_DATA)) return 0;
  struct xpci_data *d = xdata;
  if (off >= d->length) return 0;
  size_t n = d->length - off < length ? d->length - off : length;
  memcpy(buffer, d->bytes + off, n);
  return n;
}

xpc_object_t xpci_string_take(char *text, size_t length) {
  struct xpci_string *s = xpci_alloc(&_xpc_type_string, sizeof *s);
  s->text = text;
  s->length = length;
  return s;
}

xpc_object_t xpc_string_create(const char *string) {
  char *copy = xpci_strdup(string);
  return xpci_string_take(copy, strlen(copy));
}

xpc_object_t xpc_string_create_with_format_and_arguments(const char *fmt, va_list ap) {
  char *out = NULL;
  int n = vasprintf(&out, fmt, ap);
  if (n < 0) abort();
  return xpci_string_take(out, (size_t)n);
}

xpc_object_t xpc_string_create_with_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  xpc_object_t s = xpc_string_create_with_format_and_arguments(fmt, ap);
  va_end(ap);
  return s;
}

size_t xpc_string_get_length(xpc_object_t xstring) {
  return is_type(xstring, XT_STRING) ? ((struct xpci_string *)xstring)->length : 0;
}

const char *xpc_string_get_string_ptr(xpc_object_t xstring) {
  return is_type(xstring, XT_STRING) ? ((struct xpci_string *)xstring)->text : NULL;
}

xpc_object_t xpc_uuid_create(const uuid_t uuid) {
  struct xpci_uuid *u = xpci_alloc(&_xpc_type_uuid, sizeof *u);
  memcpy(u->bytes, uuid, 16);
  return u;
}

const uint8_t *xpc_uuid_get_bytes(xpc_object_t xuuid) {
  return is_type(xuuid, XT_UUID) ? ((struct xpci_uuid *)xuuid)->bytes : NULL;
}

/* ---- file descriptors, shared memory, endpoints ---------------------------------------------- */

xpc_object_t xpc_fd_create(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return NULL;
  char link[64];
  char path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", copy);
  ssize_t n = readlink(link, path, sizeof path - 1);
  path[n > 0 ? n : 0] = '\0';
  struct xpci_fd *f = xpci_alloc(&_xpc_type_fd, sizeof *f);
  f->fd = copy;
  f->path = xpci_strdup(path);
  return f;
}

xpc_object_t xpci_fd_from_path(const char *path) {
  struct xpci_fd *f = xpci_alloc(&_xpc_type_fd, sizeof *f);
  f->fd = -1;
  f->path = xpci_strdup(path);
  return f;
}

int xpc_fd_dup(xpc_object_t xfd) {
  if (!is_type(xfd, XT_FD)) return -1;
  struct xpci_fd *f = xfd;
  if (f->fd >= 0) return fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
  if (f->path[0] == '\0') return -1;
  return open(f->path, O_RDONLY | O_CLOEXEC);
}

xpc_object_t xpci_shmem_with_size(size_t size) {
  struct xpci_shmem *s = xpci_alloc(&_xpc_type_shmem, sizeof *s);
  s->size = size;
  return s;
}

xpc_object_t xpc_shmem_create(void *region, size_t length) {
  struct xpci_shmem *s = xpci_shmem_with_size(length);
  s->region = region;
  return s;
}

size_t xpc_shmem_map(xpc_object_t xshmem, void **region) {
  if (region != NULL) *region = NULL;
  if (!is_type(xshmem, XT_SHMEM)) return 0;
  struct xpci_shmem *s = xshmem;
  if (s->region == NULL) return 0;
  if (region != NULL) *region = s->region;
  return s->size;
}

xpc_object_t xpci_endpoint_create_named(const char *name) {
  struct _xpc_endpoint_s *e = xpci_alloc(&_xpc_type_endpoint, sizeof *e);
  e->name = xpci_strdup(name);
  return e;
}

/* ---- arrays --------------------------------------------------------------------------------- */

struct xpci_array *xpci_array_new(size_t capacity) {
  struct xpci_array *a = xpci_alloc(&_xpc_type_array, sizeof *a);
  if (capacity > 0) {
    a->items = malloc(capacity * sizeof *a->items);
    if (a->items == NULL) abort();
    a->capacity = capacity;
  }
  return a;
}

void xpci_array_push(struct xpci_array *a, xpc_object_t value) {
  if (a->count == a->capacity) {
    size_t capacity = a->capacity == 0 ? 4 : a->capacity * 2;
    xpc_object_t *items = realloc(a->items, capacity * sizeof *items);
    if (items == NULL) abort();
    a->items = items;
    a->capacity = capacity;
  }
  a->items[a->count++] = value;
}

xpc_object_t xpc_array_create(const xpc_object_t *objects, size_t count) {
  struct xpci_array *a = xpci_array_new(count);
  for (size_t i = 0; i < count; i++) xpci_array_push(a, xpci_retain(objects[i]));
  return a;
}

xpc_object_t xpc_array_create_empty(void) {
  return xpci_array_new(0);
}

static struct xpci_array *array_of(xpc_object_t o, const char *what) {
  if (is_type(o, XT_ARRAY)) return o;
  xpci_log("%s: not an array (%s)", what, o == NULL ? "NULL" : XO(o)->type->name);
  return NULL;
}

void xpc_array_set_value(xpc_object_t xarray, size_t index, xpc_object_t value) {
  struct xpci_array *a = array_of(xarray, "xpc_array_set_value");
  if (a == NULL || value == NULL) return;
  if (index == XPC_ARRAY_APPEND) {
    xpci_array_push(a, xpci_retain(value));
    return;
  }
  if (index >= a->count) {
    xpci_log("xpc_array_set_value: index %zu is outside the array of %zu", index, a->count);
    return;
  }
  xpc_object_t old = a->items[index];
  a->items[index] = xpci_retain(value);
  xpci_release(old);
}

void xpc_array_append_value(xpc_object_t xarray, xpc_object_t value) {
  xpc_array_set_value(xarray, XPC_ARRAY_APPEND, value);
}

size_t xpc_array_get_count(xpc_object_t xarray) {
  return is_type(xarray, XT_ARRAY) ? ((struct xpci_array *)xarray)->count : 0;
}

xpc_object_t xpc_array_get_value(xpc_object_t xarray, size_t index) {
  if (!is_type(xarray, XT_ARRAY)) return NULL;
  struct xpci_array *a = xarray;
  return index < a->count ? a->items[index] : NULL;
}

bool xpc_array_apply(xpc_object_t xarray, xpc_array_applier_t applier) {
  if (!is_type(xarray, XT_ARRAY)) return true;
  struct xpci_array *a = xarray;
  for (size_t i = 0; i < a->count; i++) {
    if (!applier(i, a->items[i])) return false;
  }
  return true;
}

static void array_set_owned(xpc_object_t xarray, size_t index, xpc_object_t value) {
  if (value == NULL) return;
  xpc_array_set_value(xarray, index, value);
  xpci_release(value);
}

void xpc_array_set_bool(xpc_object_t a, size_t i, bool v) { xpc_array_set_value(a, i, xpc_bool_create(v)); }
void xpc_array_set_int64(xpc_object_t a, size_t i, int64_t v) { array_set_owned(a, i, xpc_int64_create(v)); }
void xpc_array_set_uint64(xpc_object_t a, size_t i, uint64_t v) { array_set_owned(a, i, xpc_uint64_create(v)); }
void xpc_array_set_double(xpc_object_t a, size_t i, double v) { array_set_owned(a, i, xpc_double_create(v)); }
void xpc_array_set_date(xpc_object_t a, size_t i, int64_t v) { array_set_owned(a, i, xpc_date_create(v)); }
void xpc_array_set_data(xpc_object_t a, size_t i, const void *b, size_t n) { array_set_owned(a, i, xpc_data_create(b, n)); }
void xpc_array_set_string(xpc_object_t a, size_t i, const char *s) { array_set_owned(a, i, xpc_string_create(s)); }
void xpc_array_set_uuid(xpc_object_t a, size_t i, const uuid_t u) { array_set_owned(a, i, xpc_uuid_create(u)); }
void xpc_array_set_fd(xpc_object_t a, size_t i, int fd) { array_set_owned(a, i, xpc_fd_create(fd)); }

bool xpc_array_get_bool(xpc_object_t a, size_t i) { return xpc_bool_get_value(xpc_array_get_value(a, i)); }
int64_t xpc_array_get_int64(xpc_object_t a, size_t i) { return xpc_int64_get_value(xpc_array_get_value(a, i)); }
uint64_t xpc_array_get_uint64(xpc_object_t a, size_t i) { return xpc_uint64_get_value(xpc_array_get_value(a, i)); }
double xpc_array_get_double(xpc_object_t a, size_t i) { return xpc_double_get_value(xpc_array_get_value(a, i)); }
int64_t xpc_array_get_date(xpc_object_t a, size_t i) { return xpc_date_get_value(xpc_array_get_value(a, i)); }
const char *xpc_array_get_string(xpc_object_t a, size_t i) { return xpc_string_get_string_ptr(xpc_array_get_value(a, i)); }
const uint8_t *xpc_array_get_uuid(xpc_object_t a, size_t i) { return xpc_uuid_get_bytes(xpc_array_get_value(a, i)); }
int xpc_array_dup_fd(xpc_object_t a, size_t i) { return xpc_fd_dup(xpc_array_get_value(a, i)); }

const void *xpc_array_get_data(xpc_object_t a, size_t i, size_t *length) {
  xpc_object_t v = xpc_array_get_value(a, i);
  if (length) *length = xpc_data_get_length(v);
  return xpc_data_get_bytes_ptr(v);
}

xpc_object_t xpc_array_get_dictionary(xpc_object_t a, size_t i) {
  xpc_object_t v = xpc_array_get_value(a, i);
  return is_type(v, XT_DICTIONARY) ? v : NULL;
}

xpc_object_t xpc_array_get_array(xpc_object_t a, size_t i) {
  xpc_object_t v = xpc_array_get_value(a, i);
  return is_type(v, XT_ARRAY) ? v : NULL;
}

/* ---- dictionaries ----------------------------------------------------------------------------- */

/* Seeded, so a peer cannot choose keys that all collide. */
static uint32_t hash_seed;
static pthread_once_t hash_seed_once = PTHREAD_ONCE_INIT;

static void init_hash_seed(void) {
  uint32_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) seed = (uint32_t)(xpci_now_ns() ^ (uint64_t)getpid());
  hash_seed = seed | 1u;
}

static uint32_t key_hash(const char *key) {
  pthread_once(&hash_seed_once, init_hash_seed);
  uint32_t h = 0x811c9dc5u ^ hash_seed;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 0x01000193u;
  return h;
}

/* Dictionaries up to this size are searched linearly. */
#define DICT_INDEX_MIN 9

static void dict_reindex(struct _xpc_dictionary_s *d) {
  free(d->index);
  d->index = NULL;
  d->index_size = 0;
  if (d->count < DICT_INDEX_MIN) return;
  size_t size = 16;
  while (size < d->count * 2) size *= 2;
  d->index = calloc(size, sizeof *d->index);
  if (d->index == NULL) abort();
  d->index_size = size;
  for (size_t i = 0; i < d->count; i++) {
    size_t slot = d->entries[i].hash & (size - 1);
    while (d->index[slot] != 0) slot = (slot + 1) & (size - 1);
    d->index[slot] = (uint32_t)(i + 1);
  }
}

static long dict_find(const struct _xpc_dictionary_s *d, const char *key, uint32_t hash) {
  if (d->index == NULL) {
    for (size_t i = 0; i < d->count; i++)
      if (strcmp(d->entries[i].key, key) == 0) return (long)i;
    return -1;
  }
  size_t mask = d->index_size - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t at = d->index[slot];
    if (at == 0) return -1;
    const struct xpci_entry *e = &d->entries[at - 1];
    if (e->hash == hash && strcmp(e->key, key) == 0) return (long)(at - 1);
  }
}

struct _xpc_dictionary_s *xpci_dict_new(void) {
  return xpci_alloc(&_xpc_type_dictionary, sizeof(struct _xpc_dictionary_s));
}

static void dict_append(struct _xpc_dictionary_s *d, char *key, uint32_t hash, xpc_object_t value) {
  if (d->count == d->capacity) {
    size_t capacity = d->capacity == 0 ? 8 : d->capacity * 2;
    struct xpci_entry *entries = realloc(d->entries, capacity * sizeof *entries);
    if (entries == NULL) abort();
    d->entries = entries;
    d->capacity = capacity;
  }
  d->entries[d->count++] = (struct xpci_entry){key, value, hash};
  if (d->index == NULL) {
    if (d->count >= DICT_INDEX_MIN) dict_reindex(d);
  } else if (d->count * 2 > d->index_size) {
    dict_reindex(d);
  } else {
    size_t mask = d->index_size - 1;
    size_t slot = hash & mask;
    while (d->index[slot] != 0) slot = (slot + 1) & mask;
    d->index[slot] = (uint32_t)d->count;
  }
}

int xpci_dict_add_new(struct _xpc_dictionary_s *d, char *key, size_t key_length, xpc_object_t value) {
  (void)key_length;
  uint32_t hash = key_hash(key);
  if (dict_find(d, key, hash) >= 0) return 0;
  dict_append(d, key, hash, value);
  return 1;
}

xpc_object_t xpci_dict_get(xpc_object_t o, const char *key) {
  if (!is_dictlike(o) || key == NULL) return NULL;
  struct _xpc_dictionary_s *d = o;
  long at = dict_find(d, key, d->index ? key_hash(key) : 0);
  return at < 0 ? NULL : d->entries[at].value;
}

void xpci_dict_set(xpc_object_t o, const char *key, xpc_object_t value) {
  struct _xpc_dictionary_s *d = o;
  uint32_t hash = key_hash(key);
  long at = dict_find(d, key, hash);
  if (value == NULL) {
    if (at < 0) return;
    struct xpci_entry removed = d->entries[at];
    memmove(&d->entries[at], &d->entries[at + 1], (d->count - (size_t)at - 1) * sizeof *d->entries);
    d->count--;
    if (d->index != NULL) dict_reindex(d);
    free(removed.key);
    xpci_release(removed.value);
    return;
  }
  xpci_retain(value);
  if (at >= 0) {
    xpc_object_t old = d->entries[at].value;
    d->entries[at].value = value;
    xpci_release(old);
    return;
  }
  dict_append(d, xpci_strdup(key), hash, value);
}

xpc_object_t xpc_dictionary_create(const char *const *keys, const xpc_object_t *values, size_t count) {
  struct _xpc_dictionary_s *d = xpci_dict_new();
  for (size_t i = 0; i < count; i++)
    if (keys[i] != NULL && values[i] != NULL) xpci_dict_set(d, keys[i], values[i]);
  return d;
}

xpc_object_t xpc_dictionary_create_empty(void) {
  return xpci_dict_new();
}

void xpc_dictionary_set_value(xpc_object_t xdict, const char *key, xpc_object_t value) {
  if (!is_type(xdict, XT_DICTIONARY) || key == NULL) {
    xpci_log("xpc_dictionary_set_value: not a dictionary (%s)", xdict == NULL ? "NULL" : XO(xdict)->type->name);
    return;
  }
  if (value == xdict) {
    xpci_log("xpc_dictionary_set_value: a dictionary cannot contain itself");
    return;
  }
  xpci_dict_set(xdict, key, value);
}

xpc_object_t xpc_dictionary_get_value(xpc_object_t xdict, const char *key) {
  return xpci_dict_get(xdict, key);
}

size_t xpc_dictionary_get_count(xpc_object_t xdict) {
  return is_dictlike(xdict) ? ((struct _xpc_dictionary_s *)xdict)->count : 0;
}

bool xpc_dictionary_apply(xpc_object_t xdict, xpc_dictionary_applier_t applier) {
  if (!is_dictlike(xdict)) return true;
  struct _xpc_dictionary_s *d = xdict;
  for (size_t i = 0; i < d->count; i++) {
    if (!applier(d->entries[i].key, d->entries[i].value)) return false;
  }
  return true;
}

static void dict_set_owned(xpc_object_t d, const char *key, xpc_object_t value) {
  if (value == NULL) return;
  xpc_dictionary_set_value(d, key, value);
  xpci_release(value);
}

void xpc_dictionary_set_bool(xpc_object_t d, const char *k, bool v) { xpc_dictionary_set_value(d, k, xpc_bool_create(v)); }
void xpc_dictionary_set_int64(xpc_object_t d, const char *k, int64_t v) { dict_set_owned(d, k, xpc_int64_create(v)); }
void xpc_dictionary_set_uint64(xpc_object_t d, const char *k, uint64_t v) { dict_set_owned(d, k, xpc_uint64_create(v)); }
void xpc_dictionary_set_double(xpc_object_t d, const char *k, double v) { dict_set_owned(d, k, xpc_double_create(v)); }
void xpc_dictionary_set_date(xpc_object_t d, const char *k, int64_t v) { dict_set_owned(d, k, xpc_date_create(v)); }
void xpc_dictionary_set_data(xpc_object_t d, const char *k, const void *b, size_t n) { dict_set_owned(d, k, xpc_data_create(b, n)); }
void xpc_dictionary_set_string(xpc_object_t d, const char *k, const char *s) { dict_set_owned(d, k, xpc_string_create(s)); }
void xpc_dictionary_set_uuid(xpc_object_t d, const char *k, const uuid_t u) { dict_set_owned(d, k, xpc_uuid_create(u)); }
void xpc_dictionary_set_fd(xpc_object_t d, const char *k, int fd) { dict_set_owned(d, k, xpc_fd_create(fd)); }

bool xpc_dictionary_get_bool(xpc_object_t d, const char *k) { return xpc_bool_get_value(xpci_dict_get(d, k)); }
int64_t xpc_dictionary_get_int64(xpc_object_t d, const char *k) { return xpc_int64_get_value(xpci_dict_get(d, k)); }
uint64_t xpc_dictionary_get_uint64(xpc_object_t d, const char *k) { return xpc_uint64_get_value(xpci_dict_get(d, k)); }
double xpc_dictionary_get_double(xpc_object_t d, const char *k) { return xpc_double_get_value(xpci_dict_get(d, k)); }
int64_t xpc_dictionary_get_date(xpc_object_t d, const char *k) { return xpc_date_get_value(xpci_dict_get(d, k)); }
const char *xpc_dictionary_get_string(xpc_object_t d, const char *k) { return xpc_string_get_string_ptr(xpci_dict_get(d, k)); }
const uint8_t *xpc_dictionary_get_uuid(xpc_object_t d, const char *k) { return xpc_uuid_get_bytes(xpci_dict_get(d, k)); }
int xpc_dictionary_dup_fd(xpc_object_t d, const char *k) { return xpc_fd_dup(xpci_dict_get(d, k)); }

const void *xpc_dictionary_get_data(xpc_object_t d, const char *k, size_t *length) {
  xpc_object_t v = xpci_dict_get(d, k);
  if (length) *length = xpc_data_get_length(v);
  return xpc_data_get_bytes_ptr(v);
}

xpc_object_t xpc_dictionary_get_dictionary(xpc_object_t d, const char *k) {
  xpc_object_t v = xpci_dict_get(d, k);
  return is_type(v, XT_DICTIONARY) ? v : NULL;
}

xpc_object_t xpc_dictionary_get_array(xpc_object_t d, const char *k) {
  xpc_object_t v = xpci_dict_get(d, k);
  return is_type(v, XT_ARRAY) ? v : NULL;
}

/* ---- errors --------------------------------------------------------------------------------- */

xpc_object_t xpci_error_create(const char *description) {
  struct _xpc_dictionary_s *d = xpci_alloc(&_xpc_type_error, sizeof *d);
  xpc_object_t text = xpc_string_create(description);
  xpci_dict_set(d, XPC_ERROR_KEY_DESCRIPTION, text);
  xpci_release(text);
  return d;
}

const char *xpci_error_description(xpc_object_t error) {
  const char *text = xpc_string_get_string_ptr(xpci_dict_get(error, XPC_ERROR_KEY_DESCRIPTION));
  return text ? text : "";
}

/* The global error object with this description (the broker names errors by description). */
xpc_object_t xpci_error_by_name(const char *description) {
  const struct _xpc_dictionary_s *known[] = {&_xpc_error_connection_invalid, &_xpc_error_connection_interrupted,
                                             &_xpc_error_termination_imminent, &_xpc_error_peer_code_signing_requirement};
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (strcmp(xpci_error_description((xpc_object_t)known[i]), description) == 0) return (xpc_object_t)known[i];
  return NULL;
}

/* ---- copy, equality, hashing ------------------------------------------------------------------ */

xpc_object_t xpci_copy(xpc_object_t o) {
  if (o == NULL) return NULL;
  switch (XO_CODE(o)) {
    case XT_ARRAY: {
      struct xpci_array *a = o;
      struct xpci_array *c = xpci_array_new(a->count);
      for (size_t i = 0; i < a->count; i++) xpci_array_push(c, xpci_copy(a->items[i]));
      return c;
    }
    case XT_DICTIONARY: {
      struct _xpc_dictionary_s *d = o;
      struct _xpc_dictionary_s *c = xpci_dict_new();
      for (size_t i = 0; i < d->count; i++) dict_append(c, xpci_strdup(d->entries[i].key), d->entries[i].hash, xpci_copy(d->entries[i].value));
      return c;
    }
    case XT_CONNECTION:
    case XT_SESSION:
    case XT_RICH_ERROR:
      return NULL;
    default:
      /* Every other type is immutable: the copy can be the object itself. */
      return xpci_retain(o);
  }
}

xpc_object_t xpc_copy(xpc_object_t object) {
  return xpci_copy(object);
}

bool xpc_equal(xpc_object_t a, xpc_object_t b) {
  if (a == b) return true;
  if (a == NULL || b == NULL || XO(a)->type != XO(b)->type) return false;
  switch (XO_CODE(a)) {
    case XT_NULL:
      return true;
    case XT_BOOL:
      return ((struct _xpc_bool_s *)a)->value == ((struct _xpc_bool_s *)b)->value;
    case XT_INT64:
    case XT_DATE:
      return ((struct xpci_scalar *)a)->v.i == ((struct xpci_scalar *)b)->v.i;
    case XT_UINT64:
      return ((struct xpci_scalar *)a)->v.u == ((struct xpci_scalar *)b)->v.u;
    case XT_DOUBLE:
      return ((struct xpci_scalar *)a)->v.d == ((struct xpci_scalar *)b)->v.d;
    case XT_DATA: {
      struct xpci_data *x = a, *y = b;
      return x->length == y->length && (x->length == 0 || memcmp(x->bytes, y->bytes, x->length) == 0);
    }
    case XT_STRING:
      return strcmp(((struct xpci_string *)a)->text, ((struct xpci_string *)b)->text) == 0;
    case XT_UUID:
      return memcmp(((struct xpci_uuid *)a)->bytes, ((struct xpci_uuid *)b)->bytes, 16) == 0;
    case XT_FD:
      return strcmp(((struct xpci_fd *)a)->path, ((struct xpci_fd *)b)->path) == 0;
    case XT_SHMEM:
      return ((struct xpci_shmem *)a)->size == ((struct xpci_shmem *)b)->size;
    case XT_ENDPOINT:
      return strcmp(((struct _xpc_endpoint_s *)a)->name, ((struct _xpc_endpoint_s *)b)->name) == 0;
    case XT_ARRAY: {
      struct xpci_array *x = a, *y = b;
      if (x->count != y->count) return false;
      for (size_t i = 0; i < x->count; i++)
        if (!xpc_equal(x->items[i], y->items[i])) return false;
      return true;
    }
    case XT_DICTIONARY:
    case XT_ERROR: {
      struct _xpc_dictionary_s *x = a, *y = b;
      if (x->count != y->count) return false;
      for (size_t i = 0; i < x->count; i++) {
        xpc_object_t other = xpci_dict_get(y, x->entries[i].key);
        if (other == NULL || !xpc_equal(x->entries[i].value, other)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

static size_t hash_bytes(const void *bytes, size_t length, size_t h) {
  const unsigned char *p = bytes;
  for (size_t i = 0; i < length; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

size_t xpc_hash(xpc_object_t o) {
  if (o == NULL) return 0;
  size_t h = 0xcbf29ce484222325ull ^ (size_t)XO_CODE(o);
  switch (XO_CODE(o)) {
    case XT_BOOL:
      return h ^ (((struct _xpc_bool_s *)o)->value ? 1 : 2);
    case XT_INT64:
    case XT_DATE:
    case XT_UINT64:
      return hash_bytes(&((struct xpci_scalar *)o)->v.u, 8, h);
    case XT_DOUBLE: {
      double d = ((struct xpci_scalar *)o)->v.d;
      if (d == 0) d = 0; /* -0 == 0, so they hash alike */
      return hash_bytes(&d, sizeof d, h);
    }
    case XT_DATA:
      return hash_bytes(((struct xpci_data *)o)->bytes, ((struct xpci_data *)o)->length, h);
    case XT_STRING:
      return hash_bytes(((struct xpci_string *)o)->text, ((struct xpci_string *)o)->length, h);
    case XT_UUID:
      return hash_bytes(((struct xpci_uuid *)o)->bytes, 16, h);
    case XT_FD:
      return hash_bytes(((struct xpci_fd *)o)->path, strlen(((struct xpci_fd *)o)->path), h);
    case XT_SHMEM:
      return hash_bytes(&((struct xpci_shmem *)o)->size, sizeof(size_t), h);
    case XT_ENDPOINT:
      return hash_bytes(((struct _xpc_endpoint_s *)o)->name, strlen(((struct _xpc_endpoint_s *)o)->name), h);
    case XT_ARRAY: {
      struct xpci_array *a = o;
      for (size_t i = 0; i < a->count; i++) h = (h * 31) ^ xpc_hash(a->items[i]);
      return h;
    }
    case XT_DICTIONARY:
    case XT_ERROR: {
      /* Order-insensitive, like xpc_equal. */
      struct _xpc_dictionary_s *d = o;
      size_t sum = 0;
      for (size_t i = 0; i < d->count; i++) {
        const char *key = d->entries[i].key;
        sum += hash_bytes(key, strlen(key), 0x84222325u) * 31 + xpc_hash(d->entries[i].value);
      }
      return h ^ sum;
    }
    case XT_NULL:
      return h;
    default:
      return (size_t)o;
  }
}
