/* Masked-language-model pretraining of the encoder on unlabelled text: the
 * head of Hugging Face's DistilBertForMaskedLM. Its hidden state at each
 * masked position goes through vocab_transform (D, D), GELU, vocab_layer_norm
 * and vocab_projector, whose weight is the word embeddings (tied: the
 * embeddings learn from the output side too) plus a bias of its own; the loss
 * is the mean cross-entropy over the masked positions. */
#ifndef CX_MODEL_MLM_H
#define CX_MODEL_MLM_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/model.h"

/* The head's weights: one flat array of mlm_head_size floats in this order
 * (also the order of their names, mlm_head_tensor). */
typedef struct cx_mlm_head {
    float *tw, *tb;    /* (D, D), (D) vocab_transform */
    float *lnw, *lnb;  /* (D), (D) vocab_layer_norm */
    float *pb;         /* (V) vocab_projector.bias */
} cx_mlm_head;

enum { MLM_HEAD_TENSORS = 5 };
size_t mlm_head_size(const cx_model_config *c);
void mlm_head_point(cx_mlm_head *h, float *mem, const cx_model_config *c);
/* Tensor i (0..4) of the head: its Hugging Face name, offset into the flat
 * array, rank and shape. */
void mlm_head_tensor(const cx_model_config *c, int i, const char **name, size_t *offset, int *ndim,
                     int64_t shape[2]);
/* As Hugging Face initialises it: Linear normal(0, 0.02), LayerNorm 1 and 0, biases 0. */
void mlm_head_init(float *mem, const cx_model_config *c, uint64_t seed);

/* Scratch for up to max_masked masked positions in batches of up to
 * max_tokens tokens. */
typedef struct cx_mlm_ws cx_mlm_ws;
int mlm_ws_open(const cx_model_config *c, int max_masked, size_t max_tokens, cx_mlm_ws **out, cx_error *err);
void mlm_ws_free(cx_mlm_ws *w);

/* One forward and backward pass. b->ids already hold the masked input; the
 * loss reads positions pos[0..M) (indices into the packed ids) whose
 * original ids are labels[0..M). ws: a training workspace with freeze 0.
 * ADDS d(loss)/d(weights) into grads (the model's full layout) and head_grads
 * (mlm_head_size floats); *loss = mean cross-entropy, *correct = how many
 * positions the head's top guess got right. train: dropout on. */
int cx_model_mlm_step(const cx_model *m, cx_model_ws *ws, cx_mlm_ws *mw, const cx_model_batch *b,
                      const int32_t *pos, const int32_t *labels, int M, const float *head, float *grads,
                      float *head_grads, int train, uint64_t dropout_seed, double *loss, int *correct,
                      cx_error *err);

#endif
