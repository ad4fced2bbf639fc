/* The estimator with a fake ML backend: the three blend modes and the
 * heuristic fallback, routing, decomposition, JSON, hot reload (enable, disable,
 * path change, missing model, invalid file), logging, and concurrent use. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity.h"
#include "testutil.h"

/* ---- fake backend ---------------------------------------------------------- */

typedef struct fake_ml {
    double score;        /* what predict returns */
    int fail_predict;    /* 1: predict fails */
    int fail_load;
    const char *hard_word; /* when set: texts containing it score 0.5 more */
    int loads, unloads, predicts;
    char last_path[512];
    pthread_mutex_t mu;
} fake_ml;

typedef struct fake_model {
    fake_ml *owner;
} fake_model;

static int fake_load(void *ctx, const char *model_path, const char *tok_path, void **model, cx_error *err) {
    (void)tok_path;
    fake_ml *f = ctx;
    if (f->fail_load) {
        snprintf(err->msg, sizeof err->msg, "bad model file %s", model_path);
        err->code = CX_ERR_FORMAT;
        return CX_ERR_FORMAT;
    }
    fake_model *m = malloc(sizeof *m);
    m->owner = f;
    f->loads++;
    snprintf(f->last_path, sizeof f->last_path, "%s", model_path);
    *model = m;
    return CX_OK;
}

static int contains(const char *text, size_t len, const char *word) {
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= len; i++)
        if (!memcmp(text + i, word, k)) return 1;
    return 0;
}

static int fake_predict(void *model, const char *text, size_t len, cx_prediction *out, cx_error *err) {
    fake_ml *f = ((fake_model *)model)->owner;
    pthread_mutex_lock(&f->mu);
    f->predicts++;
    pthread_mutex_unlock(&f->mu);
    if (f->fail_predict) {
        snprintf(err->msg, sizeof err->msg, "tensor shape mismatch");
        err->code = CX_ERR_INTERNAL;
        return CX_ERR_INTERNAL;
    }
    out->score = f->score;
    if (f->hard_word && contains(text, len, f->hard_word)) out->score += 0.5;
    out->tier = CX_MODERATE;
    out->intent = CX_DEBUG;
    out->domains = 1u << CX_DOM_CODE | 1u << CX_DOM_DATA;
    return CX_OK;
}

static void fake_unload(void *model) {
    fake_model *m = model;
    m->owner->unloads++;
    free(m);
}

/* ---- log capture ----------------------------------------------------------- */

typedef struct log_capture {
    char buf[1 << 16];
    size_t len;
} log_capture;

static void capture_sink(void *ctx, cx_log_level level, const char *line) {
    (void)level;
    log_capture *c = ctx;
    size_t n = strlen(line);
    if (c->len + n + 2 < sizeof c->buf) {
        memcpy(c->buf + c->len, line, n);
        c->len += n;
        c->buf[c->len++] = '\n';
        c->buf[c->len] = '\0';
    }
}

/* ---- fixture ------------------------------------------------------------------ */

typedef struct fixture {
    char *dir, *config, *model, *model2;
    fake_ml fake;
    cx_ml_backend backend;
    log_capture logs;
    cx_logger *logger;
    cx_estimator *est;
} fixture;

/* Replaces the config file (temp + rename: a new inode, so the change is seen). */
static void write_config(fixture *fx, const char *body) {
    char *tmp = tu_path(fx->dir, "config.yaml.tmp");
    tu_write_file(tmp, body, strlen(body));
    assert_int_equal(rename(tmp, fx->config), 0);
    free(tmp);
}

static void config_with(fixture *fx, const char *model, const char *extra) {
    char body[4096];
    snprintf(body, sizeof body,
             "task_complexity:\n  ml_model_enabled: true\n  ml_model_path: %s\n  fast_model: fast/m\n"
             "  frontier_model: frontier/m\n%s",
             model, extra ? extra : "");
    write_config(fx, body);
}

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    fx->dir = tu_tmpdir("estimate_estimator");
    fx->config = tu_path(fx->dir, "config.yaml");
    fx->model = tu_path(fx->dir, "model.onnx");
    fx->model2 = tu_path(fx->dir, "model2.onnx");
    tu_write_file(fx->model, "fake", 4);
    tu_write_file(fx->model2, "fake2", 5);
    fx->fake.score = 0.9;
    pthread_mutex_init(&fx->fake.mu, NULL);
    fx->backend = (cx_ml_backend){.ctx = &fx->fake, .load = fake_load, .predict = fake_predict, .unload = fake_unload};
    cx_error err = {0, ""};
    assert_int_equal(cx_logger_open_sink(capture_sink, &fx->logs, CX_LOG_DEBUG, &fx->logger, &err), CX_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    cx_estimator_free(fx->est);
    cx_logger_free(fx->logger);
    pthread_mutex_destroy(&fx->fake.mu);
    free(fx->dir); free(fx->config); free(fx->model); free(fx->model2);
    free(fx);
    return 0;
}

static void open_est(fixture *fx, int with_backend) {
    cx_estimator_options opt = {.config_path = fx->config, .ml_backend = with_backend ? &fx->backend : NULL,
                                .logger = fx->logger};
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_open(&opt, &fx->est, &err), CX_OK);
}

static void estimate(fixture *fx, const char *text, cx_estimate *e) {
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_estimate(fx->est, text, strlen(text), 0, e, &err), CX_OK);
}

static const char *const TEXT = "Debug this Python code, it will crash when processing large datasets";
static const double TEXT_HEURISTIC = 0.14001333333333332; /* the seed's value */

/* ---- tests ------------------------------------------------------------------- */

static void test_heuristic_only(void **state) {
    fixture *fx = *state;
    cx_estimator_options opt = {.logger = fx->logger};
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_open(&opt, &fx->est, &err), CX_OK);
    cx_estimate e;
    estimate(fx, TEXT, &e);
    assert_true(fabs(e.score - TEXT_HEURISTIC) < 1e-12);
    assert_string_equal(e.estimation_method, "heuristic");
    assert_int_equal(e.tier, CX_TRIVIAL);
    assert_false(e.has_suggested_model || e.has_ml || e.needs_decomposition);
    assert_true(e.estimation_ms >= 0 && e.estimation_ms < 1000);
    char *json = cx_estimate_to_json(&e, 0);
    assert_non_null(strstr(json, "{\"score\": 0.14, \"tier\": \"trivial\", \"suggested_model\": null, "
                                 "\"needs_decomposition\": false, \"estimation_method\": \"heuristic\", "
                                 "\"estimation_ms\": "));
    assert_non_null(strstr(json, "{\"name\": \"reasoning_markers\", \"score\": 0.2, \"weight\": 0.18, "
                                 "\"detail\": \"1 markers: debug\"}"));
    assert_null(strstr(json, "ml_intent"));
    free(json);
    json = cx_estimate_to_json(&e, 1);
    assert_non_null(strstr(json, "\"score\": 0.14001333333333332,"));
    assert_non_null(strstr(json, "\"heuristic_score\": 0.14001333333333332}"));
    free(json);
    assert_non_null(strstr(fx->logs.buf, "event=complexity_estimated score=0.140 tier=trivial method=heuristic "
                                         "model=None decompose=False ms="));
}

static void test_modes(void **state) {
    fixture *fx = *state;
    config_with(fx, fx->model, "  ml_estimation_mode: ml_only\n");
    open_est(fx, 1);
    assert_true(cx_estimator_ml_active(fx->est));
    assert_non_null(strstr(fx->logs.buf, "event=ml_classifier_loaded model="));
    assert_non_null(strstr(fx->logs.buf, "size_mb=0.0"));
    cx_estimate e;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "ml");
    assert_true(e.score == 0.9);
    assert_int_equal(e.tier, CX_EXPERT);
    assert_true(e.has_suggested_model && !strcmp(e.suggested_model, "frontier/m"));
    assert_true(e.needs_decomposition);
    assert_true(e.has_ml && e.ml.intent == CX_DEBUG);
    char *json = cx_estimate_to_json(&e, 0);
    assert_non_null(strstr(json, "\"suggested_model\": \"frontier/m\", \"needs_decomposition\": true, "
                                 "\"estimation_method\": \"ml\""));
    assert_non_null(strstr(json, "\"ml_intent\": \"debug\", \"ml_domains\": [\"code\", \"data\"]}"));
    free(json);

    cx_estimator_config c;
    cx_estimator_get_config(fx->est, &c);
    c.ml_estimation_mode = CX_ML_HYBRID;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    assert_int_equal(fx->fake.loads, 1); /* same model: not reloaded */
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "hybrid_ml");
    assert_true(fabs(e.score - (0.6 * 0.9 + 0.4 * TEXT_HEURISTIC)) < 1e-15);
    assert_int_equal(e.tier, CX_MODERATE);

    c.ml_estimation_mode = CX_ML_REFINE; /* heuristic 0.14 is outside (0.35, 0.65) */
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    assert_true(e.score == TEXT_HEURISTIC);
    assert_true(e.has_ml); /* the prediction still reports intent and domains */
    c.ambiguity_low = 0.1;
    c.ambiguity_high = 0.2;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "ml_refine");
    assert_true(fabs(e.score - (0.6 * 0.9 + 0.4 * TEXT_HEURISTIC)) < 1e-15);

    /* a failed prediction falls back to the heuristic and says why */
    fx->fake.fail_predict = 1;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    assert_false(e.has_ml);
    assert_non_null(strstr(fx->logs.buf, "event=ml_predict_failed error=\"tensor shape mismatch\""));
    /* so does an out-of-range one */
    fx->fake.fail_predict = 0;
    fx->fake.score = 1.5;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    assert_non_null(strstr(fx->logs.buf, "prediction out of range"));
    /* bad configs are refused */
    c.ambiguity_low = 0.9;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_ERR_INVALID);
}

static void test_routing(void **state) {
    fixture *fx = *state;
    config_with(fx, fx->model, "  ml_estimation_mode: ml_only\n  standard_model: std/m\n"
                               "  decomposition_threshold: 0.95\n");
    open_est(fx, 1);
    static const struct { double score; cx_tier tier; const char *model; } cases[] = {
        {0.0, CX_TRIVIAL, "fast/m"}, {0.149, CX_TRIVIAL, "fast/m"}, {0.15, CX_SIMPLE, "fast/m"},
        {0.35, CX_MODERATE, "std/m"}, {0.6, CX_COMPLEX, "frontier/m"}, {0.85, CX_EXPERT, "frontier/m"},
        {1.0, CX_EXPERT, "frontier/m"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx->fake.score = cases[i].score;
        cx_estimate e;
        estimate(fx, TEXT, &e);
        assert_int_equal(e.tier, cases[i].tier);
        assert_string_equal(e.suggested_model, cases[i].model);
        assert_int_equal(e.needs_decomposition, cases[i].score >= 0.95);
    }
    /* an empty standard_model means no override */
    cx_estimator_config c;
    cx_estimator_get_config(fx->est, &c);
    c.standard_model[0] = '\0';
    c.decomposition_enabled = 0;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    fx->fake.score = 0.5;
    cx_estimate e;
    estimate(fx, TEXT, &e);
    assert_false(e.has_suggested_model);
    fx->fake.score = 1.0;
    estimate(fx, TEXT, &e);
    assert_false(e.needs_decomposition);
}

/* set_config says what happened to the model (the seed's reload() strings),
 * and ml_info keeps the reason when no model is loaded. */
static cx_ml_change set_config(fixture *fx, cx_estimator_config *c) {
    cx_ml_change change = (cx_ml_change)-1;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_set_config(fx->est, c, &change, &err), CX_OK);
    return change;
}

static void test_set_config_changes(void **state) {
    fixture *fx = *state;
    config_with(fx, fx->model, NULL);
    open_est(fx, 1);
    cx_ml_info info;
    cx_estimator_ml_info(fx->est, &info);
    assert_true(info.active);
    assert_string_equal(info.model_path, fx->model);
    assert_int_equal(info.last_change, CX_ML_ENABLED);
    assert_int_equal(info.reloads, 0);
    cx_estimator_config c;
    cx_estimator_get_config(fx->est, &c);
    c.ambiguity_low = 0.2;
    assert_int_equal(set_config(fx, &c), CX_ML_UNCHANGED);
    c.ml_model_enabled = 0;
    assert_int_equal(set_config(fx, &c), CX_ML_DISABLED);
    assert_int_equal(set_config(fx, &c), CX_ML_UNCHANGED);
    c.ml_model_enabled = 1;
    assert_int_equal(set_config(fx, &c), CX_ML_ENABLED);
    snprintf(c.ml_model_path, sizeof c.ml_model_path, "%s", fx->model2);
    assert_int_equal(set_config(fx, &c), CX_ML_RELOADED);
    assert_int_equal(fx->fake.loads, 3);
    char *missing = tu_path(fx->dir, "gone.onnx");
    snprintf(c.ml_model_path, sizeof c.ml_model_path, "%s", missing);
    assert_int_equal(set_config(fx, &c), CX_ML_MODEL_NOT_FOUND);
    cx_estimator_ml_info(fx->est, &info);
    assert_false(info.active);
    assert_string_equal(info.model_path, "");
    assert_non_null(strstr(info.last_error, "gone.onnx"));
    fx->fake.fail_load = 1;
    snprintf(c.ml_model_path, sizeof c.ml_model_path, "%s", fx->model);
    assert_int_equal(set_config(fx, &c), CX_ML_LOAD_FAILED);
    cx_estimator_ml_info(fx->est, &info);
    assert_int_equal(info.last_change, CX_ML_LOAD_FAILED);
    assert_non_null(strstr(info.last_error, "bad model file"));
    assert_int_equal(info.reloads, 7);
    assert_string_equal(cx_ml_change_names[CX_ML_LOAD_FAILED], "ml_load_failed");
    assert_string_equal(cx_ml_change_names[CX_ML_MODEL_NOT_FOUND], "ml_model_not_found");
    /* a refused config changes nothing and reports nothing */
    cx_ml_change change = CX_ML_RELOADED;
    cx_error err = {0, ""};
    c.ambiguity_low = 0.9;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, &change, &err), CX_ERR_INVALID);
    assert_int_equal(change, CX_ML_UNCHANGED);
    free(missing);
}

/* config_write replaces the task_complexity section and keeps the rest of a
 * Kuro config.yaml byte for byte; JSON reads back as the same config. */
static void test_config_write(void **state) {
    fixture *fx = *state;
    static const char head[] = "# Kuro settings\nassistant:\n  name: Kuro  # the name\n\n";
    static const char tail[] = "# the next section\nlogging:\n  level: info\n";
    char doc[2048];
    snprintf(doc, sizeof doc, "%stask_complexity:\n  enabled: false\n  # a comment inside\n"
                              "  ml_estimation_mode: hybrid\n\n%s", head, tail);
    write_config(fx, doc);
    cx_estimator_config c;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_config_load(fx->config, &c, &err), CX_OK);
    assert_false(c.enabled);
    c.enabled = 1;
    c.ambiguity_low = 0.3;
    c.tier_boundaries[0] = 0.1;
    snprintf(c.fast_model, sizeof c.fast_model, "fast \"quoted\" \\ 快");
    snprintf(c.ml_model_path, sizeof c.ml_model_path, "models/a b.onnx");
    assert_int_equal(cx_estimator_config_write(fx->config, &c, &err), CX_OK);
    size_t len;
    char *text = tu_read_file(fx->config, &len);
    assert_memory_equal(text, head, strlen(head));
    assert_non_null(strstr(text, "\n  ambiguity_low: 0.3\n"));
    assert_non_null(strstr(text, "\n    trivial: 0.1\n"));
    assert_null(strstr(text, "a comment inside"));
    assert_string_equal(text + len - strlen(tail), tail);
    cx_estimator_config back;
    assert_int_equal(cx_estimator_config_load(fx->config, &back, &err), CX_OK);
    char *a = cx_estimator_config_to_json(&c), *b = cx_estimator_config_to_json(&back);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"fast_model\":\t\"fast \\\"quoted\\\" \\\\ 快\""));
    /* the JSON, wrapped in its section, is a config document */
    char wrapped[8192];
    snprintf(wrapped, sizeof wrapped, "{\"task_complexity\": %s}", a);
    assert_int_equal(cx_estimator_config_parse(wrapped, strlen(wrapped), "json", &back, &err), CX_OK);
    free(b);
    b = cx_estimator_config_to_json(&back);
    assert_string_equal(a, b);
    free(a); free(b); free(text);

    /* a file without the section gets it appended; a missing file is created */
    write_config(fx, "logging:\n  level: info");
    assert_int_equal(cx_estimator_config_write(fx->config, &c, &err), CX_OK);
    text = tu_read_file(fx->config, &len);
    assert_memory_equal(text, "logging:\n  level: info\ntask_complexity:\n", 39);
    free(text);
    char *fresh = tu_path(fx->dir, "new/config.yaml");
    assert_int_equal(cx_estimator_config_write(fresh, &c, &err), CX_OK);
    assert_int_equal(cx_estimator_config_load(fresh, &back, &err), CX_OK);
    assert_true(back.ambiguity_low == 0.3);
    free(fresh);

    /* a flow-style section over two lines is replaced whole */
    write_config(fx, "x: 1\ntask_complexity: {enabled: false,\n  trigger_mode: manual}\ny: 2\n");
    assert_int_equal(cx_estimator_config_write(fx->config, &c, &err), CX_OK);
    assert_int_equal(cx_estimator_config_load(fx->config, &back, &err), CX_OK);
    assert_true(back.enabled && back.trigger_mode == CX_TRIGGER_AUTO);
    text = tu_read_file(fx->config, &len);
    assert_string_equal(text + len - 5, "y: 2\n");
    free(text);
    /* a section the rewrite cannot find (a quoted key): refused, file untouched */
    static const char quoted[] = "x: 1\n\"task_complexity\":\n  enabled: false\n";
    write_config(fx, quoted);
    assert_int_equal(cx_estimator_config_write(fx->config, &c, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "not rewritten"));
    text = tu_read_file(fx->config, &len);
    assert_string_equal(text, quoted);
    free(text);
}

/* Occlusion finds the word that moved the score, within its bound. */
static void test_explain(void **state) {
    fixture *fx = *state;
    config_with(fx, fx->model, NULL);
    open_est(fx, 1);
    fx->fake.score = 0.2;
    fx->fake.hard_word = "kernel";
    static const char text[] = "please write a kernel module for 我的 開發板 today";
    cx_explanation x;
    cx_error err = {0, ""};
    int before = fx->fake.predicts;
    assert_int_equal(cx_estimator_explain(fx->est, text, strlen(text), &x, &err), CX_OK);
    assert_true(fabs(x.ml_score - 0.7) < 1e-12);
    /* 9 words: please write a kernel module for 我的 開發板 (as 開發 + 板) today -> 10 */
    assert_int_equal(x.predictions, 1 + 10);
    assert_int_equal(fx->fake.predicts - before, x.predictions);
    assert_true(x.n_effects == CX_EXPLAIN_TOP);
    assert_int_equal(x.effects[0].length, 6);
    assert_memory_equal(text + x.effects[0].offset, "kernel", 6);
    assert_true(fabs(x.effects[0].delta - 0.5) < 1e-12);
    assert_true(x.effects[1].delta == 0);
    assert_int_equal(x.tokens_total, 0); /* the fake backend cannot count tokens */
    /* a long text: never more than CX_EXPLAIN_MAX_SEGMENTS + 1 predictions */
    char *longer = malloc(20000);
    size_t n = 0;
    for (int i = 0; i < 1000; i++) n += (size_t)snprintf(longer + n, 20000 - n, "w%d ", i);
    memcpy(longer + n / 2, "kernel", 6);
    assert_int_equal(cx_estimator_explain(fx->est, longer, n, &x, &err), CX_OK);
    assert_int_equal(x.predictions, CX_EXPLAIN_MAX_SEGMENTS + 1);
    assert_true(fabs(x.effects[0].delta - 0.5) < 1e-12);
    assert_true(x.effects[0].offset <= n / 2 && x.effects[0].offset + x.effects[0].length >= n / 2 + 6);
    free(longer);
    /* no model: unsupported, and says so */
    cx_estimator_config c;
    cx_estimator_get_config(fx->est, &c);
    c.ml_model_enabled = 0;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    assert_int_equal(cx_estimator_explain(fx->est, text, strlen(text), &x, &err), CX_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "no ML model"));
}

/* A stand-in LLM: rates every text `rating` (1..10), or fails. */
typedef struct fake_llm {
    int rating, fail, calls;
    char model[64];
} fake_llm;

static int fake_rate(void *ctx, const char *model, const char *text, size_t len, double *rating, cx_error *err) {
    (void)text, (void)len;
    fake_llm *f = ctx;
    f->calls++;
    snprintf(f->model, sizeof f->model, "%s", model);
    if (f->fail) return cx_error_set(err, CX_ERR_IO, "upstream timed out after 5 s");
    *rating = (f->rating - 1) / 9.0;
    return CX_OK;
}

/* llm_refinement as the seed does it: only when nothing but the heuristic
 * was used and it is unsure; 0.6 rating + 0.4 heuristic, method "hybrid". */
static void test_llm_refinement(void **state) {
    fixture *fx = *state;
    fake_llm llm = {.rating = 10};
    cx_refiner refiner = {.ctx = &llm, .rate = fake_rate};
    config_with(fx, fx->model, "  refinement_model: rater/x\n  ambiguity_low: 0.1\n"); /* no ML runtime below */
    cx_estimator_options opt = {.config_path = fx->config, .logger = fx->logger, .refiner = &refiner};
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_open(&opt, &fx->est, &err), CX_OK);
    cx_estimate e;
    estimate(fx, TEXT, &e); /* heuristic 0.14 inside (0.1, 0.65) */
    assert_int_equal(llm.calls, 1);
    assert_string_equal(llm.model, "rater/x");
    assert_string_equal(e.estimation_method, "hybrid");
    assert_true(fabs(e.score - (0.6 * 1.0 + 0.4 * TEXT_HEURISTIC)) < 1e-12);
    assert_int_equal(e.tier, cx_score_to_tier(e.score, (const double[]){0.15, 0.35, 0.60, 0.85}));
    /* a failure: the heuristic, and a log line */
    llm.fail = 1;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    assert_true(e.score == TEXT_HEURISTIC);
    assert_non_null(strstr(fx->logs.buf, "event=llm_refinement_failed model=rater/x error=\"upstream timed out after 5 s\""));
    /* outside the ambiguous zone, or switched off: not asked */
    llm.fail = 0;
    cx_estimator_config c;
    cx_estimator_get_config(fx->est, &c);
    c.ambiguity_low = 0.2;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    estimate(fx, TEXT, &e);
    c.ambiguity_low = 0.1;
    c.llm_refinement = 0;
    assert_int_equal(cx_estimator_set_config(fx->est, &c, NULL, &err), CX_OK);
    estimate(fx, TEXT, &e);
    assert_int_equal(llm.calls, 2);
    assert_string_equal(e.estimation_method, "heuristic");
    cx_estimator_free(fx->est);
    fx->est = NULL;
    /* the model scored it: not asked either */
    config_with(fx, fx->model, "  refinement_model: rater/x\n  ambiguity_low: 0.1\n");
    cx_estimator_options opt2 = {.config_path = fx->config, .ml_backend = &fx->backend, .refiner = &refiner};
    assert_int_equal(cx_estimator_open(&opt2, &fx->est, &err), CX_OK);
    estimate(fx, TEXT, &e);
    assert_int_equal(llm.calls, 2);
    assert_string_equal(e.estimation_method, "ml");
}

static void test_missing_model_and_no_runtime(void **state) {
    fixture *fx = *state;
    char *missing = tu_path(fx->dir, "nope.onnx");
    config_with(fx, missing, NULL);
    open_est(fx, 1);
    char want[1024];
    snprintf(want, sizeof want, "level=warning event=ml_classifier_model_not_found path=%s\n", missing);
    assert_non_null(strstr(fx->logs.buf, want));
    assert_false(cx_estimator_ml_active(fx->est));
    cx_estimate e;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    cx_estimator_free(fx->est);
    fx->est = NULL;
    /* the model is there but no runtime is attached */
    config_with(fx, fx->model, NULL);
    open_est(fx, 0);
    assert_non_null(strstr(fx->logs.buf, "event=ml_classifier_unavailable reason="));
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");
    cx_estimator_free(fx->est);
    fx->est = NULL;
    /* the runtime cannot read it */
    fx->fake.fail_load = 1;
    open_est(fx, 1);
    assert_non_null(strstr(fx->logs.buf, "event=ml_classifier_load_failed error=\"bad model file "));
    assert_false(cx_estimator_ml_active(fx->est));
    free(missing);
}

static void test_hot_reload(void **state) {
    fixture *fx = *state;
    write_config(fx, "task_complexity:\n  ml_model_enabled: false\n");
    open_est(fx, 1);
    int reloaded = -1;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK);
    assert_int_equal(reloaded, 0); /* unchanged */
    assert_false(cx_estimator_ml_active(fx->est));

    /* enable -> load */
    config_with(fx, fx->model, "  ml_estimation_mode: ml_only\n");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK);
    assert_int_equal(reloaded, 1);
    assert_true(cx_estimator_ml_active(fx->est));
    assert_int_equal(fx->fake.loads, 1);
    assert_non_null(strstr(fx->logs.buf, "event=ml_classifier_reloaded model_path="));
    assert_non_null(strstr(fx->logs.buf, " mode=ml_only\n"));
    cx_estimate e;
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "ml");

    /* an invalid file keeps the previous config and says why */
    write_config(fx, "task_complexity:\n  ml_estimation_mode: turbo\n");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_ERR_FORMAT);
    assert_int_equal(reloaded, 0);
    assert_non_null(strstr(err.msg, ":2: task_complexity.ml_estimation_mode: unknown mode 'turbo'"));
    assert_non_null(strstr(fx->logs.buf, "event=config_reload_failed path="));
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "ml");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK); /* reported once */

    /* path change -> reload, the old model is freed */
    config_with(fx, fx->model2, "  ml_estimation_mode: hybrid\n");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK);
    assert_int_equal(fx->fake.loads, 2);
    assert_int_equal(fx->fake.unloads, 1);
    assert_string_equal(fx->fake.last_path, fx->model2);
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "hybrid_ml");

    /* the model file itself replaced -> reload */
    tu_write_file(fx->model2, "fake2-new", 9);
    config_with(fx, fx->model2, "  ml_estimation_mode: hybrid\n  standard_model: other\n");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK);
    assert_int_equal(fx->fake.loads, 3);

    /* disable -> unload */
    write_config(fx, "task_complexity:\n  ml_model_enabled: false\n");
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_OK);
    assert_int_equal(reloaded, 1);
    assert_false(cx_estimator_ml_active(fx->est));
    assert_int_equal(fx->fake.unloads, 3);
    assert_non_null(strstr(fx->logs.buf, "event=ml_classifier_unloaded\n"));
    estimate(fx, TEXT, &e);
    assert_string_equal(e.estimation_method, "heuristic");

    /* a vanished file keeps the config */
    assert_int_equal(remove(fx->config), 0);
    assert_int_equal(cx_estimator_maybe_reload(fx->est, &reloaded, &err), CX_ERR_IO);
    assert_non_null(strstr(fx->logs.buf, "config file is gone"));
}

typedef struct worker {
    fixture *fx;
    int iterations;
    int failures;
} worker;

static void *estimate_loop(void *arg) {
    worker *w = arg;
    for (int i = 0; i < w->iterations; i++) {
        cx_estimate e;
        cx_error err = {0, ""};
        if (cx_estimator_estimate(w->fx->est, TEXT, strlen(TEXT), i % 30, &e, &err) != CX_OK) w->failures++;
        else if (e.score < 0 || e.score > 1) w->failures++;
    }
    return NULL;
}

static void test_concurrent_estimates_during_reloads(void **state) {
    fixture *fx = *state;
    config_with(fx, fx->model, NULL);
    open_est(fx, 1);
    worker w[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (worker){fx, 300, 0};
        assert_int_equal(pthread_create(&th[i], NULL, estimate_loop, &w[i]), 0);
    }
    for (int r = 0; r < 20; r++) {
        if (r % 2) config_with(fx, r % 4 == 1 ? fx->model : fx->model2, NULL);
        else write_config(fx, "task_complexity:\n  ml_model_enabled: false\n");
        cx_error err = {0, ""};
        assert_int_equal(cx_estimator_maybe_reload(fx->est, NULL, &err), CX_OK);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
}

static void test_logger_file_and_levels(void **state) {
    fixture *fx = *state;
    char *path = tu_path(fx->dir, "log.txt");
    cx_logger *lg;
    cx_error err = {0, ""};
    assert_int_equal(cx_logger_open(path, CX_LOG_WARNING, &lg, &err), CX_OK);
    cx_log(lg, CX_LOG_INFO, "dropped", NULL);
    cx_log(lg, CX_LOG_WARNING, "kept", "path", "/a b/c", "n", "3", "quote", "say \"hi\"", "empty", "", NULL);
    cx_logger_free(lg);
    char *text = tu_read_file(path, NULL);
    assert_null(strstr(text, "dropped"));
    assert_non_null(strstr(text, " level=warning event=kept path=\"/a b/c\" n=3 quote=\"say \\\"hi\\\"\" empty=\"\"\n"));
    assert_true(strncmp(text, "ts=20", 5) == 0);
    free(text);
    assert_int_equal(cx_log_level_from_name("warning"), CX_LOG_WARNING);
    assert_int_equal(cx_log_level_from_name("loud"), -1);
    cx_log(NULL, CX_LOG_ERROR, "nothing", NULL); /* a NULL logger is silent */
    char *bad = tu_path(fx->dir, "no/such/dir/log.txt");
    assert_int_equal(cx_logger_open(bad, CX_LOG_INFO, &lg, &err), CX_ERR_IO);
    free(bad);
    free(path);
}

static void test_open_errors(void **state) {
    fixture *fx = *state;
    cx_estimator *est = (cx_estimator *)1;
    cx_error err = {0, ""};
    cx_estimator_options opt = {.config_path = fx->config}; /* not written yet */
    assert_int_equal(cx_estimator_open(&opt, &est, &err), CX_ERR_NOT_FOUND);
    assert_null(est);
    write_config(fx, "task_complexity:\n  max_subtasks: many\n");
    assert_int_equal(cx_estimator_open(&opt, &est, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, ":2: task_complexity.max_subtasks: expected a number, got 'many'"));
    cx_ml_backend half = {.load = fake_load, .unload = fake_unload}; /* no predict */
    cx_estimator_options opt2 = {.ml_backend = &half};
    assert_int_equal(cx_estimator_open(&opt2, &est, &err), CX_ERR_INVALID);
    cx_estimator_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_heuristic_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_config_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_llm_refinement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_model_and_no_runtime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_estimates_during_reloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logger_file_and_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
