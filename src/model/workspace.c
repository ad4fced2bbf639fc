/* cx_model_ws: every activation buffer, sized once for the largest batch and
 * carved from one allocation. Layers that are frozen (or every layer when not
 * training) share one scratch set; only trainable layers keep their own. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_int.h"
#include "complexity/common.h"

typedef struct carver {
    char *base;      /* NULL on the sizing pass */
    size_t used;
} carver;

static void *carve(carver *c, size_t count, size_t elem) {
    size_t off = (c->used + 63) & ~(size_t)63; /* cache-line aligned */
    c->used = off + count * elem;
    return c->base ? c->base + off : NULL;
}
#define FLOATS(c, n) ((float *)carve((c), (n), sizeof(float)))
#define BYTES(c, n) ((uint8_t *)carve((c), (n), 1))

static void carve_layer(carver *c, cx_layer_acts *a, const cx_model_config *cfg, size_t N,
                        size_t B, size_t A, int keep_masks, int own_out) {
    const size_t D = (size_t)cfg->dim, F = (size_t)cfg->ffn_dim;
    a->qkv = FLOATS(c, N * 3 * D);
    a->probs = FLOATS(c, A);
    a->att_mask = keep_masks && cfg->attention_dropout > 0.0f ? BYTES(c, A) : NULL;
    a->att = FLOATS(c, N * D);
    a->res1 = FLOATS(c, N * D);
    a->mean1 = FLOATS(c, N);
    a->rstd1 = FLOATS(c, N);
    a->h1 = FLOATS(c, N * D);
    a->ff1 = FLOATS(c, N * F);
    a->gelu = FLOATS(c, N * F);
    a->ff_mask = keep_masks && cfg->dropout > 0.0f ? BYTES(c, N * D) : NULL;
    a->res2 = FLOATS(c, N * D);
    a->mean2 = FLOATS(c, N);
    a->rstd2 = FLOATS(c, N);
    a->out = own_out ? FLOATS(c, N * D) : NULL;
    a->xc = FLOATS(c, B * D);
}

static void carve_heads(carver *c, cx_head_acts *h, const cx_model_config *cfg, size_t B) {
    const size_t D = (size_t)cfg->dim, S = (size_t)cfg->shared_dim, Hh = (size_t)cfg->head_dim;
    h->cls = FLOATS(c, B * D);
    h->cls_mask = BYTES(c, B * D);
    h->cls_d = FLOATS(c, B * D);
    h->sh = FLOATS(c, B * S);
    h->shr = FLOATS(c, B * S);
    h->sh_mask = BYTES(c, B * S);
    h->shd = FLOATS(c, B * S);
    for (int k = 0; k < CX_N_HEADS; k++) {
        h->a[k] = FLOATS(c, B * Hh);
        h->r[k] = FLOATS(c, B * Hh);
        h->logit[k] = FLOATS(c, B * (size_t)cx_head_outputs[k]);
        h->dlogit[k] = FLOATS(c, B * (size_t)cx_head_outputs[k]);
    }
    h->score = FLOATS(c, B);
    h->dcls = FLOATS(c, B * D);
    h->dcls_d = FLOATS(c, B * D);
    h->dsh = FLOATS(c, B * S);
    h->dshr = FLOATS(c, B * S);
    h->dshd = FLOATS(c, B * S);
    h->da = FLOATS(c, B * Hh);
    h->dr = FLOATS(c, B * Hh);
}

static void carve_all(carver *c, cx_model_ws *ws) {
    const cx_model_config *cfg = &ws->m->cfg;
    const cx_ws_options *o = &ws->opt;
    const size_t N = o->max_tokens, D = (size_t)cfg->dim, F = (size_t)cfg->ffn_dim;
    const size_t B = (size_t)o->max_seqs, L = (size_t)o->max_len;
    /* attention maps: sum of H T_b^2 <= H * min(N * L, B * L^2) */
    size_t A = N * L < B * L * L ? N * L : B * L * L;
    A *= (size_t)cfg->n_heads;
    ws->off = (size_t *)carve(c, B + 1, sizeof(size_t));
    ws->aoff = (size_t *)carve(c, B + 1, sizeof(size_t));
    ws->x0 = FLOATS(c, N * D);
    ws->ping[0] = FLOATS(c, N * D);
    ws->ping[1] = FLOATS(c, N * D);
    ws->ff2_tmp = FLOATS(c, N * D);
    ws->hidden = FLOATS(c, N * D);
    carve_layer(c, &ws->tmp, cfg, N, B, A, 0, 0);
    int first = o->training ? o->freeze : cfg->n_layers;
    if (o->training && o->freeze == 0) {
        ws->emb.sum = FLOATS(c, N * D);
        ws->emb.mean = FLOATS(c, N);
        ws->emb.rstd = FLOATS(c, N);
        ws->emb.ln = FLOATS(c, N * D);
        ws->emb.mask = BYTES(c, N * D);
    }
    for (int l = first; l < cfg->n_layers; l++) carve_layer(c, &ws->acts[l], cfg, N, B, A, 1, 1);
    carve_heads(c, &ws->heads, cfg, B);
    if (!o->training) return;
    cx_back_scratch *bs = &ws->bs;
    bs->dres2 = FLOATS(c, N * D);
    bs->dh1 = FLOATS(c, N * D);
    bs->dff2 = FLOATS(c, N * D);
    bs->dres1 = FLOATS(c, N * D);
    bs->datt = FLOATS(c, N * D);
    bs->dgelu = FLOATS(c, N * F);
    bs->dff1 = FLOATS(c, N * F);
    bs->dqkv = FLOATS(c, N * 3 * D);
    bs->att_threads = omp_get_max_threads();
    bs->datt_scratch = FLOATS(c, attention_scratch_floats(L, bs->att_threads));
    bs->dx[0] = FLOATS(c, N * D);
    bs->dx[1] = FLOATS(c, N * D);
}

cx_ws_options cx_ws_default_options(void) {
    cx_ws_options o = {.max_seqs = 1, .max_tokens = 512, .max_len = 512};
    return o;
}

int cx_ws_open(const cx_model *m, const cx_ws_options *opt, cx_model_ws **out, cx_error *err) {
    *out = NULL;
    const cx_model_config *cfg = &m->cfg;
    if (opt->max_seqs < 1 || opt->max_len < 1 || opt->max_len > cfg->max_positions ||
        opt->max_tokens < 1 || opt->max_tokens > ((size_t)1 << 24) ||
        (size_t)opt->max_seqs > opt->max_tokens)
        return cx_error_set(err, CX_ERR_INVALID,
                            "workspace: need 1 <= max_seqs <= max_tokens <= 2^24 and "
                            "1 <= max_len <= %d (max_positions)", cfg->max_positions);
    if (opt->freeze < 0 || opt->freeze > cfg->n_layers)
        return cx_error_set(err, CX_ERR_INVALID, "workspace: freeze %d not in 0..%d", opt->freeze,
                            cfg->n_layers);
    cx_model_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return cx_error_set(err, CX_ERR_NOMEM, "workspace: out of memory");
    ws->m = m;
    ws->opt = *opt;
    carver c = {NULL, 0};
    carve_all(&c, ws);
    ws->mem = malloc(c.used + 64);
    if (!ws->mem) {
        free(ws);
        return cx_error_set(err, CX_ERR_NOMEM, "workspace: cannot allocate %zu bytes", c.used);
    }
    c.base = (char *)(((uintptr_t)ws->mem + 63) & ~(uintptr_t)63);
    c.used = 0;
    carve_all(&c, ws);
    if (opt->bf16) {
        int rc = nn_gemm_open(&ws->gemm, err);
        if (rc) {
            cx_ws_free(ws);
            return rc;
        }
    }
    *out = ws;
    return CX_OK;
}

void cx_ws_weights_changed(cx_model_ws *ws) {
    if (ws->gemm) nn_gemm_weights_changed(ws->gemm);
}

void cx_ws_free(cx_model_ws *ws) {
    if (!ws) return;
    nn_gemm_free(ws->gemm);
    free(ws->mem);
    free(ws);
}

const float *cx_ws_dhidden(const cx_model_ws *ws) {
    /* layer_backward of the first trainable layer ends in dx[...]: see run.c */
    return ws->bs.dx[0];
}
