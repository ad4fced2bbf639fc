/* The seed's classifier on the [CLS] hidden state: dropout -> shared Linear ->
 * ReLU -> dropout -> per head Linear -> ReLU -> Linear (SPEC §3). */
#include <math.h>
#include <string.h>

#include "model/model_int.h"

const float cx_seed_loss_weights[CX_N_LOSSES] = {0.4f, 0.3f, 0.15f, 0.15f};

static void zero(float *p, size_t n) { memset(p, 0, n * sizeof *p); }

void heads_forward(const cx_model *m, nn_gemm *gemm, cx_head_acts *h, const float *hidden,
                   int compact, const cx_seqs *s, float p, cx_dropout *drop) {
    const int B = s->n_seqs, D = m->cfg.dim, S = m->cfg.shared_dim, Hh = m->cfg.head_dim;
    for (int b = 0; b < B; b++) /* pooling: position 0 of each sequence */
        memcpy(h->cls + (size_t)b * D, hidden + (compact ? (size_t)b : s->off[b]) * D,
               (size_t)D * sizeof(float));
    const uint8_t *m0 = dropout_draw(h->cls_mask, p, drop, NULL, B, (size_t)D);
    if (m0) dropout_forward(h->cls_d, h->cls, m0, (size_t)B * D, p);
    else memcpy(h->cls_d, h->cls, (size_t)B * D * sizeof(float));
    matmul_forward(gemm, h->sh, h->cls_d, m->p.shared_w, m->p.shared_b, B, D, S);
    relu_forward(h->shr, h->sh, (size_t)B * S);
    const uint8_t *m1 = dropout_draw(h->sh_mask, p, drop, NULL, B, (size_t)S);
    if (m1) dropout_forward(h->shd, h->shr, m1, (size_t)B * S, p);
    else memcpy(h->shd, h->shr, (size_t)B * S * sizeof(float));
    for (int k = 0; k < CX_N_HEADS; k++) {
        const cx_head_params *w = &m->p.head[k];
        matmul_forward(gemm, h->a[k], h->shd, w->w1, w->b1, B, S, Hh);
        relu_forward(h->r[k], h->a[k], (size_t)B * Hh);
        matmul_forward(gemm, h->logit[k], h->r[k], w->w2, w->b2, B, Hh, cx_head_outputs[k]);
    }
    for (int b = 0; b < B; b++) h->score[b] = (float)(1.0 / (1.0 + exp(-h->logit[0][b])));
}

void heads_loss(const cx_model *m, cx_head_acts *h, const cx_model_targets *t, int B,
                cx_model_loss *loss) {
    (void)m;
    for (int k = 0; k < CX_N_HEADS; k++) zero(h->dlogit[k], (size_t)B * cx_head_outputs[k]);
    const float *w = t->loss_weights ? t->loss_weights : cx_seed_loss_weights;
    loss->score_mse = mse_sigmoid_loss(h->dlogit[0], h->logit[0], t->score, B, w[0]);
    loss->tier_ce = cross_entropy_loss(h->dlogit[1], h->logit[1], t->tier, B, 5, w[1]);
    loss->domain_bce = bce_logits_loss(h->dlogit[2], h->logit[2], t->domains, B, 5, w[2]);
    loss->intent_ce = cross_entropy_loss(h->dlogit[3], h->logit[3], t->intent, B, 8, w[3]);
    loss->total = (double)w[0] * loss->score_mse + (double)w[1] * loss->tier_ce + (double)w[2] * loss->domain_bce +
                  (double)w[3] * loss->intent_ce;
}

void heads_backward(const cx_model *m, nn_gemm *gemm, cx_params *g, float *dhidden,
                    int compact, cx_head_acts *h, const cx_seqs *s, float p) {
    const int B = s->n_seqs, D = m->cfg.dim, S = m->cfg.shared_dim, Hh = m->cfg.head_dim;
    const size_t BD = (size_t)B * D, BS = (size_t)B * S, BH = (size_t)B * Hh;
    zero(h->dshd, BS);
    for (int k = 0; k < CX_N_HEADS; k++) {
        const cx_head_params *w = &m->p.head[k];
        cx_head_params *gk = &g->head[k];
        zero(h->dr, BH);
        matmul_backward(gemm, h->dr, gk->w2, gk->b2, h->dlogit[k], h->r[k], w->w2, B, Hh,
                        cx_head_outputs[k]);
        zero(h->da, BH);
        relu_backward(h->da, h->r[k], h->dr, BH);
        /* every head reads shd: their gradients add up */
        matmul_backward(gemm, h->dshd, gk->w1, gk->b1, h->da, h->shd, w->w1, B, S, Hh);
    }
    zero(h->dshr, BS);
    if (p > 0.0f) dropout_backward(h->dshr, h->dshd, h->sh_mask, BS, p);
    else memcpy(h->dshr, h->dshd, BS * sizeof(float));
    zero(h->dsh, BS);
    relu_backward(h->dsh, h->shr, h->dshr, BS);
    zero(h->dcls_d, BD);
    matmul_backward(gemm, h->dcls_d, g->shared_w, g->shared_b, h->dsh, h->cls_d, m->p.shared_w, B, D, S);
    zero(h->dcls, BD);
    if (p > 0.0f) dropout_backward(h->dcls, h->dcls_d, h->cls_mask, BD, p);
    else memcpy(h->dcls, h->dcls_d, BD * sizeof(float));
    for (int b = 0; b < B; b++) {
        float *d = dhidden + (compact ? (size_t)b : s->off[b]) * D;
        for (int c = 0; c < D; c++) d[c] += h->dcls[(size_t)b * D + c];
    }
}
