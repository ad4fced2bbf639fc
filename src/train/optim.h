/* The seed's optimisation recipe (SPEC §5): AdamW as torch.optim.AdamW does
 * it, global gradient-norm clipping, and the per-step learning rate with
 * linear warmup then cosine decay to zero. */
#ifndef CX_TRAIN_OPTIM_H
#define CX_TRAIN_OPTIM_H

#include <stddef.h>

typedef struct cx_adamw_hparams {
    float beta1, beta2, eps, weight_decay; /* seed: 0.9, 0.999, 1e-8, 0.01 */
} cx_adamw_hparams;

/* One AdamW update of n parameters at optimizer step t (1-based), learning
 * rate lr, with the gradient grad * grad_scale (the clipping factor, applied
 * here to save a pass over the gradients). m and v are the moment buffers,
 * same layout as param. */
void cx_adamw_update(float *param, const float *grad, float grad_scale, float *m, float *v, size_t n,
                     float lr, const cx_adamw_hparams *hp, long t);

/* Sum of squares of g (in double: millions of terms). */
double cx_sum_squares(const float *g, size_t n);
/* Factor that scales gradients of global norm `norm` to at most max_norm
 * (torch.nn.utils.clip_grad_norm_: max_norm / (norm + 1e-6), capped at 1). */
float cx_clip_factor(double norm, double max_norm);

/* Learning-rate multiplier at optimizer step `step` (0-based, the value the
 * scheduler holds when that step is taken): step / W during the warmup of
 * W = min(warmup_steps, total_steps / 5) steps, then cosine from 1 to 0 at
 * total_steps. */
double cx_lr_multiplier(long step, long total_steps, long warmup_steps);

#endif
