/* INT8 GEMM kernel for AVX-512 VNNI: vpdpbusd adds four uint8 x int8 products
 * into each int32 lane without saturation, so results are exact. A tile is
 * up to 8 rows x 2 column blocks (32 columns): 16 accumulators; each weight
 * vector loaded is used by every row of the tile, each broadcast of A by 2
 * blocks. */
#include <string.h>

#include "infer/qgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* Stores 16 int32 of row i, block ob (only the columns < OC). */
VNNI static void store_block(int32_t *C, size_t ldc, size_t i, int ob, int OC, __m512i v) {
    int32_t *dst = C + i * ldc + (size_t)ob * QGEMM_COL_BLOCK;
    int n = OC - ob * QGEMM_COL_BLOCK;
    if (n >= QGEMM_COL_BLOCK) {
        _mm512_storeu_si512((void *)dst, v);
        return;
    }
    int32_t tmp[QGEMM_COL_BLOCK];
    _mm512_storeu_si512((void *)tmp, v);
    memcpy(dst, tmp, (size_t)n * sizeof *tmp);
}

static int32_t load4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Rows i0..i0+R-1 (R <= 8, a constant after inlining: the accumulators stay
 * in registers), blocks ob and ob+1 (two == 0: block ob only). */
VNNI static inline __attribute__((always_inline)) void tile(int32_t *C, size_t ldc, const uint8_t *A, size_t lda,
                                                            size_t i0, const qgemm_weight *w, int ob, int two,
                                                            const int8_t *pf, const int R) {
    const size_t k4n = (size_t)w->Kp / 4, bstride = k4n * QGEMM_COL_BLOCK * 4;
    const int8_t *W0 = w->packed + (size_t)ob * bstride;
    const int8_t *W1 = two ? W0 + bstride : W0;
    const uint8_t *a = A + i0 * lda;
    __m512i c0[8], c1[8];
    for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_si512();
    for (size_t k4 = 0; k4 < k4n; k4++) {
        __m512i w0 = _mm512_load_si512((const void *)(W0 + k4 * 64));
        __m512i w1 = _mm512_load_si512((const void *)(W1 + k4 * 64));
        if (pf) { /* the next block pair, while this one computes: L3 -> L1 */
            _mm_prefetch((const char *)(pf + k4 * 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(pf + bstride + k4 * 64), _MM_HINT_T0);
        }
        for (int r = 0; r < R; r++) {
            __m512i x = _mm512_set1_epi32(load4(a + r * lda + 4 * k4));
            c0[r] = _mm512_dpbusd_epi32(c0[r], x, w0);
            c1[r] = _mm512_dpbusd_epi32(c1[r], x, w1);
        }
    }
    for (int r = 0; r < R; r++) {
        store_block(C, ldc, i0 + (size_t)r, ob, w->OC, c0[r]);
        if (two) store_block(C, ldc, i0 + (size_t)r, ob + 1, w->OC, c1[r]);
    }
}

VNNI void qgemm_vnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                            const qgemm_weight *w, int b0, int b1) {
    /* blocks outside, rows inside: a block pair's weights (K * 32 bytes) stay
     * in L1/L2 while every row tile reads them. Tiles of 8 rows (16
     * accumulators), then the exact tail: no padded rows are computed. */
    const size_t bstride = (size_t)w->Kp / 4 * QGEMM_COL_BLOCK * 4;
    for (int ob = b0; ob < b1; ob += 2) {
        int two = ob + 1 < b1;
        /* the first row tile prefetches the next pair (two blocks, when there are) */
        const int8_t *pf = ob + 3 < b1 ? w->packed + (size_t)(ob + 2) * bstride : NULL;
        size_t i0 = 0;
        for (; i0 + 8 <= N; i0 += 8) tile(C, ldc, A, lda, i0, w, ob, two, i0 ? NULL : pf, 8);
        const int8_t *p = i0 ? NULL : pf;
        switch (N - i0) {
        case 7: tile(C, ldc, A, lda, i0, w, ob, two, p, 7); break;
        case 6: tile(C, ldc, A, lda, i0, w, ob, two, p, 6); break;
        case 5: tile(C, ldc, A, lda, i0, w, ob, two, p, 5); break;
        case 4: tile(C, ldc, A, lda, i0, w, ob, two, p, 4); break;
        case 3: tile(C, ldc, A, lda, i0, w, ob, two, p, 3); break;
        case 2: tile(C, ldc, A, lda, i0, w, ob, two, p, 2); break;
        case 1: tile(C, ldc, A, lda, i0, w, ob, two, p, 1); break;
        default: break;
        }
    }
}

#else

void qgemm_vnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                       const qgemm_weight *w, int b0, int b1) {
    qgemm_portable_blocks(C, ldc, A, lda, N, w, b0, b1);
}

#endif
