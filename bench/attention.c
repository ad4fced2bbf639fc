/* The engine's attention kernels on one layer at the distilbert-base shape
 * (768 wide, 12 heads of 64) for prompts of N tokens: one thread's half of
 * the heads (what each of two threads runs), every query (a full layer) and
 * the [CLS] query alone (the last layer), AVX-512 twin and portable one.
 * Best of R runs, in microseconds; the inputs stay in cache, so this is the
 * kernels' own speed.
 *
 *   attention [--runs R] N...   (tokens) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer/qgemm.h"
#include "infer/vec.h"

enum { D = 768, H = 12 };

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* best time of runs calls of one layer's attention, heads [0, H/2) */
static double best_us(const eng_vec_ops *ops, float *att, float *s, const float *q, const float *k, const float *v,
                      int nq, int n, int runs) {
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        const double t0 = now_us();
        ops->attention(att, s, q, k, v, nq, n, D, H, 0, H / 2);
        const double t = now_us() - t0;
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv) {
    int runs = 2000, first = 1;
    if (argc > 2 && !strcmp(argv[1], "--runs")) runs = atoi(argv[2]), first = 3;
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--runs R] N...\n", argv[0]);
        return 2;
    }
    const int avx512 = qgemm_kernel_available(QGEMM_AVX512VNNI);
    const eng_vec_ops fast = eng_vec_select(avx512), portable = eng_vec_select(0);
    printf("attention of one layer, heads 0-5 of 12 (one of two threads), best of %d runs, us%s\n", runs,
           avx512 ? "" : " (no AVX-512: both columns portable)");
    printf("%6s %12s %12s %14s %14s\n", "tokens", "all (avx512)", "all (port.)", "[CLS] (avx512)", "[CLS] (port.)");
    for (int a = first; a < argc; a++) {
        const int n = atoi(argv[a]);
        if (n < 1 || n > 512) {
            fprintf(stderr, "tokens: 1..512, not %s\n", argv[a]);
            return 2;
        }
        float *q = malloc((size_t)n * D * sizeof(float)), *k = malloc((size_t)n * D * sizeof(float));
        float *v = malloc((size_t)n * D * sizeof(float)), *att = malloc((size_t)n * D * sizeof(float));
        float *s = malloc(ENG_ATTN_SCRATCH(n, D) * sizeof(float));
        unsigned x = 12345;
        for (int i = 0; i < n * D; i++) { /* scores of a few units, like a trained model's */
            x = x * 1103515245u + 12345u;
            q[i] = (float)((x >> 8) % 2001) / 1000.0f - 1.0f;
            k[i] = -q[i] * 0.5f + 0.25f;
            v[i] = (float)((x >> 4) % 101) / 50.0f - 1.0f;
        }
        printf("%6d %12.2f %12.2f %14.2f %14.2f\n", n, best_us(&fast, att, s, q, k, v, n, n, runs),
               best_us(&portable, att, s, q, k, v, n, n, runs / 4 + 1), best_us(&fast, att, s, q, k, v, 1, n, runs),
               best_us(&portable, att, s, q, k, v, 1, n, runs / 4 + 1));
        free(q); free(k); free(v); free(att); free(s);
    }
    return 0;
}
