/* Calibrating the router: tier_boundaries fitted to what a user wants, from
 * the final scores the estimator gives their prompts (`complexity calibrate`).
 * The scores do not depend on the boundaries, so one pass of estimates serves
 * every fit. Routes: fast = trivial + simple (score < b[1]), standard =
 * moderate (b[1] <= score < b[2]), frontier = complex + expert (b[2] <= score).
 * Part of libcomplexity-train. */
#ifndef COMPLEXITY_CALIBRATE_H
#define COMPLEXITY_CALIBRATE_H

#include <stddef.h>

#include "complexity/common.h"
#include "complexity/estimator.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The route (estimator.h's cx_route) of a score under boundaries[CX_N_TIERS - 1]. */
CX_API int cx_route_of(double score, const double *boundaries);

/* Boundaries that send the shares target[CX_N_ROUTES] (summing to 1) of
 * scores[0..n) to each route: b[1] and b[2] are put between the scores at
 * those quantiles (halfway between two neighbours, so ties stay together);
 * b[0] and b[3] keep their places relative to them. old[] = the boundaries in
 * force; out[] gets the new ones; achieved[] (may be NULL) the shares they
 * give. CX_ERR_INVALID when n is 0 or the targets are not shares. */
CX_API int cx_calibrate_shares(const double *scores, size_t n, const double *target, const double *old,
                               double *out, double *achieved, cx_error *err);

/* The one-sided upper confidence bound (Clopper-Pearson) of a rate seen as k
 * events in m trials, at `confidence` (e.g. 0.95): the p at which
 * P(Binomial(m, p) <= k) = 1 - confidence. 1 when m is 0. */
CX_API double cx_clopper_pearson_upper(size_t k, size_t m, double confidence);

typedef struct cx_risk_fit {
    int feasible;           /* a fast boundary meets the bound with these labels */
    size_t frontier_needed; /* labelled complex or expert */
    size_t sent_to_fast;    /* of them, below the new fast boundary */
    double upper_bound;     /* Clopper-Pearson upper bound of sent_to_fast / frontier_needed */
    size_t needed;          /* when infeasible: labelled frontier-needed prompts the bound needs at least */
} cx_risk_fit;

/* The highest fast boundary b[1] (the most prompts to the fast model) whose
 * upper confidence bound on the share of frontier-needed prompts (gold tier
 * complex or expert) sent to fast stays at or under max_rate; b[2] stays
 * where it was unless b[1] passes it. gold[i] is scores[i]'s labelled tier.
 * When no boundary can meet the bound (too few labelled frontier prompts:
 * even none sent to fast has a bound above max_rate), out = old and
 * fit->needed says how many would do. */
CX_API int cx_calibrate_risk(const double *scores, const int *gold, size_t n, double max_rate, double confidence,
                             const double *old, double *out, cx_risk_fit *fit, cx_error *err);

/* The boundaries under which the most labelled prompts get their tier
 * (coordinate ascent: each boundary in turn moved to the best cut between its
 * neighbours, over at most 512 candidate cuts, until none moves). gold[i] is
 * scores[i]'s labelled tier; *before / *after (may be NULL) get the tier
 * accuracy under old and out. */
CX_API int cx_calibrate_accuracy(const double *scores, const int *gold, size_t n, const double *old, double *out,
                                 double *before, double *after, cx_error *err);

/* What ml_refine's window is fitted from, per labelled prompt: the
 * heuristic score, the score when the model is consulted (the estimator with
 * the window open to (0, 1)), and the labelled tier. */
typedef struct cx_refine_samples {
    const double *heuristic, *blended;
    const int *gold;
    size_t n;
} cx_refine_samples;

/* The ambiguity window (ambiguity_low, ambiguity_high) of ml_refine under
 * which the most labelled prompts get their tier with these boundaries (a
 * prompt takes its blended score when low < heuristic < high, else the
 * heuristic): every window over 0, 1 and up to 96 cuts between heuristic
 * scores; of equal ones the narrowest (fewer model calls). *low / *high hold
 * the window in force on entry and the fitted one on return; *before /
 * *after (may be NULL) the tier accuracy under each. */
CX_API int cx_calibrate_refine_window(const cx_refine_samples *s, const double *boundaries, double *low,
                                      double *high, double *before, double *after, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
