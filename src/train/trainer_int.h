/* State shared by the files of the trainer (trainer.c: the loop;
 * trainer_setup.c: loading and buffers; trainer_io.c: files written). */
#ifndef CX_TRAIN_TRAINER_INT_H
#define CX_TRAIN_TRAINER_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "complexity/metrics.h"
#include "complexity/model.h"
#include "complexity/tokenizer.h"
#include "complexity/train.h"
#include "train/dist.h"
#include "train/tokdata.h"

enum { MAX_BATCH = 4096 };

/* The output of the frozen part (embeddings + frozen layers) for every
 * distinct text of a dataset, computed once; acts is NULL when there is no
 * cache (freeze 0, or over the memory limit): every step recomputes it. */
typedef struct frozen_cache {
    float *acts;           /* (distinct tokens, dim) */
    size_t *off;           /* (n_distinct) float offset of each text */
} frozen_cache;

typedef struct trainer {
    const cx_train_options *o;
    const cx_train_callbacks *cb;
    cx_tokenizer *tok;
    cx_model *model;
    cx_model_ws *ws;
    int bf16;              /* the encoder's GEMMs in bf16 */
    tokdata train, val;
    int has_val;
    /* frozen activations of each distinct text of train and val */
    frozen_cache fc_train, fc_val;
    /* optimizer: the trainable tail of the weights */
    size_t off_train, off_heads, n_trainable;
    float *grads, *m, *v;  /* (n_trainable) each */
    /* batch buffers */
    int32_t *b_ids;
    int *b_len, *b_tier, *b_intent;
    float *b_score, *b_domains, *b_hidden;
    uint64_t *b_keys;      /* (batch) places in the global batch: dropout keys under MPI */
    cx_dist dist;          /* rank 0 of 1 without MPI; rank 0 alone writes and reports */
    size_t *perm;          /* (train.n) */
    /* position */
    long step, total_steps, steps_per_epoch;
    int epoch;
    double best_metric, epoch_loss_sum;
    double t0;
    char base_model[256];
} trainer;

void trainer_note(trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void trainer_prediction(const cx_model_outputs *out, int b, cx_eval_pred *p);

int trainer_setup(trainer *t, const cx_train_options *o, const cx_train_callbacks *cb, cx_error *err);
void trainer_teardown(trainer *t);

int trainer_save_model(trainer *t, const char *file, cx_error *err);
int trainer_save_checkpoint(trainer *t, cx_error *err);
int trainer_append_metrics(trainer *t, const cx_epoch_report *r, cx_error *err);
/* config.json and tokenizer/. */
int trainer_write_outputs(trainer *t, cx_error *err);

#endif
