/* Quantization helpers and the small fp32 kernels of the INT8 engine. */
#include <math.h>
#include <string.h>

#include "infer/quant.h"
#include "util/fastmath.h"
#include "util/hot.h"

float quant_weight_sym(int8_t *q, const float *w, size_t n) {
    float mx = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) return -1.0f; /* converting NaN or inf to int8 is undefined */
        mx = fabsf(w[i]) > mx ? fabsf(w[i]) : mx;
    }
    float s = mx > 0.0f ? mx / 127.0f : 1.0f, inv = 1.0f / s;
    for (size_t i = 0; i < n; i++) {
        float v = nearbyintf(w[i] * inv);
        q[i] = (int8_t)(v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v);
    }
    return s;
}

#if defined(__x86_64__)
/* AVX2 builds of the loops below (the AVX-512 kernels have their own twins,
 * vec_avx512.c): element by element the same operations, so the same bits */
#define AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AVX2_CLONES
#endif

AVX2_CLONES static void quant_rows_run(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N,
                                       int K) {
    for (size_t i = 0; i < N; i++) {
        const float *r = x + i * (size_t)K;
        float lo = 0.0f, hi = 0.0f;
        for (int k = 0; k < K; k++) { /* ternaries, not fminf: they vectorize */
            lo = r[k] < lo ? r[k] : lo;
            hi = r[k] > hi ? r[k] : hi;
        }
        float s = hi > lo ? (hi - lo) / 255.0f : 1.0f, inv = 1.0f / s;
        float z = nearbyintf(-lo * inv);
        z = z >= 0.0f ? (z <= 255.0f ? z : 255.0f) : 0.0f; /* NaN (a file's inf or NaN upstream) -> 0 */
        scale[i] = s;
        zp[i] = (int32_t)z;
        uint8_t *qr = q + i * lda;
        /* x >= lo, so x * inv + z + 0.5 > -0.5 ... truncation is floor after the clamp */
        for (int k = 0; k < K; k++) {
            float v = r[k] * inv + z + 0.5f;
            v = v >= 0.0f ? (v <= 255.0f ? v : 255.0f) : 0.0f; /* NaN -> 0, as max_ps in the twin */
            qr[k] = (uint8_t)(int)v;
        }
    }
}

void quant_rows_u8(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N, int K) {
    quant_rows_run(q, lda, scale, zp, x, N, K);
}

AVX2_CLONES static void dequant_rows_run(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                                         const int32_t *col_sum, float w_scale, const float *bias, const float *res,
                                         size_t N, int OC, size_t ld) {
    for (size_t i = 0; i < N; i++) {
        const int32_t *a = acc + i * ld;
        float *o = out + i * ld;
        const float s = a_scale[i] * w_scale;
        const int32_t z = zp[i];
        for (int c = 0; c < OC; c++) o[c] = (float)(a[c] - z * col_sum[c]) * s + bias[c];
        if (res)
            for (int c = 0; c < OC; c++) o[c] += res[i * ld + c];
    }
}

void dequant_rows(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                  const int32_t *col_sum, float w_scale, const float *bias, const float *res, size_t N, int OC,
                  size_t ld) {
    dequant_rows_run(out, acc, a_scale, zp, col_sum, w_scale, bias, res, N, OC, ld);
}

#if defined(__x86_64__)
#define FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define FMA_CLONES
#endif

/* x Phi(x) = h + h erf(x / sqrt 2), h = x / 2 (exact), the last step an FMA */
FMA_CLONES static void gelu_run(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float h = 0.5f * x[i];
        x[i] = fmaf(h, cx_erf_fma(x[i] * 0.70710678118654752f), h);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* gelu_run on eight lanes for AVX2 + FMA CPUs (GCC does not vectorize the
 * scalar loop: its clamp is a branch to it), the operations of cx_erf_fma in
 * its order, so the same bits (the clamp as min/max: the same for any input
 * but NaN). The AVX-512 kernels have their own twin (gelu16). */
__attribute__((target("avx2,fma"))) static void gelu_avx2(float *x, size_t n) {
    static const float P[CX_ERF_NP] = CX_ERF_P, Q[CX_ERF_NQ] = CX_ERF_Q;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 e = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)),
                                                     _mm256_set1_ps(-4.0f)),
                                       _mm256_set1_ps(4.0f));
        const __m256 e2 = _mm256_mul_ps(e, e);
        __m256 p = _mm256_fmadd_ps(e2, _mm256_set1_ps(P[0]), _mm256_set1_ps(P[1]));
        for (int k = 2; k < CX_ERF_NP; k++) p = _mm256_fmadd_ps(e2, p, _mm256_set1_ps(P[k]));
        __m256 q = _mm256_fmadd_ps(e2, _mm256_set1_ps(Q[0]), _mm256_set1_ps(Q[1]));
        for (int k = 2; k < CX_ERF_NQ; k++) q = _mm256_fmadd_ps(e2, q, _mm256_set1_ps(Q[k]));
        const __m256 h = _mm256_mul_ps(_mm256_set1_ps(0.5f), v);
        _mm256_storeu_ps(x + i, _mm256_fmadd_ps(h, _mm256_div_ps(_mm256_mul_ps(e, p), q), h));
    }
    gelu_run(x + i, n - i);
}
#endif

void gelu_fast(float *x, size_t n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        gelu_avx2(x, n);
        return;
    }
#endif
    gelu_run(x, n);
}

/* Sums in sixteen float lanes, then the lanes pairwise: they vectorize, and
 * the order is fixed, so every compilation gives the same bits (short partial
 * sums also lose fewer digits than one long chain). */
static inline float fold16(float acc[16]) {
    for (int w = 8; w > 0; w /= 2)
        for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    return acc[0];
}

/* sum of x[0..n) */
static inline float sum16(const float *x, int n) {
    float acc[16] = {0};
    int c = 0;
    for (; c + 16 <= n; c += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[c + l];
    for (; c < n; c++) acc[0] += x[c];
    return fold16(acc);
}

/* sum of (x - m)^2 over x[0..n) */
static inline float sqdev16(const float *x, int n, float m) {
    float acc[16] = {0};
    int c = 0;
    for (; c + 16 <= n; c += 16)
        for (int l = 0; l < 16; l++) acc[l] += (x[c + l] - m) * (x[c + l] - m);
    for (; c < n; c++) acc[0] += (x[c] - m) * (x[c] - m);
    return fold16(acc);
}

CX_HOT static void layernorm_run(float *out, const float *x, const float *w, const float *b, size_t N, int D,
                                 float eps) {
    for (size_t i = 0; i < N; i++) {
        const float *r = x + i * (size_t)D;
        float *o = out + i * (size_t)D;
        const float mean = sum16(r, D) / (float)D;
        const float var = sqdev16(r, D, mean) / (float)D;
        const float rs = 1.0f / sqrtf(var + eps);
        for (int c = 0; c < D; c++) o[c] = (r[c] - mean) * rs * w[c] + b[c];
    }
}

/* (Clang 14 gives a target_clones function no plain external symbol: the
 * clones stay static behind this.) */
void layernorm_rows(float *out, const float *x, const float *w, const float *b, size_t N, int D, float eps) {
    layernorm_run(out, x, w, b, N, D, eps);
}
