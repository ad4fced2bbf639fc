/* exp(x) for x <= 0 in float without libm, so that loops calling it
 * vectorize (softmax after subtracting the max, the normal density in GELU's
 * gradient): Cephes' expf, x = n ln2 + r, e^r by a polynomial, 2^n built in
 * the exponent bits. Relative error ~1e-7 (tests/test_nn.c checks it against
 * libm); results below ~1e-38 come out as that floor, not 0. Plain float
 * operations in a fixed order: every compilation gives the same bits. */
#ifndef CX_UTIL_FASTEXP_H
#define CX_UTIL_FASTEXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float cx_exp_nonpositive(float x) {
    x = x < -87.0f ? -87.0f : x;
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
