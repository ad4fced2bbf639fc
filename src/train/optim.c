#include "train/optim.h"

#include <math.h>

void cx_adamw_update(float *param, const float *grad, float *m, float *v, size_t n, float lr,
                     const cx_adamw_hparams *hp, long t) {
    /* torch.optim.AdamW: decoupled decay first, then the bias-corrected Adam step. */
    const float b1 = hp->beta1, b2 = hp->beta2;
    const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
    const float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
    const float decay = 1.0f - lr * hp->weight_decay;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        param[i] *= decay;
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + hp->eps;
        param[i] -= step_size * m[i] / denom;
    }
}

double cx_sum_squares(const float *g, size_t n) {
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
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
