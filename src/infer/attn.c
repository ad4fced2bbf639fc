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
 * each score is q . k_j, FMAs over d in order, times the scale. SOFTMAX
 * turns those rows into weights: e_j = exp(score_j - max) (the steps of
 * cx_exp_nonpositive), their sum in row_sum16's order, then e_j * (1 / sum).
 * WSUM: the weighted sums of values of those queries. */
#define ATTENTION_BODY(PREP, SCORES, QB, SOFTMAX, WSUM)                                                \
    const int hd = D / H;                                                                              \
    const float scale = 1.0f / sqrtf((float)hd);                                                       \
    float *kt = s + (size_t)(QB) * n; /* PREP's per-head copy of the keys, if any */                   \
    for (int h = h0; h < h1; h++) {                                                                    \
        PREP(kt, k + h * hd, n, (size_t)D, hd);                                                        \
        for (int i0 = 0; i0 < nq; i0 += (QB)) {                                                        \
            const int m = nq - i0 < (QB) ? nq - i0 : (QB);                                             \
            SCORES(s, q + (size_t)i0 * D + h * hd, m, k + h * hd, kt, n, (size_t)D, hd, scale);       \
            SOFTMAX(s, m, n);                                                                          \
            WSUM(att + (size_t)i0 * D + h * hd, s, m, v + h * hd, n, (size_t)D, hd);                   \
        }                                                                                              \
    }

/* rows [0, m) of s (n each) := their softmax weights */
static inline void softmax_plain(float *s, int m, int n) {
    for (int r = 0; r < m; r++) {
        float *x = s + (size_t)r * n;
        const float mx = row_max(x, n);
        for (int j = 0; j < n; j++) x[j] = cx_exp_nonpositive(x[j] - mx);
        const float inv = 1.0f / row_sum16(x, n);
        for (int j = 0; j < n; j++) x[j] *= inv;
    }
}

/* kt (hd, n) = the head's keys transposed, so that the scores of a query
 * run over keys in the inner loop and vectorize (one score at a time, a chain
 * of 64 dependent FMAs, was a quarter of a prompt's time with the AVX2
 * kernels). */
static inline void prep_kt_plain(float *kt, const float *k, int n, size_t D, int hd) {
    for (int d = 0; d < hd; d++)
        for (int j = 0; j < n; j++) kt[(size_t)d * n + j] = k[(size_t)j * D + d];
}

/* s[r n + j] = (sum over d, in order, of q_r[d] k_j[d]) * scale for the m
 * queries from q (row stride D): FMAs over d in order, key by key */
static inline void scores_kt_plain(float *s, const float *q, int m, const float *k, const float *kt, int n,
                                   size_t D, int hd, float scale) {
    (void)k;
    for (int r = 0; r < m; r++) {
        float *sr = s + (size_t)r * n;
        const float *qr = q + (size_t)r * D;
        for (int j = 0; j < n; j++) sr[j] = 0.0f;
        for (int d = 0; d < hd; d++) {
            const float qd = qr[d], *kd = kt + (size_t)d * n;
            for (int j = 0; j < n; j++) sr[j] = fmaf(qd, kd[j], sr[j]);
        }
        for (int j = 0; j < n; j++) sr[j] *= scale;
    }
}

/* o_r (hd, row r of o, stride D) = sum over j of s_r[j] v[j] for the m
 * queries (s_r = s + r n: weights; rows of v with stride D), FMAs in j order
 * from 0: the weighted sums of values. */
static inline void wsum(float *o, const float *s, int m, const float *v, int n, size_t D, int hd) {
    for (int r = 0; r < m; r++) {
        float *orow = o + (size_t)r * D;
        memset(orow, 0, (size_t)hd * sizeof *orow);
        for (int j = 0; j < n; j++) {
            const float *vj = v + (size_t)j * D, w = s[(size_t)r * n + j];
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
    ATTENTION_BODY(prep_kt_plain, scores_kt_plain, 1, softmax_plain, wsum)
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
AVX512 static inline void wsum_avx(float *o, const float *s, int m, const float *v, int n, size_t D, int hd) {
    const float *s1 = s + (m > 1 ? n : 0), *s2 = s + (m > 2 ? 2 * n : 0), *s3 = s + (m > 3 ? 3 * n : 0);
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
            const __m512 w[4] = {_mm512_set1_ps(s[j]), _mm512_set1_ps(s1[j]), _mm512_set1_ps(s2[j]),
                                 _mm512_set1_ps(s3[j])};
            for (int c = 0; c < 4; c++) {
                const __m512 x = _mm512_maskz_loadu_ps(mk[c], vj + 16 * c);
                for (int r = 0; r < 4; r++) a[r][c] = _mm512_fmadd_ps(w[r], x, a[r][c]);
            }
        }
        for (int r = 0; r < 4; r++) /* r < 4, not m: constant indices keep a[][] in registers under GCC */
            if (r < m)
                for (int c = 0; c < 4; c++) _mm512_mask_storeu_ps(o + (size_t)r * D + d0 + 16 * c, mk[c], a[r][c]);
    }
}

AVX512 static inline __mmask16 keys_mask(int left) {
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

/* cx_exp_nonpositive's steps on 16 lanes (no FMA: the scalar code has none) */
AVX512 static inline __m512 exp_nonpositive_avx(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_setzero_ps());
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(0.5f));
    const __m512 fn = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512i n = _mm512_cvttps_epi32(fn);
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(x, _mm512_mul_ps(fn, _mm512_set1_ps(0.693359375f))),
                                   _mm512_mul_ps(fn, _mm512_set1_ps(2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
    const __m512 e = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, r), r), r), _mm512_set1_ps(1.0f));
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(e, _mm512_castsi512_ps(bits));
}

/* The lanes of v added pairwise, as row_sum16 folds its sixteen sums:
 * halves of 256, 128, 64 and 32 bits. */
AVX512 static inline float fold16_avx(__m512 v) {
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); /* AVX512F only */
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), hi);
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_movehdup_ps(b)));
}

/* softmax_plain's twin: each row's max by lanes (exact in any order); exp on
 * whole vectors, tails masked, the rows' vectors side by side so that their
 * long dependency chains overlap; each sum in row_sum16's lanes (masked lanes
 * add 0: exact), folded as it folds; then the weights. */
AVX512 static inline void softmax_avx(float *s, int m, int n) {
    /* rows r < 4 with r < m inside: GCC keeps arrays indexed by a bound known
     * only at run time in memory, loading and storing them at every step */
    __m512 mx[4], acc[4];
    float inv[4] = {0};
    for (int r = 0; r < 4; r++) mx[r] = acc[r] = _mm512_setzero_ps();
    for (int r = 0; r < 4; r++) {
        if (r >= m) break;
        const float *x = s + (size_t)r * n;
        __m512 t = _mm512_set1_ps(-INFINITY);
        for (int j = 0; j < n; j += 16) t = _mm512_mask_max_ps(t, keys_mask(n - j), t, _mm512_loadu_ps(x + j));
        mx[r] = _mm512_set1_ps(_mm512_reduce_max_ps(t));
        acc[r] = _mm512_setzero_ps();
    }
    for (int j = 0; j < n; j += 16) {
        const __mmask16 k = keys_mask(n - j);
        for (int r = 0; r < 4; r++) {
            if (r >= m) break;
            float *x = s + (size_t)r * n + j;
            const __m512 e = _mm512_maskz_mov_ps(k, exp_nonpositive_avx(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x), mx[r])));
            _mm512_mask_storeu_ps(x, k, e);
            acc[r] = _mm512_add_ps(acc[r], e);
        }
    }
    for (int r = 0; r < 4; r++)
        if (r < m) inv[r] = 1.0f / fold16_avx(acc[r]);
    for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j += 16) {
            float *x = s + (size_t)r * n + j;
            const __mmask16 k = keys_mask(n - j);
            _mm512_mask_storeu_ps(x, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x), _mm512_set1_ps(inv[r])));
        }
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

/* Keys [j0, j0 + 16 nb) (nb 1 or 2 blocks of 16, a constant after
 * inlining) for up to four queries: 4 nb independent FMA chains. */
AVX512 static inline __attribute__((always_inline)) void scores_blocks(float *s, const float *const qr[4], int m,
                                                                        const float *kt, int np, int n, int hd,
                                                                        int j0, __m512 sc, const int nb) {
    __m512 a[2][4];
    for (int b = 0; b < 2; b++)
        for (int r = 0; r < 4; r++) a[b][r] = _mm512_setzero_ps();
    for (int d = 0; d < hd; d++) {
        const float *kd = kt + (size_t)d * np + j0;
        const __m512 q[4] = {_mm512_set1_ps(qr[0][d]), _mm512_set1_ps(qr[1][d]), _mm512_set1_ps(qr[2][d]),
                             _mm512_set1_ps(qr[3][d])};
        for (int b = 0; b < nb; b++) {
            const __m512 kv = _mm512_loadu_ps(kd + 16 * b);
            for (int r = 0; r < 4; r++) a[b][r] = _mm512_fmadd_ps(q[r], kv, a[b][r]);
        }
    }
    for (int b = 0; b < nb; b++) {
        const __mmask16 mk = keys_mask(n - j0 - 16 * b);
        for (int r = 0; r < 4; r++) /* constant indices, as in wsum_avx */
            if (r < m) _mm512_mask_storeu_ps(s + (size_t)r * n + j0 + 16 * b, mk, _mm512_mul_ps(a[b][r], sc));
    }
}

/* scores_kt_plain's twin: 16 keys per vector, each lane one key's FMAs over d in
 * order; up to four queries and two blocks of keys at once (eight
 * independent chains hide the FMA latency). */
AVX512 static inline void scores_kt(float *s, const float *q, int m, const float *k, const float *kt, int n,
                                    size_t D, int hd, float scale) {
    (void)k;
    const int np = (n + 15) / 16 * 16;
    const __m512 sc = _mm512_set1_ps(scale);
    const float *const qr[4] = {q, q + (m > 1 ? D : 0), q + (m > 2 ? 2 * D : 0), q + (m > 3 ? 3 * D : 0)};
    int j0 = 0;
    for (; j0 + 32 <= np; j0 += 32) scores_blocks(s, qr, m, kt, np, n, hd, j0, sc, 2);
    if (j0 < np) scores_blocks(s, qr, m, kt, np, n, hd, j0, sc, 1);
}

AVX512 void eng_attention_avx512(float *att, float *s, const float *q, const float *k, const float *v, int nq,
                                 int n, int D, int H, int h0, int h1) {
    ATTENTION_BODY(prep_kt, scores_kt, 4, softmax_avx, wsum_avx)
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
