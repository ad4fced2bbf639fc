/* Running the INT8 engine on a packed batch of sequences (one, or several
 * laid end to end): the DistilBERT encoder with int8 Linears, then the fp32
 * heads on each [CLS]. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infer/engine_int.h"
#include "infer/quant.h"
#include "model/params.h"
#include "infer/vec.h"
#include "complexity/common.h"

struct cx_engine_ctx {
    const cx_engine *e;
    int max_len, threads;
    size_t max_tokens;   /* rows of every buffer: the tokens of one call */
    size_t *off;         /* (max_tokens + 1) the current batch: sequence b is rows [off[b], off[b+1]) */
    int *pos;            /* (max_tokens) position of each row in its sequence */
    float *xc;           /* (max_tokens, D) last layer: the [CLS] rows of its input */
    qgemm_kernel kernel;
    eng_vec_ops ops;     /* element-wise kernels: AVX-512 along with the VNNI or AMX GEMM */
    size_t lda;          /* row stride of aq: covers max(D, F) */
    float *x;            /* (T, D) layer input, then output */
    float *q, *k, *v;    /* (T, D) each */
    float *att;          /* (T, D) heads side by side */
    float *h1;           /* (T, D) sa_layer_norm output */
    float *ff;           /* (T, F) lin1 output, GELU in place */
    float *scores;       /* ENG_ATTN_SCRATCH(max_len, D) per thread: attention rows + keys transposed */
    uint8_t *aq;         /* (Tp, lda) quantized activations */
    float *a_scale;      /* (T) */
    int32_t *a_zp;       /* (T) */
    int32_t *acc;        /* (T, max(F, 3D)) int32 GEMM output */
    float *shared;       /* (max_tokens, shared_dim) the classifier's shared layer, one row per [CLS] */
    float *hidden;       /* (threads, head_dim) each thread's head hidden layer */
    void *arena;         /* the block all of the above are carved from */
    /* the current call */
    int B;
    size_t N;
};

/* Every buffer of a context is carved from one zeroed block, each on a
 * cache line: a large calloc block starts 16 bytes past a page, so 64-byte
 * vectors and tile rows would straddle two lines each (aligning them made a
 * prompt 5% faster and the batch API 23%, docs/PERF.md), and rows split
 * between threads would share their boundary line. calloc leaves the pages
 * of a fresh mapping untouched until used. */
typedef struct carver {
    char *base; /* NULL: only counting */
    size_t used;
} carver;

static void *carve(carver *cv, size_t bytes) {
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + 63) / 64 * 64;
    return p;
}

static void carve_buffers(cx_engine_ctx *x, carver *cv) {
    const cx_model_config *c = &x->e->cfg;
    const size_t T = x->max_tokens, D = (size_t)c->dim, F = (size_t)c->ffn_dim;
    const size_t Tp = (T + QGEMM_ROW_TILE - 1) / QGEMM_ROW_TILE * QGEMM_ROW_TILE;
    x->x = carve(cv, T * D * sizeof(float));
    x->q = carve(cv, T * D * sizeof(float));
    x->k = carve(cv, T * D * sizeof(float));
    x->v = carve(cv, T * D * sizeof(float));
    x->att = carve(cv, T * D * sizeof(float));
    x->h1 = carve(cv, T * D * sizeof(float));
    x->ff = carve(cv, T * F * sizeof(float));
    x->scores = carve(cv, ENG_ATTN_SCRATCH(x->max_len, D) * (size_t)x->threads * sizeof(float));
    x->off = carve(cv, (T + 1) * sizeof *x->off);
    x->pos = carve(cv, T * sizeof *x->pos);
    x->xc = carve(cv, T * D * sizeof(float));
    x->shared = carve(cv, T * (size_t)c->shared_dim * sizeof(float));
    x->hidden = carve(cv, (size_t)x->threads * (size_t)c->head_dim * sizeof(float));
    x->aq = carve(cv, Tp * x->lda);
    x->a_scale = carve(cv, T * sizeof(float));
    x->a_zp = carve(cv, T * sizeof(int32_t));
    x->acc = carve(cv, T * (F > 3 * D ? F : 3 * D) * sizeof(int32_t)); /* k, v, q slices at once */
}

/* Returns 0, or -1 when out of memory. */
static int alloc_buffers(cx_engine_ctx *x) {
    carver cv = {NULL, 0};
    carve_buffers(x, &cv);
    if (!(x->arena = calloc(1, cv.used + 63))) return -1;
    cv = (carver){(char *)(((uintptr_t)x->arena + 63) / 64 * 64), 0};
    carve_buffers(x, &cv);
    return 0;
}

cx_engine_options cx_engine_default_options(void) {
    cx_engine_options o = {0};
    return o;
}

int cx_engine_ctx_open(const cx_engine *e, const cx_engine_options *opt, cx_engine_ctx **out,
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
    cx_engine_ctx *x = calloc(1, sizeof *x);
    if (!x) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    x->e = e;
    x->max_len = max_len;
    x->threads = o.threads > 1 ? o.threads : 1;
    x->kernel = kernel;
    x->ops = eng_vec_select(kernel == QGEMM_AVX512VNNI || kernel == QGEMM_AMX);
    x->max_tokens = o.max_tokens > (size_t)max_len ? o.max_tokens : (size_t)max_len;
    x->lda = qgemm_lda(c->ffn_dim > c->dim ? c->ffn_dim : c->dim);
    if (alloc_buffers(x)) {
        free(x);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    *out = x;
    return CX_OK;
}

void cx_engine_ctx_free(cx_engine_ctx *c) {
    if (!c) return;
    free(c->arena);
    free(c);
}

const char *cx_engine_ctx_kernel(const cx_engine_ctx *c) { return qgemm_kernel_name(c->kernel); }

static void relu(float *x, int n) {
    for (int i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* ---- the forward pass on a team of threads (one thread: a team of one; the
 * barriers then do nothing). One parallel region per call, every step split
 * across the threads: rows for the element-wise steps, column blocks for the
 * GEMMs, heads for attention, with a barrier wherever a step reads what
 * another thread wrote. Each row's and column's arithmetic is the same
 * whatever the split, so any thread count, and any batch a sequence is part
 * of, gives the same bits. Waking a thread once per call, not once per GEMM,
 * is what makes two threads pay. */

typedef struct team {
    cx_engine_ctx *c;
    int t, nt;
} team;

/* This thread's rows of N, as even as rows go. Every step uses this one
 * split, so a row stays with its thread from the dequantization through
 * LayerNorm to the next quantization. */
static void my_rows(const team *tm, size_t N, size_t *r0, size_t *r1) {
    *r0 = N * (size_t)tm->t / (size_t)tm->nt;
    *r1 = N * (size_t)(tm->t + 1) / (size_t)tm->nt;
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
                        L->bias, res ? res + r0 * OC : NULL, r1 - r0, L->w.OC, OC);
    if (gelu) c->ops.gelu(out + r0 * OC, (r1 - r0) * OC);
}

static void layernorm_team(const team *tm, float *x, const float *w, const float *b, size_t N) {
    const cx_engine *e = tm->c->e;
    size_t r0, r1;
    my_rows(tm, N, &r0, &r1);
    const size_t D = (size_t)e->cfg.dim;
    if (r1 > r0) layernorm_rows(x + r0 * D, x + r0 * D, w, b, r1 - r0, e->cfg.dim, e->cfg.ln_eps);
}

/* The packed weight multiplied after L's (NULL: none), for qgemm_part's
 * prefetch. */
static const qgemm_weight *then(const eng_linear *L) { return L ? &L->w : NULL; }

/* out = lin(inp) (+ res) (then GELU): quantize, GEMM, dequantize. The
 * barriers also keep aq and acc from being rewritten while another thread
 * still reads them. On return this thread's rows of out are ready. next: the
 * Linear multiplied after this one, or NULL. */
static void linear_team(const team *tm, float *out, const float *inp, const float *res, size_t N,
                        const eng_linear *L, int gelu, const eng_linear *next) {
    cx_engine_ctx *c = tm->c;
    quant_team(tm, inp, N, L->w.K);
#pragma omp barrier
    qgemm_part(c->kernel, c->acc, (size_t)L->w.OC, c->aq, c->lda, N, &L->w, then(next), tm->t, tm->nt);
#pragma omp barrier
    dequant_team(tm, out, c->acc, res, N, L, gelu);
}

/* x = LN(word[id] * scale + pos) */
static void embed_team(const team *tm, const int32_t *ids) {
    cx_engine_ctx *c = tm->c;
    const cx_engine *e = c->e;
    const int D = e->cfg.dim;
    size_t r0, r1;
    my_rows(tm, c->N, &r0, &r1);
    for (size_t t = r0; t < r1; t++) {
        const int8_t *w = e->word + (size_t)ids[t] * D;
        const float *p = e->pos + (size_t)c->pos[t] * D;
        float *x = c->x + t * D;
        for (int i = 0; i < D; i++) x[i] = (float)w[i] * e->word_scale + p[i];
    }
    layernorm_team(tm, c->x, e->emb_ln_w, e->emb_ln_b, c->N);
}

/* This thread's attention heads [h0, h1). */
static void my_heads(const team *tm, int *h0, int *h1) {
    const int H = tm->c->e->cfg.n_heads;
    *h0 = H * tm->t / tm->nt;
    *h1 = H * (tm->t + 1) / tm->nt;
}

/* Attention of every sequence over its own keys, this thread's heads. q and
 * att: row off[b] (all queries) or row b (last: the [CLS] query only). */
static void attention_team(const team *tm, int last) {
    cx_engine_ctx *c = tm->c;
    const int D = c->e->cfg.dim, H = c->e->cfg.n_heads;
    int h0, h1;
    my_heads(tm, &h0, &h1);
    float *s = c->scores + (size_t)tm->t * ENG_ATTN_SCRATCH(c->max_len, D);
    for (int b = 0; b < c->B; b++) {
        const size_t r = c->off[b], n = c->off[b + 1] - r, qr = last ? (size_t)b : r;
        c->ops.attention(c->att + qr * D, s, c->q + qr * D, c->k + r * D, c->v + r * D, last ? 1 : (int)n, (int)n,
                         D, H, h0, h1);
    }
}

/* The rest of a block on M rows of att, with residual rows x: x = LN2(h1 +
 * lin2(gelu(lin1(h1)))), h1 = LN1(x + out_lin(att)); output into out. next:
 * the following layer, or NULL. */
static void block_tail(const team *tm, const eng_layer *L, const float *x, float *out, size_t M,
                       const eng_layer *next) {
    cx_engine_ctx *c = tm->c;
    linear_team(tm, c->h1, c->att, x, M, &L->lin[ENG_O], 0, &L->lin[ENG_FF1]);
    layernorm_team(tm, c->h1, L->ln1_w, L->ln1_b, M);
    linear_team(tm, c->ff, c->h1, NULL, M, &L->lin[ENG_FF1], 1, &L->lin[ENG_FF2]);
    linear_team(tm, out, c->ff, c->h1, M, &L->lin[ENG_FF2], 0, next ? &next->lin[ENG_K] : NULL);
    layernorm_team(tm, out, L->ln2_w, L->ln2_b, M);
    /* no barrier: the next step reads only this thread's rows, then waits */
}

/* Keys, values and queries of every row for this thread's heads, and their
 * attention: when a head is whole column blocks (and the kernel takes any
 * range of them: not AMX), the thread multiplies and dequantizes the columns
 * of its own heads, so attention reads only what this thread wrote: two
 * barriers a layer fewer, and no int32 results read from the other core
 * (1.1-1.3% a prompt in paired A/B, docs/PERF.md). Returns 0 when the shapes
 * do not allow it. */
static int qkv_attention_by_heads(const team *tm, const eng_layer *L) {
    cx_engine_ctx *c = tm->c;
    const int D = c->e->cfg.dim, hd = D / c->e->cfg.n_heads;
    if (hd % QGEMM_COL_BLOCK || c->kernel == QGEMM_AMX) return 0;
    int h0, h1;
    my_heads(tm, &h0, &h1);
    const int b0 = h0 * hd / QGEMM_COL_BLOCK, b1 = h1 * hd / QGEMM_COL_BLOCK, c0 = h0 * hd, nc = (h1 - h0) * hd;
    const size_t N = c->N, ND = N * (size_t)D;
    static const int which[3] = {ENG_K, ENG_V, ENG_Q};
    float *const outs[3] = {c->k, c->v, c->q};
    for (int m = 0; m < 3; m++) {
        const eng_linear *lin = &L->lin[which[m]];
        const qgemm_weight *next = m < 2 ? &L->lin[which[m + 1]].w : &L->lin[ENG_O].w;
        qgemm_range(c->kernel, c->acc + (size_t)m * ND, (size_t)D, c->aq, c->lda, N, &lin->w, next, b0, b1);
    }
    if (nc > 0)
        for (int m = 0; m < 3; m++) { /* the columns [c0, c0 + nc) of every row */
            const eng_linear *lin = &L->lin[which[m]];
            c->ops.dequant_rows(outs[m] + c0, c->acc + (size_t)m * ND + c0, c->a_scale, c->a_zp, lin->w.col_sum + c0,
                                lin->scale, lin->bias + c0, NULL, N, nc, (size_t)D);
        }
    attention_team(tm, 0);
    return 1;
}

/* A block over every row. k, v and q come from one quantized x, into three
 * slices of acc, so that no barrier separates the GEMMs. */
static void layer_team(const team *tm, const eng_layer *L, const eng_layer *next) {
    cx_engine_ctx *c = tm->c;
    const int D = c->e->cfg.dim;
    const size_t N = c->N, ND = N * (size_t)D;
    const eng_linear *lk = &L->lin[ENG_K], *lv = &L->lin[ENG_V], *lq = &L->lin[ENG_Q];
    quant_team(tm, c->x, N, D);
#pragma omp barrier
    if (qkv_attention_by_heads(tm, L)) {
#pragma omp barrier
        block_tail(tm, L, c->x, c->x, N, next);
        return;
    }
    qgemm_part(c->kernel, c->acc, (size_t)D, c->aq, c->lda, N, &lk->w, &lv->w, tm->t, tm->nt);
    qgemm_part(c->kernel, c->acc + ND, (size_t)D, c->aq, c->lda, N, &lv->w, &lq->w, tm->t, tm->nt);
    qgemm_part(c->kernel, c->acc + 2 * ND, (size_t)D, c->aq, c->lda, N, &lq->w, &L->lin[ENG_O].w, tm->t, tm->nt);
#pragma omp barrier
    dequant_team(tm, c->k, c->acc, NULL, N, lk, 0);
    dequant_team(tm, c->v, c->acc + ND, NULL, N, lv, 0);
    dequant_team(tm, c->q, c->acc + 2 * ND, NULL, N, lq, 0);
#pragma omp barrier
    attention_team(tm, 0);
#pragma omp barrier
    block_tail(tm, L, c->x, c->x, N, next);
}

/* The last block: keys and values of every row, then only the [CLS] rows
 * (gathered into xc, one per sequence) through queries, attention output and
 * FFN: the heads read nothing else. Its output: rows [0, B) of x. */
static void last_layer_team(const team *tm, const eng_layer *L) {
    cx_engine_ctx *c = tm->c;
    const int D = c->e->cfg.dim;
    const size_t N = c->N, B = (size_t)c->B, ND = N * (size_t)D;
    const eng_linear *lk = &L->lin[ENG_K], *lv = &L->lin[ENG_V], *lq = &L->lin[ENG_Q];
    quant_team(tm, c->x, N, D);
#pragma omp barrier
    qgemm_part(c->kernel, c->acc, (size_t)D, c->aq, c->lda, N, &lk->w, &lv->w, tm->t, tm->nt);
    qgemm_part(c->kernel, c->acc + ND, (size_t)D, c->aq, c->lda, N, &lv->w, &lq->w, tm->t, tm->nt);
#pragma omp barrier
    dequant_team(tm, c->k, c->acc, NULL, N, lk, 0);
    dequant_team(tm, c->v, c->acc + ND, NULL, N, lv, 0);
    size_t r0, r1;
    my_rows(tm, B, &r0, &r1);
    for (size_t b = r0; b < r1; b++) memcpy(c->xc + b * D, c->x + c->off[b] * D, (size_t)D * sizeof(float));
    linear_team(tm, c->q, c->xc, NULL, B, lq, 0, &L->lin[ENG_O]);
#pragma omp barrier
    attention_team(tm, 1);
#pragma omp barrier
    block_tail(tm, L, c->xc, c->x, B, NULL);
}

/* The classifier on the [CLS] rows (rows [0, B) of x), split across the
 * team: the shared layer by rows of its weight (multiples of 4, matvec's
 * unit), then the (sequence, head) pairs round robin. Each output row's
 * arithmetic is the same whatever the split. */
static void heads_team(const team *tm, cx_engine_output *out) {
    cx_engine_ctx *c = tm->c;
    const cx_engine *e = c->e;
    const int D = e->cfg.dim, S = e->cfg.shared_dim, Hh = e->cfg.head_dim, B = c->B;
    const int groups = (S + 3) / 4, g0 = groups * tm->t / tm->nt, g1 = groups * (tm->t + 1) / tm->nt;
    const int o0 = 4 * g0, o1 = 4 * g1 < S ? 4 * g1 : S;
    for (int b = 0; b < B && o1 > o0; b++) {
        float *sh = c->shared + (size_t)b * S + o0;
        c->ops.matvec(sh, e->shared_w + (size_t)o0 * D, e->shared_b + o0, c->x + (size_t)b * D, o1 - o0, D);
        relu(sh, o1 - o0);
    }
#pragma omp barrier
    float *hid = c->hidden + (size_t)tm->t * Hh, logit;
    const int *n_out = cx_head_outputs;
    for (int i = tm->t; i < B * ENG_N_HEADS; i += tm->nt) {
        const int b = i / ENG_N_HEADS, h = i % ENG_N_HEADS;
        float *dst[ENG_N_HEADS] = {&logit, out[b].tier_logits, out[b].domain_logits, out[b].intent_logits};
        c->ops.matvec(hid, e->head_w1[h], e->head_b1[h], c->shared + (size_t)b * S, Hh, S);
        relu(hid, Hh);
        c->ops.matvec(dst[h], e->head_w2[h], e->head_b2[h], hid, n_out[h], Hh);
        if (h == 0) out[b].score = (float)(1.0 / (1.0 + exp(-(double)logit)));
    }
}

static void forward_team(cx_engine_ctx *c, const int32_t *ids, cx_engine_output *out) {
    const int L = c->e->cfg.n_layers;
#pragma omp parallel num_threads(c->threads) if (c->threads > 1)
    {
        const team tm = {c, omp_get_thread_num(), omp_get_num_threads()};
        embed_team(&tm, ids);
        /* no barrier between layers: a layer starts on its thread's rows of
         * x, and every GEMM ends with one, so no one still reads aq */
        for (int l = 0; l < L; l++) {
            if (l < L - 1) layer_team(&tm, &c->e->layer[l], &c->e->layer[l + 1]);
            else last_layer_team(&tm, &c->e->layer[l]);
        }
#pragma omp barrier /* a [CLS] row may be another thread's */
        heads_team(&tm, out);
    }
}

int cx_engine_forward_batch(cx_engine_ctx *c, const int32_t *ids, const int *lengths, int n_seqs,
                            cx_engine_output *out, cx_error *err) {
    const cx_model_config *cfg = &c->e->cfg;
    if (n_seqs < 1) return cx_error_set(err, CX_ERR_INVALID, "batch of %d sequences", n_seqs);
    size_t N = 0;
    for (int b = 0; b < n_seqs; b++) {
        if (lengths[b] < 1 || lengths[b] > c->max_len)
            return cx_error_set(err, CX_ERR_INVALID, "sequence of %d tokens: expected 1..%d", lengths[b], c->max_len);
        if (N + (size_t)lengths[b] > c->max_tokens)
            return cx_error_set(err, CX_ERR_INVALID, "batch of more than %zu tokens (the context's max_tokens)",
                                c->max_tokens);
        c->off[b] = N;
        for (int t = 0; t < lengths[b]; t++) c->pos[N + (size_t)t] = t;
        N += (size_t)lengths[b];
    }
    c->off[n_seqs] = N;
    for (size_t t = 0; t < N; t++)
        if (ids[t] < 0 || ids[t] >= cfg->vocab_size)
            return cx_error_set(err, CX_ERR_INVALID, "token %zu: id %d outside the vocabulary (0..%d)", t, ids[t],
                                cfg->vocab_size - 1);
    c->B = n_seqs;
    c->N = N;
    forward_team(c, ids, out);
    return CX_OK;
}

int cx_engine_forward(cx_engine_ctx *c, const int32_t *ids, int n, cx_engine_output *out, cx_error *err) {
    return cx_engine_forward_batch(c, ids, &n, 1, out, err);
}
