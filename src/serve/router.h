/* The forwarding router (POST /v1/chat/completions): its config section and
 * the upstream transfer (libcurl), streamed back as it arrives. */
#ifndef CX_SERVE_ROUTER_H
#define CX_SERVE_ROUTER_H

#include <stddef.h>

#include "complexity/common.h"
#include "complexity/estimator.h"
#include "util/sbuf.h"


typedef struct router_upstream {
    char base_url[512];   /* "" = this tier has no endpoint */
    char api_key_env[128]; /* the environment variable holding its API key; "" = no key */
    char model[256];      /* "" = task_complexity's model for the tier */
} router_upstream;

typedef struct router_config {
    int present;          /* the file has a router section */
    char model_name[128]; /* requests for this model (or "auto") are routed */
    double timeout_s, connect_timeout_s;
    int fallback;
    router_upstream up[CX_N_ROUTES]; /* by cx_route */
    router_upstream refinement; /* where llm_refinement asks (base_url "" = the standard upstream) */
    double refinement_timeout_s;
} router_config;

void router_config_defaults(router_config *rc);
/* Reads the router section of the YAML file at path; errors name file:line and key. */
int router_config_load(const char *path, router_config *rc, cx_error *err);
/* The same from a document's text (`name` labels errors). */
int router_config_parse(const char *text, size_t len, const char *name, router_config *rc, cx_error *err);
/* The section as block YAML ("router:\n  ..."); caller frees, NULL when out of memory. */
char *router_config_yaml(const router_config *rc);

/* One upstream request in flight. */
typedef struct proxy proxy;

/* Starts POSTing body to <base_url>/chat/completions and waits for the
 * upstream's status line and headers. On CX_OK the transfer is open: its
 * status is proxy_status (any HTTP status: the caller decides), the body
 * comes from proxy_read. On failure (connect, timeout, no key) err says
 * which, *http_status is the status to answer (502, 504, 500). */
int proxy_open(const router_config *rc, const router_upstream *up, const char *body, size_t len, proxy **out,
               int *http_status, cx_error *err);
int proxy_status(const proxy *p);
const char *proxy_content_type(const proxy *p); /* "" when the upstream sent none */
/* Up to cap bytes of the body; 0 at the end, -1 on a failure mid-stream. Blocks until some arrive. */
long proxy_read(proxy *p, char *buf, size_t cap);
/* The whole rest of the body into out; CX_OK or an error. */
int proxy_read_all(proxy *p, sbuf *out, cx_error *err);
void proxy_close(proxy *p);

#endif
