#include "train/optim.h"

#include <math.h>

#include "util/hot.h"

typedef struct adamw_step {
    float b1, b2, eps, grad_scale, step_size, bc2_sqrt, decay;
} adamw_step;

CX_HOT static void adamw_run(float *restrict param, const float *restrict grad, float *restrict m,
                             float *restrict v, size_t n, adamw_step s) {
    for (size_t i = 0; i < n; i++) {
        float g = grad[i] * s.grad_scale;
        param[i] *= s.decay;
        m[i] = s.b1 * m[i] + (1.0f - s.b1) * g;
        v[i] = s.b2 * v[i] + (1.0f - s.b2) * g * g;
        float denom = sqrtf(v[i]) / s.bc2_sqrt + s.eps;
        param[i] -= s.step_size * m[i] / denom;
    }
}

void cx_adamw_update(float *param, const float *grad, float grad_scale, float *m, float *v, size_t n,
                     float lr, const cx_adamw_hparams *hp, long t) {
    /* torch.optim.AdamW: decoupled decay first, then the bias-corrected Adam step. */
    const double bc1 = 1.0 - pow(hp->beta1, (double)t), bc2 = 1.0 - pow(hp->beta2, (double)t);
    const adamw_step s = {hp->beta1, hp->beta2, hp->eps, grad_scale, (float)(lr / bc1), (float)sqrt(bc2),
                          1.0f - lr * hp->weight_decay};
    const size_t chunks = (n + CX_HOT_CHUNK - 1) / CX_HOT_CHUNK;
#pragma omp parallel for schedule(static) if (chunks > 4)
    for (size_t c = 0; c < chunks; c++) {
        const size_t lo = c * CX_HOT_CHUNK, len = n - lo < CX_HOT_CHUNK ? n - lo : CX_HOT_CHUNK;
        adamw_run(param + lo, grad + lo, m + lo, v + lo, len, s);
    }
}

/* Eight double partial sums in a fixed order: vectorizes, and the result
 * does not depend on the number of threads. */
CX_HOT static double sum_squares_run(const float *g, size_t n) {
    double acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += (double)g[i + k] * g[i + k];
    for (; i < n; i++) acc[0] += (double)g[i] * g[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

double cx_sum_squares(const float *g, size_t n) {
    const size_t chunks = (n + CX_HOT_CHUNK - 1) / CX_HOT_CHUNK;
    double s = 0;
    /* the chunks' sums are added in chunk order (ordered), whatever the threads */
#pragma omp parallel for ordered schedule(static) if (chunks > 4)
    for (size_t c = 0; c < chunks; c++) {
        const size_t lo = c * CX_HOT_CHUNK, len = n - lo < CX_HOT_CHUNK ? n - lo : CX_HOT_CHUNK;
        double part = sum_squares_run(g + lo, len);
#pragma omp ordered
        s += part;
    }
    return s;
}

float cx_clip_factor(double norm, double max_norm) {
    double f = max_norm / (norm + 1e-6);
    return f < 1.0 ? (float)f : 1.0f;
}

double cx_lr_multiplier(long step, long total_steps, long warmup_steps) {
    long warmup = warmup_steps < total_steps / 5 ? warmup_steps : total_steps / 5;
    if (step < warmup) return (double)step / (double)(warmup > 0 ? warmup : 1);
    long span = total_steps - warmup;
    double progress = (double)(step - warmup) / (double)(span > 0 ? span : 1);
    if (progress > 1.0) progress = 1.0;
    return 0.5 * (1.0 + cos(3.14159265358979323846 * progress));
}
