/* Character rules of the BERT normalizer / pre-tokenizer (see bert_unicode.h). */
#include "text/bert_unicode.h"

#include <stddef.h>
#include <utf8proc.h>

#include "util/utf8.h"

/* One code point where utf8proc and the Rust library disagree: its class and
 * its output in the three mapping modes (lower only, strip only, both). */
typedef struct bu_override {
    uint32_t cp;
    uint8_t cls;
    uint8_t n[3];
    uint32_t out[3][BU_MAX_MAP];
} bu_override;

#include "text/bert_unicode_overrides.h"

static int is_white_space(uint32_t cp) {
    /* Unicode White_Space, which Rust's char::is_whitespace follows. */
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static int is_ascii_punct(uint32_t cp) {
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
}

unsigned bu_class_base(uint32_t cp) {
    unsigned cls = 0;
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    int other = cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
                cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS;
    if (cp == 0 || cp == 0xFFFD || (other && cp != '\t' && cp != '\n' && cp != '\r')) cls |= BU_DROP;
    if (is_white_space(cp)) cls |= BU_WS;
    if (is_ascii_punct(cp) || (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)) cls |= BU_PUNCT;
    if (cx_is_cjk(cp)) cls |= BU_CJK;
    return cls;
}

static int lower_full(uint32_t cp, uint32_t *out) {
    if (cp == 0x130) { /* the one multi-character lower-case mapping in SpecialCasing */
        out[0] = 0x69;
        out[1] = 0x307;
        return 2;
    }
    out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
    return 1;
}

int bu_map_base(uint32_t cp, int strip_accents, int lowercase, uint32_t out[BU_MAX_MAP]) {
    uint32_t base[BU_MAX_MAP];
    int nb = 0;
    if (strip_accents) {
        utf8proc_int32_t d[16];
        int boundclass = 0;
        utf8proc_ssize_t nd = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 16, UTF8PROC_DECOMPOSE,
                                                      &boundclass);
        if (nd < 0 || nd > 16) { d[0] = (utf8proc_int32_t)cp; nd = 1; }
        for (utf8proc_ssize_t i = 0; i < nd && nb < BU_MAX_MAP; i++)
            if (utf8proc_category(d[i]) != UTF8PROC_CATEGORY_MN) base[nb++] = (uint32_t)d[i];
    } else {
        base[nb++] = cp;
    }
    if (!lowercase) {
        for (int i = 0; i < nb; i++) out[i] = base[i];
        return nb;
    }
    int n = 0;
    for (int i = 0; i < nb; i++) {
        uint32_t low[2];
        int nl = lower_full(base[i], low);
        for (int j = 0; j < nl && n < BU_MAX_MAP; j++) out[n++] = low[j];
    }
    return n;
}

static const bu_override *find_override(uint32_t cp) {
    size_t lo = 0, hi = sizeof(bu_overrides) / sizeof(bu_overrides[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bu_overrides[mid].cp == cp) return &bu_overrides[mid];
        if (bu_overrides[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

unsigned bu_class(uint32_t cp) {
    const bu_override *o = find_override(cp);
    return o ? o->cls : bu_class_base(cp);
}

int bu_map(uint32_t cp, int strip_accents, int lowercase, uint32_t out[BU_MAX_MAP]) {
    if (!strip_accents && !lowercase) {
        out[0] = cp;
        return 1;
    }
    const bu_override *o = find_override(cp);
    if (!o) return bu_map_base(cp, strip_accents, lowercase, out);
    int mode = strip_accents ? (lowercase ? 2 : 1) : 0;
    for (int i = 0; i < o->n[mode]; i++) out[i] = o->out[mode][i];
    return o->n[mode];
}
