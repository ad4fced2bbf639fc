/* Calibration (calibrate.h): the Clopper-Pearson bound against SciPy, share
 * targets met within what ties allow, the risk fit at its bound, and the
 * boundaries always valid (increasing, in [0,1]). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity.h"
#include "testutil.h"

/* tools/make_clopper_pearson_fixture.py (SciPy beta.ppf(c, k + 1, m - k)) */
static const struct { size_t k, m; double c, upper; } CP_CASES[] = {
    {0, 10, 0.95, 0.258865550893},
    {1, 10, 0.95, 0.394163302437},
    {0, 59, 0.95, 0.0495076098882},
    {2, 149, 0.95, 0.0416486479373},
    {3, 149, 0.95, 0.0512130596437},
    {5, 40, 0.9, 0.219580190989},
    {0, 1, 0.99, 0.99},
    {12, 1000, 0.95, 0.0193701992851},
    {99, 100, 0.95, 0.999487198584},
};

static const double SEED[CX_N_TIERS - 1] = {0.15, 0.35, 0.60, 0.85};

static void test_clopper_pearson(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof CP_CASES / sizeof CP_CASES[0]; i++) {
        double got = cx_clopper_pearson_upper(CP_CASES[i].k, CP_CASES[i].m, CP_CASES[i].c);
        if (fabs(got - CP_CASES[i].upper) > 1e-9)
            fail_msg("k=%zu m=%zu c=%g: %.12g, SciPy %.12g", CP_CASES[i].k, CP_CASES[i].m, CP_CASES[i].c, got,
                     CP_CASES[i].upper);
    }
    assert_true(cx_clopper_pearson_upper(0, 0, 0.95) == 1);
    assert_true(cx_clopper_pearson_upper(5, 5, 0.95) == 1);
}

static void assert_valid(const double *b) {
    assert_true(b[0] > 0 && b[3] <= 1);
    for (int t = 1; t < CX_N_TIERS - 1; t++) assert_true(b[t] > b[t - 1]);
}

static void test_shares(void **state) {
    (void)state;
    enum { N = 1000 };
    double scores[N], b[CX_N_TIERS - 1], got[CX_N_ROUTES];
    for (int i = 0; i < N; i++) scores[i] = (double)((i * 7919) % N) / N; /* 0, 0.001, ... shuffled */
    cx_error err = {0, ""};
    const double target[CX_N_ROUTES] = {0.5, 0.3, 0.2};
    assert_int_equal(cx_calibrate_shares(scores, N, target, SEED, b, got, &err), CX_OK);
    assert_valid(b);
    for (int r = 0; r < CX_N_ROUTES; r++) assert_true(fabs(got[r] - target[r]) < 0.01);
    /* b[0] and b[3] keep their places relative to the route boundaries */
    assert_true(fabs(b[0] / b[1] - 0.15 / 0.35) < 1e-9);
    /* ties stay together: half the scores equal, the cut goes around them */
    for (int i = 0; i < N / 2; i++) scores[i] = 0.5;
    assert_int_equal(cx_calibrate_shares(scores, N, target, SEED, b, got, &err), CX_OK);
    assert_valid(b);
    for (int i = 0; i < N; i++) /* every 0.5 on one side of the fast boundary */
        assert_int_equal(cx_route_of(scores[i], b) == 0, scores[i] < b[1]);
    /* extremes and bad targets */
    const double all_fast[CX_N_ROUTES] = {1, 0, 0}, bad[CX_N_ROUTES] = {0.5, 0.5, 0.5};
    assert_int_equal(cx_calibrate_shares(scores, N, all_fast, SEED, b, got, &err), CX_OK);
    assert_valid(b);
    assert_true(got[0] > 0.99);
    assert_int_equal(cx_calibrate_shares(scores, N, bad, SEED, b, got, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "add up to 1.5"));
    assert_int_equal(cx_calibrate_shares(scores, 0, target, SEED, b, got, &err), CX_ERR_INVALID);
}

static void test_risk(void **state) {
    (void)state;
    enum { N = 400 };
    double scores[N], b[CX_N_TIERS - 1];
    int gold[N];
    /* 200 frontier-needed prompts scored 0.3..0.99, 200 easy ones 0..0.5 */
    for (int i = 0; i < N; i++) {
        gold[i] = i % 2 ? CX_COMPLEX : CX_SIMPLE;
        scores[i] = i % 2 ? 0.3 + 0.69 * (double)(i / 2) / (N / 2) : 0.5 * (double)(i / 2) / (N / 2);
    }
    cx_risk_fit fit;
    cx_error err = {0, ""};
    assert_int_equal(cx_calibrate_risk(scores, gold, N, 0.05, 0.95, SEED, b, &fit, &err), CX_OK);
    assert_true(fit.feasible);
    assert_valid(b);
    assert_int_equal(fit.frontier_needed, 200);
    assert_true(fit.upper_bound <= 0.05);
    /* the most it could send: one more would break the bound */
    assert_true(cx_clopper_pearson_upper(fit.sent_to_fast + 1, 200, 0.95) > 0.05);
    size_t sent = 0;
    for (int i = 0; i < N; i++) sent += gold[i] >= CX_COMPLEX && scores[i] < b[1];
    assert_int_equal(sent, fit.sent_to_fast);
    /* too few frontier-needed prompts: infeasible, the boundaries unchanged, the count needed */
    assert_int_equal(cx_calibrate_risk(scores, gold, 20, 0.02, 0.95, SEED, b, &fit, &err), CX_OK);
    assert_false(fit.feasible);
    assert_int_equal(fit.needed, 149); /* ln(0.05) / ln(0.98) = 148.3 */
    assert_memory_equal(b, SEED, sizeof SEED);
}

/* Labels cut at 0.1 / 0.3 / 0.5 / 0.7; from the seed's boundaries the fit
 * finds cuts that get every prompt right. */
/* ml_refine's window: prompts 2 and 3 need the model (their heuristic says
 * simple / moderate, the truth is complex), prompt 5 must not get it (the
 * model says expert, the truth is complex); the narrowest window that does
 * both lies between the cuts 0.25 and 0.45. */
static void test_refine_window(void **state) {
    (void)state;
    const double h[] = {0.10, 0.20, 0.30, 0.40, 0.50, 0.70}, blended[] = {0.05, 0.25, 0.70, 0.70, 0.45, 0.90};
    const int gold[] = {CX_TRIVIAL, CX_SIMPLE, CX_COMPLEX, CX_COMPLEX, CX_MODERATE, CX_COMPLEX};
    cx_refine_samples rs = {h, blended, gold, 6};
    double low = 0.35, high = 0.65, before, after;
    cx_error err = {0, ""};
    assert_int_equal(cx_calibrate_refine_window(&rs, SEED, &low, &high, &before, &after, &err), CX_OK);
    assert_true(fabs(before - 5.0 / 6) < 1e-12);
    assert_true(fabs(after - 1.0) < 1e-12);
    assert_true(fabs(low - 0.25) < 1e-12 && fabs(high - 0.45) < 1e-12);
    const int unlabelled[] = {0, 1, 2, 3, 4, -1};
    rs.gold = unlabelled;
    assert_int_equal(cx_calibrate_refine_window(&rs, SEED, &low, &high, NULL, NULL, &err), CX_ERR_INVALID);
}

/* The risk fit chooses its boundary from the same labels it bounds; it is
 * still a valid bound, because the share sent to fast only grows with the
 * boundary (fixed-sequence testing: the boundary stops at the first score
 * whose Clopper-Pearson bound passes the limit, an order statistic). Checked
 * by simulation: frontier-needed scores uniform on [0, 1], so the true share
 * sent to fast under boundary b is b itself; over 4000 labelled sets the fit's
 * boundary exceeds the asked 5% no more often than 1 - confidence allows, and
 * exactly as often as the order statistic says. */
static uint64_t next_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_risk_bound_is_valid(void **state) {
    (void)state;
    enum { M = 150, TRIALS = 4000 };
    const double rate = 0.05, confidence = 0.95;
    double scores[M], out[CX_N_TIERS - 1];
    int gold[M];
    uint64_t seed = 7;
    size_t over = 0;
    for (int t = 0; t < TRIALS; t++) {
        for (int i = 0; i < M; i++) {
            scores[i] = (double)(next_u64(&seed) >> 11) / 9007199254740992.0;
            gold[i] = CX_COMPLEX;
        }
        cx_risk_fit fit;
        cx_error err = {0, ""};
        assert_int_equal(cx_calibrate_risk(scores, gold, M, rate, confidence, SEED, out, &fit, &err), CX_OK);
        assert_true(fit.feasible);
        over += out[1] > rate; /* the true share sent to fast is the boundary itself */
    }
    /* the fit allows k sent to fast, the largest k with bound <= rate; its
     * boundary is the (k+1)-th smallest score, above rate with probability
     * P(Binomial(M, rate) <= k) */
    size_t k = 0;
    while (cx_clopper_pearson_upper(k + 1, M, confidence) <= rate) k++;
    double exact = 0, term = pow(1 - rate, M);
    for (size_t j = 0; j <= k; j++) {
        exact += term;
        term *= (double)(M - j) / (double)(j + 1) * rate / (1 - rate);
    }
    double share = (double)over / TRIALS, sd = sqrt(exact * (1 - exact) / TRIALS);
    printf("risk fit at %.0f%% / %.0f%%: boundary above the rate in %zu of %d labelled sets (%.2f%%; the order "
           "statistic says %.2f%%)\n", 100 * rate, 100 * confidence, over, TRIALS, 100 * share, 100 * exact);
    assert_true(exact <= 1 - confidence);
    assert_true(fabs(share - exact) < 4 * sd);
    assert_true(share < 1 - confidence + 4 * sd);
}

static void test_accuracy(void **state) {
    (void)state;
    enum { N = 500 };
    static const double truth[CX_N_TIERS - 1] = {0.1, 0.3, 0.5, 0.7};
    double scores[N], b[CX_N_TIERS - 1], before, after;
    int gold[N];
    for (int i = 0; i < N; i++) {
        scores[i] = (i + 0.5) / N;
        gold[i] = (int)cx_score_to_tier(scores[i], truth);
    }
    cx_error err = {0, ""};
    assert_int_equal(cx_calibrate_accuracy(scores, gold, N, SEED, b, &before, &after, &err), CX_OK);
    assert_valid(b);
    assert_true(before < 0.8);
    assert_true(after == 1.0);
    for (int t = 0; t < CX_N_TIERS - 1; t++) assert_true(fabs(b[t] - truth[t]) < 0.002);
    gold[3] = -1;
    assert_int_equal(cx_calibrate_accuracy(scores, gold, N, SEED, b, NULL, NULL, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "prompt 4 has no tier"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clopper_pearson),
        cmocka_unit_test(test_shares),
        cmocka_unit_test(test_risk),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_risk_bound_is_valid),
        cmocka_unit_test(test_refine_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
