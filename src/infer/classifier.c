/* cx_classifier: tokenizer + a model (fp32, or the INT8 engine) + the n-gram
 * part, read-only once open; cx_classifier_ctx: one thread's working memory
 * (an fp32 one-sequence workspace, or an INT8 engine context). A single prompt
 * runs at its true length: no padding. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/classifier.h"
#include "complexity/engine.h"
#include "complexity/model.h"
#include "complexity/tokenizer.h"
#include "infer/ngram.h"
#include "infer/prediction.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

struct cx_classifier {
    cx_tokenizer *tok;
    cx_model *model;       /* fp32 backend, or NULL */
    cx_engine *engine;     /* INT8 backend, or NULL */
    int max_length;
    int keep_tail;         /* tokens kept from the end of a long text (0 here: the head only) */
    int raw_score;         /* options.raw_score */
    int threads;           /* INT8: each context's GEMM threads */
    char *kernel;          /* INT8: options.kernel, or NULL for the best */
    const char *backend;   /* "fp32" or "int8/<kernel>" (static) */
    cx_ngram *ngram;       /* the n-gram part mixed in, or NULL */
    size_t batch_tokens;   /* ids capacity: one text (fp32) or one engine batch (INT8) */
    char *model_path;
};

struct cx_classifier_ctx {
    const cx_classifier *c;
    cx_model_ws *ws;       /* fp32 */
    cx_engine_ctx *ectx;   /* INT8 */
    int32_t *ids;          /* (batch_tokens) */
    int *lens;             /* (batch_tokens) INT8 batch: each text's length */
    cx_engine_output *eout; /* (batch_tokens) INT8 batch: each text's outputs */
};

/* Tokens per INT8 batch: ~30 typical prompts share each read of the weights. */
enum { ENGINE_BATCH_TOKENS = 1024 };

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* max_length from a training folder's config.json (0 when absent). */
static int config_max_length(const char *dir) {
    char *path = cx_path_join(dir, "config.json"), *text = NULL;
    size_t len;
    cx_error ignore;
    int v = 0;
    if (path && cx_read_file(path, 1 << 20, &text, &len, &ignore) == CX_OK) {
        cJSON *j = cJSON_Parse(text);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "max_length");
        if (cJSON_IsNumber(m) && m->valuedouble >= 2 && m->valuedouble <= 1 << 20) v = (int)m->valuedouble;
        cJSON_Delete(j);
    }
    free(text);
    free(path);
    return v;
}

/* Resolves the weights file and the tokenizer folder of model_path. */
static int resolve_paths(const char *model_path, const cx_classifier_options *o, char **weights, char **tok_dir,
                         char **ngram, int *max_length, cx_error *err) {
    size_t n = strlen(model_path);
    int onnx = n > 5 && strcmp(model_path + n - 5, ".onnx") == 0;
    char *dir;
    if (is_dir(model_path)) {
        char file[128];
        snprintf(file, sizeof file, "%s.safetensors", o && o->weights ? o->weights : "best_model");
        *weights = cx_path_join(model_path, file);
        dir = strdup(model_path);
    } else {
        *weights = strdup(model_path);
        dir = cx_dirname(model_path);
    }
    *tok_dir = o && o->tokenizer ? strdup(o->tokenizer) : cx_path_join(dir, "tokenizer");
    if (onnx && !(o && o->tokenizer) && *tok_dir && !is_dir(*tok_dir)) {
        /* the deploy layout (SPEC §6): models/complexity_model_int8.onnx + models/complexity_tokenizer/ */
        free(*tok_dir);
        *tok_dir = cx_path_join(dir, "complexity_tokenizer");
    }
    *ngram = o && o->ngram ? strdup(o->ngram) : cx_path_join(dir, CX_NGRAM_FILE);
    /* 0 here: the tokenizer's model_max_length decides (cx_classifier_open_ex) */
    *max_length = o && o->max_length > 0 ? o->max_length : config_max_length(dir);
    free(dir);
    return *weights && *tok_dir && *ngram ? CX_OK : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
}

cx_classifier_options cx_classifier_default_options(void) {
    cx_classifier_options o = {0};
    return o;
}

static const char *int8_backend_name(const char *kernel) {
    static const char *const names[] = {"int8/portable", "int8/avx2", "int8/avxvnni", "int8/avx512vnni", "int8/amx"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i] + 5, kernel) == 0) return names[i];
    return "int8";
}

static cx_engine_options engine_options(const cx_classifier *c) {
    cx_engine_options eo = {.max_len = c->max_length, .threads = c->threads, .kernel = c->kernel,
                            .max_tokens = c->batch_tokens};
    return eo;
}

/* The INT8 engine from an INT8 file, or by quantizing the fp32 weights. A
 * first context is opened and freed here, so that a kernel this CPU lacks is
 * refused at open, and the backend's name is known. */
static int open_engine(cx_classifier *c, cx_error *err) {
    int rc;
    if (cx_engine_file_is_int8(c->model_path)) rc = cx_engine_load(c->model_path, &c->engine, err);
    else {
        cx_model *m = NULL;
        rc = cx_model_load(c->model_path, NULL, &m, err);
        if (rc == CX_OK) rc = cx_engine_from_model(m, &c->engine, err);
        cx_model_free(m);
    }
    if (rc) return rc;
    const cx_model_config *cfg = cx_engine_config(c->engine);
    if (c->max_length > cfg->max_positions) c->max_length = cfg->max_positions;
    c->batch_tokens = ENGINE_BATCH_TOKENS > (size_t)c->max_length ? ENGINE_BATCH_TOKENS : (size_t)c->max_length;
    cx_engine_options eo = engine_options(c);
    cx_engine_ctx *probe = NULL;
    if ((rc = cx_engine_ctx_open(c->engine, &eo, &probe, err))) return rc;
    c->backend = int8_backend_name(cx_engine_ctx_kernel(probe));
    cx_engine_ctx_free(probe);
    return CX_OK;
}

/* The fp32 model's OpenMP team size for one context. omp_set_num_threads sets
 * the calling thread's own setting (an OpenMP data-environment ICV), so a
 * context changes nothing for the host's other threads. */
static int fp32_threads(const cx_classifier *c) { return c->threads > 0 ? c->threads : 1; }

static int open_fp32(cx_classifier *c, cx_error *err) {
    int rc = cx_model_load(c->model_path, NULL, &c->model, err);
    if (rc) return rc;
    const cx_model_config *cfg = cx_model_get_config(c->model);
    if (c->max_length > cfg->max_positions) c->max_length = cfg->max_positions;
    c->batch_tokens = (size_t)c->max_length;
    c->backend = "fp32";
    return CX_OK;
}

/* The model, once the tokenizer has said how long texts may be. */
static int open_model(cx_classifier *c, const cx_classifier_options *o, cx_error *err) {
    c->threads = o->threads;
    if (o->kernel && !(c->kernel = strdup(o->kernel))) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    return o->int8 || cx_engine_file_is_int8(c->model_path) ? open_engine(c, err) : open_fp32(c, err);
}

static int check_vocab(const cx_classifier *c, const char *tok_dir, cx_error *err) {
    const cx_model_config *cfg = c->engine ? cx_engine_config(c->engine) : cx_model_get_config(c->model);
    if (cx_tokenizer_vocab_size(c->tok) <= (size_t)cfg->vocab_size) return CX_OK;
    return cx_error_set(err, CX_ERR_FORMAT, "%s: %zu tokens but the model %s has only %d embeddings", tok_dir,
                        cx_tokenizer_vocab_size(c->tok), c->model_path, cfg->vocab_size);
}

int cx_classifier_open(const char *model_path, const cx_classifier_options *opt, cx_classifier **out,
                       cx_error *err) {
    *out = NULL;
    const cx_classifier_options o = opt ? *opt : cx_classifier_default_options();
    cx_classifier *c = calloc(1, sizeof *c);
    if (!c) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    c->raw_score = o.raw_score;
    char *tok_dir = NULL, *ngram = NULL;
    int rc = resolve_paths(model_path, &o, &c->model_path, &tok_dir, &ngram, &c->max_length, err);
    /* the tokenizer opens first (it may hold the length): a missing model is still named first */
    if (rc == CX_OK && access(c->model_path, F_OK) != 0)
        rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no such model file", c->model_path);
    if (rc == CX_OK) rc = cx_tokenizer_open(tok_dir, &c->tok, err);
    /* Neither the caller nor config.json says: the length the model was trained at, as its tokenizer
     * records it (the installed layout has no config.json), else the seed's 256. */
    if (rc == CX_OK && c->max_length <= 0) c->max_length = (int)cx_tokenizer_default_max_length(c->tok);
    if (c->max_length <= 0 || c->max_length > 1 << 16) c->max_length = 256;
    /* [CLS], one token of the head and [SEP] always stay */
    c->keep_tail = o.keep_tail < 0 ? 0 : o.keep_tail == 0 ? c->max_length / 2 : o.keep_tail;
    if (c->keep_tail > c->max_length - 3) c->keep_tail = c->max_length - 3;
    if (rc == CX_OK) rc = open_model(c, &o, err);
    /* The n-gram part: the one named, or the default file beside the model when it is there. */
    if (rc == CX_OK && ngram[0] && (o.ngram ? 1 : access(ngram, F_OK) == 0)) rc = cx_ngram_open(ngram, &c->ngram, err);
    if (rc == CX_OK) rc = check_vocab(c, tok_dir, err);
    free(tok_dir);
    free(ngram);
    if (rc) {
        cx_classifier_free(c);
        return rc;
    }
    *out = c;
    return CX_OK;
}

void cx_classifier_free(cx_classifier *c) {
    if (!c) return;
    cx_model_free(c->model);
    cx_engine_free(c->engine);
    cx_tokenizer_free(c->tok);
    cx_ngram_free(c->ngram);
    free(c->kernel);
    free(c->model_path);
    free(c);
}

int cx_classifier_ctx_open(const cx_classifier *c, cx_classifier_ctx **out, cx_error *err) {
    *out = NULL;
    cx_classifier_ctx *x = calloc(1, sizeof *x);
    if (!x) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    x->c = c;
    int rc = CX_OK;
    if (c->engine) {
        cx_engine_options eo = engine_options(c);
        rc = cx_engine_ctx_open(c->engine, &eo, &x->ectx, err);
        if (rc == CX_OK && (!(x->lens = malloc(c->batch_tokens * sizeof *x->lens)) ||
                            !(x->eout = malloc(c->batch_tokens * sizeof *x->eout))))
            rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    } else {
        cx_ws_options wo = {.max_seqs = 1, .max_tokens = (size_t)c->max_length, .max_len = c->max_length};
        const int saved = omp_get_max_threads();
        omp_set_num_threads(fp32_threads(c));
        rc = cx_ws_open(c->model, &wo, &x->ws, err);
        omp_set_num_threads(saved);
    }
    if (rc == CX_OK && !(x->ids = malloc(c->batch_tokens * sizeof *x->ids)))
        rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (rc) {
        cx_classifier_ctx_free(x);
        return rc;
    }
    *out = x;
    return CX_OK;
}

void cx_classifier_ctx_free(cx_classifier_ctx *x) {
    if (!x) return;
    cx_ws_free(x->ws);
    cx_engine_ctx_free(x->ectx);
    free(x->lens);
    free(x->eout);
    free(x->ids);
    free(x);
}

const char *cx_classifier_model_path(const cx_classifier *c) { return c->model_path; }

const char *cx_classifier_backend(const cx_classifier *c) { return c->backend; }

int cx_classifier_max_length(const cx_classifier *c) { return c->max_length; }

int cx_classifier_count_tokens(const cx_classifier *c, const char *text, size_t len, size_t *seen, size_t *total,
                               cx_error *err) {
    size_t n = 0;
    /* no room for ids: the tokenizer only counts (and says they do not fit) */
    int rc = cx_tokenizer_encode(c->tok, text, len, 0, NULL, NULL, 0, &n, err);
    if (rc == CX_ERR_INVALID && n > 0) rc = CX_OK, cx_error_clear(err);
    if (rc != CX_OK) return rc;
    *total = n;
    *seen = n < (size_t)c->max_length ? n : (size_t)c->max_length;
    return CX_OK;
}

static void raw_of_engine(const cx_engine_output *eo, cx_head_values *r) {
    r->score = eo->score;
    memcpy(r->tier, eo->tier_logits, sizeof r->tier);
    memcpy(r->domain, eo->domain_logits, sizeof r->domain);
    memcpy(r->intent, eo->intent_logits, sizeof r->intent);
}

static int run_model(cx_classifier_ctx *x, int n, cx_head_values *r, cx_error *err) {
    if (x->ectx) {
        cx_engine_output eo;
        int rc = cx_engine_forward(x->ectx, x->ids, n, &eo, err);
        if (rc) return rc;
        raw_of_engine(&eo, r);
        return CX_OK;
    }
    int lengths[1] = {n};
    cx_model_batch b = {1, lengths, x->ids, NULL};
    cx_model_outputs o;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(fp32_threads(x->c));
    int rc = cx_model_forward(x->c->model, x->ws, &b, NULL, 0, 0, NULL, NULL, &o, err);
    omp_set_num_threads(saved);
    if (rc) return rc;
    r->score = o.score[0];
    memcpy(r->tier, o.tier_logits, sizeof r->tier);
    memcpy(r->domain, o.domain_logits, sizeof r->domain);
    memcpy(r->intent, o.intent_logits, sizeof r->intent);
    return CX_OK;
}

/* The neural outputs of one text turned into its prediction, with the n-gram part. */
static int finish_prediction(const cx_classifier *c, const cx_head_values *r, const char *text, size_t len,
                             cx_prediction *p, cx_error *err) {
    if (!c->ngram) {
        cx_prediction_of(r, NULL, NULL, c->raw_score, p);
        return CX_OK;
    }
    float ng[NGRAM_OUTPUTS];
    int rc = cx_ngram_logits(c->ngram, text, len, ng, err);
    if (rc) return rc;
    const cx_ngram_blend a = cx_ngram_blends(c->ngram);
    cx_prediction_of(r, ng, &a, c->raw_score, p);
    return CX_OK;
}

/* The ids the model reads: the head of the text, or with keep_tail, its
 * head and its last keep_tail tokens ([CLS] and [SEP] kept at the ends). */
static int encode(const cx_classifier *c, const char *text, size_t len, int32_t *ids, size_t *n, cx_error *err) {
    const size_t L = (size_t)c->max_length;
    if (!c->keep_tail) return cx_tokenizer_encode(c->tok, text, len, L, ids, NULL, L, n, err);
    /* the whole text, when it fits; else the tokenizer says how long it is */
    int rc = cx_tokenizer_encode(c->tok, text, len, 0, ids, NULL, L, n, err);
    if (rc != CX_ERR_INVALID || *n <= L) return rc;
    cx_error_clear(err);
    size_t total = *n;
    int32_t *all = malloc(total * sizeof *all);
    if (!all) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    rc = cx_tokenizer_encode(c->tok, text, len, 0, all, NULL, total, n, err);
    if (rc == CX_OK) {
        const size_t tail = (size_t)c->keep_tail, head = L - tail; /* head includes [CLS]; tail ends with [SEP] */
        memcpy(ids, all, head * sizeof *ids);
        memcpy(ids + head, all + total - tail, tail * sizeof *ids);
        *n = L;
    }
    free(all);
    return rc;
}

int cx_classifier_predict(cx_classifier_ctx *x, const char *text, size_t len, cx_prediction *p, cx_error *err) {
    const cx_classifier *c = x->c;
    size_t n;
    int rc = encode(c, text, len, x->ids, &n, err);
    if (rc) return rc;
    cx_head_values r;
    if ((rc = run_model(x, (int)n, &r, err))) return rc;
    return finish_prediction(c, &r, text, len, p, err);
}

/* INT8: texts packed end to end, as many as fit in batch_tokens, through the
 * engine at once (each weight read once per batch; every text's outputs are
 * those it gets alone). */
static int predict_engine_batch(cx_classifier_ctx *x, const char *const *texts, const size_t *lens, size_t n,
                                cx_prediction *out, cx_error *err) {
    const cx_classifier *c = x->c;
    const size_t L = (size_t)c->max_length;
    for (size_t i = 0; i < n;) {
        size_t tok = 0;
        int B = 0;
        while (i + (size_t)B < n && c->batch_tokens - tok >= L) {
            size_t len;
            int rc = encode(c, texts[i + (size_t)B], lens[i + (size_t)B], x->ids + tok, &len, err);
            if (rc) return cx_error_prefix(err, "text %zu", i + (size_t)B);
            x->lens[B++] = (int)len;
            tok += len;
        }
        int rc = cx_engine_forward_batch(x->ectx, x->ids, x->lens, B, x->eout, err);
        if (rc) return cx_error_prefix(err, "texts %zu..%zu", i, i + (size_t)B - 1);
        for (int b = 0; b < B; b++) {
            cx_head_values r;
            raw_of_engine(&x->eout[b], &r);
            const size_t k = i + (size_t)b;
            if ((rc = finish_prediction(c, &r, texts[k], lens[k], &out[k], err))) return cx_error_prefix(err, "text %zu", k);
        }
        i += (size_t)B;
    }
    return CX_OK;
}

int cx_classifier_predict_batch(cx_classifier_ctx *x, const char *const *texts, const size_t *lens, size_t n,
                                cx_prediction *out, cx_error *err) {
    if (x->ectx) return predict_engine_batch(x, texts, lens, n, out, err);
    for (size_t i = 0; i < n; i++) {
        int rc = cx_classifier_predict(x, texts[i], lens[i], &out[i], err);
        if (rc) return cx_error_prefix(err, "text %zu", i);
    }
    return CX_OK;
}

static cJSON *prob_object(const char *const *names, const double *v, int n) {
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < n; i++) cJSON_AddNumberToObject(o, names[i], round(v[i] * 1e6) / 1e6);
    return o;
}

char *cx_prediction_to_json(const cx_prediction *p) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "score", round(p->score * 1e6) / 1e6);
    cJSON_AddStringToObject(o, "tier", cx_tier_names[p->tier]);
    cJSON *d = cJSON_AddArrayToObject(o, "domains");
    for (int k = 0; k < CX_N_DOMAINS; k++)
        if (p->domains & (1u << k)) cJSON_AddItemToArray(d, cJSON_CreateString(cx_domain_names[k]));
    cJSON_AddStringToObject(o, "intent", cx_intent_names[p->intent]);
    cJSON_AddItemToObject(o, "tier_probs", prob_object(cx_tier_names, p->tier_probs, CX_N_TIERS));
    cJSON_AddItemToObject(o, "intent_probs", prob_object(cx_intent_names, p->intent_probs, CX_N_INTENTS));
    cJSON_AddItemToObject(o, "domain_scores", prob_object(cx_domain_names, p->domain_scores, CX_N_DOMAINS));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
