/* Allocation-failure injection (SQLite's test_malloc idea): this test is
 * linked with -Wl,--wrap for every allocator the library calls, so each
 * allocation made by our code goes through fail_or_pass below. Each case runs
 * once to count its allocations, then again once per allocation with that one
 * failing: the operation must end in CX_OK (the allocation was optional) or in
 * an error with a message, never a crash; LeakSanitizer (the test suite runs
 * under ASan) reports anything a failure path forgot to free. cJSON's
 * allocations are routed here as well (cJSON_InitHooks); libyaml's are not
 * (it has no hooks). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity.h"
#include "infer/ngram.h"
#include "testutil.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* Armed: allocations are counted, and the fail_at-th (1-based) fails. */
static struct {
    int armed;
    long count, fail_at;
} inj;

static int fail_now(void) {
    if (!inj.armed) return 0;
    return ++inj.count == inj.fail_at;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n) { return fail_now() ? NULL : __real_aligned_alloc(align, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }

static void *cjson_malloc(size_t n) { return __wrap_malloc(n); }

/* One operation on a test file: does its work from scratch, frees all it
 * made, returns its status. */
typedef int (*operation)(const char *path, cx_error *err);

/* Runs op with no failure (it must succeed) and counts its allocations, then
 * once per allocation with that one failing. Returns the number of failure
 * points swept. */
static long sweep(const char *name, const char *file, operation op) {
    char *path = tu_path(tu_source_dir(), file);
    cx_error err = {0, ""};
    inj.armed = 1, inj.count = 0, inj.fail_at = 0;
    int rc = op(path, &err);
    inj.armed = 0;
    if (rc != CX_OK) fail_msg("%s: fails without injection: %s", name, err.msg);
    const long total = inj.count;
    long errors = 0;
    for (long n = 1; n <= total; n++) {
        cx_error e = {0, ""};
        inj.armed = 1, inj.count = 0, inj.fail_at = n;
        rc = op(path, &e);
        inj.armed = 0;
        if (rc != CX_OK) {
            errors++;
            if (!e.msg[0]) fail_msg("%s: allocation %ld failed: status %d without a message", name, n, rc);
        }
    }
    printf("%-12s %5ld allocations swept, %5ld ended in an error with a message, the rest recovered\n", name, total,
           errors);
    assert_true(total > 0);
    free(path);
    return total;
}

static int op_tokenizer(const char *path, cx_error *err) {
    cx_tokenizer *tok = NULL;
    int rc = cx_tokenizer_open(path, &tok, err);
    int32_t ids[64];
    size_t n;
    const char *text = "Explain the 費曼 technique, then write code";
    if (rc == CX_OK) rc = cx_tokenizer_encode(tok, text, strlen(text), 64, ids, NULL, 64, &n, err);
    cx_tokenizer_free(tok);
    return rc;
}

static int op_model(const char *path, cx_error *err) {
    cx_model *m = NULL;
    cx_model_ws *ws = NULL;
    int rc = cx_model_load(path, NULL, &m, err);
    cx_ws_options wo = {.max_seqs = 1, .max_tokens = 8, .max_len = 8};
    if (rc == CX_OK) rc = cx_ws_open(m, &wo, &ws, err);
    cx_ws_free(ws);
    cx_model_free(m);
    return rc;
}

static int op_engine(const char *path, cx_error *err) {
    cx_engine *e = NULL;
    cx_engine_ctx *x = NULL;
    int rc = cx_engine_load(path, &e, err);
    cx_engine_options o = {.max_len = 8, .threads = 1};
    if (rc == CX_OK) rc = cx_engine_ctx_open(e, &o, &x, err);
    const int32_t ids[4] = {1, 17, 42, 2};
    cx_engine_output out;
    if (rc == CX_OK) rc = cx_engine_forward(x, ids, 4, &out, err);
    cx_engine_ctx_free(x);
    cx_engine_free(e);
    return rc;
}

static int op_config(const char *path, cx_error *err) {
    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    int rc = cx_estimator_config_load(path, &cfg, err);
    return rc;
}

static int op_estimator(const char *path, cx_error *err) {
    cx_estimator_options o = {.config_path = path};
    cx_estimator *est = NULL;
    int rc = cx_estimator_open(&o, &est, err);
    cx_estimate e;
    const char *text = "First analyse the logs, then design a fix and write tests for it";
    if (rc == CX_OK) rc = cx_estimator_estimate(est, text, strlen(text), 2, &e, err);
    char *json = rc == CX_OK ? cx_estimate_to_json(&e, 0) : NULL;
    if (rc == CX_OK && !json) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    free(json);
    cx_estimator_free(est);
    return rc;
}

static int op_ngram(const char *path, cx_error *err) {
    cx_ngram *g = NULL;
    int rc = cx_ngram_open(path, &g, err);
    float out[NGRAM_OUTPUTS];
    const char *text = "寫一首關於秋天的詩";
    if (rc == CX_OK) rc = cx_ngram_logits(g, text, strlen(text), out, err);
    cx_ngram_free(g);
    return rc;
}

static void test_tokenizer(void **state) { (void)state, sweep("tokenizer", "tests/data/vocab_small", op_tokenizer); }
static void test_model(void **state) { (void)state, sweep("model", "tests/data/onnx/micro.safetensors", op_model); }
static void test_engine(void **state) { (void)state, sweep("engine", "tests/data/onnx/micro_int8.onnx", op_engine); }
static void test_config(void **state) { (void)state, sweep("config", "tests/data/estimate/kuro_config.yaml", op_config); }
static void test_estimator(void **state) { (void)state, sweep("estimator", "tests/data/estimate/kuro_config.yaml", op_estimator); }
static void test_ngram(void **state) { (void)state, sweep("ngram", "tests/data/ngram/tiny.safetensors", op_ngram); }

int main(void) {
    cJSON_Hooks hooks = {cjson_malloc, free};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer), cmocka_unit_test(test_model),     cmocka_unit_test(test_engine),
        cmocka_unit_test(test_config),    cmocka_unit_test(test_estimator), cmocka_unit_test(test_ngram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
