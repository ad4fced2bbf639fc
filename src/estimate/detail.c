#include "estimate/detail.h"

#include <string.h>

void cx_detail_init(cx_detail *d, char *buf, size_t cap) {
    d->buf = buf;
    d->len = 0;
    d->cap = cap;
    buf[0] = '\0';
}

void cx_detail_str(cx_detail *d, const char *s) {
    size_t n = strlen(s), room = d->cap - 1 - d->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* s[n] continues a character: cut before it */
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}

void cx_detail_int(cx_detail *d, long long v) {
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    *--p = '\0';
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    cx_detail_str(d, p);
}

void cx_detail_names(cx_detail *d, const char *const *names, int n_shown, int n_total) {
    int n = n_total < n_shown ? n_total : n_shown;
    for (int i = 0; i < n; i++) {
        cx_detail_str(d, i ? ", " : ": ");
        cx_detail_str(d, names[i]);
    }
    if (n_total > n) cx_detail_str(d, ", ...");
}
