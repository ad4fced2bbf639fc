/* Status codes, error messages and version: shared by every part of the API. */
#ifndef COMPLEXITY_COMMON_H
#define COMPLEXITY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
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

/* A static, human-readable name of a status code ("I/O error", ...). */
const char *cx_strerror(int code);

/* The library version, e.g. "0.1.0" (static string). */
const char *cx_version(void);

#ifdef __cplusplus
}
#endif
#endif
