/* AVX-512 twins of the engine's element-wise kernels (quant.c): each lane
 * runs the scalar code's operations in the same order, so the results are
 * bit-identical; tails use masked loads and stores. */
#include <math.h>
#include <string.h>

#include "infer/qgemm.h"
#include "infer/quant.h"
#include "infer/vec.h"
#include "util/fastmath.h"

eng_vec_ops eng_vec_select(int avx512) {
    eng_vec_ops o = {quant_rows_u8, dequant_rows, gelu_fast, eng_attention, eng_matvec};
    if (avx512)
        o = (eng_vec_ops){quant_rows_u8_avx512, dequant_rows_avx512, gelu_avx512, eng_attention_avx512,
                          eng_matvec_avx512};
    return o;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 static __mmask16 tail_mask(int n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

AVX512 void quant_rows_u8_avx512(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N,
                                 int K) {
    for (size_t i = 0; i < N; i++) {
        const float *r = x + i * (size_t)K;
        /* masked-off lanes load 0, which the range includes anyway */
        __m512 lo = _mm512_setzero_ps(), hi = lo;
        for (int k = 0; k < K; k += 16) {
            __m512 v = _mm512_maskz_loadu_ps(tail_mask(K - k), r + k);
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        float l = _mm512_reduce_min_ps(lo), h = _mm512_reduce_max_ps(hi);
        float s = h > l ? (h - l) / 255.0f : 1.0f, inv = 1.0f / s;
        float z = nearbyintf(-l * inv);
        z = z >= 0.0f ? (z <= 255.0f ? z : 255.0f) : 0.0f; /* NaN -> 0 */
        scale[i] = s;
        zp[i] = (int32_t)z;
        const __m512 vinv = _mm512_set1_ps(inv), vz = _mm512_set1_ps(z), half = _mm512_set1_ps(0.5f);
        const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
        uint8_t *qr = q + i * lda;
        for (int k = 0; k < K; k += 16) {
            __mmask16 m = tail_mask(K - k);
            __m512 v = _mm512_maskz_loadu_ps(m, r + k);
            v = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(v, vinv), vz), half);
            v = _mm512_min_ps(_mm512_max_ps(v, zero), top);
            _mm512_mask_cvtusepi32_storeu_epi8(qr + k, m, _mm512_cvttps_epi32(v));
        }
    }
}

AVX512 void dequant_rows_avx512(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                                const int32_t *col_sum, float w_scale, const float *bias, const float *res,
                                size_t N, int OC, size_t ld) {
    for (size_t i = 0; i < N; i++) {
        const int32_t *a = acc + i * ld;
        float *o = out + i * ld;
        const __m512 s = _mm512_set1_ps(a_scale[i] * w_scale);
        const __m512i z = _mm512_set1_epi32(zp[i]);
        for (int c = 0; c < OC; c += 16) {
            __mmask16 m = tail_mask(OC - c);
            __m512i v = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m, a + c),
                                         _mm512_mullo_epi32(z, _mm512_maskz_loadu_epi32(m, col_sum + c)));
            __m512 f = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(v), s), _mm512_maskz_loadu_ps(m, bias + c));
            if (res) f = _mm512_add_ps(f, _mm512_maskz_loadu_ps(m, res + i * ld + c));
            _mm512_mask_storeu_ps(o + c, m, f);
        }
    }
}

/* gelu_fast's twin: cx_erf_fma's steps lane by lane */
AVX512 void gelu_avx512(float *x, size_t n) {
    static const float P[CX_ERF_NP] = CX_ERF_P, Q[CX_ERF_NQ] = CX_ERF_Q;
    const __m512 c = _mm512_set1_ps(0.70710678118654752f), half = _mm512_set1_ps(0.5f);
    const __m512 lo = _mm512_set1_ps(-4.0f), hi = _mm512_set1_ps(4.0f);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask((int)(n - i < 16 ? n - i : 16));
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 e = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, c), lo), hi);
        __m512 e2 = _mm512_mul_ps(e, e);
        __m512 p = _mm512_fmadd_ps(e2, _mm512_set1_ps(P[0]), _mm512_set1_ps(P[1]));
        for (int k = 2; k < CX_ERF_NP; k++) p = _mm512_fmadd_ps(e2, p, _mm512_set1_ps(P[k]));
        __m512 q = _mm512_fmadd_ps(e2, _mm512_set1_ps(Q[0]), _mm512_set1_ps(Q[1]));
        for (int k = 2; k < CX_ERF_NQ; k++) q = _mm512_fmadd_ps(e2, q, _mm512_set1_ps(Q[k]));
        __m512 erf = _mm512_div_ps(_mm512_mul_ps(e, p), q);
        __m512 h = _mm512_mul_ps(half, v);
        _mm512_mask_storeu_ps(x + i, m, _mm512_fmadd_ps(h, erf, h));
    }
}

#else

void quant_rows_u8_avx512(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N, int K) {
    quant_rows_u8(q, lda, scale, zp, x, N, K);
}
void dequant_rows_avx512(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                         const int32_t *col_sum, float w_scale, const float *bias, const float *res, size_t N,
                         int OC, size_t ld) {
    dequant_rows(out, acc, a_scale, zp, col_sum, w_scale, bias, res, N, OC, ld);
}
void gelu_avx512(float *x, size_t n) { gelu_fast(x, n); }

#endif
