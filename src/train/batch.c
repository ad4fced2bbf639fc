/* cx_classify_file (batch.h): a file of prompts to a file of predictions,
 * sharded by byte ranges across MPI ranks (train/dist.h). A line belongs to
 * the rank whose range holds its first byte, so every line is read exactly
 * once and the ranks' results, concatenated in rank order, are in input
 * order. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/clock.h"
#include "complexity/batch.h"
#include "complexity/fileio.h"
#include "train/dist.h"
#include "util/sbuf.h"

/* Moves f to the first line that starts at or after byte `start`. */
static int seek_line_start(FILE *f, long start) {
    if (start == 0) return fseek(f, 0, SEEK_SET);
    if (fseek(f, start - 1, SEEK_SET)) return -1;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') {
    }
    return 0;
}

/* Lines before byte `pos`: only counted to name a bad line. */
static size_t lines_before(const char *path, long pos) {
    FILE *f = fopen(path, "r");
    size_t n = 0;
    for (long i = 0; f && i < pos; i++) {
        int c = fgetc(f);
        if (c == EOF) break;
        n += c == '\n';
    }
    if (f) fclose(f);
    return n;
}

static char *jsonl_text(const char *line, cx_error *err) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    char *text = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    if (!text) cx_error_set(err, CX_ERR_FORMAT, "expected a JSON object with a \"text\" string");
    cJSON_Delete(j);
    return text;
}

static int classify_line(cx_classifier_ctx *x, const char *line, size_t len, int jsonl, sbuf *out, cx_error *err) {
    char *text = jsonl ? jsonl_text(line, err) : NULL;
    if (jsonl && !text) return err->code;
    cx_prediction p;
    int rc = cx_classifier_predict(x, jsonl ? text : line, jsonl ? strlen(text) : len, &p, err);
    free(text);
    if (rc) return rc;
    char *json = cx_prediction_to_json(&p);
    if (!json) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    sbuf_puts(out, json);
    sbuf_putc(out, '\n');
    free(json);
    return out->oom ? cx_error_set(err, CX_ERR_NOMEM, "out of memory") : CX_OK;
}

enum { PROGRESS_EVERY = 256 };

/* This rank's lines, classified into out. */
static int classify_shard(const cx_classifier *c, const char *in, const cx_batch_options *o, const cx_dist *d,
                          sbuf *out, size_t *n_lines, cx_error *err) {
    const int jsonl = o->jsonl;
    FILE *f = fopen(in, "r");
    if (!f) return cx_error_set(err, CX_ERR_IO, "%s: %s", in, strerror(errno));
    struct stat st;
    long size = fstat(fileno(f), &st) == 0 ? (long)st.st_size : 0;
    long start = (long)((double)size * d->rank / d->size), end = (long)((double)size * (d->rank + 1) / d->size);
    cx_classifier_ctx *x = NULL;
    int rc = seek_line_start(f, start) ? cx_error_set(err, CX_ERR_IO, "%s: cannot seek", in)
                                       : cx_classifier_ctx_open(c, &x, err);
    char *line = NULL;
    size_t cap = 0;
    long at = ftell(f);
    ssize_t n;
    while (rc == CX_OK && at < end && (n = getline(&line, &cap, f)) >= 0) {
        long line_start = at;
        at += n;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0) continue;
        if ((size_t)n != strlen(line)) rc = cx_error_set(err, CX_ERR_FORMAT, "a NUL byte in the line");
        else if ((rc = classify_line(x, line, (size_t)n, jsonl, out, err)) == CX_OK) ++*n_lines;
        if (rc == CX_OK && o->progress && *n_lines % PROGRESS_EVERY == 0)
            o->progress(o->ctx, end > start ? (double)(at - start) / (double)(end - start) : 1.0, *n_lines);
        if (rc) cx_error_prefix(err, "%s:%zu", in, lines_before(in, line_start) + 1);
    }
    free(line);
    cx_classifier_ctx_free(x);
    fclose(f);
    return rc;
}

static int write_sink(void *ctx, const char *data, size_t len) {
    return len && fwrite(data, 1, len, ((cx_afile *)ctx)->f) != len ? -1 : 0;
}

int cx_classify_file(const cx_classifier *c, const char *in, const char *out, const cx_batch_options *opt,
                     cx_batch_stats *stats, cx_error *err) {
    double t0 = cx_now_s();
    const cx_batch_options none = {0, NULL, NULL}, *o = opt ? opt : &none;
    cx_dist d;
    int rc = cx_dist_open(&d, err);
    if (rc) return rc;
    sbuf results = SBUF_INIT;
    size_t mine = 0;
    cx_afile af = {0};
    /* rank 0 opens the output first: a failure there must stop the job before anyone sends */
    if (d.rank == 0) rc = cx_afile_open(&af, out, err);
    if (rc == CX_OK) rc = classify_shard(c, in, o, &d, &results, &mine, err);
    if (o->progress && rc == CX_OK) o->progress(o->ctx, 1.0, mine);
    rc = cx_dist_agree(&d, rc, err);
    double total = (double)mine;
    if (rc == CX_OK) rc = cx_dist_sum_f64(&d, &total, 1, err);
    if (rc == CX_OK) rc = cx_dist_gather_ordered(&d, results.data ? results.data : "", results.len, write_sink, &af, err);
    if (d.rank == 0 && af.f) rc = rc == CX_OK ? cx_afile_commit(&af, err) : (cx_afile_abort(&af), rc);
    if (stats) *stats = (cx_batch_stats){d.rank == 0 ? (size_t)total : mine, mine, d.rank, d.size, cx_now_s() - t0};
    sbuf_free(&results);
    cx_dist_close(&d);
    return rc;
}
