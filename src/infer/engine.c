/* cx_engine: the weights of the INT8 engine, and quantizing a fp32 model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "infer/engine_int.h"
#include "infer/quant.h"
#include "model/params.h"
#include "complexity/common.h"
#include "util/hugemem.h"

_Static_assert((int)ENG_N_HEADS == (int)CX_N_HEADS, "the engine's heads are the model's");

int eng_tensor_count(const cx_model_config *cfg) { return 22 + 16 * cfg->n_layers; }

static eng_tensor *add(eng_tensor *t, const char *name, int rows, int cols, const float **f32,
                       eng_linear *lin, int is_int8) {
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rows = rows;
    t->cols = cols;
    t->f32 = f32;
    t->lin = lin;
    t->is_int8 = is_int8;
    return t + 1;
}

void eng_tensor_list(cx_engine *e, eng_tensor *t) {
    const cx_model_config *c = &e->cfg;
    const int D = c->dim, F = c->ffn_dim, S = c->shared_dim, Hh = c->head_dim;
    char n[96];
    t = add(t, PARAMS_POS_EMB, c->max_positions, D, &e->pos, NULL, 0);
    t = add(t, PARAMS_EMB_LN ".weight", D, 0, &e->emb_ln_w, NULL, 0);
    t = add(t, PARAMS_EMB_LN ".bias", D, 0, &e->emb_ln_b, NULL, 0);
    static const char *const lin_names[ENG_N_LINEAR] = {"attention.q_lin", "attention.k_lin", "attention.v_lin",
                                                        "attention.out_lin", "ffn.lin1", "ffn.lin2"};
    for (int l = 0; l < c->n_layers; l++) {
        eng_layer *L = &e->layer[l];
        for (int k = 0; k < ENG_N_LINEAR; k++) {
            char part[64];
            snprintf(part, sizeof part, "%s.bias", lin_names[k]);
            params_layer_name(n, sizeof n, l, part);
            t = add(t, n, k == ENG_FF1 ? F : D, 0, &L->lin[k].bias, NULL, 0);
        }
        const char *ln[2] = {"sa_layer_norm", "output_layer_norm"};
        const float **slot[4] = {&L->ln1_w, &L->ln1_b, &L->ln2_w, &L->ln2_b};
        for (int k = 0; k < 4; k++) {
            char part[64];
            snprintf(part, sizeof part, "%s.%s", ln[k / 2], k % 2 ? "bias" : "weight");
            params_layer_name(n, sizeof n, l, part);
            t = add(t, n, D, 0, slot[k], NULL, 0);
        }
    }
    t = add(t, PARAMS_SHARED ".weight", S, D, &e->shared_w, NULL, 0);
    t = add(t, PARAMS_SHARED ".bias", S, 0, &e->shared_b, NULL, 0);
    for (int h = 0; h < ENG_N_HEADS; h++) {
        params_head_name(n, sizeof n, h, "0.weight");
        t = add(t, n, Hh, S, &e->head_w1[h], NULL, 0);
        params_head_name(n, sizeof n, h, "0.bias");
        t = add(t, n, Hh, 0, &e->head_b1[h], NULL, 0);
        params_head_name(n, sizeof n, h, "2.weight");
        t = add(t, n, cx_head_outputs[h], Hh, &e->head_w2[h], NULL, 0);
        params_head_name(n, sizeof n, h, "2.bias");
        t = add(t, n, cx_head_outputs[h], 0, &e->head_b2[h], NULL, 0);
    }
    t = add(t, PARAMS_WORD_EMB, c->vocab_size, D, NULL, NULL, 1);
    for (int l = 0; l < c->n_layers; l++)
        for (int k = 0; k < ENG_N_LINEAR; k++) {
            char part[64];
            snprintf(part, sizeof part, "%s.weight", lin_names[k]);
            params_layer_name(n, sizeof n, l, part);
            t = add(t, n, k == ENG_FF1 ? F : D, k == ENG_FF2 ? F : D, NULL, &e->layer[l].lin[k], 1);
        }
}

/* Floats of tensor t's slot in e->f32: whole cache lines, so that every
 * tensor starts on one (vector loads never straddle two lines). */
static size_t f32_slot(const eng_tensor *t) {
    return ((size_t)t->rows * (size_t)(t->cols ? t->cols : 1) + 15) / 16 * 16;
}

size_t eng_f32_total(const eng_tensor *list, int n) {
    size_t total = 0;
    for (int i = 0; i < n; i++)
        if (!list[i].is_int8) total += f32_slot(&list[i]);
    return total;
}

/* Slots of e->packed (on huge pages: the GEMMs run 8-10% faster, bench_gemm)
 * start on 4 KB boundaries. */
static size_t packed_slot(int rows, int cols) { return (qgemm_packed_bytes(rows, cols) + 4095) / 4096 * 4096; }

int eng_alloc_tensors(cx_engine *e, const eng_tensor *list, int n, cx_error *err) {
    size_t total = eng_f32_total(list, n), packed = 0;
    for (int i = 0; i < n; i++)
        if (list[i].lin) packed += packed_slot(list[i].rows, list[i].cols);
    if (!(e->f32 = aligned_alloc(64, (total ? total : 16) * sizeof *e->f32)) ||
        !(e->packed = cx_alloc_huge(packed, &e->packed_len)))
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    size_t off = 0;
    for (int i = 0; i < n; i++)
        if (!list[i].is_int8) {
            *list[i].f32 = e->f32 + off;
            off += f32_slot(&list[i]);
        }
    return CX_OK;
}

int eng_pack_linear(cx_engine *e, eng_linear *lin, const int8_t *W, int rows, int cols) {
    const size_t slot = packed_slot(rows, cols);
    if (e->packed_used + slot > e->packed_len) return -1; /* a Linear the list did not count */
    int rc = qgemm_pack_into(&lin->w, W, rows, cols, e->packed + e->packed_used);
    e->packed_used += slot;
    return rc;
}

void eng_unpack(int8_t *W, const qgemm_weight *w) {
    const size_t k4n = (size_t)w->Kp / 4;
    for (int o = 0; o < w->OC; o++) {
        size_t ob = (size_t)o / QGEMM_COL_BLOCK, j = (size_t)o % QGEMM_COL_BLOCK;
        for (int k = 0; k < w->K; k++)
            W[(size_t)o * w->K + k] =
                w->packed[((ob * k4n + (size_t)k / 4) * QGEMM_COL_BLOCK + j) * 4 + (size_t)k % 4];
    }
}

/* The model tensor with this name (offset, element count), or -1. */
static int model_find(const cx_model *m, const char *name, size_t *offset, size_t *count) {
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const char *tn;
        int nd, shape[2];
        cx_model_tensor(m, i, &tn, offset, &nd, shape);
        if (strcmp(tn, name) == 0) {
            *count = (size_t)shape[0] * (size_t)(nd == 2 ? shape[1] : 1);
            return 0;
        }
    }
    return -1;
}

/* Quantizes one int8 tensor t from the fp32 values w. */
static int quantize_tensor(cx_engine *e, const eng_tensor *t, const float *w, cx_error *err) {
    size_t n = (size_t)t->rows * (size_t)t->cols;
    int8_t *q = malloc(n);
    if (!q) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    float s = quant_weight_sym(q, w, n);
    if (s < 0) {
        free(q);
        return cx_error_set(err, CX_ERR_FORMAT, "tensor %s: a value is not finite (NaN or infinity)", t->name);
    }
    if (!t->lin) {
        e->word_own = q;
        e->word = q;
        e->word_scale = s;
        return CX_OK;
    }
    t->lin->scale = s;
    int rc = eng_pack_linear(e, t->lin, q, t->rows, t->cols);
    free(q);
    return rc ? cx_error_set(err, CX_ERR_NOMEM, "out of memory") : CX_OK;
}

int cx_engine_from_model(const cx_model *m, cx_engine **out, cx_error *err) {
    *out = NULL;
    cx_engine *e = calloc(1, sizeof *e);
    if (!e) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    e->cfg = *cx_model_get_config(m);
    const float *params = cx_model_params((cx_model *)m); /* read only */
    int n = eng_tensor_count(&e->cfg), rc;
    eng_tensor *list = calloc((size_t)n, sizeof *list);
    if (!list) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    else {
        eng_tensor_list(e, list);
        rc = eng_alloc_tensors(e, list, n, err);
    }
    for (int i = 0; rc == CX_OK && i < n; i++) {
        size_t off, count, want = (size_t)list[i].rows * (size_t)(list[i].cols ? list[i].cols : 1);
        if (model_find(m, list[i].name, &off, &count) || count != want) {
            rc = cx_error_set(err, CX_ERR_INTERNAL, "model tensor %s missing or of another shape", list[i].name);
            break;
        }
        if (list[i].is_int8) rc = quantize_tensor(e, &list[i], params + off, err);
        else memcpy((float *)*list[i].f32, params + off, want * sizeof(float));
    }
    free(list);
    if (rc) {
        cx_engine_free(e);
        return rc;
    }
    *out = e;
    return CX_OK;
}

void cx_engine_free(cx_engine *e) {
    if (!e) return;
    for (int l = 0; l < e->cfg.n_layers && l < CX_MODEL_MAX_LAYERS; l++)
        for (int k = 0; k < ENG_N_LINEAR; k++) qgemm_weight_free(&e->layer[l].lin[k].w);
    free(e->word_own);
    free(e->f32);
    free(e->packed);
    if (e->map) munmap(e->map, e->map_len);
    free(e);
}

const cx_model_config *cx_engine_config(const cx_engine *e) { return &e->cfg; }
