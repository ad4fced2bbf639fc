/* INT8 GEMM kernel for AVX-VNNI: the 256-bit, VEX-encoded vpdpbusd of CPUs
 * that have it without AVX-512 (Intel's client cores since Alder Lake; AMD
 * Zen 5 has both). Exact, as the AVX-512 kernel. A tile is up to 6 rows x 1
 * column block (16 columns, two ymm halves): 12 accumulators, the block's two
 * weight vectors and a broadcast of A in 15 of the 16 registers. */
#include "infer/qgemm.h"

#if defined(__x86_64__)
#include "infer/qgemm_x86.h"

#define AVXVNNI __attribute__((target("avx2,avxvnni")))

enum { MAX_ROWS = 6 };

/* acc + the four-byte dot products of a (uint8) and b (int8) per lane. In asm
 * for GCC, which otherwise kept the accumulators on the stack (as in the
 * AVX-512 kernel, qgemm_vnni.c). */
AVXVNNI static inline __m256i dpbusd(__m256i acc, __m256i a, __m256i b) {
#if defined(__clang__)
    return _mm256_dpbusd_avx_epi32(acc, a, b);
#else
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b)); /* %{ %}: a literal brace */
    return acc;
#endif
}

/* Rows i0..i0+R-1 (R <= MAX_ROWS, a constant after inlining), block ob; pf:
 * the next block's weights, prefetched while this one computes, or NULL. */
AVXVNNI static inline __attribute__((always_inline)) void tile(int32_t *C, size_t ldc, const uint8_t *A, size_t lda,
                                                               size_t i0, const qgemm_weight *w, int ob,
                                                               const int8_t *pf, const int R) {
    const size_t k4n = (size_t)w->Kp / 4;
    const int8_t *Wb = w->packed + (size_t)ob * k4n * QGEMM_COL_BLOCK * 4;
    if (!pf) pf = Wb; /* no branch in the loop */
    const uint8_t *a = A + i0 * lda;
    __m256i lo[MAX_ROWS], hi[MAX_ROWS]; /* columns 0-7 and 8-15 of the block */
    for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm256_setzero_si256();
    for (size_t k4 = 0; k4 < k4n; k4++) {
        const __m256i w0 = _mm256_load_si256((const __m256i *)(Wb + k4 * 64));
        const __m256i w1 = _mm256_load_si256((const __m256i *)(Wb + k4 * 64 + 32));
        _mm_prefetch((const char *)(pf + k4 * 64), _MM_HINT_T0);
        for (int r = 0; r < R; r++) {
            const __m256i x = _mm256_set1_epi32(qgemm_load4(a + r * lda + 4 * k4));
            lo[r] = dpbusd(lo[r], x, w0);
            hi[r] = dpbusd(hi[r], x, w1);
        }
    }
    const int n = w->OC - ob * QGEMM_COL_BLOCK;
    for (int r = 0; r < R; r++) {
        int32_t *c = C + (i0 + (size_t)r) * ldc + (size_t)ob * QGEMM_COL_BLOCK;
        qgemm_store8(c, n, lo[r]);
        qgemm_store8(c + 8, n - 8, hi[r]);
    }
}

/* One function per tile height, as in the AVX-512 kernel. */
typedef void (*tile_fn)(int32_t *, size_t, const uint8_t *, size_t, size_t, const qgemm_weight *, int,
                        const int8_t *);
#define TILE_OF(R)                                                                                            \
    AVXVNNI __attribute__((noinline)) static void tile_##R(int32_t *C, size_t ldc, const uint8_t *A,          \
                                                           size_t lda, size_t i0, const qgemm_weight *w,      \
                                                           int ob, const int8_t *pf) {                        \
        tile(C, ldc, A, lda, i0, w, ob, pf, R);                                                               \
    }
TILE_OF(1) TILE_OF(2) TILE_OF(3) TILE_OF(4) TILE_OF(5) TILE_OF(6)
static const tile_fn tiles[MAX_ROWS + 1] = {NULL, tile_1, tile_2, tile_3, tile_4, tile_5, tile_6};

AVXVNNI void qgemm_avxvnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                                  const qgemm_weight *w, int b0, int b1) {
    if (N == 0) return;
    /* blocks outside, rows inside (the block's K * 16 bytes stay in L1/L2),
     * rows cut into tiles as even as they go; the first tile prefetches the
     * next block */
    const size_t n_tiles = (N + MAX_ROWS - 1) / MAX_ROWS;
    const size_t bstride = (size_t)w->Kp / 4 * QGEMM_COL_BLOCK * 4;
    for (int ob = b0; ob < b1; ob++) {
        const int8_t *pf = ob + 1 < b1 ? w->packed + (size_t)(ob + 1) * bstride : NULL;
        for (size_t t = 0; t < n_tiles; t++) {
            const size_t i0 = N * t / n_tiles, i1 = N * (t + 1) / n_tiles;
            tiles[i1 - i0](C, ldc, A, lda, i0, w, ob, t == 0 ? pf : NULL);
        }
    }
}

#else

void qgemm_avxvnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                          const qgemm_weight *w, int b0, int b1) {
    qgemm_portable_blocks(C, ldc, A, lda, N, w, b0, b1);
}

#endif
