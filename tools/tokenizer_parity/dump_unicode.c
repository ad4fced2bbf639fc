/* Prints our view of every code point in probe_unicode.js's format.
 * Usage: dump_unicode [--base]   (--base: utf8proc alone, without the override table) */
#include <stdio.h>
#include <string.h>

#include "text/bert_unicode.h"

static void put_seq(const uint32_t *v, int n) {
    if (n == 0) {
        fputs("-", stdout);
        return;
    }
    for (int i = 0; i < n; i++) printf(i ? " %x" : "%x", (unsigned)v[i]);
}

int main(int argc, char **argv) {
    int base = argc > 1 && strcmp(argv[1], "--base") == 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        unsigned cls = base ? bu_class_base(cp) : bu_class(cp);
        uint32_t res[4][BU_MAX_MAP + 2];
        int n[4], changed = 0;
        for (int mode = 0; mode < 4; mode++) {
            int strip = mode >= 2, lower = mode & 1;
            uint32_t m[BU_MAX_MAP];
            int k = 0;
            if (cls & BU_DROP) {
                k = 0;
            } else if (cls & BU_WS) {
                res[mode][k++] = ' ';
            } else {
                int nm = base ? bu_map_base(cp, strip, lower, m) : bu_map(cp, strip, lower, m);
                if (cls & BU_CJK) res[mode][k++] = ' ';
                for (int i = 0; i < nm; i++) res[mode][k++] = m[i];
                if (cls & BU_CJK) res[mode][k++] = ' ';
            }
            n[mode] = k;
            if (k != 1 || res[mode][0] != cp) changed = 1;
        }
        char split = (cls & BU_WS) ? 'w' : (cls & BU_PUNCT) ? 'p' : '.';
        if (!changed && split == '.') continue;
        printf("%x", (unsigned)cp);
        for (int mode = 0; mode < 4; mode++) {
            putchar('\t');
            put_seq(res[mode], n[mode]);
        }
        printf("\t%c\n", split);
    }
    return 0;
}
