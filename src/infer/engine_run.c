/* Running the INT8 engine on one sequence: the DistilBERT encoder with int8
 * Linears, then the fp32 heads on [CLS]. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "infer/engine_int.h"
#include "infer/quant.h"
#include "infer/vec.h"
#include "util/error.h"

/* nq x n scores below which attention stays on one thread */
enum { ATTN_PARALLEL_MIN = 256 };

struct cx_engine_ctx {
    const cx_engine *e;
    int max_len, threads;
    qgemm_kernel kernel;
    eng_vec_ops ops;     /* element-wise kernels: AVX-512 along with the VNNI or AMX GEMM */
    size_t lda;          /* row stride of aq: covers max(D, F) */
    float *x;            /* (T, D) layer input, then output */
    float *q, *k, *v;    /* (T, D) each */
    float *att;          /* (T, D) heads side by side */
    float *h1;           /* (T, D) sa_layer_norm output */
    float *ff;           /* (T, F) lin1 output, GELU in place */
    float *scores;       /* ENG_ATTN_SCRATCH(T, D) per thread: one attention row + keys transposed */
    uint8_t *aq;         /* (Tp, lda) quantized activations */
    float *a_scale;      /* (T) */
    int32_t *a_zp;       /* (T) */
    int32_t *acc;        /* (T, F) int32 GEMM output */
    float head[1024 + 4 * 256]; /* shared output and head hidden layer (checked at open) */
};

static void *zalloc(size_t n) { return calloc(1, n ? n : 1); }

int cx_engine_ctx_open(cx_engine_ctx **out, const cx_engine *e, const cx_engine_options *opt,
                       cx_error *err) {
    *out = NULL;
    const cx_model_config *c = &e->cfg;
    cx_engine_options o = opt ? *opt : (cx_engine_options){0};
    int max_len = o.max_len > 0 ? o.max_len : 512;
    if (max_len > c->max_positions) max_len = c->max_positions;
    qgemm_kernel kernel = qgemm_best_kernel();
    if (o.kernel) {
        int k = qgemm_kernel_from_name(o.kernel);
        if (k < 0) return cx_error_set(err, CX_ERR_INVALID, "unknown INT8 kernel \"%s\"", o.kernel);
        if (!qgemm_kernel_available((qgemm_kernel)k))
            return cx_error_set(err, CX_ERR_UNSUPPORTED, "this CPU cannot run the %s kernel", o.kernel);
        kernel = (qgemm_kernel)k;
    }
    if (c->shared_dim > 1024 || c->head_dim > 256)
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "classifier widths %d/%d exceed 1024/256", c->shared_dim,
                            c->head_dim);
    cx_engine_ctx *x = calloc(1, sizeof *x);
    if (!x) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    x->e = e;
    x->max_len = max_len;
    x->threads = o.threads > 1 ? o.threads : 1;
    x->kernel = kernel;
    x->ops = eng_vec_select(kernel == QGEMM_AVX512VNNI || kernel == QGEMM_AMX);
    const size_t T = (size_t)max_len, D = (size_t)c->dim, F = (size_t)c->ffn_dim;
    const size_t Tp = (T + QGEMM_ROW_TILE - 1) / QGEMM_ROW_TILE * QGEMM_ROW_TILE;
    x->lda = qgemm_lda(c->ffn_dim > c->dim ? c->ffn_dim : c->dim);
    x->x = zalloc(T * D * sizeof(float));
    x->q = zalloc(T * D * sizeof(float));
    x->k = zalloc(T * D * sizeof(float));
    x->v = zalloc(T * D * sizeof(float));
    x->att = zalloc(T * D * sizeof(float));
    x->h1 = zalloc(T * D * sizeof(float));
    x->ff = zalloc(T * F * sizeof(float));
    x->scores = zalloc(ENG_ATTN_SCRATCH(T, D) * (size_t)x->threads * sizeof(float));
    x->aq = zalloc(Tp * x->lda);
    x->a_scale = zalloc(T * sizeof(float));
    x->a_zp = zalloc(T * sizeof(int32_t));
    x->acc = zalloc(T * (F > D ? F : D) * sizeof(int32_t));
    if (!x->x || !x->q || !x->k || !x->v || !x->att || !x->h1 || !x->ff || !x->scores || !x->aq ||
        !x->a_scale || !x->a_zp || !x->acc) {
        cx_engine_ctx_free(x);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    *out = x;
    return CX_OK;
}

void cx_engine_ctx_free(cx_engine_ctx *c) {
    if (!c) return;
    free(c->x); free(c->q); free(c->k); free(c->v); free(c->att); free(c->h1); free(c->ff);
    free(c->scores); free(c->aq); free(c->a_scale); free(c->a_zp); free(c->acc);
    free(c);
}

const char *cx_engine_ctx_kernel(const cx_engine_ctx *c) { return qgemm_kernel_name(c->kernel); }

/* out (N, OC) = lin(inp (N, K)) (+ res): quantize rows, int8 GEMM, dequantize. */
static void linear(cx_engine_ctx *c, float *out, const float *inp, const float *res, size_t N,
                   const eng_linear *L) {
    c->ops.quant_rows(c->aq, c->lda, c->a_scale, c->a_zp, inp, N, L->w.K);
    qgemm(c->kernel, c->acc, (size_t)L->w.OC, c->aq, c->lda, N, &L->w, c->threads);
    c->ops.dequant_rows(out, c->acc, c->a_scale, c->a_zp, L->w.col_sum, L->scale, L->bias, res, N, L->w.OC);
}

/* x = LN(word[id] * scale + pos[t]) */
static void embed(cx_engine_ctx *c, const int32_t *ids, int n) {
    const cx_engine *e = c->e;
    const int D = e->cfg.dim;
    for (int t = 0; t < n; t++) {
        const int8_t *w = e->word + (size_t)ids[t] * D;
        const float *p = e->pos + (size_t)t * D;
        float *x = c->x + (size_t)t * D;
        for (int i = 0; i < D; i++) x[i] = (float)w[i] * e->word_scale + p[i];
    }
    layernorm_rows(c->x, c->x, e->emb_ln_w, e->emb_ln_b, (size_t)n, D, e->cfg.ln_eps);
}

/* Attention over the heads, split across the threads (each with its own
 * scratch) when the prompt is long enough to repay waking them. */
static void attention(cx_engine_ctx *c, int nq, int n) {
    const int D = c->e->cfg.dim, H = c->e->cfg.n_heads;
    const size_t scratch = ENG_ATTN_SCRATCH(c->max_len, D);
    if (c->threads <= 1 || (size_t)nq * (size_t)n < ATTN_PARALLEL_MIN) {
        c->ops.attention(c->att, c->scores, c->q, c->k, c->v, nq, n, D, H, 0, H);
        return;
    }
#pragma omp parallel num_threads(c->threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        c->ops.attention(c->att, c->scores + (size_t)t * scratch, c->q, c->k, c->v, nq, n, D, H, H * t / nt,
                         H * (t + 1) / nt);
    }
}

/* One post-LN block; rows [0, nq) of the output are computed (nq = n, or 1
 * in the last layer, where only [CLS] reaches the heads). */
static void layer(cx_engine_ctx *c, const eng_layer *L, int n, int nq) {
    const int D = c->e->cfg.dim, F = c->e->cfg.ffn_dim;
    const float eps = c->e->cfg.ln_eps;
    /* keys and values of every row; queries of the rows we keep. The
     * quantized x is shared: quantize once, run three GEMMs. */
    c->ops.quant_rows(c->aq, c->lda, c->a_scale, c->a_zp, c->x, (size_t)n, D);
    const eng_linear *lk = &L->lin[ENG_K], *lv = &L->lin[ENG_V], *lq = &L->lin[ENG_Q];
    qgemm(c->kernel, c->acc, (size_t)D, c->aq, c->lda, (size_t)n, &lk->w, c->threads);
    c->ops.dequant_rows(c->k, c->acc, c->a_scale, c->a_zp, lk->w.col_sum, lk->scale, lk->bias, NULL, (size_t)n, D);
    qgemm(c->kernel, c->acc, (size_t)D, c->aq, c->lda, (size_t)n, &lv->w, c->threads);
    c->ops.dequant_rows(c->v, c->acc, c->a_scale, c->a_zp, lv->w.col_sum, lv->scale, lv->bias, NULL, (size_t)n, D);
    qgemm(c->kernel, c->acc, (size_t)D, c->aq, c->lda, (size_t)nq, &lq->w, c->threads);
    c->ops.dequant_rows(c->q, c->acc, c->a_scale, c->a_zp, lq->w.col_sum, lq->scale, lq->bias, NULL, (size_t)nq, D);
    attention(c, nq, n);
    /* h1 = sa_layer_norm(x + out_lin(att)) */
    linear(c, c->h1, c->att, c->x, (size_t)nq, &L->lin[ENG_O]);
    layernorm_rows(c->h1, c->h1, L->ln1_w, L->ln1_b, (size_t)nq, D, eps);
    /* x = output_layer_norm(h1 + lin2(gelu(lin1(h1)))) */
    linear(c, c->ff, c->h1, NULL, (size_t)nq, &L->lin[ENG_FF1]);
    c->ops.gelu(c->ff, (size_t)nq * F);
    linear(c, c->x, c->ff, c->h1, (size_t)nq, &L->lin[ENG_FF2]);
    layernorm_rows(c->x, c->x, L->ln2_w, L->ln2_b, (size_t)nq, D, eps);
}

static void relu(float *x, int n) {
    for (int i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void heads(cx_engine_ctx *c, cx_engine_output *out) {
    const cx_engine *e = c->e;
    const int D = e->cfg.dim, S = e->cfg.shared_dim, Hh = e->cfg.head_dim;
    float *sh = c->head, *hid = c->head + 1024, logits[8];
    c->ops.matvec(sh, e->shared_w, e->shared_b, c->x, S, D); /* [CLS] = row 0 */
    relu(sh, S);
    float *dst[ENG_N_HEADS] = {logits, out->tier_logits, out->domain_logits, out->intent_logits};
    static const int n_out[ENG_N_HEADS] = {1, 5, 5, 8};
    for (int h = 0; h < ENG_N_HEADS; h++) {
        c->ops.matvec(hid, e->head_w1[h], e->head_b1[h], sh, Hh, S);
        relu(hid, Hh);
        c->ops.matvec(dst[h], e->head_w2[h], e->head_b2[h], hid, n_out[h], Hh);
    }
    out->score = (float)(1.0 / (1.0 + exp(-(double)logits[0])));
}

int cx_engine_forward(cx_engine_ctx *c, const int32_t *ids, int n, cx_engine_output *out,
                      cx_error *err) {
    const cx_model_config *cfg = &c->e->cfg;
    if (n < 1 || n > c->max_len)
        return cx_error_set(err, CX_ERR_INVALID, "sequence of %d tokens: expected 1..%d", n, c->max_len);
    for (int t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= cfg->vocab_size)
            return cx_error_set(err, CX_ERR_INVALID, "token %d: id %d outside the vocabulary (0..%d)", t, ids[t],
                                cfg->vocab_size - 1);
    embed(c, ids, n);
    for (int l = 0; l < cfg->n_layers; l++) layer(c, &c->e->layer[l], n, l == cfg->n_layers - 1 ? 1 : n);
    heads(c, out);
    return CX_OK;
}
