/* The ONNX graph builder (see onnx_graph.h). */
#include "export/onnx_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/onnx_export.h"

void og_init(og_graph *g) {
    memset(g, 0, sizeof *g);
    g->a = (arena)ARENA_INIT;
}

void og_free(og_graph *g) {
    free(g->nodes);
    free(g->inits);
    arena_free(&g->a);
    memset(g, 0, sizeof *g);
}

int og_failed(const og_graph *g) { return g->failed; }

void *og_alloc(og_graph *g, size_t bytes) {
    if (g->failed) return NULL;
    void *p = arena_alloc(&g->a, bytes ? bytes : 1);
    if (!p) g->failed = 1;
    return p;
}

static char *dup_str(og_graph *g, const char *s) {
    if (g->failed) return NULL;
    char *p = arena_strndup(&g->a, s, strlen(s));
    if (!p) g->failed = 1;
    return p;
}

/* Appends p to a growable pointer array. */
static int push(og_graph *g, void ***arr, size_t *n, size_t *cap, void *p) {
    if (g->failed || !p) return g->failed = 1, -1;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        void **v = realloc(*arr, c * sizeof *v);
        if (!v) return g->failed = 1, -1;
        *arr = v;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

Onnx__NodeProto *og_node(og_graph *g, const char *op, const char *tag, const char *const *in, int n_in,
                         int n_out, const char *out_name) {
    Onnx__NodeProto *n = og_alloc(g, sizeof *n);
    char **ins = og_alloc(g, (size_t)n_in * sizeof *ins);
    char **outs = og_alloc(g, (size_t)n_out * sizeof *outs);
    if (!n || !ins || !outs) return NULL;
    onnx__node_proto__init(n);
    for (int i = 0; i < n_in; i++) ins[i] = dup_str(g, in[i] ? in[i] : "");
    int k = g->counter++;
    for (int i = 0; i < n_out; i++) {
        char buf[160];
        if (out_name && n_out == 1) snprintf(buf, sizeof buf, "%s", out_name);
        else if (n_out == 1) snprintf(buf, sizeof buf, "%s_%d", tag, k);
        else snprintf(buf, sizeof buf, "%s_%d_o%d", tag, k, i);
        outs[i] = dup_str(g, buf);
    }
    char name[160];
    snprintf(name, sizeof name, "%s_%d_node", tag, k);
    n->name = dup_str(g, name);
    n->op_type = dup_str(g, op);
    n->n_input = (size_t)n_in;
    n->input = ins;
    n->n_output = (size_t)n_out;
    n->output = outs;
    if (push(g, (void ***)&g->nodes, &g->n_nodes, &g->cap_nodes, n)) return NULL;
    return g->failed ? NULL : n;
}

const char *og_out(const Onnx__NodeProto *n, int i) {
    return n && (size_t)i < n->n_output ? n->output[i] : "";
}

Onnx__NodeProto *og_last(const og_graph *g) { return g->n_nodes ? g->nodes[g->n_nodes - 1] : NULL; }

const char *og_op3(og_graph *g, const char *op, const char *tag, const char *a, const char *b, const char *c) {
    const char *in[3] = {a, b, c};
    int n_in = c ? 3 : b ? 2 : 1;
    return og_out(og_node(g, op, tag, in, n_in, 1, NULL), 0);
}

const char *og_op(og_graph *g, const char *op, const char *tag, const char *a, const char *b) {
    return og_op3(g, op, tag, a, b, NULL);
}

const char *og_op_named(og_graph *g, const char *op, const char *out, const char *a, const char *b) {
    const char *in[2] = {a, b};
    return og_out(og_node(g, op, out, in, b ? 2 : 1, 1, out), 0);
}

static Onnx__AttributeProto *new_attr(og_graph *g, Onnx__NodeProto *n, const char *name) {
    if (!n || g->failed) return NULL;
    Onnx__AttributeProto *a = og_alloc(g, sizeof *a);
    Onnx__AttributeProto **v = og_alloc(g, (n->n_attribute + 1) * sizeof *v);
    if (!a || !v) return NULL;
    onnx__attribute_proto__init(a);
    a->name = dup_str(g, name);
    a->has_type = 1;
    if (n->n_attribute) memcpy(v, n->attribute, n->n_attribute * sizeof *v);
    v[n->n_attribute++] = a;
    n->attribute = v;
    return a;
}

void og_attr_int(og_graph *g, Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = new_attr(g, n, name);
    if (!a) return;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = v;
}

void og_attr_float(og_graph *g, Onnx__NodeProto *n, const char *name, float v) {
    Onnx__AttributeProto *a = new_attr(g, n, name);
    if (!a) return;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->has_f = 1;
    a->f = v;
}

void og_attr_ints(og_graph *g, Onnx__NodeProto *n, const char *name, const int64_t *v, size_t k) {
    Onnx__AttributeProto *a = new_attr(g, n, name);
    int64_t *copy = og_alloc(g, k * sizeof *copy);
    if (!a || !copy) return;
    memcpy(copy, v, k * sizeof *copy);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->n_ints = k;
    a->ints = copy;
}

const char *og_tensor(og_graph *g, const char *name, int32_t dtype, const int64_t *dims, int ndim,
                      const void *data, size_t bytes) {
    Onnx__TensorProto *t = og_alloc(g, sizeof *t);
    int64_t *d = og_alloc(g, (size_t)ndim * sizeof *d);
    if (!t || !d) return "";
    onnx__tensor_proto__init(t);
    if (ndim) memcpy(d, dims, (size_t)ndim * sizeof *d);
    t->n_dims = (size_t)ndim;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = dtype;
    t->name = dup_str(g, name);
    t->has_raw_data = 1;
    t->raw_data.len = bytes;
    t->raw_data.data = (uint8_t *)(uintptr_t)data; /* borrowed, only read by the packer */
    if (push(g, (void ***)&g->inits, &g->n_inits, &g->cap_inits, t)) return "";
    return t->name ? t->name : "";
}

const char *og_tensor_copy(og_graph *g, const char *name, int32_t dtype, const int64_t *dims, int ndim,
                           const void *data, size_t bytes) {
    /* shared constants (shapes, 1, 0.5, ...) are added once per name */
    for (size_t i = 0; i < g->n_inits; i++)
        if (strcmp(g->inits[i]->name, name) == 0) return g->inits[i]->name;
    void *copy = og_alloc(g, bytes);
    if (!copy) return "";
    memcpy(copy, data, bytes);
    return og_tensor(g, name, dtype, dims, ndim, copy, bytes);
}

const char *og_const_f32(og_graph *g, const char *name, float v) {
    return og_tensor_copy(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, NULL, 0, &v, sizeof v);
}

const char *og_const_i64(og_graph *g, const char *name, const int64_t *v, size_t n, int scalar) {
    int64_t dims[1] = {(int64_t)n};
    return og_tensor_copy(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims, scalar ? 0 : 1, v,
                          n * sizeof *v);
}

void og_value(og_graph *g, int output, const char *name, int32_t dtype, int ndim, const int64_t *dims,
              const char *const *dim_params) {
    Onnx__ValueInfoProto *v = og_alloc(g, sizeof *v);
    Onnx__TypeProto *tp = og_alloc(g, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = og_alloc(g, sizeof *tt);
    Onnx__TensorShapeProto *sh = og_alloc(g, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dv = og_alloc(g, (size_t)ndim * sizeof *dv);
    if (!v || !tp || !tt || !sh || !dv) return;
    for (int i = 0; i < ndim; i++) {
        Onnx__TensorShapeProto__Dimension *d = og_alloc(g, sizeof *d);
        if (!d) return;
        onnx__tensor_shape_proto__dimension__init(d);
        if (dim_params && dim_params[i]) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = dup_str(g, dim_params[i]);
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        }
        dv[i] = d;
    }
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)ndim;
    sh->dim = dv;
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = dtype;
    tt->shape = sh;
    onnx__type_proto__init(tp);
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    onnx__value_info_proto__init(v);
    v->name = dup_str(g, name);
    v->type = tp;
    Onnx__ValueInfoProto ***arr = output ? &g->outputs : &g->inputs;
    size_t *n = output ? &g->n_outputs : &g->n_inputs;
    Onnx__ValueInfoProto **grown = og_alloc(g, (*n + 1) * sizeof *grown);
    if (!grown) return;
    if (*n) memcpy(grown, *arr, *n * sizeof *grown);
    grown[(*n)++] = v;
    *arr = grown;
}

void og_model(og_graph *g, Onnx__ModelProto *m, Onnx__GraphProto *graph, Onnx__OperatorSetIdProto *opset,
              Onnx__OperatorSetIdProto **opsets, const char *graph_name) {
    onnx__graph_proto__init(graph);
    graph->name = (char *)(uintptr_t)graph_name;
    graph->n_node = g->n_nodes;
    graph->node = g->nodes;
    graph->n_initializer = g->n_inits;
    graph->initializer = g->inits;
    graph->n_input = g->n_inputs;
    graph->input = g->inputs;
    graph->n_output = g->n_outputs;
    graph->output = g->outputs;
    onnx__operator_set_id_proto__init(opset);
    opset->domain = (char *)"";
    opset->has_version = 1;
    opset->version = CX_ONNX_OPSET;
    opsets[0] = opset;
    onnx__model_proto__init(m);
    m->has_ir_version = 1;
    m->ir_version = CX_ONNX_IR_VERSION;
    m->n_opset_import = 1;
    m->opset_import = opsets;
    m->producer_name = (char *)"complexity";
    m->producer_version = (char *)"0.1";
    m->has_model_version = 1;
    m->model_version = 1;
    m->graph = graph;
}
