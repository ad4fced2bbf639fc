/* The task_complexity section written out: as JSON (the service's and the
 * binding's view of a config) and into config.yaml, replacing that section
 * and keeping the rest of the file (Kuro's other sections, their comments)
 * byte for byte. The YAML written is also read back before it is kept, so a
 * file the rewrite would break is never written. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/estimator.h"
#include "util/json_out.h"
#include "util/sbuf.h"
#include "util/yaml_section.h"

/* ---- JSON ------------------------------------------------------------------ */

static int add_weights(cJSON *o, const char *key, const char *const *names, const double *v, int n) {
    cJSON *m = cJSON_AddObjectToObject(o, key);
    if (!m) return -1;
    for (int i = 0; i < n; i++)
        if (!cJSON_AddNumberToObject(m, names[i], v[i])) return -1;
    return 0;
}

static int add_fields(cJSON *o, const cx_estimator_config *c) {
    int ok = cJSON_AddBoolToObject(o, "enabled", c->enabled) &&
             cJSON_AddStringToObject(o, "trigger_mode", cx_trigger_mode_names[c->trigger_mode]) &&
             !add_weights(o, "dimension_weights", cx_dim_names, c->dimension_weights, CX_N_DIMS) &&
             cJSON_AddBoolToObject(o, "llm_refinement", c->llm_refinement) &&
             cJSON_AddStringToObject(o, "refinement_model", c->refinement_model) &&
             cJSON_AddNumberToObject(o, "ambiguity_low", c->ambiguity_low) &&
             cJSON_AddNumberToObject(o, "ambiguity_high", c->ambiguity_high) &&
             cJSON_AddStringToObject(o, "fast_model", c->fast_model) &&
             cJSON_AddStringToObject(o, "standard_model", c->standard_model) &&
             cJSON_AddStringToObject(o, "frontier_model", c->frontier_model) &&
             !add_weights(o, "tier_boundaries", cx_tier_names, c->tier_boundaries, CX_N_TIERS - 1) &&
             cJSON_AddBoolToObject(o, "decomposition_enabled", c->decomposition_enabled) &&
             cJSON_AddNumberToObject(o, "decomposition_threshold", c->decomposition_threshold) &&
             cJSON_AddNumberToObject(o, "max_subtasks", c->max_subtasks) &&
             cJSON_AddBoolToObject(o, "parallel_subtasks", c->parallel_subtasks) &&
             cJSON_AddBoolToObject(o, "ml_model_enabled", c->ml_model_enabled) &&
             cJSON_AddStringToObject(o, "ml_model_path", c->ml_model_path) &&
             cJSON_AddStringToObject(o, "ml_tokenizer_path", c->ml_tokenizer_path) &&
             cJSON_AddStringToObject(o, "ml_estimation_mode", cx_ml_mode_names[c->ml_estimation_mode]) &&
             cJSON_AddBoolToObject(o, "track_accuracy", c->track_accuracy);
    return ok ? 0 : -1;
}

char *cx_estimator_config_to_json(const cx_estimator_config *c) {
    if ((unsigned)c->trigger_mode >= CX_N_TRIGGER_MODES || (unsigned)c->ml_estimation_mode >= CX_N_ML_MODES)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    char *s = o && !add_fields(o, c) ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    return s;
}

/* ---- YAML -------------------------------------------------------------------- */

/* A string as a YAML double-quoted scalar: JSON's escapes are YAML's. */
static void put_string(sbuf *b, const char *s) { cx_json_put_string(b, s, strlen(s)); }

static void put_num(sbuf *b, const char *key, double v) {
    sbuf_printf(b, "  %s: ", key);
    cx_json_put_shortest(b, v);
    sbuf_putc(b, '\n');
}

static void put_bool(sbuf *b, const char *key, int v) { sbuf_printf(b, "  %s: %s\n", key, v ? "true" : "false"); }

static void put_str(sbuf *b, const char *key, const char *v) {
    sbuf_printf(b, "  %s: ", key);
    put_string(b, v);
    sbuf_putc(b, '\n');
}

static void put_map(sbuf *b, const char *key, const char *const *names, const double *v, int n) {
    sbuf_printf(b, "  %s:\n", key);
    for (int i = 0; i < n; i++) {
        sbuf_printf(b, "    %s: ", names[i]);
        cx_json_put_shortest(b, v[i]);
        sbuf_putc(b, '\n');
    }
}

/* The whole section, "task_complexity:\n  enabled: true\n..." */
static void section_yaml(sbuf *b, const cx_estimator_config *c) {
    sbuf_puts(b, "task_complexity:\n");
    put_bool(b, "enabled", c->enabled);
    sbuf_printf(b, "  trigger_mode: %s\n", cx_trigger_mode_names[c->trigger_mode]);
    put_map(b, "dimension_weights", cx_dim_names, c->dimension_weights, CX_N_DIMS);
    put_bool(b, "llm_refinement", c->llm_refinement);
    put_str(b, "refinement_model", c->refinement_model);
    put_num(b, "ambiguity_low", c->ambiguity_low);
    put_num(b, "ambiguity_high", c->ambiguity_high);
    put_str(b, "fast_model", c->fast_model);
    put_str(b, "standard_model", c->standard_model);
    put_str(b, "frontier_model", c->frontier_model);
    put_map(b, "tier_boundaries", cx_tier_names, c->tier_boundaries, CX_N_TIERS - 1);
    put_bool(b, "decomposition_enabled", c->decomposition_enabled);
    put_num(b, "decomposition_threshold", c->decomposition_threshold);
    sbuf_printf(b, "  max_subtasks: %d\n", c->max_subtasks);
    put_bool(b, "parallel_subtasks", c->parallel_subtasks);
    put_bool(b, "ml_model_enabled", c->ml_model_enabled);
    put_str(b, "ml_model_path", c->ml_model_path);
    put_str(b, "ml_tokenizer_path", c->ml_tokenizer_path);
    sbuf_printf(b, "  ml_estimation_mode: %s\n", cx_ml_mode_names[c->ml_estimation_mode]);
    put_bool(b, "track_accuracy", c->track_accuracy);
}

static int same_config(const cx_estimator_config *a, const cx_estimator_config *b) {
    char *ja = cx_estimator_config_to_json(a), *jb = cx_estimator_config_to_json(b);
    int same = ja && jb && !strcmp(ja, jb);
    free(ja);
    free(jb);
    return same;
}

/* The rewritten file must parse, and to the config being written. */
static int reads_back(const char *doc, size_t len, void *ctx, cx_error *err) {
    const cx_estimator_config *want = ctx;
    cx_estimator_config back;
    int rc = cx_estimator_config_parse(doc, len, "the rewritten config", &back, err);
    if (rc == CX_OK && !same_config(&back, want))
        rc = cx_error_set(err, CX_ERR_FORMAT,
                          "the task_complexity section could not be replaced in place (its key must be plain, at "
                          "column 0); not rewritten: edit it by hand");
    return rc;
}

int cx_estimator_config_write(const char *path, const cx_estimator_config *c, cx_error *err) {
    if ((unsigned)c->trigger_mode >= CX_N_TRIGGER_MODES || (unsigned)c->ml_estimation_mode >= CX_N_ML_MODES)
        return cx_error_set(err, CX_ERR_INVALID, "config: trigger_mode or ml_estimation_mode out of range");
    sbuf section = SBUF_INIT;
    section_yaml(&section, c);
    if (section.oom) {
        sbuf_free(&section);
        return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    }
    int rc = yaml_write_section(path, "task_complexity", sbuf_str(&section), reads_back, (void *)c, err);
    sbuf_free(&section);
    return rc ? cx_error_prefix(err, "%s", path) : CX_OK;
}
