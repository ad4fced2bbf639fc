/* The INT8 GEMMs of one prompt at the distilbert-base-multilingual-cased
 * shape (6 layers x q, k, v, o 768x768, lin1 3072x768, lin2 768x3072: 42.5
 * MB of packed weights, far more than the caches hold) for N rows, split
 * across threads as the engine splits them (qgemm_part, a barrier after each
 * GEMM), beside its anchor: each thread reading its share of the same bytes
 * with plain vector loads, the memory bandwidth bound. Best of R runs. The
 * weights sit in one huge-page allocation, as in the engine (--small-pages:
 * one ordinary allocation each, as before), and each GEMM is told the next
 * one, as in the engine, so its first columns are prefetched (--no-next: not).
 *
 *   gemm [--threads T] [--kernel K] [--runs R] [--small-pages] [--no-next] N...   (rows per GEMM) */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer/qgemm.h"
#include "util/hugemem.h"

enum { LAYERS = 6, PER_LAYER = 6, D = 768, F = 3072 };

/* One thread's weight bytes read 64 at a time (the xor keeps the loads), with
 * AVX-512 loads where the CPU has them: the fastest plain read here. */
#define READ_BODY(LOADS)                                                                                     \
    for (int i = 0; i < n; i++) {                                                                          \
        const size_t bytes = (size_t)w[i].OCp * (size_t)w[i].Kp, lo = bytes * (size_t)t / (size_t)nt / 64 * 64, \
                     hi = bytes * (size_t)(t + 1) / (size_t)nt / 64 * 64;                                   \
        for (size_t j = lo; j < hi; j += 64) LOADS(w[i].packed + j);                                        \
    }

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static uint64_t read_avx512(const qgemm_weight *w, int n, int t, int nt) {
    __m512i acc = _mm512_setzero_si512();
#define LOAD512(p) acc = _mm512_xor_si512(acc, _mm512_load_si512((const void *)(p)))
    READ_BODY(LOAD512)
    return (uint64_t)_mm512_reduce_add_epi64(acc);
}
#endif

static uint64_t read_bytes(const qgemm_weight *w, int n, int t, int nt) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return read_avx512(w, n, t, nt);
#endif
    uint64_t s = 0;
#define LOAD64(p)                                                                                            \
    do {                                                                                                     \
        const uint64_t *q = (const uint64_t *)(const void *)(p);                                           \
        s ^= q[0] ^ q[1] ^ q[2] ^ q[3] ^ q[4] ^ q[5] ^ q[6] ^ q[7];                                        \
    } while (0)
    READ_BODY(LOAD64)
    return s;
}

int main(int argc, char **argv) {
    int threads = 2, runs = 30, nrows = 0, rows[64], small_pages = 0, no_next = 0;
    qgemm_kernel k = qgemm_best_kernel();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--small-pages")) small_pages = 1;
        else if (!strcmp(argv[i], "--no-next")) no_next = 1;
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
            int kk = qgemm_kernel_from_name(argv[++i]);
            if (kk < 0 || !qgemm_kernel_available((qgemm_kernel)kk)) {
                fprintf(stderr, "gemm: kernel %s unknown or not on this CPU\n", argv[i]);
                return 1;
            }
            k = (qgemm_kernel)kk;
        } else if (nrows < 64 && atoi(argv[i]) > 0) rows[nrows++] = atoi(argv[i]);
        else {
            fprintf(stderr, "usage: gemm [--threads T] [--kernel K] [--runs R] [--small-pages] [--no-next] ROWS...\n");
            return 1;
        }
    }
    if (!nrows) rows[nrows++] = 20;
    qgemm_weight w[LAYERS * PER_LAYER];
    size_t total = 0, arena_len = 0, used = 0;
    for (int i = 0; i < LAYERS * PER_LAYER; i++)
        total += qgemm_packed_bytes(i % PER_LAYER == 4 ? F : D, i % PER_LAYER == 5 ? F : D);
    int8_t *arena = small_pages ? NULL : cx_alloc_huge(total, &arena_len);
    uint64_t seed = 1;
    for (int i = 0; i < LAYERS * PER_LAYER; i++) {
        const int j = i % PER_LAYER, OC = j == 4 ? F : D, K = j == 5 ? F : D;
        int8_t *W = malloc((size_t)OC * K);
        if (!W || (!small_pages && !arena)) return 1;
        for (size_t q = 0; q < (size_t)OC * K; q++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            W[q] = (int8_t)(seed >> 56);
        }
        if (small_pages ? qgemm_pack(&w[i], W, OC, K) : qgemm_pack_into(&w[i], W, OC, K, arena + used)) return 1;
        used += qgemm_packed_bytes(OC, K);
        free(W);
    }
    const size_t lda = qgemm_lda(F), max_rows = 512;
    uint8_t *A = aligned_alloc(64, max_rows * lda);
    int32_t *C = aligned_alloc(64, max_rows * F * sizeof(int32_t));
    if (!A || !C) return 1;
    memset(A, 7, max_rows * lda);
    double anchor = 1e9;
    volatile uint64_t sink = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads)
        sink += read_bytes(w, LAYERS * PER_LAYER, omp_get_thread_num(), omp_get_num_threads());
        double dt = omp_get_wtime() - t0;
        anchor = dt < anchor ? dt : anchor;
    }
    printf("weights %.1f MB (%s), %d threads, kernel %s\n", total / 1e6, small_pages ? "4 KB pages" : "huge pages",
           threads, qgemm_kernel_name(k));
    printf("anchor (read the same bytes): %.3f ms, %.1f GB/s per thread\n", anchor * 1e3, total / anchor / threads / 1e9);
    for (int n = 0; n < nrows; n++) {
        const size_t N = (size_t)rows[n] < max_rows ? (size_t)rows[n] : max_rows;
        double best = 1e9;
        for (int r = 0; r < runs; r++) {
            double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads)
            for (int i = 0; i < LAYERS * PER_LAYER; i++) {
                const qgemm_weight *next = no_next || i + 1 == LAYERS * PER_LAYER ? NULL : &w[i + 1];
                qgemm_part(k, C, (size_t)w[i].OC, A, lda, N, &w[i], next, omp_get_thread_num(),
                           omp_get_num_threads());
#pragma omp barrier
            }
            double dt = omp_get_wtime() - t0;
            best = dt < best ? dt : best;
        }
        printf("rows %3zu: %.3f ms, %.1f GB/s per thread, %.2fx the anchor\n", N, best * 1e3,
               total / best / threads / 1e9, best / anchor);
    }
    for (int i = 0; i < LAYERS * PER_LAYER; i++) qgemm_weight_free(&w[i]);
    free(arena);
    free(A);
    free(C);
    return (int)(sink & 0);
}
