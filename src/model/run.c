/* Running the model: batch checks, the frozen part, the trainable part and
 * the heads, and the backward pass in reverse. */
#include <string.h>

#include "model/model_int.h"
#include "complexity/common.h"

static int set_batch(cx_model_ws *ws, const cx_model_batch *b, int need_ids, cx_error *err) {
    const cx_model *m = ws->m;
    if (b->n_seqs < 1 || b->n_seqs > ws->opt.max_seqs)
        return cx_error_set(err, CX_ERR_INVALID, "batch: %d sequences, workspace holds 1..%d",
                            b->n_seqs, ws->opt.max_seqs);
    size_t N = 0, A = 0;
    ws->off[0] = 0;
    ws->aoff[0] = 0;
    for (int i = 0; i < b->n_seqs; i++) {
        int T = b->lengths[i];
        if (T < 1 || T > ws->opt.max_len)
            return cx_error_set(err, CX_ERR_INVALID, "batch: sequence %d has length %d, "
                                "must be 1..%d", i, T, ws->opt.max_len);
        N += (size_t)T;
        A += (size_t)m->cfg.n_heads * (size_t)T * (size_t)T;
        ws->off[i + 1] = N;
        ws->aoff[i + 1] = A;
    }
    if (N > ws->opt.max_tokens)
        return cx_error_set(err, CX_ERR_INVALID, "batch: %zu tokens, workspace holds %zu", N,
                            ws->opt.max_tokens);
    if (need_ids)
        for (size_t t = 0; t < N; t++)
            if (b->ids[t] < 0 || b->ids[t] >= m->cfg.vocab_size)
                return cx_error_set(err, CX_ERR_INVALID, "batch: token %zu has id %d, "
                                    "vocabulary is 0..%d", t, (int)b->ids[t],
                                    m->cfg.vocab_size - 1);
    ws->B = b->n_seqs;
    ws->N = N;
    ws->seqs.n_seqs = b->n_seqs;
    ws->seqs.off = ws->off;
    ws->seqs.aoff = ws->aoff;
    return CX_OK;
}

/* Embeddings + layers [0, upto) without dropout or saved activations; the
 * result lands in dst. */
static void run_plain(const cx_model *m, cx_model_ws *ws, const int32_t *ids, int upto,
                      float *dst) {
    embeddings_forward(m, upto == 0 ? dst : ws->x0, NULL, ids, &ws->seqs, 0.0f, NULL);
    const float *x = ws->x0;
    for (int l = 0; l < upto; l++) {
        ws->tmp.out = l == upto - 1 ? dst : ws->ping[l % 2];
        layer_forward(m, ws->gemm, l, &ws->tmp, x, ws->ff2_tmp, &ws->seqs, 0.0f, 0.0f, NULL);
        x = ws->tmp.out;
    }
}

int cx_model_encode_frozen(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b,
                           float *hidden, cx_error *err) {
    int rc = set_batch(ws, b, 1, err);
    if (rc) return rc;
    run_plain(m, ws, b->ids, ws->opt.freeze, hidden);
    return CX_OK;
}

int cx_model_forward(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b,
                     const float *hidden, int train, uint64_t dropout_seed,
                     const cx_model_targets *targets, cx_model_loss *loss,
                     cx_model_outputs *out, cx_error *err) {
    ws->ready_backward = 0;
    int rc = set_batch(ws, b, hidden == NULL, err);
    if (rc) return rc;
    const cx_model_config *cfg = &m->cfg;
    const size_t ND = ws->N * (size_t)cfg->dim;
    const int training = ws->opt.training;
    const int first = ws->opt.freeze;
    ws->p_drop = train && training ? cfg->dropout : 0.0f;
    ws->p_att = train && training ? cfg->attention_dropout : 0.0f;
    cx_dropout drop = {.seed = dropout_seed, .keys = b->sample_keys};
    cx_rng_seed(&drop.rng, dropout_seed);
    /* the input of the first trainable layer */
    ws->emb_ran = 0;
    ws->ids = b->ids;
    if (hidden) memcpy(ws->hidden, hidden, ND * sizeof(float));
    else if (training && first == 0) {
        embeddings_forward(m, ws->hidden, &ws->emb, b->ids, &ws->seqs, ws->p_drop, &drop);
        ws->emb_ran = 1;
    } else run_plain(m, ws, b->ids, first, ws->hidden);
    const float *x = ws->hidden;
    for (int l = first; l < cfg->n_layers; l++) {
        /* an inference workspace keeps nothing: scratch, outputs ping-pong */
        cx_layer_acts *a = training ? &ws->acts[l] : &ws->tmp;
        if (!training) a->out = ws->ping[(l - first) % 2];
        if (l == cfg->n_layers - 1) /* the heads read only [CLS] rows */
            layer_forward_cls(m, ws->gemm, l, a, x, ws->ff2_tmp, &ws->seqs, ws->p_drop, ws->p_att, &drop);
        else
            layer_forward(m, ws->gemm, l, a, x, ws->ff2_tmp, &ws->seqs, ws->p_drop, ws->p_att, &drop);
        x = a->out;
    }
    ws->enc_out = x;
    ws->enc_compact = first < cfg->n_layers;
    heads_forward(m, ws->gemm, &ws->heads, x, ws->enc_compact, &ws->seqs, ws->p_drop, &drop);
    if (targets) {
        cx_model_loss tmp;
        heads_loss(m, &ws->heads, targets, ws->B, loss ? loss : &tmp);
        ws->ready_backward = training;
    }
    if (out) {
        out->score = ws->heads.score;
        out->tier_logits = ws->heads.logit[1];
        out->domain_logits = ws->heads.logit[2];
        out->intent_logits = ws->heads.logit[3];
    }
    return CX_OK;
}

int cx_model_backward(const cx_model *m, cx_model_ws *ws, float *grads, cx_error *err) {
    if (!ws->ready_backward)
        return cx_error_set(err, CX_ERR_INVALID, "backward: needs a forward pass with targets "
                            "in a training workspace");
    ws->ready_backward = 0;
    const cx_model_config *cfg = &m->cfg;
    const int first = ws->opt.freeze;
    const size_t ND = ws->N * (size_t)cfg->dim;
    cx_params g;
    params_point(&g, grads, cx_model_trainable_offset(m, first), m->desc, m->n_tensors);
    /* ping-pong so that d(first trainable input) ends in dx[0] */
    int cur = (cfg->n_layers - first) % 2;
    cx_back_scratch *bs = &ws->bs;
    memset(bs->dx[cur], 0, ND * sizeof(float));
    heads_backward(m, ws->gemm, &g, bs->dx[cur], ws->enc_compact, &ws->heads, &ws->seqs, ws->p_drop);
    for (int l = cfg->n_layers - 1; l >= first; l--) {
        const float *inp = l == first ? ws->hidden : ws->acts[l - 1].out;
        if (l == cfg->n_layers - 1)
            layer_backward_cls(m, ws->gemm, l, &g, bs->dx[1 - cur], bs->dx[cur], &ws->acts[l], inp, bs,
                               &ws->seqs, ws->p_drop, ws->p_att);
        else
            layer_backward(m, ws->gemm, l, &g, bs->dx[1 - cur], bs->dx[cur], &ws->acts[l], inp, bs,
                           &ws->seqs, ws->p_drop, ws->p_att);
        cur = 1 - cur;
    }
    if (ws->emb_ran) /* freeze 0: dx[0] is d(embeddings output) */
        embeddings_backward(m, &g, &ws->emb, bs->dx[0], bs->dres1, bs->dres2, ws->ids,
                            &ws->seqs, ws->p_drop);
    return CX_OK;
}

/* ---- the encoder alone, every row of every layer (masked-LM pretraining:
 * the MLM head reads any position, not only [CLS]). Needs a training
 * workspace with freeze 0. */

int model_encode_train(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b, int train,
                       uint64_t dropout_seed, const float **out, cx_error *err) {
    ws->ready_backward = 0;
    if (!ws->opt.training || ws->opt.freeze != 0)
        return cx_error_set(err, CX_ERR_INVALID, "encode: needs a training workspace with freeze 0");
    int rc = set_batch(ws, b, 1, err);
    if (rc) return rc;
    ws->p_drop = train ? m->cfg.dropout : 0.0f;
    ws->p_att = train ? m->cfg.attention_dropout : 0.0f;
    cx_dropout drop = {.seed = dropout_seed, .keys = b->sample_keys};
    cx_rng_seed(&drop.rng, dropout_seed);
    ws->ids = b->ids;
    embeddings_forward(m, ws->hidden, &ws->emb, b->ids, &ws->seqs, ws->p_drop, &drop);
    ws->emb_ran = 1;
    const float *x = ws->hidden;
    for (int l = 0; l < m->cfg.n_layers; l++) {
        layer_forward(m, ws->gemm, l, &ws->acts[l], x, ws->ff2_tmp, &ws->seqs, ws->p_drop, ws->p_att, &drop);
        x = ws->acts[l].out;
    }
    ws->enc_out = x;
    ws->enc_compact = 0;
    *out = x;
    return CX_OK;
}

void model_encode_backward(const cx_model *m, cx_model_ws *ws, const float *dout, float *grads) {
    cx_params g;
    params_point(&g, grads, 0, m->desc, m->n_tensors);
    cx_back_scratch *bs = &ws->bs;
    const int L = m->cfg.n_layers;
    for (int l = L - 1; l >= 0; l--) {
        float *dinp = bs->dx[(L - 1 - l) % 2];
        const float *inp = l == 0 ? ws->hidden : ws->acts[l - 1].out;
        layer_backward(m, ws->gemm, l, &g, dinp, dout, &ws->acts[l], inp, bs, &ws->seqs, ws->p_drop, ws->p_att);
        dout = dinp;
    }
    embeddings_backward(m, &g, &ws->emb, dout, bs->dres1, bs->dres2, ws->ids, &ws->seqs, ws->p_drop);
}
