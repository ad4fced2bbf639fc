/* A small reference interpreter for the ONNX graphs we export (naive loops,
 * double accumulators): it checks an exported file by running it, without
 * ONNX Runtime. Knows exactly the operators onnx_check.c accepts. */
#ifndef CX_EXPORT_ONNX_EVAL_H
#define CX_EXPORT_ONNX_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"
#include "onnx/onnx.pb-c.h"

enum { ET_MAXD = 6 };

typedef enum et_type { ET_F32, ET_I64, ET_I32, ET_I8, ET_U8, ET_BOOL } et_type;

/* A tensor of the interpreter: row-major data, borrowed or owned. */
typedef struct et {
    et_type type;
    int ndim;
    int64_t dims[ET_MAXD];
    size_t n;      /* elements */
    void *data;
    int owned;
    int set;       /* has a value */
} et;

/* Runs graph g on the named inputs; outputs[i] receives graph output i
 * (caller frees each with et_release). */
int onnx_eval(const Onnx__GraphProto *g, const char *const *in_names, const et *inputs, int n_inputs,
              et *outputs, int n_outputs, cx_error *err);
void et_release(et *t);

#endif
