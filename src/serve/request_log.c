/* The request log (`serve --request-log FILE`): one JSON line per decision
 * (POST /v1/estimate, /v1/route, /v1/chat/completions) with the text that was
 * estimated and what was decided, appended as it happens. It is what
 * `complexity label --in FILE` reads to turn a day of traffic into training
 * labels. Opt-in (it holds what users typed); SIGHUP reopens it after a
 * rotation, as nginx does. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_int.h"

int request_log_open(request_log *l, const char *path, cx_error *err) {
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    if (!path) return CX_OK;
    if (!(l->path = strdup(path))) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (!(l->f = fopen(path, "a"))) return cx_error_set(err, CX_ERR_IO, "request log %s: %s", path, strerror(errno));
    l->enabled = 1;
    return CX_OK;
}

int request_log_reopen(request_log *l, cx_error *err) {
    if (!l->path) return CX_OK;
    FILE *f = fopen(l->path, "a");
    if (!f) return cx_error_set(err, CX_ERR_IO, "request log %s: %s", l->path, strerror(errno));
    pthread_mutex_lock(&l->mu);
    FILE *old = l->f;
    l->f = f;
    pthread_mutex_unlock(&l->mu);
    if (old) fclose(old);
    return CX_OK;
}

void request_log_close(request_log *l) {
    if (l->f) fclose(l->f); /* the server has stopped: no writer is left */
    free(l->path);
    pthread_mutex_destroy(&l->mu);
    memset(l, 0, sizeof *l);
}

void request_log_write(request_log *l, const char *where, const char *text, cx_tier tier, double score,
                       int inherited) {
    if (!l->enabled || !text) return;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    if (!o) return;
    cJSON_AddStringToObject(o, "time", when);
    cJSON_AddStringToObject(o, "endpoint", where);
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddStringToObject(o, "tier", cx_tier_names[tier]);
    cJSON_AddNumberToObject(o, "score", round(score * 1e4) / 1e4);
    if (inherited) cJSON_AddTrueToObject(o, "inherited");
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line) return;
    /* One line per call, whole, in order: the lock keeps threads' lines apart. */
    pthread_mutex_lock(&l->mu);
    if (l->f) {
        fprintf(l->f, "%s\n", line);
        fflush(l->f);
    }
    pthread_mutex_unlock(&l->mu);
    cJSON_free(line);
}
