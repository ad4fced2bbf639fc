/* Layer normalisation over the last axis (post-LN blocks of DistilBERT). */
#include <math.h>

#include "nn/nn.h"

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                       const float *weight, const float *bias, size_t N, int C, float eps) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        const float *x = inp + i * (size_t)C;
        /* double sums: C = 768 float sums lose digits the fixtures would notice */
        double m = 0.0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        double v = 0.0;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        float s = (float)(1.0 / sqrt(v + eps));
        float *o = out + i * (size_t)C;
        for (int c = 0; c < C; c++) o[c] = ((float)(x[c] - m) * s) * weight[c] + bias[c];
        if (mean) mean[i] = (float)m;
        if (rstd) rstd[i] = s;
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, const float *mean,
                        const float *rstd, size_t N, int C) {
    /* out = xhat * w + b, xhat = (x - mean) * rstd:
     * dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) */
    if (dinp) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < N; i++) {
            const float *x = inp + i * (size_t)C, *d = dout + i * (size_t)C;
            double m1 = 0.0, m2 = 0.0;
            for (int c = 0; c < C; c++) {
                float xhat = (x[c] - mean[i]) * rstd[i];
                float dxhat = d[c] * weight[c];
                m1 += dxhat;
                m2 += dxhat * xhat;
            }
            float a = (float)(m1 / C), b = (float)(m2 / C);
            float *dx = dinp + i * (size_t)C;
            for (int c = 0; c < C; c++) {
                float xhat = (x[c] - mean[i]) * rstd[i];
                dx[c] += rstd[i] * (d[c] * weight[c] - a - xhat * b);
            }
        }
    }
    if (dweight || dbias) {
        /* per-channel sums over rows: split channels across threads */
#pragma omp parallel for schedule(static)
        for (int c = 0; c < C; c++) {
            double sw = 0.0, sb = 0.0;
            for (size_t i = 0; i < N; i++) {
                float d = dout[i * (size_t)C + c];
                sw += d * ((inp[i * (size_t)C + c] - mean[i]) * rstd[i]);
                sb += d;
            }
            if (dweight) dweight[c] += (float)sw;
            if (dbias) dbias[c] += (float)sb;
        }
    }
}
