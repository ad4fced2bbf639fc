#include "estimate/text.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "util/utf8.h"

void cx_text_repair(const char *s, size_t n, sbuf *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = p[i] < 0x80 ? 1 : cx_utf8_decode(p + i, n - i, &cp);
        if (k) { i += k; continue; }
        sbuf_append(out, s + run, i - run);
        sbuf_puts(out, "\xEF\xBF\xBD");
        run = ++i;
    }
    sbuf_append(out, s + run, n - run);
}

static int is_token_cjk(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

void cx_text_lower(const char *s, size_t n, sbuf *out, size_t *n_cjk, size_t *n_cp) {
    const unsigned char *p = (const unsigned char *)s;
    size_t cjk = 0, cps = 0;
    *n_cjk = *n_cp = 0;
    /* ASCII maps to one byte, and any other character (>= 2 bytes) to at
     * most 4 bytes (3 for U+0130 -> "i" U+0307): 2n bounds the result, so
     * reserve once and write directly. */
    if (n > ((size_t)-1 - 16) / 2 || sbuf_reserve(out, 2 * n + 8) != 0) return;
    char *o = out->data + out->len;
    for (size_t i = 0; i < n;) {
        cps++;
        if (p[i] < 0x80) { /* ASCII fast path: most of every message */
            unsigned char c = p[i++];
            *o++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        uint32_t cp;
        size_t k = cx_utf8_decode(p + i, n - i, &cp);
        if (!k) { k = 1; cp = 0xFFFD; } /* callers repair first; stay safe anyway */
        i += k;
        cjk += is_token_cjk(cp);
        if (cp == 0x130) { memcpy(o, "i\xCC\x87", 3); o += 3; continue; }
        o += cx_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), o);
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    *n_cjk = cjk;
    *n_cp = cps;
}
