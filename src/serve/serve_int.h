/* The service's insides, shared by server.c (HTTP, dispatch), handlers.c (the
 * endpoints), route.c (/v1/route) and metrics.c. */
#ifndef CX_SERVE_SERVE_INT_H
#define CX_SERVE_SERVE_INT_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "complexity/serve.h"
#include "util/sbuf.h"

/* The endpoints, for dispatch and for the metrics' labels. */
typedef enum {
    EP_PAGE,
    EP_HEALTHZ,
    EP_ESTIMATE,
    EP_CLASSIFY,
    EP_ROUTE,
    EP_CONFIG,
    EP_MODEL,
    EP_METRICS,
    EP_CHAT,
    EP_STATS,
    EP_ROUTER,
    EP_OTHER, /* no such endpoint (404) */
    EP_COUNT
} endpoint;

typedef struct serve_endpoint_info {
    const char *path;    /* "other" for EP_OTHER (a metrics label) */
    const char *methods; /* "GET", "POST", "GET|PUT" */
} serve_endpoint_info;
extern const serve_endpoint_info serve_endpoints[EP_COUNT];

/* Status codes the service answers with, for the metrics' labels. */
enum { N_STATUS = 11 };
extern const int serve_statuses[N_STATUS];

/* Request latency buckets, in seconds (Prometheus's le labels). */
enum { N_LATENCY_BUCKETS = 12 };
extern const double serve_latency_buckets[N_LATENCY_BUCKETS];

/* The last RECENT estimates (and routes): their tiers and times, for the
 * settings page's live view. */
enum { RECENT = 1024 };

/* Counters updated by every request thread with atomic adds: no lock. */
typedef struct serve_metrics {
    unsigned long requests[EP_COUNT][N_STATUS];
    unsigned long latency_bucket[EP_COUNT][N_LATENCY_BUCKETS]; /* cumulative at scrape time, not here */
    double latency_sum_us[EP_COUNT];                            /* guarded by lat_mu */
    unsigned long tiers[CX_N_TIERS];                            /* estimates and routes by final tier */
    unsigned long inherited;                                    /* routes whose tier came from a plan */
    pthread_mutex_t lat_mu;                                     /* also guards the recent ring */
    float recent_ms[RECENT];
    unsigned char recent_tier[RECENT];
    unsigned long recent_n;                                     /* written so far (the ring holds the last RECENT) */
} serve_metrics;

/* The request log (request_log.c): decisions appended as JSON lines; f is
 * NULL when none was asked for. */
typedef struct request_log {
    FILE *f;            /* swapped by a reopen: read under mu */
    char *path;
    int enabled;        /* set once at open: the lock-free "is there a log" */
    pthread_mutex_t mu;
} request_log;

int request_log_open(request_log *l, const char *path, cx_error *err);
/* Opens the file again (after a rotation); the old stream is closed. */
int request_log_reopen(request_log *l, cx_error *err);
void request_log_close(request_log *l);
/* {"time", "endpoint", "text", "tier", "score"[, "inherited": true]} */
void request_log_write(request_log *l, const char *where, const char *text, cx_tier tier, double score,
                       int inherited);

struct cx_server {
    struct MHD_Daemon *daemon;
    cx_estimator *est;
    char *config_path;
    pthread_mutex_t config_mu; /* one PUT /v1/config at a time: read-merge-write-apply */
    size_t max_body;
    int inherit_approvals;
    char *token;               /* NULL: no Authorization needed */
    cx_refiner refiner;        /* the estimator's llm_refinement client */
    int curl_ready;            /* curl_global_init succeeded (released at stop) */
    int port;
    cx_logger *log;
    double started;            /* CLOCK_MONOTONIC seconds */
    serve_metrics metrics;
    request_log requests;
};

struct proxy;
enum { REPLY_MAX_HEADERS = 8, REPLY_HEADER_MAX = 256 };

/* What a handler produces: a status and a body (JSON unless content_type
 * says), or an upstream answer to stream; and headers of its own. */
typedef struct reply {
    int status;
    sbuf body;
    const char *content_type;  /* NULL: application/json */
    char stream_type[128];     /* the streamed answer's content type */
    struct proxy *stream;      /* non-NULL: the body is read from this upstream as it arrives */
    int n_headers;
    char headers[REPLY_MAX_HEADERS][2][REPLY_HEADER_MAX];
} reply;

/* Adds a header to the reply (dropped past REPLY_MAX_HEADERS). */
void reply_header(reply *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets r to {"error": {"message": msg, "type": type, "field": field?}}; returns status. */
int reply_error(reply *r, int status, const char *field, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets r's body to the printed JSON and frees it; 500 when printing failed. */
void reply_json(reply *r, int status, cJSON *json);

/* The endpoint of a path (EP_OTHER when none). */
endpoint serve_endpoint_of(const char *url);
/* One request, its body read: the reply (status, body or stream, headers) in
 * r, which starts as {.status = 200, .body = SBUF_INIT}. The token is checked
 * before, by the HTTP side. */
void serve_dispatch(cx_server *s, endpoint ep, const char *method, const char *body, size_t len, reply *r);

/* Endpoints (handlers.c, route.c): body/len is the request body (POST/PUT). */
void handle_page(cx_server *s, reply *r);
void handle_healthz(cx_server *s, reply *r);
void handle_estimate(cx_server *s, const char *body, size_t len, reply *r);
void handle_classify(cx_server *s, const char *body, size_t len, reply *r);
void handle_config_get(cx_server *s, reply *r);
void handle_config_put(cx_server *s, const char *body, size_t len, reply *r);
void handle_model(cx_server *s, reply *r);
void handle_metrics(cx_server *s, reply *r);
void handle_route(cx_server *s, const char *body, size_t len, reply *r);

/* Parses a JSON request body that must be an object; NULL + a 400 in r otherwise. */
cJSON *parse_body(const char *body, size_t len, reply *r);
/* {"tokens_seen", "tokens_total", "truncated", "words": [{"text", "delta"}], ...}
 * for text (cx_estimator_explain), or {"error": why} when no model is loaded. */
cJSON *explanation_json(cx_server *s, const char *text, size_t len);
int wants_explanation(const cJSON *body);
/* A prediction as the seed's MLPrediction object. */
cJSON *prediction_json(const cx_prediction *p);

/* Metrics (metrics.c). */
void metrics_init(serve_metrics *m);
void metrics_free(serve_metrics *m);
void metrics_count(serve_metrics *m, endpoint ep, int status, double seconds);
void metrics_tier(serve_metrics *m, cx_tier tier, int inherited);
/* One estimate or route for the live view: its final tier and milliseconds. */
void metrics_recent(serve_metrics *m, cx_tier tier, double ms);
/* {"n", "tiers": {name: count}, "p50_ms", "p99_ms"} over the recent ring. */
cJSON *metrics_recent_json(serve_metrics *m);
void handle_stats(cx_server *s, reply *r);
void handle_router(cx_server *s, reply *r);
void handle_router_put(cx_server *s, const char *body, size_t len, reply *r);
void metrics_write(cx_server *s, sbuf *out);

/* What /v1/route decides for a chat request (route.c). */
typedef struct route_decision {
    cx_estimate own;   /* the last user message */
    const cJSON *own_message; /* in the request */
    cx_estimate plan;  /* the request a go-ahead answers (when plan_index >= 0) */
    int plan_index;    /* -1: the last message is not a go-ahead after a plan */
    int inherited;     /* the plan's tier was higher and is taken */
    cx_tier tier;      /* final */
    double score;      /* final */
} route_decision;

/* Decides the tier for req's messages; on failure a 400/500 is set in r and -1 returned. */
int route_decide(cx_server *s, const cJSON *req, route_decision *d, reply *r);
/* Appends the decision to the request log (when there is one). */
void route_log(cx_server *s, const char *where, const route_decision *d);
/* The decision as /v1/route answers it. */
cJSON *route_json(cx_server *s, const route_decision *d);
/* llm_refinement through the router section's endpoint (refine.c). */
cx_refiner serve_refiner(cx_server *s);
/* POST /v1/chat/completions: the forwarding router (chat.c). */
void handle_chat(cx_server *s, const char *body, size_t len, reply *r);

/* Approvals (route.c): 1 when text is a short go-ahead ("ok do it", "好 就這樣做")
 * with nothing else to do in it. */
int route_is_approval(const char *text, size_t len);

#endif
