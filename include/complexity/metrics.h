/* Evaluation metrics of the seed's report (SPEC §7) and more: score MAE and
 * max error, tier / intent accuracy, within-one-tier accuracy, domain micro
 * precision / recall / F1, confusion matrices, per-class precision / recall,
 * and the same per language. Feed (truth, prediction) pairs, then read. */
#ifndef COMPLEXITY_METRICS_H
#define COMPLEXITY_METRICS_H

#include "complexity/dataset.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A prediction as the evaluator sees it (SPEC §7: tier = argmax, intent =
 * argmax, domains = sigmoid > 0.5, score clamped to [0,1]). intent < 0 or
 * domains_known == 0 for predictors that have none (the heuristic). */
typedef struct cx_eval_pred {
    double score;
    int tier;
    int intent;          /* -1: no intent prediction */
    unsigned domains;
    int domains_known;   /* 0: no domain prediction */
} cx_eval_pred;

typedef struct cx_metrics {
    size_t n;
    double score_abs_sum, score_max_err;
    size_t tier_correct, tier_within_one, intent_correct, intent_n;
    size_t dom_n;        /* samples with a domain prediction */
    size_t tier_confusion[CX_N_TIERS][CX_N_TIERS];       /* [true][predicted] */
    size_t intent_confusion[CX_N_INTENTS][CX_N_INTENTS]; /* [true][predicted] */
    size_t dom_class_tp[CX_N_DOMAINS], dom_class_fp[CX_N_DOMAINS], dom_class_fn[CX_N_DOMAINS];
    double ms_sum;       /* inference time, for the average */
} cx_metrics;

CX_API void cx_metrics_init(cx_metrics *m);
/* Adds one sample; `ms` is its inference time in milliseconds (or 0). */
CX_API void cx_metrics_add(cx_metrics *m, const cx_record *truth, const cx_eval_pred *pred, double ms);

/* Derived figures, all in [0,1] (0 when undefined). */
CX_API double cx_metrics_mae(const cx_metrics *m);
CX_API double cx_metrics_tier_accuracy(const cx_metrics *m);
CX_API double cx_metrics_tier_within_one(const cx_metrics *m);
CX_API double cx_metrics_intent_accuracy(const cx_metrics *m);
CX_API void cx_metrics_domain_prf(const cx_metrics *m, double *precision, double *recall, double *f1);
/* Per-class precision and recall from a confusion matrix row/column. */
CX_API void cx_metrics_tier_class_pr(const cx_metrics *m, int tier, double *precision, double *recall);
CX_API void cx_metrics_intent_class_pr(const cx_metrics *m, int intent, double *precision, double *recall);
CX_API void cx_metrics_domain_class_prf(const cx_metrics *m, int domain, double *precision, double *recall, double *f1);
CX_API double cx_metrics_avg_ms(const cx_metrics *m);
/* Routing, from the tier confusion: the share routed to the right model
 * (fast = trivial/simple, standard = moderate, frontier = complex/expert),
 * and the share of frontier-needed samples (true complex or expert) that
 * were sent to the fast model (predicted trivial or simple). */
CX_API double cx_metrics_route_accuracy(const cx_metrics *m);
CX_API double cx_metrics_frontier_to_fast(const cx_metrics *m);

#ifdef __cplusplus
}
#endif
#endif
