/* Quantization helpers of the INT8 engine and the fp32 kernels it keeps. */
#ifndef CX_INFER_QUANT_H
#define CX_INFER_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "infer/qgemm.h"

/* Symmetric per-tensor int8: q = round(w / s), s = max|w| / 127 (1 when all
 * zero). Returns s, or -1 when a value is NaN or infinite (q is then left
 * unspecified). */
float quant_weight_sym(int8_t *q, const float *w, size_t n);

/* Activations, per row: the range [min(x,0), max(x,0)] maps onto 0..255, so 0
 * is exact: x ~ (q - zp) * scale. q has row stride lda. (The GEMM kernels
 * read the rows up to the next row tile too, whatever they hold, and drop
 * what they compute from them.) */
void quant_rows_u8(uint8_t *q, size_t lda, float *scale, int32_t *zp, const float *x, size_t N,
                   int K);

/* out[i][o] = (acc[i][o] - zp[i] col_sum[o]) * a_scale[i] * w_scale + bias[o]
 * (+ res[i][o] when res is non-NULL) for columns [0, OC); out, acc and res
 * have row stride ld (OC for whole rows, more for a range of columns). */
void dequant_rows(float *out, const int32_t *acc, const float *a_scale, const int32_t *zp,
                  const int32_t *col_sum, float w_scale, const float *bias, const float *res,
                  size_t N, int OC, size_t ld);

/* GELU, erf form, with a rational erf approximation (|error| < 1e-6):
 * cx_erf_fma, so fused multiply-adds. */
void gelu_fast(float *x, size_t n);

/* out (N, D) = LayerNorm(x) over rows, in place allowed. */
void layernorm_rows(float *out, const float *x, const float *w, const float *b, size_t N, int D,
                    float eps);

#endif
