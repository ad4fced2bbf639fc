/* Parameter layout: one flat float array, a struct of pointers into it.
 * Order (= offsets, = the safetensors order we write): embeddings; then per
 * layer q,k,v weights (contiguous: one (3D,D) matrix for a fused GEMM), q,k,v
 * biases, out_lin, sa_layer_norm, lin1, lin2, output_layer_norm; then the
 * classifier. Gradients use the same layout shifted by the trainable offset. */
#ifndef CX_MODEL_PARAMS_H
#define CX_MODEL_PARAMS_H

#include <stddef.h>

#include "complexity/model.h"

typedef struct cx_layer_params {
    float *qkv_w;    /* (3D, D): rows q_lin, k_lin, v_lin, each (D, D) */
    float *qkv_b;    /* (3D) */
    float *o_w;      /* (D, D) out_lin */
    float *o_b;      /* (D) */
    float *ln1_w;    /* (D) sa_layer_norm */
    float *ln1_b;    /* (D) */
    float *ff1_w;    /* (F, D) ffn.lin1 */
    float *ff1_b;    /* (F) */
    float *ff2_w;    /* (D, F) ffn.lin2 */
    float *ff2_b;    /* (D) */
    float *ln2_w;    /* (D) output_layer_norm */
    float *ln2_b;    /* (D) */
} cx_layer_params;

enum { CX_HEAD_SCORE, CX_HEAD_TIER, CX_HEAD_DOMAIN, CX_HEAD_INTENT, CX_N_HEADS };
extern const int cx_head_outputs[CX_N_HEADS];   /* 1, 5, 5, 8 */
extern const char *const cx_head_names[CX_N_HEADS]; /* "score_head", ... */

/* SPEC §3's tensor names, spelled here and nowhere else (the fp32 model, the
 * INT8 engine, the ONNX writer and reader all name tensors through these). */
#define PARAMS_WORD_EMB "distilbert.embeddings.word_embeddings.weight"
#define PARAMS_POS_EMB "distilbert.embeddings.position_embeddings.weight"
#define PARAMS_EMB_LN "distilbert.embeddings.LayerNorm"
#define PARAMS_SHARED "classifier.shared.0"
/* "distilbert.transformer.layer.<layer>.<part>" ("" part: the prefix itself) */
void params_layer_name(char *buf, size_t n, int layer, const char *part);
/* "classifier.<head>_head.<part>" (part e.g. "0.weight"; "0": a Linear's prefix) */
void params_head_name(char *buf, size_t n, int head, const char *part);

typedef struct cx_head_params {
    float *w1;       /* (Hh, S) classifier.<head>.0 */
    float *b1;       /* (Hh) */
    float *w2;       /* (n_out, Hh) classifier.<head>.2 */
    float *b2;       /* (n_out) */
} cx_head_params;

typedef struct cx_params {
    float *word_emb;   /* (V, D) */
    float *pos_emb;    /* (P, D) */
    float *emb_ln_w;   /* (D) */
    float *emb_ln_b;   /* (D) */
    cx_layer_params layer[CX_MODEL_MAX_LAYERS];
    float *shared_w;   /* (S, D) classifier.shared.0 */
    float *shared_b;   /* (S) */
    cx_head_params head[CX_N_HEADS];
} cx_params;

typedef enum {
    T_WORD, T_POS, T_EMB_LN_W, T_EMB_LN_B,
    T_Q_W, T_K_W, T_V_W, T_Q_B, T_K_B, T_V_B, T_O_W, T_O_B, T_LN1_W, T_LN1_B,
    T_FF1_W, T_FF1_B, T_FF2_W, T_FF2_B, T_LN2_W, T_LN2_B,
    T_SHARED_W, T_SHARED_B, T_HEAD_W1, T_HEAD_B1, T_HEAD_W2, T_HEAD_B2
} cx_tensor_kind;

typedef struct cx_tensor_desc {
    char name[96];   /* SPEC §3 name, with the "distilbert." prefix */
    cx_tensor_kind kind;
    int index;       /* layer (encoder tensors) or head (classifier), else 0 */
    int ndim;        /* 1 or 2 */
    int shape[2];
    size_t offset;   /* in floats, into the flat array */
    size_t size;     /* floats */
} cx_tensor_desc;

/* Number of tensors of a config (4 + 16 L + 2 + 16). */
int params_count(const cx_model_config *cfg);
/* Fills desc (params_count entries) and returns the total number of floats. */
size_t params_describe(const cx_model_config *cfg, cx_tensor_desc *desc);
/* Points p into base, which holds the floats from offset `first` on (base[0]
 * is weight `first`); tensors before `first` get NULL pointers. */
void params_point(cx_params *p, float *base, size_t first, const cx_tensor_desc *desc, int n);
/* Offset of layer l's first tensor (l == n_layers: the classifier). */
size_t params_layer_offset(const cx_tensor_desc *desc, int n, int layer);

#endif
