/* Internals of complexity pretrain, shared by pretrain.c (the loop) and
 * pretrain_io.c (the corpus and the files it writes). */
#ifndef CX_TRAIN_PRETRAIN_INT_H
#define CX_TRAIN_PRETRAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/model.h"
#include "complexity/tokenizer.h"
#include "complexity/train.h"
#include "model/mlm.h"

/* The corpus, tokenized once: text i is ids[offset[i] .. offset[i] + len[i]). */
typedef struct pt_corpus {
    size_t n;
    int32_t *ids;
    size_t *offset;
    int *len;
    size_t n_tokens;
    size_t n_skipped;      /* texts too short to mask a piece of */
} pt_corpus;

typedef struct pretrainer {
    const cx_pretrain_options *o;
    const cx_train_callbacks *cb;
    cx_tokenizer *tok;
    cx_model *model;
    cx_model_ws *ws;
    cx_mlm_ws *mw;
    pt_corpus corpus;
    size_t n_enc;          /* encoder weights: the model's floats before the classifier */
    size_t n_head;         /* the MLM head's floats */
    float *head, *grads, *head_grads;
    float *m, *v;          /* AdamW moments: encoder (n_enc) then head (n_head) */
    long step;             /* optimizer steps done */
    int bf16;
    /* the batch being built */
    int32_t *ids;          /* (batch_size * max_length) masked input */
    int *lengths;
    int32_t *pos, *labels; /* (max_masked) */
    int max_masked;
    size_t *order;         /* (n) this epoch's shuffled text order */
    long order_epoch;      /* the epoch order[] holds, -1 none */
} pretrainer;

/* pretrain_io.c */
int pt_load_corpus(pt_corpus *c, const cx_pretrain_options *o, const cx_tokenizer *tok, cx_error *err);
void pt_free_corpus(pt_corpus *c);
/* The Hugging Face folder: config.json and the tokenizer (once a run), the
 * weights in model.safetensors (at every save). */
int pt_write_folder(const pretrainer *p, cx_error *err);
int pt_write_model(const pretrainer *p, cx_error *err);
int pt_save_checkpoint(const pretrainer *p, cx_error *err);
/* Reads the checkpoint into the model, head and moments; sets p->step.
 * Refuses one made with other settings or data. */
int pt_load_checkpoint(pretrainer *p, cx_error *err);
/* A fresh run's pretrain.jsonl starts empty (an earlier run's lines go). */
int pt_start_log(const pretrainer *p, cx_error *err);
int pt_append_log(const pretrainer *p, double loss, double accuracy, double seconds, cx_error *err);

#endif
