/* The training loop. One optimizer step:
 *   gather the batch (ids, lengths, targets; cached frozen activations)
 *   forward (dropout on) -> loss -> backward into grads
 *   clip to global norm 1.0 -> learning rate from the per-step schedule
 *   AdamW on the trainable tail: encoder at lr, heads at 5 x lr
 * Each epoch: validation, metrics.jsonl, best_model on a new best, checkpoint.
 * Every random choice derives from (seed, epoch) or (seed, step), so a run
 * resumed from a checkpoint continues exactly as if never stopped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "complexity/dataset.h"
#include "complexity/labels.h"
#include "complexity/metrics.h"
#include "complexity/model.h"
#include "complexity/tokenizer.h"
#include "complexity/train.h"
#include "train/checkpoint.h"
#include "train/optim.h"
#include "train/tokdata.h"
#include "infer/prediction.h"
#include "train/trainer_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/rng.h"

/* The options' loss weights, or NULL (the seed's) when none is set. */
static const float *loss_weights_of(const cx_train_options *o) {
    for (int k = 0; k < 4; k++)
        if (o->loss_weights[k] != 0.0f) return o->loss_weights;
    return NULL;
}

static const cx_adamw_hparams ADAMW = {0.9f, 0.999f, 1e-8f, 0.01f};
enum { HEAD_LR_FACTOR = 5 };

cx_train_options cx_train_default_options(void) {
    cx_train_options o = {.output_dir = "training/output", .epochs = 5, .batch_size = 32, .lr = 2e-5,
                          .freeze_layers = 4, .max_length = 256, .warmup_steps = 100, .seed = 42, .arch = "small"};
    return o;
}

void trainer_note(trainer *t, const char *fmt, ...) {
    if (!t->cb || !t->cb->message || t->dist.rank != 0) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->cb->message(t->cb->ctx, line);
}

static void report_progress(trainer *t, const char *phase, long done, long total, double loss, double lr) {
    if (!t->cb || !t->cb->progress || t->dist.rank != 0) return;
    cx_train_progress p = {t->epoch + 1, t->o->epochs, t->step, t->total_steps, done, total,
                           loss, lr, cx_now_s() - t->t0, phase};
    t->cb->progress(t->cb->ctx, &p);
}

/* Copies the records idx[0 .. n) into the batch buffers, with their frozen
 * activations when fc has them. */
static void gather_batch(trainer *t, const tokdata *td, const frozen_cache *fc, const size_t *idx, int n) {
    const int D = cx_model_get_config(t->model)->dim;
    size_t tok = 0;
    for (int b = 0; b < n; b++) {
        size_t r = idx[b];
        int len = td->len[r];
        memcpy(t->b_ids + tok, td->ids + td->offset[r], (size_t)len * sizeof *t->b_ids);
        if (fc->acts)
            memcpy(t->b_hidden + tok * (size_t)D, fc->acts + fc->off[td->text_id[r]],
                   (size_t)len * (size_t)D * sizeof(float));
        t->b_len[b] = len;
        t->b_score[b] = td->score[r];
        t->b_tier[b] = td->tier[r];
        t->b_intent[b] = td->intent[r];
        memcpy(t->b_domains + (size_t)b * CX_N_DOMAINS, td->domains + r * CX_N_DOMAINS, CX_N_DOMAINS * sizeof(float));
        tok += (size_t)len;
    }
}

static void adamw_step(trainer *t, double lr, float clip) {
    float *params = cx_model_params(t->model);
    size_t enc = t->off_heads - t->off_train, heads = t->n_trainable - enc;
    long step = t->step + 1;
    if (enc) cx_adamw_update(params + t->off_train, t->grads, clip, t->m, t->v, enc, (float)lr, &ADAMW, step);
    cx_adamw_update(params + t->off_heads, t->grads + enc, clip, t->m + enc, t->v + enc, heads,
                    (float)(lr * HEAD_LR_FACTOR), &ADAMW, step);
}

/* This rank's part of a step: loss and gradients of records idx[0..n), the
 * shard [key0, key0 + n) of a global batch of n_global, weighted by the
 * shard's share so that the ranks' sum is the global batch's mean (n may be 0). */
static int shard_gradients(trainer *t, const size_t *idx, int n, int n_global, size_t key0, double *loss_out,
                           cx_error *err) {
    memset(t->grads, 0, t->n_trainable * sizeof *t->grads);
    *loss_out = 0;
    if (n == 0) return CX_OK;
    const tokdata *td = &t->train;
    const frozen_cache *fc = &t->fc_train;
    gather_batch(t, td, fc, idx, n);
    for (int b = 0; b < n; b++) t->b_keys[b] = key0 + (uint64_t)b;
    cx_model_batch b = {n, t->b_len, t->b_ids, t->dist.joined ? t->b_keys : NULL};
    cx_model_targets tg = {t->b_score, t->b_tier, t->b_domains, t->b_intent, loss_weights_of(t->o)};
    cx_model_loss loss;
    cx_model_outputs out;
    uint64_t dropout_seed = cx_mix64(t->o->seed ^ cx_mix64((uint64_t)t->step + 1));
    int rc = cx_model_forward(t->model, t->ws, &b, fc->acts ? t->b_hidden : NULL, 1, dropout_seed, &tg, &loss, &out,
                              err);
    if (rc == CX_OK) rc = cx_model_backward(t->model, t->ws, t->grads, err);
    if (rc) return rc;
    const float share = (float)n / (float)n_global;
    if (share != 1.0f)
        for (size_t i = 0; i < t->n_trainable; i++) t->grads[i] *= share;
    *loss_out = loss.total * share;
    return CX_OK;
}

/* One optimizer step on the global batch whose shard here is idx[0..n);
 * returns the batch loss and whether any rank was asked to stop. */
static int train_step(trainer *t, const size_t *idx, int n, int n_global, size_t key0, double *loss_out,
                      double *lr_out, int *stop, cx_error *err) {
    double shared[2] = {0, t->o->stop && *t->o->stop};
    int rc = shard_gradients(t, idx, n, n_global, key0, &shared[0], err);
    if (rc) return rc;
    /* gradients and (loss, stop) summed over the ranks: the same step everywhere */
    if ((rc = cx_dist_sum_f32(&t->dist, t->grads, t->n_trainable, err)) ||
        (rc = cx_dist_sum_f64(&t->dist, shared, 2, err)))
        return rc;
    if (!isfinite(shared[0]))
        return cx_error_set(err, CX_ERR_INVALID, "training diverged: loss is %g at step %ld (lower lr)", shared[0],
                            t->step + 1);
    float clip = cx_clip_factor(sqrt(cx_sum_squares(t->grads, t->n_trainable)), 1.0);
    double lr = t->o->lr * cx_lr_multiplier(t->step, t->total_steps, t->o->warmup_steps);
    adamw_step(t, lr, clip);
    cx_ws_weights_changed(t->ws);
    t->step++;
    *loss_out = shared[0];
    *lr_out = lr;
    *stop = shared[1] > 0;
    return CX_OK;
}

/* The epoch's order: a shuffle seeded by (seed, epoch) alone. */
static void epoch_order(trainer *t, int epoch) {
    cx_rng rng;
    cx_rng_seed(&rng, t->o->seed ^ cx_mix64(0x5eedull + (uint64_t)epoch));
    for (size_t i = 0; i < t->train.n; i++) t->perm[i] = i;
    cx_rng_shuffle(&rng, t->perm, t->train.n, sizeof *t->perm);
}

static int run_epoch(trainer *t, double *train_loss, int *stopped, cx_error *err) {
    const int B = t->o->batch_size;
    epoch_order(t, t->epoch);
    long first = t->step - (long)t->epoch * t->steps_per_epoch; /* > 0 when resuming mid-epoch */
    double lr = 0, loss = 0;
    for (long s = first; s < t->steps_per_epoch; s++) {
        size_t start = (size_t)s * (size_t)B, lo, hi;
        int n = (int)(t->train.n - start < (size_t)B ? t->train.n - start : (size_t)B), stop = 0;
        cx_dist_share(&t->dist, (size_t)n, &lo, &hi); /* this rank's shard of the global batch */
        int rc = train_step(t, t->perm + start + lo, (int)(hi - lo), n, lo, &loss, &lr, &stop, err);
        if (rc) return rc;
        t->epoch_loss_sum += loss;
        report_progress(t, "train", s + 1, t->steps_per_epoch, t->epoch_loss_sum / (double)(s + 1), lr);
        if (stop) {
            *stopped = 1;
            return CX_OK;
        }
    }
    *train_loss = t->epoch_loss_sum / (double)t->steps_per_epoch;
    return CX_OK;
}

/* Converts the model's outputs for sample b into what the evaluator scores,
 * through the classifier's own conversion (no n-gram part, the raw score). */
void trainer_prediction(const cx_model_outputs *out, int b, cx_eval_pred *p) {
    cx_head_values h;
    h.score = out->score[b];
    memcpy(h.tier, out->tier_logits + b * CX_N_TIERS, sizeof h.tier);
    memcpy(h.domain, out->domain_logits + b * CX_N_DOMAINS, sizeof h.domain);
    memcpy(h.intent, out->intent_logits + b * CX_N_INTENTS, sizeof h.intent);
    cx_prediction pred;
    cx_prediction_of(&h, NULL, NULL, 1, &pred);
    *p = (cx_eval_pred){pred.score, pred.tier, pred.intent, pred.domains, 1};
}

static int validate(trainer *t, cx_epoch_report *r, cx_error *err) {
    const tokdata *td = &t->val;
    cx_metrics m;
    cx_metrics_init(&m);
    double loss_sum = 0;
    size_t idx[4096];
    const int B = t->o->batch_size;
    for (size_t start = 0; start < td->n; start += (size_t)B) {
        int n = (int)(td->n - start < (size_t)B ? td->n - start : (size_t)B);
        for (int b = 0; b < n; b++) idx[b] = start + (size_t)b;
        gather_batch(t, td, &t->fc_val, idx, n);
        cx_model_batch b = {n, t->b_len, t->b_ids, NULL};
        cx_model_targets tg = {t->b_score, t->b_tier, t->b_domains, t->b_intent, loss_weights_of(t->o)};
        cx_model_loss loss;
        cx_model_outputs out;
        int rc = cx_model_forward(t->model, t->ws, &b, t->fc_val.acts ? t->b_hidden : NULL, 0, 0, &tg, &loss, &out,
                                  err);
        if (rc) return rc;
        loss_sum += loss.total * n;
        for (int k = 0; k < n; k++) {
            cx_eval_pred p;
            trainer_prediction(&out, k, &p);
            cx_record rec = {.score = td->score[start + k], .tier = td->tier[start + k],
                             .intent = td->intent[start + k], .lang = -1};
            for (int d = 0; d < CX_N_DOMAINS; d++) rec.domains |= (td->domains[(start + k) * CX_N_DOMAINS + d] > 0.5f) << d;
            cx_metrics_add(&m, &rec, &p, 0);
        }
        report_progress(t, "validate", (long)(start / (size_t)B) + 1, (long)((td->n + (size_t)B - 1) / (size_t)B), 0, 0);
    }
    r->val_loss = loss_sum / (double)td->n;
    r->val_mae = cx_metrics_mae(&m);
    r->val_tier_acc = cx_metrics_tier_accuracy(&m);
    r->val_intent_acc = cx_metrics_intent_accuracy(&m);
    cx_metrics_domain_prf(&m, NULL, NULL, &r->val_domain_f1);
    return CX_OK;
}

static int finish_epoch(trainer *t, double train_loss, double seconds, cx_error *err) {
    cx_epoch_report r = {t->epoch + 1, train_loss, NAN, NAN, NAN, NAN, NAN, seconds, 0};
    /* every rank holds rank 0's weights from here on, whatever the sums' rounding did */
    int rc = cx_dist_bcast_f32(&t->dist, cx_model_params(t->model), cx_model_n_params(t->model), err);
    if (rc) return rc;
    cx_ws_weights_changed(t->ws);
    if (t->dist.rank != 0) { /* rank 0 validates, reports and writes */
        t->epoch_loss_sum = 0;
        return CX_OK;
    }
    rc = t->has_val ? validate(t, &r, err) : CX_OK;
    if (rc) return rc;
    double metric = t->has_val ? r.val_mae : train_loss;
    r.is_best = metric < t->best_metric;
    if (r.is_best) {
        t->best_metric = metric;
        rc = trainer_save_model(t, "best_model.safetensors", err);
    }
    t->epoch_loss_sum = 0;
    /* The checkpoint first: once it exists, the epoch counts as done. */
    if (rc == CX_OK) rc = trainer_save_checkpoint(t, err);
    if (rc == CX_OK) rc = trainer_append_metrics(t, &r, err);
    if (rc == CX_OK && t->cb && t->cb->epoch_done) t->cb->epoch_done(t->cb->ctx, &r);
    return rc;
}

static int train_loop(trainer *t, int *interrupted, cx_error *err) {
    for (t->epoch = (int)(t->step / t->steps_per_epoch); t->epoch < t->o->epochs; t->epoch++) {
        double t_epoch = cx_now_s(), train_loss = 0;
        int stopped = 0;
        int rc = run_epoch(t, &train_loss, &stopped, err);
        if (rc) return rc;
        if (stopped) {
            *interrupted = 1;
            trainer_note(t, "interrupted at step %ld: checkpoint saved, resuming continues from it", t->step);
            return trainer_save_checkpoint(t, err);
        }
        rc = finish_epoch(t, train_loss, cx_now_s() - t_epoch, err);
        if (rc) return rc;
    }
    int rc = trainer_save_model(t, "final_model.safetensors", err);
    return rc ? rc : trainer_write_outputs(t, err);
}

int cx_train(const cx_train_options *o, const cx_train_callbacks *cb, int *interrupted, cx_error *err) {
    trainer t;
    *interrupted = 0;
    int rc = trainer_setup(&t, o, cb, err);
    if (rc == CX_OK) rc = train_loop(&t, interrupted, err);
    trainer_teardown(&t);
    return rc;
}
