/* Dataset statistics: label counts, languages, distinct texts, lengths.
 * Feed records one by one into an accumulator, then read the summary. */
#ifndef COMPLEXITY_STATS_H
#define COMPLEXITY_STATS_H

#include "complexity/dataset.h"
#include "complexity/labels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Text length quantiles: min, p50, p90, p99, max. */
enum { CX_N_LEN_QUANTILES = 5 };

typedef struct cx_data_summary {
    size_t n;                        /* records */
    size_t tier[CX_N_TIERS];
    size_t intent[CX_N_INTENTS];
    size_t domain[CX_N_DOMAINS];     /* records carrying each domain */
    size_t no_domain;                /* records with domains [] */
    size_t lang[CX_N_LANGS];         /* "lang" field, else guessed */
    size_t distinct;                 /* distinct texts */
    size_t label_conflicts;          /* distinct texts seen with two label sets */
    size_t score_off_tier;           /* score outside its tier's range */
    double score_mean;
    size_t len_p[CX_N_LEN_QUANTILES]; /* text length in code points: min, p50, p90, p99, max */
} cx_data_summary;

typedef struct cx_stats cx_stats;

/* NULL when out of memory. */
CX_API cx_stats *cx_stats_new(void);
/* Counts one record; CX_OK or CX_ERR_NOMEM. The record is not kept. */
CX_API int cx_stats_add(cx_stats *st, const cx_record *rec);
/* Fills *out from everything added so far. */
CX_API void cx_stats_summary(cx_stats *st, cx_data_summary *out);
CX_API void cx_stats_free(cx_stats *st);

#ifdef __cplusplus
}
#endif
#endif
