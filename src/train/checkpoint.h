/* Training checkpoints: the model's tensors (SPEC §3 names, so the file also
 * loads as a plain model) plus the AdamW moments of the trainable tail and
 * where training stood, in one safetensors file written atomically. */
#ifndef CX_TRAIN_CHECKPOINT_H
#define CX_TRAIN_CHECKPOINT_H

#include <stddef.h>

#include "complexity/model.h"

typedef struct ckpt_state {
    long step;              /* optimizer steps done */
    double best_metric;     /* best validation MAE (or train loss) so far */
    double epoch_loss_sum;  /* training loss summed over this epoch's steps */
    long n_records;         /* training records, to refuse a resume on other data */
    int batch_size, freeze, epochs;
    unsigned long long seed;
} ckpt_state;

/* m, v: n_trainable floats each (NULL to write weights only, e.g. best_model). */
int ckpt_save(const char *path, const cx_model *model, const float *m, const float *v, size_t n_trainable,
              const ckpt_state *st, cx_error *err);
/* Reads where a checkpoint's run stood (its metadata only). */
int ckpt_read_state(const char *path, ckpt_state *st, cx_error *err);
/* Reads its weights into model (same shapes) and the AdamW moments. */
int ckpt_load(const char *path, cx_model *model, float *m, float *v, size_t n_trainable, cx_error *err);

#endif
