/* Evaluation metrics. Domain figures are micro-averaged: true/false positives
 * and false negatives summed over samples and labels, as the seed does. */
#include <math.h>
#include <string.h>

#include "complexity/estimator.h"
#include "complexity/metrics.h"

void cx_metrics_init(cx_metrics *m) { memset(m, 0, sizeof *m); }

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

void cx_metrics_add(cx_metrics *m, const cx_record *truth, const cx_eval_pred *pred, double ms) {
    double score = pred->score < 0 ? 0 : pred->score > 1 ? 1 : pred->score;
    double err = fabs(score - truth->score);
    m->n++;
    m->ms_sum += ms;
    m->score_abs_sum += err;
    if (err > m->score_max_err) m->score_max_err = err;
    m->tier_correct += pred->tier == truth->tier;
    m->tier_within_one += pred->tier - truth->tier <= 1 && truth->tier - pred->tier <= 1;
    m->tier_confusion[truth->tier][pred->tier]++;
    if (pred->intent >= 0) {
        m->intent_n++;
        m->intent_correct += pred->intent == truth->intent;
        m->intent_confusion[truth->intent][pred->intent]++;
    }
    if (pred->domains_known) {
        m->dom_n++;
        for (int d = 0; d < CX_N_DOMAINS; d++) {
            int t = (truth->domains >> d) & 1, p = (pred->domains >> d) & 1;
            m->dom_class_tp[d] += t && p;
            m->dom_class_fp[d] += !t && p;
            m->dom_class_fn[d] += t && !p;
        }
    }
}

double cx_metrics_mae(const cx_metrics *m) { return ratio(m->score_abs_sum, (double)m->n); }
double cx_metrics_tier_accuracy(const cx_metrics *m) { return ratio((double)m->tier_correct, (double)m->n); }
double cx_metrics_tier_within_one(const cx_metrics *m) { return ratio((double)m->tier_within_one, (double)m->n); }
double cx_metrics_intent_accuracy(const cx_metrics *m) { return ratio((double)m->intent_correct, (double)m->intent_n); }
double cx_metrics_avg_ms(const cx_metrics *m) { return ratio(m->ms_sum, (double)m->n); }

double cx_metrics_route_accuracy(const cx_metrics *m) {
    size_t right = 0;
    for (int t = 0; t < CX_N_TIERS; t++)
        for (int p = 0; p < CX_N_TIERS; p++) right += cx_tier_route((cx_tier)t) == cx_tier_route((cx_tier)p) ? m->tier_confusion[t][p] : 0;
    return ratio((double)right, (double)m->n);
}

double cx_metrics_frontier_to_fast(const cx_metrics *m) {
    size_t needed = 0, fast = 0;
    for (int t = CX_COMPLEX; t < CX_N_TIERS; t++)
        for (int p = 0; p < CX_N_TIERS; p++) {
            needed += m->tier_confusion[t][p];
            fast += cx_tier_route((cx_tier)p) == CX_ROUTE_FAST ? m->tier_confusion[t][p] : 0;
        }
    return ratio((double)fast, (double)needed);
}

static void prf(size_t tp, size_t fp, size_t fn, double *p, double *r, double *f1) {
    double pr = ratio((double)tp, (double)(tp + fp)), rc = ratio((double)tp, (double)(tp + fn));
    if (p) *p = pr;
    if (r) *r = rc;
    if (f1) *f1 = ratio(2 * pr * rc, pr + rc);
}

void cx_metrics_domain_prf(const cx_metrics *m, double *precision, double *recall, double *f1) {
    size_t tp = 0, fp = 0, fn = 0;
    for (int d = 0; d < CX_N_DOMAINS; d++) {
        tp += m->dom_class_tp[d];
        fp += m->dom_class_fp[d];
        fn += m->dom_class_fn[d];
    }
    prf(tp, fp, fn, precision, recall, f1);
}

void cx_metrics_domain_class_prf(const cx_metrics *m, int d, double *precision, double *recall, double *f1) {
    prf(m->dom_class_tp[d], m->dom_class_fp[d], m->dom_class_fn[d], precision, recall, f1);
}

/* Precision and recall of class k of an n x n confusion matrix [true][pred]. */
static void class_pr(const size_t *cm, int n, int k, double *precision, double *recall) {
    size_t col = 0, row = 0;
    for (int i = 0; i < n; i++) {
        col += cm[i * n + k];
        row += cm[k * n + i];
    }
    *precision = ratio((double)cm[k * n + k], (double)col);
    *recall = ratio((double)cm[k * n + k], (double)row);
}

void cx_metrics_tier_class_pr(const cx_metrics *m, int tier, double *precision, double *recall) {
    class_pr(&m->tier_confusion[0][0], CX_N_TIERS, tier, precision, recall);
}

void cx_metrics_intent_class_pr(const cx_metrics *m, int intent, double *precision, double *recall) {
    class_pr(&m->intent_confusion[0][0], CX_N_INTENTS, intent, precision, recall);
}
