/* The labelled file. It is rewritten whole (temp file, fsync, rename) after
 * every label, skip or undo, so a Ctrl-C, a closed terminal or a kill -9
 * loses at most the label being edited, and the file is always a valid
 * LABELING.md JSONL that `train` and `evaluate` read as it is. Skipped prompts
 * go to FILE.skipped ({"text": ...} lines), so a resumed session does not
 * show them again. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "label.h"

typedef struct entry {
    cx_record rec;   /* rec.text owned */
} entry;

struct label_store {
    char *path, *skip_path;
    entry *labels;
    size_t n_labels, cap_labels;
    char **skipped;
    size_t n_skipped, cap_skipped;
    char *undo;         /* this session's actions, 'L' or 'S', oldest first */
    size_t n_undo, cap_undo;
    size_t session_labels;
    char *taken_back;   /* the text of the last undone action */
};

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int push_label(label_store *s, const cx_record *rec) {
    if (s->n_labels == s->cap_labels) {
        size_t cap = s->cap_labels ? 2 * s->cap_labels : 64;
        entry *e = realloc(s->labels, cap * sizeof *e);
        if (!e) return -1;
        s->labels = e;
        s->cap_labels = cap;
    }
    char *text = malloc(rec->text_len + 1);
    if (!text) return -1;
    memcpy(text, rec->text, rec->text_len);
    text[rec->text_len] = '\0';
    s->labels[s->n_labels].rec = *rec;
    s->labels[s->n_labels++].rec.text = text;
    return 0;
}

static int push_skipped(label_store *s, const char *text, size_t len) {
    if (s->n_skipped == s->cap_skipped) {
        size_t cap = s->cap_skipped ? 2 * s->cap_skipped : 64;
        char **p = realloc(s->skipped, cap * sizeof *p);
        if (!p) return -1;
        s->skipped = p;
        s->cap_skipped = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    s->skipped[s->n_skipped++] = copy;
    return 0;
}

static int push_undo(label_store *s, char kind) {
    if (s->n_undo == s->cap_undo) {
        size_t cap = s->cap_undo ? 2 * s->cap_undo : 64;
        char *p = realloc(s->undo, cap);
        if (!p) return -1;
        s->undo = p;
        s->cap_undo = cap;
    }
    s->undo[s->n_undo++] = kind;
    return 0;
}

/* Loads an earlier session's labels: every line must be a LABELING.md label. */
static int load_labels(label_store *s, cx_error *err) {
    if (!exists(s->path)) return CX_OK;
    cx_dataset *ds;
    int rc = cx_dataset_load(s->path, CX_LOAD_ALLOW_EMPTY, &ds, err);
    if (rc) return rc;
    for (size_t i = 0; i < cx_dataset_size(ds) && rc == CX_OK; i++) {
        const cx_record *r = cx_dataset_get(ds, i);
        if ((rc = cx_record_check_labeling(r, err))) cx_error_prefix(err, "%s:%zu", s->path, r->line);
        else if (push_label(s, r)) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    cx_dataset_free(ds);
    return rc;
}

static int load_skipped(label_store *s, cx_error *err) {
    if (!exists(s->skip_path)) return CX_OK;
    label_input in;
    int rc = label_input_read(s->skip_path, &in, err);
    if (rc == CX_ERR_INVALID && in.n == 0) { /* an empty sidecar */
        *err = (cx_error){0, ""};
        return CX_OK;
    }
    for (size_t i = 0; i < in.n && rc == CX_OK; i++)
        if (push_skipped(s, in.items[i].text, in.items[i].len)) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    label_input_free(&in);
    return rc;
}

int label_store_open(const char *path, label_store **out, cx_error *err) {
    label_store *s = calloc(1, sizeof *s);
    if (!s) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    s->path = strdup(path);
    s->skip_path = malloc(strlen(path) + sizeof ".skipped");
    if (!s->path || !s->skip_path) return label_store_free(s), cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    sprintf(s->skip_path, "%s.skipped", path);
    int rc = load_labels(s, err);
    if (rc == CX_OK) rc = load_skipped(s, err);
    if (rc) return label_store_free(s), rc;
    *out = s;
    return CX_OK;
}

void label_store_free(label_store *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_labels; i++) free((char *)s->labels[i].rec.text);
    for (size_t i = 0; i < s->n_skipped; i++) free(s->skipped[i]);
    free(s->labels);
    free(s->skipped);
    free(s->undo);
    free(s->taken_back);
    free(s->path);
    free(s->skip_path);
    free(s);
}

size_t label_store_done_count(const label_store *s) {
    return s->n_labels + s->n_skipped;
}

const char *label_store_done_text(const label_store *s, size_t i, size_t *len) {
    const char *t = i < s->n_labels ? s->labels[i].rec.text : s->skipped[i - s->n_labels];
    *len = i < s->n_labels ? s->labels[i].rec.text_len : strlen(t);
    return t;
}

static int write_labels(const label_store *s, cx_error *err) {
    cx_afile af;
    int rc = cx_afile_open(&af, s->path, err);
    for (size_t i = 0; i < s->n_labels && rc == CX_OK; i++)
        if (cx_record_write(af.f, &s->labels[i].rec) != CX_OK)
            rc = cx_error_set(err, CX_ERR_IO, "%s: write failed: %s", af.tmp_path, strerror(errno));
    if (rc == CX_OK) return cx_afile_commit(&af, err);
    cx_afile_abort(&af);
    return rc;
}

static int write_skipped(const label_store *s, cx_error *err) {
    cx_afile af;
    int rc = cx_afile_open(&af, s->skip_path, err);
    for (size_t i = 0; i < s->n_skipped && rc == CX_OK; i++) {
        cJSON *obj = cJSON_CreateObject();
        char *json = obj && cJSON_AddStringToObject(obj, "text", s->skipped[i]) ? cJSON_PrintUnformatted(obj) : NULL;
        cJSON_Delete(obj);
        if (!json) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else if (fprintf(af.f, "%s\n", json) < 0) rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", af.tmp_path);
        cJSON_free(json);
    }
    if (rc == CX_OK) return cx_afile_commit(&af, err);
    cx_afile_abort(&af);
    return rc;
}

int label_store_add(label_store *s, const cx_record *rec, cx_error *err) {
    int rc = cx_record_check_labeling(rec, err);
    if (rc) return rc;
    if (push_label(s, rec) || push_undo(s, 'L')) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    s->session_labels++;
    return write_labels(s, err);
}

int label_store_skip(label_store *s, const char *text, size_t len, cx_error *err) {
    if (push_skipped(s, text, len) || push_undo(s, 'S')) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    return write_skipped(s, err);
}

int label_store_undo(label_store *s, const char **text, cx_error *err) {
    *text = NULL;
    if (!s->n_undo) return CX_OK;
    free(s->taken_back);
    if (s->undo[--s->n_undo] == 'L') {
        s->taken_back = (char *)s->labels[--s->n_labels].rec.text;
        s->session_labels--;
        *text = s->taken_back;
        return write_labels(s, err);
    }
    s->taken_back = s->skipped[--s->n_skipped];
    *text = s->taken_back;
    return write_skipped(s, err);
}

size_t label_store_labelled(const label_store *s) {
    return s->n_labels;
}

size_t label_store_session_labels(const label_store *s) {
    return s->session_labels;
}
