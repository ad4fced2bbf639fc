/* INT8 weight quantization for the ONNX export (see onnx_quant.h). */
#include "export/onnx_quant.h"

#include <math.h>

float quant_scale(const float *w, size_t n) {
    float mx = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(w[i]);
        if (a > mx) mx = a;
    }
    /* ORT: (rmax - rmin) / (qmax - qmin) with rmin = -rmax and q in [-127, 127] */
    return mx > 0.0f ? (float)((2.0 * mx) / 254.0) : 1.0f;
}

static int8_t quant1(float w, float scale) {
    float q = nearbyintf(w / scale); /* default rounding mode: half to even, as numpy */
    if (q != q) return 0;            /* NaN: converting it would be undefined */
    if (q > 127.0f) q = 127.0f;
    if (q < -127.0f) q = -127.0f;
    return (int8_t)q;
}

void quant_i8(int8_t *q, const float *w, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) q[i] = quant1(w[i], scale);
}

void quant_i8_transposed(int8_t *qt, const float *w, int rows, int cols, float scale) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) qt[(size_t)c * rows + r] = quant1(w[(size_t)r * cols + c], scale);
}

void transpose_f32(float *wt, const float *w, int rows, int cols) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) wt[(size_t)c * rows + r] = w[(size_t)r * cols + c];
}
