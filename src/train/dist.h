/* Data parallelism over MPI (Open MPI from Debian; optional at build time).
 * A process started by mpirun joins the job: every rank holds the same
 * weights, computes its shard of each global batch, and the shards' gradients
 * are summed (MPI_Allreduce) before the optimizer step. Built without MPI, or
 * started without mpirun, there is one rank and every call is a no-op. */
#ifndef CX_TRAIN_DIST_H
#define CX_TRAIN_DIST_H

#include <stddef.h>

#include "complexity/common.h"

typedef struct cx_dist {
    int rank, size;
    int joined;     /* part of an MPI job (also with one rank): dropout masks are keyed per sample */
    int owns_mpi;   /* this call initialised MPI (finalised at exit) */
} cx_dist;

/* Joins the MPI job when built with MPI and started by mpirun (or when the
 * host already initialised MPI); else rank 0 of 1. */
int cx_dist_open(cx_dist *d, cx_error *err);
void cx_dist_close(cx_dist *d);
/* Element-wise sums across the ranks, in place (every rank gets the same). */
int cx_dist_sum_f32(const cx_dist *d, float *buf, size_t n, cx_error *err);
int cx_dist_sum_f64(const cx_dist *d, double *buf, size_t n, cx_error *err);
int cx_dist_max_f64(const cx_dist *d, double *buf, size_t n, cx_error *err);
/* Every rank learns whether any rank failed, so none waits at a later
 * collective for data that will not come. rc is this rank's result (err its
 * message when it failed). Returns rc with err as it was when this rank
 * failed, an error saying how many ranks failed when only others did, else
 * CX_OK. */
int cx_dist_agree(const cx_dist *d, int rc, cx_error *err);
/* Rank 0's buf to every rank. */
int cx_dist_bcast_f32(const cx_dist *d, float *buf, size_t n, cx_error *err);
int cx_dist_barrier(const cx_dist *d, cx_error *err);
/* Every rank's bytes, to rank 0's sink in rank order (rank 0's own first);
 * the other ranks send theirs and their sink is not called. */
typedef int (*cx_dist_sink)(void *ctx, const char *data, size_t len);
int cx_dist_gather_ordered(const cx_dist *d, const char *data, size_t len, cx_dist_sink sink, void *ctx,
                           cx_error *err);

/* Samples [lo, hi) of n that this rank takes: contiguous shares, the first
 * n % size ranks one more. */
void cx_dist_share(const cx_dist *d, size_t n, size_t *lo, size_t *hi);

#endif
