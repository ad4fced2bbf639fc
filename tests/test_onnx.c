/* ONNX export: the writer's bytes against committed fixtures that ONNX
 * Runtime ran (tests/data/onnx, made by tools/onnx_check/make_fixture.sh),
 * our model against ONNX Runtime's outputs on those files, the structural
 * checker (one bad file per check), and the INT8 weight quantization.
 *
 * With CX_ONNX_FIXTURE_DIR set, writes fresh fixtures there instead. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/onnx_export.h"
#include "export/onnx_quant.h"
#include "testutil.h"

static char *tmp, *fixdir;

static int setup(void **state) {
    (void)state;
    tmp = tu_tmpdir("test_onnx");
    fixdir = tu_path(tu_source_dir(), "tests/data/onnx");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(tmp);
    free(fixdir);
    return 0;
}

/* A micro model (2 layers, dim 16) with weights spread wide enough that every
 * op changes the outputs. */
static cx_model *make_micro(void) {
    cx_model_config c = {.vocab_size = 50, .max_positions = 16, .dim = 16, .n_layers = 2, .n_heads = 2,
                         .ffn_dim = 32, .shared_dim = 16, .head_dim = 8, .dropout = 0.1f,
                         .attention_dropout = 0.1f, .ln_eps = 1e-12f};
    cx_model *m = NULL;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 7, &m, &err), CX_OK);
    float *p = cx_model_params(m);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < cx_model_n_params(m); i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = ((float)(s >> 40) / (float)(1 << 24) - 0.5f) * 0.8f;
    }
    return m;
}

static void write_fixtures(const char *dir) {
    cx_model *m = make_micro();
    cx_error err = {0};
    char *st = tu_path(dir, "micro.safetensors"), *f = tu_path(dir, "micro_fp32.onnx"),
         *q = tu_path(dir, "micro_int8.onnx");
    assert_int_equal(cx_model_save(m, st, &err), CX_OK);
    assert_int_equal(cx_onnx_export(m, f, 0, &err), CX_OK);
    assert_int_equal(cx_onnx_export(m, q, 1, &err), CX_OK);
    printf("fixtures written to %s\n", dir);
    cx_model_free(m);
    free(st);
    free(f);
    free(q);
}

static cx_model *load_micro(void) {
    char *st = tu_path(fixdir, "micro.safetensors");
    cx_model *m = NULL;
    cx_error err = {0};
    int rc = cx_model_load(st, NULL, &m, &err);
    if (rc) printf("%s\n", err.msg);
    assert_int_equal(rc, CX_OK);
    free(st);
    return m;
}

static void assert_same_file(const char *got, const char *want) {
    size_t n1, n2;
    char *a = tu_read_file(got, &n1), *b = tu_read_file(want, &n2);
    if (n1 != n2 || memcmp(a, b, n1) != 0) printf("%s (%zu bytes) differs from %s (%zu bytes)\n", got, n1, want, n2);
    assert_true(n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
}

static void test_export_matches_fixture(void **state) {
    (void)state;
    const char *gen = getenv("CX_ONNX_FIXTURE_DIR");
    if (gen) {
        write_fixtures(gen);
        return;
    }
    cx_model *m = load_micro();
    cx_error err = {0};
    const char *names[2] = {"micro_fp32.onnx", "micro_int8.onnx"};
    for (int q = 0; q < 2; q++) {
        char *got = tu_path(tmp, names[q]), *want = tu_path(fixdir, names[q]);
        assert_int_equal(cx_onnx_export(m, got, q, &err), CX_OK);
        assert_same_file(got, want);
        free(got);
        free(want);
    }
    cx_model_free(m);
}

/* expected.json's array of arrays as floats (row-major); returns the count */
static size_t read_matrix(const cJSON *a, float *out, size_t cap) {
    size_t n = 0;
    const cJSON *row, *v;
    cJSON_ArrayForEach(row, a) {
        if (cJSON_IsNumber(row)) { if (n < cap) out[n++] = (float)row->valuedouble; continue; }
        cJSON_ArrayForEach(v, row) if (n < cap) out[n++] = (float)v->valuedouble;
    }
    return n;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

/* Our native forward pass (no padding) against what ONNX Runtime computed
 * from our files on a padded batch. */
static void test_native_matches_onnxruntime(void **state) {
    (void)state;
    char *path = tu_path(fixdir, "expected.json");
    char *text = tu_read_file(path, NULL);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    float idsf[64], maskf[64];
    size_t n_ids = read_matrix(cJSON_GetObjectItem(j, "input_ids"), idsf, 64);
    assert_int_equal(read_matrix(cJSON_GetObjectItem(j, "attention_mask"), maskf, 64), n_ids);
    enum { B = 4 };
    const int T = (int)n_ids / B;
    int lengths[B];
    int32_t ids[64];
    size_t n = 0;
    for (int b = 0; b < B; b++) {
        lengths[b] = 0;
        for (int t = 0; t < T; t++)
            if (maskf[b * T + t] > 0) ids[n++] = (int32_t)idsf[b * T + t], lengths[b]++;
    }
    cx_model *m = load_micro();
    cx_model_ws *ws = NULL;
    cx_error err = {0};
    cx_ws_options wo = {.max_seqs = B, .max_tokens = (size_t)n, .max_len = T};
    assert_int_equal(cx_ws_open(m, &wo, &ws, &err), CX_OK);
    cx_model_batch batch = {B, lengths, ids, NULL};
    cx_model_outputs o;
    assert_int_equal(cx_model_forward(m, ws, &batch, NULL, 0, 0, NULL, NULL, &o, &err), CX_OK);
    /* the rows must differ by far more than the tolerance, or a broken
     * padding mask could pass unnoticed */
    assert_true(max_diff(o.intent_logits, o.intent_logits + 8, 8) > 1e-3);
    static const char *const keys[4] = {"score", "tier_logits", "domain_logits", "intent_logits"};
    const float *ours[4] = {o.score, o.tier_logits, o.domain_logits, o.intent_logits};
    const size_t width[4] = {1, 5, 5, 8};
    /* fp32: same math up to float rounding; INT8: quantization error only */
    const char *variants[2] = {"fp32", "int8"};
    const double tol[2] = {1e-5, 0.1};
    for (int v = 0; v < 2; v++) {
        const cJSON *e = cJSON_GetObjectItem(j, variants[v]);
        for (int k = 0; k < 4; k++) {
            float ref[64];
            assert_int_equal(read_matrix(cJSON_GetObjectItem(e, keys[k]), ref, 64), B * width[k]);
            double d = max_diff(ours[k], ref, B * width[k]);
            printf("%s %-14s max |native - onnxruntime| = %.3g\n", variants[v], keys[k], d);
            assert_true(d <= tol[v]);
            if (v == 1) assert_true(d > 0); /* quantization must show (else it did not happen) */
        }
    }
    cx_ws_free(ws);
    cx_model_free(m);
    cJSON_Delete(j);
    free(text);
    free(path);
}

/* Our reference interpreter on the fixture files against ONNX Runtime, on
 * the same padded batch: fp32 and INT8 alike. */
static void test_interpreter_matches_onnxruntime(void **state) {
    (void)state;
    char *path = tu_path(fixdir, "expected.json");
    char *text = tu_read_file(path, NULL);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    float idsf[64], maskf[64];
    size_t n = read_matrix(cJSON_GetObjectItem(j, "input_ids"), idsf, 64);
    read_matrix(cJSON_GetObjectItem(j, "attention_mask"), maskf, 64);
    enum { B = 4 };
    const int T = (int)n / B;
    int64_t ids[64], mask[64];
    for (size_t i = 0; i < n; i++) ids[i] = (int64_t)idsf[i], mask[i] = (int64_t)maskf[i];
    static const char *const keys[4] = {"score", "tier_logits", "domain_logits", "intent_logits"};
    const size_t width[4] = {1, 5, 5, 8};
    const char *files[2] = {"micro_fp32.onnx", "micro_int8.onnx"}, *variants[2] = {"fp32", "int8"};
    for (int v = 0; v < 2; v++) {
        float out[4][B * 8];
        cx_onnx_result r = {out[0], out[1], out[2], out[3]};
        char *f = tu_path(fixdir, files[v]);
        cx_error err = {0};
        int rc = cx_onnx_run(f, ids, mask, B, T, &r, &err);
        if (rc) printf("%s\n", err.msg);
        assert_int_equal(rc, CX_OK);
        const cJSON *e = cJSON_GetObjectItem(j, variants[v]);
        for (int k = 0; k < 4; k++) {
            float ref[64];
            read_matrix(cJSON_GetObjectItem(e, keys[k]), ref, 64);
            double d = max_diff(out[k], ref, B * width[k]);
            printf("%s %-14s max |interpreter - onnxruntime| = %.3g\n", variants[v], keys[k], d);
            assert_true(d <= 1e-5);
        }
        /* token ids outside the vocabulary are an error, not a crash */
        ids[3] = 50;
        assert_int_equal(cx_onnx_run(f, ids, mask, B, T, &r, &err), CX_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "index out of range"));
        ids[3] = (int64_t)idsf[3];
        assert_int_equal(cx_onnx_run(f, ids, mask, 0, T, &r, &err), CX_ERR_INVALID);
        free(f);
    }
    cJSON_Delete(j);
    free(text);
    free(path);
}

/* export-onnx's self-check: the file against its model, then against a
 * model that differs in one weight of the last layer's FFN. */
static void test_verify_catches_a_different_model(void **state) {
    (void)state;
    cx_model *m = load_micro();
    char *f = tu_path(fixdir, "micro_fp32.onnx"), *q = tu_path(fixdir, "micro_int8.onnx");
    cx_error err = {0};
    double d;
    assert_int_equal(cx_onnx_verify(m, f, &d, &err), CX_OK);
    assert_true(d <= 1e-5);
    assert_int_equal(cx_onnx_verify(m, q, &d, &err), CX_OK);
    assert_true(d > 0 && d < 0.1);
    size_t off = 0;
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const char *name;
        int nd, shape[2];
        cx_model_tensor(m, i, &name, &off, &nd, shape);
        if (strcmp(name, "distilbert.transformer.layer.1.ffn.lin2.weight") == 0) break;
    }
    cx_model_params(m)[off + 3] += 0.5f;
    assert_int_equal(cx_onnx_verify(m, f, &d, &err), CX_OK);
    printf("one weight changed by 0.5: max |onnx - native| = %.3g\n", d);
    assert_true(d > 1e-3);
    cx_model_free(m);
    free(f);
    free(q);
}

static void test_check_summary(void **state) {
    (void)state;
    cx_onnx_summary s;
    cx_error err = {0};
    char *f = tu_path(fixdir, "micro_fp32.onnx"), *q = tu_path(fixdir, "micro_int8.onnx");
    assert_int_equal(cx_onnx_check(f, &s, &err), CX_OK);
    assert_int_equal(s.ir_version, 8);
    assert_int_equal(s.opset, 17);
    assert_int_equal(s.int8, 0);
    assert_int_equal(s.n_int8_weights, 0);
    assert_int_equal(s.n_layers, 2);
    cx_model *m = load_micro();
    size_t n_params = cx_model_n_params(m);
    assert_true(s.n_weights > n_params); /* + small constants */
    assert_int_equal(cx_onnx_check(q, &s, &err), CX_OK);
    assert_int_equal(s.int8, 1);
    assert_int_equal(s.n_layers, 2);
    /* int8: every Linear weight and the word embeddings; fp32: positions,
     * LayerNorms, biases */
    const cx_model_config *c = cx_model_get_config(m);
    size_t linear = (size_t)c->n_layers * (4 * c->dim * c->dim + 2 * c->dim * c->ffn_dim) +
                    (size_t)c->dim * c->shared_dim + (size_t)c->shared_dim * c->head_dim * 4 +
                    (size_t)c->head_dim * (1 + 5 + 5 + 8);
    size_t zero_points = (size_t)c->n_layers * 6 + 1 + 8 + 1;
    assert_int_equal(s.n_int8_weights, linear + (size_t)c->vocab_size * c->dim + zero_points);
    cx_model_free(m);
    free(f);
    free(q);
}

/* Handcrafted bad files: the fp32 fixture with same-length byte edits (a
 * string renamed, a varint changed), so the protobuf stays decodable and only
 * the checked property breaks. Replaces the first (or every) occurrence of
 * `from` at or after the last occurrence of `after` (NULL: from the start). */
static void patch(char *b, size_t n, const char *after, const void *from, const void *to, size_t len, int all) {
    size_t start = 0, hits = 0;
    if (after)
        for (size_t i = 0; i + strlen(after) <= n; i++)
            if (memcmp(b + i, after, strlen(after)) == 0) start = i;
    for (size_t i = start; i + len <= n; i++)
        if (memcmp(b + i, from, len) == 0) {
            memcpy(b + i, to, len);
            hits++;
            if (!all) break;
        }
    assert_true(hits > 0);
}

typedef struct bad_case {
    const char *label, *after, *from, *to;
    size_t len;
    int all;
    const char *want;
} bad_case;

static void test_check_rejects(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {"IR version", NULL, "\x08\x08", "\x08\x09", 2, 0, "IR version 9"},
        {"opset", NULL, "\x0a\x00\x10\x11", "\x0a\x00\x10\x0d", 4, 0, "opset 13"},
        {"output name", NULL, "tier_logits", "Tier_logits", 11, 1, "should be named tier_logits, not Tier_logits"},
        {"input type", "input_ids", "\x08\x07", "\x08\x06", 2, 0, "input 0 input_ids: not a rank-2 tensor"},
        {"unknown op", NULL, "Relu", "Xelu", 4, 1, "operator Xelu is not one we write"},
        {"use before def", NULL, "cls_index", "cls_indey", 9, 0, "input cls_indey is not defined before it"},
        {"duplicate name", NULL, "cls_index", "mask_axes", 9, 1, "mask_axes is defined twice"},
        {"initializer size", NULL, "\x08\x10\x08\x10\x10\x01", "\x08\x10\x08\x11\x10\x01", 6, 0,
         "elements of data for dims holding 272"},
    };
    char *f = tu_path(fixdir, "micro_fp32.onnx"), *bad = tu_path(tmp, "bad.onnx");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const bad_case *c = &cases[k];
        size_t n;
        char *bytes = tu_read_file(f, &n);
        patch(bytes, n, c->after, c->from, c->to, c->len, c->all);
        tu_write_file(bad, bytes, n);
        cx_error err = {0};
        int rc = cx_onnx_check(bad, NULL, &err);
        printf("%-18s -> %s\n", c->label, err.msg);
        assert_int_equal(rc, CX_ERR_FORMAT);
        assert_non_null(strstr(err.msg, c->want));
        free(bytes);
    }
    free(f);
    free(bad);
}

/* Files that are not ONNX at all: missing, empty, truncated, text. */
static void test_check_bad_files(void **state) {
    (void)state;
    cx_error err = {0};
    char *missing = tu_path(tmp, "missing.onnx"), *p = tu_path(tmp, "junk.onnx");
    assert_int_equal(cx_onnx_check(missing, NULL, &err), CX_ERR_IO);
    assert_non_null(strstr(err.msg, "missing.onnx: cannot open"));
    tu_write_file(p, "", 0);
    assert_int_equal(cx_onnx_check(p, NULL, &err), CX_ERR_FORMAT);
    tu_write_file(p, "{\"not\": \"onnx\"}\n", 16);
    assert_int_equal(cx_onnx_check(p, NULL, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "not an ONNX model"));
    char *f = tu_path(fixdir, "micro_int8.onnx");
    size_t n;
    char *bytes = tu_read_file(f, &n);
    for (size_t cut = 1; cut < n; cut = cut * 3 + 7) { /* truncated anywhere */
        tu_write_file(p, bytes, cut);
        assert_int_equal(cx_onnx_check(p, NULL, &err), CX_ERR_FORMAT);
    }
    free(bytes);
    free(f);
    free(p);
    free(missing);
}

/* Random byte flips in both fixtures: the checker and, on files it accepts,
 * the interpreter must return, never crash (ASan/UBSan builds watch). */
static void test_mutations_never_crash(void **state) {
    (void)state;
    const char *files[2] = {"micro_fp32.onnx", "micro_int8.onnx"};
    char *bad = tu_path(tmp, "mutated.onnx");
    uint64_t seed = 12345;
    int accepted = 0;
    for (int v = 0; v < 2; v++) {
        char *f = tu_path(fixdir, files[v]);
        size_t n;
        char *orig = tu_read_file(f, &n);
        char *bytes = malloc(n);
        for (int round = 0; round < 150; round++) {
            memcpy(bytes, orig, n);
            for (int k = 0; k < 1 + round % 4; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                bytes[(seed >> 33) % n] ^= (char)(1u << ((seed >> 20) % 8));
            }
            tu_write_file(bad, bytes, n);
            cx_error err = {0};
            if (cx_onnx_check(bad, NULL, &err) != CX_OK) continue;
            accepted++;
            int64_t ids[4] = {1, 2, 3, 0}, mask[4] = {1, 1, 1, 0};
            float out[4][16];
            cx_onnx_result r = {out[0], out[1], out[2], out[3]};
            (void)cx_onnx_run(bad, ids, mask, 2, 2, &r, &err);
        }
        free(bytes);
        free(orig);
        free(f);
    }
    printf("%d of 300 mutated files passed the structural check (weights flipped) and were run\n", accepted);
    free(bad);
}

/* The quantizer against its definition: scale max|w|/127, round half to
 * even, clamp to +-127, transposed layout. */
static void test_quantize(void **state) {
    (void)state;
    const float w[6] = {0.5f, -1.27f, 0.015f, 0.025f, 1.27f, -0.005f}; /* rows 2, cols 3 */
    float s = quant_scale(w, 6);
    assert_true(fabsf(s - 0.01f) < 1e-8f);
    int8_t q[6], qt[6];
    quant_i8(q, w, 6, s);
    const int8_t want[6] = {50, -127, 2, 2, 127, 0}; /* 1.5 -> 2, 2.5 -> 2, -0.5 -> 0 */
    assert_memory_equal(q, want, 6);
    quant_i8_transposed(qt, w, 2, 3, s);
    const int8_t want_t[6] = {50, 2, -127, 127, 2, 0};
    assert_memory_equal(qt, want_t, 6);
    const float big[1] = {1000.0f};
    quant_i8(q, big, 1, s);
    assert_int_equal(q[0], 127);
    const float zeros[3] = {0, 0, 0};
    assert_true(quant_scale(zeros, 3) == 1.0f);
    float t[6];
    transpose_f32(t, w, 2, 3);
    assert_true(t[1] == w[3] && t[4] == w[2] && t[5] == w[5]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_matches_fixture), cmocka_unit_test(test_native_matches_onnxruntime),
        cmocka_unit_test(test_interpreter_matches_onnxruntime),
        cmocka_unit_test(test_verify_catches_a_different_model),
        cmocka_unit_test(test_check_summary),          cmocka_unit_test(test_check_rejects),
        cmocka_unit_test(test_check_bad_files),        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_quantize),
    };
    if (getenv("CX_ONNX_FIXTURE_DIR")) {
        const struct CMUnitTest gen[] = {cmocka_unit_test(test_export_matches_fixture)};
        return cmocka_run_group_tests(gen, setup, teardown);
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
