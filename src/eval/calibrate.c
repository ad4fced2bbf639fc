/* Fitting tier_boundaries (calibrate.h): to route shares, or to a risk bound
 * on frontier-needed prompts sent to the fast model. */
#include "complexity/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { B_FAST = 1, B_STANDARD = 2 }; /* the boundaries between routes: simple|moderate, moderate|complex */

int cx_route_of(double score, const double *b) { return (int)cx_tier_route(cx_score_to_tier(score, b)); }

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double *sorted_copy(const double *v, size_t n) {
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return NULL;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, by_value);
    return s;
}

/* A boundary that puts as close to k of the sorted scores below it as ties
 * allow: halfway between two different neighbours. */
static double cut(const double *s, size_t n, size_t k) {
    size_t best = 0, best_dist = (size_t)-1;
    for (size_t j = 0; j <= n; j++) {
        if (j > 0 && j < n && s[j - 1] == s[j]) continue; /* would split a tie */
        size_t dist = j > k ? j - k : k - j;
        if (dist < best_dist) best = j, best_dist = dist;
    }
    if (best == 0) return s[0];
    if (best == n) return fmin(1.0, s[n - 1] + 1e-9);
    return (s[best - 1] + s[best]) / 2;
}

/* out from new route boundaries: b[0] keeps its place between 0 and b[1],
 * b[3] between b[2] and 1, as they sat in old; all strictly increasing. */
static void place(const double *old, double fast, double standard, double *out) {
    const double eps = 1e-6;
    fast = fmin(fmax(fast, 2 * eps), 1 - 3 * eps);
    standard = fmin(fmax(standard, fast + eps), 1 - 2 * eps);
    out[B_FAST] = fast;
    out[B_STANDARD] = standard;
    out[0] = fast * (old[0] / old[B_FAST]);
    out[3] = standard + (1 - standard) * ((old[3] - old[B_STANDARD]) / (1 - old[B_STANDARD]));
    if (!(out[0] < fast)) out[0] = fast / 2;
    if (!(out[3] > standard && out[3] <= 1)) out[3] = standard + (1 - standard) / 2;
}

static void shares_of(const double *scores, size_t n, const double *b, double *share) {
    size_t count[CX_N_ROUTES] = {0};
    for (size_t i = 0; i < n; i++) count[cx_route_of(scores[i], b)]++;
    for (int r = 0; r < CX_N_ROUTES; r++) share[r] = n ? (double)count[r] / (double)n : 0;
}

int cx_calibrate_shares(const double *scores, size_t n, const double *target, const double *old, double *out,
                        double *achieved, cx_error *err) {
    if (!n) return cx_error_set(err, CX_ERR_INVALID, "calibrate: no scores");
    double sum = 0;
    for (int r = 0; r < CX_N_ROUTES; r++) {
        if (!(target[r] >= 0 && target[r] <= 1))
            return cx_error_set(err, CX_ERR_INVALID, "target.%s: %g is not a share in [0, 1]", cx_route_names[r],
                                target[r]);
        sum += target[r];
    }
    if (fabs(sum - 1) > 1e-6) return cx_error_set(err, CX_ERR_INVALID, "target: the shares add up to %g, not 1", sum);
    double *s = sorted_copy(scores, n);
    if (!s) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    const double fast = cut(s, n, (size_t)llround(target[0] * (double)n));
    const double standard = cut(s, n, (size_t)llround((target[0] + target[1]) * (double)n));
    free(s);
    place(old, fast, standard, out);
    if (achieved) shares_of(scores, n, out, achieved);
    return CX_OK;
}

/* P(Binomial(m, p) <= k), summed in logs. */
static double binomial_cdf(size_t k, size_t m, double p) {
    if (p <= 0) return 1;
    if (p >= 1) return k >= m ? 1 : 0;
    double sum = 0;
    for (size_t i = 0; i <= k && i <= m; i++)
        sum += exp(lgamma((double)m + 1) - lgamma((double)i + 1) - lgamma((double)(m - i) + 1) + (double)i * log(p) +
                   (double)(m - i) * log1p(-p));
    return fmin(sum, 1);
}

double cx_clopper_pearson_upper(size_t k, size_t m, double confidence) {
    if (m == 0 || k >= m) return 1;
    const double alpha = 1 - confidence;
    double lo = (double)k / (double)m, hi = 1;
    for (int it = 0; it < 200; it++) { /* the cdf falls as p rises */
        double mid = (lo + hi) / 2;
        if (binomial_cdf(k, m, mid) > alpha) lo = mid;
        else hi = mid;
    }
    return hi;
}

int cx_calibrate_risk(const double *scores, const int *gold, size_t n, double max_rate, double confidence,
                      const double *old, double *out, cx_risk_fit *fit, cx_error *err) {
    memset(fit, 0, sizeof *fit);
    memcpy(out, old, (CX_N_TIERS - 1) * sizeof *out);
    if (!(max_rate > 0 && max_rate < 1)) return cx_error_set(err, CX_ERR_INVALID, "max rate %g is not in (0, 1)", max_rate);
    if (!(confidence > 0 && confidence < 1))
        return cx_error_set(err, CX_ERR_INVALID, "confidence %g is not in (0, 1)", confidence);
    double *f = malloc((n ? n : 1) * sizeof *f);
    if (!f) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (gold[i] >= CX_COMPLEX) f[m++] = scores[i];
    qsort(f, m, sizeof *f, by_value);
    fit->frontier_needed = m;
    /* the most frontier-needed prompts fast may get: the bound rises with k */
    size_t k = 0;
    while (k <= m && cx_clopper_pearson_upper(k, m, confidence) <= max_rate) k++;
    if (k == 0) { /* even none sent to fast is not enough evidence */
        fit->needed = (size_t)ceil(log(1 - confidence) / log1p(-max_rate));
        fit->upper_bound = cx_clopper_pearson_upper(0, m, confidence);
        free(f);
        return CX_OK;
    }
    size_t allowed = k - 1;
    /* below the (allowed+1)-th smallest frontier-needed score, at most `allowed` of them */
    const double fast = allowed < m ? f[allowed] : 1.0;
    /* the standard boundary stays, unless the fast one passed it */
    const double standard = fast < old[B_STANDARD] ? old[B_STANDARD] : fast + (1 - fast) / 2;
    place(old, fast, standard, out);
    for (size_t i = 0; i < m; i++) fit->sent_to_fast += f[i] < out[B_FAST];
    fit->upper_bound = cx_clopper_pearson_upper(fit->sent_to_fast, m, confidence);
    fit->feasible = fit->upper_bound <= max_rate;
    free(f);
    return CX_OK;
}

enum { MAX_CUTS = 512, MAX_ROUNDS = 20 };

static double tier_accuracy(const double *scores, const int *gold, size_t n, const double *b) {
    size_t right = 0;
    for (size_t i = 0; i < n; i++) right += (int)cx_score_to_tier(scores[i], b) == gold[i];
    return n ? (double)right / (double)n : 0;
}

/* Candidate cuts: halfway between neighbouring distinct scores, thinned to at most MAX_CUTS. */
static size_t candidate_cuts(const double *sorted, size_t n, double *cuts) {
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (sorted[i] > sorted[i - 1]) m++;
    size_t step = m > MAX_CUTS ? (m + MAX_CUTS - 1) / MAX_CUTS : 1, k = 0, seen = 0;
    for (size_t i = 1; i < n; i++)
        if (sorted[i] > sorted[i - 1] && seen++ % step == 0) cuts[k++] = (sorted[i - 1] + sorted[i]) / 2;
    return k;
}

/* Moves boundary t to the best cut strictly between its neighbours; 1 when it moved. */
static int improve(const double *scores, const int *gold, size_t n, const double *cuts, size_t n_cuts, double *b,
                   int t) {
    const double lo = t ? b[t - 1] : 0, hi = t < CX_N_TIERS - 2 ? b[t + 1] : 1;
    double best = b[t], best_acc = tier_accuracy(scores, gold, n, b), keep = b[t];
    for (size_t c = 0; c < n_cuts; c++) {
        if (!(cuts[c] > lo && cuts[c] < hi)) continue;
        b[t] = cuts[c];
        double acc = tier_accuracy(scores, gold, n, b);
        if (acc > best_acc + 1e-12) best = cuts[c], best_acc = acc;
    }
    b[t] = best;
    return best != keep;
}

int cx_calibrate_accuracy(const double *scores, const int *gold, size_t n, const double *old, double *out,
                          double *before, double *after, cx_error *err) {
    memcpy(out, old, (CX_N_TIERS - 1) * sizeof *out);
    if (!n) return cx_error_set(err, CX_ERR_INVALID, "calibrate: no labelled prompts");
    for (size_t i = 0; i < n; i++)
        if (gold[i] < 0 || gold[i] >= CX_N_TIERS)
            return cx_error_set(err, CX_ERR_INVALID, "calibrate: prompt %zu has no tier label", i + 1);
    double *s = sorted_copy(scores, n), *cuts = malloc(MAX_CUTS * sizeof *cuts);
    if (!s || !cuts) {
        free(s);
        free(cuts);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    size_t n_cuts = candidate_cuts(s, n, cuts);
    if (before) *before = tier_accuracy(scores, gold, n, old);
    for (int round = 0, moved = 1; moved && round < MAX_ROUNDS; round++) {
        moved = 0;
        for (int t = 0; t < CX_N_TIERS - 1; t++) moved |= improve(scores, gold, n, cuts, n_cuts, out, t);
    }
    if (after) *after = tier_accuracy(scores, gold, n, out);
    free(s);
    free(cuts);
    return CX_OK;
}

/* ---- ml_refine's window ---------------------------------------------------- */

enum { MAX_WINDOW_CUTS = 96 };

/* Tier accuracy when prompts whose heuristic score lies strictly inside
 * (low, high) take their blended score, as the estimator's ml_refine does. */
static double window_accuracy(const cx_refine_samples *s, const double *b, double low, double high) {
    size_t right = 0;
    for (size_t i = 0; i < s->n; i++) {
        double h = s->heuristic[i], score = low < h && h < high ? s->blended[i] : h;
        right += (int)cx_score_to_tier(score, b) == s->gold[i];
    }
    return s->n ? (double)right / (double)s->n : 0;
}

int cx_calibrate_refine_window(const cx_refine_samples *s, const double *boundaries, double *low, double *high,
                               double *before, double *after, cx_error *err) {
    if (!s->n) return cx_error_set(err, CX_ERR_INVALID, "calibrate: no labelled prompts");
    for (size_t i = 0; i < s->n; i++)
        if (s->gold[i] < 0 || s->gold[i] >= CX_N_TIERS)
            return cx_error_set(err, CX_ERR_INVALID, "calibrate: prompt %zu has no tier label", i + 1);
    double *sorted = sorted_copy(s->heuristic, s->n), *all = malloc(MAX_CUTS * sizeof *all);
    double cuts[MAX_WINDOW_CUTS + 2];
    if (!sorted || !all) {
        free(sorted);
        free(all);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    /* The window's ends: 0, 1, and up to MAX_WINDOW_CUTS cuts between the heuristic scores. */
    size_t n_all = candidate_cuts(sorted, s->n, all), step = (n_all + MAX_WINDOW_CUTS - 1) / MAX_WINDOW_CUTS, m = 0;
    for (size_t k = 0; k < n_all; k += step ? step : 1) cuts[1 + m++] = all[k];
    cuts[0] = 0;
    cuts[m + 1] = 1;
    double best = window_accuracy(s, boundaries, *low, *high);
    if (before) *before = best;
    for (size_t i = 0; i < m + 2; i++)
        for (size_t j = i + 1; j < m + 2; j++) {
            double acc = window_accuracy(s, boundaries, cuts[i], cuts[j]);
            /* a wider window only when it wins: ties keep the narrower, cheaper one */
            if (acc > best + 1e-12 || (acc > best - 1e-12 && cuts[j] - cuts[i] < *high - *low - 1e-12))
                best = acc, *low = cuts[i], *high = cuts[j];
        }
    if (after) *after = best;
    free(sorted);
    free(all);
    return CX_OK;
}
