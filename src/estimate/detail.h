/* Building a dimension's detail text ("3 markers: analyze, compare, design")
 * without printf: details are written for every message, and printf's
 * format parsing was a third of the heuristic's time. */
#ifndef CX_ESTIMATE_DETAIL_H
#define CX_ESTIMATE_DETAIL_H

#include <stddef.h>

typedef struct cx_detail {
    char *buf;     /* always NUL-terminated */
    size_t len;
    size_t cap;    /* bytes of buf, >= 1 */
} cx_detail;

void cx_detail_init(cx_detail *d, char *buf, size_t cap);
/* Appends s; when it does not fit, as much as fits without splitting a UTF-8 character. */
void cx_detail_str(cx_detail *d, const char *s);
void cx_detail_int(cx_detail *d, long long v);
/* Appends ": a, b, c" for the first min(n_total, n_shown) names, ", ..." when more were found. */
void cx_detail_names(cx_detail *d, const char *const *names, int n_shown, int n_total);

#endif
