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
    int32_t *acc;        /* (T, max(F, 3D)) int32 GEMM output */
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
    x->acc = zalloc(T * (F > 3 * D ? F : 3 * D) * sizeof(int32_t)); /* k, v, q slices at once */
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
    c->ops.attention(c->att, c->scores, c->q, c->k, c->v, nq, n, D, c->e->cfg.n_heads, 0, c->e->cfg.n_heads);
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

/* ---- the same forward on a team of threads: one parallel region for the
 * whole prompt, every step split across the threads (rows for the
 * element-wise steps, column blocks for the GEMMs, heads for attention) with a
 * barrier wherever a step reads what another thread wrote. Each row's and
 * column's arithmetic is the one-thread code's: the same bits. Waking a
 * thread once per prompt, not once per GEMM, is what makes two threads pay. */

typedef struct team {
    cx_engine_ctx *c;
    int t, nt;
} team;

/* This thread's rows of N, in whole row tiles: quant_rows zero-fills the
 * rows up to its tile boundary, which must not be another thread's. Every
 * step uses this one split, so a row stays with its thread from the
 * dequantization through LayerNorm to the next quantization. */
static void my_rows(const team *tm, size_t N, size_t *r0, size_t *r1) {
    const size_t tiles = (N + QGEMM_ROW_TILE - 1) / QGEMM_ROW_TILE;
    const size_t a = tiles * (size_t)tm->t / (size_t)tm->nt, b = tiles * (size_t)(tm->t + 1) / (size_t)tm->nt;
    *r0 = a * QGEMM_ROW_TILE < N ? a * QGEMM_ROW_TILE : N;
    *r1 = b * QGEMM_ROW_TILE < N ? b * QGEMM_ROW_TILE : N;
}

static void quant_team(const team *tm, const float *inp, size_t N, int K) {
    cx_engine_ctx *c = tm->c;
    size_t r0, r1;
    my_rows(tm, N, &r0, &r1);
    if (r1 > r0)
        c->ops.quant_rows(c->aq + r0 * c->lda, c->lda, c->a_scale + r0, c->a_zp + r0, inp + r0 * (size_t)K,
                          r1 - r0, K);
}

static void dequant_team(const team *tm, float *out, const int32_t *acc, const float *res, size_t N,
                         const eng_linear *L, int gelu) {
    cx_engine_ctx *c = tm->c;
    const size_t OC = (size_t)L->w.OC;
    size_t r0, r1;
    my_rows(tm, N, &r0, &r1);
    if (r1 == r0) return;
    c->ops.dequant_rows(out + r0 * OC, acc + r0 * OC, c->a_scale + r0, c->a_zp + r0, L->w.col_sum, L->scale,
                        L->bias, res ? res + r0 * OC : NULL, r1 - r0, L->w.OC);
    if (gelu) c->ops.gelu(out + r0 * OC, (r1 - r0) * OC);
}

static void layernorm_team(const team *tm, float *x, const float *w, const float *b, size_t N) {
    const cx_engine *e = tm->c->e;
    size_t r0, r1;
    my_rows(tm, N, &r0, &r1);
    const size_t D = (size_t)e->cfg.dim;
    if (r1 > r0) layernorm_rows(x + r0 * D, x + r0 * D, w, b, r1 - r0, e->cfg.dim, e->cfg.ln_eps);
}

/* out = lin(inp) (+ res) (then GELU): quantize, GEMM, dequantize. The
 * barriers also keep aq and acc from being rewritten while another thread
 * still reads them. On return this thread's rows of out are ready. */
static void linear_team(const team *tm, float *out, const float *inp, const float *res, size_t N,
                        const eng_linear *L, int gelu) {
    cx_engine_ctx *c = tm->c;
    quant_team(tm, inp, N, L->w.K);
#pragma omp barrier
    qgemm_part(c->kernel, c->acc, (size_t)L->w.OC, c->aq, c->lda, N, &L->w, tm->t, tm->nt);
#pragma omp barrier
    dequant_team(tm, out, c->acc, res, N, L, gelu);
}

static void embed_team(const team *tm, const int32_t *ids, int n) {
    const cx_engine *e = tm->c->e;
    const int D = e->cfg.dim;
    size_t r0, r1;
    my_rows(tm, (size_t)n, &r0, &r1);
    for (size_t t = r0; t < r1; t++) {
        const int8_t *w = e->word + (size_t)ids[t] * D;
        const float *p = e->pos + t * D;
        float *x = tm->c->x + t * D;
        for (int i = 0; i < D; i++) x[i] = (float)w[i] * e->word_scale + p[i];
    }
    layernorm_team(tm, tm->c->x, e->emb_ln_w, e->emb_ln_b, (size_t)n);
}

static void layer_team(const team *tm, const eng_layer *L, int n, int nq) {
    cx_engine_ctx *c = tm->c;
    const int D = c->e->cfg.dim, H = c->e->cfg.n_heads;
    const size_t ND = (size_t)n * D;
    /* k, v (every row) and q (rows we keep) from one quantized x, into three
     * slices of acc so that no barrier separates the GEMMs */
    quant_team(tm, c->x, (size_t)n, D);
#pragma omp barrier
    const eng_linear *lk = &L->lin[ENG_K], *lv = &L->lin[ENG_V], *lq = &L->lin[ENG_Q];
    qgemm_part(c->kernel, c->acc, (size_t)D, c->aq, c->lda, (size_t)n, &lk->w, tm->t, tm->nt);
    qgemm_part(c->kernel, c->acc + ND, (size_t)D, c->aq, c->lda, (size_t)n, &lv->w, tm->t, tm->nt);
    qgemm_part(c->kernel, c->acc + 2 * ND, (size_t)D, c->aq, c->lda, (size_t)nq, &lq->w, tm->t, tm->nt);
#pragma omp barrier
    dequant_team(tm, c->k, c->acc, NULL, (size_t)n, lk, 0);
    dequant_team(tm, c->v, c->acc + ND, NULL, (size_t)n, lv, 0);
    dequant_team(tm, c->q, c->acc + 2 * ND, NULL, (size_t)nq, lq, 0);
#pragma omp barrier
    const size_t scratch = ENG_ATTN_SCRATCH(c->max_len, D);
    c->ops.attention(c->att, c->scores + (size_t)tm->t * scratch, c->q, c->k, c->v, nq, n, D, H,
                     H * tm->t / tm->nt, H * (tm->t + 1) / tm->nt);
#pragma omp barrier
    /* h1 = sa_layer_norm(x + out_lin(att)): rows stay with their thread from
     * the dequantization through the LayerNorm */
    linear_team(tm, c->h1, c->att, c->x, (size_t)nq, &L->lin[ENG_O], 0);
    layernorm_team(tm, c->h1, L->ln1_w, L->ln1_b, (size_t)nq);
    /* x = output_layer_norm(h1 + lin2(gelu(lin1(h1)))) */
    linear_team(tm, c->ff, c->h1, NULL, (size_t)nq, &L->lin[ENG_FF1], 1);
    linear_team(tm, c->x, c->ff, c->h1, (size_t)nq, &L->lin[ENG_FF2], 0);
    layernorm_team(tm, c->x, L->ln2_w, L->ln2_b, (size_t)nq);
    /* no barrier: the next step reads only this thread's rows, then waits */
}

static void forward_team(cx_engine_ctx *c, const int32_t *ids, int n, cx_engine_output *out) {
    const int L = c->e->cfg.n_layers;
#pragma omp parallel num_threads(c->threads)
    {
        const team tm = {c, omp_get_thread_num(), omp_get_num_threads()};
        embed_team(&tm, ids, n);
#pragma omp barrier
        for (int l = 0; l < L; l++) layer_team(&tm, &c->e->layer[l], n, l == L - 1 ? 1 : n);
#pragma omp barrier /* [CLS]'s row may be another thread's */
        if (tm.t == 0) heads(c, out);
    }
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
    if (c->threads > 1) {
        forward_team(c, ids, n, out);
        return CX_OK;
    }
    embed(c, ids, n);
    for (int l = 0; l < cfg->n_layers; l++) layer(c, &c->e->layer[l], n, l == cfg->n_layers - 1 ? 1 : n);
    heads(c, out);
    return CX_OK;
}
