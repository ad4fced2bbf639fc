/* config.yaml, section task_complexity: defaults, every field, and one bad
 * file per validation rule, each error naming file, line and key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complexity.h"
#include "testutil.h"

static int parse(const char *yaml, cx_estimator_config *cfg, cx_error *err) {
    return cx_estimator_config_parse(yaml, strlen(yaml), "config.yaml", cfg, err);
}

static void test_defaults(void **state) {
    (void)state;
    cx_estimator_config c;
    cx_estimator_config_defaults(&c);
    assert_true(c.enabled && c.llm_refinement && c.decomposition_enabled && c.parallel_subtasks && c.track_accuracy);
    assert_true(c.ml_model_enabled);
    assert_int_equal(c.trigger_mode, CX_TRIGGER_AUTO);
    assert_int_equal(c.ml_estimation_mode, CX_ML_ONLY);
    assert_int_equal(c.max_subtasks, 5);
    assert_true(c.ambiguity_low == 0.35 && c.ambiguity_high == 0.65 && c.decomposition_threshold == 0.8);
    assert_true(c.tier_boundaries[0] == 0.15 && c.tier_boundaries[3] == 0.85);
    assert_true(c.dimension_weights[CX_DIM_EXTERNAL_TOOL_NEED] == 0.15);
    assert_string_equal(c.fast_model, "");
    assert_string_equal(c.ml_model_path, "");
    /* empty file, other sections only, a null section: all defaults */
    static const char *const same[] = {"", "# nothing\n", "models:\n  default: x\nweb_ui: {port: 1}\n",
                                       "task_complexity:\n", "task_complexity: ~\n"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        cx_estimator_config d;
        cx_error err = {0, ""};
        memset(&d, 0x55, sizeof d);
        assert_int_equal(parse(same[i], &d, &err), CX_OK);
        assert_memory_equal(&d, &c, sizeof c);
    }
}

static void test_every_field(void **state) {
    (void)state;
    const char *yaml =
        "models: {default: x}\n"
        "task_complexity:\n"
        "  enabled: false\n"
        "  trigger_mode: auto_silent\n"
        "  dimension_weights:\n"
        "    token_length: 0.5\n"
        "    external_tool_need: 0\n"
        "  llm_refinement: no\n"
        "  refinement_model: 'gemini/gemini-2.5-flash'\n"
        "  ambiguity_low: 0.3\n"
        "  ambiguity_high: 0.7\n"
        "  fast_model: fast/one\n"
        "  standard_model: \"std/two\"\n"
        "  frontier_model: frontier/three\n"
        "  tier_boundaries: {trivial: 0.1, simple: 0.3, moderate: 0.5, complex: 0.9}\n"
        "  decomposition_enabled: False\n"
        "  decomposition_threshold: 0.95\n"
        "  max_subtasks: 7\n"
        "  parallel_subtasks: off\n"
        "  ml_model_enabled: true\n"
        "  ml_model_path: /models/m.onnx\n"
        "  ml_tokenizer_path: /models/tok\n"
        "  ml_estimation_mode: ml_refine\n"
        "  track_accuracy: false\n"
        "other: 1\n";
    cx_estimator_config c;
    cx_error err = {0, ""};
    assert_int_equal(parse(yaml, &c, &err), CX_OK);
    assert_false(c.enabled || c.llm_refinement || c.decomposition_enabled || c.parallel_subtasks || c.track_accuracy);
    assert_int_equal(c.trigger_mode, CX_TRIGGER_AUTO_SILENT);
    assert_true(c.dimension_weights[CX_DIM_TOKEN_LENGTH] == 0.5);
    assert_true(c.dimension_weights[CX_DIM_EXTERNAL_TOOL_NEED] == 0.0);
    assert_true(c.dimension_weights[CX_DIM_REASONING_MARKERS] == 0.18); /* not named: default */
    assert_string_equal(c.refinement_model, "gemini/gemini-2.5-flash");
    assert_true(c.ambiguity_low == 0.3 && c.ambiguity_high == 0.7);
    assert_string_equal(c.fast_model, "fast/one");
    assert_string_equal(c.standard_model, "std/two");
    assert_string_equal(c.frontier_model, "frontier/three");
    assert_true(c.tier_boundaries[0] == 0.1 && c.tier_boundaries[1] == 0.3 && c.tier_boundaries[2] == 0.5 &&
                c.tier_boundaries[3] == 0.9);
    assert_true(c.decomposition_threshold == 0.95);
    assert_int_equal(c.max_subtasks, 7);
    assert_true(c.ml_model_enabled);
    assert_string_equal(c.ml_model_path, "/models/m.onnx");
    assert_string_equal(c.ml_tokenizer_path, "/models/tok");
    assert_int_equal(c.ml_estimation_mode, CX_ML_REFINE);
    /* a partial boundary map keeps the other defaults */
    assert_int_equal(parse("task_complexity:\n  tier_boundaries: {complex: 0.9}\n  fast_model:\n", &c, &err), CX_OK);
    assert_true(c.tier_boundaries[0] == 0.15 && c.tier_boundaries[3] == 0.9);
    assert_string_equal(c.fast_model, "");
}

typedef struct bad_case {
    const char *yaml;
    const char *want; /* substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"task_complexity:\n  ml_estimation_mode: turbo\n", "config.yaml:2: task_complexity.ml_estimation_mode: unknown mode 'turbo'"},
    {"task_complexity:\n  trigger_mode: sometimes\n", "config.yaml:2: task_complexity.trigger_mode: unknown trigger mode"},
    {"task_complexity:\n  dimension_weights:\n    ambiguity: -0.1\n", "config.yaml:3: task_complexity.dimension_weights.ambiguity: -0.1 is outside"},
    {"task_complexity:\n  dimension_weights:\n    ambiguity: lots\n", "config.yaml:3: task_complexity.dimension_weights.ambiguity: expected a number, got 'lots'"},
    {"task_complexity:\n  dimension_weights:\n    ambiguity: .nan\n", "config.yaml:3: task_complexity.dimension_weights.ambiguity: expected a number"},
    {"task_complexity:\n  dimension_weights:\n    vibes: 0.1\n", "config.yaml:3: task_complexity.dimension_weights.vibes: unknown dimension"},
    {"task_complexity:\n  dimension_weights: [1, 2]\n", "config.yaml:2: task_complexity.dimension_weights: expected a mapping"},
    {"task_complexity:\n\n  tier_boundaries:\n    trivial: 0.5\n    simple: 0.4\n",
     "config.yaml:4: task_complexity.tier_boundaries: boundaries must increase: simple = 0.4 is not above trivial = 0.5"},
    {"task_complexity:\n  tier_boundaries: {moderate: 0.2}\n", "task_complexity.tier_boundaries: boundaries must increase"},
    {"task_complexity:\n  tier_boundaries: {expert: 0.95}\n", "config.yaml:2: task_complexity.tier_boundaries.expert: unknown tier boundary"},
    {"task_complexity:\n  tier_boundaries: {complex: 1.5}\n", "task_complexity.tier_boundaries.complex: 1.5 is outside [0, 1]"},
    {"task_complexity:\n  ambiguity_low: 1.5\n", "config.yaml:2: task_complexity.ambiguity_low: 1.5 is outside [0, 1]"},
    {"task_complexity:\n  ambiguity_high: -0.5\n", "config.yaml:2: task_complexity.ambiguity_high: -0.5 is outside [0, 1]"},
    {"task_complexity:\n  decomposition_threshold: 2\n", "config.yaml:2: task_complexity.decomposition_threshold: 2 is outside [0, 1]"},
    {"task_complexity:\n  ambiguity_low: 0.7\n  ambiguity_high: 0.6\n", "config.yaml:3: task_complexity.ambiguity_high: ambiguity_low (0.7) must be below"},
    {"task_complexity:\n  tier_boundaries:\n    simple: 0.3\n    simple: 0.4\n", "config.yaml:4: task_complexity.tier_boundaries.simple: duplicate key"},
    {"task_complexity:\n  enabled: true\n  turbo: yes\n", "config.yaml:3: task_complexity.turbo: unknown key"},
    {"task_complexity:\n  enabled: true\n  enabled: false\n", "config.yaml:3: task_complexity.enabled: duplicate key 'enabled' (first at line 2)"},
    {"task_complexity:\n  enabled: maybe\n", "config.yaml:2: task_complexity.enabled: expected true or false, got 'maybe'"},
    {"task_complexity:\n  enabled:\n", "config.yaml:2: task_complexity.enabled: expected true or false, got nothing"},
    {"task_complexity:\n  max_subtasks: 2.5\n", "config.yaml:2: task_complexity.max_subtasks: expected a whole number"},
    {"task_complexity:\n  max_subtasks: 0\n", "task_complexity.max_subtasks: 0 is outside [1, 100]"},
    {"task_complexity:\n  fast_model: {a: 1}\n", "config.yaml:2: task_complexity.fast_model: expected a string, got a mapping"},
    {"task_complexity: [1]\n", "config.yaml:1: task_complexity: expected a mapping"},
    {"- a\n- b\n", "config.yaml:1: the top level must be a mapping"},
    {"task_complexity:\n  enabled: true\n   bad: indent\n", "config.yaml:3:"},
    {"task_complexity:\n  fast_model: \"unterminated\n", "YAML syntax"},
};

static void test_bad_files(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        cx_estimator_config c, before;
        cx_estimator_config_defaults(&c);
        c.max_subtasks = 42; /* marks the struct: a failed parse must not touch it */
        before = c;
        cx_error err = {0, ""};
        int rc = parse(bad_cases[i].yaml, &c, &err);
        if (rc == CX_OK || !strstr(err.msg, bad_cases[i].want))
            fprintf(stderr, "case %zu: rc %d, message '%s', wanted '%s'\n", i, rc, err.msg, bad_cases[i].want);
        assert_int_equal(rc, CX_ERR_FORMAT);
        assert_non_null(strstr(err.msg, bad_cases[i].want));
        assert_memory_equal(&c, &before, sizeof c);
    }
}

static void test_long_string_rejected(void **state) {
    (void)state;
    char yaml[600];
    snprintf(yaml, sizeof yaml, "task_complexity:\n  fast_model: %0300d\n", 7);
    cx_estimator_config c;
    cx_error err = {0, ""};
    assert_int_equal(parse(yaml, &c, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "config.yaml:2: task_complexity.fast_model: value is 300 bytes"));
}

/* 100,000 nested '[' (200 kB) took libyaml 47 s of CPU; refused after the first 64 levels. */
static void test_deep_nesting_refused_fast(void **state) {
    (void)state;
    size_t n = 100000;
    char *yaml = malloc(2 * n + 32);
    size_t len = (size_t)sprintf(yaml, "task_complexity: ");
    memset(yaml + len, '[', n);
    memset(yaml + len + n, ']', n);
    len += 2 * n;
    cx_estimator_config c;
    cx_error err = {0, ""};
    clock_t t0 = clock();
    assert_int_equal(cx_estimator_config_parse(yaml, len, "config.yaml", &c, &err), CX_ERR_FORMAT);
    double ms = 1000.0 * (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_string_equal(err.msg, "config.yaml:1: lists and mappings nest deeper than the limit of 64 levels");
    assert_true(ms < 100.0);
    /* at the limit: the top mapping and 63 lists */
    len = (size_t)sprintf(yaml, "models: ");
    memset(yaml + len, '[', 63);
    memset(yaml + len + 63, ']', 63);
    assert_int_equal(cx_estimator_config_parse(yaml, len + 126, "config.yaml", &c, &err), CX_OK);
    yaml[len + 63] = '[';
    assert_int_equal(cx_estimator_config_parse(yaml, len + 126, "config.yaml", &c, &err), CX_ERR_FORMAT);
    free(yaml);
}

/* Anchors and aliases cost libyaml's loader a search through every anchor
 * (80,000 anchors in 1 MB: 15 s); both are capped at 1000. */
static void test_anchor_alias_limits(void **state) {
    (void)state;
    char *yaml = malloc(1 << 16);
    cx_estimator_config c;
    cx_error err = {0, ""};
    for (int extra = 0; extra < 2; extra++) {
        size_t len = (size_t)sprintf(yaml, "defs:\n");
        for (int i = 0; i < 1000 + extra; i++) len += (size_t)sprintf(yaml + len, "- &a%d x\n", i);
        int rc = cx_estimator_config_parse(yaml, len, "config.yaml", &c, &err);
        assert_int_equal(rc, extra ? CX_ERR_FORMAT : CX_OK);
        if (extra) assert_string_equal(err.msg, "config.yaml:1002: more than 1000 YAML anchors (&name)");
        len = (size_t)sprintf(yaml, "defs: &a x\nuses:\n");
        for (int i = 0; i < 1000 + extra; i++) len += (size_t)sprintf(yaml + len, "- *a\n");
        rc = cx_estimator_config_parse(yaml, len, "config.yaml", &c, &err);
        assert_int_equal(rc, extra ? CX_ERR_FORMAT : CX_OK);
        if (extra) assert_string_equal(err.msg, "config.yaml:1003: more than 1000 YAML aliases (*name)");
    }
    free(yaml);
}

static void test_size_limit(void **state) {
    (void)state;
    size_t len = (1 << 20) + 1;
    char *yaml = malloc(len);
    memset(yaml, ' ', len);
    yaml[0] = '#';
    yaml[len - 1] = '\n';
    cx_estimator_config c;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_config_parse(yaml, len, "config.yaml", &c, &err), CX_ERR_FORMAT);
    assert_string_equal(err.msg, "config.yaml: 1048577 bytes, larger than the 1048576-byte limit of a config file");
    assert_int_equal(cx_estimator_config_parse(yaml, len - 1, "config.yaml", &c, &err), CX_OK);
    free(yaml);
}

static void test_load_file(void **state) {
    (void)state;
    char *dir = tu_tmpdir("estimate_config");
    char *path = tu_path(dir, "config.yaml");
    const char *yaml = "task_complexity:\n  ml_estimation_mode: ml_only\n  ambiguity_low: x\n";
    tu_write_file(path, yaml, strlen(yaml));
    cx_estimator_config c;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_config_load(path, &c, &err), CX_ERR_FORMAT);
    char want[1024];
    snprintf(want, sizeof want, "%s:3: task_complexity.ambiguity_low: expected a number, got 'x'", path);
    assert_string_equal(err.msg, want);
    char *missing = tu_path(dir, "missing.yaml");
    assert_int_equal(cx_estimator_config_load(missing, &c, &err), CX_ERR_NOT_FOUND);
    free(missing);
    free(path);
    free(dir);
}

/* A config.yaml as Kuro's save_config writes it (tools/make_kuro_config.py). */
static void test_kuro_written_file(void **state) {
    (void)state;
    char *path = tu_path(tu_source_dir(), "tests/data/estimate/kuro_config.yaml");
    cx_estimator_config c, want;
    cx_error err = {0, ""};
    assert_int_equal(cx_estimator_config_load(path, &c, &err), CX_OK);
    cx_estimator_config_defaults(&want);
    snprintf(want.fast_model, sizeof want.fast_model, "gemini/gemini-2.5-flash");
    snprintf(want.frontier_model, sizeof want.frontier_model, "anthropic/claude-opus-4.6");
    want.ml_estimation_mode = CX_ML_REFINE;
    want.ml_model_enabled = 0; /* the file says so (our default is on) */
    assert_memory_equal(&c, &want, sizeof c);
    free(path);
}

/* Random byte edits of a valid file: every result is either a config or an
 * error with a message, never a crash (ASan/UBSan watch). */
static void test_mutations_never_crash(void **state) {
    (void)state;
    char *path = tu_path(tu_source_dir(), "tests/data/estimate/kuro_config.yaml");
    size_t len;
    char *orig = tu_read_file(path, &len);
    char *buf = malloc(len + 1);
    uint64_t rng = 12345;
    int ok = 0, bad = 0;
    static const char alphabet[] = ":-{}[]'\"#&*!|>%@` \n\t0.9eaz\xff";
    for (int round = 0; round < 2000; round++) {
        memcpy(buf, orig, len + 1);
        for (int k = 0; k < 1 + round % 4; k++) {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            buf[rng % len] = alphabet[(rng >> 32) % (sizeof alphabet - 1)];
        }
        cx_estimator_config c;
        cx_error err = {0, ""};
        if (cx_estimator_config_parse(buf, len, "m.yaml", &c, &err) == CX_OK) ok++;
        else { bad++; assert_true(strncmp(err.msg, "m.yaml:", 7) == 0); }
    }
    assert_true(ok > 0 && bad > 0);
    free(buf);
    free(orig);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_long_string_rejected),
        cmocka_unit_test(test_deep_nesting_refused_fast),
        cmocka_unit_test(test_anchor_alias_limits),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_kuro_written_file),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
