/* config.yaml, section `task_complexity` (SPEC §8), read with libyaml.
 *
 * Layout (other top-level sections are Kuro's and ignored):
 *   task_complexity:
 *     enabled: true                   bool
 *     trigger_mode: auto              auto | manual | auto_silent
 *     dimension_weights: {name: w}    the nine dimensions, w >= 0
 *     llm_refinement: true            bool
 *     refinement_model: ""            string
 *     ambiguity_low: 0.35             [0,1], < ambiguity_high
 *     ambiguity_high: 0.65            [0,1]
 *     fast_model / standard_model / frontier_model: ""
 *     tier_boundaries: {trivial, simple, moderate, complex}   [0,1], strictly increasing
 *     decomposition_enabled: true     bool
 *     decomposition_threshold: 0.8    [0,1]
 *     max_subtasks: 5                 integer 1..100
 *     parallel_subtasks: true         bool
 *     ml_model_enabled: true          bool (the seed: false; we ship a model)
 *     ml_model_path: ""               string ("" = models/complexity_model_int8.onnx)
 *     ml_tokenizer_path: ""           string ("" = models/complexity_tokenizer)
 *     ml_estimation_mode: ml_only     ml_only | hybrid | ml_refine (the seed: hybrid;
 *                                     docs/QUALITY.md measures why not)
 *     track_accuracy: true            bool (a seed field)
 * Every error names FILE:LINE and the key.
 *
 * Limits (the file is untrusted): CONFIG_MAX_BYTES of text, lists and
 * mappings nested CONFIG_MAX_DEPTH deep, CONFIG_MAX_ANCHORS anchors and
 * CONFIG_MAX_ALIASES aliases. libyaml's loader is quadratic in each of the
 * last three (a 200 kB file of '[' took 47 s), so a pass over the events
 * checks them before the document is built. */
#include "complexity/estimator.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "estimate/keywords.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

enum { CONFIG_MAX_BYTES = 1 << 20, CONFIG_MAX_DEPTH = 64, CONFIG_MAX_ANCHORS = 1000, CONFIG_MAX_ALIASES = 1000 };

const char *const cx_ml_mode_names[CX_N_ML_MODES] = {"ml_only", "hybrid", "ml_refine"};
const char *const cx_trigger_mode_names[CX_N_TRIGGER_MODES] = {"auto", "manual", "auto_silent"};

void cx_estimator_config_defaults(cx_estimator_config *c) {
    memset(c, 0, sizeof *c);
    c->enabled = 1;
    c->trigger_mode = CX_TRIGGER_AUTO;
    memcpy(c->dimension_weights, cx_kw_default_weights, sizeof c->dimension_weights);
    c->llm_refinement = 1;
    c->ambiguity_low = cx_kw_default_ambiguity_low;
    c->ambiguity_high = cx_kw_default_ambiguity_high;
    memcpy(c->tier_boundaries, cx_kw_default_boundaries, sizeof c->tier_boundaries);
    c->decomposition_enabled = 1;
    c->decomposition_threshold = cx_kw_default_decomposition_threshold;
    c->max_subtasks = 5;
    c->parallel_subtasks = 1;
    /* The shipped model (models/) routes better alone than blended with the
     * heuristic (docs/QUALITY.md, "estimator modes"); the seed's modes stay. */
    c->ml_model_enabled = 1;
    c->ml_estimation_mode = CX_ML_ONLY;
    c->track_accuracy = 1;
}

typedef struct parse_ctx {
    yaml_document_t *doc;
    const char *name;
    cx_error *err;
} parse_ctx;

static size_t line_of(const yaml_node_t *n) { return n->start_mark.line + 1; }

static int fail(const parse_ctx *pc, const yaml_node_t *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(const parse_ctx *pc, const yaml_node_t *at, const char *key, const char *fmt, ...) {
    char msg[CX_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cx_error_set(pc->err, CX_ERR_FORMAT, "%s:%zu: task_complexity%s%s: %s", pc->name, line_of(at),
                        key ? "." : "", key ? key : "", msg);
}

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_null(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = scalar(n);
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static int want_scalar(const parse_ctx *pc, const yaml_node_t *n, const char *key, const char *what) {
    if (n->type == YAML_SCALAR_NODE && !is_null(n)) return CX_OK;
    return fail(pc, n, key, "expected %s, got %s", what,
                n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : "nothing");
}

static int get_bool(const parse_ctx *pc, const yaml_node_t *n, const char *key, int *out) {
    int rc = want_scalar(pc, n, key, "true or false");
    if (rc) return rc;
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(scalar(n), yes[i])) { *out = 1; return CX_OK; }
        if (!strcasecmp(scalar(n), no[i])) { *out = 0; return CX_OK; }
    }
    return fail(pc, n, key, "expected true or false, got '%s'", scalar(n));
}

static int get_number(const parse_ctx *pc, const yaml_node_t *n, const char *key, double lo, double hi, double *out) {
    int rc = want_scalar(pc, n, key, "a number");
    if (rc) return rc;
    const char *v = scalar(n);
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x) || *v == ' ' || *v == '\t')
        return fail(pc, n, key, "expected a number, got '%s'", v);
    if (x < lo || x > hi) return fail(pc, n, key, "%s is outside [%g, %g]", v, lo, hi);
    *out = x;
    return CX_OK;
}

static int get_string(const parse_ctx *pc, const yaml_node_t *n, const char *key, char *out, size_t cap) {
    if (is_null(n)) { out[0] = '\0'; return CX_OK; }
    int rc = want_scalar(pc, n, key, "a string");
    if (rc) return rc;
    size_t len = n->data.scalar.length;
    if (len >= cap) return fail(pc, n, key, "value is %zu bytes, at most %zu allowed", len, cap - 1);
    if (memchr(scalar(n), '\0', len)) return fail(pc, n, key, "value contains a NUL character");
    memcpy(out, scalar(n), len + 1);
    return CX_OK;
}

static int get_choice(const parse_ctx *pc, const yaml_node_t *n, const char *key, const char *const *names,
                      int n_names, const char *what, int *out) {
    int rc = want_scalar(pc, n, key, what);
    if (rc) return rc;
    for (int i = 0; i < n_names; i++)
        if (!strcmp(scalar(n), names[i])) { *out = i; return CX_OK; }
    return fail(pc, n, key, "unknown %s '%s' (expected %s, %s or %s)", what, scalar(n), names[0], names[1], names[2]);
}

/* Calls fn(pc, key_node, value_node, ctx) for each pair; rejects duplicate and non-scalar keys. */
typedef int (*pair_fn)(const parse_ctx *pc, const yaml_node_t *k, const yaml_node_t *v, void *ctx);

static int each_pair(const parse_ctx *pc, const yaml_node_t *map, const char *where, pair_fn fn, void *ctx) {
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = start; p < top; p++) {
        yaml_node_t *k = yaml_document_get_node(pc->doc, p->key), *v = yaml_document_get_node(pc->doc, p->value);
        if (!k || !v) return fail(pc, map, where, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE) return fail(pc, k, where, "keys must be plain names");
        for (yaml_node_pair_t *q = start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(pc->doc, q->key);
            if (k2 && k2->type == YAML_SCALAR_NODE && !strcmp(scalar(k2), scalar(k))) {
                char full[160];
                snprintf(full, sizeof full, "%s%s%.60s", where ? where : "", where ? "." : "", scalar(k));
                return fail(pc, k, full, "duplicate key '%.60s' (first at line %zu)", scalar(k), line_of(k2));
            }
        }
        int rc = fn(pc, k, v, ctx);
        if (rc) return rc;
    }
    return CX_OK;
}

static int weight_pair(const parse_ctx *pc, const yaml_node_t *k, const yaml_node_t *v, void *ctx) {
    double *w = ctx;
    int d = cx_dim_from_name(scalar(k));
    char key[96];
    snprintf(key, sizeof key, "dimension_weights.%.60s", scalar(k));
    if (d < 0) return fail(pc, k, key, "unknown dimension (expected one of token_length, reasoning_markers, "
                                       "domain_count, step_indicators, code_complexity, context_dependency, "
                                       "constraint_count, ambiguity, external_tool_need)");
    return get_number(pc, v, key, 0.0, 1e6, &w[d]);
}

static int boundary_pair(const parse_ctx *pc, const yaml_node_t *k, const yaml_node_t *v, void *ctx) {
    double *b = ctx;
    char key[96];
    snprintf(key, sizeof key, "tier_boundaries.%.60s", scalar(k));
    int t = cx_tier_from_name(scalar(k), strlen(scalar(k)));
    if (t < 0 || t >= CX_N_TIERS - 1)
        return fail(pc, k, key, "unknown tier boundary (expected trivial, simple, moderate or complex; "
                                "expert is everything above complex)");
    return get_number(pc, v, key, 0.0, 1.0, &b[t]);
}

/* Where each field was set, for the cross-field checks' line numbers. */
typedef struct section_state {
    cx_estimator_config *cfg;
    const yaml_node_t *bounds_node, *amb_low_node, *amb_high_node;
} section_state;

static int field_pair(const parse_ctx *pc, const yaml_node_t *k, const yaml_node_t *v, void *ctx) {
    section_state *st = ctx;
    cx_estimator_config *c = st->cfg;
    const char *key = scalar(k);
    int tmp, rc;
    if (!strcmp(key, "enabled")) return get_bool(pc, v, key, &c->enabled);
    if (!strcmp(key, "llm_refinement")) return get_bool(pc, v, key, &c->llm_refinement);
    if (!strcmp(key, "decomposition_enabled")) return get_bool(pc, v, key, &c->decomposition_enabled);
    if (!strcmp(key, "parallel_subtasks")) return get_bool(pc, v, key, &c->parallel_subtasks);
    if (!strcmp(key, "ml_model_enabled")) return get_bool(pc, v, key, &c->ml_model_enabled);
    if (!strcmp(key, "track_accuracy")) return get_bool(pc, v, key, &c->track_accuracy);
    if (!strcmp(key, "refinement_model")) return get_string(pc, v, key, c->refinement_model, CX_MODEL_NAME_MAX);
    if (!strcmp(key, "fast_model")) return get_string(pc, v, key, c->fast_model, CX_MODEL_NAME_MAX);
    if (!strcmp(key, "standard_model")) return get_string(pc, v, key, c->standard_model, CX_MODEL_NAME_MAX);
    if (!strcmp(key, "frontier_model")) return get_string(pc, v, key, c->frontier_model, CX_MODEL_NAME_MAX);
    if (!strcmp(key, "ml_model_path")) return get_string(pc, v, key, c->ml_model_path, CX_CONFIG_PATH_MAX);
    if (!strcmp(key, "ml_tokenizer_path")) return get_string(pc, v, key, c->ml_tokenizer_path, CX_CONFIG_PATH_MAX);
    if (!strcmp(key, "ambiguity_low")) { st->amb_low_node = v; return get_number(pc, v, key, 0, 1, &c->ambiguity_low); }
    if (!strcmp(key, "ambiguity_high")) { st->amb_high_node = v; return get_number(pc, v, key, 0, 1, &c->ambiguity_high); }
    if (!strcmp(key, "decomposition_threshold")) return get_number(pc, v, key, 0, 1, &c->decomposition_threshold);
    if (!strcmp(key, "max_subtasks")) {
        double x;
        if ((rc = get_number(pc, v, key, 1, 100, &x))) return rc;
        if (x != floor(x)) return fail(pc, v, key, "expected a whole number, got '%s'", scalar(v));
        c->max_subtasks = (int)x;
        return CX_OK;
    }
    if (!strcmp(key, "trigger_mode")) {
        if ((rc = get_choice(pc, v, key, cx_trigger_mode_names, 3, "trigger mode", &tmp))) return rc;
        c->trigger_mode = (cx_trigger_mode)tmp;
        return CX_OK;
    }
    if (!strcmp(key, "ml_estimation_mode")) {
        if ((rc = get_choice(pc, v, key, cx_ml_mode_names, 3, "mode", &tmp))) return rc;
        c->ml_estimation_mode = (cx_ml_mode)tmp;
        return CX_OK;
    }
    if (!strcmp(key, "dimension_weights") || !strcmp(key, "tier_boundaries")) {
        int weights = key[0] == 'd';
        if (is_null(v)) return CX_OK;
        if (v->type != YAML_MAPPING_NODE) return fail(pc, v, key, "expected a mapping of name: number");
        if (!weights) st->bounds_node = v;
        return each_pair(pc, v, key, weights ? weight_pair : boundary_pair,
                         weights ? (void *)c->dimension_weights : (void *)c->tier_boundaries);
    }
    return fail(pc, k, key, "unknown key");
}

static int check_section(const parse_ctx *pc, const section_state *st, const yaml_node_t *section) {
    const cx_estimator_config *c = st->cfg;
    for (int t = 1; t < CX_N_TIERS - 1; t++)
        if (!(c->tier_boundaries[t] > c->tier_boundaries[t - 1]))
            return fail(pc, st->bounds_node ? st->bounds_node : section, "tier_boundaries",
                        "boundaries must increase: %s = %g is not above %s = %g", cx_tier_names[t],
                        c->tier_boundaries[t], cx_tier_names[t - 1], c->tier_boundaries[t - 1]);
    if (!(c->ambiguity_low < c->ambiguity_high)) {
        const yaml_node_t *at = st->amb_high_node ? st->amb_high_node : st->amb_low_node ? st->amb_low_node : section;
        return fail(pc, at, st->amb_high_node ? "ambiguity_high" : "ambiguity_low",
                    "ambiguity_low (%g) must be below ambiguity_high (%g)", c->ambiguity_low, c->ambiguity_high);
    }
    return CX_OK;
}

static int parse_document(const parse_ctx *pc, cx_estimator_config *cfg) {
    yaml_node_t *root = yaml_document_get_root_node(pc->doc);
    if (!root || is_null(root)) return CX_OK; /* empty file: defaults */
    if (root->type != YAML_MAPPING_NODE)
        return cx_error_set(pc->err, CX_ERR_FORMAT, "%s:%zu: the top level must be a mapping (sections)", pc->name,
                            line_of(root));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(pc->doc, p->key), *v = yaml_document_get_node(pc->doc, p->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE || strcmp(scalar(k), "task_complexity") != 0) continue;
        if (is_null(v)) return CX_OK;
        if (v->type != YAML_MAPPING_NODE) return fail(pc, v, NULL, "expected a mapping of settings");
        section_state st = {cfg, NULL, NULL, NULL};
        int rc = each_pair(pc, v, NULL, field_pair, &st);
        return rc ? rc : check_section(pc, &st, v);
    }
    return CX_OK;
}

static int syntax_error(const yaml_parser_t *parser, const char *name, cx_error *err) {
    if (parser->error == YAML_MEMORY_ERROR) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", name);
    return cx_error_set(err, CX_ERR_FORMAT, "%s:%zu:%zu: YAML syntax: %s%s%s", name, parser->problem_mark.line + 1,
                        parser->problem_mark.column + 1, parser->problem ? parser->problem : "error",
                        parser->context ? " " : "", parser->context ? parser->context : "");
}

/* The event pass: stops at the first event over a limit, so a hostile file
 * costs no more than its first CONFIG_MAX_DEPTH levels. */
static int check_limits(const char *yaml, size_t len, const char *name, cx_error *err) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    int depth = 0, anchors = 0, aliases = 0, rc = CX_OK, done = 0;
    while (!rc && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&parser, name, err);
            break;
        }
        size_t line = ev.start_mark.line + 1;
        const yaml_char_t *anchor = ev.type == YAML_SCALAR_EVENT           ? ev.data.scalar.anchor
                                    : ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                    : ev.type == YAML_MAPPING_START_EVENT  ? ev.data.mapping_start.anchor
                                                                           : NULL;
        if (anchor && ++anchors > CONFIG_MAX_ANCHORS)
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: more than %d YAML anchors (&name)", name, line,
                              CONFIG_MAX_ANCHORS);
        else if (ev.type == YAML_ALIAS_EVENT && ++aliases > CONFIG_MAX_ALIASES)
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: more than %d YAML aliases (*name)", name, line,
                              CONFIG_MAX_ALIASES);
        else if ((ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) &&
                 ++depth > CONFIG_MAX_DEPTH)
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s:%zu: lists and mappings nest deeper than the limit of %d levels",
                              name, line, CONFIG_MAX_DEPTH);
        else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
            depth--;
        done = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT; /* the loader reads one */
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

int cx_estimator_config_parse(const char *yaml, size_t len, const char *name, cx_estimator_config *cfg,
                              cx_error *err) {
    if (!name) name = "<config>";
    if (len > CONFIG_MAX_BYTES)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: %zu bytes, larger than the %d-byte limit of a config file", name,
                            len, CONFIG_MAX_BYTES);
    int rc = check_limits(yaml, len, name, err);
    if (rc) return rc;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(&parser, name, err);
        yaml_parser_delete(&parser);
        return rc;
    }
    cx_estimator_config next; /* a file describes the whole config: unset fields are defaults */
    cx_estimator_config_defaults(&next);
    parse_ctx pc = {&doc, name, err};
    rc = parse_document(&pc, &next);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == CX_OK) *cfg = next;
    return rc;
}

int cx_estimator_config_load(const char *path, cx_estimator_config *cfg, cx_error *err) {
    char *data;
    size_t len;
    int rc = cx_read_file(path, CONFIG_MAX_BYTES, &data, &len, err);
    if (rc != CX_OK) return rc;
    rc = cx_estimator_config_parse(data, len, path, cfg, err);
    free(data);
    return rc;
}
