/* GELU (exact erf form, as DistilBERT's "gelu") and ReLU (the seed's heads). */
#include <math.h>

#include "nn/nn.h"

#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

void gelu_forward(float *out, const float *inp, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        double x = inp[i];
        out[i] = (float)(0.5 * x * (1.0 + erf(x * INV_SQRT2)));
    }
}

void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    /* d/dx [x * Phi(x)] = Phi(x) + x * phi(x) */
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        double x = inp[i];
        double cdf = 0.5 * (1.0 + erf(x * INV_SQRT2));
        double pdf = INV_SQRT_2PI * exp(-0.5 * x * x);
        dinp[i] += (float)(dout[i] * (cdf + x * pdf));
    }
}

void relu_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *out, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0.0f) dinp[i] += dout[i];
}
