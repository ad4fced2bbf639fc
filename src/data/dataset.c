/* The JSONL dataset reader: streams lines with a hard length limit, validates
 * each as a record, and reports problems as FILE:LINE: what is wrong. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/dataset.h"
#include "complexity/common.h"
#include "util/sbuf.h"

struct cx_dataset {
    char *path;
    cx_record *recs;
    char **texts;          /* owned copies, parallel to recs */
    size_t n, cap;
    size_t invalid;
    char *problems[CX_MAX_KEPT_PROBLEMS];
    size_t n_problems;
    int had_bom;
    size_t crlf_lines, blank_lines;
};

/* Reads one line into `line` (without the '\n'). Returns 1 when a line was
 * read, 0 at EOF. A line over the limit is consumed but not stored:
 * *too_long is set. *had_newline tells whether the line was terminated. */
static int read_line(FILE *f, sbuf *line, int *too_long, int *had_newline) {
    sbuf_reset(line);
    *too_long = 0;
    *had_newline = 0;
    size_t total = 0;
    int c;
    char chunk[4096];
    size_t k = 0;
    while ((c = getc(f)) != EOF) {
        if (c == '\n') { *had_newline = 1; break; }
        total++;
        if (total > CX_MAX_LINE_BYTES) { *too_long = 1; k = 0; continue; }
        chunk[k++] = (char)c;
        if (k == sizeof chunk) { sbuf_append(line, chunk, k); k = 0; }
    }
    if (!*too_long) sbuf_append(line, chunk, k);
    return total > 0 || *had_newline;
}

static int push_record(cx_dataset *ds, const cx_record *rec, char *text) {
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 1024;
        cx_record *r = realloc(ds->recs, cap * sizeof *r);
        if (!r) return -1;
        ds->recs = r;
        char **t = realloc(ds->texts, cap * sizeof *t);
        if (!t) return -1;
        ds->texts = t;
        ds->cap = cap;
    }
    ds->recs[ds->n] = *rec;
    ds->texts[ds->n] = text;
    ds->n++;
    return 0;
}

static void keep_problem(cx_dataset *ds, const char *msg) {
    ds->invalid++;
    if (ds->n_problems < CX_MAX_KEPT_PROBLEMS) {
        char *copy = strdup(msg);
        if (copy) ds->problems[ds->n_problems++] = copy;
    }
}

/* Strips a BOM on line 1 and a CR before the newline; notes both. */
static void normalize_line(cx_dataset *ds, sbuf *line, size_t lineno, int had_newline) {
    if (lineno == 1 && line->len >= 3 && memcmp(line->data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(line->data, line->data + 3, line->len - 2);
        line->len -= 3;
        ds->had_bom = 1;
    }
    if (had_newline && line->len && line->data[line->len - 1] == '\r') {
        line->data[--line->len] = '\0';
        ds->crlf_lines++;
    }
}

static int is_blank(const sbuf *line) {
    for (size_t i = 0; i < line->len; i++)
        if (!strchr(" \t\r", line->data[i])) return 0;
    return 1;
}

static int load_stream(cx_dataset *ds, FILE *f, unsigned flags, cx_error *err) {
    sbuf line = SBUF_INIT;
    size_t lineno = 0;
    int too_long, had_newline, rc = CX_OK;
    while (read_line(f, &line, &too_long, &had_newline)) {
        lineno++;
        cx_error lerr = {0, ""};
        cx_record rec;
        char *text = NULL;
        if (too_long) {
            cx_error_set(&lerr, CX_ERR_FORMAT, "line is longer than the %u-byte limit", CX_MAX_LINE_BYTES);
        } else {
            normalize_line(ds, &line, lineno, had_newline);
            if (is_blank(&line)) { ds->blank_lines++; continue; }
            if (line.oom) { rc = cx_error_set(err, CX_ERR_NOMEM, "%s:%zu: out of memory", ds->path, lineno); break; }
            if (cx_record_parse(line.data, line.len, &rec, &text, &lerr) == CX_OK) {
                rec.line = lineno;
                if (push_record(ds, &rec, text) != 0) {
                    free(text);
                    rc = cx_error_set(err, CX_ERR_NOMEM, "%s:%zu: out of memory", ds->path, lineno);
                    break;
                }
                continue;
            }
        }
        if (lerr.code == CX_ERR_NOMEM || !(flags & CX_LOAD_SKIP_INVALID)) {
            rc = cx_error_set(err, lerr.code, "%s:%zu: %s", ds->path, lineno, lerr.msg);
            break;
        }
        char msg[CX_ERRMSG_MAX + 64];
        snprintf(msg, sizeof msg, "%s:%zu: %s", ds->path, lineno, lerr.msg);
        keep_problem(ds, msg);
    }
    if (rc == CX_OK && ferror(f)) rc = cx_error_set(err, CX_ERR_IO, "%s: read error", ds->path);
    if (rc == CX_OK && ds->n == 0 && !(flags & CX_LOAD_ALLOW_EMPTY))
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: no records (%s)", ds->path,
                          lineno == 0 ? "the file is empty" : "every line is blank or invalid");
    sbuf_free(&line);
    return rc;
}

int cx_dataset_load(const char *path, unsigned flags, cx_dataset **out, cx_error *err) {
    *out = NULL;
    cx_dataset *ds = calloc(1, sizeof *ds);
    if (!ds || !(ds->path = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path))) {
        free(ds);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        int e = errno;
        cx_dataset_free(ds);
        return cx_error_set(err, e == ENOENT ? CX_ERR_NOT_FOUND : CX_ERR_IO, "%s: cannot open: %s", path,
                            strerror(e));
    }
    int rc = load_stream(ds, f, flags, err);
    if (f != stdin) fclose(f);
    if (rc != CX_OK) {
        cx_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return CX_OK;
}

void cx_dataset_free(cx_dataset *ds) {
    if (!ds) return;
    for (size_t i = 0; i < ds->n; i++) free(ds->texts[i]);
    for (size_t i = 0; i < ds->n_problems; i++) free(ds->problems[i]);
    free(ds->texts);
    free(ds->recs);
    free(ds->path);
    free(ds);
}

size_t cx_dataset_size(const cx_dataset *ds) { return ds->n; }
const cx_record *cx_dataset_get(const cx_dataset *ds, size_t i) { return &ds->recs[i]; }
const char *cx_dataset_path(const cx_dataset *ds) { return ds->path; }
size_t cx_dataset_invalid_count(const cx_dataset *ds) { return ds->invalid; }
size_t cx_dataset_problem_count(const cx_dataset *ds) { return ds->n_problems; }
const char *cx_dataset_problem(const cx_dataset *ds, size_t i) { return ds->problems[i]; }
int cx_dataset_had_bom(const cx_dataset *ds) { return ds->had_bom; }
size_t cx_dataset_crlf_lines(const cx_dataset *ds) { return ds->crlf_lines; }
size_t cx_dataset_blank_lines(const cx_dataset *ds) { return ds->blank_lines; }
