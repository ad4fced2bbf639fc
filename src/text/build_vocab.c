/* Learning a WordPiece vocabulary from a corpus, the way Hugging Face's
 * WordPieceTrainer does: BERT-normalize and pre-tokenize (cased), count words,
 * start from every character seen (word-initial and "##" forms), then merge
 * the most frequent adjacent pair of pieces until the vocabulary is full.
 * Ties go to the pair with the smaller ids, so the result is deterministic.
 *
 * Each merge recounts pairs over the distinct words (generation-stamped
 * table, no clearing): O(merges x symbols), fine for corpora of up to a few
 * hundred thousand distinct words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/bert_unicode.h"
#include "text/tok_int.h"
#include "complexity/common.h"
#include "util/sbuf.h"
#include "util/strset.h"
#include "util/utf8.h"

#define BV_N_SPECIAL 104 /* [PAD] [unused1..99] [UNK] [CLS] [SEP] [MASK] */

typedef struct bv_word {
    const char *text; /* owned by the words set */
    size_t len;
    uint64_t count;
    int32_t *sym;     /* (n) current pieces */
    uint32_t n;
} bv_word;

typedef struct builder {
    strset words;     /* word -> index into w */
    bv_word *w;
    size_t n_words, cap_words;
    strset syms;      /* piece -> id */
    char **sym;       /* (n_syms) id -> piece, owned */
    size_t n_syms, cap_syms;
    int oom;
} builder;

static int32_t add_symbol(builder *b, const char *s, size_t len) {
    int added = 0;
    strset_entry *e = strset_add(&b->syms, s, len, (int)b->n_syms, &added);
    if (!e) { b->oom = 1; return -1; }
    if (!added) return e->value;
    if (b->n_syms == b->cap_syms) {
        size_t cap = b->cap_syms ? b->cap_syms * 2 : 1024;
        char **grown = realloc(b->sym, cap * sizeof(char *));
        if (!grown) { b->oom = 1; return -1; }
        b->sym = grown;
        b->cap_syms = cap;
    }
    b->sym[b->n_syms] = e->key;
    return (int32_t)b->n_syms++;
}

static void on_word(void *ctx, const char *word, size_t len, size_t chars, int too_long) {
    builder *b = ctx;
    (void)chars;
    if (too_long || b->oom) return; /* would be [UNK] whatever the vocabulary */
    int added = 0;
    strset_entry *e = strset_add(&b->words, word, len, (int)b->n_words, &added);
    if (!e) { b->oom = 1; return; }
    if (!added) { b->w[e->value].count++; return; }
    if (b->n_words == b->cap_words) {
        size_t cap = b->cap_words ? b->cap_words * 2 : 4096;
        bv_word *grown = realloc(b->w, cap * sizeof(bv_word));
        if (!grown) { b->oom = 1; return; }
        b->w = grown;
        b->cap_words = cap;
    }
    bv_word *w = &b->w[b->n_words++];
    w->text = e->key;
    w->len = len;
    w->count = 1;
    w->sym = NULL;
    w->n = 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Word-initial form of every character seen, then the "##" form of those that
 * can continue a word (not CJK, not punctuation: those are always words alone). */
static void add_alphabet(builder *b) {
    strset seen;
    strset_init(&seen);
    uint32_t *cps = NULL;
    size_t n_cps = 0, cap = 0;
    for (size_t i = 0; i < b->n_words && !b->oom; i++) {
        const unsigned char *s = (const unsigned char *)b->w[i].text;
        for (size_t k = 0; k < b->w[i].len;) {
            uint32_t cp;
            size_t l = cx_utf8_decode(s + k, b->w[i].len - k, &cp);
            if (l == 0) { l = 1; cp = 0xFFFD; }
            int added = 0;
            if (!strset_add(&seen, (const char *)s + k, l, 0, &added)) { b->oom = 1; break; }
            if (added) {
                if (n_cps == cap) {
                    cap = cap ? cap * 2 : 1024;
                    uint32_t *g = realloc(cps, cap * sizeof(uint32_t));
                    if (!g) { b->oom = 1; break; }
                    cps = g;
                }
                cps[n_cps++] = cp;
            }
            k += l;
        }
    }
    if (n_cps) qsort(cps, n_cps, sizeof(uint32_t), cmp_u32);
    char buf[8] = "##";
    for (size_t i = 0; i < n_cps && !b->oom; i++) add_symbol(b, buf + 2, cx_utf8_encode(cps[i], buf + 2));
    for (size_t i = 0; i < n_cps && !b->oom; i++) {
        if (bu_class(cps[i]) & (BU_CJK | BU_PUNCT)) continue;
        add_symbol(b, buf, 2 + cx_utf8_encode(cps[i], buf + 2));
    }
    free(cps);
    strset_free(&seen);
}

static void split_words(builder *b) {
    char buf[8] = "##";
    for (size_t i = 0; i < b->n_words && !b->oom; i++) {
        bv_word *w = &b->w[i];
        w->sym = malloc((w->len ? w->len : 1) * sizeof(int32_t));
        if (!w->sym) { b->oom = 1; return; }
        const unsigned char *s = (const unsigned char *)w->text;
        for (size_t k = 0; k < w->len;) {
            uint32_t cp;
            size_t l = cx_utf8_decode(s + k, w->len - k, &cp);
            if (l == 0) { l = 1; cp = 0xFFFD; }
            size_t enc = cx_utf8_encode(cp, buf + 2);
            const char *key = k ? buf : buf + 2;
            strset_entry *e = strset_find(&b->syms, key, k ? enc + 2 : enc);
            w->sym[w->n++] = e ? e->value : 0;
            k += l;
        }
    }
}

typedef struct pair_slot {
    uint64_t key;   /* a << 32 | b */
    uint64_t count;
    uint32_t gen;   /* valid when == the table's generation */
} pair_slot;

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Counts adjacent pairs weighted by word counts; returns the best pair's count. */
static uint64_t best_pair(builder *b, pair_slot *t, size_t mask, uint32_t gen, uint64_t *best_key) {
    uint64_t best = 0;
    for (size_t i = 0; i < b->n_words; i++) {
        const bv_word *w = &b->w[i];
        for (uint32_t k = 0; k + 1 < w->n; k++) {
            uint64_t key = (uint64_t)(uint32_t)w->sym[k] << 32 | (uint32_t)w->sym[k + 1];
            size_t j = mix64(key) & mask;
            while (t[j].gen == gen && t[j].key != key) j = (j + 1) & mask;
            if (t[j].gen != gen) {
                t[j].gen = gen;
                t[j].key = key;
                t[j].count = 0;
            }
            uint64_t c = t[j].count += w->count;
            if (c > best || (c == best && key < *best_key)) {
                best = c;
                *best_key = key;
            }
        }
    }
    return best;
}

static void apply_merge(builder *b, int32_t a, int32_t c, int32_t merged) {
    for (size_t i = 0; i < b->n_words; i++) {
        bv_word *w = &b->w[i];
        uint32_t out = 0;
        for (uint32_t k = 0; k < w->n; k++) {
            if (k + 1 < w->n && w->sym[k] == a && w->sym[k + 1] == c) {
                w->sym[out++] = merged;
                k++;
            } else {
                w->sym[out++] = w->sym[k];
            }
        }
        w->n = out;
    }
}

static int learn_merges(builder *b, const cx_vocab_build_options *opt) {
    size_t occurrences = 0;
    for (size_t i = 0; i < b->n_words; i++) occurrences += b->w[i].n;
    size_t cap = 1024;
    while (cap < occurrences * 2) cap <<= 1;
    pair_slot *t = calloc(cap, sizeof(pair_slot));
    if (!t) return -1;
    uint32_t gen = 0;
    sbuf piece = SBUF_INIT;
    size_t min_freq = opt->min_frequency ? opt->min_frequency : 1;
    while (b->n_syms < opt->vocab_size && !b->oom) {
        uint64_t key = UINT64_MAX;
        if (best_pair(b, t, cap - 1, ++gen, &key) < min_freq) break;
        int32_t a = (int32_t)(key >> 32), c = (int32_t)(uint32_t)key;
        sbuf_reset(&piece);
        sbuf_puts(&piece, b->sym[a]);
        sbuf_puts(&piece, b->sym[c] + 2); /* the right piece is a "##" form */
        if (piece.oom) { b->oom = 1; break; }
        int32_t merged = add_symbol(b, piece.data, piece.len);
        if (merged < 0) break;
        apply_merge(b, a, c, merged);
    }
    sbuf_free(&piece);
    free(t);
    return b->oom ? -1 : 0;
}

static void add_specials(builder *b) {
    char name[16];
    add_symbol(b, "[PAD]", 5);
    for (int i = 1; i <= 99; i++) add_symbol(b, name, (size_t)snprintf(name, sizeof name, "[unused%d]", i));
    add_symbol(b, "[UNK]", 5);
    add_symbol(b, "[CLS]", 5);
    add_symbol(b, "[SEP]", 5);
    add_symbol(b, "[MASK]", 6);
}

static void builder_free(builder *b) {
    for (size_t i = 0; i < b->n_words; i++) free(b->w[i].sym);
    free(b->w);
    free(b->sym);
    strset_free(&b->words);
    strset_free(&b->syms);
}

cx_vocab_build_options cx_vocab_build_default_options(void) {
    cx_vocab_build_options o = {.vocab_size = 30000, .min_frequency = 2};
    return o;
}

int cx_tokenizer_build(const char *const *texts, const size_t *lens, size_t n_texts,
                       const cx_vocab_build_options *opt, cx_tokenizer **out, cx_error *err) {
    if (!out || !opt || (n_texts && !texts)) return cx_error_set(err, CX_ERR_INVALID, "build_vocab: NULL argument");
    *out = NULL;
    if (opt->vocab_size < BV_N_SPECIAL + 1 || opt->vocab_size > (1u << 22))
        return cx_error_set(err, CX_ERR_INVALID, "build_vocab: vocab_size %zu out of range (%d..%u)", opt->vocab_size,
                            BV_N_SPECIAL + 1, 1u << 22);
    static const char *const unk_only[1] = {"[UNK]"};
    cx_tokenizer_options topt = cx_tokenizer_default_options();
    topt.lowercase = opt->lowercase != 0;
    cx_tokenizer *pre;
    int rc = tok_create(unk_only, 1, &topt, NULL, NULL, &pre, err);
    if (rc) return rc;
    builder b;
    memset(&b, 0, sizeof b);
    strset_init(&b.words);
    strset_init(&b.syms);
    add_specials(&b);
    for (size_t i = 0; i < n_texts && !rc && !b.oom; i++) {
        const char *t = texts[i] ? texts[i] : "";
        rc = tok_pretokenize(pre, t, lens ? lens[i] : strlen(t), on_word, &b, err);
    }
    cx_tokenizer_free(pre);
    if (!rc && !b.oom) add_alphabet(&b);
    if (!rc && !b.oom) split_words(&b);
    if (!rc && !b.oom && learn_merges(&b, opt)) b.oom = 1;
    if (!rc && b.oom) rc = cx_error_set(err, CX_ERR_NOMEM, "build_vocab: out of memory");
    if (!rc) rc = tok_create((const char *const *)b.sym, b.n_syms, &topt, NULL, NULL, out, err);
    builder_free(&b);
    return rc;
}
