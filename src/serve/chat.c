/* POST /v1/chat/completions: the forwarding router. A request for the model
 * "router" (the config's router.model_name, or "auto") is routed as /v1/route
 * decides, its "model" set to the chosen tier's model, and sent to that
 * tier's OpenAI-compatible endpoint; the answer comes back as the upstream
 * gave it (a streamed one chunk by chunk), with headers naming the tier, the
 * score and the model. An upstream that fails before answering (no
 * connection, timeout, 429, 5xx, a 2xx that is not JSON) is replaced by the
 * next tier up when router.fallback allows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "serve/router.h"
#include "serve/serve_int.h"

/* The model name sent upstream for tier u: the upstream's own, else task_complexity's. */
static const char *model_name_of(const router_config *rc, const cx_estimator_config *cfg, int u) {
    if (rc->up[u].model[0]) return rc->up[u].model;
    const char *m = cx_route_model(cfg, (cx_route)u);
    return m[0] ? m : NULL;
}

/* An upstream worth trying again elsewhere: overloaded or broken, not a bad request. */
static int retryable(int status) { return status == 429 || status >= 500; }

/* The request body with "model" replaced, and our own fields removed. */
static char *upstream_body(cJSON *req, const char *model) {
    cJSON_DeleteItemFromObjectCaseSensitive(req, "inherit_approval");
    cJSON *m = cJSON_CreateString(model);
    if (!m) return NULL;
    if (cJSON_GetObjectItemCaseSensitive(req, "model")) cJSON_ReplaceItemInObjectCaseSensitive(req, "model", m);
    else cJSON_AddItemToObject(req, "model", m);
    return cJSON_PrintUnformatted(req);
}

typedef struct attempt_log {
    char text[REPLY_HEADER_MAX]; /* "fast:502 standard:200" */
    size_t len;
} attempt_log;

static void log_attempt(attempt_log *a, int u, int status) {
    if (a->len < sizeof a->text)
        a->len += (size_t)snprintf(a->text + a->len, sizeof a->text - a->len, "%s%s:%d", a->len ? " " : "",
                                   cx_route_names[u], status);
}

static void add_route_headers(reply *r, const route_decision *d, int u, const char *model, const attempt_log *a) {
    reply_header(r, "X-Complexity-Tier", "%s", cx_tier_names[d->tier]);
    reply_header(r, "X-Complexity-Score", "%.4f", d->score);
    reply_header(r, "X-Complexity-Route", "%s", cx_route_names[u]);
    reply_header(r, "X-Complexity-Model", "%s", model);
    reply_header(r, "X-Complexity-Inherited", "%s", d->inherited ? "true" : "false");
    reply_header(r, "X-Complexity-Attempts", "%s", a->text);
}

typedef struct chat_ctx {
    cx_server *s;
    const router_config *rc;
    cJSON *req;
    route_decision d;
    int stream;
} chat_ctx;

/* One upstream's answer. */
typedef struct answer {
    proxy *stream;  /* a 200 to a streaming request: read as it comes */
    sbuf body;      /* else the whole body */
    int status;     /* its HTTP status; 502 / 504 when there was none, or no JSON in a 2xx */
} answer;

/* Asks upstream u. CX_OK with a status (any) in a, or an error (no answer at all). */
static int ask(chat_ctx *c, int u, const char *model, answer *a, cx_error *err) {
    char *body = upstream_body(c->req, model);
    if (!body) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    proxy *p = NULL;
    int rc = proxy_open(c->rc, &c->rc->up[u], body, strlen(body), &p, &a->status, err);
    free(body);
    if (rc != CX_OK) return rc;
    a->status = proxy_status(p);
    if (c->stream && a->status == 200) {
        a->stream = p;
        return CX_OK;
    }
    rc = proxy_read_all(p, &a->body, err);
    proxy_close(p);
    if (rc != CX_OK) {
        a->status = 502;
        return rc;
    }
    cJSON *j = a->status / 100 == 2 ? cJSON_ParseWithLength(sbuf_str(&a->body), a->body.len) : NULL;
    if (a->status / 100 == 2 && !j) { /* a broken upstream: as bad as none */
        int got = a->status;
        a->status = 502;
        return cx_error_set(err, CX_ERR_FORMAT, "upstream %s answered %d with a body that is not JSON",
                            c->rc->up[u].base_url, got);
    }
    cJSON_Delete(j);
    return CX_OK;
}

/* The answer passed on: streamed, or its body and status as the upstream gave them. */
static void pass_on(answer *a, reply *r) {
    r->status = a->status;
    if (a->stream) {
        r->stream = a->stream;
        snprintf(r->stream_type, sizeof r->stream_type, "%s", proxy_content_type(a->stream));
        a->stream = NULL;
        return;
    }
    sbuf_reset(&r->body);
    sbuf_append(&r->body, sbuf_str(&a->body), a->body.len);
    r->content_type = "application/json";
}

/* Tries tier u, then (with fallback) the tiers above it. */
static void forward(chat_ctx *c, int u, reply *r) {
    cx_estimator_config cfg;
    cx_estimator_get_config(c->s->est, &cfg);
    attempt_log log = {"", 0};
    int last_status = 503;
    cx_error err = {0, ""};
    snprintf(err.msg, sizeof err.msg, "no upstream is configured for the %s tier or above", cx_route_names[u]);
    for (; u < CX_N_ROUTES; u++) {
        const char *model = model_name_of(c->rc, &cfg, u);
        if (!c->rc->up[u].base_url[0] || !model) continue; /* no endpoint for this tier: the next one up */
        answer a = {.status = 500, .body = SBUF_INIT};
        int rc = ask(c, u, model, &a, &err);
        log_attempt(&log, u, a.status);
        int last = !c->rc->fallback || u == CX_N_ROUTES - 1;
        if (rc == CX_OK && (!retryable(a.status) || last)) {
            pass_on(&a, r);
            sbuf_free(&a.body);
            add_route_headers(r, &c->d, u, model, &log);
            return;
        }
        if (rc == CX_OK) snprintf(err.msg, sizeof err.msg, "upstream %s answered %d", c->rc->up[u].base_url, a.status);
        proxy_close(a.stream);
        sbuf_free(&a.body);
        last_status = a.status;
        cx_log(c->s->log, CX_LOG_WARNING, "router_upstream_failed", "tier", cx_route_names[u], "error", err.msg,
               "action", last ? "none" : "next tier up", NULL);
        if (last) break;
    }
    reply_error(r, last_status >= 500 ? last_status : 502, NULL, "%s", err.msg);
    add_route_headers(r, &c->d, (int)cx_tier_route(c->d.tier), "", &log);
}

/* The model the client asked for must be the router's. */
static int routed_model(const router_config *rc, const cJSON *req, reply *r) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "model");
    if (!m) return 1;
    if (cJSON_IsString(m) && (!strcmp(m->valuestring, rc->model_name) || !strcmp(m->valuestring, "auto"))) return 1;
    reply_error(r, 400, "model", "this service routes the model \"%s\" (or \"auto\"); got %s%s%s", rc->model_name,
                cJSON_IsString(m) ? "\"" : "", cJSON_IsString(m) ? m->valuestring : "a non-string",
                cJSON_IsString(m) ? "\"" : "");
    return 0;
}

void handle_chat(cx_server *s, const char *body, size_t len, reply *r) {
    router_config rc;
    cx_error err = {0, ""};
    if (router_config_load(s->config_path, &rc, &err) != CX_OK) {
        reply_error(r, 500, "router", "%s", err.msg);
        return;
    }
    if (!rc.present) {
        reply_error(r, 503, "router", "%s has no router section: no upstream to forward to (docs/SERVE.md)",
                    s->config_path);
        return;
    }
    chat_ctx c = {.s = s, .rc = &rc};
    if (!(c.req = parse_body(body, len, r))) return;
    c.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c.req, "stream"));
    if (routed_model(&rc, c.req, r) && !route_decide(s, c.req, &c.d, r)) {
        route_log(s, "chat", &c.d);
        forward(&c, (int)cx_tier_route(c.d.tier), r);
    }
    cJSON_Delete(c.req);
}
