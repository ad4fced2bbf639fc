/* The DistilBERT classifier as an ONNX graph (SPEC §3, §6), fp32 or dynamic
 * INT8, from a cx_model's weights. Reads like the forward pass in
 * src/model/run.c: embeddings, post-LN blocks, [CLS] pooling, four heads. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "complexity/labels.h"
#include "export/onnx_export_int.h"
#include "export/onnx_quant.h"
#include "model/params.h"
#include "complexity/common.h"

enum {
    F32 = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
    I8 = ONNX__TENSOR_PROTO__DATA_TYPE__INT8,
    I64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64
};

typedef struct xb {
    og_graph *g;
    const cx_model *m;
    const float *params;
    int int8;
    int rc;
    cx_error *err;
    const char *mask;     /* bool [B,1,1,T]: true where the key is padding */
    const char *neg;      /* float: the masked score */
} xb;

/* A weight by its SPEC §3 name; NULL (and b->rc set) when missing. */
static const float *tensor(xb *b, const char *name, int shape[2]) {
    for (int i = 0; i < cx_model_n_tensors(b->m); i++) {
        const char *n;
        size_t off;
        int nd;
        cx_model_tensor(b->m, i, &n, &off, &nd, shape);
        if (strcmp(n, name) == 0) {
            if (nd == 1) shape[1] = 0;
            return b->params + off;
        }
    }
    if (!b->rc) b->rc = cx_error_set(b->err, CX_ERR_INTERNAL, "model has no tensor %s", name);
    return NULL;
}

/* A float weight as it is (borrowed from the model, not copied). */
static const char *param(xb *b, const char *name) {
    int s[2];
    const float *v = tensor(b, name, s);
    if (!v) return "";
    int64_t dims[2] = {s[0], s[1]};
    size_t n = (size_t)s[0] * (s[1] ? (size_t)s[1] : 1);
    return og_tensor(b->g, name, F32, dims, s[1] ? 2 : 1, v, n * sizeof(float));
}

/* x @ W^T + bias for the Linear `prefix`; INT8: DynamicQuantizeLinear ->
 * MatMulInteger -> Cast -> Mul(x_scale * w_scale), then the float bias Add. */
static const char *linear(xb *b, const char *x, const char *prefix, const char *tag) {
    char wn[192], tn[208];
    int s[2];
    snprintf(wn, sizeof wn, "%s.weight", prefix);
    const float *w = tensor(b, wn, s);
    if (!w) return "";
    const int rows = s[0], cols = s[1];
    int64_t dims[2] = {cols, rows};
    size_t n = (size_t)rows * cols;
    const char *y;
    if (!b->int8) {
        float *wt = og_alloc(b->g, n * sizeof *wt);
        if (!wt) return "";
        transpose_f32(wt, w, rows, cols);
        snprintf(tn, sizeof tn, "%s.T", wn);
        y = og_op(b->g, "MatMul", tag, x, og_tensor(b->g, tn, F32, dims, 2, wt, n * sizeof *wt));
    } else {
        int8_t *qt = og_alloc(b->g, n);
        if (!qt) return "";
        float scale = quant_scale(w, n);
        quant_i8_transposed(qt, w, rows, cols, scale);
        int8_t zp = 0;
        snprintf(tn, sizeof tn, "%s.T_quantized", wn);
        const char *wq = og_tensor(b->g, tn, I8, dims, 2, qt, n);
        snprintf(tn, sizeof tn, "%s.T_scale", wn);
        const char *ws = og_const_f32(b->g, tn, scale);
        snprintf(tn, sizeof tn, "%s.T_zero_point", wn);
        const char *wz = og_tensor_copy(b->g, tn, I8, NULL, 0, &zp, 1);
        const char *in1[1] = {x};
        Onnx__NodeProto *dq = og_node(b->g, "DynamicQuantizeLinear", tag, in1, 1, 3, NULL);
        const char *in4[4] = {og_out(dq, 0), wq, og_out(dq, 2), wz};
        const char *mm = og_out(og_node(b->g, "MatMulInteger", tag, in4, 4, 1, NULL), 0);
        const char *cast = og_op(b->g, "Cast", tag, mm, NULL);
        og_attr_int(b->g, og_last(b->g), "to", F32);
        const char *sc = og_op(b->g, "Mul", tag, og_out(dq, 1), ws);
        y = og_op(b->g, "Mul", tag, cast, sc);
    }
    char bn[192];
    snprintf(bn, sizeof bn, "%s.bias", prefix);
    return og_op(b->g, "Add", tag, y, param(b, bn));
}

static const char *layernorm(xb *b, const char *x, const char *prefix, const char *tag) {
    char wn[192], bn[192];
    snprintf(wn, sizeof wn, "%s.weight", prefix);
    snprintf(bn, sizeof bn, "%s.bias", prefix);
    /* one graph call per statement: argument evaluation order is unspecified,
     * and the file's bytes must not depend on the compiler */
    const char *w = param(b, wn);
    const char *bias = param(b, bn);
    const char *y = og_op3(b->g, "LayerNormalization", tag, x, w, bias);
    og_attr_int(b->g, og_last(b->g), "axis", -1);
    og_attr_float(b->g, og_last(b->g), "epsilon", cx_model_get_config(b->m)->ln_eps);
    return y;
}

/* word[id] + pos[0..T), then LayerNorm. INT8: the word table is int8, read
 * through Gather -> DequantizeLinear. */
static const char *embeddings(xb *b) {
    og_graph *g = b->g;
    int s[2];
    const char *wname = PARAMS_WORD_EMB;
    const float *w = tensor(b, wname, s);
    if (!w) return "";
    int64_t dims[2] = {s[0], s[1]};
    size_t n = (size_t)s[0] * s[1];
    const char *word;
    if (!b->int8) {
        word = og_op(g, "Gather", "word", og_tensor(g, wname, F32, dims, 2, w, n * sizeof *w), "input_ids");
    } else {
        int8_t *q = og_alloc(g, n), zp = 0;
        if (!q) return "";
        float scale = quant_scale(w, n);
        quant_i8(q, w, n, scale);
        char tn[96];
        snprintf(tn, sizeof tn, "%s_quantized", wname);
        const char *qn = og_tensor(g, tn, I8, dims, 2, q, n);
        const char *gq = og_op(g, "Gather", "word", qn, "input_ids");
        snprintf(tn, sizeof tn, "%s_scale", wname);
        const char *sn = og_const_f32(g, tn, scale);
        snprintf(tn, sizeof tn, "%s_zero_point", wname);
        word = og_op3(g, "DequantizeLinear", "word", gq, sn, og_tensor_copy(g, tn, I8, NULL, 0, &zp, 1));
    }
    /* positions 0..T-1: the first T rows of the table */
    const char *seq = og_op(g, "Shape", "seq_len", "input_ids", NULL);
    og_attr_int(g, og_last(g), "start", 1);
    og_attr_int(g, og_last(g), "end", 2);
    int64_t zero = 0;
    const char *z = og_const_i64(g, "zero_1d", &zero, 1, 0);
    const char *pos_in[4] = {param(b, PARAMS_POS_EMB), z, seq, z};
    const char *pos = og_out(og_node(g, "Slice", "pos", pos_in, 4, 1, NULL), 0);
    return layernorm(b, og_op(g, "Add", "emb", word, pos), PARAMS_EMB_LN, "emb_ln");
}

/* [B,T,D] -> [B,H,T,hd] (perm 0,2,1,3) or, for keys, [B,H,hd,T] (0,2,3,1). */
static const char *split_heads(xb *b, const char *x, int keys, const char *tag) {
    const cx_model_config *c = cx_model_get_config(b->m);
    int64_t shape[4] = {0, 0, c->n_heads, c->dim / c->n_heads}; /* 0: copy B, T */
    const char *r = og_op(b->g, "Reshape", tag, x, og_const_i64(b->g, "heads_shape", shape, 4, 0));
    const char *t = og_op(b->g, "Transpose", tag, r, NULL);
    int64_t perm_q[4] = {0, 2, 1, 3}, perm_k[4] = {0, 2, 3, 1};
    og_attr_ints(b->g, og_last(b->g), "perm", keys ? perm_k : perm_q, 4);
    return t;
}

/* softmax(q k^T / sqrt(hd), padded keys masked) v, heads merged: [B,T,D] */
static const char *attention(xb *b, const char *x, const char *p, const char *tag) {
    og_graph *g = b->g;
    const cx_model_config *c = cx_model_get_config(b->m);
    char pre[224];
    snprintf(pre, sizeof pre, "%sattention.q_lin", p);
    const char *q = split_heads(b, linear(b, x, pre, tag), 0, tag);
    snprintf(pre, sizeof pre, "%sattention.k_lin", p);
    const char *k = split_heads(b, linear(b, x, pre, tag), 1, tag);
    snprintf(pre, sizeof pre, "%sattention.v_lin", p);
    const char *v = split_heads(b, linear(b, x, pre, tag), 0, tag);
    /* DistilBERT scales the queries before the product */
    q = og_op(g, "Div", tag, q, og_const_f32(g, "sqrt_head_dim", sqrtf((float)(c->dim / c->n_heads))));
    const char *sc = og_op(g, "MatMul", tag, q, k);
    const char *mask_in[3] = {b->mask, b->neg, sc};
    sc = og_out(og_node(g, "Where", tag, mask_in, 3, 1, NULL), 0);
    const char *pr = og_op(g, "Softmax", tag, sc, NULL);
    og_attr_int(g, og_last(g), "axis", -1);
    const char *ctx = og_op(g, "Transpose", tag, og_op(g, "MatMul", tag, pr, v), NULL);
    int64_t perm[4] = {0, 2, 1, 3}, merged[3] = {0, 0, c->dim};
    og_attr_ints(g, og_last(g), "perm", perm, 4);
    ctx = og_op(g, "Reshape", tag, ctx, og_const_i64(g, "merged_shape", merged, 3, 0));
    snprintf(pre, sizeof pre, "%sattention.out_lin", p);
    return linear(b, ctx, pre, tag);
}

/* GELU, erf form: x * 0.5 * (1 + erf(x / sqrt 2)) */
static const char *gelu(xb *b, const char *x, const char *tag) {
    og_graph *g = b->g;
    const char *e = og_op(g, "Erf", tag, og_op(g, "Div", tag, x, og_const_f32(g, "sqrt2", sqrtf(2.0f))), NULL);
    const char *one_plus = og_op(g, "Add", tag, e, og_const_f32(g, "one", 1.0f));
    const char *prod = og_op(g, "Mul", tag, x, one_plus);
    return og_op(g, "Mul", tag, prod, og_const_f32(g, "half", 0.5f));
}

/* x = LN(x + Attn(x)); x = LN(x + FFN(x)) */
static const char *block(xb *b, const char *x, int l) {
    char p[64], pre[128], tag[16];
    params_layer_name(p, sizeof p, l, "");
    snprintf(tag, sizeof tag, "l%d", l);
    const char *a = og_op(b->g, "Add", tag, attention(b, x, p, tag), x);
    snprintf(pre, sizeof pre, "%ssa_layer_norm", p);
    const char *h = layernorm(b, a, pre, tag);
    snprintf(pre, sizeof pre, "%sffn.lin1", p);
    const char *f = gelu(b, linear(b, h, pre, tag), tag);
    snprintf(pre, sizeof pre, "%sffn.lin2", p);
    const char *r = og_op(b->g, "Add", tag, linear(b, f, pre, tag), h);
    snprintf(pre, sizeof pre, "%soutput_layer_norm", p);
    return layernorm(b, r, pre, tag);
}

/* bool [B,1,1,T], true on padding; and the score that replaces those
 * entries (float32 min, as Hugging Face's masked_fill). */
static void padding_mask(xb *b) {
    og_graph *g = b->g;
    int64_t zero = 0, axes[2] = {1, 2};
    const char *pad = og_op(g, "Equal", "pad", "attention_mask", og_const_i64(g, "zero_i64", &zero, 1, 1));
    b->mask = og_op(g, "Unsqueeze", "pad", pad, og_const_i64(g, "mask_axes", axes, 2, 0));
    b->neg = og_const_f32(g, "masked_score", -3.4028234663852886e38f);
}

/* [CLS] -> shared Linear -> ReLU -> per head Linear -> ReLU -> Linear */
static void heads(xb *b, const char *hidden) {
    og_graph *g = b->g;
    int64_t zero = 0, one = 1;
    const char *cls = og_op(g, "Gather", "cls", hidden, og_const_i64(g, "cls_index", &zero, 1, 1));
    og_attr_int(g, og_last(g), "axis", 1);
    const char *sh = og_op(g, "Relu", "shared", linear(b, cls, PARAMS_SHARED, "shared"), NULL);
    static const char *const outs[4] = {NULL, "tier_logits", "domain_logits", "intent_logits"};
    const char *const *names = cx_head_names;
    for (int k = 0; k < CX_N_HEADS; k++) {
        char p0[64], p2[64];
        params_head_name(p0, sizeof p0, k, "0");
        params_head_name(p2, sizeof p2, k, "2");
        const char *h = og_op(g, "Relu", names[k], linear(b, sh, p0, names[k]), NULL);
        const char *logits = linear(b, h, p2, names[k]);
        if (k == 0) {
            const char *sig = og_op(g, "Sigmoid", "score", logits, NULL);
            og_op_named(g, "Squeeze", "score", sig, og_const_i64(g, "squeeze_axes", &one, 1, 0));
        } else {
            og_op_named(g, "Identity", outs[k], logits, NULL);
        }
    }
}

static void io(og_graph *g) {
    static const char *const bt[2] = {"batch", "seq"}, *const bo[2] = {"batch", NULL};
    static const int64_t none[2] = {0, 0};
    og_value(g, 0, "input_ids", I64, 2, none, bt);
    og_value(g, 0, "attention_mask", I64, 2, none, bt);
    og_value(g, 1, "score", F32, 1, none, bo);
    int64_t tier[2] = {0, CX_N_TIERS}, dom[2] = {0, CX_N_DOMAINS}, intent[2] = {0, CX_N_INTENTS};
    og_value(g, 1, "tier_logits", F32, 2, tier, bo);
    og_value(g, 1, "domain_logits", F32, 2, dom, bo);
    og_value(g, 1, "intent_logits", F32, 2, intent, bo);
}

int onnx_build_graph(og_graph *g, const cx_model *m, int int8, cx_error *err) {
    /* the weights are only read; cx_model_params takes a non-const model */
    xb b = {g, m, cx_model_params((cx_model *)(uintptr_t)m), int8, CX_OK, err, NULL, NULL};
    io(g);
    padding_mask(&b);
    const char *x = embeddings(&b);
    for (int l = 0; l < cx_model_get_config(m)->n_layers && !b.rc; l++) x = block(&b, x, l);
    heads(&b, x);
    if (b.rc) return b.rc;
    if (og_failed(g)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory building the ONNX graph");
    return CX_OK;
}
