/* `mpirun complexity evaluate`: each rank runs the predictors on its share of
 * the samples; this puts the shares together so that every rank holds the
 * result one process would have (the per-sample arrays, every metrics block,
 * the blends' ML-use counts). Metrics are sums (counts, score errors, times)
 * except the largest error, so one sum and one max across ranks do. */
#include <stdlib.h>
#include <string.h>

#include "eval/report.h"

enum { METRIC_FIELDS = 7 + CX_N_TIERS * CX_N_TIERS + CX_N_INTENTS * CX_N_INTENTS + 3 * CX_N_DOMAINS + 1 };

/* The summable fields of m to or from buf (to: pack = 1). */
static void metrics_fields(cx_metrics *m, double *buf, int pack) {
    size_t *counts[] = {&m->n, &m->tier_correct, &m->tier_within_one, &m->intent_correct, &m->intent_n, &m->dom_n};
    int k = 0;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++, k++)
        if (pack) buf[k] = (double)*counts[i];
        else *counts[i] = (size_t)buf[k];
    double *sums[] = {&m->score_abs_sum, &m->ms_sum};
    for (size_t i = 0; i < 2; i++, k++)
        if (pack) buf[k] = *sums[i];
        else *sums[i] = buf[k];
    size_t *tables[] = {&m->tier_confusion[0][0], &m->intent_confusion[0][0], m->dom_class_tp, m->dom_class_fp,
                        m->dom_class_fn};
    const int sizes[] = {CX_N_TIERS * CX_N_TIERS, CX_N_INTENTS * CX_N_INTENTS, CX_N_DOMAINS, CX_N_DOMAINS,
                         CX_N_DOMAINS};
    for (int t = 0; t < 5; t++)
        for (int i = 0; i < sizes[t]; i++, k++)
            if (pack) buf[k] = (double)tables[t][i];
            else tables[t][i] = (size_t)buf[k];
}

static int combine_metrics(cx_metrics *m, const cx_dist *d, cx_error *err) {
    double buf[METRIC_FIELDS + 1];
    metrics_fields(m, buf, 1);
    int rc = cx_dist_sum_f64(d, buf, METRIC_FIELDS, err);
    if (rc == CX_OK) rc = cx_dist_max_f64(d, &m->score_max_err, 1, err);
    if (rc == CX_OK) metrics_fields(m, buf, 0);
    return rc;
}

/* Samples outside a rank's share hold 0 there: summing fills every array. */
static int combine_arrays(cx_eval_result *r, cx_eval_predictor *p, const cx_dist *d, cx_error *err) {
    double *tier = malloc((r->n ? r->n : 1) * sizeof *tier);
    if (!tier) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) tier[i] = p->tier[i];
    int rc = cx_dist_sum_f64(d, p->score, r->n, err);
    if (rc == CX_OK) rc = cx_dist_sum_f64(d, tier, r->n, err);
    if (rc == CX_OK && p->tier_conf) rc = cx_dist_sum_f64(d, p->tier_conf, r->n, err);
    for (size_t i = 0; rc == CX_OK && i < r->n; i++) p->tier[i] = (signed char)tier[i];
    free(tier);
    return rc;
}

int cx_eval_combine_shards(cx_eval_result *r, const cx_dist *d, cx_error *err) {
    int rc = CX_OK;
    for (int k = 0; k < CX_N_PREDICTORS && rc == CX_OK; k++) {
        cx_eval_predictor *p = &r->pred[k];
        if (!p->evaluated) continue;
        double used = (double)p->ml_used;
        rc = combine_arrays(r, p, d, err);
        if (rc == CX_OK) rc = combine_metrics(&p->all, d, err);
        for (int l = 0; l < CX_N_LANGS && rc == CX_OK; l++) rc = combine_metrics(&p->by_lang[l], d, err);
        if (rc == CX_OK) rc = cx_dist_sum_f64(d, &used, 1, err);
        p->ml_used = (size_t)used;
    }
    return rc;
}
