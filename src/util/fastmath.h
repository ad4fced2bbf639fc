/* A dot product, erf and exp in float without libm, so that loops calling
 * them vectorize (attention scores, GELU and its gradient, softmax). Plain float operations in a fixed order:
 * every compilation gives the same bits, which the INT8 engine's portable
 * and AVX-512 twins rely on. tests/test_nn.c checks both against libm. */
#ifndef CX_UTIL_FASTMATH_H
#define CX_UTIL_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* a . b over n floats in eight partial sums: the compiler keeps them in one
 * vector register (one float accumulator cannot vectorize without
 * reassociation), and short sums are more accurate than one long chain. The
 * INT8 engine's AVX-512 dot product reproduces this exact order. */
static inline float cx_dot8(const float *a, const float *b, int n) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += a[i + k] * b[i + k];
    for (; i < n; i++) acc[0] += a[i] * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* erf(x) = x P(x^2) / Q(x^2) on [-4, 4] (beyond it erf is +-1 in float):
 * the rational approximation Eigen and XLA use. |error| < 1e-6. The
 * coefficients, highest power first, for the INT8 engine's AVX-512 twin too. */
#define CX_ERF_P {-2.72614225801306e-10f, 2.77068142495902e-08f, -2.10102402082508e-06f, -5.69250639462346e-05f, \
                  -7.34990630326855e-04f, -2.95459980854025e-03f, -1.60960333262415e-02f}
#define CX_ERF_Q {-1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f, -7.37332916720468e-03f, \
                  -1.42647390514189e-02f}
enum { CX_ERF_NP = 7, CX_ERF_NQ = 5 };

static inline float cx_erf(float x) {
    static const float P[CX_ERF_NP] = CX_ERF_P, Q[CX_ERF_NQ] = CX_ERF_Q;
    x = x > 4.0f ? 4.0f : x < -4.0f ? -4.0f : x;
    const float x2 = x * x;
    float p = x2 * P[0] + P[1], q = x2 * Q[0] + Q[1];
    for (int i = 2; i < CX_ERF_NP; i++) p = x2 * p + P[i];
    for (int i = 2; i < CX_ERF_NQ; i++) q = x2 * q + Q[i];
    return x * p / q;
}

/* cx_erf with each polynomial step one fused multiply-add (fmaf: one
 * rounding, as a vector FMA): the INT8 engine's GELU, whose AVX-512 twin
 * must match it bit for bit. Fast only where the compiler emits FMA
 * instructions (callers are compiled with an FMA clone). */
static inline float cx_erf_fma(float x) {
    static const float P[CX_ERF_NP] = CX_ERF_P, Q[CX_ERF_NQ] = CX_ERF_Q;
    x = x > 4.0f ? 4.0f : x < -4.0f ? -4.0f : x;
    const float x2 = x * x;
    float p = fmaf(x2, P[0], P[1]), q = fmaf(x2, Q[0], Q[1]);
    for (int i = 2; i < CX_ERF_NP; i++) p = fmaf(x2, p, P[i]);
    for (int i = 2; i < CX_ERF_NQ; i++) q = fmaf(x2, q, Q[i]);
    return x * p / q;
}

/* exp(x) for x <= 0 (softmax after subtracting the max, the normal density):
 * Cephes' expf, x = n ln2 + r, e^r by a polynomial, 2^n built in the exponent
 * bits. Relative error ~1e-7; results below ~1e-38 come out as that floor,
 * not 0. */
static inline float cx_exp_nonpositive(float x) {
    /* [-87, 0], NaN -> -87 (as the vector max, whose NaN gives its second
     * operand): no input makes the int conversion below undefined */
    x = x >= -87.0f ? x : -87.0f;
    x = x <= 0.0f ? x : 0.0f;
    /* floorf, not an int cast, keeps the loop vectorizable (GCC 12) */
    const int n = (int)floorf(x * 1.44269504088896341f + 0.5f);
    const float fn = (float)n;
    const float r = (x - fn * 0.693359375f) + fn * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = p * r * r + r + 1.0f;
    const uint32_t bits = (uint32_t)(n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

#endif
