/* What the evaluation says about routing beyond accuracy: the cost/quality
 * curve (frontier calls against the recall of frontier-needed prompts, as the
 * threshold on the score moves) and calibration errors (ECE) of the tier head
 * and of the score, overall or for one language. */
#include <math.h>

#include "eval/report.h"

static int needs_frontier(int tier) {
    return cx_tier_route((cx_tier)tier) == CX_ROUTE_FRONTIER;
}

/* Cost and recall of the samples selected by `sent` (a predicate on index i). */
static cx_route_point route_point(const cx_eval_result *r, const cx_eval_predictor *p, double threshold,
                                  int by_tier) {
    size_t sent = 0, needed = 0, caught = 0;
    for (size_t i = 0; i < r->n; i++) {
        int to_frontier = by_tier ? needs_frontier(p->tier[i]) : p->score[i] >= threshold;
        int need = needs_frontier(cx_dataset_get(r->ds, i)->tier);
        sent += (size_t)to_frontier;
        needed += (size_t)need;
        caught += (size_t)(to_frontier && need);
    }
    return (cx_route_point){threshold, r->n ? (double)sent / (double)r->n : 0,
                            needed ? (double)caught / (double)needed : 0};
}

void cx_eval_route_curve(const cx_eval_result *r, cx_predictor k, cx_route_point pts[CX_ROUTE_CURVE_POINTS],
                         cx_route_point *current) {
    const cx_eval_predictor *p = &r->pred[k];
    for (int j = 0; j < CX_ROUTE_CURVE_POINTS; j++)
        pts[j] = route_point(r, p, (double)j / (CX_ROUTE_CURVE_POINTS - 1), 0);
    if (current) *current = route_point(r, p, r->config.tier_boundaries[CX_COMPLEX - 1], 1);
}

static int bin_of(double v) {
    int b = (int)(v * CX_ECE_BINS);
    return b < 0 ? 0 : b >= CX_ECE_BINS ? CX_ECE_BINS - 1 : b;
}

/* Sum over bins of (bin count / n) * |mean of a - mean of b|, i.e. |sum a - sum b| / n. */
static double ece_of(const double sum_a[CX_ECE_BINS], const double sum_b[CX_ECE_BINS], size_t n) {
    double e = 0;
    for (int b = 0; b < CX_ECE_BINS; b++) e += fabs(sum_a[b] - sum_b[b]);
    return e / (double)n;
}

void cx_eval_ece(const cx_eval_result *r, cx_predictor k, int lang, double *tier_ece, double *score_ece) {
    const cx_eval_predictor *p = &r->pred[k];
    double conf[CX_ECE_BINS] = {0}, correct[CX_ECE_BINS] = {0}, pred[CX_ECE_BINS] = {0}, truth[CX_ECE_BINS] = {0};
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (lang >= 0 && r->lang[i] != lang) continue;
        const cx_record *rec = cx_dataset_get(r->ds, i);
        n++;
        int sb = bin_of(p->score[i]);
        pred[sb] += p->score[i];
        truth[sb] += rec->score;
        if (!p->tier_conf) continue;
        int cb = bin_of(p->tier_conf[i]);
        conf[cb] += p->tier_conf[i];
        correct[cb] += p->tier[i] == rec->tier;
    }
    *tier_ece = n && p->tier_conf ? ece_of(correct, conf, n) : NAN;
    *score_ece = n ? ece_of(truth, pred, n) : NAN;
}
