/* The masked-LM head and one pretraining step (mlm.h). */
#include "model/mlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_int.h"
#include "complexity/common.h"

struct cx_mlm_ws {
    int max_masked;
    size_t max_tokens;
    float *x, *t, *g, *y;      /* (M, D): gathered rows, transform, GELU, LayerNorm */
    float *mean, *rstd;        /* (M) */
    float *z;                  /* (M, V) logits, then d(loss)/d(logits) */
    float *dy, *dg, *dt, *dx;  /* (M, D) */
    float *dh;                 /* (N, D) d(loss)/d(encoder output) */
    void *mem;
};

static const char *const HEAD_NAMES[MLM_HEAD_TENSORS] = {
    "vocab_transform.weight", "vocab_transform.bias", "vocab_layer_norm.weight", "vocab_layer_norm.bias",
    "vocab_projector.bias"};

size_t mlm_head_size(const cx_model_config *c) {
    const size_t D = (size_t)c->dim;
    return D * D + 3 * D + (size_t)c->vocab_size;
}

void mlm_head_tensor(const cx_model_config *c, int i, const char **name, size_t *offset, int *ndim,
                     int64_t shape[2]) {
    const size_t D = (size_t)c->dim;
    const size_t off[MLM_HEAD_TENSORS] = {0, D * D, D * D + D, D * D + 2 * D, D * D + 3 * D};
    *name = HEAD_NAMES[i];
    *offset = off[i];
    *ndim = i == 0 ? 2 : 1;
    shape[0] = i < MLM_HEAD_TENSORS - 1 ? (int64_t)D : c->vocab_size; /* the last: the projector bias */
    shape[1] = i == 0 ? (int64_t)D : 0;
}

void mlm_head_point(cx_mlm_head *h, float *mem, const cx_model_config *c) {
    const size_t D = (size_t)c->dim;
    h->tw = mem;
    h->tb = mem + D * D;
    h->lnw = h->tb + D;
    h->lnb = h->lnw + D;
    h->pb = h->lnb + D;
}

void mlm_head_init(float *mem, const cx_model_config *c, uint64_t seed) {
    cx_mlm_head h;
    mlm_head_point(&h, mem, c);
    cx_rng rng;
    cx_rng_seed(&rng, seed);
    const size_t D = (size_t)c->dim;
    for (size_t i = 0; i < D * D; i++) h.tw[i] = (float)(0.02 * cx_rng_normal(&rng));
    memset(h.tb, 0, D * sizeof(float));
    for (size_t i = 0; i < D; i++) h.lnw[i] = 1.0f;
    memset(h.lnb, 0, D * sizeof(float));
    memset(h.pb, 0, (size_t)c->vocab_size * sizeof(float));
}

int mlm_ws_open(const cx_model_config *c, int max_masked, size_t max_tokens, cx_mlm_ws **out, cx_error *err) {
    *out = NULL;
    if (max_masked < 1 || max_tokens < 1)
        return cx_error_set(err, CX_ERR_INVALID, "masked-LM workspace: needs at least one position");
    const size_t M = (size_t)max_masked, D = (size_t)c->dim, V = (size_t)c->vocab_size;
    const size_t total = 8 * M * D + 2 * M + M * V + max_tokens * D;
    cx_mlm_ws *w = calloc(1, sizeof *w);
    float *f = w ? malloc(total * sizeof *f) : NULL;
    if (!f) {
        free(w);
        return cx_error_set(err, CX_ERR_NOMEM, "masked-LM workspace: cannot allocate %zu bytes", total * sizeof *f);
    }
    w->mem = f;
    w->max_masked = max_masked;
    w->max_tokens = max_tokens;
    float **md[] = {&w->x, &w->t, &w->g, &w->y, &w->dy, &w->dg, &w->dt, &w->dx};
    for (size_t i = 0; i < sizeof md / sizeof md[0]; i++, f += M * D) *md[i] = f;
    w->mean = f;
    w->rstd = f + M;
    w->z = f + 2 * M;
    w->dh = w->z + M * V;
    *out = w;
    return CX_OK;
}

void mlm_ws_free(cx_mlm_ws *w) {
    if (!w) return;
    free(w->mem);
    free(w);
}

/* Softmax cross-entropy of each row of z (M, V) against labels, averaged
 * over the rows; z becomes d(loss)/d(z). Counts rows whose argmax is the label. */
static double cross_entropy_rows(float *z, const int32_t *labels, int M, int V, int *correct) {
    double loss = 0.0;
    int right = 0;
#pragma omp parallel for schedule(static) reduction(+ : loss, right)
    for (int r = 0; r < M; r++) {
        float *row = z + (size_t)r * V;
        int best = 0;
        for (int k = 1; k < V; k++) if (row[k] > row[best]) best = k;
        const float mx = row[best], label_z = row[labels[r]] - mx;
        double sum = 0.0;
        for (int k = 0; k < V; k++) {
            row[k] = expf(row[k] - mx);
            sum += row[k];
        }
        loss += log(sum) - label_z;
        right += best == labels[r];
        const float scale = (float)(1.0 / (sum * M));
        for (int k = 0; k < V; k++) row[k] *= scale;
        row[labels[r]] -= 1.0f / (float)M;
    }
    *correct = right;
    return loss / M;
}

static int check_positions(const cx_model *m, const cx_mlm_ws *mw, const cx_model_batch *b, const int32_t *pos,
                           const int32_t *labels, int M, cx_error *err) {
    size_t N = 0;
    for (int i = 0; i < b->n_seqs; i++) N += (size_t)(b->lengths[i] > 0 ? b->lengths[i] : 0);
    if (M < 1 || M > mw->max_masked)
        return cx_error_set(err, CX_ERR_INVALID, "masked-LM step: %d masked positions, workspace holds 1..%d", M,
                            mw->max_masked);
    if (N > mw->max_tokens)
        return cx_error_set(err, CX_ERR_INVALID, "masked-LM step: %zu tokens, workspace holds %zu", N,
                            mw->max_tokens);
    for (int i = 0; i < M; i++)
        if (pos[i] < 0 || (size_t)pos[i] >= N || labels[i] < 0 || labels[i] >= m->cfg.vocab_size)
            return cx_error_set(err, CX_ERR_INVALID, "masked-LM step: position %d (%d, label %d) out of range", i,
                                (int)pos[i], (int)labels[i]);
    return CX_OK;
}

int cx_model_mlm_step(const cx_model *m, cx_model_ws *ws, cx_mlm_ws *mw, const cx_model_batch *b,
                      const int32_t *pos, const int32_t *labels, int M, const float *head, float *grads,
                      float *head_grads, int train, uint64_t dropout_seed, double *loss, int *correct,
                      cx_error *err) {
    int rc = check_positions(m, mw, b, pos, labels, M, err);
    const float *hid;
    if (!rc) rc = model_encode_train(m, ws, b, train, dropout_seed, &hid, err);
    if (rc) return rc;
    const int D = m->cfg.dim, V = m->cfg.vocab_size;
    const size_t MD = (size_t)M * D, N = ws->N;
    cx_mlm_head h, gh;
    mlm_head_point(&h, (float *)head, &m->cfg);
    mlm_head_point(&gh, head_grads, &m->cfg);
    nn_gemm *gemm = ws->gemm;
    /* forward: only the masked rows go through the head */
    for (int i = 0; i < M; i++) memcpy(mw->x + (size_t)i * D, hid + (size_t)pos[i] * D, (size_t)D * sizeof(float));
    matmul_forward(gemm, mw->t, mw->x, h.tw, h.tb, (size_t)M, D, D);
    gelu_forward(mw->g, mw->t, MD);
    layernorm_forward(mw->y, mw->mean, mw->rstd, mw->g, h.lnw, h.lnb, (size_t)M, D, m->cfg.ln_eps);
    matmul_forward(gemm, mw->z, mw->y, m->p.word_emb, h.pb, (size_t)M, D, V);
    *loss = cross_entropy_rows(mw->z, labels, M, V, correct);
    /* backward, in reverse; the projection's weight is the word embeddings */
    cx_params g;
    params_point(&g, grads, 0, m->desc, m->n_tensors);
    memset(mw->dy, 0, MD * sizeof(float));
    matmul_backward(gemm, mw->dy, g.word_emb, gh.pb, mw->z, mw->y, m->p.word_emb, (size_t)M, D, V);
    memset(mw->dg, 0, MD * sizeof(float));
    layernorm_backward(mw->dg, gh.lnw, gh.lnb, mw->dy, mw->g, h.lnw, mw->mean, mw->rstd, (size_t)M, D);
    memset(mw->dt, 0, MD * sizeof(float));
    gelu_backward(mw->dt, mw->t, mw->dg, MD);
    memset(mw->dx, 0, MD * sizeof(float));
    matmul_backward(gemm, mw->dx, gh.tw, gh.tb, mw->dt, mw->x, h.tw, (size_t)M, D, D);
    memset(mw->dh, 0, N * (size_t)D * sizeof(float));
    for (int i = 0; i < M; i++) {
        float *d = mw->dh + (size_t)pos[i] * D;
        const float *s = mw->dx + (size_t)i * D;
        for (int c = 0; c < D; c++) d[c] += s[c];
    }
    model_encode_backward(m, ws, mw->dh, grads);
    return CX_OK;
}
