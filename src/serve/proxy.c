/* One upstream chat request over libcurl's multi interface, driven by the
 * thread that answers the client: proxy_open runs the transfer until the
 * upstream's headers are in (so the client's status is known before anything
 * is sent), proxy_read runs it until the next bytes of the body arrive. No
 * extra thread, and a streamed answer (SSE) reaches the client chunk by chunk
 * as the upstream sends it. */
#include "serve/router.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An answer held whole (not streamed) above this is refused: no upstream
 * chat answer is that large. */
enum { POLL_MS = 100, MAX_HELD_BYTES = 64 << 20 };

struct proxy {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    sbuf pending;        /* body bytes received, not yet read */
    size_t pending_off;
    int headers_done;    /* the final response's blank line was seen */
    int finished;        /* the transfer ended (well or not) */
    CURLcode result;
    long status;
    char content_type[128];
    char errbuf[CURL_ERROR_SIZE];
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
    proxy *p = ctx;
    if (p->pending.len + size * n > MAX_HELD_BYTES) return 0; /* curl ends the transfer with an error */
    sbuf_append(&p->pending, data, size * n);
    return p->pending.oom ? 0 : size * n;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx) {
    proxy *p = ctx;
    size_t len = size * n;
    static const char ct[] = "content-type:";
    if (len >= sizeof ct - 1 && !strncasecmp(line, ct, sizeof ct - 1)) {
        const char *v = line + sizeof ct - 1;
        while (*v == ' ') v++;
        size_t k = strcspn(v, "\r\n");
        snprintf(p->content_type, sizeof p->content_type, "%.*s", (int)k, v);
    }
    if ((len == 2 && line[0] == '\r') || (len == 1 && line[0] == '\n')) {
        long code = 0;
        curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200) { /* not a 1xx interim response */
            p->status = code;
            p->headers_done = 1;
        }
    }
    return len;
}

/* Runs the transfer a step: until `until` holds or it ends. */
static void drive(proxy *p, int (*until)(const proxy *)) {
    while (!p->finished && !until(p)) {
        int running = 0;
        if (curl_multi_perform(p->multi, &running) != CURLM_OK) {
            p->finished = 1;
            p->result = CURLE_FAILED_INIT;
            break;
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(p->multi, &left)) != NULL)
            if (m->msg == CURLMSG_DONE) {
                p->finished = 1;
                p->result = m->data.result;
            }
        if (!p->finished && !until(p)) curl_multi_poll(p->multi, NULL, 0, POLL_MS, NULL);
    }
}

static int have_headers(const proxy *p) { return p->headers_done; }
static int have_bytes(const proxy *p) { return p->pending.len > p->pending_off; }
static int never(const proxy *p) { (void)p; return 0; }

static int add_header(proxy *p, const char *h) {
    struct curl_slist *l = curl_slist_append(p->headers, h);
    if (!l) return -1;
    p->headers = l;
    return 0;
}

static int setup(proxy *p, const router_config *rc, const router_upstream *up, const char *body, size_t len,
                 cx_error *err) {
    char url[600], auth[1200];
    snprintf(url, sizeof url, "%s%schat/completions", up->base_url,
             up->base_url[0] && up->base_url[strlen(up->base_url) - 1] == '/' ? "" : "/");
    if (add_header(p, "Content-Type: application/json") || add_header(p, "Expect:"))
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (up->api_key_env[0]) {
        const char *key = getenv(up->api_key_env);
        if (!key || !key[0])
            return cx_error_set(err, CX_ERR_INVALID, "router.upstreams: the API key variable %s is not set",
                                up->api_key_env);
        snprintf(auth, sizeof auth, "Authorization: Bearer %.1000s", key);
        if (add_header(p, auth)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    CURL *e = p->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(rc->timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(rc->connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: we are one thread of many */
    curl_easy_setopt(e, CURLOPT_USERAGENT, "complexity-router/" CX_VERSION_STRING);
    return CX_OK;
}

/* The failure of a transfer that ended before its headers, as a status and a message. */
static int transfer_error(const proxy *p, const char *url, int *http_status, cx_error *err) {
    int timeout = p->result == CURLE_OPERATION_TIMEDOUT;
    *http_status = timeout ? 504 : 502;
    return cx_error_set(err, CX_ERR_IO, "upstream %s: %s", url,
                        p->errbuf[0] ? p->errbuf : curl_easy_strerror(p->result));
}

int proxy_open(const router_config *rc, const router_upstream *up, const char *body, size_t len, proxy **out,
               int *http_status, cx_error *err) {
    *out = NULL;
    *http_status = 500;
    proxy *p = calloc(1, sizeof *p);
    if (!p) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    p->multi = curl_multi_init();
    p->easy = curl_easy_init();
    int rc_ = !p->multi || !p->easy ? cx_error_set(err, CX_ERR_NOMEM, "cannot start a transfer")
                                    : setup(p, rc, up, body, len, err);
    if (rc_ == CX_OK && curl_multi_add_handle(p->multi, p->easy) != CURLM_OK)
        rc_ = cx_error_set(err, CX_ERR_INTERNAL, "cannot start a transfer");
    if (rc_ == CX_OK) {
        drive(p, have_headers);
        if (!p->headers_done) rc_ = transfer_error(p, up->base_url, http_status, err);
    }
    if (rc_ != CX_OK) {
        proxy_close(p);
        return rc_;
    }
    *out = p;
    return CX_OK;
}

int proxy_status(const proxy *p) { return (int)p->status; }
const char *proxy_content_type(const proxy *p) { return p->content_type; }

long proxy_read(proxy *p, char *buf, size_t cap) {
    drive(p, have_bytes);
    size_t avail = p->pending.len - p->pending_off;
    if (!avail) return p->result == CURLE_OK ? 0 : -1;
    size_t n = avail < cap ? avail : cap;
    memcpy(buf, p->pending.data + p->pending_off, n);
    p->pending_off += n;
    if (p->pending_off == p->pending.len) { /* all read: reuse the buffer */
        sbuf_reset(&p->pending);
        p->pending_off = 0;
    }
    return (long)n;
}

int proxy_read_all(proxy *p, sbuf *out, cx_error *err) {
    drive(p, never);
    if (p->result != CURLE_OK)
        return cx_error_set(err, CX_ERR_IO, "upstream: %s", p->errbuf[0] ? p->errbuf : curl_easy_strerror(p->result));
    sbuf_append(out, p->pending.data + p->pending_off, p->pending.len - p->pending_off);
    return out->oom ? cx_error_set(err, CX_ERR_NOMEM, "out of memory") : CX_OK;
}

void proxy_close(proxy *p) {
    if (!p) return;
    if (p->multi && p->easy) curl_multi_remove_handle(p->multi, p->easy);
    if (p->easy) curl_easy_cleanup(p->easy);
    if (p->multi) curl_multi_cleanup(p->multi);
    curl_slist_free_all(p->headers);
    sbuf_free(&p->pending);
    free(p);
}
