/* complexity pretrain: masked-LM pretraining of the encoder (train.h). One
 * optimizer step:
 *   the next batch_size texts of this epoch's shuffled order
 *   mask: each piece but [CLS]/[SEP] chosen with mask_prob (at least one per
 *         text); chosen pieces become [MASK] (80%), a random piece (10%) or
 *         stay (10%)
 *   forward + backward through the encoder and the MLM head (model/mlm.h)
 *   clip to global norm 1.0, AdamW at the warmup + cosine learning rate
 * The order of epoch e derives from (seed, e), the masks of step s from
 * (seed, s): a resumed run continues exactly. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/fileio.h"
#include "train/optim.h"
#include "train/pretrain_int.h"
#include "util/clock.h"
#include "util/rng.h"

static const cx_adamw_hparams ADAMW = {0.9f, 0.999f, 1e-8f, 0.01f};
enum { MAX_PRETRAIN_BATCH = 1024, BF16_MIN_DIM = 256 };

cx_pretrain_options cx_pretrain_default_options(void) {
    cx_pretrain_options o = {.output_dir = "training/pretrain", .arch = "mini", .steps = 2000, .batch_size = 64,
                             .max_length = 128, .lr = 5e-4, .warmup_steps = 100, .mask_prob = 0.15,
                             .save_every = 250, .seed = 42};
    return o;
}

static int check_options(const cx_pretrain_options *o, cx_error *err) {
    if (!o->data || o->n_data < 1 || o->n_data > CX_MAX_TRAIN_FILES)
        return cx_error_set(err, CX_ERR_INVALID, "data: 1 to %d text files are required", CX_MAX_TRAIN_FILES);
    if (!o->vocab_dir) return cx_error_set(err, CX_ERR_INVALID, "vocab_dir is required (complexity build-vocab)");
    if (o->steps < 1) return cx_error_set(err, CX_ERR_INVALID, "steps must be at least 1");
    if (o->batch_size < 1 || o->batch_size > MAX_PRETRAIN_BATCH)
        return cx_error_set(err, CX_ERR_INVALID, "batch_size must be in 1..%d", MAX_PRETRAIN_BATCH);
    if (o->max_length < 3) return cx_error_set(err, CX_ERR_INVALID, "max_length must be at least 3");
    if (!(o->lr > 0 && o->lr < 1)) return cx_error_set(err, CX_ERR_INVALID, "lr must be in (0, 1)");
    if (o->warmup_steps < 0) return cx_error_set(err, CX_ERR_INVALID, "warmup_steps must not be negative");
    if (!(o->mask_prob > 0 && o->mask_prob <= 0.5)) return cx_error_set(err, CX_ERR_INVALID, "mask_prob must be in (0, 0.5]");
    if (o->save_every < 1) return cx_error_set(err, CX_ERR_INVALID, "save_every must be at least 1");
    return CX_OK;
}

static void note(const pretrainer *p, const char *fmt, ...) {
    if (!p->cb || !p->cb->message) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    p->cb->message(p->cb->ctx, line);
}

static int load_model(pretrainer *p, cx_error *err) {
    cx_model_config cfg;
    int rc = cx_tokenizer_open(p->o->vocab_dir, &p->tok, err);
    if (rc == CX_OK) rc = cx_model_preset(p->o->arch, &cfg, err);
    if (rc) return rc;
    cx_special_ids sp = cx_tokenizer_special_ids(p->tok);
    if (sp.mask < 0 || sp.cls < 0 || sp.sep < 0)
        return cx_error_set(err, CX_ERR_INVALID, "%s: the vocabulary lacks [MASK], [CLS] or [SEP]", p->o->vocab_dir);
    cfg.vocab_size = (int)cx_tokenizer_vocab_size(p->tok);
    if (cfg.max_positions < p->o->max_length) cfg.max_positions = p->o->max_length;
    rc = cx_model_create(&cfg, p->o->seed, &p->model, err);
    if (rc) return rc;
    p->n_enc = cx_model_heads_offset(p->model);
    p->n_head = mlm_head_size(&cfg);
    return CX_OK;
}

/* At most 1.5x the expected masked share of a full batch, and at least one per text. */
static int max_masked_of(const cx_pretrain_options *o) {
    double expected = (double)o->batch_size * o->max_length * o->mask_prob;
    return (int)ceil(1.5 * expected) + o->batch_size;
}

static int alloc_state(pretrainer *p, cx_error *err) {
    const cx_pretrain_options *o = p->o;
    const size_t max_tokens = (size_t)o->batch_size * (size_t)o->max_length;
    const cx_model_config *c = cx_model_get_config(p->model);
    p->bf16 = o->precision == CX_PRECISION_BF16 ||
              (o->precision == CX_PRECISION_AUTO && cx_bf16_supported() && c->dim >= BF16_MIN_DIM);
    if (o->precision == CX_PRECISION_BF16 && !cx_bf16_supported())
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "precision bf16: this CPU has neither AMX-BF16 nor AVX512-BF16");
    cx_ws_options wo = {.max_seqs = o->batch_size, .max_tokens = max_tokens, .max_len = o->max_length,
                        .freeze = 0, .training = 1, .bf16 = p->bf16};
    int rc = cx_ws_open(p->model, &wo, &p->ws, err);
    p->max_masked = max_masked_of(o);
    if (rc == CX_OK) rc = mlm_ws_open(c, p->max_masked, max_tokens, &p->mw, err);
    if (rc) return rc;
    const size_t n_all = cx_model_n_params(p->model), n_opt = p->n_enc + p->n_head;
    p->head = malloc(p->n_head * sizeof(float));
    p->head_grads = malloc(p->n_head * sizeof(float));
    p->grads = malloc(n_all * sizeof(float));
    p->m = calloc(n_opt, sizeof(float));
    p->v = calloc(n_opt, sizeof(float));
    p->ids = malloc(max_tokens * sizeof *p->ids);
    p->lengths = malloc((size_t)o->batch_size * sizeof *p->lengths);
    p->pos = malloc((size_t)p->max_masked * sizeof *p->pos);
    p->labels = malloc((size_t)p->max_masked * sizeof *p->labels);
    p->order = malloc(p->corpus.n * sizeof *p->order);
    p->order_epoch = -1;
    if (!p->head || !p->head_grads || !p->grads || !p->m || !p->v || !p->ids || !p->lengths || !p->pos ||
        !p->labels || !p->order)
        return cx_error_set(err, CX_ERR_NOMEM, "pretraining: out of memory");
    mlm_head_init(p->head, c, p->o->seed ^ 0x6d6c6dull);
    return CX_OK;
}

static void free_state(pretrainer *p) {
    cx_ws_free(p->ws);
    mlm_ws_free(p->mw);
    free(p->head);
    free(p->head_grads);
    free(p->grads);
    free(p->m);
    free(p->v);
    free(p->ids);
    free(p->lengths);
    free(p->pos);
    free(p->labels);
    free(p->order);
    pt_free_corpus(&p->corpus);
    cx_model_free(p->model);
    cx_tokenizer_free(p->tok);
}

/* The index of the k-th text of the run (k counts across epochs). */
static size_t text_at(pretrainer *p, size_t k) {
    const size_t n = p->corpus.n;
    long epoch = (long)(k / n);
    if (epoch != p->order_epoch) {
        for (size_t i = 0; i < n; i++) p->order[i] = i;
        cx_rng rng;
        cx_rng_seed(&rng, cx_mix64(p->o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)epoch));
        cx_rng_shuffle(&rng, p->order, n, sizeof *p->order);
        p->order_epoch = epoch;
    }
    return p->order[k % n];
}

/* Chosen piece t of a text: [MASK] (80%), a random piece (10%) or itself (10%). */
static void corrupt(const pretrainer *p, int32_t *id, cx_rng *rng) {
    const cx_special_ids sp = cx_tokenizer_special_ids(p->tok);
    const int V = cx_model_get_config(p->model)->vocab_size;
    const int first_piece = sp.mask + 1; /* build-vocab puts the specials first (mBERT's layout) */
    double r = cx_rng_uniform(rng);
    if (r < 0.8) *id = sp.mask;
    else if (r < 0.9 && V > first_piece) *id = first_piece + (int32_t)cx_rng_below(rng, (uint64_t)(V - first_piece));
}

/* Masks text ids[0..len) in place, never position 0 ([CLS]) nor the last
 * ([SEP]), at least one piece; appends the chosen positions (offset by base)
 * and their original ids. Returns the new count of masked positions. */
static int mask_text(pretrainer *p, int32_t *ids, int len, size_t base, int M, cx_rng *rng) {
    const int before = M;
    for (int t = 1; t < len - 1 && M < p->max_masked; t++) {
        if (cx_rng_uniform(rng) >= p->o->mask_prob) continue;
        p->pos[M] = (int32_t)(base + (size_t)t);
        p->labels[M++] = ids[t];
        corrupt(p, &ids[t], rng);
    }
    if (M == before && M < p->max_masked) { /* chance chose none */
        int t = 1 + (int)cx_rng_below(rng, (uint64_t)(len - 2));
        p->pos[M] = (int32_t)(base + (size_t)t);
        p->labels[M++] = ids[t];
        corrupt(p, &ids[t], rng);
    }
    return M;
}

/* Builds step `step`'s batch: the texts, masked. Returns the masked count. */
static int build_batch(pretrainer *p, long step) {
    const int B = p->o->batch_size;
    cx_rng rng;
    cx_rng_seed(&rng, cx_mix64(p->o->seed ^ cx_mix64((uint64_t)step + 1)));
    size_t tok = 0;
    int M = 0;
    for (int b = 0; b < B; b++) {
        size_t r = text_at(p, (size_t)step * (size_t)B + (size_t)b);
        int len = p->corpus.len[r];
        memcpy(p->ids + tok, p->corpus.ids + p->corpus.offset[r], (size_t)len * sizeof *p->ids);
        M = mask_text(p, p->ids + tok, len, tok, M, &rng);
        p->lengths[b] = len;
        tok += (size_t)len;
    }
    return M;
}

static int train_step(pretrainer *p, double *loss, int *correct, int *masked, cx_error *err) {
    int M = build_batch(p, p->step);
    cx_model_batch b = {.n_seqs = p->o->batch_size, .lengths = p->lengths, .ids = p->ids};
    memset(p->grads, 0, cx_model_n_params(p->model) * sizeof(float));
    memset(p->head_grads, 0, p->n_head * sizeof(float));
    int rc = cx_model_mlm_step(p->model, p->ws, p->mw, &b, p->pos, p->labels, M, p->head, p->grads, p->head_grads,
                               1, p->o->seed + (uint64_t)p->step, loss, correct, err);
    if (rc) return rc;
    double norm2 = cx_sum_squares(p->grads, p->n_enc) + cx_sum_squares(p->head_grads, p->n_head);
    float clip = cx_clip_factor(sqrt(norm2), 1.0);
    double lr = p->o->lr * cx_lr_multiplier(p->step, p->o->steps, p->o->warmup_steps);
    long t = p->step + 1;
    cx_adamw_update(cx_model_params(p->model), p->grads, clip, p->m, p->v, p->n_enc, (float)lr, &ADAMW, t);
    cx_adamw_update(p->head, p->head_grads, clip, p->m + p->n_enc, p->v + p->n_enc, p->n_head, (float)lr, &ADAMW, t);
    cx_ws_weights_changed(p->ws);
    p->step = t;
    *masked = M;
    return CX_OK;
}

static void report(const pretrainer *p, long done, double loss, double t0) {
    if (!p->cb || !p->cb->progress) return;
    double lr = p->o->lr * cx_lr_multiplier(p->step, p->o->steps, p->o->warmup_steps);
    cx_train_progress pr = {1, 1, p->step, p->o->steps, done, p->o->steps, loss, lr, cx_now_s() - t0, "pretrain"};
    p->cb->progress(p->cb->ctx, &pr);
}

static int save_all(pretrainer *p, double loss, double acc, double seconds, cx_error *err) {
    int rc = pt_save_checkpoint(p, err);
    if (rc == CX_OK) rc = pt_write_model(p, err);
    if (rc == CX_OK) rc = pt_append_log(p, loss, acc, seconds, err);
    if (rc == CX_OK) note(p, "step %ld/%ld: masked-LM loss %.4f, accuracy %.2f%%", p->step, p->o->steps, loss, 100 * acc);
    return rc;
}

static int run_steps(pretrainer *p, int *interrupted, cx_error *err) {
    const double t0 = cx_now_s();
    double loss_sum = 0, n_right = 0, n_masked = 0;
    long since = 0;
    int rc = CX_OK;
    while (rc == CX_OK && p->step < p->o->steps) {
        double loss;
        int correct, masked;
        rc = train_step(p, &loss, &correct, &masked, err);
        if (rc) break;
        loss_sum += loss;
        n_right += correct;
        n_masked += masked;
        since++;
        report(p, p->step, loss_sum / (double)since, t0);
        int stop = p->o->stop && *p->o->stop;
        if (p->step % p->o->save_every == 0 || p->step == p->o->steps || stop) {
            rc = save_all(p, loss_sum / (double)since, n_right / n_masked, cx_now_s() - t0, err);
            loss_sum = n_right = n_masked = 0;
            since = 0;
        }
        if (stop && p->step < p->o->steps) {
            *interrupted = 1;
            break;
        }
    }
    return rc;
}

int cx_pretrain(const cx_pretrain_options *o, const cx_train_callbacks *cb, int *interrupted, cx_error *err) {
    int dummy;
    if (!interrupted) interrupted = &dummy;
    *interrupted = 0;
    int rc = check_options(o, err);
    if (rc) return rc;
    pretrainer p = {.o = o, .cb = cb};
    if (o->threads > 0) cx_model_set_threads(o->threads);
    rc = load_model(&p, err);
    if (rc == CX_OK) rc = pt_load_corpus(&p.corpus, o, p.tok, err);
    if (rc == CX_OK) rc = alloc_state(&p, err);
    if (rc == CX_OK) rc = cx_mkdirs(o->output_dir, err);
    if (rc == CX_OK) rc = pt_write_folder(&p, err);
    if (rc == CX_OK && o->resume) rc = pt_load_checkpoint(&p, err);
    else if (rc == CX_OK) rc = pt_start_log(&p, err);
    if (rc == CX_OK) {
        const cx_model_config *c = cx_model_get_config(p.model);
        note(&p, "pretraining %s (%d wide, %d layers, %d pieces) on %zu texts, %zu pieces (%zu too short, skipped); "
             "%s; from step %ld of %ld", o->arch, c->dim, c->n_layers, c->vocab_size, p.corpus.n, p.corpus.n_tokens,
             p.corpus.n_skipped, p.bf16 ? "bf16 GEMMs" : "fp32", p.step, o->steps);
        rc = run_steps(&p, interrupted, err);
    }
    free_state(&p);
    return rc;
}
