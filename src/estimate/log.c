/* Structured key=value logging, explicitly configured by the caller: the
 * library's only way to say something outside a return value. One line per
 * event, written with a single fwrite under a mutex, so lines from several
 * threads never interleave. */
#include "complexity/estimator.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complexity/common.h"
#include "util/sbuf.h"

struct cx_logger {
    FILE *f;              /* NULL when sink is used */
    int owns_f;
    cx_log_sink sink;
    void *sink_ctx;
    cx_log_level level;
    pthread_mutex_t mu;
};

static const char *const level_names[] = {"debug", "info", "warning", "error", "off"};

int cx_log_level_from_name(const char *name) {
    for (int i = 0; i <= CX_LOG_OFF; i++)
        if (strcmp(level_names[i], name) == 0) return i;
    return -1;
}

static int logger_new(cx_logger **out, cx_log_level level, cx_error *err) {
    *out = NULL;
    if (level < CX_LOG_DEBUG || level > CX_LOG_OFF)
        return cx_error_set(err, CX_ERR_INVALID, "log level %d out of range", (int)level);
    cx_logger *lg = calloc(1, sizeof *lg);
    if (!lg) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&lg->mu, NULL) != 0) {
        free(lg);
        return cx_error_set(err, CX_ERR_NOMEM, "cannot create a mutex");
    }
    lg->level = level;
    *out = lg;
    return CX_OK;
}

int cx_logger_open(const char *path, cx_log_level level, cx_logger **out, cx_error *err) {
    int rc = logger_new(out, level, err);
    if (rc != CX_OK) return rc;
    if (!path) { (*out)->f = stderr; return CX_OK; }
    FILE *f = fopen(path, "a");
    if (!f) {
        cx_logger_free(*out);
        *out = NULL;
        return cx_error_set(err, CX_ERR_IO, "%s: cannot open log file for appending", path);
    }
    (*out)->f = f;
    (*out)->owns_f = 1;
    return CX_OK;
}

int cx_logger_open_sink(cx_log_sink sink, void *ctx, cx_log_level level, cx_logger **out, cx_error *err) {
    if (!sink) return cx_error_set(err, CX_ERR_INVALID, "log sink is NULL");
    int rc = logger_new(out, level, err);
    if (rc != CX_OK) return rc;
    (*out)->sink = sink;
    (*out)->sink_ctx = ctx;
    return CX_OK;
}

void cx_logger_free(cx_logger *lg) {
    if (!lg) return;
    if (lg->owns_f) fclose(lg->f);
    pthread_mutex_destroy(&lg->mu);
    free(lg);
}

/* A value needs quotes when it is empty or holds a space, quote, '=', '\\' or a control byte. */
static int needs_quotes(const char *v) {
    if (!*v) return 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f) return 1;
    return 0;
}

static void put_value(sbuf *b, const char *v) {
    if (!needs_quotes(v)) { sbuf_puts(b, v); return; }
    sbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') { sbuf_putc(b, '\\'); sbuf_putc(b, (char)*p); }
        else if (*p == '\n') sbuf_puts(b, "\\n");
        else if (*p < ' ' || *p == 0x7f) sbuf_printf(b, "\\x%02x", *p);
        else sbuf_putc(b, (char)*p);
    }
    sbuf_putc(b, '"');
}

static void put_timestamp(sbuf *b) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    sbuf_printf(b, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

int cx_log_enabled(const cx_logger *lg, cx_log_level level) {
    return lg && level >= lg->level && level < CX_LOG_OFF;
}

void cx_log(cx_logger *lg, cx_log_level level, const char *event, ...) {
    if (!cx_log_enabled(lg, level)) return;
    sbuf b = SBUF_INIT;
    put_timestamp(&b);
    sbuf_printf(&b, " level=%s event=%s", level_names[level], event);
    va_list ap;
    va_start(ap, event);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
        const char *v = va_arg(ap, const char *);
        sbuf_printf(&b, " %s=", k);
        put_value(&b, v ? v : "None");
    }
    va_end(ap);
    if (!b.oom) {
        pthread_mutex_lock(&lg->mu);
        if (lg->sink) lg->sink(lg->sink_ctx, level, b.data);
        else {
            sbuf_putc(&b, '\n');
            fwrite(b.data, 1, b.len, lg->f);
            fflush(lg->f);
        }
        pthread_mutex_unlock(&lg->mu);
    }
    sbuf_free(&b);
}
