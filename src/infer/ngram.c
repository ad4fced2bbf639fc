/* Hashed character n-gram heads (ngram.h). */
#include "infer/ngram.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "model/safetensors.h"
#include "complexity/common.h"
#include "util/utf8.h"

enum { NGRAM_N_MAX = 4, BITS_MIN = 8, BITS_MAX = 24 };

struct cx_ngram {
    int bits, version;
    int word_ngrams;    /* 2: words and word pairs count too (version 2); 0: character n-grams only */
    cx_ngram_blend blend;
    float *idf;         /* (2^bits) */
    int8_t *weight;     /* (2^bits, NGRAM_OUTPUTS): one bucket's outputs side by side */
    float scale[NGRAM_OUTPUTS], bias[NGRAM_OUTPUTS];
    /* The kept set (version 2; NULL in version 1, which keeps every n-gram):
     * the top 16 bits of the hashes of bucket b's kept n-grams are
     * keep_fp[keep_off[b] .. keep_off[b + 1]). */
    uint32_t *keep_off; /* (2^bits + 1) */
    uint16_t *keep_fp;
};

/* Python's str.split() whitespace (tools/ngram_features.py has the same list). */
static int is_space(uint32_t c) {
    if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680) return 1;
    if (c >= 0x2000 && c <= 0x200A) return 1;
    return c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

enum { FNV_BASIS = 0x811C9DC5u };

/* FNV-1a 32 of bytes that follow those hashed into h (FNV_BASIS: none). */
static uint32_t fnv1a_more(uint32_t h, const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x01000193u;
    return h;
}

static uint32_t fnv1a(const unsigned char *s, size_t n) { return fnv1a_more(FNV_BASIS, s, n); }

/* Counts of the distinct bucket ids: an open-addressing table of (id + 1,
 * count) pairs, 0 = empty, at most half full (sorting the ids cost a fifth
 * of a prompt's time). */
typedef struct id_count {
    uint32_t key, count;
} id_count;

static size_t count_ids(const uint32_t *ids, size_t n, id_count **out) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    id_count *t = calloc(cap, sizeof *t);
    *out = t;
    if (!t) return 0;
    for (size_t i = 0; i < n; i++) {
        size_t h = ((size_t)ids[i] * 2654435761u) & (cap - 1);
        while (t[h].key && t[h].key != ids[i] + 1) h = (h + 1) & (cap - 1);
        t[h].key = ids[i] + 1;
        t[h].count++;
    }
    return cap;
}

static int check_tensor(const st_file *f, const char *path, const char *name, st_dtype dt, int ndim, int64_t d0,
                        int64_t d1, const st_tensor **out, cx_error *err) {
    const st_tensor *t = st_find(f, name);
    if (!t) return cx_error_set(err, CX_ERR_FORMAT, "%s: no tensor \"%s\"", path, name);
    if (t->dtype != dt || t->ndim != ndim || t->shape[0] != d0 || (ndim == 2 && t->shape[1] != d1)) {
        char shape[48];
        if (ndim == 2) snprintf(shape, sizeof shape, "%lld, %lld", (long long)d0, (long long)d1);
        else snprintf(shape, sizeof shape, "%lld", (long long)d0);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor \"%s\" must be %s of shape [%s]", path, name,
                            st_dtype_name(dt), shape);
    }
    *out = t;
    return CX_OK;
}

static int read_blend(const st_file *f, const char *path, const char *key, double *out, cx_error *err) {
    const char *v = st_meta(f, key);
    char *end = NULL;
    *out = v ? strtod(v, &end) : -1;
    if (!v || *end || !(*out >= 0 && *out <= 1))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: metadata %s must be a number in [0, 1]", path, key);
    return CX_OK;
}

static int read_meta(const st_file *f, const char *path, cx_ngram *m, cx_error *err) {
    const char *fmt = st_meta(f, "format"), *ver = st_meta(f, "version"), *bits = st_meta(f, "bits");
    const char *lo = st_meta(f, "ngram_min"), *hi = st_meta(f, "ngram_max");
    if (!fmt || strcmp(fmt, "complexity-ngram"))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: not a complexity n-gram file (metadata format)", path);
    if (!ver || (strcmp(ver, "1") && strcmp(ver, "2")))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: n-gram file version %s; this library reads 1 and 2", path,
                            ver ? ver : "(none)");
    m->version = ver[0] - '0';
    const char *words = st_meta(f, "word_ngrams");
    if (m->version >= 2 && words && strcmp(words, "0") && strcmp(words, "2"))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: metadata word_ngrams must be 0 or 2", path);
    m->word_ngrams = m->version >= 2 && words && !strcmp(words, "2") ? 2 : 0;
    if (!lo || strcmp(lo, "1") || !hi || strcmp(hi, "4"))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: metadata ngram_min/ngram_max must be 1 and 4", path);
    char *end = NULL;
    long b = bits ? strtol(bits, &end, 10) : 0;
    if (!bits || *end || b < BITS_MIN || b > BITS_MAX)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: metadata bits must be %d..%d", path, BITS_MIN, BITS_MAX);
    m->bits = (int)b;
    int rc;
    if ((rc = read_blend(f, path, "blend_tier", &m->blend.tier, err)) ||
        (rc = read_blend(f, path, "blend_intent", &m->blend.intent, err)) ||
        (rc = read_blend(f, path, "blend_domain", &m->blend.domain, err)) ||
        (rc = read_blend(f, path, "blend_score", &m->blend.score, err)))
        return rc;
    return CX_OK;
}

static int all_finite(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* The kept set of a version 2 file: keep_count U8 [2^bits], kept n-grams per
 * bucket, and keep_fingerprint I16 [their sum], bucket by bucket. */
static int read_keep(const st_file *f, const char *path, cx_ngram *m, cx_error *err) {
    const size_t nb = (size_t)1 << m->bits;
    const st_tensor *count = NULL, *fp = NULL;
    int rc = check_tensor(f, path, "keep_count", ST_U8, 1, (int64_t)nb, 0, &count, err);
    if (rc) return rc;
    m->keep_off = malloc((nb + 1) * sizeof *m->keep_off);
    if (!m->keep_off) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    const uint8_t *c = st_data(f, count);
    m->keep_off[0] = 0;
    for (size_t b = 0; b < nb; b++) m->keep_off[b + 1] = m->keep_off[b] + c[b];  /* <= 255 * 2^24: no overflow */
    const size_t n = m->keep_off[nb];
    if ((rc = check_tensor(f, path, "keep_fingerprint", ST_I16, 1, (int64_t)n, 0, &fp, err))) return rc;
    m->keep_fp = malloc((n ? n : 1) * sizeof *m->keep_fp);
    if (!m->keep_fp) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    const uint8_t *src = st_data(f, fp);
    for (size_t i = 0; i < n; i++) m->keep_fp[i] = (uint16_t)(src[2 * i] | src[2 * i + 1] << 8);  /* little-endian */
    return CX_OK;
}

static int read_tensors(const st_file *f, const char *path, cx_ngram *m, cx_error *err) {
    const size_t nb = (size_t)1 << m->bits;
    const st_tensor *idf = NULL, *w = NULL, *scale = NULL, *bias = NULL;
    int rc;
    if ((rc = check_tensor(f, path, "idf", ST_F32, 1, (int64_t)nb, 0, &idf, err)) ||
        (rc = check_tensor(f, path, "weight", ST_I8, 2, NGRAM_OUTPUTS, (int64_t)nb, &w, err)) ||
        (rc = check_tensor(f, path, "weight_scale", ST_F32, 1, NGRAM_OUTPUTS, 0, &scale, err)) ||
        (rc = check_tensor(f, path, "bias", ST_F32, 1, NGRAM_OUTPUTS, 0, &bias, err)))
        return rc;
    m->idf = malloc(nb * sizeof *m->idf);
    m->weight = malloc(nb * NGRAM_OUTPUTS);
    if (!m->idf || !m->weight) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    if ((rc = st_read_f32(f, idf, m->idf, nb, err)) || (rc = st_read_f32(f, scale, m->scale, NGRAM_OUTPUTS, err)) ||
        (rc = st_read_f32(f, bias, m->bias, NGRAM_OUTPUTS, err)))
        return cx_error_prefix(err, "%s", path);
    if (!all_finite(m->idf, nb) || !all_finite(m->scale, NGRAM_OUTPUTS) || !all_finite(m->bias, NGRAM_OUTPUTS))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: idf, weight_scale or bias holds NaN or infinity", path);
    const int8_t *src = (const int8_t *)st_data(f, w);
    for (int o = 0; o < NGRAM_OUTPUTS; o++)
        for (size_t b = 0; b < nb; b++) m->weight[b * NGRAM_OUTPUTS + (size_t)o] = src[(size_t)o * nb + b];
    return m->version >= 2 ? read_keep(f, path, m, err) : CX_OK;
}

int cx_ngram_open(const char *path, cx_ngram **out, cx_error *err) {
    *out = NULL;
    st_file *f;
    int rc = st_open(&f, path, err);
    if (rc) return rc;
    cx_ngram *m = calloc(1, sizeof *m);
    if (!m) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (!rc) rc = read_meta(f, path, m, err);
    if (!rc) rc = read_tensors(f, path, m, err);
    st_close(f);
    if (rc) {
        cx_ngram_free(m);
        return rc;
    }
    *out = m;
    return CX_OK;
}

void cx_ngram_free(cx_ngram *m) {
    if (!m) return;
    free(m->idf);
    free(m->weight);
    free(m->keep_off);
    free(m->keep_fp);
    free(m);
}

cx_ngram_blend cx_ngram_blends(const cx_ngram *m) { return m->blend; }

/* Whether the kept set of a version 2 file holds the n-gram of hash h in
 * bucket b (n-grams seen in fewer than min_df training texts, or never, are
 * noise to the heads). A bucket holds a few fingerprints (7 on average in the
 * shipped file): a linear scan. */
static int is_kept(const cx_ngram *m, uint32_t h, uint32_t b) {
    const uint16_t fp = (uint16_t)(h >> 16);
    for (uint32_t i = m->keep_off[b]; i < m->keep_off[b + 1]; i++)
        if (m->keep_fp[i] == fp) return 1;
    return 0;
}

/* One word as it is read: its lower-cased UTF-8 bytes between a leading and
 * a trailing space (the pads), where each code point starts (off[n_cp] = end)
 * and what it is; and the previous word's stripped bytes, for word pairs. */
typedef struct word_buf {
    char *utf8;
    size_t *off;
    uint32_t *cp;
    size_t n_cp, bytes;
    char *prev;
    size_t prev_len;    /* 0: no previous word (a stripped word is never empty) */
} word_buf;

static void word_buf_free(word_buf *w) {
    free(w->utf8), free(w->off), free(w->cp), free(w->prev);
}

static int word_buf_init(word_buf *w, size_t len) {
    *w = (word_buf){0};
    w->utf8 = malloc(4 * (len + 2) + 4);
    w->off = malloc((len + 3) * sizeof *w->off);
    w->cp = malloc((len + 3) * sizeof *w->cp);
    w->prev = malloc(4 * (len + 2) + 4);
    return w->utf8 && w->off && w->cp && w->prev;
}

static void word_push(word_buf *w, uint32_t cp) {
    w->off[w->n_cp] = w->bytes;
    w->cp[w->n_cp++] = cp;
    w->bytes += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)w->utf8 + w->bytes);
}

/* Turns n hashes into the buckets of the kept ones, in place; returns their
 * count. The kept set (1.2 MB in the shipped file) is mostly outside the
 * cache and one lookup reads two places in it, so the loop asks for both
 * ahead of time: a bucket's offsets AHEAD hashes before it is checked, its
 * fingerprints AHEAD / 2 before (a third of a prompt's time otherwise). */
static size_t keep_buckets(const cx_ngram *m, uint32_t *h, size_t n) {
    enum { AHEAD = 16 };
    const uint32_t mask = ((uint32_t)1 << m->bits) - 1;
    if (!m->keep_off) {
        for (size_t i = 0; i < n; i++) h[i] &= mask;
        return n;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(&m->keep_off[h[i + AHEAD] & mask]);
        if (i + AHEAD / 2 < n) __builtin_prefetch(&m->keep_fp[m->keep_off[h[i + AHEAD / 2] & mask]]);
        const uint32_t b = h[i] & mask;
        if (is_kept(m, h[i], b)) h[k++] = b;  /* k <= i: what is ahead is still to be read */
    }
    return k;
}

/* Punctuation and symbols (P* and S*) are stripped from a word's ends before
 * it counts as a word. */
static int is_mark(uint32_t cp) {
    const utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_SO;
}

/* Appends the hashes of the word and the pair (previous word, word), hashed as "\x01" + word and
 * "\x01" + previous + " " + word (tools/ngram_features.py), when the word is
 * not all marks; it becomes the previous word. */
static size_t word_pair_buckets(word_buf *w, uint32_t *ids) {
    size_t i = 1, j = w->n_cp - 1;  /* between the pads */
    while (i < j && is_mark(w->cp[i])) i++;
    while (j > i && is_mark(w->cp[j - 1])) j--;
    if (i == j) return 0;
    const unsigned char *word = (const unsigned char *)w->utf8 + w->off[i], tag = 1, space = ' ';
    const size_t len = w->off[j] - w->off[i];
    size_t k = 0;
    ids[k++] = fnv1a_more(fnv1a(&tag, 1), word, len);
    if (w->prev_len) {
        uint32_t h = fnv1a_more(fnv1a(&tag, 1), (const unsigned char *)w->prev, w->prev_len);
        ids[k++] = fnv1a_more(fnv1a_more(h, &space, 1), word, len);
    }
    memcpy(w->prev, word, len);
    w->prev_len = len;
    return k;
}

/* Appends the hash of every n-gram of the word read into w. The n-grams
 * starting at one code point share their prefix: each one's hash continues
 * the one before (FNV-1a reads bytes in order). */
static size_t word_buckets(const cx_ngram *m, word_buf *w, uint32_t *ids) {
    const unsigned char *u = (const unsigned char *)w->utf8;
    size_t k = 0;
    for (size_t i = 0; i < w->n_cp; i++) {
        uint32_t h = FNV_BASIS;
        for (size_t e = i + 1; e <= w->n_cp && e - i <= NGRAM_N_MAX; e++) {
            h = fnv1a_more(h, u + w->off[e - 1], w->off[e] - w->off[e - 1]);
            ids[k++] = h;
        }
    }
    return k + (m->word_ngrams ? word_pair_buckets(w, ids + k) : 0);
}

/* Bucket ids of every kept n-gram of the text (unsorted); *n_ids their count. */
static int text_buckets(const cx_ngram *m, const unsigned char *s, size_t len, uint32_t **ids_out, size_t *n_ids,
                        cx_error *err) {
    /* A word of c code points has at most 4(c + 2) n-grams and 2 word
     * features; words are at least one code point. */
    uint32_t *ids = malloc((4 * (len + 2 * (len + 1)) + 2 * (len + 1) + 4) * sizeof *ids);
    word_buf w;
    if (!word_buf_init(&w, len) || !ids) {
        free(ids), word_buf_free(&w);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t k = 0; k <= len;) {
        uint32_t cp = ' ';  /* the end of the text closes the last word as a space does */
        size_t l = 1;
        if (k < len && (l = cx_utf8_decode(s + k, len - k, &cp)) == 0) l = 1, cp = 0xFFFD;
        k += l;
        if (is_space(cp)) {
            if (w.n_cp) {
                word_push(&w, ' ');
                w.off[w.n_cp] = w.bytes;
                n += word_buckets(m, &w, ids + n);
            }
            w.n_cp = w.bytes = 0;
            continue;
        }
        if (!w.n_cp) word_push(&w, ' ');  /* open a word: leading pad */
        /* U+0130 (İ) is the one letter whose lower case is two code points
         * (SpecialCasing); the features keep it as it is, like the Python side. */
        word_push(&w, cp == 0x130 ? 0x130 : (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp));
    }
    word_buf_free(&w);
    *ids_out = ids;
    *n_ids = keep_buckets(m, ids, n);
    return CX_OK;
}

int cx_ngram_logits(const cx_ngram *m, const char *text, size_t len, float out[NGRAM_OUTPUTS], cx_error *err) {
    if (len > NGRAM_MAX_BYTES) {
        len = NGRAM_MAX_BYTES;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) len--;  /* not inside a character */
    }
    uint32_t *ids = NULL;
    size_t n = 0;
    int rc = text_buckets(m, (const unsigned char *)text, len, &ids, &n, err);
    if (rc) return rc;
    id_count *t;
    const size_t cap = count_ids(ids, n, &t);
    free(ids);
    if (!t) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    double acc[NGRAM_OUTPUTS] = {0}, norm2 = 0;
    for (size_t i = 0; i < cap; i++) {
        if (!t[i].key) continue;
        const uint32_t id = t[i].key - 1;
        const double v = (1.0 + log((double)t[i].count)) * m->idf[id];
        const int8_t *w = m->weight + (size_t)id * NGRAM_OUTPUTS;
        for (int o = 0; o < NGRAM_OUTPUTS; o++) acc[o] += v * w[o];
        norm2 += v * v;
    }
    free(t);
    const double inv = norm2 > 0 ? 1.0 / sqrt(norm2) : 0.0;
    for (int o = 0; o < NGRAM_OUTPUTS; o++) out[o] = (float)(acc[o] * inv * m->scale[o] + m->bias[o]);
    return CX_OK;
}
