/* Internals of cx_engine, shared by src/infer/engine*.c. */
#ifndef CX_INFER_ENGINE_INT_H
#define CX_INFER_ENGINE_INT_H

#include "complexity/engine.h"
#include "infer/qgemm.h"

/* An int8 Linear: y = (x_q W_q^T) * scales + bias. */
typedef struct eng_linear {
    qgemm_weight w;     /* packed (OC, K) */
    float scale;        /* per-tensor weight scale */
    const float *bias;  /* (OC), in the engine's fp32 block */
} eng_linear;

enum { ENG_Q, ENG_K, ENG_V, ENG_O, ENG_FF1, ENG_FF2, ENG_N_LINEAR };

typedef struct eng_layer {
    eng_linear lin[ENG_N_LINEAR];
    const float *ln1_w, *ln1_b, *ln2_w, *ln2_b;  /* (D) */
} eng_layer;

enum { ENG_N_HEADS = 4 };

struct cx_engine {
    cx_model_config cfg;
    const int8_t *word;    /* (V, D) int8: in the file mapping or word_own */
    int8_t *word_own;
    float word_scale;
    void *map;             /* the loaded file's mapping, or NULL */
    size_t map_len;
    float *f32;            /* every fp32 tensor, one allocation */
    int8_t *packed;        /* every int8 Linear, packed, one allocation on huge pages */
    size_t packed_len, packed_used;
    const float *pos;      /* (P, D) */
    const float *emb_ln_w, *emb_ln_b;
    eng_layer layer[CX_MODEL_MAX_LAYERS];
    const float *shared_w, *shared_b;              /* (S, D), (S) */
    const float *head_w1[ENG_N_HEADS], *head_b1[ENG_N_HEADS]; /* (Hh, S) */
    const float *head_w2[ENG_N_HEADS], *head_b2[ENG_N_HEADS]; /* (n_out, Hh) */
};

/* The tensors of the INT8 file, in file order: fp32 ones (bias, LayerNorm,
 * positions, heads) then int8 ones (word embeddings, Linear weights, each
 * with a "<name>_scale" F32 scalar). */
typedef struct eng_tensor {
    char name[96];
    int is_int8;
    int rows, cols;        /* cols 0: a vector of `rows` */
    const float **f32;     /* slot to point at the fp32 data */
    eng_linear *lin;       /* int8 Linear, or NULL for the word embeddings */
} eng_tensor;

/* Fills list (eng_tensor_count(cfg) entries) with slots of e. */
int eng_tensor_count(const cx_model_config *cfg);
void eng_tensor_list(cx_engine *e, eng_tensor *list);
/* Floats of all fp32 tensors. */
size_t eng_f32_total(const eng_tensor *list, int n);
/* Allocates e->f32, pointing every fp32 slot into it in list order, and
 * e->packed, where eng_pack_linear puts the int8 Linears of the list. */
int eng_alloc_tensors(cx_engine *e, const eng_tensor *list, int n, cx_error *err);
/* Packs W (rows, cols) int8 into lin's slot of e->packed. Returns 0, or -1
 * when out of memory. */
int eng_pack_linear(cx_engine *e, eng_linear *lin, const int8_t *W, int rows, int cols);
/* cx_engine_load of an .onnx file (engine_onnx.c). */
int eng_load_onnx(cx_engine **out, const char *path, cx_error *err);
/* Unpacks a packed weight into W (OC, K). */
void eng_unpack(int8_t *W, const qgemm_weight *w);

#endif
