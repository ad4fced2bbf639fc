/* Status codes, error messages and version: shared by every part of the API. */
#ifndef COMPLEXITY_COMMON_H
#define COMPLEXITY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of these headers (SQLite's scheme): CX_VERSION_NUMBER is
 * MAJOR * 1000000 + MINOR * 1000 + PATCH; cx_version_number() is the library's.
 * A host checks both agree (docs/API.md: what may change between versions). */
#define CX_VERSION_MAJOR 0
#define CX_VERSION_MINOR 6
#define CX_VERSION_PATCH 0
#define CX_VERSION_STRING "0.6.0"
#define CX_VERSION_NUMBER (CX_VERSION_MAJOR * 1000000 + CX_VERSION_MINOR * 1000 + CX_VERSION_PATCH)

/* Marks the public API. The library is built with -fvisibility=hidden, so
 * this attribute is what makes a symbol visible from libcomplexity.so: what
 * lacks it is internal, whatever its name. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define CX_API __attribute__((visibility("default")))
#else
#define CX_API
#endif

#if defined(__GNUC__)
#define CX_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CX_PRINTF(fmt, args)
#endif

typedef enum cx_status {
    CX_OK = 0,
    CX_ERR_IO = -1,          /* a file could not be opened, read or written */
    CX_ERR_FORMAT = -2,      /* input data is malformed (names file/line/field) */
    CX_ERR_INVALID = -3,     /* an argument or option value is not acceptable */
    CX_ERR_NOMEM = -4,       /* allocation failed or a size would overflow */
    CX_ERR_UNSUPPORTED = -5, /* valid input that this build does not handle */
    CX_ERR_NOT_FOUND = -6,   /* a named file, tensor or key does not exist */
    CX_ERR_INTERNAL = -7     /* a bug: should never happen */
} cx_status;

/* An error with its message. Embed it on the stack; no cleanup needed. */
#define CX_ERRMSG_MAX 512
typedef struct cx_error {
    int code;                 /* a cx_status */
    char msg[CX_ERRMSG_MAX];  /* NUL-terminated, "" when code == CX_OK */
} cx_error;

/* Frees what the library returned for the caller to free (the strings of
 * the *_to_json functions, ...). The library allocates with malloc, so free()
 * does the same in C; a host whose free() may not be the library's (an FFI,
 * another C runtime) calls this one. NULL is ignored. */
CX_API void cx_free(void *p);

/* A static, human-readable name of a status code ("I/O error", ...). */
CX_API const char *cx_strerror(int code);

/* The library's version: "0.6.0" (static string) and CX_VERSION_NUMBER's value
 * when it was built. */
CX_API const char *cx_version(void);
CX_API int cx_version_number(void);
/* The kernels that run on this machine (static string): the fp32 GEMM
 * library and its core type (switched to the best one this CPU runs when
 * OpenBLAS does not know the CPU; CX_BLAS_CORE=keep leaves it), and the INT8
 * GEMM kernel. */
CX_API const char *cx_backend_info(void);
/* The OPENBLAS_CORETYPE value a host should set before OpenBLAS loads so that
 * it runs its best kernels for this CPU from the start (static string), or
 * NULL when OpenBLAS's own choice should stand (the user set
 * OPENBLAS_CORETYPE, CX_BLAS_CORE=keep, not x86-64). Touches no OpenBLAS
 * state. Without it the library switches the core type at its first fp32
 * GEMM, which is safe only while no other thread is inside OpenBLAS; the CLI
 * sets the variable and runs itself again instead. */
CX_API const char *cx_blas_preferred_core(void);

/* Sets err (if non-NULL) to code + printf-style message and returns code, so a
 * failing path reads `return cx_error_set(err, CX_ERR_IO, ...)`. Hosts that
 * report through a cx_error of their own may use it too. */
CX_API int cx_error_set(cx_error *err, int code, const char *fmt, ...) CX_PRINTF(3, 4);
/* Prepends "prefix: " to an existing message (e.g. a file name); returns the code. */
CX_API int cx_error_prefix(cx_error *err, const char *fmt, ...) CX_PRINTF(2, 3);
/* Back to CX_OK and "". */
CX_API void cx_error_clear(cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
