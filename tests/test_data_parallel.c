/* What data-parallel training rests on, without MPI: with per-sample dropout
 * keys (cx_model_batch.sample_keys), a batch split into shards gives, shard
 * by shard, the losses and gradients of the whole batch: the whole batch's
 * gradient is the shards' gradients weighted by their share of the samples,
 * dropout on. The ranks of `mpirun complexity train` sum exactly that
 * (tests/cli_mpi.sh checks the whole run). */
#include <stdlib.h>

#include "complexity/model.h"
#include "model/model_int.h"
#include "model_testutil.h"
#include "tiny_model.h"
#include "util/rng.h"

enum { B = 3, N_TOKENS = 14 };
static const int lengths[B] = {5, 2, 7};
static int32_t ids[N_TOKENS];
static float score_t[B] = {0.2f, 0.7f, 0.95f};
static int tier_t[B] = {1, 3, 4};
static float dom_t[B * 5] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1};
static int intent_t[B] = {0, 5, 7};
static const uint64_t keys[B] = {0, 1, 2};

static cx_model *tiny_model(void) {
    cx_model *m = mt_tiny_model(0.3f);
    for (int i = 0; i < N_TOKENS; i++) ids[i] = (int32_t)((i * 7 + 3) % 20);
    return m;
}

/* Loss and gradients (into g, zeroed first) of samples [lo, hi) of the batch. */
static double shard(const cx_model *m, cx_model_ws *ws, int lo, int hi, const uint64_t *k, float *g, size_t n) {
    int tok = 0;
    for (int b = 0; b < lo; b++) tok += lengths[b];
    cx_model_batch batch = {hi - lo, lengths + lo, ids + tok, k ? k + lo : NULL};
    cx_model_targets t = {score_t + lo, tier_t + lo, dom_t + 5 * lo, intent_t + lo, NULL};
    cx_model_loss loss;
    cx_error err = {0};
    assert_int_equal(cx_model_forward(m, ws, &batch, NULL, 1, 42, &t, &loss, NULL, &err), CX_OK);
    memset(g, 0, n * sizeof *g);
    assert_int_equal(cx_model_backward(m, ws, g, &err), CX_OK);
    return loss.total;
}

static void test_shards_sum_to_the_batch(void **state) {
    (void)state;
    cx_model *m = tiny_model();
    cx_model_ws *ws = mt_training_ws(m, 0);
    size_t n = cx_model_n_params(m);
    float *whole = malloc(n * sizeof *whole), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    float *sum = malloc(n * sizeof *sum);
    double loss = shard(m, ws, 0, B, keys, whole, n);
    /* rank 0 holds sample 0, rank 1 samples 1 and 2 */
    double la = shard(m, ws, 0, 1, keys, a, n), lb = shard(m, ws, 1, B, keys, b, n);
    for (size_t i = 0; i < n; i++) sum[i] = a[i] * (1.0f / B) + b[i] * (2.0f / B);
    assert_true(fabs(loss - (la / B + lb * 2 / B)) < 1e-5 * fabs(loss));
    int fails = 0;
    mt_compare("gradients", sum, whole, n, 1e-4, &fails);
    assert_int_equal(fails, 0);
    /* Without keys the split draws other masks: the check above can fail. */
    double loss_nokeys = shard(m, ws, 0, B, NULL, whole, n);
    double la0 = shard(m, ws, 0, 1, NULL, a, n), lb0 = shard(m, ws, 1, B, NULL, b, n);
    assert_true(fabs(loss_nokeys - (la0 / B + lb0 * 2 / B)) > 1e-4);
    free(whole);
    free(a);
    free(b);
    free(sum);
    cx_ws_free(ws);
    cx_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shards_sum_to_the_batch)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
