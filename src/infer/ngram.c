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
    int bits;
    cx_ngram_blend blend;
    float *idf;         /* (2^bits) */
    int8_t *weight;     /* (2^bits, NGRAM_OUTPUTS): one bucket's outputs side by side */
    float scale[NGRAM_OUTPUTS], bias[NGRAM_OUTPUTS];
};

/* Python's str.split() whitespace (tools/ngram_features.py has the same list). */
static int is_space(uint32_t c) {
    if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680) return 1;
    if (c >= 0x2000 && c <= 0x200A) return 1;
    return c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static uint32_t fnv1a(const unsigned char *s, size_t n) {
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x01000193u;
    return h;
}

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
    if (!fmt || strcmp(fmt, "complexity-ngram") || !ver || strcmp(ver, "1"))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: not a complexity n-gram file (metadata format/version)", path);
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
    return CX_OK;
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
    free(m);
}

cx_ngram_blend cx_ngram_blends(const cx_ngram *m) { return m->blend; }

/* Appends the bucket of every n-gram of one padded word: utf8 holds its
 * UTF-8 bytes, off[i] where code point i starts (off[n_cp] = end). */
static size_t word_buckets(const char *utf8, const size_t *off, size_t n_cp, uint32_t mask, uint32_t *ids) {
    size_t k = 0;
    for (size_t n = 1; n <= NGRAM_N_MAX && n <= n_cp; n++)
        for (size_t i = 0; i + n <= n_cp; i++)
            ids[k++] = fnv1a((const unsigned char *)utf8 + off[i], off[i + n] - off[i]) & mask;
    return k;
}

/* Bucket ids of every n-gram of the text (unsorted); *n_ids their count. */
static int text_buckets(const cx_ngram *m, const unsigned char *s, size_t len, uint32_t **ids_out, size_t *n_ids,
                        cx_error *err) {
    /* A word of c code points has at most 4(c + 2) n-grams; words are at least one code point. */
    uint32_t *ids = malloc((4 * (len + 2 * (len + 1)) + 4) * sizeof *ids);
    char *word = malloc(4 * (len + 2) + 4);
    size_t *off = malloc((len + 3) * sizeof *off);
    if (!ids || !word || !off) {
        free(ids), free(word), free(off);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    const uint32_t mask = ((uint32_t)1 << m->bits) - 1;
    size_t n = 0, n_cp = 0, bytes = 0;
    for (size_t k = 0; k <= len;) {
        uint32_t cp = ' ';
        size_t l = 1;
        if (k < len && (l = cx_utf8_decode(s + k, len - k, &cp)) == 0) l = 1, cp = 0xFFFD;
        if (k == len || is_space(cp)) {
            if (n_cp) {  /* close the word: trailing pad, then its n-grams */
                off[n_cp] = bytes;
                word[bytes++] = ' ';
                off[++n_cp] = bytes;
                n += word_buckets(word, off, n_cp, mask, ids + n);
            }
            n_cp = bytes = 0;
            k += l;
            if (k > len) break;
            continue;
        }
        if (!n_cp) {  /* open a word: leading pad */
            off[n_cp++] = 0;
            word[bytes++] = ' ';
        }
        /* U+0130 (İ) is the one letter whose lower case is two code points
         * (SpecialCasing); the features keep it as it is, like the Python side. */
        utf8proc_int32_t lower = cp == 0x130 ? 0x130 : utf8proc_tolower((utf8proc_int32_t)cp);
        off[n_cp++] = bytes;
        bytes += (size_t)utf8proc_encode_char(lower, (utf8proc_uint8_t *)word + bytes);
        k += l;
    }
    free(word);
    free(off);
    *ids_out = ids;
    *n_ids = n;
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
