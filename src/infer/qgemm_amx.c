/* INT8 GEMM kernel for AMX (Sapphire Rapids and later): TDPBUSD multiplies a
 * tile of A (up to 16 rows x 64 uint8) with a tile of B (16 rows of 4 inputs
 * x 16 columns, int8) into 16 x 16 exact int32 sums. Our packed layout (16
 * columns x 4 inputs per 64-byte row) is the B-tile layout, so a block's
 * weights load as tiles directly. Tiles: C0, C1 (two column blocks), A, B0,
 * B1. Needs K % 64 == 0 and OC % 16 == 0 (qgemm falls back otherwise), and
 * the kernel's permission to use the tile state (requested once per process
 * by qgemm_amx_usable). */
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

AMX static void configure(int m) {
    tile_config tc;
    memset(&tc, 0, sizeof tc);
    tc.palette = 1;
    for (int t = 0; t < 5; t++) tc.colsb[t] = 64;
    tc.rows[0] = tc.rows[1] = tc.rows[2] = (uint8_t)m; /* C0, C1, A */
    tc.rows[3] = tc.rows[4] = 16;                      /* B0, B1: 16 groups of 4 inputs */
    _tile_loadconfig(&tc);
}

AMX void qgemm_amx_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                          const qgemm_weight *w, int b0, int b1) {
    const size_t k4n = (size_t)w->Kp / 4, bstride = k4n * QGEMM_COL_BLOCK * 4;
    for (size_t m0 = 0; m0 < N; m0 += 16) {
        int m = N - m0 < 16 ? (int)(N - m0) : 16;
        configure(m);
        for (int ob = b0; ob < b1; ob += 2) {
            const int8_t *W0 = w->packed + (size_t)ob * bstride;
            const int8_t *W1 = ob + 1 < b1 ? W0 + bstride : W0;
            _tile_zero(0);
            _tile_zero(1);
            for (size_t kc = 0; kc < k4n / 16; kc++) { /* 64 inputs per step */
                _tile_loadd(2, A + m0 * lda + kc * 64, (long)lda);
                _tile_loadd(3, W0 + kc * 1024, 64);
                _tile_loadd(4, W1 + kc * 1024, 64);
                _tile_dpbusd(0, 2, 3);
                _tile_dpbusd(1, 2, 4);
            }
            _tile_stored(0, C + m0 * ldc + (size_t)ob * 16, (long)(ldc * sizeof *C));
            if (ob + 1 < b1) _tile_stored(1, C + m0 * ldc + (size_t)(ob + 1) * 16, (long)(ldc * sizeof *C));
        }
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
