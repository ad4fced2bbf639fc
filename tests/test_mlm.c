/* The masked-LM pretraining step (model/mlm.h) against Hugging Face's
 * DistilBertForMaskedLM in PyTorch: tests/data/model/mlm.safetensors
 * (tools/make_mlm_fixture.py, float64 on a padded batch): the loss, the
 * head's guesses and every gradient, encoder and head, within 1e-4; and the
 * step's refusals. */
#include <stdlib.h>

#include "complexity/model.h"
#include "model/mlm.h"
#include "model/model_int.h"
#include "model/safetensors.h"
#include "fixture_util.h"
#include "model_testutil.h"

#define RTOL 1e-4

typedef struct fixture {
    st_file *f;
    cx_model *m;
    float *head;
    int B, M;
    int lengths[16];
    int32_t *ids, *pos, *labels;
    size_t N;
} fixture;

static int32_t *read_i32(const st_file *f, const char *name, size_t *n) {
    const st_tensor *t = fx_need(f, name);
    assert_int_equal(t->dtype, ST_I32);
    int32_t *v = malloc(t->count * sizeof *v);
    memcpy(v, st_data(f, t), t->count * sizeof *v);
    *n = t->count;
    return v;
}

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    char *path = tu_path(tu_source_dir(), "tests/data/model/mlm.safetensors");
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
        if (off >= cx_model_heads_offset(fx->m)) continue; /* the classifier: not in a masked LM */
        fx_read_f32(fx->f, name, cx_model_params(fx->m) + off, fx->m->desc[i].size);
    }
    fx->head = malloc(mlm_head_size(&cfg) * sizeof(float));
    for (int i = 0; i < MLM_HEAD_TENSORS; i++) {
        const char *name;
        size_t off;
        int nd;
        int64_t shape[2];
        mlm_head_tensor(&cfg, i, &name, &off, &nd, shape);
        fx_read_f32(fx->f, name, fx->head + off, (size_t)(nd == 2 ? shape[0] * shape[1] : shape[0]));
    }
    size_t n;
    int32_t *len = read_i32(fx->f, "input.lengths", &n);
    fx->B = (int)n;
    for (int b = 0; b < fx->B; b++) { fx->lengths[b] = len[b]; fx->N += (size_t)len[b]; }
    free(len);
    fx->ids = read_i32(fx->f, "input.ids", &n);
    assert_int_equal(n, fx->N);
    fx->pos = read_i32(fx->f, "input.positions", &n);
    fx->M = (int)n;
    fx->labels = read_i32(fx->f, "input.labels", &n);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    st_close(fx->f);
    cx_model_free(fx->m);
    free(fx->head);
    free(fx->ids);
    free(fx->pos);
    free(fx->labels);
    free(fx);
    return 0;
}

typedef struct run {
    cx_model_ws *ws;
    cx_mlm_ws *mw;
    float *grads, *head_grads;
} run;

static void open_run(fixture *fx, run *r) {
    cx_ws_options o = {.max_seqs = 8, .max_tokens = 64, .max_len = 16, .freeze = 0, .training = 1};
    cx_error err = {0};
    if (cx_ws_open(fx->m, &o, &r->ws, &err)) fail_msg("%s", err.msg);
    if (mlm_ws_open(&fx->m->cfg, 32, 64, &r->mw, &err)) fail_msg("%s", err.msg);
    r->grads = calloc(cx_model_n_params(fx->m), sizeof(float));
    r->head_grads = calloc(mlm_head_size(&fx->m->cfg), sizeof(float));
}

static void close_run(run *r) {
    cx_ws_free(r->ws);
    mlm_ws_free(r->mw);
    free(r->grads);
    free(r->head_grads);
}

static void check(int *fails, const st_file *f, const char *name, const float *got, size_t n) {
    float *ref = malloc(n * sizeof *ref);
    fx_read_f32(f, name, ref, n);
    mt_compare(name, got, ref, n, RTOL, fails);
    free(ref);
}

static void test_step_matches_pytorch(void **state) {
    fixture *fx = *state;
    run r;
    open_run(fx, &r);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    double loss;
    int correct, fails = 0;
    cx_error err = {0};
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, fx->pos, fx->labels, fx->M, fx->head, r.grads,
                                       r.head_grads, 0, 1, &loss, &correct, &err), CX_OK);
    float l = (float)loss;
    check(&fails, fx->f, "out.loss", &l, 1);
    size_t n;
    int32_t *right = read_i32(fx->f, "out.correct", &n);
    assert_int_equal(correct, right[0]);
    free(right);
    char key[160];
    for (int i = 0; i < cx_model_n_tensors(fx->m); i++) {
        const char *name;
        size_t off;
        cx_model_tensor(fx->m, i, &name, &off, NULL, NULL);
        if (off >= cx_model_heads_offset(fx->m)) { /* no gradient reaches the classifier */
            for (size_t j = 0; j < fx->m->desc[i].size; j++) assert_true(r.grads[off + j] == 0.0f);
            continue;
        }
        snprintf(key, sizeof key, "grad.%s", name);
        check(&fails, fx->f, key, r.grads + off, fx->m->desc[i].size);
    }
    for (int i = 0; i < MLM_HEAD_TENSORS; i++) {
        const char *name;
        size_t off;
        int nd;
        int64_t shape[2];
        mlm_head_tensor(&fx->m->cfg, i, &name, &off, &nd, shape);
        snprintf(key, sizeof key, "grad.%s", name);
        check(&fails, fx->f, key, r.head_grads + off, (size_t)(nd == 2 ? shape[0] * shape[1] : shape[0]));
    }
    close_run(&r);
    assert_int_equal(fails, 0);
}

/* A second step on the same batch adds the same gradients again (the step
 * accumulates, as cx_model_backward does). */
static void test_step_accumulates(void **state) {
    fixture *fx = *state;
    run r;
    open_run(fx, &r);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    double loss;
    int correct;
    cx_error err = {0};
    const size_t n = cx_model_n_params(fx->m);
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, fx->pos, fx->labels, fx->M, fx->head, r.grads,
                                       r.head_grads, 0, 1, &loss, &correct, &err), CX_OK);
    float *once = malloc(n * sizeof *once);
    memcpy(once, r.grads, n * sizeof *once);
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, fx->pos, fx->labels, fx->M, fx->head, r.grads,
                                       r.head_grads, 0, 1, &loss, &correct, &err), CX_OK);
    for (size_t i = 0; i < n; i++) assert_float_equal(r.grads[i], 2 * once[i], 1e-5 * (1 + fabsf(once[i])));
    free(once);
    close_run(&r);
}

static void test_step_refusals(void **state) {
    fixture *fx = *state;
    run r;
    open_run(fx, &r);
    cx_model_batch b = {fx->B, fx->lengths, fx->ids, NULL};
    double loss;
    int correct;
    cx_error err = {0};
    int32_t bad_pos[1] = {(int32_t)fx->N}, pos0[1] = {1}, bad_label[1] = {50}, label0[1] = {5};
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, bad_pos, label0, 1, fx->head, r.grads, r.head_grads,
                                       0, 1, &loss, &correct, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "out of range"));
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, pos0, bad_label, 1, fx->head, r.grads, r.head_grads,
                                       0, 1, &loss, &correct, &err), CX_ERR_INVALID);
    assert_int_equal(cx_model_mlm_step(fx->m, r.ws, r.mw, &b, pos0, label0, 33, fx->head, r.grads, r.head_grads,
                                       0, 1, &loss, &correct, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "workspace holds 1..32"));
    /* an inference workspace keeps nothing to go back through */
    cx_model_ws *inf;
    cx_ws_options o = {.max_seqs = 8, .max_tokens = 64, .max_len = 16};
    assert_int_equal(cx_ws_open(fx->m, &o, &inf, &err), CX_OK);
    assert_int_equal(cx_model_mlm_step(fx->m, inf, r.mw, &b, pos0, label0, 1, fx->head, r.grads, r.head_grads, 0, 1,
                                       &loss, &correct, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "training workspace with freeze 0"));
    cx_ws_free(inf);
    close_run(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_matches_pytorch),
        cmocka_unit_test(test_step_accumulates),
        cmocka_unit_test(test_step_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
