/* Kernels of the reference ONNX interpreter (onnx_eval.c), one per operator.
 * Each reads its inputs (NULL for an absent optional one) and fills the
 * node's outputs with owned tensors; errors name the node. */
#ifndef CX_EXPORT_ONNX_OPS_H
#define CX_EXPORT_ONNX_OPS_H

#include "export/onnx_eval.h"

typedef int (*onnx_op_fn)(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err);

/* The kernel of op_type, or NULL when the interpreter does not know it. */
onnx_op_fn onnx_op_find(const char *op_type);

/* Allocates t's data for type and dims (zeroed). */
int et_alloc(et *t, et_type type, int ndim, const int64_t *dims, cx_error *err);
size_t et_elem_size(et_type t);

#endif
