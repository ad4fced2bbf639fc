/* Batch classification of a file (`complexity classify --in FILE --out FILE`),
 * sharded across the ranks of an MPI job when started by mpirun: each rank
 * takes the lines whose first byte lies in its share of the file's bytes,
 * classifies them, and rank 0 writes every rank's results in input order
 * (temp file, renamed into place). Without MPI it is one rank. Part of
 * libcomplexity-train. */
#ifndef COMPLEXITY_BATCH_H
#define COMPLEXITY_BATCH_H

#include <stddef.h>

#include "complexity/classifier.h"
#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_batch_stats {
    size_t lines;        /* predictions written (the whole job's, on rank 0; this rank's elsewhere) */
    size_t local_lines;  /* classified by this rank */
    int rank, ranks;
    double seconds;      /* from the start to the output renamed into place */
} cx_batch_stats;

typedef struct cx_batch_options {
    int jsonl;          /* 1: lines are JSON objects with "text"; 0: a prompt a line */
    /* Called now and then (every 256 prompts) with the share of this rank's
     * bytes done, in [0, 1]; may be NULL. Rank 0's stands for the job. */
    void (*progress)(void *ctx, double done, size_t prompts);
    void *ctx;
} cx_batch_options;

/* Reads `in` (one prompt a line; blank lines skipped), writes one
 * cx_prediction_to_json line per prompt to `out`. A bad line fails the job
 * with "FILE:LINE: ..." on the rank that read it; the others stop at the
 * gather with a message saying so. o may be NULL (plain lines, no progress). */
CX_API int cx_classify_file(const cx_classifier *c, const char *in, const char *out, const cx_batch_options *o,
                            cx_batch_stats *stats, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
