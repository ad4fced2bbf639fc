/* Parity with the seed's model in PyTorch: tests/data/model/parity.safetensors
 * (tools/make_model_fixtures.py, float64 reference on a padded batch) against
 * our packed forward/backward, relative error <= 1e-4 on every tensor. */
#include <stdlib.h>

#include "complexity/model.h"
#include "model/model_int.h"
#include "model/safetensors.h"
#include "fixture_util.h"
#include "model_testutil.h"

#define RTOL 1e-4

typedef struct fixture {
    st_file *f;
    cx_model *m;
    int B;
    int lengths[16];
    int32_t *ids;
    size_t N;
    float score[16], domains[16 * 5];
    int tier[16], intent[16];
    cx_model_targets t;
} fixture;

static float *read_f32(const st_file *f, const char *name, size_t n) {
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    fx_read_f32(f, name, v, n);
    return v;
}

static void read_i32(const st_file *f, const char *name, int32_t *dst, size_t n) {
    const st_tensor *t = fx_need(f, name);
    assert_int_equal(t->dtype, ST_I32);
    assert_int_equal(t->count, n);
    memcpy(dst, st_data(f, t), n * 4);
}

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    char *path = tu_path(tu_source_dir(), "tests/data/model/parity.safetensors");
    cx_error err = {0};
    if (st_open(&fx->f, path, &err)) fail_msg("%s", err.msg);
    free(path);
    cx_model_config cfg = {.vocab_size = 50, .max_positions = 24, .dim = 32, .n_layers = 2,
                           .n_heads = 4, .ffn_dim = 48, .shared_dim = 24, .head_dim = 16,
                           .dropout = 0.0f, .attention_dropout = 0.0f, .ln_eps = 1e-12f};
    assert_int_equal(cx_model_create(&cfg, 1, &fx->m, &err), CX_OK);
    for (int i = 0; i < cx_model_n_tensors(fx->m); i++) {
        const char *name;
        size_t off;
        cx_model_tensor(fx->m, i, &name, &off, NULL, NULL);
        const st_tensor *t = fx_need(fx->f, name);
        if (st_read_f32(fx->f, t, cx_model_params(fx->m) + off, t->count, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(t->count, fx->m->desc[i].size);
    }
    const st_tensor *lt = fx_need(fx->f, "input.lengths");
    fx->B = (int)lt->count;
    int32_t len32[16];
    read_i32(fx->f, "input.lengths", len32, (size_t)fx->B);
    for (int b = 0; b < fx->B; b++) { fx->lengths[b] = len32[b]; fx->N += (size_t)len32[b]; }
    fx->ids = malloc(fx->N * sizeof *fx->ids);
    read_i32(fx->f, "input.ids", fx->ids, fx->N);
    float *v = read_f32(fx->f, "target.score", (size_t)fx->B);
    memcpy(fx->score, v, (size_t)fx->B * sizeof *v);
    free(v);
    v = read_f32(fx->f, "target.domains", (size_t)fx->B * 5);
    memcpy(fx->domains, v, (size_t)fx->B * 5 * sizeof *v);
    free(v);
    int32_t tmp[16];
    read_i32(fx->f, "target.tier", tmp, (size_t)fx->B);
    for (int b = 0; b < fx->B; b++) fx->tier[b] = tmp[b];
    read_i32(fx->f, "target.intent", tmp, (size_t)fx->B);
    for (int b = 0; b < fx->B; b++) fx->intent[b] = tmp[b];
    fx->t = (cx_model_targets){fx->score, fx->tier, fx->domains, fx->intent, NULL};
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    st_close(fx->f);
    cx_model_free(fx->m);
    free(fx->ids);
    free(fx);
    return 0;
}

static cx_model_ws *open_ws(fixture *fx, int freeze, int training) {
    cx_ws_options o = {.max_seqs = 8, .max_tokens = 64, .max_len = 16, .freeze = freeze,
                       .training = training};
    cx_model_ws *ws;
    cx_error err = {0};
    if (cx_ws_open(fx->m, &o, &ws, &err)) fail_msg("%s", err.msg);
    return ws;
}

static void check(int *fails, const st_file *f, const char *name, const float *got, size_t n) {
    float *ref = read_f32(f, name, n);
    mt_compare(name, got, ref, n, RTOL, fails);
    free(ref);
}

static void check_outputs(fixture *fx, cx_model_ws *ws, const cx_model_outputs *o,
                          const cx_model_loss *loss, int *fails) {
    size_t B = (size_t)fx->B;
    /* the last layer computes the [CLS] rows only: the fixture's rows 0 of
     * each sequence */
    float *hidden = read_f32(fx->f, "out.hidden", fx->N * 32), *cls = malloc(B * 32 * sizeof *cls);
    size_t row = 0;
    for (size_t b = 0; b < B; b++) {
        memcpy(cls + b * 32, hidden + row * 32, 32 * sizeof *cls);
        row += (size_t)fx->lengths[b];
    }
    mt_compare("out.hidden ([CLS] rows)", ws->enc_out, cls, B * 32, RTOL, fails);
    free(hidden);
    free(cls);
    check(fails, fx->f, "out.score", o->score, B);
    check(fails, fx->f, "out.tier_logits", o->tier_logits, B * 5);
    check(fails, fx->f, "out.domain_logits", o->domain_logits, B * 5);
    check(fails, fx->f, "out.intent_logits", o->intent_logits, B * 8);
    if (loss) {
        float l[5] = {(float)loss->total, (float)loss->score_mse, (float)loss->tier_ce,
                      (float)loss->domain_bce, (float)loss->intent_ce};
        check(fails, fx->f, "out.loss", l, 5);
    }
}

/* Every gradient from `first` on must match grad.<name>; earlier ones are
 * not computed at all. */
static void check_grads(fixture *fx, const float *grads, size_t first, int *fails) {
    char key[160];
    int checked = 0;
    for (int i = 0; i < cx_model_n_tensors(fx->m); i++) {
        const char *name;
        size_t off;
        cx_model_tensor(fx->m, i, &name, &off, NULL, NULL);
        if (off < first) continue;
        snprintf(key, sizeof key, "grad.%s", name);
        check(fails, fx->f, key, grads + (off - first), fx->m->desc[i].size);
        checked++;
    }
    assert_true(checked > 0);
}

static void test_parity_freeze0(void **state) {
    fixture *fx = *state;
    cx_model_ws *ws = open_ws(fx, 0, 1);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    cx_model_outputs o;
    cx_model_loss loss;
    cx_error err = {0};
    assert_int_equal(cx_model_forward(fx->m, ws, &b, NULL, 1, 7, &fx->t, &loss, &o, &err), CX_OK);
    int fails = 0;
    check_outputs(fx, ws, &o, &loss, &fails);
    size_t n = cx_model_n_params(fx->m);
    float *grads = calloc(n, sizeof *grads);
    assert_int_equal(cx_model_backward(fx->m, ws, grads, &err), CX_OK);
    check_grads(fx, grads, 0, &fails);
    check(&fails, fx->f, "grad.hidden0", cx_ws_dhidden(ws), fx->N * 32);
    free(grads);
    cx_ws_free(ws);
    assert_int_equal(fails, 0);
}

static void test_parity_freeze1_cached(void **state) {
    fixture *fx = *state;
    cx_model_ws *ws = open_ws(fx, 1, 1);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    cx_error err = {0};
    int fails = 0;
    /* the frozen part alone, as training caches it */
    float *hidden = malloc(fx->N * 32 * sizeof *hidden);
    assert_int_equal(cx_model_encode_frozen(fx->m, ws, &b, hidden, &err), CX_OK);
    check(&fails, fx->f, "input.hidden1", hidden, fx->N * 32);
    cx_model_outputs o;
    cx_model_loss loss;
    assert_int_equal(cx_model_forward(fx->m, ws, &b, hidden, 1, 7, &fx->t, &loss, &o, &err), CX_OK);
    check_outputs(fx, ws, &o, &loss, &fails);
    size_t first = cx_model_trainable_offset(fx->m, 1);
    assert_true(first > 0 && first < cx_model_heads_offset(fx->m));
    size_t n = cx_model_n_params(fx->m) - first;
    float *grads = calloc(n, sizeof *grads);
    assert_int_equal(cx_model_backward(fx->m, ws, grads, &err), CX_OK);
    check_grads(fx, grads, first, &fails);
    check(&fails, fx->f, "grad.hidden1", cx_ws_dhidden(ws), fx->N * 32);
    /* a second backward without a forward is refused */
    assert_int_equal(cx_model_backward(fx->m, ws, grads, &err), CX_ERR_INVALID);
    free(grads);
    free(hidden);
    cx_ws_free(ws);
    assert_int_equal(fails, 0);
}

static void test_parity_eval(void **state) {
    fixture *fx = *state;
    cx_model_ws *ws = open_ws(fx, 0, 0);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    cx_model_outputs o;
    cx_model_loss loss;
    cx_error err = {0};
    assert_int_equal(cx_model_forward(fx->m, ws, &b, NULL, 0, 0, &fx->t, &loss, &o, &err), CX_OK);
    int fails = 0;
    check_outputs(fx, ws, &o, &loss, &fails);
    float g[4];
    assert_int_equal(cx_model_backward(fx->m, ws, g, &err), CX_ERR_INVALID);
    cx_ws_free(ws);
    /* inference from cached frozen outputs (freeze 1) */
    ws = open_ws(fx, 1, 0);
    float *hidden = malloc(fx->N * 32 * sizeof *hidden);
    assert_int_equal(cx_model_encode_frozen(fx->m, ws, &b, hidden, &err), CX_OK);
    assert_int_equal(cx_model_forward(fx->m, ws, &b, hidden, 0, 0, NULL, NULL, &o, &err), CX_OK);
    check_outputs(fx, ws, &o, NULL, &fails);
    free(hidden);
    cx_ws_free(ws);
    assert_int_equal(fails, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_freeze0),
        cmocka_unit_test(test_parity_freeze1_cached),
        cmocka_unit_test(test_parity_eval),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
