/* A dataset tokenized once for training: packed ids, targets, and the
 * distinct-text index that lets frozen activations be shared by duplicates. */
#ifndef CX_TRAIN_TOKDATA_H
#define CX_TRAIN_TOKDATA_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/dataset.h"
#include "complexity/tokenizer.h"

typedef struct tokdata {
    size_t n;            /* records */
    int32_t *ids;        /* all ids, record i at ids[offset[i] .. offset[i] + len[i]) */
    size_t *offset;      /* (n) */
    int *len;            /* (n), 2..max_length */
    float *score;        /* (n) */
    int *tier, *intent;  /* (n) */
    float *domains;      /* (n, 5) 0/1 */
    size_t *text_id;     /* (n) index of the record's text among distinct texts */
    size_t n_distinct;
    size_t *first_of;    /* (n_distinct) a record holding each distinct text */
    size_t n_tokens;     /* ids stored (the copies of a weighted record share theirs) */
    size_t n_distinct_tokens; /* ids of the distinct texts */
    int max_len;         /* longest record */
} tokdata;

/* One dataset and how many times each of its records counts per epoch. */
typedef struct tokdata_source {
    const cx_dataset *ds;
    int weight;          /* >= 1 */
} tokdata_source;

/* Tokenizes every record of the sources (truncated to max_length), in order,
 * each record `weight` times. */
int tokdata_build(tokdata *td, const tokdata_source *src, int n_src, const cx_tokenizer *tok, int max_length,
                  cx_error *err);
void tokdata_free(tokdata *td);

#endif
