/* Files the trainer writes: models, checkpoint, metrics.jsonl, config.json,
 * tokenizer/. Each is written atomically. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "train/checkpoint.h"
#include "train/outfile.h"
#include "model/config_json.h"
#include "train/trainer_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

int trainer_save_model(trainer *t, const char *file, cx_error *err) {
    if (t->dist.rank != 0) return CX_OK; /* rank 0 alone writes */
    char *path = cx_path_join(t->o->output_dir, file);
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = cx_model_save(t->model, path, err);
    free(path);
    return rc;
}

int trainer_save_checkpoint(trainer *t, cx_error *err) {
    if (t->dist.rank != 0) return CX_OK; /* rank 0 alone writes */
    char *path = cx_path_join(t->o->output_dir, "checkpoint.safetensors");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    ckpt_state st = {t->step, t->best_metric, t->epoch_loss_sum, (long)t->train.n, t->o->batch_size,
                     t->o->freeze_layers, t->o->epochs, (unsigned long long)t->o->seed};
    int rc = ckpt_save(path, t->model, t->m, t->v, t->n_trainable, &st, err);
    free(path);
    return rc;
}

static void add_number(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

int trainer_append_metrics(trainer *t, const cx_epoch_report *r, cx_error *err) {
    if (t->dist.rank != 0) return CX_OK; /* rank 0 alone writes */
    cJSON *o = cJSON_CreateObject();
    if (!o) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    cJSON_AddNumberToObject(o, "epoch", r->epoch);
    cJSON_AddNumberToObject(o, "step", (double)t->step);
    add_number(o, "train_loss", r->train_loss);
    add_number(o, "val_loss", r->val_loss);
    add_number(o, "val_score_mae", r->val_mae);
    add_number(o, "val_tier_accuracy", r->val_tier_acc);
    add_number(o, "val_intent_accuracy", r->val_intent_acc);
    add_number(o, "val_domain_f1", r->val_domain_f1);
    add_number(o, "seconds", r->seconds);
    cJSON_AddBoolToObject(o, "best", r->is_best);
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    char *path = cx_path_join(t->o->output_dir, "metrics.jsonl");
    int rc = path ? outfile_append_line(path, line, err) : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    free(path);
    free(line);
    return rc;
}

static cJSON *names_array(const char *const *names, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
    return a;
}

/* config.json: the seed's keys, then the architecture (config_json.h, Hugging
 * Face's names) so that the folder describes itself and loads as a base model. */
static cJSON *config_json(trainer *t) {
    const cx_train_options *o = t->o;
    const cx_model_config *c = cx_model_get_config(t->model);
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "base_model", t->base_model);
    cJSON_AddNumberToObject(j, "freeze_layers", o->freeze_layers);
    cJSON_AddNumberToObject(j, "max_length", o->max_length);
    cJSON_AddNumberToObject(j, "epochs", o->epochs);
    cJSON_AddNumberToObject(j, "batch_size", o->batch_size);
    cJSON_AddNumberToObject(j, "lr", o->lr);
    cJSON_AddStringToObject(j, "training_precision", t->bf16 ? "bf16" : "fp32");
    cJSON_AddItemToObject(j, "tiers", names_array(cx_tier_names, CX_N_TIERS));
    cJSON_AddItemToObject(j, "domains", names_array(cx_domain_names, CX_N_DOMAINS));
    cJSON_AddItemToObject(j, "intents", names_array(cx_intent_names, CX_N_INTENTS));
    if (model_config_to_json(c, CFG_HF, j) != 0) {
        cJSON_Delete(j);
        return NULL;
    }
    cJSON_AddNumberToObject(j, "warmup_steps", o->warmup_steps);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    return j;
}

int trainer_write_outputs(trainer *t, cx_error *err) {
    if (t->dist.rank != 0) return CX_OK; /* rank 0 alone writes */
    cJSON *j = config_json(t);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!text) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = outfile_write_text(t->o->output_dir, "config.json", text, err);
    free(text);
    if (rc) return rc;
    char *dir = cx_path_join(t->o->output_dir, "tokenizer");
    if (!dir) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    /* positions past the training length were never trained: hosts should stop there */
    cx_tokenizer_set_default_max_length(t->tok, (size_t)t->o->max_length);
    rc = cx_tokenizer_save(t->tok, dir, err);
    free(dir);
    return rc;
}
