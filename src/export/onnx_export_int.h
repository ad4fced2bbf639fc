/* Internals of the ONNX export shared by its files. */
#ifndef CX_EXPORT_ONNX_EXPORT_INT_H
#define CX_EXPORT_ONNX_EXPORT_INT_H

#include "complexity/onnx_export.h"
#include "export/onnx_graph.h"

/* Adds the whole classifier graph (inputs, nodes, weights, outputs) to g. The
 * graph borrows m's weights: m must outlive g. */
int onnx_build_graph(og_graph *g, const cx_model *m, int int8, cx_error *err);

#endif
