/* The DistilBERT encoder over packed sequences: embeddings and post-LN
 * transformer blocks, forward and backward. */
#include <string.h>

#include "model/model_int.h"

static void zero(float *p, size_t n) { memset(p, 0, n * sizeof *p); }

/* out += x: the residual connections */
static void residual(float *out, const float *x, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] += x[i];
}

const uint8_t *dropout_draw(uint8_t *mask, float p, cx_dropout *d, const size_t *off, int n_seqs, size_t unit) {
    if (p <= 0.0f) return NULL;
    size_t n = (off ? off[n_seqs] : (size_t)n_seqs) * unit;
    uint64_t site = d->site++;
    if (!d->keys) {
        dropout_mask(mask, n, p, &d->rng);
        return mask;
    }
    for (int b = 0; b < n_seqs; b++) {
        size_t lo = (off ? off[b] : (size_t)b) * unit, hi = (off ? off[b + 1] : (size_t)b + 1) * unit;
        cx_rng rng;
        cx_rng_seed(&rng, cx_mix64(d->seed ^ cx_mix64(d->keys[b] * 0x100000001b3ull + site)));
        dropout_mask(mask + lo, hi - lo, p, &rng);
    }
    return mask;
}

/* out = x (p == 0) or dropout(x) */
static void drop_fwd(float *out, const float *x, const uint8_t *mask, size_t n, float p) {
    if (mask) dropout_forward(out, x, mask, n, p);
    else if (out != x) memcpy(out, x, n * sizeof *out);
}

static void drop_bwd(float *dx, const float *dout, const uint8_t *mask, size_t n, float p) {
    if (mask) { dropout_backward(dx, dout, mask, n, p); return; }
    for (size_t i = 0; i < n; i++) dx[i] += dout[i];
}

void embeddings_forward(const cx_model *m, float *out, cx_emb_acts *keep, const int32_t *ids,
                        const cx_seqs *s, float p, cx_dropout *drop) {
    const int D = m->cfg.dim;
    const size_t N = s->off[s->n_seqs];
    float *sum = keep ? keep->sum : out;
    /* x = word[id] + pos[i], positions restart at 0 in every sequence */
    for (int b = 0; b < s->n_seqs; b++)
        for (size_t t = s->off[b]; t < s->off[b + 1]; t++) {
            const float *w = m->p.word_emb + (size_t)ids[t] * D;
            const float *ps = m->p.pos_emb + (t - s->off[b]) * D;
            float *x = sum + t * D;
            for (int c = 0; c < D; c++) x[c] = w[c] + ps[c];
        }
    if (!keep) {
        layernorm_forward(out, NULL, NULL, sum, m->p.emb_ln_w, m->p.emb_ln_b, N, D, m->cfg.ln_eps);
        return;
    }
    layernorm_forward(keep->ln, keep->mean, keep->rstd, sum, m->p.emb_ln_w, m->p.emb_ln_b, N, D,
                      m->cfg.ln_eps);
    const uint8_t *mask = dropout_draw(keep->mask, p, drop, s->off, s->n_seqs, (size_t)D);
    drop_fwd(out, keep->ln, mask, N * D, p);
}

void embeddings_backward(const cx_model *m, cx_params *g, const cx_emb_acts *a,
                         const float *dout, float *dln, float *dsum, const int32_t *ids,
                         const cx_seqs *s, float p) {
    const int D = m->cfg.dim;
    const size_t N = s->off[s->n_seqs];
    zero(dln, N * D);
    drop_bwd(dln, dout, p > 0.0f ? a->mask : NULL, N * D, p);
    zero(dsum, N * D);
    layernorm_backward(dsum, g->emb_ln_w, g->emb_ln_b, dln, a->sum, m->p.emb_ln_w, a->mean,
                       a->rstd, N, D);
    /* scatter-add: two tokens may share an id, so this loop stays serial */
    for (int b = 0; b < s->n_seqs; b++)
        for (size_t t = s->off[b]; t < s->off[b + 1]; t++) {
            float *dw = g->word_emb + (size_t)ids[t] * D;
            float *dp = g->pos_emb + (t - s->off[b]) * D;
            const float *d = dsum + t * D;
            for (int c = 0; c < D; c++) { dw[c] += d[c]; dp[c] += d[c]; }
        }
}

void layer_forward(const cx_model *m, nn_gemm *g, int l, cx_layer_acts *a, const float *inp,
                   float *ff2_tmp, const cx_seqs *s, float p_drop, float p_att, cx_dropout *drop) {
    const cx_layer_params *w = &m->p.layer[l];
    const int D = m->cfg.dim, F = m->cfg.ffn_dim, H = m->cfg.n_heads;
    const size_t N = s->off[s->n_seqs];
    const float eps = m->cfg.ln_eps;
    /* sa_output = sa_layer_norm(x + out_lin(attention(q_lin x, k_lin x, v_lin x))) */
    matmul_forward(g, a->qkv, inp, w->qkv_w, w->qkv_b, N, D, 3 * D);
    const uint8_t *amask = dropout_draw(a->att_mask, p_att, drop, s->aoff, s->n_seqs, 1);
    attention_forward(a->att, a->probs, a->qkv, amask, p_att, s, D, H);
    matmul_forward(g, a->res1, a->att, w->o_w, w->o_b, N, D, D);
    residual(a->res1, inp, N * D);
    layernorm_forward(a->h1, a->mean1, a->rstd1, a->res1, w->ln1_w, w->ln1_b, N, D, eps);
    /* out = output_layer_norm(h1 + dropout(lin2(gelu(lin1 h1)))) */
    matmul_forward(g, a->ff1, a->h1, w->ff1_w, w->ff1_b, N, D, F);
    gelu_forward(a->gelu, a->ff1, N * F);
    matmul_forward(g, ff2_tmp, a->gelu, w->ff2_w, w->ff2_b, N, F, D);
    const uint8_t *fmask = dropout_draw(a->ff_mask, p_drop, drop, s->off, s->n_seqs, (size_t)D);
    drop_fwd(a->res2, ff2_tmp, fmask, N * D, p_drop);
    residual(a->res2, a->h1, N * D);
    layernorm_forward(a->out, a->mean2, a->rstd2, a->res2, w->ln2_w, w->ln2_b, N, D, eps);
}

void layer_backward(const cx_model *m, nn_gemm *gemm, int l, cx_params *g, float *dinp,
                    const float *dout, const cx_layer_acts *a, const float *inp,
                    cx_back_scratch *bs, const cx_seqs *s, float p_drop, float p_att) {
    const cx_layer_params *w = &m->p.layer[l];
    cx_layer_params *gl = &g->layer[l];
    const int D = m->cfg.dim, F = m->cfg.ffn_dim, H = m->cfg.n_heads;
    const size_t N = s->off[s->n_seqs], ND = N * D, NF = N * F;
    /* out = LN2(res2) */
    zero(bs->dres2, ND);
    layernorm_backward(bs->dres2, gl->ln2_w, gl->ln2_b, dout, a->res2, w->ln2_w, a->mean2,
                       a->rstd2, N, D);
    /* res2 = h1 + dropout(ff2): both branches get dres2 */
    memcpy(bs->dh1, bs->dres2, ND * sizeof(float));
    zero(bs->dff2, ND);
    drop_bwd(bs->dff2, bs->dres2, p_drop > 0.0f ? a->ff_mask : NULL, ND, p_drop);
    /* ff2 = lin2(gelu), gelu = GELU(ff1), ff1 = lin1(h1) */
    zero(bs->dgelu, NF);
    matmul_backward(gemm, bs->dgelu, gl->ff2_w, gl->ff2_b, bs->dff2, a->gelu, w->ff2_w, N, F, D);
    zero(bs->dff1, NF);
    gelu_backward(bs->dff1, a->ff1, bs->dgelu, NF);
    matmul_backward(gemm, bs->dh1, gl->ff1_w, gl->ff1_b, bs->dff1, a->h1, w->ff1_w, N, D, F);
    /* h1 = LN1(res1), res1 = x + out_lin(att) */
    zero(bs->dres1, ND);
    layernorm_backward(bs->dres1, gl->ln1_w, gl->ln1_b, bs->dh1, a->res1, w->ln1_w, a->mean1,
                       a->rstd1, N, D);
    memcpy(dinp, bs->dres1, ND * sizeof(float));
    zero(bs->datt, ND);
    matmul_backward(gemm, bs->datt, gl->o_w, gl->o_b, bs->dres1, a->att, w->o_w, N, D, D);
    /* att = attention(qkv), qkv = [q_lin | k_lin | v_lin](x) */
    zero(bs->dqkv, 3 * ND);
    attention_backward(bs->dqkv, bs->datt_scratch, bs->att_threads, bs->datt, a->qkv, a->probs,
                       p_att > 0.0f ? a->att_mask : NULL, p_att, s, D, H);
    matmul_backward(gemm, dinp, gl->qkv_w, gl->qkv_b, bs->dqkv, inp, w->qkv_w, N, D, 3 * D);
}

/* ---- the last layer, [CLS] rows only. The heads read nothing else, so
 * every other row of its output is dead work: keys and values still come
 * from every token, but queries, attention output, out_lin, both LayerNorms
 * and the FFN run on B rows. The result equals layer_forward's [CLS] rows.
 * Layout inside the full layer's buffers: a->qkv holds kv (N,2D) then
 * q (B,D); every other activation holds B rows. */

static void gather_cls(float *dst, const float *x, const cx_seqs *s, int D) {
    for (int b = 0; b < s->n_seqs; b++)
        memcpy(dst + (size_t)b * D, x + s->off[b] * D, (size_t)D * sizeof *dst);
}

static void scatter_add_cls(float *x, const float *src, const cx_seqs *s, int D) {
    for (int b = 0; b < s->n_seqs; b++) {
        float *row = x + s->off[b] * D;
        for (int c = 0; c < D; c++) row[c] += src[(size_t)b * D + c];
    }
}

void layer_forward_cls(const cx_model *m, nn_gemm *g, int l, cx_layer_acts *a, const float *inp,
                       float *ff2_tmp, const cx_seqs *s, float p_drop, float p_att, cx_dropout *drop) {
    const cx_layer_params *w = &m->p.layer[l];
    const int D = m->cfg.dim, F = m->cfg.ffn_dim, H = m->cfg.n_heads;
    const size_t N = s->off[s->n_seqs], B = (size_t)s->n_seqs, DD = (size_t)D * D;
    const float eps = m->cfg.ln_eps;
    float *kv = a->qkv, *q = a->qkv + 2 * N * D;
    gather_cls(a->xc, inp, s, D);
    matmul_forward(g, kv, inp, w->qkv_w + DD, w->qkv_b + D, N, D, 2 * D);
    matmul_forward(g, q, a->xc, w->qkv_w, w->qkv_b, B, D, D);
    const uint8_t *amask = dropout_draw(a->att_mask, p_att, drop, s->off, s->n_seqs, (size_t)H);
    attention_cls_forward(a->att, a->probs, q, kv, amask, p_att, s, D, H);
    matmul_forward(g, a->res1, a->att, w->o_w, w->o_b, B, D, D);
    residual(a->res1, a->xc, B * D);
    layernorm_forward(a->h1, a->mean1, a->rstd1, a->res1, w->ln1_w, w->ln1_b, B, D, eps);
    matmul_forward(g, a->ff1, a->h1, w->ff1_w, w->ff1_b, B, D, F);
    gelu_forward(a->gelu, a->ff1, B * F);
    matmul_forward(g, ff2_tmp, a->gelu, w->ff2_w, w->ff2_b, B, F, D);
    const uint8_t *fmask = dropout_draw(a->ff_mask, p_drop, drop, NULL, s->n_seqs, (size_t)D);
    drop_fwd(a->res2, ff2_tmp, fmask, B * D, p_drop);
    residual(a->res2, a->h1, B * D);
    layernorm_forward(a->out, a->mean2, a->rstd2, a->res2, w->ln2_w, w->ln2_b, B, D, eps);
}

void layer_backward_cls(const cx_model *m, nn_gemm *gemm, int l, cx_params *g, float *dinp,
                        const float *dout, const cx_layer_acts *a, const float *inp,
                        cx_back_scratch *bs, const cx_seqs *s, float p_drop, float p_att) {
    const cx_layer_params *w = &m->p.layer[l];
    cx_layer_params *gl = &g->layer[l];
    const int D = m->cfg.dim, F = m->cfg.ffn_dim, H = m->cfg.n_heads;
    const size_t N = s->off[s->n_seqs], B = (size_t)s->n_seqs, BD = B * D, BF = B * F;
    const size_t DD = (size_t)D * D;
    const float *kv = a->qkv, *q = a->qkv + 2 * N * D;
    float *dkv = bs->dqkv, *dq = bs->dqkv + 2 * N * D;
    /* out = LN2(res2), res2 = h1 + dropout(ff2) */
    zero(bs->dres2, BD);
    layernorm_backward(bs->dres2, gl->ln2_w, gl->ln2_b, dout, a->res2, w->ln2_w, a->mean2,
                       a->rstd2, B, D);
    memcpy(bs->dh1, bs->dres2, BD * sizeof(float));
    zero(bs->dff2, BD);
    drop_bwd(bs->dff2, bs->dres2, p_drop > 0.0f ? a->ff_mask : NULL, BD, p_drop);
    zero(bs->dgelu, BF);
    matmul_backward(gemm, bs->dgelu, gl->ff2_w, gl->ff2_b, bs->dff2, a->gelu, w->ff2_w, B, F, D);
    zero(bs->dff1, BF);
    gelu_backward(bs->dff1, a->ff1, bs->dgelu, BF);
    matmul_backward(gemm, bs->dh1, gl->ff1_w, gl->ff1_b, bs->dff1, a->h1, w->ff1_w, B, D, F);
    /* h1 = LN1(res1), res1 = xc + out_lin(att) */
    zero(bs->dres1, BD);
    layernorm_backward(bs->dres1, gl->ln1_w, gl->ln1_b, bs->dh1, a->res1, w->ln1_w, a->mean1,
                       a->rstd1, B, D);
    zero(bs->datt, BD);
    matmul_backward(gemm, bs->datt, gl->o_w, gl->o_b, bs->dres1, a->att, w->o_w, B, D, D);
    /* att = attention(q, kv) */
    zero(bs->dqkv, 2 * N * D + BD);
    attention_cls_backward(dq, dkv, bs->datt_scratch, bs->att_threads, bs->datt, q, kv, a->probs,
                           p_att > 0.0f ? a->att_mask : NULL, p_att, s, D, H);
    /* q = q_lin(xc), kv = [k_lin | v_lin](inp); xc are inp's [CLS] rows, which
     * also get res1's gradient (the residual). dres2 is free again: dxc. */
    float *dxc = bs->dres2;
    memcpy(dxc, bs->dres1, BD * sizeof(float));
    matmul_backward(gemm, dxc, gl->qkv_w, gl->qkv_b, dq, a->xc, w->qkv_w, B, D, D);
    zero(dinp, N * D);
    scatter_add_cls(dinp, dxc, s, D);
    matmul_backward(gemm, dinp, gl->qkv_w + DD, gl->qkv_b + D, dkv, inp, w->qkv_w + DD, N, D, 2 * D);
}
