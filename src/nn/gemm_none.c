/* The runtime library's side of nn.h's bf16 GEMMs: none. bf16 is a training
 * precision, and its oneDNN kernels (gemm_bf16.c) live in the training
 * library alone, so that a host that only classifies never loads oneDNN.
 * Callers see "unsupported" and stay in fp32, as on a CPU without bf16. */
#include "nn/nn.h"

int nn_bf16_supported(void) { return 0; }

int nn_gemm_open(nn_gemm **out, cx_error *err) {
    *out = NULL;
    return cx_error_set(err, CX_ERR_UNSUPPORTED, "bf16: the runtime library has no bf16 GEMMs (libcomplexity-train has)");
}

void nn_gemm_free(nn_gemm *g) { (void)g; }

void nn_gemm_weights_changed(nn_gemm *g) { (void)g; }

int nn_gemm_forward(nn_gemm *g, float *out, const float *inp, const float *weight, size_t N, int C, int OC) {
    (void)g, (void)out, (void)inp, (void)weight, (void)N, (void)C, (void)OC;
    return CX_ERR_UNSUPPORTED;
}

int nn_gemm_backward_data(nn_gemm *g, float *dinp, const float *dout, const float *weight, size_t N, int C,
                          int OC) {
    (void)g, (void)dinp, (void)dout, (void)weight, (void)N, (void)C, (void)OC;
    return CX_ERR_UNSUPPORTED;
}

int nn_gemm_backward_weight(nn_gemm *g, float *dweight, const float *dout, const float *inp, size_t N, int C,
                            int OC, int dout_ready) {
    (void)g, (void)dweight, (void)dout, (void)inp, (void)N, (void)C, (void)OC, (void)dout_ready;
    return CX_ERR_UNSUPPORTED;
}
