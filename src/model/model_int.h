/* Internals of cx_model and cx_model_ws, shared by the files of src/model. */
#ifndef CX_MODEL_INT_H
#define CX_MODEL_INT_H

#include <stdint.h>

#include "complexity/model.h"
#include "model/params.h"
#include "nn/nn.h"
#include "util/rng.h"

struct cx_model {
    cx_model_config cfg;
    int n_tensors;
    cx_tensor_desc *desc;  /* (n_tensors) layout, names, shapes */
    float *mem;            /* (n) all weights, one allocation, or inside map */
    size_t n;
    void *map;             /* a checkpoint's mapping holding mem, or NULL */
    size_t map_len;
    cx_params p;           /* pointers into mem */
};

/* What one encoder layer keeps for its backward pass. Packed rows (N). */
typedef struct cx_layer_acts {
    float *qkv;        /* (N, 3D) */
    float *probs;      /* (sum H T^2) softmax before dropout */
    uint8_t *att_mask; /* (sum H T^2) attention dropout mask */
    float *att;        /* (N, D) heads' outputs side by side */
    float *res1;       /* (N, D) x + out_lin(att): sa_layer_norm input */
    float *mean1;      /* (N) */
    float *rstd1;      /* (N) */
    float *h1;         /* (N, D) sa_layer_norm output */
    float *ff1;        /* (N, F) lin1 output */
    float *gelu;       /* (N, F) */
    uint8_t *ff_mask;  /* (N, D) FFN output dropout mask */
    float *res2;       /* (N, D) h1 + dropout(lin2(gelu)) */
    float *mean2;      /* (N) */
    float *rstd2;      /* (N) */
    float *out;        /* (N, D) output_layer_norm output = next layer's input */
    float *xc;         /* (B, D) last layer: the [CLS] rows of its input */
} cx_layer_acts;

/* The embeddings' saved values (training with freeze 0 only). */
typedef struct cx_emb_acts {
    float *sum;        /* (N, D) word + position */
    float *mean;       /* (N) */
    float *rstd;       /* (N) */
    float *ln;         /* (N, D) LayerNorm output, before dropout */
    uint8_t *mask;     /* (N, D) */
} cx_emb_acts;

typedef struct cx_head_acts {
    float *cls;        /* (B, D) hidden state of each [CLS] */
    uint8_t *cls_mask; /* (B, D) classifier.dropout */
    float *cls_d;      /* (B, D) */
    float *sh;         /* (B, S) shared.0 output */
    float *shr;        /* (B, S) ReLU */
    uint8_t *sh_mask;  /* (B, S) shared.2 dropout */
    float *shd;        /* (B, S) */
    float *a[CX_N_HEADS];      /* (B, Hh) <head>.0 output */
    float *r[CX_N_HEADS];      /* (B, Hh) ReLU */
    float *logit[CX_N_HEADS];  /* (B, n_out) <head>.2 output */
    float *dlogit[CX_N_HEADS]; /* (B, n_out) d loss / d logit */
    float *score;      /* (B) sigmoid(score logit) */
    /* backward scratch */
    float *dcls, *dcls_d, *dsh, *dshr, *dshd, *da, *dr;
} cx_head_acts;

/* Gradient scratch of the encoder's backward pass, sized for N tokens. */
typedef struct cx_back_scratch {
    float *dres2, *dh1, *dff2, *dres1, *datt; /* (N, D) each */
    float *dgelu, *dff1;                      /* (N, F) each */
    float *dqkv;                              /* (N, 3D) */
    float *datt_scratch;                      /* attention, per thread */
    int att_threads;
    float *dx[2];                             /* (N, D) ping-pong d(layer input) */
} cx_back_scratch;

struct cx_model_ws {
    const cx_model *m;
    cx_ws_options opt;
    /* the current batch */
    int B;
    size_t N;
    size_t *off;       /* (max_seqs + 1) */
    size_t *aoff;      /* (max_seqs + 1) */
    cx_seqs seqs;
    /* forward state */
    float *x0;         /* (N, D) embeddings output (frozen or eval runs) */
    float *ping[2];    /* (N, D) outputs of layers that keep nothing */
    cx_layer_acts tmp; /* scratch activations of such layers (out unused) */
    float *ff2_tmp;    /* (N, D) lin2 output before dropout */
    float *hidden;     /* (N, D) input of the first trainable layer */
    cx_emb_acts emb;   /* training with freeze 0 */
    cx_layer_acts acts[CX_MODEL_MAX_LAYERS]; /* layers >= freeze when training */
    const float *enc_out; /* last layer's output: (B, D) [CLS] rows when enc_compact, else (N, D) */
    int enc_compact;
    cx_head_acts heads;
    cx_back_scratch bs;
    /* last forward */
    int ready_backward;
    int emb_ran;       /* embeddings ran with saved activations (freeze 0) */
    const int32_t *ids; /* borrowed from the batch, for the embeddings' backward */
    float p_drop, p_att;
    nn_gemm *gemm;     /* bf16 GEMMs in the encoder layers, or NULL (fp32) */
    void *mem;
};

/* Where dropout masks come from. keys NULL: one stream for the whole batch,
 * drawn in order (what a single process trains with). keys set: a stream per
 * sample and per draw, keyed by the sample's place in the global batch, so a
 * batch split across data-parallel ranks draws exactly the masks the whole
 * batch would (train/dist.h). */
typedef struct cx_dropout {
    cx_rng rng;
    uint64_t seed;
    const uint64_t *keys;   /* (n_seqs) or NULL */
    uint64_t site;          /* draws so far in this forward pass */
} cx_dropout;

/* A mask (NULL when p is 0) over the batch's elements, sample b owning
 * elements [lo(b) * unit, lo(b + 1) * unit) with lo(b) = off ? off[b] : b. */
const uint8_t *dropout_draw(uint8_t *mask, float p, cx_dropout *d, const size_t *off, int n_seqs, size_t unit);

/* encoder.c */
void embeddings_forward(const cx_model *m, float *out, cx_emb_acts *keep, const int32_t *ids,
                        const cx_seqs *s, float p, cx_dropout *drop);
void embeddings_backward(const cx_model *m, cx_params *g, const cx_emb_acts *a,
                         const float *dout, float *dln, float *dsum, const int32_t *ids,
                         const cx_seqs *s, float p);
/* gemm (here and in heads_*): NULL for fp32 GEMMs, or the workspace's bf16 handle */
void layer_forward(const cx_model *m, nn_gemm *gemm, int l, cx_layer_acts *a, const float *inp,
                   float *ff2_tmp, const cx_seqs *s, float p_drop, float p_att, cx_dropout *drop);
void layer_backward(const cx_model *m, nn_gemm *gemm, int l, cx_params *g, float *dinp,
                    const float *dout, const cx_layer_acts *a, const float *inp,
                    cx_back_scratch *bs, const cx_seqs *s, float p_drop, float p_att);
/* The last layer on [CLS] rows only: out and dout are (B, D), the rest as
 * above (dinp (N, D) is overwritten, not accumulated). */
void layer_forward_cls(const cx_model *m, nn_gemm *gemm, int l, cx_layer_acts *a,
                       const float *inp, float *ff2_tmp, const cx_seqs *s, float p_drop,
                       float p_att, cx_dropout *drop);
void layer_backward_cls(const cx_model *m, nn_gemm *gemm, int l, cx_params *g, float *dinp,
                        const float *dout, const cx_layer_acts *a, const float *inp,
                        cx_back_scratch *bs, const cx_seqs *s, float p_drop, float p_att);

/* heads.c */
/* hidden: the encoder's output, (B, D) [CLS] rows when compact, else (N, D) */
void heads_forward(const cx_model *m, nn_gemm *gemm, cx_head_acts *h, const float *hidden,
                   int compact, const cx_seqs *s, float p, cx_dropout *drop);
void heads_loss(const cx_model *m, cx_head_acts *h, const cx_model_targets *t, int B,
                cx_model_loss *loss);
void heads_backward(const cx_model *m, nn_gemm *gemm, cx_params *g, float *dhidden,
                    int compact, cx_head_acts *h, const cx_seqs *s, float p);

/* run.c: the encoder alone with every row of every layer kept (masked-LM
 * pretraining; a training workspace with freeze 0). *out: the last layer's
 * output (N, D), owned by ws. The backward ADDS into grads (the model's full
 * layout) from dout = d(loss)/d(*out), (N, D). */
int model_encode_train(const cx_model *m, cx_model_ws *ws, const cx_model_batch *b, int train,
                       uint64_t dropout_seed, const float **out, cx_error *err);
void model_encode_backward(const cx_model *m, cx_model_ws *ws, const float *dout, float *grads);

/* model.c */
int model_alloc(cx_model **out, const cx_model_config *cfg, cx_error *err);
/* Reads each of m's tensors from f by name, its shape checked against the one
 * m's config gives it; other tensors in f (a checkpoint's optimizer state) are
 * not looked at. The one reader of weights for every file that holds them. */
struct st_file;
int model_read_tensors(cx_model *m, const struct st_file *f, const char *path, cx_error *err);
void model_init_weights(cx_model *m, uint64_t seed, size_t from);

#endif
