/* What one data-parallel step pays to sum its gradients: MPI_Allreduce
 * (MPI_SUM, float) of the sizes given, timed over REPS calls after a warm-up,
 * on whatever transport Open MPI picks (shared memory on one host; TCP with
 * --mca btl tcp,self). Rank 0 prints one line per size: floats, MB, ms per
 * call, and the bus bandwidth of a ring allreduce, 2 (N-1)/N bytes / time.
 *
 * usage: mpirun -np N build/bench_allreduce [REPS] FLOATS...  */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double time_allreduce(float *buf, int n, int reps) {
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int r = 0; r < reps; r++) MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double t = (MPI_Wtime() - t0) / reps, worst;
    MPI_Reduce(&t, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return worst;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int reps = argc > 1 ? atoi(argv[1]) : 10;
    for (int a = 2; a < argc; a++) {
        int n = atoi(argv[a]);
        float *buf = calloc((size_t)n, sizeof *buf);
        if (!buf) MPI_Abort(MPI_COMM_WORLD, 1);
        double t = time_allreduce(buf, n, reps);
        double mb = (double)n * 4 / 1e6;
        if (rank == 0)
            printf("allreduce ranks %d floats %d (%.1f MB): %.2f ms, bus bandwidth %.2f GB/s\n", size, n, mb, 1e3 * t,
                   size > 1 ? 2.0 * (size - 1) / size * mb / 1e3 / t : 0.0);
        free(buf);
    }
    MPI_Finalize();
    return 0;
}
