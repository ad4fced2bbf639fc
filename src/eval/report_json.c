/* An evaluation as JSON: the seed's report keys for the primary predictor at
 * the top level, and one object per predictor, language and class. Figures are
 * fractions in [0,1]; a figure a predictor cannot have (the heuristic's intent
 * accuracy) is null. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "complexity/fileio.h"
#include "eval/report.h"

static cJSON *matrix_json(const size_t *cm, int n) {
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; rows && i < n; i++) {
        cJSON *row = cJSON_CreateArray();
        for (int j = 0; row && j < n; j++) cJSON_AddItemToArray(row, cJSON_CreateNumber((double)cm[i * n + j]));
        cJSON_AddItemToArray(rows, row);
    }
    return rows;
}

static void add_number_or_null(cJSON *j, const char *key, int known, double v) {
    if (known) cJSON_AddNumberToObject(j, key, v);
    else cJSON_AddNullToObject(j, key);
}

/* The seed's summary figures of one metrics block. */
static void add_figures(cJSON *j, const cx_metrics *m) {
    double pr, rc, f1;
    cx_metrics_domain_prf(m, &pr, &rc, &f1);
    cJSON_AddNumberToObject(j, "samples", (double)m->n);
    cJSON_AddNumberToObject(j, "avg_inference_ms", cx_metrics_avg_ms(m));
    cJSON_AddNumberToObject(j, "score_mae", cx_metrics_mae(m));
    cJSON_AddNumberToObject(j, "score_max_error", m->score_max_err);
    cJSON_AddNumberToObject(j, "tier_accuracy", cx_metrics_tier_accuracy(m));
    cJSON_AddNumberToObject(j, "tier_within_one", cx_metrics_tier_within_one(m));
    cJSON_AddNumberToObject(j, "route_accuracy", cx_metrics_route_accuracy(m));
    cJSON_AddNumberToObject(j, "frontier_to_fast", cx_metrics_frontier_to_fast(m));
    add_number_or_null(j, "intent_accuracy", m->intent_n > 0, cx_metrics_intent_accuracy(m));
    add_number_or_null(j, "domain_precision", m->dom_n > 0, pr);
    add_number_or_null(j, "domain_recall", m->dom_n > 0, rc);
    add_number_or_null(j, "domain_f1", m->dom_n > 0, f1);
}

static size_t row_sum(const size_t *cm, int n, int k) {
    size_t s = 0;
    for (int j = 0; j < n; j++) s += cm[k * n + j];
    return s;
}

static cJSON *class_entry(double precision, double recall, size_t support) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "precision", precision);
    cJSON_AddNumberToObject(c, "recall", recall);
    cJSON_AddNumberToObject(c, "support", (double)support);
    return c;
}

static cJSON *per_class_json(const cx_metrics *m) {
    cJSON *j = cJSON_CreateObject(), *tiers = cJSON_AddObjectToObject(j, "tiers");
    double p, r, f1;
    for (int t = 0; t < CX_N_TIERS; t++) {
        cx_metrics_tier_class_pr(m, t, &p, &r);
        cJSON_AddItemToObject(tiers, cx_tier_names[t], class_entry(p, r, row_sum(&m->tier_confusion[0][0], CX_N_TIERS, t)));
    }
    if (m->intent_n) {
        cJSON *in = cJSON_AddObjectToObject(j, "intents");
        for (int i = 0; i < CX_N_INTENTS; i++) {
            cx_metrics_intent_class_pr(m, i, &p, &r);
            cJSON_AddItemToObject(in, cx_intent_names[i],
                                  class_entry(p, r, row_sum(&m->intent_confusion[0][0], CX_N_INTENTS, i)));
        }
    }
    if (m->dom_n) {
        cJSON *dom = cJSON_AddObjectToObject(j, "domains");
        for (int d = 0; d < CX_N_DOMAINS; d++) {
            cx_metrics_domain_class_prf(m, d, &p, &r, &f1);
            cJSON *c = class_entry(p, r, m->dom_class_tp[d] + m->dom_class_fn[d]);
            cJSON_AddNumberToObject(c, "f1", f1);
            cJSON_AddItemToObject(dom, cx_domain_names[d], c);
        }
    }
    return j;
}

static cJSON *per_language_json(const cx_eval_predictor *p) {
    cJSON *j = cJSON_CreateObject();
    for (int l = 0; j && l < CX_N_LANGS; l++) {
        if (!p->by_lang[l].n) continue;
        cJSON *o = cJSON_AddObjectToObject(j, cx_lang_names[l]);
        if (o) add_figures(o, &p->by_lang[l]);
    }
    return j;
}

static cJSON *worst_json(const cx_eval_result *r, const cx_eval_predictor *p) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t w = 0; arr && w < p->n_worst; w++) {
        size_t i = p->worst[w];
        const cx_record *rec = cx_dataset_get(r->ds, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "line", (double)rec->line);
        cJSON_AddStringToObject(o, "text", rec->text);
        cJSON_AddNumberToObject(o, "score", rec->score);
        cJSON_AddNumberToObject(o, "predicted_score", p->score[i]);
        cJSON_AddNumberToObject(o, "error", fabs(p->score[i] - rec->score));
        cJSON_AddStringToObject(o, "tier", cx_tier_names[rec->tier]);
        cJSON_AddStringToObject(o, "predicted_tier", cx_tier_names[p->tier[i]]);
        cJSON_AddStringToObject(o, "lang", cx_lang_names[r->lang[i]]);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static void add_ece(cJSON *j, const cx_eval_result *r, cx_predictor k, int lang) {
    double tier_ece, score_ece;
    cx_eval_ece(r, k, lang, &tier_ece, &score_ece);
    add_number_or_null(j, "tier_ece", !isnan(tier_ece), tier_ece);
    add_number_or_null(j, "score_ece", !isnan(score_ece), score_ece);
}

/* {"tier_ece", "score_ece", "per_language": {lang: {...}}} */
static cJSON *calibration_json(const cx_eval_result *r, cx_predictor k) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    add_ece(j, r, k, -1);
    cJSON *per = cJSON_AddObjectToObject(j, "per_language");
    for (int l = 0; per && l < CX_N_LANGS; l++) {
        if (!r->lang_count[l]) continue;
        cJSON *o = cJSON_AddObjectToObject(per, cx_lang_names[l]);
        if (o) add_ece(o, r, k, l);
    }
    return j;
}

static cJSON *route_point_json(const cx_route_point *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threshold", p->threshold);
    cJSON_AddNumberToObject(o, "frontier_share", p->frontier_share);
    cJSON_AddNumberToObject(o, "frontier_recall", p->frontier_recall);
    return o;
}

/* {"current": {...}, "points": [[threshold, frontier_share, frontier_recall], ...]} */
static cJSON *route_curve_json(const cx_eval_result *r, cx_predictor k) {
    cx_route_point pts[CX_ROUTE_CURVE_POINTS], cur;
    cx_eval_route_curve(r, k, pts, &cur);
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddItemToObject(j, "current", route_point_json(&cur));
    cJSON *arr = cJSON_AddArrayToObject(j, "points");
    for (int i = 0; arr && i < CX_ROUTE_CURVE_POINTS; i++) {
        double v[3] = {pts[i].threshold, pts[i].frontier_share, pts[i].frontier_recall};
        cJSON_AddItemToArray(arr, cJSON_CreateDoubleArray(v, 3));
    }
    return j;
}

/* Everything about one predictor; the top level reuses these keys. */
static void add_predictor(cJSON *j, const cx_eval_result *r, cx_predictor k) {
    const cx_eval_predictor *p = &r->pred[k];
    add_figures(j, &p->all);
    if (k != CX_PRED_HEURISTIC && k != CX_PRED_ML) cJSON_AddNumberToObject(j, "ml_used", (double)p->ml_used);
    cJSON_AddItemToObject(j, "tier_confusion", matrix_json(&p->all.tier_confusion[0][0], CX_N_TIERS));
    if (p->all.intent_n)
        cJSON_AddItemToObject(j, "intent_confusion", matrix_json(&p->all.intent_confusion[0][0], CX_N_INTENTS));
    cJSON_AddItemToObject(j, "per_language", per_language_json(p));
    cJSON_AddItemToObject(j, "per_class", per_class_json(&p->all));
    cJSON_AddItemToObject(j, "worst_errors", worst_json(r, p));
    cJSON_AddItemToObject(j, "calibration", calibration_json(r, k));
    cJSON_AddItemToObject(j, "route_curve", route_curve_json(r, k));
}

static cJSON *names_json(const char *const *names, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
    return a;
}

static cJSON *config_json(const cx_estimator_config *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON *b = cJSON_AddArrayToObject(j, "tier_boundaries");
    for (int t = 0; b && t < CX_N_TIERS - 1; t++) cJSON_AddItemToArray(b, cJSON_CreateNumber(c->tier_boundaries[t]));
    cJSON_AddNumberToObject(j, "ambiguity_low", c->ambiguity_low);
    cJSON_AddNumberToObject(j, "ambiguity_high", c->ambiguity_high);
    return j;
}

static cJSON *languages_json(const cx_eval_result *r) {
    cJSON *j = cJSON_CreateObject();
    for (int l = 0; j && l < CX_N_LANGS; l++) cJSON_AddNumberToObject(j, cx_lang_names[l], (double)r->lang_count[l]);
    cJSON_AddNumberToObject(j, "from_lang_field", (double)r->lang_from_field);
    cJSON_AddNumberToObject(j, "detected", (double)(r->n - r->lang_from_field));
    return j;
}

static cJSON *eval_json(const cx_eval_result *r, const char *model, const char *data) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    if (model) cJSON_AddStringToObject(j, "model", model);
    else cJSON_AddNullToObject(j, "model");
    cJSON_AddStringToObject(j, "data", data ? data : "");
    cJSON_AddStringToObject(j, "predictor", cx_predictor_names[r->primary]);
    cJSON_AddItemToObject(j, "tiers", names_json(cx_tier_names, CX_N_TIERS));
    cJSON_AddItemToObject(j, "intents", names_json(cx_intent_names, CX_N_INTENTS));
    cJSON_AddItemToObject(j, "domains", names_json(cx_domain_names, CX_N_DOMAINS));
    add_predictor(j, r, r->primary);
    cJSON_AddItemToObject(j, "languages", languages_json(r));
    cJSON_AddItemToObject(j, "estimator_config", config_json(&r->config));
    cJSON *preds = cJSON_AddObjectToObject(j, "predictors");
    for (int k = 0; preds && k < CX_N_PREDICTORS; k++) {
        if (!r->pred[k].evaluated) continue;
        cJSON *o = cJSON_AddObjectToObject(preds, cx_predictor_names[k]);
        if (o) add_predictor(o, r, (cx_predictor)k);
    }
    return j;
}

char *cx_eval_to_json(const cx_eval_result *r, const char *model, const char *data) {
    cJSON *j = eval_json(r, model, data);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    return text;
}

int cx_eval_write_json(const cx_eval_result *r, const char *model, const char *data, const char *path,
                       cx_error *err) {
    char *text = cx_eval_to_json(r, model, data);
    if (!text) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc == CX_OK) {
        if (fputs(text, af.f) < 0 || fputc('\n', af.f) == EOF) {
            cx_afile_abort(&af);
            rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
        } else {
            rc = cx_afile_commit(&af, err);
        }
    }
    free(text);
    return rc;
}
