/* GELU (exact erf form, as DistilBERT's "gelu") and ReLU (the seed's heads). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/nn.h"
#include "util/fastexp.h"
#include "util/hot.h"

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

/* erf in float without libm, so that the loops below vectorize: the odd /
 * even rational approximation Eigen uses on [-4, 4] (beyond it erf is +-1 in
 * float); within 1e-6 of libm's erf (tests/test_nn.c). */
static inline float erf_approx(float x) {
    x = x < -4.0f ? -4.0f : x > 4.0f ? 4.0f : x;
    const float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p - 2.10102402082508e-06f;
    p = x2 * p - 5.69250639462346e-05f;
    p = x2 * p - 7.34990630326855e-04f;
    p = x2 * p - 2.95459980854025e-03f;
    p = x2 * p - 1.60960333262415e-02f;
    float q = x2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
    q = x2 * q - 1.68282697438203e-03f;
    q = x2 * q - 7.37332916720468e-03f;
    q = x2 * q - 1.42647390514189e-02f;
    return x * p / q;
}

float nn_erf(float x) { return erf_approx(x); }
float nn_exp_nonpositive(float x) { return cx_exp_nonpositive(x); }

CX_HOT static void gelu_forward_run(float *restrict out, const float *restrict inp, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float x = inp[i];
        out[i] = 0.5f * x * (1.0f + erf_approx(x * INV_SQRT2));
    }
}

/* d/dx [x * Phi(x)] = Phi(x) + x * phi(x) */
CX_HOT static void gelu_backward_run(float *restrict dinp, const float *restrict inp,
                                     const float *restrict dout, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float x = inp[i];
        const float cdf = 0.5f * (1.0f + erf_approx(x * INV_SQRT2));
        const float pdf = INV_SQRT_2PI * cx_exp_nonpositive(-0.5f * x * x);
        dinp[i] += dout[i] * (cdf + x * pdf);
    }
}

void gelu_forward(float *out, const float *inp, size_t n) {
    const size_t chunks = (n + CX_HOT_CHUNK - 1) / CX_HOT_CHUNK;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (size_t c = 0; c < chunks; c++) {
        const size_t lo = c * CX_HOT_CHUNK, len = n - lo < CX_HOT_CHUNK ? n - lo : CX_HOT_CHUNK;
        gelu_forward_run(out + lo, inp + lo, len);
    }
}

void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    const size_t chunks = (n + CX_HOT_CHUNK - 1) / CX_HOT_CHUNK;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (size_t c = 0; c < chunks; c++) {
        const size_t lo = c * CX_HOT_CHUNK, len = n - lo < CX_HOT_CHUNK ? n - lo : CX_HOT_CHUNK;
        gelu_backward_run(dinp + lo, inp + lo, dout + lo, len);
    }
}

void relu_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *out, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0.0f) dinp[i] += dout[i];
}
