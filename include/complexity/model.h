/* The model: a DistilBERT encoder and the seed's four heads (SPEC §3), fp32,
 * forward and backward on packed variable-length batches (no padding).
 *
 * A cx_model holds the weights: one float allocation, laid out layer by layer
 * (embeddings, layer 0 .. layer L-1, heads), so that everything trainable with
 * `freeze` frozen layers is one contiguous tail [cx_model_trainable_offset, n)
 * and gradients / AdamW moments are flat arrays of that tail. The model is
 * not changed by forward/backward: several threads may use one model, each
 * with its own workspace (cx_model_ws), which holds activations and outputs. */
#ifndef COMPLEXITY_MODEL_H
#define COMPLEXITY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CX_MODEL_MAX_LAYERS = 48, CX_TENSOR_MAX_DIMS = 2 };

typedef struct cx_model_config {
    int vocab_size;        /* 119547 for distilbert-base-multilingual-cased */
    int max_positions;     /* learned positions, 512 */
    int dim;               /* 768 */
    int n_layers;          /* 6 */
    int n_heads;           /* 12; dim % n_heads == 0 */
    int ffn_dim;           /* 3072 */
    int shared_dim;        /* classifier.shared width, 512 */
    int head_dim;          /* hidden width of each head, 128 */
    float dropout;         /* 0.1: embeddings, FFN output, classifier */
    float attention_dropout; /* 0.1 */
    float ln_eps;          /* 1e-12 */
} cx_model_config;

/* Fills cfg with a named preset: "tiny" (128/2/2/512), "mini" (256/2/4/1024),
 * "small" (256/4/4/1024),
 * "distilbert" (768/6/12/3072); all with the mBERT vocabulary (119547), 512
 * positions, heads 512/128, dropout 0.1, eps 1e-12. */
CX_API int cx_model_preset(const char *name, cx_model_config *cfg, cx_error *err);
/* Checks every field (positive, dim % heads, sizes that fit in memory). */
CX_API int cx_model_config_check(const cx_model_config *cfg, cx_error *err);

typedef struct cx_model cx_model;

/* A new model with Hugging Face's initialisation: weights normal(0, 0.02)
 * drawn from `seed`, biases 0, LayerNorm 1/0, [PAD] (id 0) embedding row 0. */
CX_API int cx_model_create(const cx_model_config *cfg, uint64_t seed, cx_model **out, cx_error *err);
/* Loads a safetensors file written by cx_model_save (config in its metadata)
 * or, when cfg is non-NULL, any file with the SPEC §3 names and cfg's shapes.
 * A file laid out as cx_model_save writes it is not copied: the weights are
 * its private copy-on-write mapping (writable; the file never changes). */
CX_API int cx_model_load(const char *path, const cx_model_config *cfg, cx_model **out, cx_error *err);
/* Loads a Hugging Face DistilBERT directory: config.json + model.safetensors
 * (names with or without "distilbert.", masked-LM extras ignored, F32/F16/BF16).
 * The classifier comes from the file when it has one, else it is initialised
 * as cx_model_create does with `seed`. */
CX_API int cx_model_load_hf(const char *dir, uint64_t seed, cx_model **out, cx_error *err);
/* Writes all weights to a safetensors file (SPEC §3 names, F32, config in the
 * metadata), atomically. Loadable by the seed's PyTorch model. */
CX_API int cx_model_save(const cx_model *m, const char *path, cx_error *err);
CX_API void cx_model_free(cx_model *m);

CX_API const cx_model_config *cx_model_get_config(const cx_model *m);
/* The flat weights (owned by the model) and their count. */
CX_API float *cx_model_params(cx_model *m);
CX_API size_t cx_model_n_params(const cx_model *m);
/* First trainable weight with `freeze` frozen layers (0 <= freeze <= n_layers;
 * freeze 0 trains the embeddings too). */
CX_API size_t cx_model_trainable_offset(const cx_model *m, int freeze);
/* First weight of the classifier heads (the 5x learning-rate group). */
CX_API size_t cx_model_heads_offset(const cx_model *m);
/* Tensor i (0 <= i < cx_model_n_tensors): SPEC §3 name (static until the
 * model is freed), offset into the flat weights, shape (ndim 1 or 2). */
CX_API int cx_model_n_tensors(const cx_model *m);
CX_API void cx_model_tensor(const cx_model *m, int i, const char **name, size_t *offset,
                            int *ndim, int shape[CX_TENSOR_MAX_DIMS]);

/* ---- running the model */
typedef struct cx_model_ws cx_model_ws;

typedef struct cx_ws_options {
    int max_seqs;          /* sequences per batch */
    size_t max_tokens;     /* sum of lengths per batch */
    int max_len;           /* longest sequence (<= max_positions) */
    int freeze;            /* frozen layers (0..n_layers) */
    int training;          /* 1: keep activations for cx_model_backward */
    int bf16;              /* 1: the encoder layers' GEMMs in bf16 (see cx_bf16_supported) */
} cx_ws_options;

/* One sequence of up to 512 tokens, inference (no freeze, no training, fp32). */
CX_API cx_ws_options cx_ws_default_options(void);

/* 1 when this CPU runs bf16 GEMMs natively (AMX-BF16 or AVX512-BF16): what
 * cx_ws_options.bf16 needs. bf16 rounds each GEMM's operands to 8 bits of
 * mantissa and accumulates in fp32, as PyTorch's autocast does. */
CX_API int cx_bf16_supported(void);

/* Sizes every buffer once for the largest batch. The workspace borrows m,
 * which must outlive it. */
CX_API int cx_ws_open(const cx_model *m, const cx_ws_options *opt, cx_model_ws **out, cx_error *err);
CX_API void cx_ws_free(cx_model_ws *ws);
/* Tells a workspace that the model's weights changed (an optimizer step, a
 * load): a bf16 workspace keeps bf16 copies of the weights until then. */
CX_API void cx_ws_weights_changed(cx_model_ws *ws);

/* A batch, packed: sequence b is ids[off_b .. off_b + lengths[b]) with
 * off_b = sum of earlier lengths; each sequence starts with [CLS]. */
typedef struct cx_model_batch {
    int n_seqs;
    const int *lengths;    /* (B), each 1..max_len */
    const int32_t *ids;    /* (sum of lengths) */
    const uint64_t *sample_keys; /* (B) or NULL. Set: each sample's dropout masks come from a stream of its
                                    own keyed by (dropout seed, key), so a batch split across data-parallel
                                    ranks (keys = places in the global batch) trains as the whole batch
                                    would. NULL: one stream for the batch (a single process) */
} cx_model_batch;

/* Targets of a batch (all borrowed). */
typedef struct cx_model_targets {
    const float *score;    /* (B) in [0,1] */
    const int *tier;       /* (B) 0..4 */
    const float *domains;  /* (B,5) 0/1 */
    const int *intent;     /* (B) 0..7 */
    const float *loss_weights; /* (4) of score, tier, domains, intent; NULL = the seed's
                                  0.4, 0.3, 0.15, 0.15 */
} cx_model_targets;

/* The seed's loss weights (SPEC §5): score MSE, tier CE, domain BCE, intent CE. */
CX_API extern const float cx_seed_loss_weights[CX_N_LOSSES];

typedef struct cx_model_loss {
    double total;          /* weighted sum: the targets' loss_weights (seed: 0.4 mse + 0.3 tier
                              + 0.15 domains + 0.15 intent) */
    double score_mse, tier_ce, domain_bce, intent_ce;
} cx_model_loss;

/* Outputs of the last forward, owned by the workspace, valid until its next call. */
typedef struct cx_model_outputs {
    const float *score;          /* (B) after sigmoid */
    const float *tier_logits;    /* (B,5) */
    const float *domain_logits;  /* (B,5) */
    const float *intent_logits;  /* (B,8) */
} cx_model_outputs;

/* Embeddings and layers 0..freeze-1 without dropout: writes the input of the
 * first trainable layer, hidden (sum of lengths, dim), caller-owned. Training
 * can cache it per text and pass it to cx_model_forward. */
CX_API int cx_model_encode_frozen(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b,
                                  float *hidden, cx_error *err);

/* Forward pass. hidden: the frozen part's output for this batch (input of
 * layer `freeze` of the workspace, as cx_model_encode_frozen writes it), or
 * NULL to compute it from b->ids. train: dropout on (trainable part of a
 * training workspace only), masks drawn from dropout_seed. targets/loss: NULL
 * for inference. With freeze 0 and hidden given, the embeddings get no
 * gradient (they did not run). */
CX_API int cx_model_forward(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b,
                            const float *hidden, int train, uint64_t dropout_seed,
                            const cx_model_targets *targets, cx_model_loss *loss,
                            cx_model_outputs *out, cx_error *err);

/* Backward pass of the last forward (which had targets, in a training
 * workspace; its batch must be unchanged, since freeze 0 reads the ids): ADDS d(loss.total)/d(weights) into grads, a flat array of
 * n_params - trainable_offset(freeze) floats laid out as the weights' tail. */
CX_API int cx_model_backward(const cx_model *m, cx_model_ws *ws, float *grads, cx_error *err);

/* After cx_model_backward: d(loss)/d(hidden), the input of the first
 * trainable layer, (sum of lengths, dim); owned by the workspace. */
CX_API const float *cx_ws_dhidden(const cx_model_ws *ws);

/* Threads for the element-wise kernels (OpenMP) and the GEMMs (OpenBLAS),
 * set to the same count so the two pools do not fight over cores. */
CX_API void cx_model_set_threads(int n);

#ifdef __cplusplus
}
#endif
#endif
