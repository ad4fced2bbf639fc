/* The INT8 inference engine: the model of model.h with its encoder weights
 * quantized to int8, for classifying prompts fast on a CPU.
 *
 * Quantization (docs/RUNTIME.md): every encoder Linear weight and the word
 * embedding table are int8, symmetric, one scale per tensor (as ONNX Runtime's
 * QInt8); activations entering a Linear are quantized on the fly to uint8, one
 * scale and zero point per row (token); the int8 GEMM is exact in int32. Position
 * embeddings, LayerNorms, biases, attention and the classifier heads stay fp32.
 *
 * A cx_engine holds the weights and is never changed after loading: share it
 * between threads, each with its own cx_engine_ctx (activations, scratch). */
#ifndef COMPLEXITY_ENGINE_H
#define COMPLEXITY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"
#include "complexity/labels.h"
#include "complexity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_engine cx_engine;

/* Quantizes a fp32 model (which may be freed afterwards). */
CX_API int cx_engine_from_model(const cx_model *m, cx_engine **out, cx_error *err);
/* Loads an INT8 file written by cx_engine_save (safetensors, I8 + F32 tensors,
 * metadata "complexity.format" = "int8-v1"). The word embeddings are read in
 * place from the file's read-only mapping (only the rows used are paged in);
 * the other matrices are repacked for the GEMM kernels. */
CX_API int cx_engine_load(const char *path, cx_engine **out, cx_error *err);
/* Also loads an ONNX file from `complexity export-onnx` (path ending in
 * ".onnx"): INT8 (its int8 weights and word table used as they are) or fp32
 * (quantized here); the int8 word table is read in place from the mapping. */
/* Whether path is a file cx_engine_load reads: an INT8 safetensors file, or
 * any path ending in ".onnx" (judged by name; loading checks the contents). */
CX_API int cx_engine_file_is_int8(const char *path);
/* Writes the quantized weights, atomically. */
CX_API int cx_engine_save(const cx_engine *e, const char *path, cx_error *err);
CX_API void cx_engine_free(cx_engine *e);
CX_API const cx_model_config *cx_engine_config(const cx_engine *e);

typedef struct cx_engine_ctx cx_engine_ctx;

typedef struct cx_engine_options {
    int max_len;          /* longest sequence (<= max_positions); 0: 512 capped by the model */
    int threads;          /* threads for the GEMMs; 0 or 1: one (the fastest on a busy machine) */
    const char *kernel;   /* "portable", "avx2", "avx512vnni", "amx"; NULL: the best this CPU runs */
    size_t max_tokens;    /* tokens of one cx_engine_forward_batch call; 0 (or < max_len): max_len */
} cx_engine_options;

/* All defaults (every field 0 / NULL). */
CX_API cx_engine_options cx_engine_default_options(void);

/* Per-thread state. Borrows e, which must outlive it. Fails when the named
 * kernel is unknown or this CPU lacks it. */
CX_API int cx_engine_ctx_open(const cx_engine *e, const cx_engine_options *opt, cx_engine_ctx **out,
                              cx_error *err);
CX_API void cx_engine_ctx_free(cx_engine_ctx *c);
/* Name of the GEMM kernel the context runs (static string). */
CX_API const char *cx_engine_ctx_kernel(const cx_engine_ctx *c);

typedef struct cx_engine_output {
    float score;          /* after sigmoid */
    float tier_logits[CX_N_TIERS];
    float domain_logits[CX_N_DOMAINS];
    float intent_logits[CX_N_INTENTS];
} cx_engine_output;

/* Runs one sequence of n token ids (1 <= n <= max_len, [CLS] first) at its
 * true length. Only the [CLS] row goes through the last layer's queries,
 * attention output and FFN (the heads read nothing else). */
CX_API int cx_engine_forward(cx_engine_ctx *c, const int32_t *ids, int n, cx_engine_output *out,
                             cx_error *err);
/* Several sequences at once, laid end to end in ids (sequence b has
 * lengths[b] ids), at most max_tokens in all: every weight matrix is read
 * once for the whole batch. out[b] is bit for bit what cx_engine_forward
 * gives for sequence b alone. */
CX_API int cx_engine_forward_batch(cx_engine_ctx *c, const int32_t *ids, const int *lengths, int n_seqs,
                                   cx_engine_output *out, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
