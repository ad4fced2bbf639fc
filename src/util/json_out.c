#include "util/json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cx_json_put_string(sbuf *b, const char *s, size_t n) {
    sbuf_putc(b, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                snprintf(hex, sizeof hex, "\\u%04x", c);
                esc = hex;
            }
        }
        if (!esc) continue;
        sbuf_append(b, s + run, i - run);
        sbuf_puts(b, esc);
        run = i + 1;
    }
    sbuf_append(b, s + run, n - run);
    sbuf_putc(b, '"');
}

void cx_json_put_key(sbuf *b, const char *key, int first) {
    if (!first) sbuf_puts(b, ", ");
    cx_json_put_string(b, key, strlen(key));
    sbuf_puts(b, ": ");
}

void cx_json_put_shortest(sbuf *b, double x) {
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) break;
    }
    sbuf_puts(b, buf);
}

void cx_json_put_score4(sbuf *b, double x) {
    /* Work in integer ten-thousandths so the digits never depend on libc. */
    long v = lround(x * 10000.0);
    if (v < 0) { sbuf_putc(b, '-'); v = -v; }
    long ip = v / 10000, fp = v % 10000;
    char frac[8];
    snprintf(frac, sizeof frac, "%04ld", fp);
    int k = 4;
    while (k > 1 && frac[k - 1] == '0') k--;
    frac[k] = '\0';
    sbuf_printf(b, "%ld.%s", ip, frac);
}
