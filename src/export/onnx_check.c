/* cx_onnx_check: re-reads an ONNX file (protobuf-c's bounded decoder over a
 * read-only mapping) and checks that it is a classifier graph of ours in
 * shape: versions, the I/O contract, known operators, definitions before
 * uses, initializer sizes. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/labels.h"
#include "complexity/onnx_export.h"
#include "onnx/onnx.pb-c.h"
#include "complexity/common.h"
#include "util/strset.h"

/* The operators our exporter writes (and an evaluator must know). */
static const char *const known_ops[] = {
    "Add", "Cast", "DequantizeLinear", "Div", "DynamicQuantizeLinear", "Equal", "Erf", "Gather",
    "Identity", "LayerNormalization", "MatMul", "MatMulInteger", "Mul", "Relu", "Reshape", "Shape",
    "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Transpose", "Unsqueeze", "Where"};

static int known_op(const char *op) {
    for (size_t i = 0; i < sizeof known_ops / sizeof *known_ops; i++)
        if (strcmp(op, known_ops[i]) == 0) return 1;
    return 0;
}

static size_t elem_size(int32_t t) {
    switch (t) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return 4;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return 1;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return 8;
    default: return 0;
    }
}

typedef struct checker {
    const char *path;
    cx_error *err;
    strset defined;
} checker;

/* Checks one graph input/output against the contract. */
static int check_value(checker *c, const Onnx__ValueInfoProto *v, const char *want, int32_t type, int rank,
                       int64_t last_dim, const char *what) {
    if (!v->name || strcmp(v->name, want) != 0)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %s should be named %s, not %s", c->path, what, want,
                            v->name ? v->name : "(none)");
    const Onnx__TypeProto *tp = v->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        tp->tensor_type->elem_type != type || !tp->tensor_type->shape ||
        tp->tensor_type->shape->n_dim != (size_t)rank)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %s %s: not a rank-%d tensor of ONNX type %d", c->path,
                            what, want, rank, type);
    const Onnx__TensorShapeProto__Dimension *d = tp->tensor_type->shape->dim[rank - 1];
    if (last_dim > 0 && (d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
                         d->dim_value != last_dim))
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %s %s: last dimension should be %lld", c->path, what,
                            want, (long long)last_dim);
    return CX_OK;
}

static int check_io(checker *c, const Onnx__GraphProto *g) {
    if (g->n_input != 2 || g->n_output != 4)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %zu inputs and %zu outputs; expected 2 and 4", c->path,
                            g->n_input, g->n_output);
    const int32_t F = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, L = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    int rc = check_value(c, g->input[0], "input_ids", L, 2, 0, "input 0");
    if (!rc) rc = check_value(c, g->input[1], "attention_mask", L, 2, 0, "input 1");
    if (!rc) rc = check_value(c, g->output[0], "score", F, 1, 0, "output 0");
    if (!rc) rc = check_value(c, g->output[1], "tier_logits", F, 2, CX_N_TIERS, "output 1");
    if (!rc) rc = check_value(c, g->output[2], "domain_logits", F, 2, CX_N_DOMAINS, "output 2");
    if (!rc) rc = check_value(c, g->output[3], "intent_logits", F, 2, CX_N_INTENTS, "output 3");
    return rc;
}

static int define(checker *c, const char *name, const char *what) {
    int added = 0;
    if (!name || !*name) return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %s without a name", c->path, what);
    if (!strset_add(&c->defined, name, strlen(name), 0, &added))
        return cx_error_set(c->err, CX_ERR_NOMEM, "out of memory");
    if (!added) return cx_error_set(c->err, CX_ERR_FORMAT, "%s: %s %s is defined twice", c->path, what, name);
    return CX_OK;
}

static int check_initializer(checker *c, const Onnx__TensorProto *t, cx_onnx_summary *s) {
    const char *name = t->name ? t->name : "(unnamed)";
    size_t es = elem_size(t->data_type), n = 1;
    if (!es) return cx_error_set(c->err, CX_ERR_FORMAT, "%s: initializer %s: unsupported data type %d", c->path,
                                 name, t->data_type);
    for (size_t i = 0; i < t->n_dims; i++)
        if (t->dims[i] < 0 || __builtin_mul_overflow(n, (size_t)t->dims[i], &n))
            return cx_error_set(c->err, CX_ERR_FORMAT, "%s: initializer %s: bad dimension %zu", c->path, name, i);
    size_t have = t->has_raw_data ? t->raw_data.len / es : t->n_float_data + t->n_int32_data + t->n_int64_data;
    if ((t->has_raw_data && t->raw_data.len % es) || have != n)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: initializer %s: %zu elements of data for dims holding %zu",
                            c->path, name, have, n);
    s->n_weights += n;
    if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8) s->n_int8_weights += n;
    return define(c, t->name, "initializer");
}

static int check_node(checker *c, const Onnx__NodeProto *nd, size_t i, cx_onnx_summary *s) {
    const char *op = nd->op_type ? nd->op_type : "";
    if ((nd->domain && *nd->domain) || !known_op(op))
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: node %zu (%s): operator %s%s%s is not one we write",
                            c->path, i, nd->name ? nd->name : "", nd->domain ? nd->domain : "",
                            nd->domain && *nd->domain ? "." : "", op);
    for (size_t k = 0; k < nd->n_input; k++) {
        const char *in = nd->input[k];
        if (in && *in && !strset_find(&c->defined, in, strlen(in)))
            return cx_error_set(c->err, CX_ERR_FORMAT, "%s: node %zu (%s %s): input %s is not defined before it",
                                c->path, i, op, nd->name ? nd->name : "", in);
    }
    for (size_t k = 0; k < nd->n_output; k++) {
        int rc = define(c, nd->output[k], "node output");
        if (rc) return rc;
    }
    if (strcmp(op, "MatMulInteger") == 0) s->int8 = 1;
    if (strcmp(op, "LayerNormalization") == 0) s->n_layers++;
    return CX_OK;
}

static int check_model(checker *c, const Onnx__ModelProto *m, cx_onnx_summary *s) {
    s->ir_version = m->ir_version;
    if (m->ir_version < 7 || m->ir_version > CX_ONNX_IR_VERSION)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: IR version %lld; expected 7..%d", c->path,
                            (long long)m->ir_version, CX_ONNX_IR_VERSION);
    for (size_t i = 0; i < m->n_opset_import; i++)
        if (!m->opset_import[i]->domain || !*m->opset_import[i]->domain) s->opset = m->opset_import[i]->version;
    if (s->opset < 14 || s->opset > CX_ONNX_OPSET)
        return cx_error_set(c->err, CX_ERR_FORMAT, "%s: opset %lld; expected 14..%d", c->path, (long long)s->opset,
                            CX_ONNX_OPSET);
    const Onnx__GraphProto *g = m->graph;
    if (!g) return cx_error_set(c->err, CX_ERR_FORMAT, "%s: no graph", c->path);
    int rc = check_io(c, g);
    for (size_t i = 0; !rc && i < g->n_input; i++) rc = define(c, g->input[i]->name, "graph input");
    for (size_t i = 0; !rc && i < g->n_initializer; i++) rc = check_initializer(c, g->initializer[i], s);
    for (size_t i = 0; !rc && i < g->n_node; i++) rc = check_node(c, g->node[i], i, s);
    for (size_t i = 0; !rc && i < g->n_output; i++)
        if (!strset_find(&c->defined, g->output[i]->name, strlen(g->output[i]->name)))
            rc = cx_error_set(c->err, CX_ERR_FORMAT, "%s: output %s is never computed", c->path, g->output[i]->name);
    s->n_nodes = g->n_node;
    s->n_initializers = g->n_initializer;
    s->n_layers = s->n_layers > 0 ? (s->n_layers - 1) / 2 : 0;
    return rc;
}

int cx_onnx_check(const char *path, cx_onnx_summary *out, cx_error *err) {
    cx_onnx_summary s;
    memset(&s, 0, sizeof s);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return cx_error_set(err, CX_ERR_IO, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: not a regular, non-empty file", path);
    }
    s.file_bytes = (size_t)st.st_size;
    void *map = mmap(NULL, s.file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return cx_error_set(err, CX_ERR_IO, "%s: cannot map", path);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, s.file_bytes, map);
    munmap(map, s.file_bytes); /* the decoded message holds copies */
    int rc;
    if (!m) {
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: not an ONNX model (protobuf decoding failed: truncated or not ONNX)",
                          path);
    } else {
        checker c = {path, err, {0}};
        strset_init(&c.defined);
        rc = check_model(&c, m, &s);
        strset_free(&c.defined);
        onnx__model_proto__free_unpacked(m, NULL);
    }
    if (rc == CX_OK && out) *out = s;
    return rc;
}
