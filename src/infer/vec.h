/* The element-wise kernels of the INT8 engine, as a table: the portable ones
 * (quant.c) and AVX-512 twins (vec_avx512.c) that give the same bits (same
 * operations in the same order, lane by lane; no FMA). */
#ifndef CX_INFER_VEC_H
#define CX_INFER_VEC_H

#include <stddef.h>
#include <stdint.h>

/* Scratch floats of the attention kernels: scores of up to 4 queries +
 * transposed keys. */
#define ENG_ATTN_SCRATCH(n_max, D) (4 * (size_t)(n_max) + (size_t)(D) * (((size_t)(n_max) + 15) / 16 * 16))

typedef struct eng_vec_ops {
    void (*quant_rows)(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N, int K);
    void (*dequant_rows)(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                         const int32_t *col_sum, float w_scale, const float *bias, const float *res, size_t N,
                         int OC, size_t ld);
    void (*gelu)(float *x, size_t n);
    /* attn.c: fp32 attention rows [0, nq) over n keys, heads [h0, h1) (s:
     * scratch of ENG_ATTN_SCRATCH(n_max, D) floats), and y = W x + b */
    void (*attention)(float *att, float *s, const float *q, const float *k, const float *v, int nq, int n, int D,
                      int H, int h0, int h1);
    void (*matvec)(float *y, const float *W, const float *b, const float *x, int OC, int C);
} eng_vec_ops;

/* avx512: 1 for the AVX-512 twins (the caller checked the CPU has them). */
eng_vec_ops eng_vec_select(int avx512);

void quant_rows_u8_avx512(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N, int K);
void dequant_rows_avx512(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                         const int32_t *col_sum, float w_scale, const float *bias, const float *res, size_t N,
                         int OC, size_t ld);
void gelu_avx512(float *x, size_t n);
void eng_attention(float *att, float *s, const float *q, const float *k, const float *v, int nq, int n, int D, int H,
                   int h0, int h1);
void eng_attention_avx512(float *att, float *s, const float *q, const float *k, const float *v, int nq, int n, int D,
                          int H, int h0, int h1);
void eng_matvec(float *y, const float *W, const float *b, const float *x, int OC, int C);
void eng_matvec_avx512(float *y, const float *W, const float *b, const float *x, int OC, int C);

#endif
