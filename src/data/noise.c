#include "data/noise.h"

#include <ctype.h>
#include <string.h>

#include "complexity/common.h"
#include "complexity/labels.h"
#include "util/utf8.h"

/* Probabilities, in percent, of each kind of noise. */
enum {
    P_LOWERCASE = 20, P_CAPITALIZE = 8, P_DROP_FINAL = 12, P_DOUBLE_QUESTION = 4, P_TYPO = 7,
    P_TO_HALFWIDTH = 20, P_TO_FULLWIDTH = 10, P_UNSPACE = 25
};

static int chance(cx_rng *r, int percent) { return (int)cx_rng_below(r, 100) < percent; }

static void lowercase_ascii(sbuf *b) {
    for (size_t i = 0; i < b->len; i++) b->data[i] = (char)tolower((unsigned char)b->data[i]);
}

/* Drops one trailing '.', '?', '!' (or their full-width forms). */
static void drop_final_punct(sbuf *b) {
    static const char *const marks[] = {"\xE3\x80\x82", "\xEF\xBC\x9F", "\xEF\xBC\x81", ".", "?", "!"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t n = strlen(marks[i]);
        if (b->len > n && memcmp(b->data + b->len - n, marks[i], n) == 0) {
            b->len -= n;
            b->data[b->len] = '\0';
            return;
        }
    }
}

/* Swaps two adjacent letters inside one long lower-case word. */
static void typo(sbuf *b, cx_rng *r) {
    size_t starts[64], n = 0, i = 0;
    while (i < b->len && n < 64) {
        size_t j = i;
        while (j < b->len && islower((unsigned char)b->data[j])) j++;
        if (j - i >= 5 && (i == 0 || b->data[i - 1] == ' ')) starts[n++] = i;
        i = j + 1;
    }
    if (!n) return;
    size_t w = starts[cx_rng_below(r, n)], len = 0;
    while (w + len < b->len && islower((unsigned char)b->data[w + len])) len++;
    size_t k = w + 1 + (size_t)cx_rng_below(r, len - 2);
    char tmp = b->data[k];
    b->data[k] = b->data[k + 1];
    b->data[k + 1] = tmp;
}

static void noise_en(sbuf *b, cx_rng *r) {
    if (chance(r, P_LOWERCASE)) lowercase_ascii(b);
    else if (chance(r, P_CAPITALIZE) && b->len && islower((unsigned char)b->data[0]))
        b->data[0] = (char)toupper((unsigned char)b->data[0]);
    if (chance(r, P_DROP_FINAL)) drop_final_punct(b);
    else if (chance(r, P_DOUBLE_QUESTION) && b->len && b->data[b->len - 1] == '?') sbuf_putc(b, '?');
    if (chance(r, P_TYPO)) typo(b, r);
}

/* Full-width punctuation and their ASCII twins. */
static const char *const full_forms[] = {"\xEF\xBC\x8C", "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xEF\xBC\x9A",
                                         "\xEF\xBC\x9B", "\xEF\xBC\x88", "\xEF\xBC\x89"};
static const char half_forms[] = {',', '?', '!', ':', ';', '(', ')'};
enum { N_FORMS = 7 };

static int ends_with_cjk(const sbuf *b) {
    size_t i = b->len;
    while (i > 0 && ((unsigned char)b->data[i - 1] & 0xC0) == 0x80) i--;
    if (i == 0) return 0;
    uint32_t cp;
    size_t k = cx_utf8_decode((const unsigned char *)b->data + i - 1, b->len - i + 1, &cp);
    return k && cx_is_cjk(cp);
}

/* Rebuilds the text: converts punctuation one way and optionally removes the
 * single spaces that separate CJK from Latin text. */
static int rewrite_zh(sbuf *b, int to_half, int to_full, int unspace) {
    sbuf out = SBUF_INIT;
    const unsigned char *s = (const unsigned char *)b->data;
    size_t i = 0;
    while (i < b->len) {
        uint32_t cp = s[i];
        size_t k = s[i] < 0x80 ? 1 : cx_utf8_decode(s + i, b->len - i, &cp);
        if (!k) k = 1;
        int done = 0;
        for (int f = 0; f < N_FORMS && !done; f++) {
            if (to_half && k == 3 && memcmp(s + i, full_forms[f], 3) == 0) { sbuf_putc(&out, half_forms[f]); done = 1; }
            else if (to_full && k == 1 && s[i] == (unsigned char)half_forms[f] && f < 3 && ends_with_cjk(&out)) {
                sbuf_puts(&out, full_forms[f]);
                done = 1;
            }
        }
        if (!done && unspace && s[i] == ' ' && i + 1 < b->len && s[i + 1] != ' ') {
            uint32_t next;
            size_t kn = cx_utf8_decode(s + i + 1, b->len - i - 1, &next);
            int cjk_before = ends_with_cjk(&out), cjk_after = kn && cx_is_cjk(next);
            int latin_before = out.len && isalnum((unsigned char)out.data[out.len - 1]);
            int latin_after = isalnum(s[i + 1]);
            if ((cjk_before && latin_after) || (latin_before && cjk_after)) done = 1;
        }
        if (!done) sbuf_append(&out, (const char *)s + i, k);
        i += k;
    }
    if (out.oom) { sbuf_free(&out); return CX_ERR_NOMEM; }
    sbuf_free(b);
    *b = out;
    return CX_OK;
}

static int noise_zh(sbuf *b, cx_rng *r) {
    int to_half = chance(r, P_TO_HALFWIDTH);
    int to_full = !to_half && chance(r, P_TO_FULLWIDTH);
    int unspace = chance(r, P_UNSPACE);
    int rc = CX_OK;
    if (to_half || to_full || unspace) rc = rewrite_zh(b, to_half, to_full, unspace);
    if (chance(r, P_DROP_FINAL)) drop_final_punct(b);
    return rc;
}

int cx_noise_apply(sbuf *text, int lang, cx_rng *rng) {
    if (!text->len || memchr(text->data, '\n', text->len) || strstr(text->data, "```")) return CX_OK;
    if (lang == CX_LANG_EN) {
        noise_en(text, rng);
        return CX_OK;
    }
    return noise_zh(text, rng);
}
