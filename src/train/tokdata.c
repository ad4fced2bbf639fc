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

static int alloc_arrays(tokdata *td, size_t n, int max_length) {
    td->n = n;
    td->ids = malloc(n * (size_t)max_length * sizeof *td->ids);
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

/* Gives each record the index of its text among the distinct texts. */
static int index_texts(tokdata *td, const cx_dataset *ds) {
    strset seen;
    strset_init(&seen);
    for (size_t i = 0; i < td->n; i++) {
        const cx_record *r = cx_dataset_get(ds, i);
        int added;
        strset_entry *e = strset_add(&seen, r->text, r->text_len, (int)td->n_distinct, &added);
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

int tokdata_build(tokdata *td, const cx_dataset *ds, const cx_tokenizer *tok, int max_length, cx_error *err) {
    memset(td, 0, sizeof *td);
    size_t n = cx_dataset_size(ds);
    if (alloc_arrays(td, n, max_length)) {
        tokdata_free(td);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory for %zu tokenized records", n);
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const cx_record *r = cx_dataset_get(ds, i);
        size_t len;
        int rc = cx_tokenizer_encode(tok, r->text, r->text_len, (size_t)max_length, td->ids + pos, NULL,
                                     (size_t)max_length, &len, err);
        if (rc) {
            cx_error_prefix(err, "%s:%zu", cx_dataset_path(ds), r->line);
            tokdata_free(td);
            return rc;
        }
        td->offset[i] = pos;
        td->len[i] = (int)len;
        if ((int)len > td->max_len) td->max_len = (int)len;
        pos += len;
        td->score[i] = (float)r->score;
        td->tier[i] = r->tier;
        td->intent[i] = r->intent;
        for (int d = 0; d < CX_N_DOMAINS; d++) td->domains[i * CX_N_DOMAINS + d] = (float)((r->domains >> d) & 1u);
    }
    td->n_tokens = pos;
    int32_t *shrunk = realloc(td->ids, (pos ? pos : 1) * sizeof *td->ids);
    if (shrunk) td->ids = shrunk;
    if (index_texts(td, ds)) {
        tokdata_free(td);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    return CX_OK;
}
