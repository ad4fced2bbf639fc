/* A small builder of ONNX graphs over the protobuf-c types: nodes,
 * initializers, typed inputs/outputs. Everything lives in one arena, freed
 * with the builder. Calls after an allocation failure do nothing and return
 * a placeholder; og_failed says so at the end (one check, not one per call). */
#ifndef CX_EXPORT_ONNX_GRAPH_H
#define CX_EXPORT_ONNX_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"
#include "util/arena.h"

typedef struct og_graph {
    arena a;
    Onnx__NodeProto **nodes;
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;
    size_t n_inits, cap_inits;
    Onnx__ValueInfoProto **inputs, **outputs;
    size_t n_inputs, n_outputs;
    int counter;   /* for unique value names */
    int failed;    /* an allocation failed */
} og_graph;

void og_init(og_graph *g);
void og_free(og_graph *g);
int og_failed(const og_graph *g);

/* A node with n_in inputs ("" = absent optional input) and n_out outputs;
 * outputs get fresh names "<tag>_<k>" unless out_name is given (one output).
 * Returns the node (or NULL after a failure); og_out gives output names. */
Onnx__NodeProto *og_node(og_graph *g, const char *op, const char *tag, const char *const *in, int n_in,
                         int n_out, const char *out_name);
const char *og_out(const Onnx__NodeProto *n, int i);
/* One-output shorthands: og_op(g, "Add", "x", a, b) (b NULL for unary). */
const char *og_op(og_graph *g, const char *op, const char *tag, const char *a, const char *b);
const char *og_op_named(og_graph *g, const char *op, const char *out, const char *a, const char *b);
const char *og_op3(og_graph *g, const char *op, const char *tag, const char *a, const char *b,
                   const char *c);

/* Attributes on the last node made by og_op*, or on n. */
void og_attr_int(og_graph *g, Onnx__NodeProto *n, const char *name, int64_t v);
void og_attr_float(og_graph *g, Onnx__NodeProto *n, const char *name, float v);
void og_attr_ints(og_graph *g, Onnx__NodeProto *n, const char *name, const int64_t *v, size_t k);
Onnx__NodeProto *og_last(const og_graph *g);

/* An initializer; data (bytes of raw little-endian data) is borrowed and
 * must outlive the packing. Returns its name. */
const char *og_tensor(og_graph *g, const char *name, int32_t dtype, const int64_t *dims, int ndim,
                      const void *data, size_t bytes);
/* Copies data into the arena first (small constants). */
const char *og_tensor_copy(og_graph *g, const char *name, int32_t dtype, const int64_t *dims, int ndim,
                           const void *data, size_t bytes);
/* Scalars and 1-D int64 constants (copied). */
const char *og_const_f32(og_graph *g, const char *name, float v);
const char *og_const_i64(og_graph *g, const char *name, const int64_t *v, size_t n, int scalar);
/* Arena memory for data passed to og_tensor (zeroed; NULL on failure). */
void *og_alloc(og_graph *g, size_t bytes);

/* Graph inputs/outputs: dims are fixed sizes, or symbolic when dim_params[i] is non-NULL. */
void og_value(og_graph *g, int output, const char *name, int32_t dtype, int ndim, const int64_t *dims,
              const char *const *dim_params);

/* Fills a ModelProto that borrows g's contents (valid while g lives). */
void og_model(og_graph *g, Onnx__ModelProto *m, Onnx__GraphProto *graph, Onnx__OperatorSetIdProto *opset,
              Onnx__OperatorSetIdProto **opsets, const char *graph_name);

#endif
