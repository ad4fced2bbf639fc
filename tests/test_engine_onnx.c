/* The INT8 engine reading the ONNX files of `complexity export-onnx`: fp32
 * ONNX gives exactly the engine quantized from the model, INT8 ONNX agrees
 * with it, and damaged files get errors, not crashes. */
#include <stdlib.h>

#include "complexity/engine.h"
#include "complexity/onnx_export.h"
#include "model_testutil.h"
#include "util/rng.h"

static char *tmp;

static int setup(void **state) {
    (void)state;
    tmp = tu_tmpdir("test_engine_onnx");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(tmp);
    return 0;
}

static cx_model *random_model(void) {
    /* heads 4 x 16: the engine reads the head count from the graph's Reshape */
    cx_model_config c = {.vocab_size = 300, .max_positions = 24, .dim = 64, .n_layers = 2, .n_heads = 4,
                         .ffn_dim = 80, .shared_dim = 24, .head_dim = 12, .dropout = 0.1f,
                         .attention_dropout = 0.1f, .ln_eps = 1e-12f};
    cx_model *m;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 11, &m, &err), CX_OK);
    float *p = cx_model_params(m);
    for (size_t i = 0; i < cx_model_n_params(m); i++) p[i] *= 6.0f; /* LN weights 6: fine */
    return m;
}

static void run(const cx_engine *e, const int32_t *ids, int n, float out[19]) {
    cx_engine_ctx *c;
    cx_error err = {0};
    assert_int_equal(cx_engine_ctx_open(e, NULL, &c, &err), CX_OK);
    cx_engine_output o;
    assert_int_equal(cx_engine_forward(c, ids, n, &o, &err), CX_OK);
    out[0] = o.score;
    memcpy(out + 1, o.tier_logits, 20);
    memcpy(out + 6, o.domain_logits, 20);
    memcpy(out + 11, o.intent_logits, 32);
    cx_engine_ctx_free(c);
}

static void test_onnx_files(void **state) {
    (void)state;
    cx_model *m = random_model();
    cx_error err = {0};
    char *f32 = tu_path(tmp, "m.onnx"), *i8 = tu_path(tmp, "m_int8.onnx");
    assert_int_equal(cx_onnx_export(m, f32, 0, &err), CX_OK);
    assert_int_equal(cx_onnx_export(m, i8, 1, &err), CX_OK);
    assert_true(cx_engine_file_is_int8(i8));
    cx_engine *ref, *a, *b;
    assert_int_equal(cx_engine_from_model(m, &ref, &err), CX_OK);
    assert_int_equal(cx_engine_load(f32, &a, &err), CX_OK);
    if (cx_engine_load(i8, &b, &err) != CX_OK) printf("%s\n", err.msg);
    assert_int_equal(err.code, CX_OK);
    assert_memory_equal(cx_engine_config(a), cx_engine_config(ref), sizeof(cx_model_config));
    assert_memory_equal(cx_engine_config(b), cx_engine_config(ref), sizeof(cx_model_config));
    int32_t ids[20];
    cx_rng r;
    cx_rng_seed(&r, 1);
    for (int i = 0; i < 20; i++) ids[i] = (int32_t)cx_rng_below(&r, 300);
    float o_ref[19], o_a[19], o_b[19];
    run(ref, ids, 20, o_ref);
    run(a, ids, 20, o_a);
    run(b, ids, 20, o_b);
    assert_memory_equal(o_a, o_ref, sizeof o_ref); /* same weights, same quantization */
    double d = 0, spread = 0;
    for (int i = 0; i < 19; i++) d = fmax(d, fabs(o_b[i] - o_ref[i])), spread = fmax(spread, fabs(o_ref[i]));
    printf("INT8 ONNX vs quantized here: max |diff| %.3g (outputs up to %.3g)\n", d, spread);
    assert_true(d < 0.05 * spread + 1e-3); /* heads are int8 in the INT8 file */
    cx_engine_free(ref);
    cx_engine_free(a);
    cx_engine_free(b);
    cx_model_free(m);
    free(f32);
    free(i8);
}

/* The last occurrence: the initializer's own name (nodes come first). */
static char *find_last(char *hay, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = n - k + 1; i-- > 0;)
        if (memcmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}

static void expect_error(const char *name, const char *data, size_t len, const char *needle) {
    char *p = tu_path(tmp, name);
    tu_write_file(p, data, len);
    cx_engine *e = (cx_engine *)1;
    cx_error err = {0};
    assert_true(cx_engine_load(p, &e, &err) != CX_OK);
    assert_null(e);
    if (!strstr(err.msg, needle)) printf("%s: message '%s' lacks '%s'\n", name, err.msg, needle);
    assert_non_null(strstr(err.msg, needle));
    free(p);
}

static void test_onnx_damaged(void **state) {
    (void)state;
    cx_model *m = random_model();
    cx_error err = {0};
    char *i8 = tu_path(tmp, "d_int8.onnx");
    assert_int_equal(cx_onnx_export(m, i8, 1, &err), CX_OK);
    size_t len;
    char *data = tu_read_file(i8, &len);
    /* cut at many points: every prefix is an error or (rarely) a valid
     * protobuf missing tensors; never a crash */
    for (size_t cut = 1; cut < len; cut += len / 37 + 1) {
        char *p = tu_path(tmp, "cut.onnx");
        tu_write_file(p, data, cut);
        cx_engine *e = NULL;
        assert_true(cx_engine_load(p, &e, &err) != CX_OK);
        assert_null(e);
        free(p);
    }
    expect_error("text.onnx", "hello, I am not a model", 23, "not an ONNX model");
    /* a renamed tensor */
    const char *name = "layer.1.ffn.lin2.weight.T_quantized";
    char *hit = find_last(data, len, name);
    assert_non_null(hit);
    hit[8] = 'X';
    expect_error("renamed.onnx", data, len, "is missing");
    hit[8] = 'f';
    /* a length that runs past the end */
    char bad[4] = {0x3a, (char)0xff, (char)0xff, 0x7f}; /* field 7, length 2^28-ish */
    expect_error("long.onnx", bad, sizeof bad, "truncated");
    free(data);
    free(i8);
    cx_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onnx_files),
        cmocka_unit_test(test_onnx_damaged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
