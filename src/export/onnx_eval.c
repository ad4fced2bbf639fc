/* The reference ONNX interpreter: initializers borrowed from the decoded
 * model, nodes run in file order (cx_onnx_check has verified the order),
 * every value kept until the end (the graphs are small at check time). */
#include "export/onnx_eval.h"

#include <stdlib.h>
#include <string.h>

#include "export/onnx_ops.h"
#include "complexity/common.h"
#include "util/strset.h"

void et_release(et *t) {
    if (t && t->owned) free(t->data);
    if (t) memset(t, 0, sizeof *t);
}

typedef struct evaluator {
    strset names;   /* value name -> index in vals */
    et *vals;
    size_t n, cap;
    cx_error *err;
} evaluator;

/* The slot of a name, created empty when new; NULL when out of memory. */
static et *slot(evaluator *e, const char *name) {
    int added = 0;
    strset_entry *s = strset_add(&e->names, name, strlen(name), (int)e->n, &added);
    if (!s) return NULL;
    if (!added) return &e->vals[s->value];
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        et *v = realloc(e->vals, cap * sizeof *v);
        if (!v) return NULL;
        e->vals = v;
        e->cap = cap;
    }
    memset(&e->vals[e->n], 0, sizeof *e->vals);
    return &e->vals[e->n++];
}

static int type_of(int32_t onnx, et_type *t) {
    switch (onnx) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *t = ET_F32; return 0;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: *t = ET_I64; return 0;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *t = ET_I32; return 0;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: *t = ET_I8; return 0;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: *t = ET_U8; return 0;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: *t = ET_BOOL; return 0;
    default: return -1;
    }
}

/* An initializer as a borrowed tensor (raw_data, or float_data/int64_data). */
static int load_initializer(evaluator *e, const Onnx__TensorProto *t) {
    et *v = slot(e, t->name ? t->name : "");
    if (!v) return cx_error_set(e->err, CX_ERR_NOMEM, "out of memory");
    if (type_of(t->data_type, &v->type) || t->n_dims > ET_MAXD)
        return cx_error_set(e->err, CX_ERR_UNSUPPORTED, "initializer %s: type %d or rank %zu not supported", t->name,
                            t->data_type, t->n_dims);
    v->ndim = (int)t->n_dims;
    v->n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || __builtin_mul_overflow(v->n, (size_t)t->dims[i], &v->n))
            return cx_error_set(e->err, CX_ERR_FORMAT, "initializer %s: bad dimension", t->name);
        v->dims[i] = t->dims[i];
    }
    size_t es = et_elem_size(v->type);
    if (t->has_raw_data && t->raw_data.len == v->n * es) v->data = t->raw_data.data;
    else if (v->type == ET_F32 && t->n_float_data == v->n) v->data = t->float_data;
    else if (v->type == ET_I64 && t->n_int64_data == v->n) v->data = t->int64_data;
    else return cx_error_set(e->err, CX_ERR_FORMAT, "initializer %s: data does not match its dims", t->name);
    v->set = 1;
    return CX_OK;
}

static int run_node(evaluator *e, const Onnx__NodeProto *n) {
    enum { MAX_IO = 8 };
    onnx_op_fn fn = onnx_op_find(n->op_type ? n->op_type : "");
    if (!fn)
        return cx_error_set(e->err, CX_ERR_UNSUPPORTED, "node %s: operator %s is not supported", n->name, n->op_type);
    if (n->n_input > MAX_IO || n->n_output > MAX_IO || n->n_output == 0)
        return cx_error_set(e->err, CX_ERR_UNSUPPORTED, "node %s: too many inputs or outputs", n->name);
    const et *in[MAX_IO];
    for (size_t i = 0; i < n->n_input; i++) {
        in[i] = NULL;
        if (!n->input[i] || !*n->input[i]) continue;
        strset_entry *s = strset_find(&e->names, n->input[i], strlen(n->input[i]));
        if (!s || !e->vals[s->value].set)
            return cx_error_set(e->err, CX_ERR_FORMAT, "node %s: input %s has no value", n->name, n->input[i]);
        in[i] = &e->vals[s->value];
    }
    et out[MAX_IO];
    memset(out, 0, sizeof out);
    int rc = fn(n, in, (int)n->n_input, out, e->err);
    for (size_t k = 0; k < n->n_output; k++) {
        et *v = rc == CX_OK ? slot(e, n->output[k]) : NULL;
        if (rc == CX_OK && !v) rc = cx_error_set(e->err, CX_ERR_NOMEM, "out of memory");
        if (rc == CX_OK && v) {
            et_release(v); /* (vals may have moved: v is fresh) */
            *v = out[k];
        } else {
            et_release(&out[k]);
        }
    }
    return rc;
}

int onnx_eval(const Onnx__GraphProto *g, const char *const *in_names, const et *inputs, int n_inputs,
              et *outputs, int n_outputs, cx_error *err) {
    evaluator e = {{0}, NULL, 0, 0, err};
    strset_init(&e.names);
    int rc = CX_OK;
    for (size_t i = 0; rc == CX_OK && i < g->n_initializer; i++) rc = load_initializer(&e, g->initializer[i]);
    for (int i = 0; rc == CX_OK && i < n_inputs; i++) {
        et *v = slot(&e, in_names[i]);
        if (!v) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else *v = inputs[i], v->owned = 0, v->set = 1;
    }
    for (size_t i = 0; rc == CX_OK && i < g->n_node; i++) rc = run_node(&e, g->node[i]);
    for (int i = 0; i < n_outputs; i++) memset(&outputs[i], 0, sizeof *outputs);
    for (int i = 0; rc == CX_OK && i < n_outputs && (size_t)i < g->n_output; i++) {
        strset_entry *s = strset_find(&e.names, g->output[i]->name, strlen(g->output[i]->name));
        if (!s || !e.vals[s->value].set) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "output %s was not computed", g->output[i]->name);
            break;
        }
        outputs[i] = e.vals[s->value]; /* hand over ownership */
        e.vals[s->value].owned = 0;
    }
    if (rc)
        for (int i = 0; i < n_outputs; i++) et_release(&outputs[i]);
    for (size_t i = 0; i < e.n; i++) et_release(&e.vals[i]);
    free(e.vals);
    strset_free(&e.names);
    return rc;
}
