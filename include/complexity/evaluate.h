/* Evaluation of several predictors on one labelled dataset, side by side, and
 * the reports made from it (JSON, a self-contained HTML page).
 *
 *   heuristic   the estimator with no model: heuristic score, tier through tier_boundaries
 *   ml          the classifier's own heads, as the seed's evaluate (tier = argmax)
 *   ml_only     the estimator in ml_only mode: ML score, tier through tier_boundaries
 *   hybrid      the estimator in hybrid mode (0.6 ML + 0.4 heuristic)
 *   ml_refine   the estimator in ml_refine mode (the blend only in the ambiguous zone)
 *
 * The blends run through the estimator API itself (complexity/estimator.h), so
 * the figures are exactly what a host gets. The model runs once per sample; its
 * prediction is replayed to the three blending estimators through a backend
 * that hands back the prediction just made. Only the classifier row has intent
 * and domains: the blends keep the classifier's, the heuristic has none. */
#ifndef COMPLEXITY_EVALUATE_H
#define COMPLEXITY_EVALUATE_H

#include "complexity/classifier.h"
#include "complexity/dataset.h"
#include "complexity/estimator.h"
#include "complexity/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CX_PRED_HEURISTIC, CX_PRED_ML, CX_PRED_ML_ONLY, CX_PRED_HYBRID, CX_PRED_ML_REFINE, CX_N_PREDICTORS
} cx_predictor;

/* "heuristic", "ml", "ml_only", "hybrid", "ml_refine" (static). */
CX_API extern const char *const cx_predictor_names[CX_N_PREDICTORS];

enum { CX_EVAL_WORST = 20 };

typedef struct cx_eval_predictor {
    int evaluated;                  /* 0: not run (no model, or no --compare) */
    cx_metrics all;
    cx_metrics by_lang[CX_N_LANGS];
    double *score;                  /* (n) predicted score, clamped to [0,1]; owned */
    signed char *tier;              /* (n) predicted tier; owned */
    double *tier_conf;              /* (n) the tier head's probability of the predicted tier (ml only;
                                       NULL for the others, whose tier comes from the score); owned */
    size_t worst[CX_EVAL_WORST];    /* sample indices, largest |score error| first */
    size_t n_worst;
    size_t ml_used;                 /* samples whose final score used the ML score (blends) */
} cx_eval_predictor;

typedef struct cx_eval_result {
    const cx_dataset *ds;           /* borrowed: must outlive the result */
    size_t n;                       /* samples */
    unsigned char *lang;            /* (n) cx_lang of each sample; owned */
    size_t lang_count[CX_N_LANGS];
    size_t lang_from_field;         /* samples whose language came from their "lang" field */
    cx_eval_predictor pred[CX_N_PREDICTORS];
    cx_predictor primary;           /* ml when a model ran, else heuristic */
    cx_estimator_config config;     /* the estimator config the blends used */
} cx_eval_result;

typedef struct cx_eval_options {
    const cx_classifier *classifier;    /* borrowed; NULL: no model (heuristic only) */
    int compare;                        /* 1: heuristic and every blend too; 0: the model alone */
    const cx_estimator_config *config;  /* NULL: SPEC §8 defaults (its ML fields are ignored) */
} cx_eval_options;

/* All defaults: no classifier, no comparison, SPEC §8's estimator config. */
CX_API cx_eval_options cx_eval_default_options(void);

/* Runs every asked predictor over ds. Needs a classifier or compare = 1. A
 * failed prediction fails the run with "FILE:LINE: ..." in err. On success
 * *out is a new result the caller frees with cx_eval_result_free. Under MPI
 * (started by mpirun, or MPI initialised by the host) the call is collective:
 * each rank evaluates its share of the samples and every rank gets the whole
 * result (docs/SCALING.md). */
CX_API int cx_eval_run(const cx_dataset *ds, const cx_eval_options *opt, cx_eval_result **out, cx_error *err);
CX_API void cx_eval_result_free(cx_eval_result *r);

/* ---- Routing and calibration -------------------------------------------- */

/* A point of the cost/quality curve: with every sample whose predicted score
 * is at least `threshold` sent to the frontier model, the share of all samples
 * sent there (the cost) and the share of frontier-needed samples (true tier
 * complex or expert) among them (the recall). */
typedef struct cx_route_point {
    double threshold, frontier_share, frontier_recall;
} cx_route_point;

enum { CX_ROUTE_CURVE_POINTS = 101 }; /* thresholds 0.00, 0.01, ..., 1.00 */

/* The curve of predictor k, and in *current where its own tiers put it (the
 * samples whose predicted tier routes to the frontier model; threshold = the
 * config's complex boundary). Recall is 0 when no sample needs the frontier. */
CX_API void cx_eval_route_curve(const cx_eval_result *r, cx_predictor k, cx_route_point pts[CX_ROUTE_CURVE_POINTS],
                                cx_route_point *current);

enum { CX_ECE_BINS = 10 };

/* Expected calibration errors of predictor k over the samples of language
 * `lang` (a cx_lang; -1: all), with CX_ECE_BINS equal-width bins, each bin
 * weighted by its share of the samples:
 *   tier_ece:  |accuracy - mean confidence| over bins of the tier head's
 *              confidence (NaN for predictors without a tier head);
 *   score_ece: |mean true score - mean predicted score| over bins of the
 *              predicted score.
 * Both NaN when there are no such samples. */
CX_API void cx_eval_ece(const cx_eval_result *r, cx_predictor k, int lang, double *tier_ece, double *score_ece);

/* ---- JSON -------------------------------------------------------------- */

/* Every figure as JSON text: the seed's keys for the primary predictor at the
 * top level (samples, avg_inference_ms, score_mae, ..., tier_confusion), plus
 * "per_language", "per_class", "worst_errors", and "predictors" (one object per
 * evaluated predictor with the same keys). model may be NULL (JSON null).
 * Caller frees; NULL when out of memory. */
CX_API char *cx_eval_to_json(const cx_eval_result *r, const char *model, const char *data);
/* The JSON report written atomically to path. */
CX_API int cx_eval_write_json(const cx_eval_result *r, const char *model, const char *data, const char *path,
                              cx_error *err);

/* Number of evaluated predictors. */
CX_API int cx_eval_n_evaluated(const cx_eval_result *r);

/* ---- HTML -------------------------------------------------------------- */

typedef struct cx_eval_page_info {
    const char *title;   /* NULL: "Complexity evaluation" */
    const char *model;   /* NULL: no model */
    const char *data;    /* the data file */
} cx_eval_page_info;

/* One self-contained page (inline CSS and SVG, no script, no external
 * resource): summary per predictor, tier confusion heat maps, score scatter
 * plots, per-language table, per-class precision / recall, worst errors.
 * Returns a malloc'd string (caller frees), NULL when out of memory. */
CX_API char *cx_eval_html(const cx_eval_result *r, const cx_eval_page_info *info);
/* The same page written atomically to path. */
CX_API int cx_eval_write_html(const cx_eval_result *r, const cx_eval_page_info *info, const char *path, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
