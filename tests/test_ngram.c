/* The n-gram part (src/infer/ngram.c) against tools/ngram_features.py: the
 * logits of a fixture file (tools/make_ngram_fixture.py) for texts in several
 * scripts, cases and whitespace kinds; refusals of bad files; and a classifier
 * that mixes the part in. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer/ngram.h"
#include "model/safetensors.h"
#include "testutil.h"

static char *fixture(const char *name) {
    char *dir = tu_path(tu_source_dir(), "tests/data/ngram");
    char *p = tu_path(dir, name);
    free(dir);
    return p;
}

static void expect_python_logits(const char *model, const char *expected) {
    char *path = fixture(model), *exp = fixture(expected);
    cx_error err = {0, ""};
    cx_ngram *m = NULL;
    assert_int_equal(cx_ngram_open(path, &m, &err), CX_OK);
    const cx_ngram_blend a = cx_ngram_blends(m);
    assert_true(a.tier == 0.60 && a.intent == 0.40 && a.domain == 0.25 && a.score == 1.0);
    size_t len;
    char *all = tu_read_file(exp, &len);
    int lines = 0;
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        const char *text = cJSON_GetObjectItem(j, "text")->valuestring;
        const cJSON *want = cJSON_GetObjectItem(j, "logits");
        assert_int_equal(cJSON_GetArraySize(want), NGRAM_OUTPUTS);
        float got[NGRAM_OUTPUTS];
        assert_int_equal(cx_ngram_logits(m, text, strlen(text), got, &err), CX_OK);
        for (int o = 0; o < NGRAM_OUTPUTS; o++) {
            double w = cJSON_GetArrayItem(want, o)->valuedouble;
            if (fabs(got[o] - w) > 1e-4) fail_msg("text %d (%.30s) output %d: %.7f, Python %.7f", lines, text, o, got[o], w);
        }
        cJSON_Delete(j);
    }
    assert_int_equal(lines, 13);
    free(all);
    cx_ngram_free(m);
    free(path);
    free(exp);
}

static void test_logits_match_python(void **state) {
    (void)state;
    expect_python_logits("tiny.safetensors", "expected.jsonl");
}

/* Version 2: only the n-grams of the kept set count (the fixture keeps those
 * found in two of its texts, so most test texts lose some), words and word
 * pairs (stripped of punctuation at their ends) among them. */
static void test_kept_set_matches_python(void **state) {
    (void)state;
    expect_python_logits("tiny_v2.safetensors", "expected_v2.jsonl");
}

/* A copy of a fixture with one metadata value replaced must be refused, naming what is wrong. */
static void expect_refused_file(const char *file, const char *key, const char *from, const char *to,
                                const char *msg) {
    char *path = fixture(file);
    size_t len;
    char *data = tu_read_file(path, &len);
    char pat[64], rep[64];
    snprintf(pat, sizeof pat, "\"%s\":\"%s\"", key, from);
    snprintf(rep, sizeof rep, "\"%s\":\"%s\"", key, to);
    assert_int_equal(strlen(pat), strlen(rep));  /* same header length */
    char *at = strstr(data + 8, pat); /* after the 8-byte header length, which holds NULs */
    assert_non_null(at);
    memcpy(at, rep, strlen(rep));
    char *dir = tu_tmpdir("test_ngram");
    char *bad = tu_path(dir, "bad.safetensors");
    tu_write_file(bad, data, len);
    cx_error err = {0, ""};
    cx_ngram *m = NULL;
    assert_int_not_equal(cx_ngram_open(bad, &m, &err), CX_OK);
    assert_null(m);
    if (!strstr(err.msg, msg)) fail_msg("error \"%s\" does not say \"%s\"", err.msg, msg);
    free(bad);
    free(dir);
    free(data);
    free(path);
}

static void expect_refused(const char *key, const char *from, const char *to, const char *msg) {
    expect_refused_file("tiny.safetensors", key, from, to, msg);
}

static void test_bad_files_refused(void **state) {
    (void)state;
    expect_refused("bits", "10", "11", "tensor \"idf\" must be F32 of shape [2048]");
    expect_refused("bits", "10", "40", "bits must be 8..24");
    expect_refused("blend_tier", "0.60", "1.60", "blend_tier must be a number in [0, 1]");
    expect_refused("blend_score", "1.00", "1.01", "blend_score must be a number in [0, 1]");
    expect_refused("ngram_max", "4", "5", "ngram_min/ngram_max must be 1 and 4");
    expect_refused("format", "complexity-ngram", "complexity-ngrax", "not a complexity n-gram file");
    expect_refused("version", "1", "3", "n-gram file version 3; this library reads 1 and 2");
    /* version 2 without its kept set */
    expect_refused("version", "1", "2", "no tensor \"keep_count\"");
}

/* A kept set whose counts and fingerprints disagree: one more n-gram counted
 * in the first bucket than the file has fingerprints. */
static void test_kept_set_mismatch_refused(void **state) {
    (void)state;
    char *path = fixture("tiny_v2.safetensors");
    size_t len;
    unsigned char *data = (unsigned char *)tu_read_file(path, &len);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = h << 8 | data[i];
    char *json = strndup((const char *)data + 8, (size_t)h);
    cJSON *head = cJSON_Parse(json);
    const cJSON *count = cJSON_GetObjectItem(head, "keep_count"), *fp = cJSON_GetObjectItem(head, "keep_fingerprint");
    assert_non_null(count);
    assert_non_null(fp);
    const int begin = cJSON_GetArrayItem(cJSON_GetObjectItem(count, "data_offsets"), 0)->valueint;
    const int n = cJSON_GetArrayItem(cJSON_GetObjectItem(fp, "shape"), 0)->valueint;
    assert_true(data[8 + h + (size_t)begin] < 255);
    data[8 + h + (size_t)begin]++;
    char *dir = tu_tmpdir("test_ngram");
    char *bad = tu_path(dir, "bad_keep.safetensors");
    tu_write_file(bad, (const char *)data, len);
    cx_error err = {0, ""};
    cx_ngram *m = NULL;
    assert_int_not_equal(cx_ngram_open(bad, &m, &err), CX_OK);
    assert_null(m);
    char want[96];
    snprintf(want, sizeof want, "tensor \"keep_fingerprint\" must be I16 of shape [%d]", n + 1);
    if (!strstr(err.msg, want)) fail_msg("error \"%s\" does not say \"%s\"", err.msg, want);
    cJSON_Delete(head);
    free(json);
    free(bad);
    free(dir);
    free(data);
    free(path);
}

static void test_long_text_bounded(void **state) {
    (void)state;
    char *path = fixture("tiny.safetensors");
    cx_error err = {0, ""};
    cx_ngram *m = NULL;
    assert_int_equal(cx_ngram_open(path, &m, &err), CX_OK);
    /* 1 MB of a 3-byte character: only the first NGRAM_MAX_BYTES are read, cut on a character boundary. */
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i + 3 <= n; i += 3) memcpy(big + i, "\xe9\x9b\xb2", 3);
    n -= n % 3;
    float a[NGRAM_OUTPUTS], b[NGRAM_OUTPUTS];
    assert_int_equal(cx_ngram_logits(m, big, n, a, &err), CX_OK);
    size_t head = NGRAM_MAX_BYTES - NGRAM_MAX_BYTES % 3;
    assert_int_equal(cx_ngram_logits(m, big, head, b, &err), CX_OK);
    for (int o = 0; o < NGRAM_OUTPUTS; o++) assert_true(fabsf(a[o] - b[o]) < 1e-6f);
    free(big);
    cx_ngram_free(m);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logits_match_python),
        cmocka_unit_test(test_kept_set_matches_python),
        cmocka_unit_test(test_bad_files_refused),
        cmocka_unit_test(test_kept_set_mismatch_refused),
        cmocka_unit_test(test_long_text_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
