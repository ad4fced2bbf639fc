#include "train/tokdata.h"

#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "complexity/common.h"
#include "util/strset.h"

void tokdata_free(tokdata *td) {
    free(td->ids);
    free(td->offset);
    free(td->len);
    free(td->score);
    free(td->tier);
    free(td->intent);
    free(td->domains);
    free(td->text_id);
    free(td->first_of);
    memset(td, 0, sizeof *td);
}

static int alloc_arrays(tokdata *td, size_t n, size_t n_read, int max_length) {
    td->n = n;
    td->ids = malloc((n_read ? n_read : 1) * (size_t)max_length * sizeof *td->ids);
    td->offset = malloc(n * sizeof *td->offset);
    td->len = malloc(n * sizeof *td->len);
    td->score = malloc(n * sizeof *td->score);
    td->tier = malloc(n * sizeof *td->tier);
    td->intent = malloc(n * sizeof *td->intent);
    td->domains = calloc(n * CX_N_DOMAINS, sizeof *td->domains);
    td->text_id = malloc(n * sizeof *td->text_id);
    td->first_of = malloc(n * sizeof *td->first_of);
    return td->ids && td->offset && td->len && td->score && td->tier && td->intent && td->domains &&
                   td->text_id && td->first_of
               ? 0
               : -1;
}

/* Gives each record the index of its text among the distinct texts; the
 * copies of a weighted source share their text, so they share one entry of
 * the frozen cache. */
static int index_texts(tokdata *td, const char *const *text, const size_t *text_len) {
    strset seen;
    strset_init(&seen);
    for (size_t i = 0; i < td->n; i++) {
        int added;
        strset_entry *e = strset_add(&seen, text[i], text_len[i], (int)td->n_distinct, &added);
        if (!e) {
            strset_free(&seen);
            return -1;
        }
        if (added) {
            td->first_of[td->n_distinct++] = i;
            td->n_distinct_tokens += (size_t)td->len[i];
        }
        td->text_id[i] = (size_t)e->value;
    }
    strset_free(&seen);
    return 0;
}

static void set_targets(tokdata *td, size_t i, const cx_record *r, size_t offset, int len) {
    td->offset[i] = offset;
    td->len[i] = len;
    td->score[i] = (float)r->score;
    td->tier[i] = r->tier;
    td->intent[i] = r->intent;
    for (int d = 0; d < CX_N_DOMAINS; d++) td->domains[i * CX_N_DOMAINS + d] = (float)((r->domains >> d) & 1u);
}

/* Tokenizes each record of a source once; its further copies follow as whole
 * passes over the source sharing those ids, so a file of weight K is laid out
 * exactly as the file given K times. */
static int tokenize_sources(tokdata *td, const tokdata_source *src, int n_src, const cx_tokenizer *tok,
                            int max_length, const char **text, size_t *text_len, cx_error *err) {
    size_t pos = 0, i = 0;
    for (int s = 0; s < n_src; s++) {
        size_t size = cx_dataset_size(src[s].ds), first = i;
        for (size_t k = 0; k < size; k++, i++) {
            const cx_record *r = cx_dataset_get(src[s].ds, k);
            size_t len;
            int rc = cx_tokenizer_encode(tok, r->text, r->text_len, (size_t)max_length, td->ids + pos, NULL,
                                         (size_t)max_length, &len, err);
            if (rc) return cx_error_prefix(err, "%s:%zu", cx_dataset_path(src[s].ds), r->line), rc;
            if ((int)len > td->max_len) td->max_len = (int)len;
            set_targets(td, i, r, pos, (int)len);
            text[i] = r->text;
            text_len[i] = r->text_len;
            pos += len;
        }
        for (int w = 1; w < src[s].weight; w++)
            for (size_t k = 0; k < size; k++, i++) {
                set_targets(td, i, cx_dataset_get(src[s].ds, k), td->offset[first + k], td->len[first + k]);
                text[i] = text[first + k];
                text_len[i] = text_len[first + k];
            }
    }
    td->n_tokens = pos;
    return CX_OK;
}

int tokdata_build(tokdata *td, const tokdata_source *src, int n_src, const cx_tokenizer *tok, int max_length,
                  cx_error *err) {
    memset(td, 0, sizeof *td);
    size_t n = 0, n_read = 0;
    for (int s = 0; s < n_src; s++) {
        n_read += cx_dataset_size(src[s].ds);
        n += cx_dataset_size(src[s].ds) * (size_t)src[s].weight;
    }
    const char **text = malloc((n ? n : 1) * sizeof *text);
    size_t *text_len = malloc((n ? n : 1) * sizeof *text_len);
    if (!text || !text_len || alloc_arrays(td, n, n_read, max_length)) {
        free(text);
        free(text_len);
        tokdata_free(td);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory for %zu tokenized records", n);
    }
    int rc = tokenize_sources(td, src, n_src, tok, max_length, text, text_len, err);
    if (rc == CX_OK) {
        int32_t *shrunk = realloc(td->ids, (td->n_tokens ? td->n_tokens : 1) * sizeof *td->ids);
        if (shrunk) td->ids = shrunk;
        if (index_texts(td, text, text_len)) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    free(text);
    free(text_len);
    if (rc) tokdata_free(td);
    return rc;
}
