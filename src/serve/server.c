/* The HTTP side of the service: libmicrohttpd's daemon with a thread pool,
 * request bodies gathered up to a limit, dispatch on method and path, one
 * reply per request, and the metrics of each. */
#include "util/clock.h"
#include "serve/serve_int.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"
#include "serve/router.h"
#include "util/utf8.h"

/* A thread per connection: a routed chat request waits on its upstream for
 * seconds to minutes, and must not hold up the requests behind it. */
enum { DEFAULT_MAX_CONNECTIONS = 64, DEFAULT_MAX_BODY = 1 << 20, DEFAULT_TIMEOUT_S = 300 };

/* ---- replies ------------------------------------------------------------------ */

int reply_error(reply *r, int status, const char *field, const char *fmt, ...) {
    char msg[CX_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "message", msg);
    /* OpenAI's error types, so that OpenAI clients report them well */
    cJSON_AddStringToObject(e, "type", status >= 500 ? "server_error" : "invalid_request_error");
    if (field) cJSON_AddStringToObject(e, "field", field);
    cJSON_AddNumberToObject(e, "code", status);
    reply_json(r, status, o);
    return status;
}

void reply_header(reply *r, const char *name, const char *fmt, ...) {
    if (r->n_headers == REPLY_MAX_HEADERS) return;
    char *h = r->headers[r->n_headers][0], *v = r->headers[r->n_headers][1];
    snprintf(h, REPLY_HEADER_MAX, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, REPLY_HEADER_MAX, fmt, ap);
    va_end(ap);
    r->n_headers++;
}

void reply_json(reply *r, int status, cJSON *json) {
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    sbuf_reset(&r->body);
    r->content_type = NULL;
    if (!text) {
        r->status = 500;
        sbuf_puts(&r->body, "{\"error\": {\"message\": \"out of memory\", \"type\": \"server_error\", \"code\": 500}}");
        return;
    }
    r->status = status;
    sbuf_puts(&r->body, text);
    sbuf_putc(&r->body, '\n');
    free(text);
}

cJSON *parse_body(const char *body, size_t len, reply *r) {
    if (!body || !len) {
        reply_error(r, 400, NULL, "the request needs a JSON object body");
        return NULL;
    }
    size_t bad = cx_utf8_invalid_at(body, len);
    if (bad < len) {
        reply_error(r, 400, NULL, "the body is not valid UTF-8 (byte %zu)", bad);
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!j) {
        size_t at = end && end >= body ? (size_t)(end - body) : 0;
        reply_error(r, 400, NULL, "the body is not valid JSON (near byte %zu)", at);
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        reply_error(r, 400, NULL, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* ---- one request -------------------------------------------------------------- */

/* What libmicrohttpd keeps for us between the calls of one request. */
typedef struct request {
    sbuf body;
    int too_large;
    double t0;
} request;

endpoint serve_endpoint_of(const char *url) {
    if (!strcmp(url, "/settings")) return EP_PAGE; /* an alias of the page */
    for (int e = 0; e < EP_OTHER; e++)
        if (!strcmp(url, serve_endpoints[e].path)) return (endpoint)e;
    return EP_OTHER;
}

static int method_allowed(endpoint ep, const char *method) {
    const char *allowed = serve_endpoints[ep].methods;
    size_t n = strlen(method);
    for (const char *p = allowed; (p = strstr(p, method)) != NULL; p += n)
        if ((p == allowed || p[-1] == '|') && (p[n] == '\0' || p[n] == '|')) return 1;
    return 0;
}

/* What changes state or spends money (a config or router PUT, a routed chat) needs
 * the token when one is set. Compared in constant time. */
static int authorized(const cx_server *s, struct MHD_Connection *conn, endpoint ep, const char *method) {
    if (!s->token || !(ep == EP_CHAT || ((ep == EP_CONFIG || ep == EP_ROUTER) && !strcmp(method, "PUT")))) return 1;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    static const char bearer[] = "Bearer ";
    if (!h || strncmp(h, bearer, sizeof bearer - 1) != 0) return 0;
    h += sizeof bearer - 1;
    size_t n = strlen(h), m = strlen(s->token);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n && i < m; i++) diff |= (unsigned char)(h[i] ^ s->token[i]);
    return diff == 0;
}

void serve_dispatch(cx_server *s, endpoint ep, const char *method, const char *body, size_t len, reply *r) {
    if (ep == EP_OTHER) {
        reply_error(r, 404, NULL, "no such endpoint (see GET / for the settings page, docs/SERVE.md for the API)");
        return;
    }
    if (!method_allowed(ep, method)) {
        reply_error(r, 405, NULL, "%s takes %s", serve_endpoints[ep].path, serve_endpoints[ep].methods);
        return;
    }
    /* one stat per request: an edit of config.yaml by hand applies at the next request */
    int reloaded = 0;
    cx_error err = {0, ""};
    cx_estimator_maybe_reload(s->est, &reloaded, &err);
    switch (ep) {
    case EP_PAGE: handle_page(s, r); break;
    case EP_HEALTHZ: handle_healthz(s, r); break;
    case EP_ESTIMATE: handle_estimate(s, body, len, r); break;
    case EP_CLASSIFY: handle_classify(s, body, len, r); break;
    case EP_ROUTE: handle_route(s, body, len, r); break;
    case EP_CONFIG:
        if (method[0] == 'P') handle_config_put(s, body, len, r);
        else handle_config_get(s, r);
        break;
    case EP_MODEL: handle_model(s, r); break;
    case EP_METRICS: handle_metrics(s, r); break;
    case EP_CHAT: handle_chat(s, body, len, r); break;
    case EP_STATS: handle_stats(s, r); break;
    case EP_ROUTER:
        if (method[0] == 'P') handle_router_put(s, body, len, r);
        else handle_router(s, r);
        break;
    default: reply_error(r, 500, NULL, "unhandled endpoint"); break;
    }
}

/* libmicrohttpd asks for the next bytes of a streamed answer: they come from
 * the upstream as it sends them (this connection's own thread waits). */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    long n = proxy_read(cls, buf, max);
    return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void close_stream(void *cls) { proxy_close(cls); }

static struct MHD_Response *response_of(reply *r) {
    if (!r->stream)
        return MHD_create_response_from_buffer(r->body.len, r->body.data ? r->body.data : (void *)"",
                                               MHD_RESPMEM_MUST_COPY);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, read_stream, r->stream,
                                                                  close_stream);
    if (resp) r->stream = NULL; /* the response owns it now */
    return resp;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, reply *r) {
    int streamed = r->stream != NULL;
    struct MHD_Response *resp = response_of(r);
    if (!resp) return MHD_NO;
    const char *type = streamed ? r->stream_type : r->content_type ? r->content_type : "application/json";
    MHD_add_response_header(resp, "Content-Type", type[0] ? type : "text/event-stream");
    for (int i = 0; i < r->n_headers; i++) MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **state) {
    (void)version;
    cx_server *s = cls;
    request *req = *state;
    if (!req) { /* the headers: make the request's state, wait for the body */
        if (!(req = calloc(1, sizeof *req))) return MHD_NO;
        req->t0 = cx_now_s();
        *state = req;
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body */
        if (req->body.len + *upload_size > s->max_body) req->too_large = 1;
        else sbuf_append(&req->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    endpoint ep = serve_endpoint_of(url);
    reply r = {.status = 200, .body = SBUF_INIT};
    if (!authorized(s, conn, ep, method)) {
        reply_error(&r, 401, NULL, "this endpoint needs \"Authorization: Bearer <token>\" (the service's --token-env)");
        reply_header(&r, "WWW-Authenticate", "Bearer");
    } else if (req->too_large)
        reply_error(&r, 413, NULL, "the body is larger than the limit of %zu bytes", s->max_body);
    else if (req->body.oom) reply_error(&r, 500, NULL, "out of memory reading the body");
    else serve_dispatch(s, ep, method, req->body.data, req->body.len, &r);
    enum MHD_Result ok = send_reply(conn, &r);
    metrics_count(&s->metrics, ep, r.status, cx_now_s() - req->t0);
    sbuf_free(&r.body);
    proxy_close(r.stream); /* not sent */
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode why) {
    (void)cls, (void)conn, (void)why;
    request *req = *state;
    if (!req) return;
    sbuf_free(&req->body);
    free(req);
    *state = NULL;
}

/* ---- start / stop ------------------------------------------------------------- */

cx_server_options cx_server_default_options(void) {
    cx_server_options o = {0};
    return o;
}

static int listen_address(const char *host, int port, struct sockaddr_in *sa, cx_error *err) {
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost")) host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return cx_error_set(err, CX_ERR_INVALID, "host: '%s' is not an IPv4 address", host);
    return CX_OK;
}

static int start_daemon(cx_server *s, const cx_server_options *opt, cx_error *err) {
    struct sockaddr_in sa;
    int rc = listen_address(opt->host ? opt->host : "127.0.0.1", opt->port, &sa, err);
    if (rc) return rc;
    unsigned limit = (unsigned)(opt->max_connections > 0 ? opt->max_connections : DEFAULT_MAX_CONNECTIONS);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO, 0,
                                 NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)(opt->timeout_s > 0 ? opt->timeout_s : DEFAULT_TIMEOUT_S), MHD_OPTION_END);
    if (!s->daemon)
        return cx_error_set(err, CX_ERR_IO, "port: cannot listen on %s:%d (in use, or not allowed)",
                            opt->host ? opt->host : "127.0.0.1", opt->port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? (int)info->port : opt->port;
    return CX_OK;
}

int cx_server_start(const cx_server_options *opt, cx_server **out, cx_error *err) {
    *out = NULL;
    if (!opt || !opt->config_path || !opt->config_path[0])
        return cx_error_set(err, CX_ERR_INVALID, "config_path is required (the service reads and edits it)");
    if (opt->port < 0 || opt->port > 65535)
        return cx_error_set(err, CX_ERR_INVALID, "port: %d is not in 0..65535", opt->port);
    cx_server *s = calloc(1, sizeof *s);
    if (!s || !(s->config_path = strdup(opt->config_path)) || (opt->token && !(s->token = strdup(opt->token)))) {
        if (s) free(s->config_path);
        free(s);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    s->max_body = opt->max_body ? opt->max_body : DEFAULT_MAX_BODY;
    s->inherit_approvals = !opt->no_approval_inheritance;
    s->log = opt->logger;
    s->started = cx_now_s();
    pthread_mutex_init(&s->config_mu, NULL);
    metrics_init(&s->metrics);
    s->curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; /* counted: one per server */
    s->refiner = serve_refiner(s);
    cx_estimator_options eo = {.config_path = opt->config_path, .ml_backend = cx_ml_backend_native(),
                               .logger = opt->logger, .refiner = &s->refiner};
    int rc = request_log_open(&s->requests, opt->request_log, err);
    if (rc == CX_OK) rc = cx_estimator_open(&eo, &s->est, err);
    if (rc == CX_OK) rc = start_daemon(s, opt, err);
    if (rc != CX_OK) {
        cx_server_stop(s);
        return rc;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    cx_log(s->log, CX_LOG_INFO, "serve_started", "host", opt->host ? opt->host : "127.0.0.1", "port", port,
           "config", opt->config_path, NULL);
    *out = s;
    return CX_OK;
}

int cx_server_port(const cx_server *srv) { return srv->port; }

void cx_server_stop(cx_server *s) {
    if (!s) return;
    if (s->daemon) MHD_stop_daemon(s->daemon);
    cx_estimator_free(s->est);
    if (s->curl_ready) curl_global_cleanup();
    metrics_free(&s->metrics);
    request_log_close(&s->requests);
    pthread_mutex_destroy(&s->config_mu);
    free(s->config_path);
    free(s->token);
    free(s);
}

int cx_server_reload(cx_server *s, cx_error *err) {
    cx_estimator_config cfg;
    cx_ml_change change = CX_ML_UNCHANGED;
    pthread_mutex_lock(&s->config_mu);
    int rc = cx_estimator_config_load(s->config_path, &cfg, err);
    if (rc == CX_OK) rc = cx_estimator_set_config(s->est, &cfg, &change, err);
    pthread_mutex_unlock(&s->config_mu);
    cx_error log_err = {0, ""};
    if (request_log_reopen(&s->requests, &log_err) != CX_OK)
        cx_log(s->log, CX_LOG_WARNING, "request_log_reopen_failed", "error", log_err.msg, NULL);
    if (rc == CX_OK)
        cx_log(s->log, CX_LOG_INFO, "config_reloaded", "path", s->config_path, "ml", cx_ml_change_names[change], NULL);
    else
        cx_log(s->log, CX_LOG_WARNING, "config_reload_failed", "path", s->config_path, "error", err ? err->msg : "",
               "action", "keeping the previous config", NULL);
    return rc;
}
