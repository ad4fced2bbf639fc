/* The service's endpoints but /v1/route (route.c): each reads its request,
 * calls the estimator and writes one JSON reply. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "complexity/classifier.h"
#include "complexity/common.h"
#include "serve/router.h"
#include "util/json_out.h"
#include "util/yaml_section.h"
#include "serve/serve_int.h"

extern const char *const cx_serve_page;
extern const unsigned long cx_serve_page_len;

enum { MAX_BATCH = 256 };

static void merge(cJSON *into, const cJSON *from);

/* A 400 for a section the parser refused: "request:18: router.upstreams.fast.base_url: ..." becomes
 * that message from the section's name on (the line is of a document the client never saw), with
 * the key after "<section>." as the error's field. */
static void reply_refused(reply *r, const char *section, const cx_error *err) {
    const char *msg = strstr(err->msg, section);
    char field[64] = "";
    size_t n = strlen(section);
    if (msg && msg[n] == '.') snprintf(field, sizeof field, "%.*s", (int)strcspn(msg + n + 1, ": "), msg + n + 1);
    reply_error(r, 400, field[0] ? field : NULL, "%s", msg ? msg : err->msg);
}

/* A PUT of one config.yaml section: the body is {"<key>": {fields}} or the
 * fields themselves; one writer of the file at a time. */
typedef void (*section_put_fn)(cx_server *s, const cJSON *fields, reply *r);
static void put_section(cx_server *s, const char *body, size_t len, const char *key, section_put_fn put, reply *r) {
    cJSON *req = parse_body(body, len, r);
    if (!req) return;
    const cJSON *section = cJSON_GetObjectItemCaseSensitive(req, key);
    const cJSON *fields = section ? section : req;
    if (!cJSON_IsObject(fields)) reply_error(r, 400, key, "\"%s\" must be an object", key);
    else {
        pthread_mutex_lock(&s->config_mu);
        put(s, fields, r);
        pthread_mutex_unlock(&s->config_mu);
    }
    cJSON_Delete(req);
}

/* ---- JSON of results ------------------------------------------------------------ */

/* x rounded to 1/scale (1e4: 4 places), as cJSON prints a number ("%.15g":
 * a value with at most 6 places below 1e9 needs no more digits to read
 * back; null for what JSON cannot hold). */
static void put_number(sbuf *b, double x, double scale) {
    if (isfinite(x)) sbuf_printf(b, "%.15g", round(x * scale) / scale);
    else sbuf_puts(b, "null");
}

static void put_prob_map(sbuf *b, const char *key, const char *const *names, const double *v, int n) {
    cx_json_put_key(b, key, 0);
    sbuf_putc(b, '{');
    for (int i = 0; i < n; i++) {
        cx_json_put_key(b, names[i], i == 0);
        put_number(b, v[i], 1e6);
    }
    sbuf_putc(b, '}');
}

cJSON *prediction_json(const cx_prediction *p) {
    char *text = cx_prediction_to_json(p); /* the seed's MLPrediction, as `classify` prints it */
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    return o;
}

/* The estimate as the service answers it, without the closing brace (the
 * caller may add keys): the seed's ComplexityResult.to_dict()
 * (cx_estimate_to_json), heuristic_score, and the model's part. Written as
 * text: building it in cJSON and printing it cost a twentieth of a request
 * with the model (a parse, and a printf and a scanf for each of ~40 numbers). */
static void put_estimate_open(sbuf *b, const cx_estimate *e) {
    char *text = cx_estimate_to_json(e, 0);
    if (!text) {
        b->oom = 1;
        return;
    }
    sbuf_append(b, text, strlen(text) - 1);
    free(text);
    cx_json_put_key(b, "heuristic_score", 0);
    put_number(b, e->heuristic_score, 1e4);
    if (!e->has_ml) return;
    cx_json_put_key(b, "ml", 0);
    sbuf_puts(b, "{\"score\": ");
    put_number(b, e->ml.score, 1e4);
    cx_json_put_key(b, "tier", 0);
    cx_json_put_string(b, cx_tier_names[e->ml.tier], strlen(cx_tier_names[e->ml.tier]));
    put_prob_map(b, "tier_probs", cx_tier_names, e->ml.tier_probs, CX_N_TIERS);
    put_prob_map(b, "intent_probs", cx_intent_names, e->ml.intent_probs, CX_N_INTENTS);
    put_prob_map(b, "domain_scores", cx_domain_names, e->ml.domain_scores, CX_N_DOMAINS);
    sbuf_putc(b, '}');
}

cJSON *explanation_json(cx_server *s, const char *text, size_t len) {
    cx_explanation x;
    cx_error err = {0, ""};
    cJSON *o = cJSON_CreateObject();
    if (cx_estimator_explain(s->est, text, len, &x, &err) != CX_OK) {
        cJSON_AddStringToObject(o, "error", err.msg);
        return o;
    }
    cJSON_AddNumberToObject(o, "tokens_seen", (double)x.tokens_seen);
    cJSON_AddNumberToObject(o, "tokens_total", (double)x.tokens_total);
    cJSON_AddBoolToObject(o, "truncated", x.tokens_seen < x.tokens_total);
    cJSON_AddNumberToObject(o, "ml_score", round(x.ml_score * 1e4) / 1e4);
    cJSON *words = cJSON_AddArrayToObject(o, "words");
    for (int i = 0; i < x.n_effects; i++) {
        const cx_word_effect *w = &x.effects[i];
        char *piece = strndup(text + w->offset, w->length);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "text", piece ? piece : "");
        cJSON_AddNumberToObject(item, "delta", round(w->delta * 1e4) / 1e4);
        cJSON_AddItemToArray(words, item);
        free(piece);
    }
    cJSON_AddNumberToObject(o, "predictions", x.predictions);
    cJSON_AddNumberToObject(o, "ms", round(x.ms * 10) / 10);
    return o;
}

/* body["explain"] is true. */
int wants_explanation(const cJSON *body) { return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "explain")); }

/* ---- page, health, model, metrics --------------------------------------------------- */

void handle_page(cx_server *s, reply *r) {
    (void)s;
    sbuf_reset(&r->body);
    sbuf_append(&r->body, cx_serve_page, (size_t)cx_serve_page_len);
    r->status = 200;
    r->content_type = "text/html; charset=utf-8";
}

void handle_healthz(cx_server *s, reply *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddBoolToObject(o, "ml_active", cx_estimator_ml_active(s->est));
    cJSON_AddStringToObject(o, "version", cx_version());
    cJSON_AddNumberToObject(o, "uptime_s", round(cx_now_s() - s->started));
    reply_json(r, 200, o);
}

void handle_model(cx_server *s, reply *r) {
    cx_ml_info info;
    cx_estimator_ml_info(s->est, &info);
    cx_estimator_config cfg;
    cx_estimator_get_config(s->est, &cfg);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "active", info.active);
    cJSON_AddBoolToObject(o, "enabled", cfg.ml_model_enabled);
    cJSON_AddStringToObject(o, "mode", cx_ml_mode_names[cfg.ml_estimation_mode]);
    cJSON_AddStringToObject(o, "model_path", info.model_path);
    cJSON_AddStringToObject(o, "tokenizer_path", info.tokenizer_path);
    cJSON_AddStringToObject(o, "configured_model_path",
                            cfg.ml_model_path[0] ? cfg.ml_model_path : CX_DEFAULT_ML_MODEL_PATH);
    cJSON_AddStringToObject(o, "last_change", cx_ml_change_names[info.last_change]);
    cJSON_AddStringToObject(o, "last_error", info.last_error);
    cJSON_AddNumberToObject(o, "reloads", (double)info.reloads);
    cJSON_AddStringToObject(o, "version", cx_version());
    reply_json(r, 200, o);
}

void handle_stats(cx_server *s, reply *r) { reply_json(r, 200, metrics_recent_json(&s->metrics)); }

/* The router section as the page shows it: endpoints and models, and whether
 * each key variable is set (never the key). */
void handle_router(cx_server *s, reply *r) {
    router_config rc;
    cx_error err = {0, ""};
    if (router_config_load(s->config_path, &rc, &err) != CX_OK) {
        reply_error(r, 500, "router", "%s", err.msg);
        return;
    }
    cx_estimator_config cfg;
    cx_estimator_get_config(s->est, &cfg);
    cJSON *o = cJSON_CreateObject(), *ups = cJSON_AddObjectToObject(o, "upstreams");
    cJSON_AddBoolToObject(o, "configured", rc.present);
    cJSON_AddStringToObject(o, "model_name", rc.model_name);
    cJSON_AddBoolToObject(o, "fallback", rc.fallback);
    cJSON_AddNumberToObject(o, "timeout_s", rc.timeout_s);
    for (int u = 0; u < CX_N_ROUTES; u++) {
        const router_upstream *up = &rc.up[u];
        cJSON *x = cJSON_AddObjectToObject(ups, cx_route_names[u]);
        cJSON_AddStringToObject(x, "base_url", up->base_url);
        cJSON_AddStringToObject(x, "model", up->model[0] ? up->model : cx_route_model(&cfg, (cx_route)u));
        cJSON_AddStringToObject(x, "api_key_env", up->api_key_env);
        const char *key = up->api_key_env[0] ? getenv(up->api_key_env) : NULL;
        cJSON_AddBoolToObject(x, "api_key_set", key && key[0]);
    }
    reply_json(r, 200, o);
}

/* The router section's own fields as JSON (what PUT /v1/router merges into). */
static cJSON *router_fields_json(const router_config *rc) {
    cJSON *o = cJSON_CreateObject(), *ups = cJSON_AddObjectToObject(o, "upstreams");
    cJSON_AddStringToObject(o, "model_name", rc->model_name);
    cJSON_AddNumberToObject(o, "timeout_s", rc->timeout_s);
    cJSON_AddNumberToObject(o, "connect_timeout_s", rc->connect_timeout_s);
    cJSON_AddBoolToObject(o, "fallback", rc->fallback);
    for (int u = 0; u < CX_N_ROUTES; u++) {
        if (!rc->up[u].base_url[0]) continue;
        cJSON *x = cJSON_AddObjectToObject(ups, cx_route_names[u]);
        cJSON_AddStringToObject(x, "base_url", rc->up[u].base_url);
        cJSON_AddStringToObject(x, "api_key_env", rc->up[u].api_key_env);
        cJSON_AddStringToObject(x, "model", rc->up[u].model);
    }
    if (rc->refinement.base_url[0]) {
        cJSON *x = cJSON_AddObjectToObject(o, "refinement");
        cJSON_AddStringToObject(x, "base_url", rc->refinement.base_url);
        cJSON_AddStringToObject(x, "api_key_env", rc->refinement.api_key_env);
    }
    cJSON_AddNumberToObject(o, "refinement_timeout_s", rc->refinement_timeout_s);
    return o;
}

/* The rewritten file's router section must read back as the one written. */
static int router_reads_back(const char *doc, size_t len, void *ctx, cx_error *err) {
    router_config back;
    int rc = router_config_parse(doc, len, "the rewritten config", &back, err);
    char *a = rc == CX_OK ? router_config_yaml(&back) : NULL;
    if (rc == CX_OK && (!a || strcmp(a, ctx) != 0))
        rc = cx_error_set(err, CX_ERR_FORMAT, "the router section could not be replaced in place (its key must be "
                                              "plain, at column 0); not rewritten: edit it by hand");
    free(a);
    return rc;
}

/* PUT /v1/router: the fields merged over the section in force, checked by the
 * section's own reader, written atomically in block style. */
static void put_router(cx_server *s, const cJSON *fields, reply *r) {
    router_config rc;
    cx_error err = {0, ""};
    if (router_config_load(s->config_path, &rc, &err) != CX_OK) {
        reply_error(r, 500, "router", "%s", err.msg);
        return;
    }
    cJSON *base = router_fields_json(&rc), *doc = cJSON_CreateObject();
    merge(base, fields);
    /* a tier whose base_url is emptied is no longer routed: it leaves the section */
    cJSON *ups = cJSON_GetObjectItemCaseSensitive(base, "upstreams");
    for (int u = 0; u < CX_N_ROUTES; u++) {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ups, cx_route_names[u]), "base_url");
        if (cJSON_IsString(url) && !url->valuestring[0])
            cJSON_DeleteItemFromObjectCaseSensitive(ups, cx_route_names[u]);
    }
    cJSON_AddItemToObject(doc, "router", base);
    char *text = cJSON_PrintUnformatted(doc), *yaml = NULL;
    cJSON_Delete(doc);
    router_config next;
    int code = !text ? 500 : router_config_parse(text, strlen(text), "request", &next, &err) != CX_OK ? 400 : 0;
    if (!code && !(yaml = router_config_yaml(&next))) code = 500;
    if (!code && yaml_write_section(s->config_path, "router", yaml, router_reads_back, yaml, &err) != CX_OK) code = 500;
    free(text);
    free(yaml);
    if (code == 400) reply_refused(r, "router", &err);
    else if (code) reply_error(r, code, NULL, "%s", err.msg[0] ? err.msg : "out of memory");
    if (code) return;
    cx_log(s->log, CX_LOG_INFO, "router_updated", "path", s->config_path, NULL);
    handle_router(s, r);
}

void handle_router_put(cx_server *s, const char *body, size_t len, reply *r) {
    put_section(s, body, len, "router", put_router, r);
}

void handle_metrics(cx_server *s, reply *r) {
    sbuf_reset(&r->body);
    metrics_write(s, &r->body);
    r->status = r->body.oom ? 500 : 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- estimate, classify ------------------------------------------------------------- */

/* body["text"] as a string, or a 400 naming the field. */
static const cJSON *text_field(const cJSON *body, const char *key, reply *r) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!cJSON_IsString(t)) {
        reply_error(r, 400, key, "\"%s\" must be a string", key);
        return NULL;
    }
    return t;
}

/* The estimate's reply; with the explanation of explain_text when given. */
static void reply_estimate(cx_server *s, const cx_estimate *e, const char *explain_text, reply *r) {
    sbuf_reset(&r->body);
    put_estimate_open(&r->body, e);
    if (explain_text) {
        cJSON *x = explanation_json(s, explain_text, strlen(explain_text));
        char *xt = x ? cJSON_PrintUnformatted(x) : NULL;
        cJSON_Delete(x);
        cx_json_put_key(&r->body, "explanation", 0);
        if (xt) sbuf_puts(&r->body, xt);
        else r->body.oom = 1;
        free(xt);
    }
    sbuf_puts(&r->body, "}\n");
    if (r->body.oom) {
        r->body.oom = 0;
        reply_json(r, 500, NULL);  /* its out-of-memory answer */
        return;
    }
    r->status = 200;
    r->content_type = NULL;
}

void handle_estimate(cx_server *s, const char *body, size_t len, reply *r) {
    cJSON *req = parse_body(body, len, r);
    if (!req) return;
    const cJSON *text = text_field(req, "text", r);
    const cJSON *prior = cJSON_GetObjectItemCaseSensitive(req, "prior_messages");
    if (text && prior && !(cJSON_IsNumber(prior) && prior->valuedouble >= 0 && prior->valuedouble <= 1e6)) {
        reply_error(r, 400, "prior_messages", "\"prior_messages\" must be a number >= 0");
        text = NULL;
    }
    if (text) {
        cx_estimate e;
        cx_error err = {0, ""};
        int n_prior = prior ? (int)prior->valuedouble : 0;
        if (cx_estimator_estimate(s->est, text->valuestring, strlen(text->valuestring), n_prior, &e, &err) != CX_OK)
            reply_error(r, 500, NULL, "estimate failed: %s", err.msg);
        else {
            metrics_tier(&s->metrics, e.tier, 0);
            metrics_recent(&s->metrics, e.tier, e.estimation_ms);
            request_log_write(&s->requests, "estimate", text->valuestring, e.tier, e.score, 0);
            reply_estimate(s, &e, wants_explanation(req) ? text->valuestring : NULL, r);
        }
    }
    cJSON_Delete(req);
}

static cJSON *classify_one(cx_server *s, const char *text, reply *r) {
    cx_prediction p;
    cx_error err = {0, ""};
    int rc = cx_estimator_predict(s->est, text, strlen(text), &p, &err);
    if (rc == CX_OK) return prediction_json(&p);
    reply_error(r, rc == CX_ERR_UNSUPPORTED ? 503 : 500, NULL, "%s", err.msg);
    return NULL;
}

static cJSON *classify_batch(cx_server *s, const cJSON *texts, reply *r) {
    int n = cJSON_GetArraySize(texts);
    if (n > MAX_BATCH) {
        reply_error(r, 400, "texts", "\"texts\" holds %d texts; at most %d per request", n, MAX_BATCH);
        return NULL;
    }
    cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "predictions");
    int i = 0;
    for (const cJSON *t = texts->child; t; t = t->next, i++) {
        if (!cJSON_IsString(t)) {
            reply_error(r, 400, "texts", "\"texts\"[%d] is not a string", i);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON *p = classify_one(s, t->valuestring, r);
        if (!p) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToArray(list, p);
    }
    return out;
}

void handle_classify(cx_server *s, const char *body, size_t len, reply *r) {
    cJSON *req = parse_body(body, len, r);
    if (!req) return;
    const cJSON *texts = cJSON_GetObjectItemCaseSensitive(req, "texts");
    cJSON *out = NULL;
    if (texts && !cJSON_IsArray(texts)) reply_error(r, 400, "texts", "\"texts\" must be a list of strings");
    else if (texts) out = classify_batch(s, texts, r);
    else {
        const cJSON *text = text_field(req, "text", r);
        if (text) out = classify_one(s, text->valuestring, r);
    }
    if (out) reply_json(r, 200, out);
    cJSON_Delete(req);
}

/* ---- config ---------------------------------------------------------------------------- */

static cJSON *config_json(const cx_estimator_config *c) {
    char *text = cx_estimator_config_to_json(c);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    return o;
}

void handle_config_get(cx_server *s, reply *r) {
    cx_estimator_config c;
    cx_estimator_get_config(s->est, &c);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "task_complexity", config_json(&c));
    cJSON_AddStringToObject(o, "path", s->config_path);
    reply_json(r, 200, o);
}


/* Sets obj[key] to a copy of value, replacing any old one. */
static void put_copy(cJSON *obj, const char *key, const cJSON *value) {
    cJSON *copy = cJSON_Duplicate(value, 1);
    if (!copy) return;
    if (cJSON_GetObjectItemCaseSensitive(obj, key)) cJSON_ReplaceItemInObjectCaseSensitive(obj, key, copy);
    else cJSON_AddItemToObject(obj, key, copy); /* an unknown key: the parser names it */
}

/* from's fields over into's: a map into a map merges key by key, so a
 * partial map changes only the keys it names. */
static void merge(cJSON *into, const cJSON *from) {
    for (const cJSON *f = from->child; f; f = f->next) {
        cJSON *old = cJSON_GetObjectItemCaseSensitive(into, f->string);
        if (cJSON_IsObject(old) && cJSON_IsObject(f)) merge(old, f);
        else put_copy(into, f->string, f);
    }
}

/* The config in force with the request's fields over it, as a config document. */
static char *merged_document(const cx_estimator_config *current, const cJSON *fields) {
    cJSON *base = config_json(current);
    if (!base) return NULL;
    merge(base, fields);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "task_complexity", base);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}

/* Validates, writes config.yaml, applies; the config in force stays on any failure. */
static void put_config(cx_server *s, const cJSON *fields, reply *r) {
    cx_estimator_config current, next;
    cx_estimator_get_config(s->est, &current);
    char *doc = merged_document(&current, fields);
    if (!doc) {
        reply_error(r, 500, NULL, "out of memory");
        return;
    }
    cx_error err = {0, ""};
    int rc = cx_estimator_config_parse(doc, strlen(doc), "request", &next, &err);
    free(doc);
    if (rc != CX_OK) {
        reply_refused(r, "task_complexity", &err);
        return;
    }
    if ((rc = cx_estimator_config_write(s->config_path, &next, &err)) != CX_OK) {
        reply_error(r, 500, NULL, "the config was not saved: %s", err.msg);
        return;
    }
    cx_ml_change change;
    if ((rc = cx_estimator_set_config(s->est, &next, &change, &err)) != CX_OK) {
        reply_error(r, 500, NULL, "saved but not applied: %s", err.msg);
        return;
    }
    cx_log(s->log, CX_LOG_INFO, "config_updated", "path", s->config_path, "ml", cx_ml_change_names[change], NULL);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "task_complexity", config_json(&next));
    cJSON_AddStringToObject(o, "ml_change", cx_ml_change_names[change]);
    cx_ml_info info;
    cx_estimator_ml_info(s->est, &info);
    cJSON_AddBoolToObject(o, "ml_active", info.active);
    cJSON_AddStringToObject(o, "ml_error", info.last_error);
    reply_json(r, 200, o);
}

void handle_config_put(cx_server *s, const char *body, size_t len, reply *r) {
    put_section(s, body, len, "task_complexity", put_config, r);
}
