/* Inverted dropout with masks drawn from our seeded generator, so a seed gives
 * the same masks on every machine and thread count (masks are drawn serially). */
#include <string.h>

#include "nn/nn.h"

void dropout_mask(uint8_t *mask, size_t n, float p, cx_rng *rng) {
    if (p <= 0.0f) { memset(mask, 1, n); return; }
    /* 32-bit thresholds: two draws per 64-bit output */
    uint64_t thr = (uint64_t)((double)p * 4294967296.0);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t r = cx_rng_next(rng);
        mask[i] = (r & 0xffffffffu) >= thr;
        mask[i + 1] = (r >> 32) >= thr;
    }
    if (i < n) mask[i] = (cx_rng_next(rng) & 0xffffffffu) >= thr;
}

void dropout_forward(float *out, const float *inp, const uint8_t *mask, size_t n, float p) {
    float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = mask[i] ? inp[i] * scale : 0.0f;
}

void dropout_backward(float *dinp, const float *dout, const uint8_t *mask, size_t n, float p) {
    float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (mask[i]) dinp[i] += dout[i] * scale;
}
