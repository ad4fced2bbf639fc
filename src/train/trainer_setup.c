/* Preparing a training run: tokenizer, model, data, buffers, the cache of
 * frozen activations, and the state of a resumed run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "complexity/dataset.h"
#include "complexity/labels.h"
#include "train/checkpoint.h"
#include "train/trainer_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

enum { DEFAULT_CACHE_MB = 4096 };

static int check_options(const cx_train_options *o, cx_error *err) {
    if (!o->data || o->n_data < 1 || o->n_data > CX_MAX_TRAIN_FILES)
        return cx_error_set(err, CX_ERR_INVALID, "data: 1 to %d training files are required", CX_MAX_TRAIN_FILES);
    for (int i = 0; i < o->n_data; i++) {
        if (!o->data[i].path) return cx_error_set(err, CX_ERR_INVALID, "data[%d]: no path", i);
        if (o->data[i].weight < 1 || o->data[i].weight > CX_MAX_DATA_WEIGHT)
            return cx_error_set(err, CX_ERR_INVALID, "data[%d] (%s): weight %d is outside 1..%d", i, o->data[i].path,
                                o->data[i].weight, CX_MAX_DATA_WEIGHT);
    }
    if (o->epochs < 1) return cx_error_set(err, CX_ERR_INVALID, "epochs must be at least 1");
    if (o->batch_size < 1 || o->batch_size > MAX_BATCH)
        return cx_error_set(err, CX_ERR_INVALID, "batch_size must be in 1..%d", MAX_BATCH);
    if (!(o->lr > 0 && o->lr < 1)) return cx_error_set(err, CX_ERR_INVALID, "lr must be in (0, 1)");
    if (o->max_length < 2) return cx_error_set(err, CX_ERR_INVALID, "max_length must be at least 2");
    if (o->warmup_steps < 0) return cx_error_set(err, CX_ERR_INVALID, "warmup_steps must not be negative");
    if (o->freeze_layers < 0) return cx_error_set(err, CX_ERR_INVALID, "freeze_layers must not be negative");
    if (!o->base_dir && !o->vocab_dir)
        return cx_error_set(err, CX_ERR_INVALID,
                            "training from scratch needs a vocabulary: vocab_dir (one made by build-vocab) or base_dir");
    return CX_OK;
}

static int load_model(trainer *t, cx_error *err) {
    const cx_train_options *o = t->o;
    int rc;
    if (o->base_dir) {
        rc = cx_tokenizer_open(o->base_dir, &t->tok, err);
        if (rc == CX_OK) rc = cx_model_load_hf(o->base_dir, o->seed, &t->model, err);
        snprintf(t->base_model, sizeof t->base_model, "%s", o->base_name ? o->base_name : o->base_dir);
    } else {
        cx_model_config cfg;
        rc = cx_tokenizer_open(o->vocab_dir, &t->tok, err);
        if (rc == CX_OK) rc = cx_model_preset(o->arch, &cfg, err);
        if (rc == CX_OK) {
            cfg.vocab_size = (int)cx_tokenizer_vocab_size(t->tok);
            if (cfg.max_positions < o->max_length) cfg.max_positions = o->max_length;
            rc = cx_model_create(&cfg, o->seed, &t->model, err);
        }
        snprintf(t->base_model, sizeof t->base_model, "none (from scratch: %s)", o->arch);
    }
    if (rc) return rc;
    const cx_model_config *c = cx_model_get_config(t->model);
    if ((size_t)c->vocab_size < cx_tokenizer_vocab_size(t->tok))
        return cx_error_set(err, CX_ERR_INVALID, "the tokenizer has %zu tokens but the model only %d embeddings",
                            cx_tokenizer_vocab_size(t->tok), c->vocab_size);
    if (o->freeze_layers > c->n_layers)
        return cx_error_set(err, CX_ERR_INVALID, "freeze_layers %d: the model has only %d layers", o->freeze_layers,
                            c->n_layers);
    if (o->max_length > c->max_positions)
        return cx_error_set(err, CX_ERR_INVALID, "max_length %d exceeds the model's %d positions", o->max_length,
                            c->max_positions);
    return CX_OK;
}

static int load_train_data(trainer *t, cx_error *err) {
    const cx_train_options *o = t->o;
    cx_dataset *ds[CX_MAX_TRAIN_FILES] = {0};
    tokdata_source src[CX_MAX_TRAIN_FILES];
    int rc = CX_OK;
    for (int i = 0; i < o->n_data && rc == CX_OK; i++) {
        rc = cx_dataset_load(o->data[i].path, 0, &ds[i], err);
        src[i] = (tokdata_source){ds[i], o->data[i].weight};
    }
    if (rc == CX_OK) rc = tokdata_build(&t->train, src, o->n_data, t->tok, o->max_length, err);
    for (int i = 0; i < o->n_data; i++) cx_dataset_free(ds[i]);
    return rc;
}

static int load_data(trainer *t, cx_error *err) {
    int rc = load_train_data(t, err);
    if (rc || !t->o->val_path) return rc;
    cx_dataset *ds = NULL;
    rc = cx_dataset_load(t->o->val_path, 0, &ds, err);
    tokdata_source src = {ds, 1};
    if (rc == CX_OK) rc = tokdata_build(&t->val, &src, 1, t->tok, t->o->max_length, err);
    cx_dataset_free(ds);
    t->has_val = rc == CX_OK;
    return rc;
}

/* auto: bf16 where the CPU runs it natively and the GEMMs are wide enough to
 * gain from it; below width 256 the conversions cost more than AMX saves
 * (tiny, 128 wide: 78 steps/s fp32 vs 51 bf16; small, 256: 31.1 s vs 25.9 s
 * per epoch of the reference data). */
enum { BF16_MIN_DIM = 256 };

static int choose_precision(trainer *t, cx_error *err) {
    int native = cx_bf16_supported();
    if (t->o->precision == CX_PRECISION_BF16 && !native)
        return cx_error_set(err, CX_ERR_UNSUPPORTED,
                            "precision bf16: this CPU has neither AMX-BF16 nor AVX512-BF16 (use fp32 or auto)");
    int wide = cx_model_get_config(t->model)->dim >= BF16_MIN_DIM;
    t->bf16 = t->o->precision == CX_PRECISION_BF16 || (t->o->precision == CX_PRECISION_AUTO && native && wide);
    return CX_OK;
}

static int alloc_buffers(trainer *t, cx_error *err) {
    const cx_model_config *c = cx_model_get_config(t->model);
    const int B = t->o->batch_size;
    int max_len = t->train.max_len > t->val.max_len ? t->train.max_len : t->val.max_len;
    size_t max_tokens = (size_t)B * (size_t)max_len;
    t->off_train = cx_model_trainable_offset(t->model, t->o->freeze_layers);
    t->off_heads = cx_model_heads_offset(t->model);
    t->n_trainable = cx_model_n_params(t->model) - t->off_train;
    t->grads = calloc(t->n_trainable, sizeof(float));
    t->m = calloc(t->n_trainable, sizeof(float));
    t->v = calloc(t->n_trainable, sizeof(float));
    t->b_ids = malloc(max_tokens * sizeof *t->b_ids);
    t->b_len = malloc((size_t)B * sizeof(int));
    t->b_tier = malloc((size_t)B * sizeof(int));
    t->b_intent = malloc((size_t)B * sizeof(int));
    t->b_score = malloc((size_t)B * sizeof(float));
    t->b_domains = malloc((size_t)B * CX_N_DOMAINS * sizeof(float));
    t->b_keys = malloc((size_t)B * sizeof *t->b_keys);
    t->b_hidden = t->o->freeze_layers > 0 ? malloc(max_tokens * (size_t)c->dim * sizeof(float)) : NULL;
    t->perm = malloc(t->train.n * sizeof *t->perm);
    if (!t->grads || !t->m || !t->v || !t->b_ids || !t->b_len || !t->b_tier || !t->b_intent || !t->b_score ||
        !t->b_domains || !t->b_keys || (t->o->freeze_layers > 0 && !t->b_hidden) || !t->perm)
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory for training buffers");
    cx_ws_options wo = {.max_seqs = B, .max_tokens = max_tokens, .max_len = max_len,
                        .freeze = t->o->freeze_layers, .training = 1, .bf16 = t->bf16};
    return cx_ws_open(t->model, &wo, &t->ws, err);
}

/* Runs the frozen part once for every distinct text of td into fc, when the
 * activations fit in *budget_mb (which they then use up); otherwise leaves
 * fc empty and every step recomputes them. */
static int build_cache(trainer *t, const tokdata *td, const char *what, frozen_cache *fc, double *budget_mb,
                       cx_error *err) {
    const size_t D = (size_t)cx_model_get_config(t->model)->dim;
    double need_mb = (double)td->n_distinct_tokens * (double)D * 4.0 / (1 << 20);
    if (need_mb > *budget_mb) {
        trainer_note(t, "frozen activations of the %s data need %.0f MB, over the cache limit: recomputing them each step",
                     what, need_mb);
        return CX_OK;
    }
    fc->acts = malloc(td->n_distinct_tokens * D * sizeof(float));
    fc->off = malloc(td->n_distinct * sizeof *fc->off);
    if (!fc->acts || !fc->off) {
        free(fc->acts);
        fc->acts = NULL;
        trainer_note(t, "no memory for %.0f MB of cached activations: recomputing them each step", need_mb);
        return CX_OK;
    }
    *budget_mb -= need_mb;
    size_t pos = 0;
    const int B = t->o->batch_size;
    const long batches = (long)((td->n_distinct + (size_t)B - 1) / (size_t)B);
    for (size_t first = 0; first < td->n_distinct; first += (size_t)B) {
        int n = (int)(td->n_distinct - first < (size_t)B ? td->n_distinct - first : (size_t)B);
        size_t tok = 0;
        for (int b = 0; b < n; b++) {
            size_t r = td->first_of[first + (size_t)b];
            fc->off[first + (size_t)b] = (pos + tok) * D;
            memcpy(t->b_ids + tok, td->ids + td->offset[r], (size_t)td->len[r] * sizeof *t->b_ids);
            t->b_len[b] = td->len[r];
            tok += (size_t)td->len[r];
        }
        cx_model_batch batch = {n, t->b_len, t->b_ids, NULL};
        int rc = cx_model_encode_frozen(t->model, t->ws, &batch, fc->acts + pos * D, err);
        if (rc) return rc;
        pos += tok;
        if (t->cb && t->cb->progress) {
            cx_train_progress p = {1, t->o->epochs, 0, t->total_steps, (long)(first / (size_t)B) + 1, batches, 0, 0,
                                   cx_now_s() - t->t0, "cache"};
            t->cb->progress(t->cb->ctx, &p);
        }
    }
    trainer_note(t, "cached frozen activations of %zu distinct %s texts (%.0f MB)", td->n_distinct, what, need_mb);
    return CX_OK;
}

static int build_caches(trainer *t, cx_error *err) {
    if (t->o->freeze_layers == 0) return CX_OK;
    double budget_mb = (double)(t->o->cache_limit_mb ? t->o->cache_limit_mb : DEFAULT_CACHE_MB);
    int rc = build_cache(t, &t->train, "training", &t->fc_train, &budget_mb, err);
    if (rc == CX_OK && t->has_val) rc = build_cache(t, &t->val, "validation", &t->fc_val, &budget_mb, err);
    return rc;
}

/* Continues from output_dir/checkpoint.safetensors, refusing one made by a
 * different run (data, batch size, freezing, epochs or seed). */
static int resume(trainer *t, cx_error *err) {
    char *path = cx_path_join(t->o->output_dir, "checkpoint.safetensors");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        cx_error_set(err, CX_ERR_NOT_FOUND, "resume: %s has no checkpoint to resume from", t->o->output_dir);
        free(path);
        return CX_ERR_NOT_FOUND;
    }
    ckpt_state st;
    int rc = ckpt_read_state(path, &st, err);
    if (rc == CX_OK && (st.n_records != (long)t->train.n || st.batch_size != t->o->batch_size ||
                        st.freeze != t->o->freeze_layers || st.epochs != t->o->epochs ||
                        st.seed != (unsigned long long)t->o->seed))
        rc = cx_error_set(err, CX_ERR_INVALID,
                          "%s was made by another run (%ld records, batch %d, freeze %d, %d epochs, seed %llu): "
                          "resume with the same data and options",
                          path, st.n_records, st.batch_size, st.freeze, st.epochs, st.seed);
    if (rc == CX_OK) rc = ckpt_load(path, t->model, t->m, t->v, t->n_trainable, err);
    if (rc == CX_OK) {
        cx_ws_weights_changed(t->ws);
        t->step = st.step;
        t->best_metric = st.best_metric;
        t->epoch_loss_sum = st.epoch_loss_sum;
        trainer_note(t, "resuming from %s at step %ld of %ld", path, t->step, t->total_steps);
    }
    free(path);
    return rc;
}

int trainer_setup(trainer *t, const cx_train_options *o, const cx_train_callbacks *cb, cx_error *err) {
    memset(t, 0, sizeof *t);
    t->o = o;
    t->cb = cb;
    t->t0 = cx_now_s();
    t->best_metric = 1e300;
    int rc = check_options(o, err);
    if (rc == CX_OK) rc = cx_dist_open(&t->dist, err);
    if (rc) return rc;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cx_model_set_threads(o->threads > 0 ? o->threads : (int)(cores > 0 ? cores : 1));
    if ((rc = load_model(t, err)) || (rc = choose_precision(t, err)) || (rc = load_data(t, err)) ||
        (rc = alloc_buffers(t, err)))
        return rc;
    t->steps_per_epoch = (long)((t->train.n + (size_t)o->batch_size - 1) / (size_t)o->batch_size);
    t->total_steps = t->steps_per_epoch * o->epochs;
    if ((rc = cx_mkdirs(o->output_dir, err))) return rc;
    if (o->resume && (rc = resume(t, err))) return rc;
    if ((rc = trainer_write_outputs(t, err))) return rc;
    trainer_note(t, "%zu training records (%zu distinct texts, %zu tokens), %ld steps of batch %d; %zu of %zu weights trainable; "
                 "%s GEMMs", t->train.n, t->train.n_distinct, t->train.n_tokens, t->total_steps, o->batch_size,
                 t->n_trainable, cx_model_n_params(t->model), t->bf16 ? "bf16" : "fp32");
    if (t->dist.joined)
        trainer_note(t, "data-parallel over %d MPI ranks: each takes its share of every batch of %d, gradients summed",
                     t->dist.size, o->batch_size);
    return build_caches(t, err);
}

void trainer_teardown(trainer *t) {
    cx_ws_free(t->ws);
    cx_model_free(t->model);
    cx_tokenizer_free(t->tok);
    tokdata_free(&t->train);
    tokdata_free(&t->val);
    free(t->fc_train.acts);
    free(t->fc_train.off);
    free(t->fc_val.acts);
    free(t->fc_val.off);
    free(t->grads);
    free(t->m);
    free(t->v);
    free(t->b_ids);
    free(t->b_len);
    free(t->b_tier);
    free(t->b_intent);
    free(t->b_score);
    free(t->b_domains);
    free(t->b_hidden);
    free(t->b_keys);
    free(t->perm);
    cx_dist_close(&t->dist);
}
