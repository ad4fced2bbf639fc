/* Small helpers shared by the x86 INT8 GEMM kernels (qgemm_avx2.c,
 * qgemm_avxvnni.c, qgemm_vnni.c). */
#ifndef CX_INFER_QGEMM_X86_H
#define CX_INFER_QGEMM_X86_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

/* Four bytes of A as one int32 (for a broadcast). */
static inline int32_t qgemm_load4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Stores lanes [0, n) of v (n <= 0: nothing). */
__attribute__((target("avx2"))) static inline void qgemm_store8(int32_t *dst, int n, __m256i v) {
    if (n >= 8) {
        _mm256_storeu_si256((__m256i *)dst, v);
        return;
    }
    int32_t tmp[8];
    _mm256_storeu_si256((__m256i *)tmp, v);
    if (n > 0) memcpy(dst, tmp, (size_t)n * sizeof *tmp);
}

#endif
