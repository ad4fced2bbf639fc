/* Runs the predictors of an evaluation over a dataset (see report.h). The
 * classifier runs once per sample; three estimators (ml_only, hybrid,
 * ml_refine) receive its prediction through a replay backend, a fourth with no
 * model gives the heuristic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/clock.h"
#include "eval/report.h"
#include "complexity/common.h"

const char *const cx_predictor_names[CX_N_PREDICTORS] = {"heuristic", "ml", "ml_only", "hybrid", "ml_refine"};

/* ---- Replay backend: hands the estimator the prediction just made -------- */

static int replay_load(void *ctx, const char *model_path, const char *tokenizer_path, void **model, cx_error *err) {
    (void)model_path, (void)tokenizer_path, (void)err;
    *model = ctx; /* the slot itself is the "model" */
    return CX_OK;
}

static int replay_predict(void *model, const char *text, size_t len, cx_prediction *out, cx_error *err) {
    (void)text, (void)len, (void)err;
    *out = *(const cx_prediction *)model;
    return CX_OK;
}

static void replay_unload(void *model) { (void)model; }

typedef struct eval_state {
    cx_prediction slot;                /* the current sample's ML prediction */
    cx_ml_backend backend;                /* replays `slot` */
    cx_estimator *est[CX_N_PREDICTORS];   /* NULL for ml and for predictors not run */
    cx_classifier_ctx *ctx;               /* the classifier's working memory; NULL without one */
} eval_state;

static double now_ms(void) { return 1e3 * cx_now_s(); }

static const cx_ml_mode mode_of[CX_N_PREDICTORS] = {CX_ML_ONLY, CX_ML_ONLY, CX_ML_ONLY, CX_ML_HYBRID, CX_ML_REFINE};

/* An estimator for predictor k: the base config, with the replayed model for the blends. */
static int open_estimator(eval_state *st, const cx_estimator_config *base, cx_predictor k, const char *model_path,
                          cx_estimator **out, cx_error *err) {
    int blends = k != CX_PRED_HEURISTIC;
    cx_estimator_options o = {.ml_backend = blends ? &st->backend : NULL};
    int rc = cx_estimator_open(&o, out, err);
    if (rc != CX_OK) return rc;
    cx_estimator_config c = *base;
    c.ml_model_enabled = blends;
    c.ml_estimation_mode = mode_of[k];
    c.ml_model_path[0] = c.ml_tokenizer_path[0] = '\0';
    if (blends) {
        struct stat sb;
        if (strlen(model_path) >= sizeof c.ml_model_path || stat(model_path, &sb) != 0)
            return cx_error_set(err, CX_ERR_INVALID, "%s: model path unusable by the estimator", model_path);
        memcpy(c.ml_model_path, model_path, strlen(model_path) + 1);
        memcpy(c.ml_tokenizer_path, model_path, strlen(model_path) + 1); /* unused by the replay; skips a stat */
    }
    rc = cx_estimator_set_config(*out, &c, NULL, err);
    if (rc == CX_OK && blends && !cx_estimator_ml_active(*out))
        rc = cx_error_set(err, CX_ERR_INTERNAL, "the %s estimator did not attach the model", cx_predictor_names[k]);
    return rc;
}

static void record_sample(cx_eval_result *r, cx_predictor k, size_t i, const cx_eval_pred *e, double ms) {
    cx_eval_predictor *p = &r->pred[k];
    const cx_record *rec = cx_dataset_get(r->ds, i);
    p->score[i] = e->score < 0 ? 0 : e->score > 1 ? 1 : e->score;
    p->tier[i] = (signed char)e->tier;
    cx_metrics_add(&p->all, rec, e, ms);
    cx_metrics_add(&p->by_lang[r->lang[i]], rec, e, ms);
}

/* Top CX_EVAL_WORST samples by |score error|, ties by first occurrence. */
static void find_worst(cx_eval_result *r, cx_eval_predictor *p) {
    double werr[CX_EVAL_WORST];
    p->n_worst = 0;
    for (size_t i = 0; i < r->n; i++) {
        double e = fabs(p->score[i] - cx_dataset_get(r->ds, i)->score);
        if (p->n_worst == CX_EVAL_WORST && !(e > werr[CX_EVAL_WORST - 1])) continue;
        size_t j = p->n_worst < CX_EVAL_WORST ? p->n_worst++ : CX_EVAL_WORST - 1;
        for (; j > 0 && e > werr[j - 1]; j--) {
            werr[j] = werr[j - 1];
            p->worst[j] = p->worst[j - 1];
        }
        werr[j] = e;
        p->worst[j] = i;
    }
}

static int run_sample(cx_eval_result *r, eval_state *st, cx_classifier_ctx *cl, size_t i, cx_error *err) {
    const cx_record *rec = cx_dataset_get(r->ds, i);
    double ml_ms = 0;
    if (cl) {
        cx_prediction p;
        double t0 = now_ms();
        int rc = cx_classifier_predict(cl, rec->text, rec->text_len, &p, err);
        ml_ms = now_ms() - t0;
        if (rc != CX_OK) return rc;
        if (p.tier < 0 || p.tier >= CX_N_TIERS || p.intent < 0 || p.intent >= CX_N_INTENTS)
            return cx_error_set(err, CX_ERR_INTERNAL, "classifier returned tier %d, intent %d", p.tier, p.intent);
        st->slot = p;
        r->pred[CX_PRED_ML].tier_conf[i] = p.tier_probs[p.tier];
        cx_eval_pred e = {p.score, p.tier, p.intent, p.domains, 1};
        record_sample(r, CX_PRED_ML, i, &e, ml_ms);
    }
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!st->est[k]) continue;
        cx_estimate est;
        int rc = cx_estimator_estimate(st->est[k], rec->text, rec->text_len, 0, &est, err);
        if (rc != CX_OK) return rc;
        cx_eval_pred e = {est.score, (int)est.tier, -1, 0, 0};
        r->pred[k].ml_used += strcmp(est.estimation_method, "heuristic") != 0;
        record_sample(r, (cx_predictor)k, i, &e, est.estimation_ms + (k == CX_PRED_HEURISTIC ? 0 : ml_ms));
    }
    return CX_OK;
}

static int setup(cx_eval_result *r, eval_state *st, const cx_eval_options *opt, cx_error *err) {
    int run[CX_N_PREDICTORS] = {opt->compare, opt->classifier != NULL, 0, 0, 0};
    run[CX_PRED_ML_ONLY] = run[CX_PRED_HYBRID] = run[CX_PRED_ML_REFINE] = opt->compare && opt->classifier;
    if (opt->config) r->config = *opt->config;
    else cx_estimator_config_defaults(&r->config);
    st->backend = (cx_ml_backend){.ctx = &st->slot, .load = replay_load, .predict = replay_predict, .unload = replay_unload};
    const char *model_path = opt->classifier ? cx_classifier_model_path(opt->classifier) : "";
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!run[k]) continue;
        cx_eval_predictor *p = &r->pred[k];
        p->evaluated = 1;
        cx_metrics_init(&p->all);
        for (int l = 0; l < CX_N_LANGS; l++) cx_metrics_init(&p->by_lang[l]);
        p->score = calloc(r->n ? r->n : 1, sizeof *p->score);
        p->tier = calloc(r->n ? r->n : 1, sizeof *p->tier);
        if (!p->score || !p->tier) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        if (k == CX_PRED_ML) {
            p->tier_conf = calloc(r->n ? r->n : 1, sizeof *p->tier_conf);
            if (!p->tier_conf) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
            continue;
        }
        int rc = open_estimator(st, &r->config, (cx_predictor)k, model_path, &st->est[k], err);
        if (rc != CX_OK) return rc;
    }
    r->primary = opt->classifier ? CX_PRED_ML : CX_PRED_HEURISTIC;
    return CX_OK;
}

static int assign_languages(cx_eval_result *r, cx_error *err) {
    r->lang = malloc(r->n ? r->n : 1);
    if (!r->lang) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        const cx_record *rec = cx_dataset_get(r->ds, i);
        int l = rec->lang;
        if (l >= 0 && l < CX_N_LANGS) r->lang_from_field++;
        else l = cx_detect_lang(rec->text, rec->text_len);
        r->lang[i] = (unsigned char)l;
        r->lang_count[l]++;
    }
    return CX_OK;
}

cx_eval_options cx_eval_default_options(void) {
    cx_eval_options o = {0};
    return o;
}

int cx_eval_run(const cx_dataset *ds, const cx_eval_options *opt, cx_eval_result **out, cx_error *err) {
    *out = NULL;
    if (!opt || (!opt->classifier && !opt->compare))
        return cx_error_set(err, CX_ERR_INVALID, "nothing to evaluate: give a classifier or ask for the comparison");
    cx_eval_result *r = calloc(1, sizeof *r);
    if (!r) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    r->ds = ds;
    r->n = cx_dataset_size(ds);
    eval_state st;
    memset(&st, 0, sizeof st);
    /* under mpirun each rank takes a share of the samples (train/dist.h) */
    cx_dist d;
    int rc = cx_dist_open(&d, err);
    size_t lo = 0, hi = r->n;
    cx_dist_share(&d, r->n, &lo, &hi);
    if (rc == CX_OK) rc = assign_languages(r, err);
    if (rc == CX_OK) rc = setup(r, &st, opt, err);
    if (rc == CX_OK && opt->classifier) rc = cx_classifier_ctx_open(opt->classifier, &st.ctx, err);
    for (size_t i = lo; rc == CX_OK && i < hi; i++) {
        rc = run_sample(r, &st, st.ctx, i, err);
        if (rc != CX_OK) cx_error_prefix(err, "%s:%zu", cx_dataset_path(ds), cx_dataset_get(ds, i)->line);
    }
    if (d.size > 1 && (rc = cx_dist_agree(&d, rc, err)) == CX_OK) rc = cx_eval_combine_shards(r, &d, err);
    cx_dist_close(&d);
    cx_classifier_ctx_free(st.ctx);
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        cx_estimator_free(st.est[k]);
        if (rc == CX_OK && r->pred[k].evaluated) find_worst(r, &r->pred[k]);
    }
    if (rc != CX_OK) {
        cx_eval_result_free(r);
        return rc;
    }
    *out = r;
    return CX_OK;
}

void cx_eval_result_free(cx_eval_result *r) {
    if (!r) return;
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        free(r->pred[k].score);
        free(r->pred[k].tier);
        free(r->pred[k].tier_conf);
    }
    free(r->lang);
    free(r);
}
