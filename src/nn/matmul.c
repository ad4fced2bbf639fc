/* Linear layers: fp32 on OpenBLAS (cblas_sgemm), or bf16 on oneDNN when the
 * caller passes a gemm handle (gemm_bf16.c); a naive twin is the oracle. */
#include <cblas.h>
#include <omp.h>

#include "nn/nn.h"

static void add_bias(float *out, const float *bias, size_t N, int OC) {
    if (!bias) return;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        float *row = out + i * (size_t)OC;
        for (int o = 0; o < OC; o++) row[o] += bias[o];
    }
}

void matmul_forward(nn_gemm *g, float *out, const float *inp, const float *weight,
                    const float *bias, size_t N, int C, int OC) {
    /* out (N,OC) = inp (N,C) @ weight^T; weight is (OC,C) as PyTorch stores it */
    if (N == 0) return;
    /* a failed bf16 call (out of memory) falls back to fp32 */
    if (!g || nn_gemm_forward(g, out, inp, weight, N, C, OC)) {
        nn_blas_init(); /* OpenBLAS on its best kernels before its first GEMM */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, OC, C, 1.0f, inp, C,
                    weight, C, 0.0f, out, OC);
    }
    add_bias(out, bias, N, OC);
}

void matmul_backward(nn_gemm *g, float *dinp, float *dweight, float *dbias, const float *dout,
                     const float *inp, const float *weight, size_t N, int C, int OC) {
    if (N == 0) return;
    nn_blas_init(); /* OpenBLAS on its best kernels before its first GEMM */
    int dout_ready = 0; /* dout's bf16 copy made by the data gradient, reused by the weights' */
    if (dinp && g) dout_ready = !nn_gemm_backward_data(g, dinp, dout, weight, N, C, OC);
    if (dinp && !dout_ready) /* dinp (N,C) += dout (N,OC) @ weight (OC,C) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, C, OC, 1.0f, dout, OC,
                    weight, C, 1.0f, dinp, C);
    if (dweight && (!g || nn_gemm_backward_weight(g, dweight, dout, inp, N, C, OC, dout_ready)))
        /* dweight (OC,C) += dout^T (OC,N) @ inp (N,C) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, (int)N, 1.0f, dout, OC,
                    inp, C, 1.0f, dweight, C);
    if (dbias) {
        /* blocks of columns are independent: split them across threads (no
         * write conflicts), rows inside so the inner loop is contiguous */
        enum { BLK = 64 };
#pragma omp parallel for schedule(static)
        for (int o0 = 0; o0 < OC; o0 += BLK) {
            int o1 = o0 + BLK < OC ? o0 + BLK : OC;
            float sum[BLK] = {0};
            for (size_t i = 0; i < N; i++) {
                const float *row = dout + i * (size_t)OC;
                for (int o = o0; o < o1; o++) sum[o - o0] += row[o];
            }
            for (int o = o0; o < o1; o++) dbias[o] += sum[o - o0];
        }
    }
}

void matmul_forward_naive(float *out, const float *inp, const float *weight, const float *bias,
                          size_t N, int C, int OC) {
    for (size_t i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            double acc = bias ? bias[o] : 0.0;
            for (int c = 0; c < C; c++)
                acc += (double)inp[i * (size_t)C + c] * weight[(size_t)o * C + c];
            out[i * (size_t)OC + o] = (float)acc;
        }
}

void matmul_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, size_t N, int C, int OC) {
    for (size_t i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            float d = dout[i * (size_t)OC + o];
            if (dbias) dbias[o] += d;
            for (int c = 0; c < C; c++) {
                if (dinp) dinp[i * (size_t)C + c] += d * weight[(size_t)o * C + c];
                if (dweight) dweight[(size_t)o * C + c] += d * inp[i * (size_t)C + c];
            }
        }
}

void nn_set_threads(int n) {
    if (n < 1) n = 1;
    nn_blas_init(); /* early, while the caller is likely still one thread */
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int nn_threads(void) { return omp_get_max_threads(); }
