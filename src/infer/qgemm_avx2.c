/* INT8 GEMM kernel for AVX2. vpmaddubsw would saturate (255 * 127 * 2 >
 * 32767), so both operands are widened to int16 and multiplied with vpmaddwd,
 * whose int32 pair sums are exact. A tile is 2 rows x 1 column block; each
 * int32 lane holds half the sum of one column until the final horizontal add. */
#include "infer/qgemm.h"

#if defined(__x86_64__)
#include "infer/qgemm_x86.h"

#define AVX2 __attribute__((target("avx2")))

/* (4 lanes of column pairs) x 2 -> 8 columns in order */
AVX2 static __m256i fold(__m256i lo, __m256i hi) {
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo, hi), 0xD8);
}

AVX2 static __m256i bcast4(const uint8_t *p) {
    __m128i x = _mm_cvtepu8_epi16(_mm_cvtsi32_si128(qgemm_load4(p)));
    return _mm256_broadcastq_epi64(x);
}

AVX2 static void tile(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, size_t i0,
                      const qgemm_weight *w, int ob) {
    const size_t k4n = (size_t)w->Kp / 4;
    const int8_t *Wb = w->packed + (size_t)ob * k4n * QGEMM_COL_BLOCK * 4;
    const uint8_t *a0 = A + i0 * lda, *a1 = a0 + lda;
    __m256i acc0[4], acc1[4];
    for (int q = 0; q < 4; q++) acc0[q] = acc1[q] = _mm256_setzero_si256();
    for (size_t k4 = 0; k4 < k4n; k4++) {
        const int8_t *wk = Wb + k4 * 64;
        __m256i x0 = bcast4(a0 + 4 * k4), x1 = bcast4(a1 + 4 * k4);
        for (int q = 0; q < 4; q++) {
            __m256i wq = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(wk + 16 * q)));
            acc0[q] = _mm256_add_epi32(acc0[q], _mm256_madd_epi16(x0, wq));
            acc1[q] = _mm256_add_epi32(acc1[q], _mm256_madd_epi16(x1, wq));
        }
    }
    int n = w->OC - ob * QGEMM_COL_BLOCK;
    int32_t *c0 = C + i0 * ldc + (size_t)ob * QGEMM_COL_BLOCK;
    qgemm_store8(c0, n, fold(acc0[0], acc0[1]));
    qgemm_store8(c0 + 8, n - 8, fold(acc0[2], acc0[3]));
    if (i0 + 1 < N) {
        qgemm_store8(c0 + ldc, n, fold(acc1[0], acc1[1]));
        qgemm_store8(c0 + ldc + 8, n - 8, fold(acc1[2], acc1[3]));
    }
}

AVX2 void qgemm_avx2_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                            const qgemm_weight *w, int b0, int b1) {
    for (int ob = b0; ob < b1; ob++)
        for (size_t i0 = 0; i0 < N; i0 += 2) tile(C, ldc, A, lda, N, i0, w, ob);
}

#else

void qgemm_avx2_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                       const qgemm_weight *w, int b0, int b1) {
    qgemm_portable_blocks(C, ldc, A, lda, N, w, b0, b1);
}

#endif
