/* complexity pretrain's files: the text corpus it reads, the Hugging Face
 * folder and the checkpoint it writes (each written atomically). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/fileio.h"
#include "model/config_json.h"
#include "model/safetensors.h"
#include "train/outfile.h"
#include "train/pretrain_int.h"

enum { MAX_LINE = 1 << 20, MAX_TENSORS = 8 + 16 * CX_MODEL_MAX_LAYERS };

#define META_STATE "complexity.pretrain"
#define META_CONFIG "complexity.config"

/* ---- the corpus */

static int grow(pt_corpus *c, size_t *cap_texts, size_t *cap_ids, size_t more_ids) {
    if (c->n == *cap_texts) {
        size_t cap = *cap_texts ? 2 * *cap_texts : 4096;
        size_t *off = realloc(c->offset, cap * sizeof *off);
        if (off) c->offset = off;
        int *len = realloc(c->len, cap * sizeof *len);
        if (len) c->len = len;
        if (!off || !len) return -1;
        *cap_texts = cap;
    }
    if (c->n_tokens + more_ids > *cap_ids) {
        size_t cap = *cap_ids ? 2 * *cap_ids : 1 << 20;
        while (cap < c->n_tokens + more_ids) cap *= 2;
        int32_t *ids = realloc(c->ids, cap * sizeof *ids);
        if (!ids) return -1;
        c->ids = ids;
        *cap_ids = cap;
    }
    return 0;
}

/* One record: {"text": "..."}; blank lines are skipped. */
static int add_line(pt_corpus *c, const char *line, size_t n, const char *path, long lineno, const cx_tokenizer *tok,
                    int max_length, int32_t *buf, size_t *cap_texts, size_t *cap_ids, cx_error *err) {
    cJSON *o = cJSON_ParseWithLength(line, n);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text");
    int rc = CX_OK;
    size_t got = 0;
    if (!cJSON_IsString(text))
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%ld: %s", path, lineno,
                          o ? "no \"text\" string" : "not a JSON object");
    else if ((rc = cx_tokenizer_encode(tok, text->valuestring, strlen(text->valuestring), (size_t)max_length, buf,
                                       NULL, (size_t)max_length, &got, err)))
        cx_error_prefix(err, "%s:%ld", path, lineno);
    cJSON_Delete(o);
    if (rc) return rc;
    if (got < 3) { /* [CLS] [SEP] alone: nothing to mask */
        c->n_skipped++;
        return CX_OK;
    }
    if (grow(c, cap_texts, cap_ids, got)) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    memcpy(c->ids + c->n_tokens, buf, got * sizeof *buf);
    c->offset[c->n] = c->n_tokens;
    c->len[c->n] = (int)got;
    c->n_tokens += got;
    c->n++;
    return CX_OK;
}

static int load_file(pt_corpus *c, const char *path, const cx_tokenizer *tok, int max_length, int32_t *buf,
                     size_t *cap_texts, size_t *cap_ids, cx_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return cx_error_set(err, CX_ERR_IO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = CX_OK;
    while (rc == CX_OK && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > MAX_LINE) rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%ld: line longer than 1 MiB", path, lineno);
        else if (strspn(line, " \t\r\n") < (size_t)n)
            rc = add_line(c, line, (size_t)n, path, lineno, tok, max_length, buf, cap_texts, cap_ids, err);
    }
    if (rc == CX_OK && ferror(f)) rc = cx_error_set(err, CX_ERR_IO, "%s: read error", path);
    free(line);
    fclose(f);
    return rc;
}

int pt_load_corpus(pt_corpus *c, const cx_pretrain_options *o, const cx_tokenizer *tok, cx_error *err) {
    memset(c, 0, sizeof *c);
    int32_t *buf = malloc((size_t)o->max_length * sizeof *buf);
    if (!buf) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    size_t cap_texts = 0, cap_ids = 0;
    int rc = CX_OK;
    for (int i = 0; i < o->n_data && rc == CX_OK; i++)
        rc = load_file(c, o->data[i], tok, o->max_length, buf, &cap_texts, &cap_ids, err);
    free(buf);
    if (rc == CX_OK && c->n == 0) rc = cx_error_set(err, CX_ERR_INVALID, "pretraining data: no text to learn from");
    if (rc) pt_free_corpus(c);
    return rc;
}

void pt_free_corpus(pt_corpus *c) {
    free(c->ids);
    free(c->offset);
    free(c->len);
    memset(c, 0, sizeof *c);
}

/* ---- tensors: the encoder's (its names are Hugging Face's), then the head's */

static int collect(const pretrainer *p, st_out *t) {
    float *mem = cx_model_params(p->model);
    int n = 0;
    for (int i = 0; i < cx_model_n_tensors(p->model); i++) {
        const char *name;
        size_t off;
        int nd, shape[CX_TENSOR_MAX_DIMS];
        cx_model_tensor(p->model, i, &name, &off, &nd, shape);
        if (off >= p->n_enc) continue;
        t[n] = (st_out){.name = name, .data = mem + off, .ndim = nd};
        for (int d = 0; d < nd; d++) t[n].shape[d] = shape[d];
        n++;
    }
    const cx_model_config *c = cx_model_get_config(p->model);
    for (int i = 0; i < MLM_HEAD_TENSORS; i++, n++) {
        size_t off;
        int64_t shape[2];
        mlm_head_tensor(c, i, &t[n].name, &off, &t[n].ndim, shape);
        t[n].data = p->head + off;
        t[n].shape[0] = shape[0];
        t[n].shape[1] = shape[1];
    }
    return n;
}

static char *config_text(const pretrainer *p) {
    cJSON *j = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(j, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("DistilBertForMaskedLM"));
    cJSON_AddStringToObject(j, "model_type", "distilbert");
    cJSON_AddStringToObject(j, "activation", "gelu");
    cJSON_AddFalseToObject(j, "sinusoidal_pos_embds");
    cJSON_AddTrueToObject(j, "tie_word_embeddings");
    cJSON_AddNumberToObject(j, "pad_token_id", cx_tokenizer_special_ids(p->tok).pad);
    cJSON_AddNumberToObject(j, "initializer_range", 0.02);
    char *s = model_config_to_json(cx_model_get_config(p->model), CFG_HF, j) == 0 ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    return s;
}

int pt_write_folder(const pretrainer *p, cx_error *err) {
    char *cfg = config_text(p);
    int rc = cfg ? outfile_write_text(p->o->output_dir, "config.json", cfg, err)
                 : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (rc == CX_OK) rc = cx_tokenizer_save(p->tok, p->o->output_dir, err);
    free(cfg);
    return rc;
}

int pt_write_model(const pretrainer *p, cx_error *err) {
    st_out t[MAX_TENSORS];
    int n = collect(p, t);
    char *path = cx_path_join(p->o->output_dir, "model.safetensors");
    const char *meta[] = {"format", "pt"};
    int rc = path ? st_write(path, t, n, meta, 1, err) : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    free(path);
    return rc;
}

/* ---- the checkpoint */

static char *state_text(const pretrainer *p) {
    const cx_pretrain_options *o = p->o;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "step", (double)p->step);
    cJSON_AddNumberToObject(j, "steps", (double)o->steps);
    cJSON_AddNumberToObject(j, "batch_size", o->batch_size);
    cJSON_AddNumberToObject(j, "max_length", o->max_length);
    cJSON_AddNumberToObject(j, "mask_prob", o->mask_prob);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddNumberToObject(j, "texts", (double)p->corpus.n);
    cJSON_AddNumberToObject(j, "tokens", (double)p->corpus.n_tokens);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

int pt_save_checkpoint(const pretrainer *p, cx_error *err) {
    st_out t[MAX_TENSORS + 2];
    int n = collect(p, t);
    const int64_t moments = (int64_t)(p->n_enc + p->n_head);
    t[n++] = (st_out){.name = "optimizer.exp_avg", .data = p->m, .ndim = 1, .shape = {moments}};
    t[n++] = (st_out){.name = "optimizer.exp_avg_sq", .data = p->v, .ndim = 1, .shape = {moments}};
    char *state = state_text(p);
    char *cfg = model_config_json_string(cx_model_get_config(p->model), CFG_META);
    char *path = cx_path_join(p->o->output_dir, "pretrain_checkpoint.safetensors");
    const char *meta[] = {META_STATE, state, META_CONFIG, cfg};
    int rc = state && cfg && path ? st_write(path, t, n, meta, 2, err)
                                  : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    free(state);
    free(cfg);
    free(path);
    return rc;
}

/* The settings a checkpoint must share with this run to continue it. */
static int check_state(pretrainer *p, const char *js, const char *path, cx_error *err) {
    cJSON *j = js ? cJSON_Parse(js) : NULL;
    const cx_pretrain_options *o = p->o;
    const struct { const char *key; double want; } keys[] = {
        {"batch_size", o->batch_size}, {"max_length", o->max_length}, {"seed", (double)o->seed},
        {"texts", (double)p->corpus.n}, {"tokens", (double)p->corpus.n_tokens}};
    int rc = j ? CX_OK : cx_error_set(err, CX_ERR_FORMAT, "%s: no " META_STATE " metadata", path);
    for (size_t i = 0; rc == CX_OK && i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i].key);
        if (!cJSON_IsNumber(v) || v->valuedouble != keys[i].want)
            rc = cx_error_set(err, CX_ERR_INVALID, "%s: made with %s %.17g, this run has %.17g: resume with the "
                              "same data and settings", path, keys[i].key, cJSON_IsNumber(v) ? v->valuedouble : -1.0,
                              keys[i].want);
    }
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(j, "step");
    if (rc == CX_OK && !(cJSON_IsNumber(step) && step->valuedouble >= 0 && step->valuedouble <= (double)o->steps))
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: step is missing or beyond --steps %ld", path, o->steps);
    if (rc == CX_OK) p->step = (long)step->valuedouble;
    cJSON_Delete(j);
    return rc;
}

static int read_tensor(const st_file *f, const char *name, float *dst, size_t n, const char *path, cx_error *err) {
    const st_tensor *t = st_find(f, name);
    if (!t) return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: tensor '%s' is missing", path, name);
    return st_read_f32(f, t, dst, n, err) ? cx_error_prefix(err, "%s", path) : CX_OK;
}

int pt_load_checkpoint(pretrainer *p, cx_error *err) {
    char *path = cx_path_join(p->o->output_dir, "pretrain_checkpoint.safetensors");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    st_file *f = NULL;
    int rc = st_open(&f, path, err);
    if (rc == CX_OK) rc = check_state(p, st_meta(f, META_STATE), path, err);
    st_out t[MAX_TENSORS];
    int n = rc ? 0 : collect(p, t);
    for (int i = 0; i < n && rc == CX_OK; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) count *= (size_t)t[i].shape[d];
        rc = read_tensor(f, t[i].name, (float *)t[i].data, count, path, err);
    }
    if (rc == CX_OK) rc = read_tensor(f, "optimizer.exp_avg", p->m, p->n_enc + p->n_head, path, err);
    if (rc == CX_OK) rc = read_tensor(f, "optimizer.exp_avg_sq", p->v, p->n_enc + p->n_head, path, err);
    st_close(f);
    free(path);
    return rc;
}

int pt_start_log(const pretrainer *p, cx_error *err) {
    char *path = cx_path_join(p->o->output_dir, "pretrain.jsonl");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = remove(path) == 0 || errno == ENOENT ? CX_OK
                                                  : cx_error_set(err, CX_ERR_IO, "%s: %s", path, strerror(errno));
    free(path);
    return rc;
}

int pt_append_log(const pretrainer *p, double loss, double accuracy, double seconds, cx_error *err) {
    char *path = cx_path_join(p->o->output_dir, "pretrain.jsonl");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    char line[160];
    snprintf(line, sizeof line, "{\"step\": %ld, \"loss\": %.6f, \"accuracy\": %.6f, \"seconds\": %.1f}", p->step,
             loss, accuracy, seconds);
    int rc = outfile_append_line(path, line, err);
    free(path);
    return rc;
}
