#include "complexity/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Truncation keeps whole UTF-8 sequences, so a message is always valid text. */
static void trim_utf8(char *msg) {
    size_t n = strlen(msg);
    if (n + 1 < CX_ERRMSG_MAX) return;
    size_t k = n;
    while (k > 0 && ((unsigned char)msg[k - 1] & 0xC0) == 0x80) k--;
    if (k > 0 && ((unsigned char)msg[k - 1] & 0x80)) msg[k - 1] = '\0';
}

int cx_error_set(cx_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    trim_utf8(err->msg);
    return code;
}

int cx_error_prefix(cx_error *err, const char *fmt, ...) {
    if (!err) return CX_OK;
    char prefix[CX_ERRMSG_MAX], old[CX_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    int n = snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    if (n >= (int)sizeof err->msg) trim_utf8(err->msg);
    return err->code;
}

void cx_error_clear(cx_error *err) {
    if (!err) return;
    err->code = CX_OK;
    err->msg[0] = '\0';
}

const char *cx_strerror(int code) {
    switch (code) {
    case CX_OK: return "no error";
    case CX_ERR_IO: return "I/O error";
    case CX_ERR_FORMAT: return "malformed input";
    case CX_ERR_INVALID: return "invalid argument";
    case CX_ERR_NOMEM: return "out of memory";
    case CX_ERR_UNSUPPORTED: return "unsupported";
    case CX_ERR_NOT_FOUND: return "not found";
    case CX_ERR_INTERNAL: return "internal error";
    default: return "unknown error";
    }
}

void cx_free(void *p) { free(p); }

const char *cx_version(void) { return CX_VERSION_STRING; }
int cx_version_number(void) { return CX_VERSION_NUMBER; }
