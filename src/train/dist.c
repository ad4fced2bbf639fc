/* MPI data parallelism (dist.h). Errors return (MPI_ERRORS_RETURN) so that a
 * rank that dies mid-step makes the others stop with a message naming what
 * failed, rather than hang or abort without a word. */
#include "train/dist.h"

#include <stdlib.h>

#ifdef CX_HAVE_MPI
#include <mpi.h>
#endif

int cx_dist_agree(const cx_dist *d, int rc, cx_error *err) {
    double failed = rc != CX_OK;
    cx_error mine = *err;
    int sum_rc = cx_dist_sum_f64(d, &failed, 1, err);
    if (rc != CX_OK) return *err = mine, rc;
    if (sum_rc != CX_OK) return sum_rc;
    if (failed > 0)
        return cx_error_set(err, CX_ERR_INVALID, "%.0f of %d ranks failed (their messages say why)", failed, d->size);
    return CX_OK;
}

void cx_dist_share(const cx_dist *d, size_t n, size_t *lo, size_t *hi) {
    size_t size = (size_t)d->size, r = (size_t)d->rank, base = n / size, extra = n % size;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra);
}

#ifdef CX_HAVE_MPI

/* Started by a launcher: Open MPI, MPICH / Hydra, or PMIx set these. */
static int under_launcher(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

static int mpi_failed(int rc, const char *what, cx_error *err) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return cx_error_set(err, CX_ERR_IO, "%s failed: %.*s (a rank stopped or lost its connection)", what, len, msg);
}

/* MPI can be initialised once per process: the library finalises it at exit,
 * so that a host may train, evaluate and classify one after the other. */
static void finalize_at_exit(void) {
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
}

int cx_dist_open(cx_dist *d, cx_error *err) {
    *d = (cx_dist){0, 1, 0, 0};
    int ready = 0, done = 0;
    MPI_Initialized(&ready);
    MPI_Finalized(&done);
    if (done) return CX_OK; /* the host finished with MPI: one rank */
    if (!ready) {
        if (!under_launcher()) return CX_OK;
        int provided;
        /* OpenMP threads inside a rank never call MPI */
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return cx_error_set(err, CX_ERR_IO, "MPI_Init_thread failed");
        atexit(finalize_at_exit);
        d->owns_mpi = 1;
    }
    d->joined = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    return CX_OK;
}

void cx_dist_close(cx_dist *d) { *d = (cx_dist){0, 1, 0, 0}; }

/* MPI counts are ints: large buffers go in pieces. */
enum { CHUNK = 1 << 28 };

int cx_dist_sum_f32(const cx_dist *d, float *buf, size_t n, cx_error *err) {
    for (size_t i = 0; d->size > 1 && i < n; i += CHUNK) {
        int c = (int)(n - i < CHUNK ? n - i : CHUNK);
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf + i, c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Allreduce", err);
    }
    return CX_OK;
}

int cx_dist_sum_f64(const cx_dist *d, double *buf, size_t n, cx_error *err) {
    if (d->size < 2) return CX_OK;
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? CX_OK : mpi_failed(rc, "MPI_Allreduce", err);
}

int cx_dist_max_f64(const cx_dist *d, double *buf, size_t n, cx_error *err) {
    if (d->size < 2) return CX_OK;
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? CX_OK : mpi_failed(rc, "MPI_Allreduce", err);
}

int cx_dist_bcast_f32(const cx_dist *d, float *buf, size_t n, cx_error *err) {
    for (size_t i = 0; d->size > 1 && i < n; i += CHUNK) {
        int c = (int)(n - i < CHUNK ? n - i : CHUNK);
        int rc = MPI_Bcast(buf + i, c, MPI_FLOAT, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Bcast", err);
    }
    return CX_OK;
}

/* Results travel in pieces of 16 MiB: rank 0 holds one piece at a time. */
enum { BYTES_CHUNK = 1 << 24 };

static int send_bytes(const char *data, size_t len, cx_error *err) {
    unsigned long long n = len;
    int rc = MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, 0, MPI_COMM_WORLD);
    for (size_t i = 0; rc == MPI_SUCCESS && i < len; i += BYTES_CHUNK)
        rc = MPI_Send(data + i, (int)(len - i < BYTES_CHUNK ? len - i : BYTES_CHUNK), MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? CX_OK : mpi_failed(rc, "MPI_Send", err);
}

static int receive_bytes(int from, char *buf, cx_dist_sink sink, void *ctx, cx_error *err) {
    unsigned long long n = 0;
    int rc = MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Recv", err);
    for (size_t i = 0; i < n; i += BYTES_CHUNK) {
        int c = (int)(n - i < BYTES_CHUNK ? n - i : BYTES_CHUNK);
        rc = MPI_Recv(buf, c, MPI_CHAR, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Recv", err);
        if (sink(ctx, buf, (size_t)c)) return cx_error_set(err, CX_ERR_IO, "writing rank %d's results failed", from);
    }
    return CX_OK;
}

int cx_dist_gather_ordered(const cx_dist *d, const char *data, size_t len, cx_dist_sink sink, void *ctx,
                           cx_error *err) {
    if (d->rank != 0) return send_bytes(data, len, err);
    if (sink(ctx, data, len)) return cx_error_set(err, CX_ERR_IO, "writing the results failed");
    if (d->size < 2) return CX_OK;
    char *buf = malloc(BYTES_CHUNK);
    if (!buf) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = CX_OK;
    for (int r = 1; r < d->size && rc == CX_OK; r++) rc = receive_bytes(r, buf, sink, ctx, err);
    free(buf);
    return rc;
}

int cx_dist_barrier(const cx_dist *d, cx_error *err) {
    if (d->size < 2) return CX_OK;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? CX_OK : mpi_failed(rc, "MPI_Barrier", err);
}

#else /* one rank */

int cx_dist_open(cx_dist *d, cx_error *err) {
    (void)err;
    *d = (cx_dist){0, 1, 0, 0};
    return CX_OK;
}

void cx_dist_close(cx_dist *d) { *d = (cx_dist){0, 1, 0, 0}; }

int cx_dist_sum_f32(const cx_dist *d, float *buf, size_t n, cx_error *err) {
    (void)d, (void)buf, (void)n, (void)err;
    return CX_OK;
}

int cx_dist_sum_f64(const cx_dist *d, double *buf, size_t n, cx_error *err) {
    (void)d, (void)buf, (void)n, (void)err;
    return CX_OK;
}

int cx_dist_max_f64(const cx_dist *d, double *buf, size_t n, cx_error *err) {
    (void)d, (void)buf, (void)n, (void)err;
    return CX_OK;
}

int cx_dist_bcast_f32(const cx_dist *d, float *buf, size_t n, cx_error *err) {
    (void)d, (void)buf, (void)n, (void)err;
    return CX_OK;
}

int cx_dist_barrier(const cx_dist *d, cx_error *err) {
    (void)d, (void)err;
    return CX_OK;
}

int cx_dist_gather_ordered(const cx_dist *d, const char *data, size_t len, cx_dist_sink sink, void *ctx,
                           cx_error *err) {
    (void)d;
    return sink(ctx, data, len) ? cx_error_set(err, CX_ERR_IO, "writing the results failed") : CX_OK;
}

#endif
