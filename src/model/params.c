/* The tensor table: names, shapes and offsets of every weight, in layout order. */
#include "model/params.h"

#include <stdio.h>
#include <string.h>

const int cx_head_outputs[CX_N_HEADS] = {1, 5, 5, 8};
const char *const cx_head_names[CX_N_HEADS] = {"score_head", "tier_head", "domain_head",
                                               "intent_head"};

void params_layer_name(char *buf, size_t n, int layer, const char *part) {
    snprintf(buf, n, "distilbert.transformer.layer.%d.%s", layer, part);
}

void params_head_name(char *buf, size_t n, int head, const char *part) {
    snprintf(buf, n, "classifier.%s.%s", cx_head_names[head], part);
}

int params_count(const cx_model_config *cfg) { return 4 + 16 * cfg->n_layers + 2 + 16; }

typedef struct table {
    cx_tensor_desc *d;
    int n;
    size_t off;
} table;

/* Appends a tensor; name is "<prefix><suffix>" (prefix may be ""). */
static void add(table *t, cx_tensor_kind kind, int index, int rows, int cols, const char *prefix,
                const char *suffix) {
    cx_tensor_desc *d = &t->d[t->n++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s%s", prefix, suffix);
    d->kind = kind;
    d->index = index;
    d->ndim = rows ? 2 : 1;
    d->shape[0] = rows ? rows : cols;
    d->shape[1] = rows ? cols : 0;
    d->size = (size_t)(rows ? rows : 1) * (size_t)cols;
    d->offset = t->off;
    t->off += d->size;
}


size_t params_describe(const cx_model_config *c, cx_tensor_desc *desc) {
    table t = {desc, 0, 0};
    int D = c->dim, F = c->ffn_dim, S = c->shared_dim, Hh = c->head_dim;
    add(&t, T_WORD, 0, c->vocab_size, D, "", PARAMS_WORD_EMB);
    add(&t, T_POS, 0, c->max_positions, D, "", PARAMS_POS_EMB);
    add(&t, T_EMB_LN_W, 0, 0, D, PARAMS_EMB_LN, ".weight");
    add(&t, T_EMB_LN_B, 0, 0, D, PARAMS_EMB_LN, ".bias");
    for (int l = 0; l < c->n_layers; l++) {
        char lp[48];
        params_layer_name(lp, sizeof lp, l, "");
        add(&t, T_Q_W, l, D, D, lp, "attention.q_lin.weight");
        add(&t, T_K_W, l, D, D, lp, "attention.k_lin.weight");
        add(&t, T_V_W, l, D, D, lp, "attention.v_lin.weight");
        add(&t, T_Q_B, l, 0, D, lp, "attention.q_lin.bias");
        add(&t, T_K_B, l, 0, D, lp, "attention.k_lin.bias");
        add(&t, T_V_B, l, 0, D, lp, "attention.v_lin.bias");
        add(&t, T_O_W, l, D, D, lp, "attention.out_lin.weight");
        add(&t, T_O_B, l, 0, D, lp, "attention.out_lin.bias");
        add(&t, T_LN1_W, l, 0, D, lp, "sa_layer_norm.weight");
        add(&t, T_LN1_B, l, 0, D, lp, "sa_layer_norm.bias");
        add(&t, T_FF1_W, l, F, D, lp, "ffn.lin1.weight");
        add(&t, T_FF1_B, l, 0, F, lp, "ffn.lin1.bias");
        add(&t, T_FF2_W, l, D, F, lp, "ffn.lin2.weight");
        add(&t, T_FF2_B, l, 0, D, lp, "ffn.lin2.bias");
        add(&t, T_LN2_W, l, 0, D, lp, "output_layer_norm.weight");
        add(&t, T_LN2_B, l, 0, D, lp, "output_layer_norm.bias");
    }
    add(&t, T_SHARED_W, 0, S, D, PARAMS_SHARED, ".weight");
    add(&t, T_SHARED_B, 0, 0, S, PARAMS_SHARED, ".bias");
    for (int h = 0; h < CX_N_HEADS; h++) {
        char hp[48];
        params_head_name(hp, sizeof hp, h, "");
        add(&t, T_HEAD_W1, h, Hh, S, hp, "0.weight");
        add(&t, T_HEAD_B1, h, 0, Hh, hp, "0.bias");
        add(&t, T_HEAD_W2, h, cx_head_outputs[h], Hh, hp, "2.weight");
        add(&t, T_HEAD_B2, h, 0, cx_head_outputs[h], hp, "2.bias");
    }
    return t.off;
}

/* The struct field that points at a tensor (NULL for k/v: inside qkv). */
static float **slot(cx_params *p, const cx_tensor_desc *d) {
    /* d->index counts layers for layer tensors and heads for head tensors:
     * form each pointer only where its index means something. */
    cx_layer_params *L = d->kind >= T_Q_W && d->kind <= T_LN2_B ? &p->layer[d->index] : NULL;
    cx_head_params *H = d->kind >= T_HEAD_W1 ? &p->head[d->index] : NULL;
    switch (d->kind) {
    case T_WORD: return &p->word_emb;
    case T_POS: return &p->pos_emb;
    case T_EMB_LN_W: return &p->emb_ln_w;
    case T_EMB_LN_B: return &p->emb_ln_b;
    case T_Q_W: return &L->qkv_w;
    case T_Q_B: return &L->qkv_b;
    case T_K_W: case T_V_W: case T_K_B: case T_V_B: return NULL;
    case T_O_W: return &L->o_w;
    case T_O_B: return &L->o_b;
    case T_LN1_W: return &L->ln1_w;
    case T_LN1_B: return &L->ln1_b;
    case T_FF1_W: return &L->ff1_w;
    case T_FF1_B: return &L->ff1_b;
    case T_FF2_W: return &L->ff2_w;
    case T_FF2_B: return &L->ff2_b;
    case T_LN2_W: return &L->ln2_w;
    case T_LN2_B: return &L->ln2_b;
    case T_SHARED_W: return &p->shared_w;
    case T_SHARED_B: return &p->shared_b;
    case T_HEAD_W1: return &H->w1;
    case T_HEAD_B1: return &H->b1;
    case T_HEAD_W2: return &H->w2;
    case T_HEAD_B2: return &H->b2;
    }
    return NULL;
}

void params_point(cx_params *p, float *base, size_t first, const cx_tensor_desc *desc, int n) {
    memset(p, 0, sizeof *p);
    for (int i = 0; i < n; i++) {
        float **s = slot(p, &desc[i]);
        if (s) *s = desc[i].offset >= first ? base + (desc[i].offset - first) : NULL;
    }
}

size_t params_layer_offset(const cx_tensor_desc *desc, int n, int layer) {
    for (int i = 0; i < n; i++) {
        if (desc[i].kind == T_SHARED_W) return desc[i].offset;
        if (desc[i].kind == T_Q_W && desc[i].index == layer) return desc[i].offset;
    }
    return 0;
}
