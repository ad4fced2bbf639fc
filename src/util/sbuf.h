/* A growable byte string, always NUL-terminated. Owner: whoever declared it;
 * release with sbuf_free. Appends never fail silently: on allocation failure
 * the buffer is marked (oom) and later appends do nothing. */
#ifndef CX_UTIL_SBUF_H
#define CX_UTIL_SBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *data;   /* NUL-terminated when len > 0 or after any append */
    size_t len;   /* bytes used, without the NUL */
    size_t cap;   /* bytes allocated */
    int oom;      /* an allocation failed: contents are incomplete */
} sbuf;

#define SBUF_INIT {NULL, 0, 0, 0}

void sbuf_free(sbuf *b);
void sbuf_reset(sbuf *b);                         /* len = 0, keeps memory */
int sbuf_reserve(sbuf *b, size_t extra);          /* 0 ok, -1 oom */
void sbuf_append(sbuf *b, const char *s, size_t n);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_putc(sbuf *b, char c);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives the string to the caller (free() it) and resets b. Never NULL unless oom. */
char *sbuf_detach(sbuf *b);
/* "" when empty, so callers can always print it. */
const char *sbuf_str(const sbuf *b);

#endif
