/* INT8 GEMM: packing, the naive oracle, the portable kernel and the run-time
 * choice among kernels. */
#include <stdlib.h>
#include <string.h>

#include "infer/qgemm.h"

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

size_t qgemm_lda(int K) { return round_up((size_t)K, 64); }

size_t qgemm_packed_bytes(int OC, int K) {
    return round_up(round_up((size_t)OC, QGEMM_COL_BLOCK) * round_up((size_t)K, 4), 64);
}

int qgemm_pack_into(qgemm_weight *w, const int8_t *W, int OC, int K, int8_t *dst) {
    memset(w, 0, sizeof *w);
    w->OC = OC;
    w->K = K;
    w->OCp = (int)round_up((size_t)OC, QGEMM_COL_BLOCK);
    w->Kp = (int)round_up((size_t)K, 4);
    w->packed = dst;
    w->col_sum = aligned_alloc(64, round_up((size_t)OC * sizeof *w->col_sum, 64)); /* rows of 16 whole lines */
    if (!w->col_sum) return -1;
    memset(w->packed, 0, qgemm_packed_bytes(OC, K));
    const size_t k4n = (size_t)w->Kp / 4, full = (size_t)K / 4;
    for (int o = 0; o < OC; o++) {
        size_t ob = (size_t)o / QGEMM_COL_BLOCK, j = (size_t)o % QGEMM_COL_BLOCK;
        const int8_t *row = W + (size_t)o * K;
        int8_t *d = w->packed + (ob * k4n * QGEMM_COL_BLOCK + j) * 4;
        /* 4 consecutive k of one column are 4 consecutive bytes in both layouts */
        for (size_t k4 = 0; k4 < full; k4++) memcpy(d + k4 * QGEMM_COL_BLOCK * 4, row + 4 * k4, 4);
        for (int k = (int)full * 4; k < K; k++) d[full * QGEMM_COL_BLOCK * 4 + (size_t)k % 4] = row[k];
        int32_t sum = 0;
        for (int k = 0; k < K; k++) sum += row[k];
        w->col_sum[o] = sum;
    }
    return 0;
}

int qgemm_pack(qgemm_weight *w, const int8_t *W, int OC, int K) {
    int8_t *dst = aligned_alloc(64, qgemm_packed_bytes(OC, K));
    if (!dst || qgemm_pack_into(w, W, OC, K, dst)) {
        free(dst);
        free(w->col_sum);
        memset(w, 0, sizeof *w);
        return -1;
    }
    w->owns_packed = 1;
    return 0;
}

void qgemm_weight_free(qgemm_weight *w) {
    if (w->owns_packed) free(w->packed);
    free(w->col_sum);
    w->packed = NULL;
    w->col_sum = NULL;
}

void qgemm_naive(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const int8_t *W,
                 int OC, int K) {
    for (size_t i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            int32_t acc = 0;
            for (int k = 0; k < K; k++) acc += (int32_t)A[i * lda + k] * W[(size_t)o * K + k];
            C[i * ldc + o] = acc;
        }
}

void qgemm_portable_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                           const qgemm_weight *w, int b0, int b1) {
    const size_t k4n = (size_t)w->Kp / 4;
    for (int ob = b0; ob < b1; ob++) {
        const int8_t *Wb = w->packed + (size_t)ob * k4n * QGEMM_COL_BLOCK * 4;
        for (size_t i = 0; i < N; i++) {
            const uint8_t *a = A + i * lda;
            int32_t acc[QGEMM_COL_BLOCK] = {0};
            for (size_t k4 = 0; k4 < k4n; k4++) {
                const int8_t *wk = Wb + k4 * QGEMM_COL_BLOCK * 4;
                for (int j = 0; j < QGEMM_COL_BLOCK; j++)
                    for (int t = 0; t < 4; t++) acc[j] += (int32_t)a[4 * k4 + t] * wk[j * 4 + t];
            }
            for (int j = 0; j < QGEMM_COL_BLOCK && ob * QGEMM_COL_BLOCK + j < w->OC; j++)
                C[i * ldc + (size_t)ob * QGEMM_COL_BLOCK + j] = acc[j];
        }
    }
}

/* The kernels without a prefetch of the next weight (VNNI has one: blocks_then). */
typedef void (*blocks_fn)(int32_t *, size_t, const uint8_t *, size_t, size_t, const qgemm_weight *,
                          int, int);

static blocks_fn kernel_fn(qgemm_kernel k) {
    switch (k) {
    case QGEMM_AVX2: return qgemm_avx2_blocks;
    case QGEMM_AVXVNNI: return qgemm_avxvnni_blocks;
    case QGEMM_AMX: return qgemm_amx_blocks;
    default: return qgemm_portable_blocks;
    }
}

/* Thread t's column blocks [b0, b1) of w: pairs of blocks (the vector kernels
 * work on two at a time), as even as pairs go. */
static void share_blocks(const qgemm_weight *w, int t, int nt, int *b0, int *b1) {
    const int nb = w->OCp / QGEMM_COL_BLOCK, pairs = (nb + 1) / 2;
    const int p0 = pairs * t / nt, p1 = pairs * (t + 1) / nt;
    *b0 = 2 * p0;
    *b1 = 2 * p1 < nb ? 2 * p1 : nb;
}

/* Blocks [b0, b1) of w; n0, n1: next's blocks this thread reads next. */
static void blocks_then(qgemm_kernel k, int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                        const qgemm_weight *w, int b0, int b1, const qgemm_weight *next, int n0, int n1) {
    if (N == 0 || b0 >= b1) return;
    /* k is available: checked once by the caller (cx_engine_ctx_open), not per
     * call (the AMX check is a cpuid and a system call) */
    if (k == QGEMM_AMX && (w->K % 64 || w->OC % QGEMM_COL_BLOCK)) k = QGEMM_AVX512VNNI; /* full tiles only */
    if (k != QGEMM_AVX512VNNI) {
        kernel_fn(k)(C, ldc, A, lda, N, w, b0, b1);
        return;
    }
    const int8_t *next0 = NULL, *next1 = NULL;
    if (next) {
        const size_t bstride = (size_t)next->Kp * QGEMM_COL_BLOCK;
        next0 = n0 < n1 ? next->packed + (size_t)n0 * bstride : NULL;
        next1 = n0 + 1 < n1 ? next0 + bstride : NULL;
    }
    qgemm_vnni_blocks(C, ldc, A, lda, N, w, b0, b1, next0, next1);
}

void qgemm_part(qgemm_kernel k, int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                const qgemm_weight *w, const qgemm_weight *next, int t, int nt) {
    int b0, b1, n0 = 0, n1 = 0;
    share_blocks(w, t, nt, &b0, &b1);
    if (next) share_blocks(next, t, nt, &n0, &n1);
    blocks_then(k, C, ldc, A, lda, N, w, b0, b1, next, n0, n1);
}

void qgemm_range(qgemm_kernel k, int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                 const qgemm_weight *w, const qgemm_weight *next, int b0, int b1) {
    blocks_then(k, C, ldc, A, lda, N, w, b0, b1, next, b0, b1);
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/* CPUID leaf 7, subleaf 1, EAX bit 4 (Clang 14's __builtin_cpu_supports does
 * not know "avxvnni"); the OS's support of the ymm state is avx2's check. */
static int has_avxvnni(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 4 & 1);
}
#endif

int qgemm_kernel_available(qgemm_kernel k) {
    switch (k) {
    case QGEMM_PORTABLE: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case QGEMM_AVX2: return __builtin_cpu_supports("avx2");
    case QGEMM_AVXVNNI: return __builtin_cpu_supports("avx2") && has_avxvnni();
    case QGEMM_AVX512VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni");
    case QGEMM_AMX: return qgemm_kernel_available(QGEMM_AVX512VNNI) && qgemm_amx_usable();
#endif
    default: return 0;
    }
}

qgemm_kernel qgemm_best_kernel(void) {
    if (qgemm_kernel_available(QGEMM_AMX)) return QGEMM_AMX;
    if (qgemm_kernel_available(QGEMM_AVX512VNNI)) return QGEMM_AVX512VNNI;
    if (qgemm_kernel_available(QGEMM_AVXVNNI)) return QGEMM_AVXVNNI;
    if (qgemm_kernel_available(QGEMM_AVX2)) return QGEMM_AVX2;
    return QGEMM_PORTABLE;
}

static const char *const kernel_names[QGEMM_N_KERNELS] = {"portable", "avx2", "avx512vnni", "amx", "avxvnni"};

const char *qgemm_kernel_name(qgemm_kernel k) {
    return k >= 0 && k < QGEMM_N_KERNELS ? kernel_names[k] : "?";
}

int qgemm_kernel_from_name(const char *s) {
    for (int k = 0; k < QGEMM_N_KERNELS; k++)
        if (strcmp(s, kernel_names[k]) == 0) return k;
    return -1;
}
