/* Numeric kernels of the encoder, llm.c style: each layer is a forward /
 * backward pair over flat float arrays. Forward: outputs first (including what
 * backward needs), then inputs, then weights, then shapes. Backward: the
 * gradients it writes first (accumulated with +=), then dout, then the saved
 * inputs. A NULL gradient pointer means "not needed" (frozen weights, or an
 * input that needs no gradient). Every optimized kernel has a naive twin used
 * as test oracle. Activations are "packed": rows are the tokens of all
 * sequences one after another (no padding), see cx_seqs. */
#ifndef CX_NN_H
#define CX_NN_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"
#include "util/rng.h"

/* A packed batch: sequence b owns token rows [off[b], off[b+1]). */
typedef struct cx_seqs {
    int n_seqs;          /* B */
    const size_t *off;   /* (B+1) token offsets, off[0] = 0, off[B] = N */
    const size_t *aoff;  /* (B+1) offsets of per-sequence attention maps:
                            aoff[b+1] - aoff[b] = H * T_b * T_b */
} cx_seqs;

/* ---- bf16 GEMMs (gemm_bf16.c): oneDNN on AMX-BF16 / AVX512-BF16, fp32 in
 * and out, fp32 accumulation. One handle per thread of work: it owns the
 * bf16 copies of the operands, and keeps those of weight matrices (keyed by
 * address) until nn_gemm_weights_changed. Each call returns 0 on success. */
typedef struct nn_gemm nn_gemm;
int nn_bf16_supported(void);
int nn_gemm_open(nn_gemm **out, cx_error *err);
void nn_gemm_free(nn_gemm *g);
/* Weights were written (an optimizer step, a load): convert them again. */
void nn_gemm_weights_changed(nn_gemm *g);
int nn_gemm_forward(nn_gemm *g, float *out, const float *inp, const float *weight, size_t N, int C,
                    int OC);
int nn_gemm_backward_data(nn_gemm *g, float *dinp, const float *dout, const float *weight,
                          size_t N, int C, int OC);
/* dout_ready: dout's bf16 copy is still in g from nn_gemm_backward_data */
int nn_gemm_backward_weight(nn_gemm *g, float *dweight, const float *dout, const float *inp,
                            size_t N, int C, int OC, int dout_ready);

/* ---- linear layers: out (N,OC) = inp (N,C) @ weight^T (weight (OC,C)) + bias (OC).
 * g: NULL for fp32 (OpenBLAS), or a bf16 handle. */
void matmul_forward(nn_gemm *g, float *out, const float *inp, const float *weight,
                    const float *bias, size_t N, int C, int OC);
void matmul_backward(nn_gemm *g, float *dinp, float *dweight, float *dbias, const float *dout,
                     const float *inp, const float *weight, size_t N, int C, int OC);
void matmul_forward_naive(float *out, const float *inp, const float *weight, const float *bias,
                          size_t N, int C, int OC);
void matmul_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, size_t N, int C, int OC);

/* ---- layer norm over the last axis: out = (x - mean) * rstd * w + b */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                       const float *weight, const float *bias, size_t N, int C, float eps);
void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, const float *mean,
                        const float *rstd, size_t N, int C);

/* ---- activations (element-wise, n elements) */
void gelu_forward(float *out, const float *inp, size_t n);        /* erf form */
void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);
void relu_forward(float *out, const float *inp, size_t n);
void relu_backward(float *dinp, const float *out, const float *dout, size_t n);

/* ---- dropout: keep with probability 1-p, scale kept values by 1/(1-p).
 * mask (n) is written (1 = kept); p == 0 copies and sets every mask byte. */
void dropout_mask(uint8_t *mask, size_t n, float p, cx_rng *rng);
void dropout_forward(float *out, const float *inp, const uint8_t *mask, size_t n, float p);
void dropout_backward(float *dinp, const float *dout, const uint8_t *mask, size_t n, float p);

/* ---- multi-head self-attention over packed sequences.
 * qkv (N,3D): per token [q | k | v], head h uses columns h*hd..(h+1)*hd of each.
 * probs (aoff[B]): softmax(q k^T / sqrt(hd)) per sequence and head, (H,T,T),
 * before dropout. mask (aoff[B]) or NULL when attention dropout is off.
 * out (N,D): probs (dropped) @ v, heads side by side. */
void attention_forward(float *out, float *probs, const float *qkv, const uint8_t *mask,
                       float p, const cx_seqs *s, int D, int H);
void attention_backward(float *dqkv, float *scratch, int n_threads, const float *dout,
                        const float *qkv, const float *probs, const uint8_t *mask, float p,
                        const cx_seqs *s, int D, int H);
/* Scratch floats attention_backward needs with n_threads threads: (T,T) each. */
size_t attention_scratch_floats(size_t max_len, int n_threads);
void attention_forward_naive(float *out, float *probs, const float *qkv, const uint8_t *mask,
                             float p, const cx_seqs *s, int D, int H);

/* ---- the same for one query per sequence (the last layer: only [CLS] rows
 * reach the heads). q (B,D): the [CLS] queries; kv (N,2D): per token [k | v];
 * out (B,D). probs and mask (sum H T_b): sequence b's map for head h at
 * off[b] H + h T_b. The oracle is row 0 of each sequence of attention_forward.
 * Backward accumulates into dq (B,D) and dkv (N,2D); scratch holds
 * max_len floats per thread (attention_scratch_floats suffices). */
void attention_cls_forward(float *out, float *probs, const float *q, const float *kv,
                           const uint8_t *mask, float p, const cx_seqs *s, int D, int H);
void attention_cls_backward(float *dq, float *dkv, float *scratch, int n_threads, const float *dout,
                            const float *q, const float *kv, const float *probs,
                            const uint8_t *mask, float p, const cx_seqs *s, int D, int H);

/* ---- the seed's losses over B examples. Each returns the batch-mean loss
 * (unweighted) and adds weight * d(loss)/d(logit) into dlogits when non-NULL. */
/* MSE between sigmoid(logit) (B) and target (B). */
double mse_sigmoid_loss(float *dlogits, const float *logits, const float *target,
                        int B, float weight);
/* Cross-entropy of logits (B,K) against class indices (B). */
double cross_entropy_loss(float *dlogits, const float *logits, const int *target,
                          int B, int K, float weight);
/* BCE with logits (B,K) against 0/1 targets (B,K), mean over all B*K elements. */
double bce_logits_loss(float *dlogits, const float *logits, const float *target,
                       int B, int K, float weight);

/* ---- OpenBLAS core type (blas.c). A DYNAMIC_ARCH OpenBLAS older than the
 * CPU runs generic SSE3 kernels ("Prescott"); nn_blas_init switches it to the
 * best core type it has for this CPU's instructions. Idempotent and
 * thread-safe (pthread_once); matmul_* and nn_set_threads call it. It sets
 * and restores OPENBLAS_CORETYPE, so call it early, before other threads
 * might read the environment. CX_BLAS_CORE=keep: no switch; =<name>: that
 * core type. */
void nn_blas_init(void);
/* Static string, e.g. "OpenBLAS 0.3.21 core Cooperlake (switched from
 * Prescott: this CPU has AVX-512 BF16)"; runs nn_blas_init. */
const char *nn_blas_describe(void);

/* ---- threads: one OpenMP team and OpenBLAS with the same count, so the two
 * pools take turns instead of oversubscribing the cores. */
void nn_set_threads(int n);
int nn_threads(void);

#endif
