/* INT8 GEMM kernel for AMX (Sapphire Rapids and later): TDPBUSD multiplies a
 * tile of A (up to 16 rows x 64 uint8) with a tile of B (16 rows of 4 inputs
 * x 16 columns, int8) into 16 x 16 exact int32 sums. Our packed layout (16
 * columns x 4 inputs per 64-byte row) is the B-tile layout, so a block's
 * weights load as tiles directly. Two row tiles x two column blocks at a
 * time (four C tiles, two A, two B: all eight tiles); from 17 to 60 rows,
 * two or three row tiles x one column block, so that the weights stream
 * through once for the first 48 rows. Needs K % 64 == 0 and
 * OC % 16 == 0 (qgemm_part falls back otherwise), and the kernel's
 * permission to use the tile state (requested once per process by
 * qgemm_amx_usable). */
#define _DEFAULT_SOURCE /* syscall */
#include <string.h>

#include "infer/qgemm.h"

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AMX __attribute__((target("amx-tile,amx-int8")))

enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };

int qgemm_amx_usable(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!(d & (1u << 24)) || !(d & (1u << 25))) return 0; /* AMX-TILE, AMX-INT8 */
    /* Linux hands out the 8 KB tile state only on request (idempotent) */
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

typedef struct tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* Loads a palette-1 configuration: tile i has rows[i] rows of 64 bytes
 * (0: unused). */
AMX static void load_tiles(const uint8_t rows[8]) {
    tile_config tc;
    memset(&tc, 0, sizeof tc);
    tc.palette = 1;
    for (int i = 0; i < 8; i++) {
        tc.rows[i] = rows[i];
        tc.colsb[i] = rows[i] ? 64 : 0;
    }
    /* GCC 12 does not count _tile_loadconfig as reading all of tc and may
     * drop the stores above (it did, inlined with constant arguments): the
     * empty asm makes them happen first */
    __asm__ volatile("" : : "r"(&tc) : "memory");
    _tile_loadconfig(&tc);
}

/* Tiles 0-3: C for (row tile a, b) x (column block 0, 1); 4, 5: A rows of
 * tiles a and b; 6, 7: B of column blocks 0 and 1 (16 groups of 4 inputs).
 * ma, mb: rows of the two row tiles (mb 0: only tile a). */
AMX static void configure(int ma, int mb) {
    const uint8_t a = (uint8_t)ma, b = (uint8_t)mb;
    const uint8_t rows[8] = {a, b, a, b, a, b, 16, 16};
    load_tiles(rows);
}

/* Column blocks ob, ob+1 (W0, W1) for the row tiles at m0 (and m0 + 16 when
 * two). Both row tiles share each loaded weight tile: a prompt's weights
 * stream through once per 32 rows, not once per 16. */
AMX static void block_pair(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t k64,
                           const int8_t *W0, const int8_t *W1, int two_cols, int two_rows) {
    const uint8_t *A1 = A + 16 * lda;
    _tile_zero(0);
    _tile_zero(2);
    if (two_rows) {
        _tile_zero(1);
        _tile_zero(3);
    }
    for (size_t kc = 0; kc < k64; kc++) { /* 64 inputs per step */
        _tile_stream_loadd(6, W0 + kc * 1024, 64);
        _tile_stream_loadd(7, W1 + kc * 1024, 64);
        _tile_loadd(4, A + kc * 64, (long)lda);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(2, 4, 7);
        if (two_rows) {
            _tile_loadd(5, A1 + kc * 64, (long)lda);
            _tile_dpbusd(1, 5, 6);
            _tile_dpbusd(3, 5, 7);
        }
    }
    const long ld = (long)(ldc * sizeof *C);
    _tile_stored(0, C, ld);
    if (two_cols) _tile_stored(2, C + 16, ld);
    if (two_rows) {
        _tile_stored(1, C + 16 * ldc, ld);
        if (two_cols) _tile_stored(3, C + 16 * ldc + 16, ld);
    }
}

/* mt (2 or 3) row tiles x one column block: tiles 0..mt-1 C, 4 (and 5 when
 * three) A of the 16-row tiles, 7 A of the last (rows_last rows), 6 B. */
AMX static void configure_tall(int mt, int rows_last) {
    const uint8_t r = (uint8_t)rows_last;
    const uint8_t two[8] = {16, r, 0, 0, 16, 0, 16, r}, three[8] = {16, 16, r, 0, 16, 16, 16, r};
    load_tiles(mt == 2 ? two : three);
}

/* Rows [0, 16 (mt - 1) + rows_last) of column block W: each weight tile
 * loaded once for all the row tiles (mt a constant after inlining). One
 * column block at a time, not two: measured faster from 17 to 60 rows; from
 * four row tiles on, the A loads per product cost more than they save
 * (docs/PERF.md). */
AMX static inline __attribute__((always_inline)) void block_tall(int32_t *C, size_t ldc, const uint8_t *A,
                                                                 size_t lda, size_t k64, const int8_t *W,
                                                                 const int mt) {
    const uint8_t *A1 = A + 16 * lda, *A2 = A + 32 * lda;
    _tile_zero(0);
    _tile_zero(1);
    if (mt == 3) _tile_zero(2);
    for (size_t kc = 0; kc < k64; kc++) {
        _tile_stream_loadd(6, W + kc * 1024, 64);
        _tile_loadd(4, A + kc * 64, (long)lda);
        _tile_dpbusd(0, 4, 6);
        if (mt == 2) {
            _tile_loadd(7, A1 + kc * 64, (long)lda);
            _tile_dpbusd(1, 7, 6);
        } else {
            _tile_loadd(5, A1 + kc * 64, (long)lda);
            _tile_dpbusd(1, 5, 6);
            _tile_loadd(7, A2 + kc * 64, (long)lda);
            _tile_dpbusd(2, 7, 6);
        }
    }
    const long ld = (long)(ldc * sizeof *C);
    _tile_stored(0, C, ld);
    _tile_stored(1, C + 16 * ldc, ld);
    if (mt == 3) _tile_stored(2, C + 32 * ldc, ld);
}

/* Rows [0, m), 16 < m <= 48, one pass over the weights. */
AMX static void blocks_tall(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t m, const qgemm_weight *w,
                            int b0, int b1) {
    const size_t k4n = (size_t)w->Kp / 4, bstride = k4n * QGEMM_COL_BLOCK * 4;
    const int mt = m > 32 ? 3 : 2;
    configure_tall(mt, (int)m - 16 * (mt - 1));
    for (int ob = b0; ob < b1; ob++) {
        const int8_t *W = w->packed + (size_t)ob * bstride;
        if (mt == 2) block_tall(C + (size_t)ob * 16, ldc, A, lda, k4n / 16, W, 2);
        else block_tall(C + (size_t)ob * 16, ldc, A, lda, k4n / 16, W, 3);
    }
}

/* Rows [0, N) by the two-by-two kernel: the weights stream through once per
 * 32 rows. */
AMX static void blocks_2x2(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const qgemm_weight *w,
                           int b0, int b1) {
    const size_t k4n = (size_t)w->Kp / 4, bstride = k4n * QGEMM_COL_BLOCK * 4;
    int cur_a = -1, cur_b = -1;
    for (int ob = b0; ob < b1; ob += 2) {
        const int8_t *W0 = w->packed + (size_t)ob * bstride;
        const int two_cols = ob + 1 < b1;
        const int8_t *W1 = two_cols ? W0 + bstride : W0;
        for (size_t m0 = 0; m0 < N; m0 += 32) {
            const int ma = N - m0 < 16 ? (int)(N - m0) : 16;
            const int mb = N - m0 > 16 ? (N - m0 - 16 < 16 ? (int)(N - m0 - 16) : 16) : 0;
            if (ma != cur_a || mb != cur_b) { /* at most twice per block pair */
                configure(ma, mb);
                cur_a = ma;
                cur_b = mb;
            }
            block_pair(C + m0 * ldc + (size_t)ob * 16, ldc, A + m0 * lda, lda, k4n / 16, W0, W1,
                       two_cols, mb > 0);
        }
    }
}

AMX void qgemm_amx_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                          const qgemm_weight *w, int b0, int b1) {
    if (N > 16 && N <= 60) { /* the first 48 rows (or all) in one pass, the rest two by two */
        const size_t m = N < 48 ? N : 48;
        blocks_tall(C, ldc, A, lda, m, w, b0, b1);
        if (N > m) blocks_2x2(C + m * ldc, ldc, A + m * lda, lda, N - m, w, b0, b1);
    } else {
        blocks_2x2(C, ldc, A, lda, N, w, b0, b1);
    }
    _tile_release();
}

#else

int qgemm_amx_usable(void) { return 0; }

void qgemm_amx_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                      const qgemm_weight *w, int b0, int b1) {
    qgemm_portable_blocks(C, ldc, A, lda, N, w, b0, b1);
}

#endif
