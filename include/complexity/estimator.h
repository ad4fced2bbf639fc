/* The runtime estimator (SPEC §8): what a host calls for every user message.
 *
 *   heuristic   nine text features, each a score in [0,1] times a weight
 *   ML          an optional predictor plugged in through cx_ml_backend
 *               (cx_ml_backend_native: the native classifier)
 *   blend       ml_only / hybrid / ml_refine, heuristic when no model or a failed prediction
 *   routing     tier from tier_boundaries -> fast / standard / frontier model name
 *   config      the `task_complexity` section of config.yaml, hot-reloaded on change
 *   log         structured key=value lines with the seed's event names
 *
 * Thread safety: a cx_heuristic is immutable after open and may be shared by any
 * number of threads. A cx_estimator may be used from several threads at once:
 * cx_estimator_estimate takes a read lock; cx_estimator_maybe_reload and
 * cx_estimator_set_config take a write lock only to swap in the new config and
 * model (the model is loaded before, and the old one freed after, outside the
 * lock), so estimates never wait for a model load. The ML backend's predict
 * must therefore accept concurrent calls on one loaded model. A cx_logger
 * serialises its lines with a mutex. */
#ifndef COMPLEXITY_ESTIMATOR_H
#define COMPLEXITY_ESTIMATOR_H

#include <stddef.h>

#include "complexity/classifier.h"
#include "complexity/common.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Logging ------------------------------------------------------------ */

typedef enum { CX_LOG_DEBUG, CX_LOG_INFO, CX_LOG_WARNING, CX_LOG_ERROR, CX_LOG_OFF } cx_log_level;

/* Receives each finished line (no trailing newline) in a callback logger. */
typedef void (*cx_log_sink)(void *ctx, cx_log_level level, const char *line);

typedef struct cx_logger cx_logger;

/* A logger appending to `path` (created if missing), or to stderr when path is
 * NULL. Lines below `level` are dropped. Caller frees with cx_logger_free. */
CX_API int cx_logger_open(const char *path, cx_log_level level, cx_logger **out, cx_error *err);
/* A logger handing each line to sink(ctx, ...). */
CX_API int cx_logger_open_sink(cx_log_sink sink, void *ctx, cx_log_level level, cx_logger **out, cx_error *err);
CX_API void cx_logger_free(cx_logger *lg);
/* "debug", "info", "warning", "error", "off" -> level; -1 when unknown. */
CX_API int cx_log_level_from_name(const char *name);

/* 1 when a line at `level` would be written (to skip formatting values). */
CX_API int cx_log_enabled(const cx_logger *lg, cx_log_level level);

/* One line: `ts=<UTC ISO-8601> level=<level> event=<event> k1=v1 k2=v2 ...`.
 * The variadic part is pairs of const char * (key, value), ended by NULL.
 * Values with spaces, quotes, '=' or control bytes are written quoted and
 * escaped. A NULL logger does nothing. */
CX_API void cx_log(cx_logger *lg, cx_log_level level, const char *event, ...);

/* ---- Heuristic ---------------------------------------------------------- */

enum { CX_N_DIMS = 9, CX_DETAIL_MAX = 200 };
typedef enum {
    CX_DIM_TOKEN_LENGTH, CX_DIM_REASONING_MARKERS, CX_DIM_DOMAIN_COUNT, CX_DIM_STEP_INDICATORS,
    CX_DIM_CODE_COMPLEXITY, CX_DIM_CONTEXT_DEPENDENCY, CX_DIM_CONSTRAINT_COUNT, CX_DIM_AMBIGUITY,
    CX_DIM_EXTERNAL_TOOL_NEED
} cx_dim;

/* "token_length", ..., "external_tool_need" (static strings, SPEC §8 order). */
CX_API extern const char *const cx_dim_names[CX_N_DIMS];
/* Index of a dimension name, -1 when unknown. */
CX_API int cx_dim_from_name(const char *name);

typedef struct cx_dimension {
    const char *name;            /* static */
    double score;                /* in [0,1] */
    double weight;
    char detail[CX_DETAIL_MAX];  /* e.g. "3 markers: analyze, compare, design" */
} cx_dimension;

typedef struct cx_heuristic_result {
    cx_dimension dims[CX_N_DIMS];
    double score;                /* min(sum of score*weight, 1) */
} cx_heuristic_result;

/* Compiled patterns; immutable after open, shareable between threads. */
typedef struct cx_heuristic cx_heuristic;

CX_API int cx_heuristic_open(cx_heuristic **out, cx_error *err);
CX_API void cx_heuristic_free(cx_heuristic *h);

/* Scores `text` (UTF-8, `len` bytes; each byte that does not start a valid
 * sequence counts as one U+FFFD). prior_user_messages feeds
 * context_dependency; weights[CX_N_DIMS] in cx_dim order (NULL = defaults).
 * Fails only on allocation failure. */
CX_API int cx_heuristic_eval(const cx_heuristic *h, const char *text, size_t len, int prior_user_messages,
                             const double *weights, cx_heuristic_result *out, cx_error *err);

/* ---- Configuration (config.yaml, section task_complexity) --------------- */

typedef enum { CX_ML_ONLY, CX_ML_HYBRID, CX_ML_REFINE } cx_ml_mode;
typedef enum { CX_TRIGGER_AUTO, CX_TRIGGER_MANUAL, CX_TRIGGER_AUTO_SILENT } cx_trigger_mode;
enum { CX_N_ML_MODES = 3, CX_N_TRIGGER_MODES = 3 };

CX_API extern const char *const cx_ml_mode_names[CX_N_ML_MODES];           /* "ml_only", "hybrid", "ml_refine" */
CX_API extern const char *const cx_trigger_mode_names[CX_N_TRIGGER_MODES]; /* "auto", "manual", "auto_silent" */

enum { CX_MODEL_NAME_MAX = 256, CX_CONFIG_PATH_MAX = 4096 };

/* A plain value: copy it with `=`. Defaults are the seed's (SPEC §8). */
typedef struct cx_estimator_config {
    int enabled;                              /* true */
    cx_trigger_mode trigger_mode;             /* auto */
    double dimension_weights[CX_N_DIMS];      /* heuristic_keywords.json */
    int llm_refinement;                       /* true (accepted; needs an LLM, not done here) */
    char refinement_model[CX_MODEL_NAME_MAX]; /* "" */
    double ambiguity_low, ambiguity_high;     /* 0.35, 0.65 */
    char fast_model[CX_MODEL_NAME_MAX];       /* "" = no override */
    char standard_model[CX_MODEL_NAME_MAX];
    char frontier_model[CX_MODEL_NAME_MAX];
    double tier_boundaries[CX_N_TIERS - 1];   /* upper bounds of trivial..complex: .15 .35 .60 .85 */
    int decomposition_enabled;                /* true */
    double decomposition_threshold;           /* 0.80 */
    int max_subtasks;                         /* 5 */
    int parallel_subtasks;                    /* true */
    int ml_model_enabled;                     /* false */
    char ml_model_path[CX_CONFIG_PATH_MAX];   /* "" = models/complexity_model_int8.onnx */
    char ml_tokenizer_path[CX_CONFIG_PATH_MAX]; /* "" = models/complexity_tokenizer */
    cx_ml_mode ml_estimation_mode;            /* hybrid */
    int track_accuracy;                       /* true (a seed field; kept, unused here) */
} cx_estimator_config;

/* The model a tier goes to (SPEC §8): trivial and simple -> fast, moderate ->
 * standard, complex and expert -> frontier. */
typedef enum { CX_ROUTE_FAST, CX_ROUTE_STANDARD, CX_ROUTE_FRONTIER } cx_route;
enum { CX_N_ROUTES = 3 };
CX_API extern const char *const cx_route_names[CX_N_ROUTES]; /* "fast", "standard", "frontier" */
CX_API cx_route cx_tier_route(cx_tier tier);
/* The config's model for a route (fast_model, standard_model or
 * frontier_model; "" = no override). Borrowed from cfg. */
CX_API const char *cx_route_model(const cx_estimator_config *cfg, cx_route route);

#define CX_DEFAULT_ML_MODEL_PATH "models/complexity_model_int8.onnx"
#define CX_DEFAULT_ML_TOKENIZER_PATH "models/complexity_tokenizer"

CX_API void cx_estimator_config_defaults(cx_estimator_config *cfg);

/* Reads the task_complexity section of a YAML document; a missing or empty
 * section means all defaults, other top-level sections are ignored. Fields not
 * given keep their defaults (a partial dimension_weights or tier_boundaries
 * map overrides only the keys it names). Errors name the file, line and key:
 * "config.yaml:7: task_complexity.ml_estimation_mode: unknown mode 'x' ...".
 * On failure *cfg is left unchanged. `name` labels messages (e.g. the path). */
CX_API int cx_estimator_config_parse(const char *yaml, size_t len, const char *name, cx_estimator_config *cfg,
                                     cx_error *err);
CX_API int cx_estimator_config_load(const char *path, cx_estimator_config *cfg, cx_error *err);

/* The section as a JSON object with the YAML keys (maps for dimension_weights
 * and tier_boundaries; "" for unset paths and models). JSON is YAML, so
 * {"task_complexity": <this>} reads back with cx_estimator_config_parse.
 * Caller frees; NULL on allocation failure or an out-of-range enum. */
CX_API char *cx_estimator_config_to_json(const cx_estimator_config *cfg);

/* Writes cfg as the task_complexity section of the YAML file at path,
 * atomically (temp file + rename, so a watching estimator sees one change):
 * the rest of the file (other sections, their comments) is kept byte for
 * byte, comments inside the section are not; a missing file is created, a
 * file without the section gets it appended. The result is read back first:
 * a section this rewrite cannot find (a quoted key, say) is an error and the
 * file is left as it was. */
CX_API int cx_estimator_config_write(const char *path, const cx_estimator_config *cfg, cx_error *err);

/* ---- ML predictor seam --------------------------------------------------- */

/* A backend predicts a cx_prediction (classifier.h): the seed's
 * MLComplexityClassifier.predict result, the one prediction type of the API. */

/* A model runtime (ONNX / native), attached by the host. `load` returns an
 * opaque model for the two paths or fails with a message; `predict` must be
 * safe to call concurrently on one model; `unload` frees it. The estimator
 * checks that the model file exists before calling load (SPEC §8's
 * ml_classifier_model_not_found) and logs its size. */
typedef struct cx_ml_backend {
    void *ctx;
    int (*load)(void *ctx, const char *model_path, const char *tokenizer_path, void **model, cx_error *err);
    int (*predict)(void *model, const char *text, size_t len, cx_prediction *out, cx_error *err);
    void (*unload)(void *model);
    /* Optional (NULL: unknown): how many tokens of a text the model reads
     * (*seen) of how many it has (*total). */
    int (*count_tokens)(void *model, const char *text, size_t len, size_t *seen, size_t *total, cx_error *err);
} cx_ml_backend;

/* The native classifier (complexity/classifier.h) as a backend: model_path is
 * a training output folder or weights file it can open (not the seed's ONNX
 * file; an ONNX backend can attach the same way). Predictions on one model run
 * concurrently, one classifier context per thread. Static; never freed. */
CX_API const cx_ml_backend *cx_ml_backend_native(void);

/* ---- Estimator ----------------------------------------------------------- */

typedef struct cx_estimate {
    double score;                            /* final, in [0,1] */
    cx_tier tier;
    double heuristic_score;
    cx_dimension dimensions[CX_N_DIMS];
    int has_suggested_model;                 /* 0: no override (JSON null) */
    char suggested_model[CX_MODEL_NAME_MAX];
    int needs_decomposition;
    const char *estimation_method;           /* static: "heuristic", "ml", "hybrid_ml", "ml_refine" */
    double estimation_ms;
    int has_ml;                              /* a prediction was made: ml_intent/ml_domains valid */
    cx_prediction ml;
} cx_estimate;

typedef struct cx_estimator cx_estimator;

/* The seed's llm_refinement: an LLM rates how hard a message is. The host
 * brings the client (the service's talks to an OpenAI-compatible endpoint).
 * `rate` asks `model` for a 1-10 rating of text and gives it mapped to [0,1]
 * as the seed does ((n-1)/9); it must keep to a timeout of its own, and may
 * be called from many threads at once. */
typedef struct cx_refiner {
    void *ctx;
    int (*rate)(void *ctx, const char *model, const char *text, size_t len, double *rating, cx_error *err);
} cx_refiner;

typedef struct cx_estimator_options {
    const char *config_path;         /* NULL: defaults, nothing to reload */
    const cx_ml_backend *ml_backend; /* copied; NULL: no ML runtime (heuristic only) */
    cx_logger *logger;               /* borrowed, must outlive the estimator; NULL: silent */
    const cx_refiner *refiner;       /* copied; NULL: llm_refinement is accepted but never done */
} cx_estimator_options;

/* All defaults: no config file, no ML runtime, no logger. */
CX_API cx_estimator_options cx_estimator_default_options(void);

/* Loads the config (a missing or invalid file is an error) and, when it
 * enables ML, the model. A model that cannot be loaded is not an error: the
 * estimator runs on the heuristic and logs why. */
CX_API int cx_estimator_open(const cx_estimator_options *opt, cx_estimator **out, cx_error *err);
CX_API void cx_estimator_free(cx_estimator *est);

/* Re-reads the config file when its mtime, size or inode changed since the
 * last look (cheap: one stat). A valid new file is applied: ML enable -> load,
 * disable -> unload, path change -> reload, missing model -> heuristic + log.
 * An invalid or vanished file keeps the previous config, logs
 * config_reload_failed, and returns its error (the estimator stays usable).
 * *reloaded (may be NULL) = 1 when a new config was applied. */
CX_API int cx_estimator_maybe_reload(cx_estimator *est, int *reloaded, cx_error *err);

/* What a new config did to the ML model (the seed's reload() return values,
 * plus ml_load_failed: the file exists but does not load; the estimator runs
 * on the heuristic, cx_estimator_ml_info says why). */
typedef enum {
    CX_ML_UNCHANGED,       /* "ml_unchanged" */
    CX_ML_DISABLED,        /* "ml_disabled": unloaded */
    CX_ML_ENABLED,         /* "ml_enabled": loaded where none was */
    CX_ML_RELOADED,        /* "ml_reloaded": another path, or the file changed */
    CX_ML_MODEL_NOT_FOUND, /* "ml_model_not_found" */
    CX_ML_LOAD_FAILED      /* "ml_load_failed" */
} cx_ml_change;
enum { CX_N_ML_CHANGES = 6 };
CX_API extern const char *const cx_ml_change_names[CX_N_ML_CHANGES];

/* Applies a config directly (the Web UI path), with the same ML transitions.
 * Invalid values are refused (CX_ERR_INVALID naming the field) and the config
 * in force stays. *change (may be NULL): what happened to the model. */
CX_API int cx_estimator_set_config(cx_estimator *est, const cx_estimator_config *cfg, cx_ml_change *change,
                                   cx_error *err);

/* The ML side as it stands: whether a model is loaded, which, and the last
 * transition with its reason (a load error, the missing path). */
typedef struct cx_ml_info {
    int active;                              /* a model is loaded and enabled */
    char model_path[CX_CONFIG_PATH_MAX];     /* of the loaded model ("" when none) */
    char tokenizer_path[CX_CONFIG_PATH_MAX]; /* "" = the one beside the model */
    cx_ml_change last_change;                /* of the last config applied */
    char last_error[CX_ERRMSG_MAX];          /* why no model is loaded, "" when one is or none is asked */
    unsigned long reloads;                   /* configs applied since open */
} cx_ml_info;
CX_API void cx_estimator_ml_info(cx_estimator *est, cx_ml_info *info);
/* A copy of the config in force. */
CX_API void cx_estimator_get_config(cx_estimator *est, cx_estimator_config *cfg);
/* 1 when an ML model is loaded (and enabled). */
CX_API int cx_estimator_ml_active(cx_estimator *est);

/* Estimates one message. prior_user_messages: user turns before this one.
 * Computes regardless of `enabled` / `trigger_mode`: those tell the host when
 * to call. With llm_refinement on, a refiner attached and a refinement_model
 * named, a message the model did not score (method "heuristic") whose
 * heuristic score lies inside (ambiguity_low, ambiguity_high) is rated by the
 * LLM: 0.6 rating + 0.4 heuristic, method "hybrid" (the seed's); a failed
 * rating keeps the heuristic and logs llm_refinement_failed. */
CX_API int cx_estimator_estimate(cx_estimator *est, const char *text, size_t len, int prior_user_messages,
                                 cx_estimate *out, cx_error *err);

/* The ML model alone on one text (a service's /v1/classify): the model the
 * config in force loaded, so it follows hot reloads. CX_ERR_UNSUPPORTED when
 * no model is loaded (cx_estimator_ml_info says why). Safe from many threads. */
CX_API int cx_estimator_predict(cx_estimator *est, const char *text, size_t len, cx_prediction *out,
                                cx_error *err);

/* Why the model scored a text as it did. */
enum { CX_EXPLAIN_MAX_SEGMENTS = 24, CX_EXPLAIN_TOP = 8 };
typedef struct cx_word_effect {
    size_t offset, length; /* the word (or group of words) in the text, in bytes */
    double delta;          /* the model's score with it minus without it: > 0 it made the task look harder */
} cx_word_effect;

typedef struct cx_explanation {
    size_t tokens_seen, tokens_total; /* of the text, by the model's tokenizer (0, 0: unknown) */
    int n_effects;                    /* entries in effects, largest |delta| first */
    cx_word_effect effects[CX_EXPLAIN_TOP];
    double ml_score;                  /* the model's score on the whole text */
    int predictions;                  /* model runs this took (1 + one per segment) */
    double ms;                        /* time it took */
} cx_explanation;

/* Which words moved the model's score (occlusion: the text is cut into at
 * most CX_EXPLAIN_MAX_SEGMENTS segments, words or runs of words, and scored
 * once without each), and how much of the text the model reads. The cost is
 * bounded: at most CX_EXPLAIN_MAX_SEGMENTS + 1 predictions, whatever the
 * length. CX_ERR_UNSUPPORTED when no model is loaded. */
CX_API int cx_estimator_explain(cx_estimator *est, const char *text, size_t len, cx_explanation *out, cx_error *err);

/* Tier of a score under boundaries[CX_N_TIERS-1] (score < b[0] -> trivial, ...). */
CX_API cx_tier cx_score_to_tier(double score, const double *boundaries);

/* The result as one JSON object, fields as the seed's ComplexityResult.to_dict
 * (score rounded to 4 places, dimension scores to 3, estimation_ms to 1;
 * ml_intent / ml_domains only when ML ran). precise = 1 writes unrounded
 * values and adds "heuristic_score". Returns a malloc'd string (caller frees),
 * NULL on allocation failure. */
CX_API char *cx_estimate_to_json(const cx_estimate *e, int precise);

#ifdef __cplusplus
}
#endif
#endif
