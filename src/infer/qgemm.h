/* INT8 GEMM for inference: C (N, OC) int32 = A (N, K) uint8 @ W^T, W (OC, K)
 * int8, in exact integer arithmetic (every kernel gives the same bits).
 *
 * Weights are packed once at load for the VNNI instruction vpdpbusd, which
 * multiplies 4 consecutive uint8 of A with 4 int8 of one output column and adds
 * the 4 products to an int32 lane:
 *   packed[((ob * (Kp/4) + k4) * 16 + j) * 4 + i] = W[ob*16 + j][4*k4 + i]
 * (OCp = OC rounded up to 16, Kp = K rounded up to 4, padding zero). Rows of A
 * have stride lda >= Kp (bytes past K are ignored: the padded weights are 0),
 * and A holds a multiple of QGEMM_ROW_TILE rows (the tail rows are computed and
 * dropped, never stored). */
#ifndef CX_INFER_QGEMM_H
#define CX_INFER_QGEMM_H

#include <stddef.h>
#include <stdint.h>

enum { QGEMM_COL_BLOCK = 16, QGEMM_ROW_TILE = 4 };

typedef enum { QGEMM_PORTABLE, QGEMM_AVX2, QGEMM_AVX512VNNI, QGEMM_AMX, QGEMM_AVXVNNI, QGEMM_N_KERNELS } qgemm_kernel;

typedef struct qgemm_weight {
    int OC, K;          /* logical shape (OC, K) */
    int OCp, Kp;        /* padded: multiples of 16 and 4 */
    int8_t *packed;     /* (OCp * Kp), 64-byte aligned; owned unless packed into a caller's buffer */
    int owns_packed;
    int32_t *col_sum;   /* (OC) sum over k of W[o][k]: removes the A zero point */
} qgemm_weight;

/* Packs W (OC, K) row-major int8. Returns 0, or -1 when out of memory. */
int qgemm_pack(qgemm_weight *w, const int8_t *W, int OC, int K);
/* Bytes of a packed (OC, K) weight (a multiple of 64), and qgemm_pack into
 * dst (that many bytes, 64-byte aligned, the caller's: e.g. one arena for a
 * whole model on huge pages). */
size_t qgemm_packed_bytes(int OC, int K);
int qgemm_pack_into(qgemm_weight *w, const int8_t *W, int OC, int K, int8_t *dst);
void qgemm_weight_free(qgemm_weight *w);

/* Bytes per row of A for K inputs (Kp rounded up to 64 for aligned loads). */
size_t qgemm_lda(int K);

/* C[i][o] for rows [0, N) and columns [0, OC), C with row stride ldc: thread
 * t's share of the column blocks (of nt threads; t = 0, nt = 1 for all of
 * them), no two threads writing the same element. k must be available on
 * this CPU (qgemm_kernel_available). next: the weight this thread multiplies
 * after w (its share of the same split), or NULL: the VNNI kernel fetches
 * the first columns it will read there while it finishes w, so a GEMM does
 * not start on weights still in memory (docs/PERF.md). */
void qgemm_part(qgemm_kernel k, int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                const qgemm_weight *w, const qgemm_weight *next, int t, int nt);

/* The same for the column blocks [b0, b1), any range (another split than
 * qgemm_part's); next's blocks [b0, b1) are the ones prefetched. Not for
 * the AMX kernel, whose tiles pair blocks by qgemm_part's split. */
void qgemm_range(qgemm_kernel k, int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                 const qgemm_weight *w, const qgemm_weight *next, int b0, int b1);

/* The oracle: plain loops over the unpacked W (OC, K). */
void qgemm_naive(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const int8_t *W,
                 int OC, int K);

/* Whether this CPU runs kernel k; the best it runs; names for logs/benches. */
int qgemm_kernel_available(qgemm_kernel k);
qgemm_kernel qgemm_best_kernel(void);
const char *qgemm_kernel_name(qgemm_kernel k);
/* The kernel named s ("portable", "avx2", "avx512vnni", "amx", "avxvnni"); -1 when unknown. */
int qgemm_kernel_from_name(const char *s);

/* Per-kernel bodies (qgemm_*.c): rows [0, N) (N a multiple of the row tile),
 * column blocks [b0, b1). */
void qgemm_portable_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                           const qgemm_weight *w, int b0, int b1);
void qgemm_avx2_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                       const qgemm_weight *w, int b0, int b1);
void qgemm_avxvnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                          const qgemm_weight *w, int b0, int b1);
/* VNNI: also prefetches next0 and next1 (two column blocks of the weight
 * multiplied next, or NULL) during the last block pair. */
void qgemm_vnni_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N, const qgemm_weight *w,
                       int b0, int b1, const int8_t *next0, const int8_t *next1);
/* AMX: only for K % 64 == 0 and OC % 16 == 0 (qgemm_part checks, else VNNI). */
void qgemm_amx_blocks(int32_t *C, size_t ldc, const uint8_t *A, size_t lda, size_t N,
                      const qgemm_weight *w, int b0, int b1);
/* CPU has AMX-INT8 and the OS granted the tile state to this process. */
int qgemm_amx_usable(void);

#endif
