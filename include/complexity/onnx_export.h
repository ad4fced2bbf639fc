/* ONNX export of a model (SPEC §6): the deploy artifact ONNX Runtime loads.
 *
 * The graph: inputs input_ids, attention_mask (int64 [batch, seq], both axes
 * dynamic); outputs score (float [batch], after sigmoid), tier_logits
 * [batch,5], domain_logits [batch,5], intent_logits [batch,8]. ONNX IR 8,
 * opset 17 (LayerNormalization), standard ops only. INT8 follows ONNX
 * Runtime's quantize_dynamic(weight_type=QInt8): each MatMul with a constant
 * weight becomes DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul
 * (scales), the bias Add stays float; the word-embedding table is int8, read
 * through Gather -> DequantizeLinear; weights per-tensor symmetric.
 *
 * Initializer names (loaders may rely on them): SPEC §3 names; a Linear weight
 * is stored transposed ([in, out]) as "<name>.T" (fp32) or "<name>.T_quantized"
 * (int8) with "<name>.T_scale" and "<name>.T_zero_point"; the int8 word table
 * is "<name>_quantized" with "_scale" and "_zero_point"; biases, LayerNorms
 * and position embeddings keep their names, fp32. */
#ifndef COMPLEXITY_ONNX_EXPORT_H
#define COMPLEXITY_ONNX_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"
#include "complexity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CX_ONNX_IR_VERSION = 8, CX_ONNX_OPSET = 17 };

/* Writes m as an ONNX file at path, atomically (temp file + rename).
 * int8: 0 fp32, 1 dynamic INT8 as described above. */
CX_API int cx_onnx_export(const cx_model *m, const char *path, int int8, cx_error *err);

/* What cx_onnx_check found in a file. */
typedef struct cx_onnx_summary {
    int64_t ir_version;
    int64_t opset;            /* of the default domain */
    size_t file_bytes;
    size_t n_nodes;
    size_t n_initializers;
    size_t n_weights;         /* elements in all initializers */
    size_t n_int8_weights;    /* of those, int8 */
    int int8;                 /* 1: has MatMulInteger (dynamic INT8) */
    int n_layers;             /* LayerNormalization count / 2 (embeddings one excluded) */
} cx_onnx_summary;

/* Re-reads an ONNX file and checks it structurally: IR/opset in range, the
 * four outputs and two inputs with their names, types and ranks, only
 * operators from our list, every node input defined before use, every
 * initializer's data the size its dims say, no duplicate names. Errors name
 * the file and the node or tensor at fault. out may be NULL. */
CX_API int cx_onnx_check(const char *path, cx_onnx_summary *out, cx_error *err);

/* Outputs of one run, caller-owned arrays: score (batch), tier_logits
 * (batch, 5), domain_logits (batch, 5), intent_logits (batch, 8). */
typedef struct cx_onnx_result {
    float *score, *tier_logits, *domain_logits, *intent_logits;
} cx_onnx_result;

/* Runs an exported file with our reference interpreter (naive loops: for
 * checking files, not for serving): ids and mask are (batch, seq) row-major
 * int64, padded rows have mask 0. The file is checked (cx_onnx_check) first. */
CX_API int cx_onnx_run(const char *path, const int64_t *ids, const int64_t *mask, int batch, int seq, cx_onnx_result *r,
                       cx_error *err);

/* Runs path on a fixed two-sequence batch (one of them padded) and m on the
 * same sequences unpadded; *max_diff = largest |difference| over all outputs. */
CX_API int cx_onnx_verify(const cx_model *m, const char *path, double *max_diff, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
