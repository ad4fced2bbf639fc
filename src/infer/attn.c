/* Attention and the heads' matrix-vector products of the INT8 engine, fp32.
 * One body (a macro), compiled twice: portable, and with a target attribute
 * and intrinsics for AVX-512. Both run the same operations in the same order
 * (fused multiply-adds: fmaf is exact rounding, as the vector FMA is), so the
 * two give the same bits. The portable one has an FMA clone: without FMA
 * hardware fmaf is a slow library call. */
#include <math.h>
#include <string.h>

#include "infer/vec.h"
#include "util/fastmath.h"

static inline void dot8x4(float out[4], const float *a0, const float *a1, const float *a2, const float *a3,
                          const float *b, int n) {
    out[0] = cx_dot8(a0, b, n);
    out[1] = cx_dot8(a1, b, n);
    out[2] = cx_dot8(a2, b, n);
    out[3] = cx_dot8(a3, b, n);
}

/* The largest of x[0..n): sixteen running maxima (one vector), then theirs.
 * max is exact, so any order gives the same value. */
static inline float row_max(const float *x, int n) {
    float m[16];
    for (int l = 0; l < 16; l++) m[l] = -INFINITY;
    int j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
    for (; j < n; j++) m[0] = x[j] > m[0] ? x[j] : m[0];
    float mx = m[0];
    for (int l = 1; l < 16; l++) mx = m[l] > mx ? m[l] : mx;
    return mx;
}

/* The sum of x[0..n) in sixteen lanes (lane l: x[l], x[16 + l], ...), then
 * the lanes pairwise: the AVX-512 twin's vector order. */
static inline float row_sum16(const float *x, int n) {
    float acc[16] = {0};
    for (int j = 0; j < n; j++) acc[j % 16] += x[j];
    for (int w = 8; w > 0; w /= 2)
        for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    return acc[0];
}

/* att rows [0, nq) = softmax(q k^T / sqrt(hd)) v for heads [h0, h1), over n
 * keys; q, k, v, att: (rows, D), heads side by side; s: scratch (vec.h).
 * SCORES fills the scores of up to QB queries at once (row r at s + r n):
 * each score is q . k_j, FMAs over d in order, times the scale. The
 * softmax's exp is cx_exp_nonpositive (vectorizes), its sum row_sum16's.
 * WSUM: the weighted sums of values of those queries. */
#define ATTENTION_BODY(PREP, SCORES, QB, SUM, WSUM)                                                    \
    const int hd = D / H;                                                                              \
    const float scale = 1.0f / sqrtf((float)hd);                                                       \
    float *kt = s + (size_t)(QB) * n; /* PREP's per-head copy of the keys, if any */                   \
    for (int h = h0; h < h1; h++) {                                                                    \
        PREP(kt, k + h * hd, n, (size_t)D, hd);                                                        \
        for (int i0 = 0; i0 < nq; i0 += (QB)) {                                                        \
            const int m = nq - i0 < (QB) ? nq - i0 : (QB);                                             \
            float inv[QB];                                                                             \
            SCORES(s, q + (size_t)i0 * D + h * hd, m, k + h * hd, kt, n, (size_t)D, hd, scale);       \
            for (int r = 0; r < m; r++) {                                                              \
                float *sr = s + (size_t)r * n, mx = row_max(sr, n);                                    \
                for (int j = 0; j < n; j++) sr[j] = cx_exp_nonpositive(sr[j] - mx); /* max first */   \
                inv[r] = 1.0f / SUM(sr, n);                                                            \
            }                                                                                          \
            WSUM(att + (size_t)i0 * D + h * hd, s, inv, m, v + h * hd, n, (size_t)D, hd);              \
        }                                                                                              \
    }

/* s[r n + j] = (sum over d, in order, of q_r[d] k_j[d]) * scale for the m
 * queries from q (row stride D) */
static inline void scores_plain(float *s, const float *q, int m, const float *k, const float *kt, int n, size_t D,
                                int hd, float scale) {
    (void)kt;
    for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++) {
            const float *kj = k + (size_t)j * D, *qr = q + (size_t)r * D;
            float acc = 0.0f;
            for (int d = 0; d < hd; d++) acc = fmaf(qr[d], kj[d], acc);
            s[(size_t)r * n + j] = acc * scale;
        }
}

static inline void prep_none(float *kt, const float *k, int n, size_t D, int hd) {
    (void)kt, (void)k, (void)n, (void)D, (void)hd;
}

/* o_r (hd, row r of o, stride D) = sum over j of (s_r[j] inv[r]) v[j] for
 * the m queries (s_r = s + r n; rows of v with stride D), FMAs in j order
 * from 0: the weighted sums of values. */
static inline void wsum(float *o, const float *s, const float *inv, int m, const float *v, int n, size_t D,
                        int hd) {
    for (int r = 0; r < m; r++) {
        float *orow = o + (size_t)r * D;
        memset(orow, 0, (size_t)hd * sizeof *orow);
        for (int j = 0; j < n; j++) {
            const float *vj = v + (size_t)j * D, w = s[(size_t)r * n + j] * inv[r];
            for (int d = 0; d < hd; d++) orow[d] = fmaf(w, vj[d], orow[d]);
        }
    }
}

/* y (OC) = W (OC, C) x + b, four rows at a time */
#define MATVEC_BODY(DOT4)                                                                            \
    float d4[4];                                                                                     \
    for (int o = 0; o < OC; o += 4) {                                                                \
        const float *w = W + (size_t)o * C;                                                          \
        DOT4(d4, w, o + 1 < OC ? w + C : w, o + 2 < OC ? w + 2 * (size_t)C : w,                      \
             o + 3 < OC ? w + 3 * (size_t)C : w, x, C);                                              \
        for (int t = 0; t < 4 && o + t < OC; t++) y[o + t] = d4[t] + b[o + t];                       \
    }

#if defined(__x86_64__)
#define FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define FMA_CLONES
#endif

/* (static: Clang 14 gives a target_clones function no plain external symbol) */
FMA_CLONES static void attention_portable(float *att, float *s, const float *q, const float *k, const float *v,
                                          int nq, int n, int D, int H, int h0, int h1) {
    ATTENTION_BODY(prep_none, scores_plain, 1, row_sum16, wsum)
}

void eng_attention(float *att, float *s, const float *q, const float *k, const float *v, int nq, int n, int D,
                   int H, int h0, int h1) {
    attention_portable(att, s, q, k, v, nq, n, D, H, h0, h1);
}

void eng_matvec(float *y, const float *W, const float *b, const float *x, int OC, int C) { MATVEC_BODY(dot8x4) }

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* cx_dot8's twin: lane k of the accumulator is acc[k]; the tail goes to acc[0]
 * and the final sum has cx_dot8's order. */
AVX512 static inline float reduce8(__m256 acc, const float *a, const float *b, int i, int n) {
    float c[8];
    _mm256_storeu_ps(c, acc);
    for (; i < n; i++) c[0] += a[i] * b[i];
    return ((c[0] + c[4]) + (c[1] + c[5])) + ((c[2] + c[6]) + (c[3] + c[7]));
}

/* Four independent chains hide the add latency. */
AVX512 static inline void dot8x4_avx(float out[4], const float *a0, const float *a1, const float *a2,
                                     const float *a3, const float *b, int n) {
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(b + i);
        c0 = _mm256_add_ps(c0, _mm256_mul_ps(_mm256_loadu_ps(a0 + i), x));
        c1 = _mm256_add_ps(c1, _mm256_mul_ps(_mm256_loadu_ps(a1 + i), x));
        c2 = _mm256_add_ps(c2, _mm256_mul_ps(_mm256_loadu_ps(a2 + i), x));
        c3 = _mm256_add_ps(c3, _mm256_mul_ps(_mm256_loadu_ps(a3 + i), x));
    }
    out[0] = reduce8(c0, a0, b, i, n);
    out[1] = reduce8(c1, a1, b, i, n);
    out[2] = reduce8(c2, a2, b, i, n);
    out[3] = reduce8(c3, a3, b, i, n);
}

/* wsum's twin for up to four queries at once: each value vector loaded once
 * for all of them, sixteen independent FMA chains (64 outputs per pass). */
AVX512 static inline void wsum_avx(float *o, const float *s, const float *inv, int m, const float *v, int n,
                                   size_t D, int hd) {
    const float *s1 = s + (m > 1 ? n : 0), *s2 = s + (m > 2 ? 2 * n : 0), *s3 = s + (m > 3 ? 3 * n : 0);
    const float i1 = inv[m > 1 ? 1 : 0], i2 = inv[m > 2 ? 2 : 0], i3 = inv[m > 3 ? 3 : 0];
    for (int d0 = 0; d0 < hd; d0 += 64) {
        __mmask16 mk[4];
        for (int c = 0; c < 4; c++) {
            int left = hd - d0 - 16 * c;
            mk[c] = left >= 16 ? (__mmask16)0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
        }
        __m512 a[4][4];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) a[r][c] = _mm512_setzero_ps();
        for (int j = 0; j < n; j++) {
            const float *vj = v + (size_t)j * D + d0;
            const __m512 w[4] = {_mm512_set1_ps(s[j] * inv[0]), _mm512_set1_ps(s1[j] * i1),
                                 _mm512_set1_ps(s2[j] * i2), _mm512_set1_ps(s3[j] * i3)};
            for (int c = 0; c < 4; c++) {
                const __m512 x = _mm512_maskz_loadu_ps(mk[c], vj + 16 * c);
                for (int r = 0; r < 4; r++) a[r][c] = _mm512_fmadd_ps(w[r], x, a[r][c]);
            }
        }
        for (int r = 0; r < m; r++)
            for (int c = 0; c < 4; c++) _mm512_mask_storeu_ps(o + (size_t)r * D + d0 + 16 * c, mk[c], a[r][c]);
    }
}

/* row_sum16's twin: lanes of one vector, the tail masked (adding 0 is exact) */
AVX512 static inline float row_sum_avx(const float *x, int n) {
    __m512 acc = _mm512_setzero_ps();
    for (int j = 0; j < n; j += 16) {
        const int left = n - j;
        acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1),
                                                       x + j));
    }
    float a[16];
    _mm512_storeu_ps(a, acc);
    for (int w = 8; w > 0; w /= 2)
        for (int l = 0; l < w; l++) a[l] += a[l + w];
    return a[0];
}

/* r[i] (16 floats each) := column i of the 16 x 16 block r: unpacks within
 * 128-bit lanes, then two rounds of 128-bit lane shuffles. */
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
        const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    /* r[4g + c], 128-bit lane L: rows 4g..4g+3 of column 4L + c; gather the
     * lanes L of the four groups into one vector per column */
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);     /* lanes 0, 2 of each */
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd); /* lanes 1, 3 */
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

/* kt (hd, np) = the head's keys transposed, np = n rounded up to 16, padding
 * 0: by 16 x 16 blocks in registers (the scalar copy was a third of the
 * attention's time), scalar when hd is not a multiple of 16. */
AVX512 static inline void prep_kt(float *kt, const float *k, int n, size_t D, int hd) {
    const int np = (n + 15) / 16 * 16;
    if (hd % 16) {
        for (int d = 0; d < hd; d++) {
            float *row = kt + (size_t)d * np;
            for (int j = 0; j < n; j++) row[j] = k[(size_t)j * D + d];
            for (int j = n; j < np; j++) row[j] = 0.0f;
        }
        return;
    }
    for (int j0 = 0; j0 < np; j0 += 16)
        for (int d0 = 0; d0 < hd; d0 += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = j0 + i < n ? _mm512_loadu_ps(k + (size_t)(j0 + i) * D + d0) : _mm512_setzero_ps();
            transpose16(r);
            for (int i = 0; i < 16; i++) _mm512_storeu_ps(kt + (size_t)(d0 + i) * np + j0, r[i]);
        }
}

/* scores_plain's twin: 16 keys per vector, each lane one key's FMAs over d in
 * order; up to four queries at once, four independent chains. */
AVX512 static inline void scores_kt(float *s, const float *q, int m, const float *k, const float *kt, int n,
                                    size_t D, int hd, float scale) {
    (void)k;
    const int np = (n + 15) / 16 * 16;
    const __m512 sc = _mm512_set1_ps(scale);
    const float *q0 = q, *q1 = q + (m > 1 ? D : 0), *q2 = q + (m > 2 ? 2 * D : 0), *q3 = q + (m > 3 ? 3 * D : 0);
    for (int j0 = 0; j0 < np; j0 += 16) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int d = 0; d < hd; d++) {
            const __m512 kd = _mm512_loadu_ps(kt + (size_t)d * np + j0);
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(q0[d]), kd, a0);
            a1 = _mm512_fmadd_ps(_mm512_set1_ps(q1[d]), kd, a1);
            a2 = _mm512_fmadd_ps(_mm512_set1_ps(q2[d]), kd, a2);
            a3 = _mm512_fmadd_ps(_mm512_set1_ps(q3[d]), kd, a3);
        }
        const int left = n - j0;
        const __mmask16 mk = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        const __m512 out[4] = {a0, a1, a2, a3};
        for (int r = 0; r < m; r++) _mm512_mask_storeu_ps(s + (size_t)r * n + j0, mk, _mm512_mul_ps(out[r], sc));
    }
}

AVX512 void eng_attention_avx512(float *att, float *s, const float *q, const float *k, const float *v, int nq,
                                 int n, int D, int H, int h0, int h1) {
    ATTENTION_BODY(prep_kt, scores_kt, 4, row_sum_avx, wsum_avx)
}

AVX512 void eng_matvec_avx512(float *y, const float *W, const float *b, const float *x, int OC, int C) {
    MATVEC_BODY(dot8x4_avx)
}
#else
void eng_attention_avx512(float *att, float *s, const float *q, const float *k, const float *v, int nq, int n,
                          int D, int H, int h0, int h1) {
    eng_attention(att, s, q, k, v, nq, n, D, H, h0, h1);
}

void eng_matvec_avx512(float *y, const float *W, const float *b, const float *x, int OC, int C) {
    MATVEC_BODY(dot8x4)
}
#endif
