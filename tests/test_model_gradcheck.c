/* Finite-difference gradient checks on a tiny config: for every weight tensor
 * (every parameter kind of embeddings, both layers and all heads) and for the
 * input of the first trainable layer, the analytic directional derivative g.v
 * must match central differences of the loss along v, Richardson-extrapolated
 * ((4 D(eps/2) - D(eps)) / 3, error O(eps^4)) so that eps can be large enough
 * to rise above float32 noise. v = g/|g| + a random unit vector: the signal
 * is at least |g|, and a gradient that is wrong (a transpose, a missing term)
 * points elsewhere, so g.v and the measured slope disagree by O(1). */
#include <stdlib.h>

#include "complexity/model.h"
#include "model/model_int.h"
#include "model_testutil.h"
#include "tiny_model.h"
#include "util/rng.h"

#define EPS 1e-2
#define TOL 1e-2

enum { B = 3 };
static const int lengths[B] = {5, 2, 7};
static int32_t ids[14];
static float score_t[B] = {0.2f, 0.7f, 0.95f};
static int tier_t[B] = {1, 3, 4};
static float dom_t[B * 5] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1};
static int intent_t[B] = {0, 5, 7};

static cx_model *tiny_model(void) {
    cx_model *m = mt_tiny_model(0.0f);
    for (int i = 0; i < 14; i++) ids[i] = (int32_t)((i * 7 + 3) % 20);
    ids[5] = ids[0]; /* a repeated id: the embedding scatter-add */
    return m;
}

static const cx_model_targets targets = {score_t, tier_t, dom_t, intent_t, NULL};

static double loss_at(const cx_model *m, cx_model_ws *ws, const float *hidden) {
    cx_model_batch b = {B, lengths, ids, NULL};
    cx_model_loss loss;
    cx_error err = {0};
    assert_int_equal(cx_model_forward(m, ws, &b, hidden, 1, 0, &targets, &loss, NULL, &err), CX_OK);
    return loss.total;
}

static double dotv(const float *a, const float *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

static void random_unit(float *v, size_t n, cx_rng *r) {
    double norm = 0.0;
    for (size_t i = 0; i < n; i++) { v[i] = (float)cx_rng_normal(r); norm += (double)v[i] * v[i]; }
    for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / sqrt(norm));
}

/* Central difference of the loss along v applied to x[0..n). */
static double central(const cx_model *m, cx_model_ws *ws, float *x, const float *save,
                      const float *v, size_t n, const float *hidden, double eps) {
    for (size_t i = 0; i < n; i++) x[i] = save[i] + (float)eps * v[i];
    double lp = loss_at(m, ws, hidden);
    for (size_t i = 0; i < n; i++) x[i] = save[i] - (float)eps * v[i];
    double lm = loss_at(m, ws, hidden);
    return (lp - lm) / (2 * eps);
}

static double fd_along(const cx_model *m, cx_model_ws *ws, float *x, const float *v, size_t n,
                       const float *hidden) {
    float *save = malloc(n * sizeof *save);
    memcpy(save, x, n * sizeof *save);
    double d1 = central(m, ws, x, save, v, n, hidden, EPS);
    double d2 = central(m, ws, x, save, v, n, hidden, EPS / 2);
    memcpy(x, save, n * sizeof *save);
    free(save);
    return (4 * d2 - d1) / 3;
}

/* v = g/|g| + random unit vector */
static void direction(float *v, const float *g, size_t n, cx_rng *r) {
    double gn = sqrt(dotv(g, g, n));
    random_unit(v, n, r);
    if (gn > 0)
        for (size_t i = 0; i < n; i++) v[i] += (float)(g[i] / gn);
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-6); }

static void test_every_weight(void **state) {
    (void)state;
    cx_model *m = tiny_model();
    cx_model_ws *ws = mt_training_ws(m, 0);
    cx_error err = {0};
    size_t n = cx_model_n_params(m);
    float *grads = calloc(n, sizeof *grads);
    loss_at(m, ws, NULL);
    assert_int_equal(cx_model_backward(m, ws, grads, &err), CX_OK);
    cx_rng r;
    cx_rng_seed(&r, 5);
    int fails = 0;
    double worst = 0.0;
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const cx_tensor_desc *d = &m->desc[i];
        if (d->kind == T_K_B) continue; /* exactly 0: softmax ignores a shift of all keys */
        float *v = malloc(d->size * sizeof *v);
        direction(v, grads + d->offset, d->size, &r);
        double fd = fd_along(m, ws, m->mem + d->offset, v, d->size, NULL);
        double an = dotv(grads + d->offset, v, d->size);
        double e = rel(an, fd);
        worst = fmax(worst, e);
        if (!(e <= TOL)) {
            printf("FAIL %-55s analytic %.8g finite-diff %.8g rel %.3g\n", d->name, an, fd, e);
            fails++;
        } else if (getenv("CX_TEST_VERBOSE")) {
            printf("ok   %-55s analytic %.8g finite-diff %.8g rel %.3g\n", d->name, an, fd, e);
        }
        /* the check can fail: a transposed gradient of a square weight is caught */
        if (d->kind == T_O_W) {
            int D = d->shape[0];
            float *gt = malloc(d->size * sizeof *gt);
            for (int a = 0; a < D; a++)
                for (int c = 0; c < D; c++) gt[a * D + c] = grads[d->offset + (size_t)c * D + a];
            assert_true(rel(dotv(gt, v, d->size), fd) > 10 * TOL);
            free(gt);
        }
        free(v);
    }
    printf("gradient check: %d tensors, worst relative error %.3g (tolerance %g)\n",
           cx_model_n_tensors(m) - 2, worst, TOL);
    /* k_lin.bias: analytic gradient ~0 */
    for (int i = 0; i < cx_model_n_tensors(m); i++)
        if (m->desc[i].kind == T_K_B)
            for (size_t j = 0; j < m->desc[i].size; j++)
                assert_true(fabs(grads[m->desc[i].offset + j]) < 1e-6);
    free(grads);
    cx_ws_free(ws);
    cx_model_free(m);
    assert_int_equal(fails, 0);
}

static void test_first_trainable_input(void **state) {
    (void)state;
    cx_model *m = tiny_model();
    cx_model_ws *ws = mt_training_ws(m, 1);
    cx_error err = {0};
    size_t N = 14, D = 8;
    float *hidden = malloc(N * D * sizeof *hidden);
    cx_model_batch b = {B, lengths, ids, NULL};
    assert_int_equal(cx_model_encode_frozen(m, ws, &b, hidden, &err), CX_OK);
    size_t first = cx_model_trainable_offset(m, 1);
    float *grads = calloc(cx_model_n_params(m) - first, sizeof *grads);
    loss_at(m, ws, hidden);
    assert_int_equal(cx_model_backward(m, ws, grads, &err), CX_OK);
    float *dh = malloc(N * D * sizeof *dh);
    memcpy(dh, cx_ws_dhidden(ws), N * D * sizeof *dh);
    cx_rng r;
    cx_rng_seed(&r, 9);
    float *v = malloc(N * D * sizeof *v);
    for (int trial = 0; trial < 3; trial++) {
        direction(v, dh, N * D, &r);
        double fd = fd_along(m, ws, hidden, v, N * D, hidden);
        double an = dotv(dh, v, N * D);
        printf("d loss / d hidden(layer 1) along v%d: analytic %.8g finite-diff %.8g rel %.3g\n",
               trial, an, fd, rel(an, fd));
        assert_true(rel(an, fd) <= TOL);
    }
    free(v);
    free(dh);
    free(grads);
    free(hidden);
    cx_ws_free(ws);
    cx_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_weight),
        cmocka_unit_test(test_first_trainable_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
