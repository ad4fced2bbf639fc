/* Evaluation metrics against figures worked out by hand. */
#include <math.h>

#include "complexity.h"
#include "testutil.h"

static cx_record rec(double score, int tier, unsigned domains, int intent) {
    cx_record r = {.text = "x", .text_len = 1, .score = score, .tier = tier, .domains = domains, .intent = intent, .lang = -1};
    return r;
}

static void test_report_figures(void **state) {
    (void)state;
    cx_metrics m;
    cx_metrics_init(&m);
    /* 4 samples. Domains: truth {code}, {code,data}, {}, {math}; predicted
     * {code}, {code}, {system}, {math,data} -> TP 3, FP 2, FN 1. */
    cx_record t[4] = {rec(0.10, CX_TRIVIAL, 1u << CX_DOM_CODE, CX_GREETING),
                      rec(0.50, CX_MODERATE, 1u << CX_DOM_CODE | 1u << CX_DOM_DATA, CX_DEBUG),
                      rec(0.70, CX_COMPLEX, 0, CX_PLANNING), rec(0.90, CX_EXPERT, 1u << CX_DOM_MATH, CX_MULTI_STEP)};
    cx_eval_pred p[4] = {{0.20, CX_TRIVIAL, CX_GREETING, 1u << CX_DOM_CODE, 1},
                         {1.30, CX_EXPERT, CX_DEBUG, 1u << CX_DOM_CODE, 1}, /* score clamped to 1 */
                         {0.60, CX_MODERATE, CX_ANALYSIS, 1u << CX_DOM_SYSTEM, 1},
                         {0.90, CX_EXPERT, CX_MULTI_STEP, 1u << CX_DOM_MATH | 1u << CX_DOM_DATA, 1}};
    for (int i = 0; i < 4; i++) cx_metrics_add(&m, &t[i], &p[i], 2.0 + i);
    assert_true(fabs(cx_metrics_mae(&m) - (0.1 + 0.5 + 0.1 + 0.0) / 4) < 1e-12);
    assert_true(fabs(m.score_max_err - 0.5) < 1e-12);
    assert_true(cx_metrics_tier_accuracy(&m) == 0.5);
    assert_true(cx_metrics_tier_within_one(&m) == 0.75);
    assert_true(cx_metrics_intent_accuracy(&m) == 0.75);
    double pr, rc, f1;
    cx_metrics_domain_prf(&m, &pr, &rc, &f1);
    assert_true(fabs(pr - 3.0 / 5) < 1e-12 && fabs(rc - 3.0 / 4) < 1e-12);
    assert_true(fabs(f1 - 2 * 0.6 * 0.75 / 1.35) < 1e-12);
    assert_int_equal(m.tier_confusion[CX_MODERATE][CX_EXPERT], 1);
    assert_int_equal(m.tier_confusion[CX_COMPLEX][CX_MODERATE], 1);
    cx_metrics_tier_class_pr(&m, CX_EXPERT, &pr, &rc);
    assert_true(pr == 0.5 && rc == 1.0);
    cx_metrics_domain_class_prf(&m, CX_DOM_DATA, &pr, &rc, &f1);
    assert_true(pr == 0.0 && rc == 0.0 && f1 == 0.0);
    assert_true(cx_metrics_avg_ms(&m) == 3.5);
    /* routes: fast/fast, standard/frontier, frontier/standard, frontier/frontier */
    assert_true(cx_metrics_route_accuracy(&m) == 0.5);
    assert_true(cx_metrics_frontier_to_fast(&m) == 0.0);
    /* a complex sample predicted simple goes to the fast model: 1 of 3 frontier-needed */
    cx_record hard = rec(0.7, CX_COMPLEX, 0, CX_PLANNING);
    cx_eval_pred easy = {0.2, CX_SIMPLE, CX_PLANNING, 0, 1};
    cx_metrics_add(&m, &hard, &easy, 0);
    assert_true(fabs(cx_metrics_frontier_to_fast(&m) - 1.0 / 3) < 1e-12);
    assert_true(fabs(cx_metrics_route_accuracy(&m) - 2.0 / 5) < 1e-12);
}

static void test_predictor_without_intent(void **state) {
    (void)state;
    cx_metrics m;
    cx_metrics_init(&m);
    cx_record t = rec(0.3, CX_SIMPLE, 0, CX_QUESTION);
    cx_eval_pred p = {0.3, CX_SIMPLE, -1, 0, 0};
    cx_metrics_add(&m, &t, &p, 0);
    assert_int_equal(m.intent_n, 0);
    assert_true(cx_metrics_intent_accuracy(&m) == 0.0);
    assert_int_equal(m.dom_n, 0);
    assert_true(cx_metrics_tier_accuracy(&m) == 1.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_report_figures), cmocka_unit_test(test_predictor_without_intent)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
