/* Multi-head self-attention over packed sequences. Each sequence attends only
 * to its own tokens, which is exactly what the padded PyTorch model computes
 * for real tokens (padded keys get a -inf score, so softmax gives them weight
 * 0). Work is split over (sequence, head) pairs: each pair writes its own rows
 * and columns, so threads never write the same element. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "nn/nn.h"
#include "util/fastmath.h"
#include "util/hot.h"

typedef struct head_view {
    size_t T;        /* tokens of this sequence */
    size_t row0;     /* its first packed row */
    size_t ld;       /* row stride of qkv: 3*D */
    int hd;          /* head width */
    size_t col;      /* h * hd */
} head_view;

static head_view view_of(const cx_seqs *s, int b, int h, int D, int H) {
    head_view v;
    v.T = s->off[b + 1] - s->off[b];
    v.row0 = s->off[b];
    v.ld = 3 * (size_t)D;
    v.hd = D / H;
    v.col = (size_t)h * (size_t)v.hd;
    return v;
}

/* One query row: P (T) = softmax(q . k_j scale), o (hd) = sum_j P_j (dropped)
 * v_j. Keys and values are rows of stride ld from keys / vals. */
static inline void attend_row(float *o, float *P, const float *q, const float *keys, const float *vals, size_t ld,
                              size_t T, int hd, const uint8_t *mask, float keep, float scale) {
    float mx = -INFINITY;
    for (size_t j = 0; j < T; j++) {
        P[j] = cx_dot8(q, keys + j * ld, hd) * scale;
        if (P[j] > mx) mx = P[j];
    }
    /* subtract the max for numerical stability */
    double sum = 0.0;
    for (size_t j = 0; j < T; j++) {
        P[j] = expf(P[j] - mx);
        sum += P[j];
    }
    const float inv = (float)(1.0 / sum);
    for (size_t j = 0; j < T; j++) P[j] *= inv;
    memset(o, 0, (size_t)hd * sizeof *o);
    for (size_t j = 0; j < T; j++) {
        const float w = mask ? (mask[j] ? P[j] * keep : 0.0f) : P[j];
        const float *val = vals + j * ld;
        for (int c = 0; c < hd; c++) o[c] += w * val[c];
    }
}

CX_HOT static void head_forward(float *out, float *P, const float *qkv, const uint8_t *mask, float p,
                                const head_view *v, int D) {
    const float scale = 1.0f / sqrtf((float)v->hd);
    const float keep = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
    const float *base = qkv + v->row0 * v->ld + v->col;
    for (size_t i = 0; i < v->T; i++)
        attend_row(out + (v->row0 + i) * (size_t)D + v->col, P + i * v->T, base + i * v->ld, base + D,
                   base + 2 * (size_t)D, v->ld, v->T, v->hd, mask ? mask + i * v->T : NULL, keep, scale);
}

void attention_forward(float *out, float *probs, const float *qkv, const uint8_t *mask,
                       float p, const cx_seqs *s, int D, int H) {
    int pairs = s->n_seqs * H;
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < pairs; t++) {
        int b = t / H, h = t % H;
        head_view v = view_of(s, b, h, D, H);
        size_t a = s->aoff[b] + (size_t)h * v.T * v.T;
        head_forward(out, probs + a, qkv, mask ? mask + a : NULL, p, &v, D);
    }
}

CX_HOT static void head_backward(float *dqkv, float *dS, const float *dout, const float *qkv,
                          const float *P, const uint8_t *mask, float p, const head_view *v,
                          int D) {
    const float scale = 1.0f / sqrtf((float)v->hd);
    const float keep = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
    const size_t T = v->T, koff = (size_t)D, voff = 2 * (size_t)D;
    for (size_t i = 0; i < T; i++) {
        const float *d = dout + (v->row0 + i) * (size_t)D + v->col;
        const float *Pi = P + i * T;
        float *dSi = dS + i * T;
        /* out_i = sum_j Pd_ij v_j: dPd_ij = dout_i . v_j, dv_j += Pd_ij dout_i */
        for (size_t j = 0; j < T; j++) {
            const float *val = qkv + (v->row0 + j) * v->ld + voff + v->col;
            float *dval = dqkv + (v->row0 + j) * v->ld + voff + v->col;
            float m = mask ? (mask[i * T + j] ? keep : 0.0f) : 1.0f;
            float pd = Pi[j] * m;
            for (int c = 0; c < v->hd; c++) dval[c] += pd * d[c];
            dSi[j] = cx_dot8(d, val, v->hd) * m; /* dP through the dropout */
        }
        /* softmax: dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik) */
        double acc = 0.0;
        for (size_t j = 0; j < T; j++) acc += Pi[j] * dSi[j];
        for (size_t j = 0; j < T; j++) dSi[j] = Pi[j] * (dSi[j] - (float)acc);
    }
    /* S_ij = scale q_i . k_j */
    for (size_t i = 0; i < T; i++) {
        float *dq = dqkv + (v->row0 + i) * v->ld + v->col;
        const float *q = qkv + (v->row0 + i) * v->ld + v->col;
        for (size_t j = 0; j < T; j++) {
            float g = dS[i * T + j] * scale;
            const float *k = qkv + (v->row0 + j) * v->ld + koff + v->col;
            float *dk = dqkv + (v->row0 + j) * v->ld + koff + v->col;
            for (int c = 0; c < v->hd; c++) {
                dq[c] += g * k[c];
                dk[c] += g * q[c];
            }
        }
    }
}

size_t attention_scratch_floats(size_t max_len, int n_threads) {
    return max_len * max_len * (size_t)(n_threads > 0 ? n_threads : 1);
}

void attention_backward(float *dqkv, float *scratch, int n_threads, const float *dout,
                        const float *qkv, const float *probs, const uint8_t *mask, float p,
                        const cx_seqs *s, int D, int H) {
    size_t max_len = 0;
    for (int b = 0; b < s->n_seqs; b++)
        if (s->off[b + 1] - s->off[b] > max_len) max_len = s->off[b + 1] - s->off[b];
    int pairs = s->n_seqs * H;
    /* scratch holds one (T,T) map per thread: never run more threads than that */
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
    for (int t = 0; t < pairs; t++) {
        int b = t / H, h = t % H;
        head_view v = view_of(s, b, h, D, H);
        size_t a = s->aoff[b] + (size_t)h * v.T * v.T;
        float *dS = scratch + (size_t)omp_get_thread_num() * max_len * max_len;
        head_backward(dqkv, dS, dout, qkv, probs + a, mask ? mask + a : NULL, p, &v, D);
    }
}

void attention_forward_naive(float *out, float *probs, const float *qkv, const uint8_t *mask,
                             float p, const cx_seqs *s, int D, int H) {
    int hd = D / H;
    double scale = 1.0 / sqrt((double)hd), keep = p > 0.0f ? 1.0 / (1.0 - p) : 1.0;
    size_t ld = 3 * (size_t)D;
    for (int b = 0; b < s->n_seqs; b++) {
        size_t T = s->off[b + 1] - s->off[b], r0 = s->off[b];
        for (int h = 0; h < H; h++) {
            float *P = probs + s->aoff[b] + (size_t)h * T * T;
            const uint8_t *M = mask ? mask + s->aoff[b] + (size_t)h * T * T : NULL;
            for (size_t i = 0; i < T; i++) {
                double mx = -INFINITY, sum = 0.0;
                for (size_t j = 0; j < T; j++) {
                    double acc = 0.0;
                    for (int c = 0; c < hd; c++)
                        acc += (double)qkv[(r0 + i) * ld + (size_t)h * hd + c] *
                               qkv[(r0 + j) * ld + D + (size_t)h * hd + c];
                    P[i * T + j] = (float)(acc * scale);
                    if (acc * scale > mx) mx = acc * scale;
                }
                for (size_t j = 0; j < T; j++) sum += exp(P[i * T + j] - mx);
                for (size_t j = 0; j < T; j++) P[i * T + j] = (float)(exp(P[i * T + j] - mx) / sum);
                for (int c = 0; c < hd; c++) {
                    double acc = 0.0;
                    for (size_t j = 0; j < T; j++) {
                        double w = P[i * T + j] * (M ? (M[i * T + j] ? keep : 0.0) : 1.0);
                        acc += w * qkv[(r0 + j) * ld + 2 * (size_t)D + (size_t)h * hd + c];
                    }
                    out[(r0 + i) * (size_t)D + (size_t)h * hd + c] = (float)acc;
                }
            }
        }
    }
}

/* ---- the last layer: one query per sequence, its [CLS] token.
 * Sequence b's map for head h is probs[off[b] H + h T_b .. + T_b). */

static size_t cls_map(const cx_seqs *s, int b, int h, int H) {
    return s->off[b] * (size_t)H + (size_t)h * (s->off[b + 1] - s->off[b]);
}

void attention_cls_forward(float *out, float *probs, const float *q, const float *kv,
                           const uint8_t *mask, float p, const cx_seqs *s, int D, int H) {
    const int pairs = s->n_seqs * H, hd = D / H;
    const float scale = 1.0f / sqrtf((float)hd), keep = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
#pragma omp parallel for schedule(dynamic, 4)
    for (int t = 0; t < pairs; t++) {
        const int b = t / H, h = t % H;
        const size_t a = cls_map(s, b, h, H), col = (size_t)h * (size_t)hd;
        const float *keys = kv + s->off[b] * 2 * (size_t)D + col;
        attend_row(out + (size_t)b * D + col, probs + a, q + (size_t)b * D + col, keys, keys + D, 2 * (size_t)D,
                   s->off[b + 1] - s->off[b], hd, mask ? mask + a : NULL, keep, scale);
    }
}

CX_HOT static void cls_head_backward(float *dq, float *dkv, float *dS, const float *d,
                                     const float *q, const float *kv, const float *P,
                                     const uint8_t *mask, float p, size_t T, size_t row0, int D,
                                     int hd, size_t col) {
    const float scale = 1.0f / sqrtf((float)hd);
    const float keep = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
    const size_t ld = 2 * (size_t)D;
    /* o = sum_j Pd_j v_j: dPd_j = d . v_j, dv_j += Pd_j d */
    double acc = 0.0;
    for (size_t j = 0; j < T; j++) {
        const float *val = kv + (row0 + j) * ld + D + col;
        float *dval = dkv + (row0 + j) * ld + D + col;
        const float m = mask ? (mask[j] ? keep : 0.0f) : 1.0f;
        const float pd = P[j] * m;
        for (int c = 0; c < hd; c++) dval[c] += pd * d[c];
        dS[j] = cx_dot8(d, val, hd) * m;
        acc += P[j] * dS[j];
    }
    /* softmax, then S_j = scale q . k_j */
    for (size_t j = 0; j < T; j++) {
        const float g = P[j] * (dS[j] - (float)acc) * scale;
        const float *k = kv + (row0 + j) * ld + col;
        float *dk = dkv + (row0 + j) * ld + col;
        for (int c = 0; c < hd; c++) {
            dq[c] += g * k[c];
            dk[c] += g * q[c];
        }
    }
}

void attention_cls_backward(float *dq, float *dkv, float *scratch, int n_threads, const float *dout,
                            const float *q, const float *kv, const float *probs,
                            const uint8_t *mask, float p, const cx_seqs *s, int D, int H) {
    size_t max_len = 0;
    for (int b = 0; b < s->n_seqs; b++)
        if (s->off[b + 1] - s->off[b] > max_len) max_len = s->off[b + 1] - s->off[b];
    const int pairs = s->n_seqs * H, hd = D / H;
    /* each (sequence, head) pair owns its columns of its rows: no two threads
     * write the same element */
#pragma omp parallel for schedule(dynamic, 4) num_threads(n_threads)
    for (int t = 0; t < pairs; t++) {
        const int b = t / H, h = t % H;
        const size_t a = cls_map(s, b, h, H), col = (size_t)h * (size_t)hd;
        float *dS = scratch + (size_t)omp_get_thread_num() * max_len;
        cls_head_backward(dq + (size_t)b * D + col, dkv, dS, dout + (size_t)b * D + col,
                          q + (size_t)b * D + col, kv, probs + a, mask ? mask + a : NULL, p,
                          s->off[b + 1] - s->off[b], s->off[b], D, hd, col);
    }
}
