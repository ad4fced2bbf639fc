/* Filling a cx_error. Library code reports failures only through these. */
#ifndef CX_UTIL_ERROR_H
#define CX_UTIL_ERROR_H

#include "complexity/common.h"

/* Sets err (if non-NULL) to code + printf-style message; returns code, so a
 * failing path can be written `return cx_error_set(err, CX_ERR_IO, ...)`. */
int cx_error_set(cx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (e.g. a file name). */
int cx_error_prefix(cx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cx_error_clear(cx_error *err);

#endif
