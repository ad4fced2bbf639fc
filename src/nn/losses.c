/* The seed's four losses, batch means as PyTorch's default reduction. */
#include <math.h>

#include "nn/nn.h"

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double mse_sigmoid_loss(float *dlogits, const float *logits, const float *target,
                        int B, float weight) {
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        double s = sigmoid(logits[b]), diff = s - target[b];
        loss += diff * diff;
        /* d/dz (s - y)^2 = 2 (s - y) s (1 - s) */
        if (dlogits) dlogits[b] += (float)(weight * 2.0 * diff * s * (1.0 - s) / B);
    }
    return loss / B;
}

double cross_entropy_loss(float *dlogits, const float *logits, const int *target,
                          int B, int K, float weight) {
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * K;
        double mx = z[0];
        for (int k = 1; k < K; k++) if (z[k] > mx) mx = z[k];
        double sum = 0.0; /* log-sum-exp with the max subtracted for stability */
        for (int k = 0; k < K; k++) sum += exp(z[k] - mx);
        double lse = mx + log(sum);
        loss += lse - z[target[b]];
        if (dlogits)
            for (int k = 0; k < K; k++) {
                double g = exp(z[k] - lse) - (k == target[b] ? 1.0 : 0.0);
                dlogits[(size_t)b * K + k] += (float)(weight * g / B);
            }
    }
    return loss / B;
}

double bce_logits_loss(float *dlogits, const float *logits, const float *target,
                       int B, int K, float weight) {
    double loss = 0.0;
    size_t n = (size_t)B * K;
    for (size_t i = 0; i < n; i++) {
        double z = logits[i], t = target[i];
        /* max(z,0) - z t + log(1 + e^-|z|): stable for any z */
        loss += (z > 0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
        if (dlogits) dlogits[i] += (float)(weight * (sigmoid(z) - t) / (double)n);
    }
    return loss / (double)n;
}
