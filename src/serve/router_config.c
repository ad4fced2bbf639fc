/* The `router` section of config.yaml: where the forwarding router sends each
 * tier's requests (docs/SERVE.md). Read with libyaml like task_complexity;
 * the estimator's parser ignores this section and this one ignores the rest.
 *
 *   router:
 *     model_name: router          requests for this model (or "auto") are routed
 *     timeout_s: 120              whole upstream request
 *     connect_timeout_s: 10
 *     fallback: true              on an upstream failure before any byte was sent,
 *                                 try the next tier up
 *     upstreams:
 *       fast:     {base_url: "http://...:8000/v1", api_key_env: FAST_KEY, model: name}
 *       standard: {...}
 *       frontier: {...}
 *     refinement: {base_url: ..., api_key_env: ...}   task_complexity.llm_refinement's
 *                                 endpoint (default: the standard upstream's)
 *     refinement_timeout_s: 5     a rating that takes longer is given up
 *
 * An upstream's model defaults to task_complexity's fast_model /
 * standard_model / frontier_model. Limits as config.c's: the file is read
 * through cx_estimator_config_parse first, so its size, depth, anchors and
 * aliases are already bounded when this reader runs. */
#include "serve/router.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "complexity/common.h"
#include "complexity/estimator.h"
#include "complexity/fileio.h"
#include "util/json_out.h"
#include "util/sbuf.h"


typedef struct rparse {
    yaml_document_t *doc;
    const char *name;
    cx_error *err;
} rparse;

static int rfail(const rparse *p, const yaml_node_t *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int rfail(const rparse *p, const yaml_node_t *at, const char *key, const char *fmt, ...) {
    char msg[CX_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cx_error_set(p->err, CX_ERR_FORMAT, "%s:%zu: router.%s: %s", p->name, (size_t)at->start_mark.line + 1,
                        key, msg);
}

static const char *scalar_of(const yaml_node_t *n) {
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_text(const rparse *p, const yaml_node_t *v, const char *key, char *out, size_t cap) {
    const char *s = scalar_of(v);
    if (!s) return rfail(p, v, key, "expected a string");
    if (strlen(s) >= cap) return rfail(p, v, key, "longer than %zu bytes", cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return CX_OK;
}

static int get_seconds(const rparse *p, const yaml_node_t *v, const char *key, double *out) {
    const char *s = scalar_of(v);
    char *end;
    double x = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || !(x > 0 && x <= 3600)) return rfail(p, v, key, "expected seconds in (0, 3600]");
    *out = x;
    return CX_OK;
}

static int get_flag(const rparse *p, const yaml_node_t *v, const char *key, int *out) {
    const char *s = scalar_of(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) *out = 1;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) *out = 0;
    else return rfail(p, v, key, "expected true or false");
    return CX_OK;
}

/* Calls fn for each (key, value) of a mapping. */
typedef int (*pair_fn)(const rparse *p, const char *key, const yaml_node_t *v, void *ctx);
static int each(const rparse *p, const yaml_node_t *map, const char *where, pair_fn fn, void *ctx) {
    if (map->type != YAML_MAPPING_NODE) return rfail(p, map, where, "expected a mapping");
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++) {
        const yaml_node_t *k = yaml_document_get_node(p->doc, q->key), *v = yaml_document_get_node(p->doc, q->value);
        if (!k || !v || !scalar_of(k)) return rfail(p, map, where, "keys must be plain names");
        int rc = fn(p, scalar_of(k), v, ctx);
        if (rc) return rc;
    }
    return CX_OK;
}

typedef struct upstream_ctx {
    router_upstream *u;
    const char *tier;
} upstream_ctx;

/* An http(s) URL ("" = none). */
static int get_url(const rparse *p, const yaml_node_t *v, const char *key, char *out, size_t cap) {
    int rc = get_text(p, v, key, out, cap);
    if (rc == CX_OK && out[0] && strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0)
        return rfail(p, v, key, "'%.60s' is not an http:// or https:// URL", out);
    return rc;
}

/* An environment variable's name ("" = none): letters, digits, '_', not a digit first. */
static int get_env_name(const rparse *p, const yaml_node_t *v, const char *key, char *out, size_t cap) {
    int rc = get_text(p, v, key, out, cap);
    for (const char *c = out; rc == CX_OK && *c; c++)
        if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (c > out && *c >= '0' && *c <= '9')))
            return rfail(p, v, key, "'%.60s' is not an environment variable's name (the key itself goes in the "
                                    "environment, not here)", out);
    return rc;
}

static int upstream_pair(const rparse *p, const char *key, const yaml_node_t *v, void *ctx) {
    upstream_ctx *uc = ctx;
    char full[96];
    snprintf(full, sizeof full, "upstreams.%s.%.40s", uc->tier, key);
    if (!strcmp(key, "base_url")) return get_url(p, v, full, uc->u->base_url, sizeof uc->u->base_url);
    if (!strcmp(key, "api_key_env")) return get_env_name(p, v, full, uc->u->api_key_env, sizeof uc->u->api_key_env);
    if (!strcmp(key, "model")) return get_text(p, v, full, uc->u->model, sizeof uc->u->model);
    return rfail(p, v, full, "unknown key (expected base_url, api_key_env or model)");
}

static int refinement_pair(const rparse *p, const char *key, const yaml_node_t *v, void *ctx) {
    upstream_ctx *uc = ctx;
    char full[96];
    snprintf(full, sizeof full, "refinement.%.40s", key);
    if (!strcmp(key, "base_url")) return get_url(p, v, full, uc->u->base_url, sizeof uc->u->base_url);
    if (!strcmp(key, "api_key_env")) return get_env_name(p, v, full, uc->u->api_key_env, sizeof uc->u->api_key_env);
    return rfail(p, v, full, "unknown key (expected base_url or api_key_env)");
}

static int upstreams_pair(const rparse *p, const char *key, const yaml_node_t *v, void *ctx) {
    router_config *rc = ctx;
    for (int t = 0; t < CX_N_ROUTES; t++)
        if (!strcmp(key, cx_route_names[t])) {
            char where[64];
            snprintf(where, sizeof where, "upstreams.%s", key);
            upstream_ctx uc = {&rc->up[t], cx_route_names[t]};
            int r = each(p, v, where, upstream_pair, &uc);
            if (r == CX_OK && !rc->up[t].base_url[0]) return rfail(p, v, where, "base_url is required");
            return r;
        }
    return rfail(p, v, "upstreams", "unknown tier '%.40s' (expected fast, standard or frontier)", key);
}

static int router_pair(const rparse *p, const char *key, const yaml_node_t *v, void *ctx) {
    router_config *rc = ctx;
    if (!strcmp(key, "model_name")) return get_text(p, v, key, rc->model_name, sizeof rc->model_name);
    if (!strcmp(key, "timeout_s")) return get_seconds(p, v, key, &rc->timeout_s);
    if (!strcmp(key, "connect_timeout_s")) return get_seconds(p, v, key, &rc->connect_timeout_s);
    if (!strcmp(key, "fallback")) return get_flag(p, v, key, &rc->fallback);
    if (!strcmp(key, "upstreams")) return each(p, v, key, upstreams_pair, rc);
    if (!strcmp(key, "refinement_timeout_s")) return get_seconds(p, v, key, &rc->refinement_timeout_s);
    if (!strcmp(key, "refinement")) {
        upstream_ctx uc = {&rc->refinement, "refinement"};
        return each(p, v, key, refinement_pair, &uc);
    }
    return rfail(p, v, key, "unknown key");
}

void router_config_defaults(router_config *rc) {
    memset(rc, 0, sizeof *rc);
    snprintf(rc->model_name, sizeof rc->model_name, "router");
    rc->timeout_s = 120;
    rc->connect_timeout_s = 10;
    rc->fallback = 1;
    rc->refinement_timeout_s = 5;
}

static int parse_root(const rparse *p, router_config *rc) {
    const yaml_node_t *root = yaml_document_get_root_node(p->doc);
    if (!root || root->type != YAML_MAPPING_NODE) return CX_OK;
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top; q++) {
        const yaml_node_t *k = yaml_document_get_node(p->doc, q->key), *v = yaml_document_get_node(p->doc, q->value);
        if (!k || !v || !scalar_of(k) || strcmp(scalar_of(k), "router") != 0) continue;
        if (v->type == YAML_SCALAR_NODE && !v->data.scalar.length) return CX_OK; /* "router:" alone */
        rc->present = 1;
        return each(p, v, "", router_pair, rc);
    }
    return CX_OK;
}

int router_config_parse(const char *text, size_t len, const char *name, router_config *rc, cx_error *err) {
    router_config_defaults(rc);
    cx_estimator_config bounds_check; /* the estimator's reader bounds size, depth, anchors and aliases */
    int r = cx_estimator_config_parse(text, len, name, &bounds_check, err);
    if (r != CX_OK) return r;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) r = cx_error_set(err, CX_ERR_FORMAT, "%s: YAML syntax error", name);
    else {
        rparse p = {&doc, name, err};
        r = parse_root(&p, rc);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return r;
}

int router_config_load(const char *path, router_config *rc, cx_error *err) {
    char *text;
    size_t len;
    router_config_defaults(rc);
    int r = cx_read_file(path, 1 << 20, &text, &len, err);
    if (r != CX_OK) return r;
    r = router_config_parse(text, len, path, rc, err);
    free(text);
    return r;
}

/* A string as a YAML double-quoted scalar (JSON's escapes are YAML's). */
static void put_quoted(sbuf *b, const char *s) { cx_json_put_string(b, s, strlen(s)); }

static void put_upstream(sbuf *b, const char *name, const router_upstream *u, int with_model) {
    sbuf_printf(b, "    %s: {base_url: ", name);
    put_quoted(b, u->base_url);
    sbuf_puts(b, ", api_key_env: ");
    put_quoted(b, u->api_key_env);
    if (with_model) {
        sbuf_puts(b, ", model: ");
        put_quoted(b, u->model);
    }
    sbuf_puts(b, "}\n");
}

char *router_config_yaml(const router_config *rc) {
    sbuf b = SBUF_INIT;
    sbuf_puts(&b, "router:\n  model_name: ");
    put_quoted(&b, rc->model_name);
    sbuf_printf(&b, "\n  timeout_s: %g\n  connect_timeout_s: %g\n  fallback: %s\n  upstreams:\n", rc->timeout_s,
                rc->connect_timeout_s, rc->fallback ? "true" : "false");
    for (int u = 0; u < CX_N_ROUTES; u++)
        if (rc->up[u].base_url[0]) put_upstream(&b, cx_route_names[u], &rc->up[u], 1);
    if (rc->refinement.base_url[0]) {
        sbuf_puts(&b, "  refinement: {base_url: ");
        put_quoted(&b, rc->refinement.base_url);
        sbuf_puts(&b, ", api_key_env: ");
        put_quoted(&b, rc->refinement.api_key_env);
        sbuf_puts(&b, "}\n");
    }
    sbuf_printf(&b, "  refinement_timeout_s: %g\n", rc->refinement_timeout_s);
    return sbuf_detach(&b);
}
