/* The HTTP service (`complexity serve`): the estimator behind a small JSON
 * API, the Task Complexity settings page, Prometheus metrics. Built on
 * libmicrohttpd; part of libcomplexity-train (the runtime library links no
 * HTTP server). docs/SERVE.md describes the endpoints.
 *
 *   GET  /                 the settings page (HTML)
 *   GET  /healthz          {"status": "ok", ...}
 *   POST /v1/estimate      {"text": ..., "prior_messages": 0}
 *   POST /v1/classify      {"text": ...} or {"texts": [...]}: the model alone
 *   POST /v1/route         an OpenAI chat request: tier, score, model, why
 *   GET  /v1/config        the task_complexity section as JSON
 *   PUT  /v1/config        fields to change: validated, written atomically to
 *                          the config file, applied at once (hot reload)
 *   GET  /v1/model         the ML model's state
 *   GET  /v1/stats         the last 1,024 decisions: counts per tier, p50, p99
 *   GET|PUT /v1/router     the router section (endpoints per tier), written like the config
 *   POST /v1/chat/completions  the forwarding router (OpenAI-compatible)
 *   GET  /metrics          Prometheus text
 *
 * One server per process is the usual case, but nothing is global: several
 * can run side by side (tests do). */
#ifndef COMPLEXITY_SERVE_H
#define COMPLEXITY_SERVE_H

#include <stddef.h>

#include "complexity/common.h"
#include "complexity/estimator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_server cx_server;

typedef struct cx_server_options {
    const char *config_path;    /* config.yaml (required): read at start, watched, written by PUT /v1/config */
    const char *host;           /* address to listen on; NULL: "127.0.0.1" */
    int port;                   /* 0: any free port (cx_server_port says which) */
    int max_connections;        /* connections served at once, a thread each; 0: 64 */
    size_t max_body;            /* bytes of one request body; 0: 1 MiB */
    int no_approval_inheritance; /* 1: /v1/route never lets "ok do it" inherit the planned task's tier */
    cx_logger *logger;          /* borrowed, must outlive the server; NULL: silent */
    const char *token;          /* when set, PUT /v1/config, PUT /v1/router and /v1/chat/completions need the header
                                   "Authorization: Bearer <token>" (copied); NULL: open, on loopback */
    int timeout_s;              /* a connection idle this long is closed; 0: 300 */
    const char *request_log;    /* append a JSON line per decision (time, endpoint, text, tier, score) to this
                                   file, what `complexity label` reads; reopened by cx_server_reload; NULL: none */
} cx_server_options;

/* All defaults (every field 0 / NULL). */
CX_API cx_server_options cx_server_default_options(void);

/* Opens the estimator on the config (with the native ML backend) and starts
 * listening; requests are served on background threads until
 * cx_server_stop. Fails when the config is invalid or the port is taken. */
CX_API int cx_server_start(const cx_server_options *opt, cx_server **out, cx_error *err);
/* Re-reads the config file now, changed or not (SIGHUP), and reopens the
 * request log (after a rotation); the config in force stays when the file is
 * invalid, and err says why. */
CX_API int cx_server_reload(cx_server *srv, cx_error *err);
/* The port it listens on (the one the system chose when opt->port was 0). */
CX_API int cx_server_port(const cx_server *srv);
/* Stops listening, finishes requests in flight, frees everything. */
CX_API void cx_server_stop(cx_server *srv);

#ifdef __cplusplus
}
#endif
#endif
