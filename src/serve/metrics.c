/* Prometheus metrics of the service: requests by endpoint and status, a
 * latency histogram per endpoint, tiers routed, and the model's state. The
 * request threads only add to counters (atomic adds, no lock on the hot path
 * but the latency sum's); a scrape reads them. */
#include "serve/serve_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"

/* Each endpoint's path and methods, in the order of the endpoint enum: the
 * dispatch, the 405 messages and the metrics' labels all read this table. */
const serve_endpoint_info serve_endpoints[EP_COUNT] = {
    [EP_PAGE] = {"/", "GET"},
    [EP_HEALTHZ] = {"/healthz", "GET"},
    [EP_ESTIMATE] = {"/v1/estimate", "POST"},
    [EP_CLASSIFY] = {"/v1/classify", "POST"},
    [EP_ROUTE] = {"/v1/route", "POST"},
    [EP_CONFIG] = {"/v1/config", "GET|PUT"},
    [EP_MODEL] = {"/v1/model", "GET"},
    [EP_METRICS] = {"/metrics", "GET"},
    [EP_CHAT] = {"/v1/chat/completions", "POST"},
    [EP_STATS] = {"/v1/stats", "GET"},
    [EP_ROUTER] = {"/v1/router", "GET|PUT"},
    [EP_OTHER] = {"other", ""},
};
const int serve_statuses[N_STATUS] = {200, 400, 401, 404, 405, 413, 500, 503, 502, 504, 0 /* any other */};
const double serve_latency_buckets[N_LATENCY_BUCKETS] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,  0.5,   1.0,  2.5};

void metrics_init(serve_metrics *m) {
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lat_mu, NULL);
}

void metrics_free(serve_metrics *m) { pthread_mutex_destroy(&m->lat_mu); }

static int status_slot(int status) {
    for (int i = 0; i < N_STATUS - 1; i++)
        if (serve_statuses[i] == status) return i;
    return N_STATUS - 1;
}

void metrics_count(serve_metrics *m, endpoint ep, int status, double seconds) {
    __atomic_add_fetch(&m->requests[ep][status_slot(status)], 1, __ATOMIC_RELAXED);
    int b = 0;
    while (b < N_LATENCY_BUCKETS && seconds > serve_latency_buckets[b]) b++;
    if (b < N_LATENCY_BUCKETS) __atomic_add_fetch(&m->latency_bucket[ep][b], 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&m->lat_mu);
    m->latency_sum_us[ep] += seconds * 1e6;
    pthread_mutex_unlock(&m->lat_mu);
}

void metrics_tier(serve_metrics *m, cx_tier tier, int inherited) {
    if ((unsigned)tier < CX_N_TIERS) __atomic_add_fetch(&m->tiers[tier], 1, __ATOMIC_RELAXED);
    if (inherited) __atomic_add_fetch(&m->inherited, 1, __ATOMIC_RELAXED);
}

void metrics_recent(serve_metrics *m, cx_tier tier, double ms) {
    pthread_mutex_lock(&m->lat_mu);
    size_t i = m->recent_n++ % RECENT;
    m->recent_ms[i] = (float)ms;
    m->recent_tier[i] = (unsigned char)tier;
    pthread_mutex_unlock(&m->lat_mu);
}

static int by_value(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

cJSON *metrics_recent_json(serve_metrics *m) {
    float ms[RECENT];
    unsigned long tiers[CX_N_TIERS] = {0};
    pthread_mutex_lock(&m->lat_mu);
    size_t n = m->recent_n < RECENT ? (size_t)m->recent_n : RECENT;
    memcpy(ms, m->recent_ms, n * sizeof *ms);
    for (size_t i = 0; i < n; i++) tiers[m->recent_tier[i] % CX_N_TIERS]++;
    pthread_mutex_unlock(&m->lat_mu);
    qsort(ms, n, sizeof *ms, by_value);
    cJSON *o = cJSON_CreateObject(), *t = cJSON_AddObjectToObject(o, "tiers");
    cJSON_AddNumberToObject(o, "n", (double)n);
    for (int k = 0; k < CX_N_TIERS; k++) cJSON_AddNumberToObject(t, cx_tier_names[k], (double)tiers[k]);
    cJSON_AddNumberToObject(o, "p50_ms", n ? round(ms[n / 2] * 100) / 100 : 0);
    cJSON_AddNumberToObject(o, "p99_ms", n ? round(ms[(n * 99) / 100] * 100) / 100 : 0);
    return o;
}

static unsigned long load(const unsigned long *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

static void write_requests(const serve_metrics *m, sbuf *out) {
    sbuf_puts(out, "# HELP complexity_requests_total HTTP requests by endpoint and status code.\n"
                   "# TYPE complexity_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        for (int s = 0; s < N_STATUS; s++) {
            unsigned long n = load(&m->requests[e][s]);
            if (!n) continue;
            char code[16];
            if (serve_statuses[s]) snprintf(code, sizeof code, "%d", serve_statuses[s]);
            else snprintf(code, sizeof code, "other");
            sbuf_printf(out, "complexity_requests_total{endpoint=\"%s\",code=\"%s\"} %lu\n", serve_endpoints[e].path,
                        code, n);
        }
}

static void write_latency(serve_metrics *m, sbuf *out) {
    sbuf_puts(out, "# HELP complexity_request_duration_seconds Time from a request's headers to its reply.\n"
                   "# TYPE complexity_request_duration_seconds histogram\n");
    for (int e = 0; e < EP_COUNT; e++) {
        unsigned long total = 0;
        for (int s = 0; s < N_STATUS; s++) total += load(&m->requests[e][s]);
        if (!total) continue;
        unsigned long cum = 0;
        for (int b = 0; b < N_LATENCY_BUCKETS; b++) {
            cum += load(&m->latency_bucket[e][b]);
            sbuf_printf(out, "complexity_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %lu\n",
                        serve_endpoints[e].path, serve_latency_buckets[b], cum);
        }
        pthread_mutex_lock(&m->lat_mu);
        double sum = m->latency_sum_us[e] / 1e6;
        pthread_mutex_unlock(&m->lat_mu);
        sbuf_printf(out, "complexity_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %lu\n",
                    serve_endpoints[e].path, total);
        sbuf_printf(out, "complexity_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", serve_endpoints[e].path,
                    sum);
        sbuf_printf(out, "complexity_request_duration_seconds_count{endpoint=\"%s\"} %lu\n", serve_endpoints[e].path,
                    total);
    }
}

static void write_tiers(const serve_metrics *m, sbuf *out) {
    sbuf_puts(out, "# HELP complexity_tier_total Estimates and routes by final tier.\n"
                   "# TYPE complexity_tier_total counter\n");
    for (int t = 0; t < CX_N_TIERS; t++)
        sbuf_printf(out, "complexity_tier_total{tier=\"%s\"} %lu\n", cx_tier_names[t], load(&m->tiers[t]));
    sbuf_printf(out, "# HELP complexity_route_inherited_total Routes whose tier came from the plan an approval "
                     "answered.\n# TYPE complexity_route_inherited_total counter\ncomplexity_route_inherited_total "
                     "%lu\n",
                load(&m->inherited));
}

static void write_model(cx_server *s, sbuf *out) {
    cx_ml_info info;
    cx_estimator_ml_info(s->est, &info);
    sbuf_printf(out, "# HELP complexity_model_loaded 1 when the ML model is loaded and enabled.\n"
                     "# TYPE complexity_model_loaded gauge\ncomplexity_model_loaded %d\n",
                info.active);
    sbuf_printf(out, "# HELP complexity_config_reloads_total Configs applied since start (file edits, PUTs).\n"
                     "# TYPE complexity_config_reloads_total counter\ncomplexity_config_reloads_total %lu\n",
                info.reloads);
    sbuf_printf(out, "# HELP complexity_info The library's version.\n# TYPE complexity_info gauge\n"
                     "complexity_info{version=\"%s\"} 1\n",
                CX_VERSION_STRING);
}

void metrics_write(cx_server *s, sbuf *out) {
    write_requests(&s->metrics, out);
    write_latency(&s->metrics, out);
    write_tiers(&s->metrics, out);
    write_model(s, out);
}
