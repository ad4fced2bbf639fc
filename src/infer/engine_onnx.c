/* cx_engine from an ONNX file written by `complexity export-onnx` (SPEC §6):
 * INT8 (weights "<W>.T_quantized" int8 [in, out] with "<W>.T_scale", the word
 * table "<W>_quantized" [V, D] with "<W>_scale", zero points 0) or fp32
 * ("<W>.T" [in, out], the word table under its own name), quantized here.
 * Biases, LayerNorms and positions are F32 under their SPEC §3 names. The
 * config comes from the tensors' shapes (heads from "heads_shape*", else
 * head width 64). The int8 word table is used in place from the mapping. */
#define _DEFAULT_SOURCE /* madvise */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infer/engine_int.h"
#include "infer/onnx_read.h"
#include "infer/quant.h"
#include "model/params.h"
#include "complexity/common.h"

typedef struct src {
    const onnx_inits *in;
    const char *path;
    cx_error *err;
    int8_t *scratch;     /* one (out, in) int8 matrix, reused: freed-and-kept */
    size_t scratch_cap;  /* buffers between the packed weights would stay resident */
} src;

/* Initializer `name` of this type and shape (cols 0: rows elements, any rank
 * <= 1 when rows is 1: a scalar). */
static const onnx_init *get(const src *s, const char *name, int32_t dtype, int64_t rows, int64_t cols) {
    const onnx_init *t = onnx_find(s->in, name);
    if (!t) {
        cx_error_set(s->err, CX_ERR_FORMAT, "%s: initializer '%s' is missing", s->path, name);
        return NULL;
    }
    int shape_ok = cols ? t->ndim == 2 && t->dims[0] == rows && t->dims[1] == cols
                        : t->ndim <= 1 && (int64_t)t->count == rows;
    if (t->dtype != dtype || !shape_ok || !t->data) {
        cx_error_set(s->err, CX_ERR_FORMAT, "%s: initializer '%s' is not %s [%lld%s%.0lld] with raw data", s->path, name,
                     dtype == ONNX_FLOAT ? "float" : "int8", (long long)rows, cols ? "," : "", (long long)cols);
        return NULL;
    }
    return t;
}

static int64_t len_of(const onnx_inits *in, const char *name) {
    const onnx_init *t = onnx_find(in, name);
    return t && t->ndim == 1 ? t->dims[0] : -1;
}

static int config_from(const src *s, cx_model_config *c) {
    cx_model_preset("distilbert", c, NULL);
    const char *w = PARAMS_WORD_EMB;
    char n[128];
    snprintf(n, sizeof n, "%s_quantized", w);
    const onnx_init *t = onnx_find(s->in, n);
    if (!t) t = onnx_find(s->in, w);
    const onnx_init *p = onnx_find(s->in, PARAMS_POS_EMB);
    if (!t || t->ndim != 2 || !p || p->ndim != 2)
        return cx_error_set(s->err, CX_ERR_FORMAT, "%s: no word/position embeddings: not a complexity model", s->path);
    c->vocab_size = (int)t->dims[0];
    c->dim = (int)t->dims[1];
    c->max_positions = (int)p->dims[0];
    int L = 0;
    for (; L < CX_MODEL_MAX_LAYERS; L++) {
        params_layer_name(n, sizeof n, L, "attention.q_lin.bias");
        if (!onnx_find(s->in, n)) break;
    }
    c->n_layers = L;
    char name[96];
    params_layer_name(name, sizeof name, 0, "ffn.lin1.bias");
    c->ffn_dim = (int)len_of(s->in, name);
    c->shared_dim = (int)len_of(s->in, PARAMS_SHARED ".bias");
    params_head_name(name, sizeof name, CX_HEAD_SCORE, "0.bias");
    c->head_dim = (int)len_of(s->in, name);
    c->n_heads = c->dim >= 64 ? c->dim / 64 : 1;
    for (size_t i = 0; i < s->in->n; i++) { /* the Reshape target {0, 0, H, hd} of the attention */
        const onnx_init *h = &s->in->v[i];
        if (h->name_len >= 11 && !memcmp(h->name, "heads_shape", 11) && h->dtype == ONNX_INT64 && h->count == 4 && h->data) {
            int64_t v[4];
            memcpy(v, h->data, sizeof v);
            if (v[2] > 0 && v[2] <= c->dim) c->n_heads = (int)v[2];
            break;
        }
    }
    cx_error e2;
    if (cx_model_config_check(c, &e2))
        return cx_error_set(s->err, CX_ERR_FORMAT, "%s: the tensors' shapes make no valid model: %s", s->path, e2.msg);
    return CX_OK;
}

static float scale_of(const src *s, const char *base, const char *suffix) {
    char n[160];
    snprintf(n, sizeof n, "%s%s", base, suffix);
    const onnx_init *t = get(s, n, ONNX_FLOAT, 1, 0);
    if (!t) return -1.0f;
    float v;
    memcpy(&v, t->data, 4);
    if (!(isfinite(v) && v > 0.0f)) {
        cx_error_set(s->err, CX_ERR_FORMAT, "%s: '%s' is not a positive finite scale", s->path, n);
        return -1.0f;
    }
    return v;
}

/* dst (out, in) = the initializer's [in, out] matrix at from, elements of es
 * bytes (copied with memcpy: the mapping gives no alignment). */
static void transpose_in_out(void *dst, const uint8_t *from, int in, int out, size_t es) {
    for (int i = 0; i < in; i++)
        for (int o = 0; o < out; o++)
            memcpy((char *)dst + ((size_t)o * in + i) * es, from + ((size_t)i * out + o) * es, es);
}

/* W (rows=out, cols=in) as int8 (*q: s->scratch, valid until the next call)
 * with its scale, from "<name>.T_quantized" or "<name>.T" (fp32, quantized here). */
static int linear_q(src *s, const char *name, int out, int in, int8_t **q, float *scale) {
    char n[160];
    snprintf(n, sizeof n, "%s.T_quantized", name);
    int quantized = onnx_find(s->in, n) != NULL;
    if (!quantized) snprintf(n, sizeof n, "%s.T", name);
    const onnx_init *t = get(s, n, quantized ? ONNX_INT8 : ONNX_FLOAT, in, out);
    if (!t) return s->err->code;
    size_t cnt = (size_t)out * in;
    if (cnt > s->scratch_cap) {
        int8_t *b = realloc(s->scratch, cnt);
        if (!b) return cx_error_set(s->err, CX_ERR_NOMEM, "out of memory");
        s->scratch = b;
        s->scratch_cap = cnt;
    }
    *q = s->scratch;
    if (quantized) {
        if ((*scale = scale_of(s, name, ".T_scale")) < 0) return s->err->code;
        transpose_in_out(*q, t->data, in, out, 1);
        return CX_OK;
    }
    float *w = malloc(cnt * sizeof *w);
    if (!w) return cx_error_set(s->err, CX_ERR_NOMEM, "out of memory");
    transpose_in_out(w, t->data, in, out, sizeof *w);
    *scale = quant_weight_sym(*q, w, cnt);
    free(w);
    if (*scale < 0)
        return cx_error_set(s->err, CX_ERR_FORMAT, "%s: '%s' has a value that is not finite (NaN or infinity)",
                            s->path, n);
    return CX_OK;
}

/* A classifier weight (fp32 in the engine): dequantized or copied back to (out, in). */
static int head_f32(src *s, const eng_tensor *t) {
    int8_t *q = NULL;
    float sc = 0;
    int rc = linear_q(s, t->name, t->rows, t->cols, &q, &sc);
    if (rc == CX_OK) {
        float *dst = (float *)*t->f32;
        char n[160];
        snprintf(n, sizeof n, "%s.T", t->name);
        const onnx_init *f = onnx_find(s->in, n);
        if (f && f->dtype == ONNX_FLOAT) /* exact fp32 values, not their quantization */
            transpose_in_out(dst, f->data, t->cols, t->rows, sizeof *dst);
        else
            for (size_t k = 0; k < (size_t)t->rows * t->cols; k++) dst[k] = q[k] * sc;
    }
    return rc;
}

static int load_one(cx_engine *e, src *s, const eng_tensor *t) {
    if (!t->is_int8) {
        if (t->cols && !strncmp(t->name, "classifier.", 11)) return head_f32(s, t);
        const onnx_init *f = get(s, t->name, ONNX_FLOAT, t->rows, t->cols);
        if (!f) return s->err->code;
        memcpy((float *)*t->f32, f->data, f->bytes);
        return CX_OK;
    }
    if (t->lin) {
        int8_t *q = NULL;
        int rc = linear_q(s, t->name, t->rows, t->cols, &q, &t->lin->scale);
        if (rc == CX_OK && eng_pack_linear(e, t->lin, q, t->rows, t->cols))
            rc = cx_error_set(s->err, CX_ERR_NOMEM, "out of memory");
        return rc;
    }
    char n[160];
    snprintf(n, sizeof n, "%s_quantized", t->name);
    if (onnx_find(s->in, n)) { /* int8 word table: used in place */
        const onnx_init *f = get(s, n, ONNX_INT8, t->rows, t->cols);
        if (!f || (e->word_scale = scale_of(s, t->name, "_scale")) < 0) return s->err->code;
        e->word = (const int8_t *)f->data;
        return CX_OK;
    }
    const onnx_init *f = get(s, t->name, ONNX_FLOAT, t->rows, t->cols);
    if (!f) return s->err->code;
    size_t cnt = (size_t)t->rows * t->cols;
    float *w = malloc(cnt * sizeof *w);
    if (!w || !(e->word_own = malloc(cnt))) {
        free(w);
        return cx_error_set(s->err, CX_ERR_NOMEM, "out of memory");
    }
    memcpy(w, f->data, cnt * 4);
    e->word_scale = quant_weight_sym(e->word_own, w, cnt);
    e->word = e->word_own;
    free(w);
    if (e->word_scale < 0)
        return cx_error_set(s->err, CX_ERR_FORMAT, "%s: '%s' has a value that is not finite (NaN or infinity)",
                            s->path, t->name);
    return CX_OK;
}

static int map_file(const char *path, void **map, size_t *len, cx_error *err) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: cannot open", path);
    struct stat st;
    int rc = CX_OK;
    if (fstat(fd, &st) || st.st_size <= 0) rc = cx_error_set(err, CX_ERR_FORMAT, "%s: empty or unreadable", path);
    else {
        *len = (size_t)st.st_size;
        *map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (*map == MAP_FAILED) {
            *map = NULL;
            rc = cx_error_set(err, CX_ERR_IO, "%s: cannot map", path);
        }
    }
    close(fd);
    return rc;
}

int eng_load_onnx(cx_engine **out, const char *path, cx_error *err) {
    *out = NULL;
    cx_engine *e = calloc(1, sizeof *e);
    if (!e) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    onnx_inits in = {0};
    src s = {&in, path, err, NULL, 0};
    eng_tensor *list = NULL;
    int rc = map_file(path, &e->map, &e->map_len, err);
    if (!rc) rc = onnx_read_inits(&in, e->map, e->map_len, path, err);
    if (!rc) rc = config_from(&s, &e->cfg);
    int n = rc ? 0 : eng_tensor_count(&e->cfg);
    if (!rc && !(list = calloc((size_t)n, sizeof *list))) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (!rc) {
        eng_tensor_list(e, list);
        rc = eng_alloc_tensors(e, list, n, err);
    }
    for (int i = 0; !rc && i < n; i++) rc = load_one(e, &s, &list[i]);
    free(list);
    free(s.scratch);
    onnx_inits_free(&in);
    if (rc) {
        cx_engine_free(e);
        return rc;
    }
    /* all but the word table was copied: drop the pages read (clean,
     * file-backed); rows are then read at random: no fault-around */
    madvise(e->map, e->map_len, MADV_DONTNEED);
    madvise(e->map, e->map_len, MADV_RANDOM);
    *out = e;
    return CX_OK;
}
