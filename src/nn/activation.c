/* GELU (erf form, as DistilBERT's "gelu", with a float erf within 1e-6) and
 * ReLU (the seed's heads). */

#include "nn/nn.h"
#include "util/fastmath.h"
#include "util/hot.h"

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

CX_HOT static void gelu_forward_run(float *restrict out, const float *restrict inp, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float x = inp[i];
        out[i] = 0.5f * x * (1.0f + cx_erf(x * INV_SQRT2));
    }
}

/* d/dx [x * Phi(x)] = Phi(x) + x * phi(x) */
CX_HOT static void gelu_backward_run(float *restrict dinp, const float *restrict inp,
                                     const float *restrict dout, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float x = inp[i];
        const float cdf = 0.5f * (1.0f + cx_erf(x * INV_SQRT2));
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
