/* The estimator (SPEC §8): heuristic, optional ML blend, tier, routing,
 * decomposition flag, and the result as the seed's ComplexityResult.to_dict. */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "util/clock.h"
#include "estimate/estimator_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "util/json_out.h"
#include "util/sbuf.h"

cx_tier cx_score_to_tier(double score, const double *b) {
    for (int t = 0; t < CX_N_TIERS - 1; t++)
        if (score < b[t]) return (cx_tier)t;
    return CX_EXPERT;
}

cx_estimator_options cx_estimator_default_options(void) {
    cx_estimator_options o = {0};
    return o;
}

int cx_estimator_open(const cx_estimator_options *opt, cx_estimator **out, cx_error *err) {
    *out = NULL;
    cx_estimator *est = calloc(1, sizeof *est);
    if (!est) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    /* Writers first: a steady stream of estimates must not starve a reload. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int lrc = pthread_rwlock_init(&est->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (lrc != 0) { free(est); return cx_error_set(err, CX_ERR_NOMEM, "no lock"); }
    if (pthread_mutex_init(&est->reload_mu, NULL) != 0) {
        pthread_rwlock_destroy(&est->lock);
        free(est);
        return cx_error_set(err, CX_ERR_NOMEM, "no mutex");
    }
    if (opt) {
        est->log = opt->logger;
        if (opt->ml_backend) {
            if (!opt->ml_backend->load || !opt->ml_backend->predict || !opt->ml_backend->unload) {
                cx_estimator_free(est);
                return cx_error_set(err, CX_ERR_INVALID, "ML backend lacks load, predict or unload");
            }
            est->backend = *opt->ml_backend;
            est->has_backend = 1;
        }
        if (opt->refiner) {
            if (!opt->refiner->rate) {
                cx_estimator_free(est);
                return cx_error_set(err, CX_ERR_INVALID, "refiner lacks rate");
            }
            est->refiner = *opt->refiner;
            est->has_refiner = 1;
        }
    }
    int rc = cx_heuristic_open(&est->heur, err);
    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    if (rc == CX_OK && opt && opt->config_path) {
        est->config_path = strdup(opt->config_path);
        if (!est->config_path) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else {
            cx_file_stamp_of(est->config_path, &est->config_stamp);
            rc = cx_estimator_config_load(est->config_path, &cfg, err);
        }
    }
    if (rc != CX_OK) {
        cx_estimator_free(est);
        return rc;
    }
    pthread_mutex_lock(&est->reload_mu);
    cx_estimator_apply(est, &cfg, 1);
    pthread_mutex_unlock(&est->reload_mu);
    *out = est;
    return CX_OK;
}

void cx_estimator_free(cx_estimator *est) {
    if (!est) return;
    if (est->model) est->backend.unload(est->model);
    cx_heuristic_free(est->heur);
    free(est->config_path);
    pthread_mutex_destroy(&est->reload_mu);
    pthread_rwlock_destroy(&est->lock);
    free(est);
}

void cx_estimator_get_config(cx_estimator *est, cx_estimator_config *cfg) {
    pthread_rwlock_rdlock(&est->lock);
    *cfg = est->cfg;
    pthread_rwlock_unlock(&est->lock);
}

int cx_estimator_ml_active(cx_estimator *est) {
    pthread_rwlock_rdlock(&est->lock);
    int on = est->model != NULL && est->cfg.ml_model_enabled;
    pthread_rwlock_unlock(&est->lock);
    return on;
}

void cx_estimator_ml_info(cx_estimator *est, cx_ml_info *info) {
    memset(info, 0, sizeof *info);
    /* reload_mu guards the paths and the last change; a reload in progress
     * (a model loading) makes this wait for its outcome */
    pthread_mutex_lock(&est->reload_mu);
    info->active = cx_estimator_ml_active(est);
    if (info->active) {
        snprintf(info->model_path, sizeof info->model_path, "%s", est->model_path);
        snprintf(info->tokenizer_path, sizeof info->tokenizer_path, "%s", est->tokenizer_path);
    }
    info->last_change = est->last_change;
    snprintf(info->last_error, sizeof info->last_error, "%s", est->last_error);
    info->reloads = est->reloads;
    pthread_mutex_unlock(&est->reload_mu);
}

static double now_ms(void) { return 1e3 * cx_now_s(); }

/* A prediction we can trust: finite score in [0,1], labels in range. */
static int prediction_ok(const cx_prediction *p) {
    return isfinite(p->score) && p->score >= 0.0 && p->score <= 1.0 && (unsigned)p->tier < CX_N_TIERS &&
           (unsigned)p->intent < CX_N_INTENTS;
}

/* Runs the model (caller holds the read lock); 1 when out holds a prediction. */
static int run_ml(cx_estimator *est, const char *text, size_t len, cx_prediction *out) {
    cx_error e = {0, ""};
    memset(out, 0, sizeof *out);
    int rc = est->backend.predict(est->model, text, len, out, &e);
    if (rc == CX_OK && prediction_ok(out)) return 1;
    if (rc == CX_OK) snprintf(e.msg, sizeof e.msg, "prediction out of range (score %g)", out->score);
    cx_log(est->log, CX_LOG_WARNING, "ml_predict_failed", "error", e.msg[0] ? e.msg : "predict failed", NULL);
    return 0;
}

/* The seed's blend: ml_only, hybrid (0.6 ML + 0.4 heuristic), ml_refine (the
 * hybrid blend only inside the ambiguous zone). */
static void blend(const cx_estimator_config *c, double heuristic, double ml, double *score, const char **method) {
    switch (c->ml_estimation_mode) {
    case CX_ML_ONLY: *score = ml; *method = "ml"; return;
    case CX_ML_HYBRID: *score = 0.6 * ml + 0.4 * heuristic; *method = "hybrid_ml"; return;
    case CX_ML_REFINE:
        if (c->ambiguity_low < heuristic && heuristic < c->ambiguity_high) {
            *score = 0.6 * ml + 0.4 * heuristic;
            *method = "ml_refine";
        }
        return;
    }
}

const char *const cx_route_names[CX_N_ROUTES] = {"fast", "standard", "frontier"};

cx_route cx_tier_route(cx_tier t) {
    return t <= CX_SIMPLE ? CX_ROUTE_FAST : t == CX_MODERATE ? CX_ROUTE_STANDARD : CX_ROUTE_FRONTIER;
}

const char *cx_route_model(const cx_estimator_config *c, cx_route r) {
    return r == CX_ROUTE_FAST ? c->fast_model : r == CX_ROUTE_STANDARD ? c->standard_model : c->frontier_model;
}

static void route(const cx_estimator_config *c, cx_estimate *e) {
    const char *name = cx_route_model(c, cx_tier_route(e->tier));
    e->has_suggested_model = name[0] != '\0';
    snprintf(e->suggested_model, sizeof e->suggested_model, "%s", name);
}

static void log_estimate(cx_logger *lg, const cx_estimate *e) {
    if (!cx_log_enabled(lg, CX_LOG_INFO)) return;
    char score[32], ms[32];
    snprintf(score, sizeof score, "%.3f", e->score);
    snprintf(ms, sizeof ms, "%.1f", e->estimation_ms);
    cx_log(lg, CX_LOG_INFO, "complexity_estimated", "score", score, "tier", cx_tier_names[e->tier], "method",
           e->estimation_method, "model", e->has_suggested_model ? e->suggested_model : "None", "decompose",
           e->needs_decomposition ? "True" : "False", "ms", ms, NULL);
}

/* The final score, its tier, the model to route to and the decomposition flag. */
static void finish(const cx_estimator_config *c, double score, const char *method, cx_estimate *out) {
    out->score = score < 0 ? 0 : score > 1 ? 1 : score;
    out->estimation_method = method;
    out->tier = cx_score_to_tier(out->score, c->tier_boundaries);
    route(c, out);
    out->needs_decomposition = c->decomposition_enabled && out->score >= c->decomposition_threshold;
}

/* The seed's condition for asking the LLM: nothing but the heuristic was
 * used, and it is unsure. */
static int wants_refinement(const cx_estimator *est, const cx_estimator_config *c, const cx_estimate *e) {
    return est->has_refiner && c->llm_refinement && c->refinement_model[0] &&
           !strcmp(e->estimation_method, "heuristic") && e->heuristic_score > c->ambiguity_low &&
           e->heuristic_score < c->ambiguity_high;
}

/* Asks the LLM (no lock held: it takes a network round trip); on success the
 * seed's blend, method "hybrid", under the config the estimate began with. */
static void refine(cx_estimator *est, const cx_estimator_config *c, const char *text, size_t len, cx_estimate *out) {
    double rating = 0;
    cx_error e = {0, ""};
    if (est->refiner.rate(est->refiner.ctx, c->refinement_model, text, len, &rating, &e) == CX_OK && rating >= 0 &&
        rating <= 1) {
        finish(c, 0.6 * rating + 0.4 * out->heuristic_score, "hybrid", out);
        return;
    }
    if (!e.msg[0]) snprintf(e.msg, sizeof e.msg, "rating %g is outside [0, 1]", rating);
    cx_log(est->log, CX_LOG_WARNING, "llm_refinement_failed", "model", c->refinement_model, "error", e.msg, "action",
           "heuristic", NULL);
}

int cx_estimator_estimate(cx_estimator *est, const char *text, size_t len, int prior_user_messages,
                          cx_estimate *out, cx_error *err) {
    double t0 = now_ms();
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&est->lock);
    const cx_estimator_config *c = &est->cfg;
    cx_heuristic_result h;
    int rc = cx_heuristic_eval(est->heur, text, len, prior_user_messages, c->dimension_weights, &h, err);
    if (rc != CX_OK) {
        pthread_rwlock_unlock(&est->lock);
        return rc;
    }
    memcpy(out->dimensions, h.dims, sizeof out->dimensions);
    out->heuristic_score = h.score;
    double score = h.score;
    const char *method = "heuristic";
    if (est->model && c->ml_model_enabled && run_ml(est, text, len, &out->ml)) {
        out->has_ml = 1;
        blend(c, h.score, out->ml.score, &score, &method);
    }
    finish(c, score, method, out);
    cx_estimator_config *snapshot = wants_refinement(est, c, out) ? malloc(sizeof *snapshot) : NULL;
    if (snapshot) *snapshot = *c;
    pthread_rwlock_unlock(&est->lock);
    if (snapshot) refine(est, snapshot, text, len, out);
    free(snapshot);
    out->estimation_ms = now_ms() - t0;
    log_estimate(est->log, out);
    return CX_OK;
}

int cx_estimator_predict(cx_estimator *est, const char *text, size_t len, cx_prediction *out, cx_error *err) {
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&est->lock);
    int rc = est->model && est->cfg.ml_model_enabled
                 ? est->backend.predict(est->model, text, len, out, err)
                 : cx_error_set(err, CX_ERR_UNSUPPORTED, "no ML model is loaded (ml_model_enabled is %s)",
                                est->cfg.ml_model_enabled ? "true, but the model did not load" : "false");
    pthread_rwlock_unlock(&est->lock);
    return rc;
}

/* ---- JSON ------------------------------------------------------------------ */

/* Python's round(x, nd): glibc's printf rounds the exact binary value
 * half-to-even, as CPython's correctly rounded dtoa does. */
static double py_round(double x, int nd) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", nd, x);
    return strtod(buf, NULL);
}

/* Python's repr(float): the shortest digits that read back to x. */
static void put_float(sbuf *b, double x) {
    size_t start = b->len;
    cx_json_put_shortest(b, x);
    if (!b->oom && !strpbrk(b->data + start, ".eninf")) sbuf_puts(b, ".0");
}

/* repr(round(x, nd)) in one printf: the digits of round(x, nd) are its
 * shortest repr once trailing zeros go, except where repr switches to an
 * exponent (below 1e-4, at 1e16 and above); there the slow way. */
static void put_rounded(sbuf *b, double x, int nd) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*f", nd, x);
    const double v = fabs(strtod(buf, NULL));
    if (n <= 0 || n >= (int)sizeof buf || (v != 0 && (v < 1e-4 || v >= 1e16))) {
        put_float(b, py_round(x, nd));
        return;
    }
    while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.') n--;  /* "0.2500" -> "0.25", "1.000" -> "1.0" */
    sbuf_append(b, buf, (size_t)n);
}

char *cx_estimate_to_json(const cx_estimate *e, int precise) {
    sbuf b = SBUF_INIT;
    sbuf_putc(&b, '{');
    cx_json_put_key(&b, "score", 1);
    if (precise) put_float(&b, e->score);
    else put_rounded(&b, e->score, 4);
    cx_json_put_key(&b, "tier", 0);
    cx_json_put_string(&b, cx_tier_names[e->tier], strlen(cx_tier_names[e->tier]));
    cx_json_put_key(&b, "suggested_model", 0);
    if (e->has_suggested_model) cx_json_put_string(&b, e->suggested_model, strlen(e->suggested_model));
    else sbuf_puts(&b, "null");
    cx_json_put_key(&b, "needs_decomposition", 0);
    sbuf_puts(&b, e->needs_decomposition ? "true" : "false");
    cx_json_put_key(&b, "estimation_method", 0);
    cx_json_put_string(&b, e->estimation_method, strlen(e->estimation_method));
    cx_json_put_key(&b, "estimation_ms", 0);
    if (precise) put_float(&b, e->estimation_ms);
    else put_rounded(&b, e->estimation_ms, 1);
    cx_json_put_key(&b, "dimensions", 0);
    sbuf_putc(&b, '[');
    for (int i = 0; i < CX_N_DIMS; i++) {
        const cx_dimension *d = &e->dimensions[i];
        sbuf_puts(&b, i ? ", {" : "{");
        cx_json_put_key(&b, "name", 1);
        cx_json_put_string(&b, d->name, strlen(d->name));
        cx_json_put_key(&b, "score", 0);
        if (precise) put_float(&b, d->score);
        else put_rounded(&b, d->score, 3);
        cx_json_put_key(&b, "weight", 0);
        put_float(&b, d->weight);
        cx_json_put_key(&b, "detail", 0);
        cx_json_put_string(&b, d->detail, strlen(d->detail));
        sbuf_putc(&b, '}');
    }
    sbuf_putc(&b, ']');
    if (e->has_ml) {
        cx_json_put_key(&b, "ml_intent", 0);
        const char *in = cx_intent_names[e->ml.intent];
        cx_json_put_string(&b, in, strlen(in));
        cx_json_put_key(&b, "ml_domains", 0);
        sbuf_putc(&b, '[');
        for (int d = 0, n = 0; d < CX_N_DOMAINS; d++) {
            if (!((e->ml.domains >> d) & 1u)) continue;
            if (n++) sbuf_puts(&b, ", ");
            cx_json_put_string(&b, cx_domain_names[d], strlen(cx_domain_names[d]));
        }
        sbuf_putc(&b, ']');
    }
    if (precise) {
        cx_json_put_key(&b, "heuristic_score", 0);
        put_float(&b, e->heuristic_score);
    }
    sbuf_putc(&b, '}');
    return sbuf_detach(&b);
}
