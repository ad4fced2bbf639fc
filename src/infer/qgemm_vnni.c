/* INT8 GEMM kernel for AVX-512 VNNI: vpdpbusd adds four uint8 x int8 products
 * into each int32 lane without saturation, so results are exact. A tile is
 * up to 12 rows x 2 column blocks (32 columns): 24 accumulators, the two
 * weight vectors and a broadcast of A in 27 of the 32 registers; each weight
 * vector loaded is used by every row of the tile, each broadcast of A by 2
 * blocks. */
#include "infer/qgemm.h"

#if defined(__x86_64__)
#include "infer/qgemm_x86.h"

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

enum { MAX_ROWS = 12 };

/* Stores 16 int32 of row i, block ob (only the columns < OC). */
VNNI static inline void store_block(int32_t *C, size_t ldc, size_t i, int ob, int OC, __m512i v) {
    int32_t *dst = C + i * ldc + (size_t)ob * QGEMM_COL_BLOCK;
    const int n = OC - ob * QGEMM_COL_BLOCK;
    if (n >= QGEMM_COL_BLOCK) _mm512_storeu_si512((void *)dst, v);
    else _mm512_mask_storeu_epi32(dst, (__mmask16)((1u << n) - 1), v);
}

/* acc + the four-byte dot products of a (uint8) and b (int8) per lane. In asm
 * for GCC: GCC 12 gives the intrinsic's accumulator only zmm0-15 at -O3, and
 * with more accumulators than that it copied every one in and out on each
 * step (twice the instructions: the kernel ran at half of Clang's speed,
 * docs/PERF.md). */
VNNI static inline __m512i dpbusd(__m512i acc, __m512i a, __m512i b) {
#if defined(__clang__)
    return _mm512_dpbusd_epi32(acc, a, b);
#else
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
#endif
}

/* Rows i0..i0+R-1 (R <= MAX_ROWS, a constant after inlining: the
 * accumulators stay in registers), blocks ob and ob+1 (two == 0: block ob
 * only); pf0, pf1: the next two blocks' weights, prefetched while these
 * compute (memory -> L1), one line of each per step, or NULL. */
VNNI static inline __attribute__((always_inline)) void tile(int32_t *C, size_t ldc, const uint8_t *A, size_t lda,
                                                            size_t i0, const qgemm_weight *w, int ob, int two,
                                                            const int8_t *pf0, const int8_t *pf1, const int R) {
    const size_t k4n = (size_t)w->Kp / 4, bstride = k4n * QGEMM_COL_BLOCK * 4;
    const int8_t *W0 = w->packed + (size_t)ob * bstride;
    const int8_t *W1 = two ? W0 + bstride : W0;
    /* no branch in the loop: without a target, prefetch what is read anyway */
    const int8_t *pf = pf0 ? pf0 : W0;
    if (!pf1) pf1 = W1;
    const uint8_t *a = A + i0 * lda;
    __m512i c0[MAX_ROWS], c1[MAX_ROWS];
    for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_si512();
    for (size_t k4 = 0; k4 < k4n; k4++) {
        const __m512i w0 = _mm512_load_si512((const void *)(W0 + k4 * 64));
        const __m512i w1 = _mm512_load_si512((const void *)(W1 + k4 * 64));
        _mm_prefetch((const char *)(pf + k4 * 64), _MM_HINT_T0);
        _mm_prefetch((const char *)(pf1 + k4 * 64), _MM_HINT_T0);
        for (int r = 0; r < R; r++) {
            const __m512i x = _mm512_set1_epi32(qgemm_load4(a + r * lda + 4 * k4));
            c0[r] = dpbusd(c0[r], x, w0);
            c1[r] = dpbusd(c1[r], x, w1);
        }
    }
    for (int r = 0; r < R; r++) {
        store_block(C, ldc, i0 + (size_t)r, ob, w->OC, c0[r]);
        if (two) store_block(C, ldc, i0 + (size_t)r, ob + 1, w->OC, c1[r]);
    }
}

/* One function per tile height: with all of them inlined into one body,
 * GCC 12 spilled accumulators (20 rows ran 30% slower). */
typedef void (*tile_fn)(int32_t *, size_t, const uint8_t *, size_t, size_t, const qgemm_weight *, int, int,
                        const int8_t *, const int8_t *);
#define TILE_OF(R)                                                                                          \
    VNNI __attribute__((noinline)) static void tile_##R(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, \
                                                        size_t i0, const qgemm_weight *w, int ob, int two,  \
                                                        const int8_t *pf0, const int8_t *pf1) {             \
        tile(C, ldc, A, lda, i0, w, ob, two, pf0, pf1, R);                                                  \
    }
TILE_OF(1) TILE_OF(2) TILE_OF(3) TILE_OF(4) TILE_OF(5) TILE_OF(6)
TILE_OF(7) TILE_OF(8) TILE_OF(9) TILE_OF(10) TILE_OF(11) TILE_OF(12)
static const tile_fn tiles[MAX_ROWS + 1] = {NULL,    tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,
                                            tile_7,  tile_8, tile_9, tile_10, tile_11, tile_12};

VNNI void qgemm_vnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const qgemm_weight *w,
                            int b0, int b1, const int8_t *next0, const int8_t *next1) {
    if (N == 0) return;
    /* blocks outside, rows inside: a block pair's weights (K * 32 bytes) stay
     * in L1/L2 while every row tile reads them. The rows are cut into tiles
     * as even as they go (20 rows: 10 + 10, not 12 + 8): the smaller a tile,
     * the more loads per multiply. No padded rows are computed. */
    const size_t n_tiles = (N + MAX_ROWS - 1) / MAX_ROWS;
    const size_t bstride = (size_t)w->Kp / 4 * QGEMM_COL_BLOCK * 4;
    for (int ob = b0; ob < b1; ob += 2) {
        const int two = ob + 1 < b1;
        /* the next pair is prefetched meanwhile, or after the last one the
         * next weight's (without software prefetch a pair takes twice as
         * long: the hardware prefetchers start late): a block by each of the
         * first two row tiles, or both by the only one (spread over two
         * tiles, 16 rows run 10% faster than with both in the first) */
        const int8_t *pf0 = next0, *pf1 = next1;
        if (ob + 2 < b1) {
            pf0 = w->packed + (size_t)(ob + 2) * bstride;
            pf1 = ob + 3 < b1 ? pf0 + bstride : NULL;
        }
        const size_t t_pf1 = n_tiles > 1 ? 1 : 0; /* the tile that prefetches pf1 */
        for (size_t t = 0; t < n_tiles; t++) {
            const size_t i0 = N * t / n_tiles, i1 = N * (t + 1) / n_tiles;
            tiles[i1 - i0](C, ldc, A, lda, i0, w, ob, two, t == 0 ? pf0 : NULL, t == t_pf1 ? pf1 : NULL);
        }
    }
}

#else

void qgemm_vnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const qgemm_weight *w,
                       int b0, int b1, const int8_t *next0, const int8_t *next1) {
    (void)next0, (void)next1;
    qgemm_portable_blocks(C, ldc, A, lda, N, w, b0, b1);
}

#endif
