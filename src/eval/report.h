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
#ifndef CX_EVAL_REPORT_H
#define CX_EVAL_REPORT_H

#include <cjson/cJSON.h>

#include "complexity/classifier.h"
#include "complexity/dataset.h"
#include "complexity/estimator.h"
#include "complexity/metrics.h"

typedef enum {
    CX_PRED_HEURISTIC, CX_PRED_ML, CX_PRED_ML_ONLY, CX_PRED_HYBRID, CX_PRED_ML_REFINE, CX_N_PREDICTORS
} cx_predictor;

/* "heuristic", "ml", "ml_only", "hybrid", "ml_refine" (static). */
extern const char *const cx_predictor_names[CX_N_PREDICTORS];

enum { CX_EVAL_WORST = 20 };

typedef struct cx_eval_predictor {
    int evaluated;                  /* 0: not run (no model, or no --compare) */
    cx_metrics all;
    cx_metrics by_lang[CX_N_LANGS];
    double *score;                  /* (n) predicted score, clamped to [0,1]; owned */
    signed char *tier;              /* (n) predicted tier; owned */
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
    cx_classifier *classifier;          /* borrowed; NULL: no model (heuristic only) */
    int compare;                        /* 1: heuristic and every blend too; 0: the model alone */
    const cx_estimator_config *config;  /* NULL: SPEC §8 defaults (its ML fields are ignored) */
} cx_eval_options;

/* Runs every asked predictor over ds. Needs a classifier or compare = 1. A
 * failed prediction fails the run with "FILE:LINE: ..." in err. On success
 * *out is a new result the caller frees with cx_eval_result_free. */
int cx_eval_run(const cx_dataset *ds, const cx_eval_options *opt, cx_eval_result **out, cx_error *err);
void cx_eval_result_free(cx_eval_result *r);

/* ---- JSON (report_json.c) ---------------------------------------------- */

/* Every figure: the seed's keys for the primary predictor at the top level
 * (samples, avg_inference_ms, score_mae, ..., tier_confusion), plus
 * "per_language", "per_class", "worst_errors", and "predictors" (one object per
 * evaluated predictor with the same keys). model may be NULL (JSON null).
 * Caller frees with cJSON_Delete; NULL when out of memory. */
cJSON *cx_eval_to_json(const cx_eval_result *r, const char *model, const char *data);

/* ---- HTML (report_html.c, report_svg.c) -------------------------------- */

typedef struct cx_eval_page_info {
    const char *title;   /* NULL: "Complexity evaluation" */
    const char *model;   /* NULL: no model */
    const char *data;    /* the data file */
} cx_eval_page_info;

/* One self-contained page (inline CSS and SVG, no script, no external
 * resource): summary per predictor, tier confusion heat maps, score scatter
 * plots, per-language table, per-class precision / recall, worst errors.
 * Returns a malloc'd string (caller frees), NULL when out of memory. */
char *cx_eval_html(const cx_eval_result *r, const cx_eval_page_info *info);
/* The same page written atomically to path. */
int cx_eval_write_html(const cx_eval_result *r, const cx_eval_page_info *info, const char *path, cx_error *err);

/* ---- Internal to the page writers (report_html.c, report_detail.c, report_plots.c) */

#include "util/sbuf.h"

/* Text for HTML content or a quoted attribute: & < > " ' escaped, control
 * characters (other than tab and newline) and invalid UTF-8 as U+FFFD. */
void cx_html_escape(sbuf *b, const char *s, size_t n);
/* One colour per tier (CSS hex), trivial..expert. */
extern const char *const cx_report_tier_colors[CX_N_TIERS];
/* Number of evaluated predictors. */
int cx_report_n_evaluated(const cx_eval_result *r);
/* Tier confusion of predictor k as an HTML heat-map table. */
void cx_report_heatmap(sbuf *b, const cx_eval_result *r, cx_predictor k);
/* True vs predicted score of predictor k as an inline SVG scatter plot. */
void cx_report_scatter(sbuf *b, const cx_eval_result *r, cx_predictor k);
/* The per-class and worst-error sections. */
void cx_report_classes(sbuf *b, const cx_eval_result *r);
void cx_report_worst(sbuf *b, const cx_eval_result *r);

#endif
