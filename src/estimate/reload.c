/* Hot reload: config file changes and the ML model transitions they cause
 * (SPEC §8): enable -> load, disable -> unload, path change -> reload,
 * missing model -> heuristic and a log line. The seed's event names. */
#include "estimate/estimator_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "complexity/common.h"
#include "complexity/fileio.h"

void cx_file_stamp_of(const char *path, file_stamp *st) {
    struct stat sb;
    memset(st, 0, sizeof *st);
    if (stat(path, &sb) != 0) return;
    st->exists = 1;
    st->dev = sb.st_dev;
    st->ino = sb.st_ino;
    st->size = sb.st_size;
    st->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
}

int cx_file_stamp_equal(const file_stamp *a, const file_stamp *b) {
    if (a->exists != b->exists) return 0;
    if (!a->exists) return 1;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

/* Size of a model file, or of the files directly inside a model folder. */
static long long model_bytes(const char *path, const file_stamp *ms) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return (long long)ms->size;
    long long total = 0;
    DIR *d = opendir(path);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *p = cx_path_join(path, e->d_name);
        if (p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) total += (long long)sb.st_size;
        free(p);
    }
    closedir(d);
    return total;
}

/* Loads the model the config names; returns it or NULL (and says why in the log). */
static void *load_model(cx_estimator *est, const char *model_path, const char *tok_path, const file_stamp *ms,
                        cx_ml_mode mode, int initial) {
    if (!est->has_backend) {
        snprintf(est->last_error, sizeof est->last_error, "%s",
                 "no ML runtime attached to this estimator; using the heuristic");
        cx_log(est->log, CX_LOG_WARNING, "ml_classifier_unavailable", "reason", est->last_error, NULL);
        return NULL;
    }
    void *model = NULL;
    cx_error err = {0, ""};
    if (est->backend.load(est->backend.ctx, model_path, tok_path[0] ? tok_path : NULL, &model, &err) != CX_OK ||
        !model) {
        snprintf(est->last_error, sizeof est->last_error, "%s", err.msg[0] ? err.msg : "load failed");
        cx_log(est->log, CX_LOG_ERROR, "ml_classifier_load_failed", "error", est->last_error, NULL);
        return NULL;
    }
    char size_mb[32];
    snprintf(size_mb, sizeof size_mb, "%.1f", (double)model_bytes(model_path, ms) / (1024.0 * 1024.0));
    cx_log(est->log, CX_LOG_INFO, "ml_classifier_loaded", "model", model_path, "size_mb", size_mb, NULL);
    cx_log(est->log, CX_LOG_INFO, "ml_tokenizer_loaded", "path", tok_path[0] ? tok_path : "(beside the model)",
           NULL);
    if (!initial)
        cx_log(est->log, CX_LOG_INFO, "ml_classifier_reloaded", "model_path", model_path, "mode",
               cx_ml_mode_names[mode], NULL);
    return model;
}

const char *const cx_ml_change_names[CX_N_ML_CHANGES] = {"ml_unchanged", "ml_disabled", "ml_enabled",
                                                          "ml_reloaded", "ml_model_not_found", "ml_load_failed"};

cx_ml_change cx_estimator_apply(cx_estimator *est, const cx_estimator_config *cfg, int initial) {
    void *model = est->model;
    cx_ml_change change = CX_ML_UNCHANGED;
    est->last_error[0] = '\0';
    const char *mp = cfg->ml_model_path[0] ? cfg->ml_model_path : CX_DEFAULT_ML_MODEL_PATH;
    /* An unset tokenizer path whose default does not exist: the backend uses the one beside the model. */
    const char *tp = cfg->ml_tokenizer_path[0] ? cfg->ml_tokenizer_path : CX_DEFAULT_ML_TOKENIZER_PATH;
    struct stat sb;
    if (!cfg->ml_tokenizer_path[0] && stat(tp, &sb) != 0) tp = "";
    file_stamp ms;
    if (!cfg->ml_model_enabled) {
        if (model) {
            cx_log(est->log, CX_LOG_INFO, "ml_classifier_unloaded", NULL);
            change = CX_ML_DISABLED;
        }
        model = NULL;
    } else {
        cx_file_stamp_of(mp, &ms);
        if (!ms.exists) {
            cx_log(est->log, CX_LOG_WARNING, "ml_classifier_model_not_found", "path", mp, NULL);
            snprintf(est->last_error, sizeof est->last_error, "model not found: %.400s", mp);
            model = NULL;
            change = CX_ML_MODEL_NOT_FOUND;
        } else if (!model || strcmp(mp, est->model_path) != 0 || strcmp(tp, est->tokenizer_path) != 0 ||
                   !cx_file_stamp_equal(&ms, &est->model_stamp)) {
            /* Loaded outside the lock: estimates go on with the old model meanwhile. */
            model = load_model(est, mp, tp, &ms, cfg->ml_estimation_mode, initial);
            change = !model ? CX_ML_LOAD_FAILED : est->model ? CX_ML_RELOADED : CX_ML_ENABLED;
            if (model) {
                snprintf(est->model_path, sizeof est->model_path, "%s", mp);
                snprintf(est->tokenizer_path, sizeof est->tokenizer_path, "%s", tp);
                est->model_stamp = ms;
            }
        }
    }
    pthread_rwlock_wrlock(&est->lock);
    void *old = est->model;
    est->model = model;
    est->cfg = *cfg;
    pthread_rwlock_unlock(&est->lock);
    if (old && old != model) est->backend.unload(old);
    if (!model) memset(&est->model_stamp, 0, sizeof est->model_stamp);
    est->last_change = change;
    est->reloads += !initial;
    return change;
}

int cx_estimator_maybe_reload(cx_estimator *est, int *reloaded, cx_error *err) {
    if (reloaded) *reloaded = 0;
    if (!est->config_path) return CX_OK;
    pthread_mutex_lock(&est->reload_mu);
    file_stamp now;
    cx_file_stamp_of(est->config_path, &now);
    int rc = CX_OK;
    if (!cx_file_stamp_equal(&now, &est->config_stamp)) {
        est->config_stamp = now; /* a bad version is reported once, not on every call */
        cx_estimator_config cfg;
        cx_error e = {0, ""};
        rc = now.exists ? cx_estimator_config_load(est->config_path, &cfg, &e)
                        : cx_error_set(&e, CX_ERR_IO, "%s: config file is gone", est->config_path);
        if (rc != CX_OK) {
            cx_log(est->log, CX_LOG_WARNING, "config_reload_failed", "path", est->config_path, "error", e.msg,
                   "action", "keeping the previous config", NULL);
            if (err) *err = e;
        } else {
            cx_estimator_apply(est, &cfg, 0);
            cx_log(est->log, CX_LOG_INFO, "config_reloaded", "path", est->config_path, NULL);
            if (reloaded) *reloaded = 1;
        }
    }
    pthread_mutex_unlock(&est->reload_mu);
    return rc;
}

int cx_estimator_set_config(cx_estimator *est, const cx_estimator_config *cfg, cx_ml_change *change, cx_error *err) {
    if (change) *change = CX_ML_UNCHANGED;
    if (!cfg) return cx_error_set(err, CX_ERR_INVALID, "config is NULL");
    for (int d = 0; d < CX_N_DIMS; d++)
        if (!(cfg->dimension_weights[d] >= 0 && cfg->dimension_weights[d] <= 1e6))
            return cx_error_set(err, CX_ERR_INVALID, "dimension_weights.%s must be a number >= 0", cx_dim_names[d]);
    if (!(cfg->decomposition_threshold >= 0 && cfg->decomposition_threshold <= 1))
        return cx_error_set(err, CX_ERR_INVALID, "decomposition_threshold must be in [0,1]");
    if (!(cfg->tier_boundaries[0] >= 0 && cfg->tier_boundaries[CX_N_TIERS - 2] <= 1))
        return cx_error_set(err, CX_ERR_INVALID, "tier_boundaries must lie in [0,1]");
    if ((unsigned)cfg->trigger_mode > CX_TRIGGER_AUTO_SILENT)
        return cx_error_set(err, CX_ERR_INVALID, "unknown trigger_mode %d", (int)cfg->trigger_mode);
    for (int t = 1; t < CX_N_TIERS - 1; t++)
        if (!(cfg->tier_boundaries[t] > cfg->tier_boundaries[t - 1]))
            return cx_error_set(err, CX_ERR_INVALID, "tier_boundaries must increase");
    if (!(cfg->ambiguity_low < cfg->ambiguity_high) || cfg->ambiguity_low < 0 || cfg->ambiguity_high > 1)
        return cx_error_set(err, CX_ERR_INVALID, "need 0 <= ambiguity_low < ambiguity_high <= 1");
    if ((unsigned)cfg->ml_estimation_mode > CX_ML_REFINE)
        return cx_error_set(err, CX_ERR_INVALID, "unknown ml_estimation_mode %d", (int)cfg->ml_estimation_mode);
    pthread_mutex_lock(&est->reload_mu);
    cx_ml_change c = cx_estimator_apply(est, cfg, 0);
    pthread_mutex_unlock(&est->reload_mu);
    if (change) *change = c;
    return CX_OK;
}
