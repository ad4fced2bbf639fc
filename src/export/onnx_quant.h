/* Per-tensor symmetric INT8 weight quantization as ONNX Runtime's
 * quantize_dynamic(weight_type=QInt8) does it: scale = max|w| / 127 (1 when
 * all zero), q = clamp(round_half_even(w / scale), -127, 127), zero point 0. */
#ifndef CX_EXPORT_ONNX_QUANT_H
#define CX_EXPORT_ONNX_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* The scale of w[0..n). */
float quant_scale(const float *w, size_t n);
/* q[i] = quantized w[i]. */
void quant_i8(int8_t *q, const float *w, size_t n, float scale);
/* w is (rows, cols) as PyTorch stores a Linear weight [out, in]; writes its
 * quantized transpose qt (cols, rows), the [in, out] layout MatMul reads. */
void quant_i8_transposed(int8_t *qt, const float *w, int rows, int cols, float scale);
/* Float transpose of the same. */
void transpose_f32(float *wt, const float *w, int rows, int cols);

#endif
