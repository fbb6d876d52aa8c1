/*
 * libxpc for Linux, built as one translation unit (plus the probe's encoder, src/xpc_wire.c): with -fvisibility=hidden only the public API
 * (declared with default visibility in include/) is exported, and every call the library makes
 * to its own functions binds inside the library (see internal.h).
 */
#include "internal.h"

#include "object.c"
#include "describe.c"
#include "decode.c"
#include "encode.c"
#include "dispatch.c"
#include "runtime.c"
#include "connection.c"
#include "session.c"
