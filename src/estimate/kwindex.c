#define _GNU_SOURCE /* memmem */
#include "estimate/kwindex.h"

#include <stdlib.h>
#include <string.h>

#include "estimate/keywords.h"

typedef struct kw_entry {
    const char *s;
    uint32_t len;
    uint32_t id;
} kw_entry;

struct cx_kwindex {
    cx_kwlist lists[CX_KWL_COUNT];
    size_t n;
    kw_entry by_id[CX_KW_MAX_ENTRIES];
    kw_entry sorted[CX_KW_MAX_ENTRIES];   /* grouped by 2-byte key */
    uint16_t start[65537];                /* sorted[start[k] .. start[k+1]) have key k */
};

static unsigned key_of(const char *s) { return (unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1]; }

cx_kwindex *cx_kwindex_new(void) {
    cx_kwindex *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    ix->lists[CX_KWL_REASONING] = (cx_kwlist){cx_kw_reasoning, cx_kw_reasoning_n, 0};
    for (int g = 0; g < CX_KW_N_DOMAIN_GROUPS; g++)
        ix->lists[CX_KWL_DOMAIN0 + g] = (cx_kwlist){cx_kw_domains[g].words, cx_kw_domains[g].n, 0};
    ix->lists[CX_KWL_CONTEXT] = (cx_kwlist){cx_kw_context_refs, cx_kw_context_refs_n, 0};
    ix->lists[CX_KWL_CONSTRAINT] = (cx_kwlist){cx_kw_constraints, cx_kw_constraints_n, 0};
    ix->lists[CX_KWL_EXTERNAL] = (cx_kwlist){cx_kw_external_tool, cx_kw_external_tool_n, 0};
    ix->lists[CX_KWL_SPECIFIC] = (cx_kwlist){cx_kw_specific, cx_kw_specific_n, 0};
    ix->lists[CX_KWL_VAGUE] = (cx_kwlist){cx_kw_vague, cx_kw_vague_n, 0};
    for (int l = 0; l < CX_KWL_COUNT; l++) {
        ix->lists[l].first_id = ix->n;
        for (size_t i = 0; i < ix->lists[l].n; i++) {
            const char *w = ix->lists[l].words[i];
            size_t len = strlen(w);
            if (len < 2 || ix->n >= CX_KW_MAX_ENTRIES) { free(ix); return NULL; }
            ix->by_id[ix->n] = (kw_entry){w, (uint32_t)len, (uint32_t)ix->n};
            ix->n++;
        }
    }
    /* counting sort by key (on the heap: 128 KiB) */
    uint16_t *fill = calloc(65536, sizeof *fill);
    if (!fill) { free(ix); return NULL; }
    for (size_t i = 0; i < ix->n; i++) fill[key_of(ix->by_id[i].s)]++;
    uint16_t at = 0;
    for (unsigned k = 0; k < 65536; k++) {
        ix->start[k] = at;
        at = (uint16_t)(at + fill[k]);
        fill[k] = ix->start[k];
    }
    ix->start[65536] = at;
    for (size_t i = 0; i < ix->n; i++) ix->sorted[fill[key_of(ix->by_id[i].s)]++] = ix->by_id[i];
    free(fill);
    return ix;
}

void cx_kwindex_free(cx_kwindex *ix) { free(ix); }

const cx_kwlist *cx_kwindex_list(const cx_kwindex *ix, int list) { return &ix->lists[list]; }

size_t cx_kwindex_size(const cx_kwindex *ix) { return ix->n; }

void cx_kwindex_scan(const cx_kwindex *ix, const char *s, size_t n, uint8_t *found) {
    memset(found, 0, ix->n);
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned k = key_of(s + i);
        for (unsigned e = ix->start[k]; e < ix->start[k + 1]; e++) {
            const kw_entry *kw = &ix->sorted[e];
            if (kw->len <= n - i && memcmp(s + i + 2, kw->s + 2, kw->len - 2) == 0) found[kw->id] = 1;
        }
    }
}

void cx_kwindex_scan_naive(const cx_kwindex *ix, const char *s, size_t n, uint8_t *found) {
    for (size_t i = 0; i < ix->n; i++) found[i] = memmem(s, n, ix->by_id[i].s, ix->by_id[i].len) != NULL;
}
