/* fp32 GEMM throughput of OpenBLAS (cblas_sgemm) beside oneDNN (dnnl_sgemm)
 * at the shapes of our linear layers, in the three forms src/nn/matmul.c runs
 * (row-major): forward out = inp @ W^T (N,T), backward data dinp += dout @ W
 * (N,N), backward weights dW += dout^T @ inp (T,N). GFLOP/s, best of R runs
 * after one warm-up, per thread count.
 *
 *   sgemm [--runs R] [--threads T]... [--cores A,B,...] [--no-dnnl] [--set brief|model|all]
 *
 * --cores: OpenBLAS core types to compare in one process (DYNAMIC_ARCH builds
 * only), switched as src/nn/blas.c switches them; runs alternate between the
 * variants so that a neighbour's load on a shared machine hits them alike.
 * Without it, the core OpenBLAS chose (or OPENBLAS_CORETYPE's). The last
 * column checks that OpenBLAS and oneDNN computed the same product
 * (max |diff| / max |value|).
 *
 * "brief": 4096 rows (batch x tokens), 256 <-> 256 / 1024 features; "model":
 * the distilbert-base-multilingual-cased linears (768 <-> 2304 / 768 / 3072)
 * for the 981 tokens of bench/train_step.sh's batch.
 * Build: gcc -O2 -std=c11 -fopenmp bench/sgemm.c -o /tmp/bench_sgemm \
 *            $(pkg-config --cflags --libs openblas) -ldnnl -lm
 * Run: OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4 /tmp/bench_sgemm \
 *            --cores Prescott,Haswell,SkylakeX,Cooperlake */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct layer {
    const char *set, *name;
    int rows, in, out; /* tokens, C, OC */
} layer;

static const layer LAYERS[] = {
    {"brief", "256->256", 4096, 256, 256},
    {"brief", "256->1024", 4096, 256, 1024},
    {"brief", "1024->256", 4096, 1024, 256},
    {"model", "qkv 768->2304", 981, 768, 2304},
    {"model", "attn-out 768->768", 981, 768, 768},
    {"model", "ffn1 768->3072", 981, 768, 3072},
    {"model", "ffn2 3072->768", 981, 3072, 768},
};
enum { N_LAYERS = sizeof LAYERS / sizeof LAYERS[0], MAX_THREADS = 8, MAX_CORES = 8 };

/* One GEMM C (M,N) = A op (M,K) @ B op (K,N) + beta C, row-major. */
typedef struct gemm {
    const char *form;
    char ta, tb;
    int M, N, K;
    float beta;
} gemm;

static gemm layer_gemm(const layer *l, int form) {
    switch (form) {
    case 0: return (gemm){"fwd (N,T)", 'N', 'T', l->rows, l->out, l->in, 0.0f};
    case 1: return (gemm){"bwd-data (N,N)", 'N', 'N', l->rows, l->in, l->out, 1.0f};
    default: return (gemm){"bwd-weight (T,N)", 'T', 'N', l->out, l->in, l->rows, 1.0f};
    }
}

typedef struct bufs {
    float *a, *b, *c;
} bufs;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *random_floats(size_t n) {
    float *p = malloc(n * sizeof *p);
    if (!p) { perror("malloc"); exit(1); }
    for (size_t i = 0; i < n; i++) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return p;
}

static int run_openblas(const gemm *g, const bufs *m) {
    const int lda = g->ta == 'N' ? g->K : g->M, ldb = g->tb == 'N' ? g->N : g->K;
    cblas_sgemm(CblasRowMajor, g->ta == 'N' ? CblasNoTrans : CblasTrans,
                g->tb == 'N' ? CblasNoTrans : CblasTrans, g->M, g->N, g->K, 1.0f, m->a, lda, m->b,
                ldb, g->beta, m->c, g->N);
    return 0;
}

static int run_dnnl(const gemm *g, const bufs *m) {
    const int lda = g->ta == 'N' ? g->K : g->M, ldb = g->tb == 'N' ? g->N : g->K;
    return dnnl_sgemm(g->ta, g->tb, g->M, g->N, g->K, 1.0f, m->a, lda, m->b, ldb, g->beta, m->c,
                      g->N) != dnnl_success;
}

/* max |openblas - dnnl| / max |openblas| with beta = 0 */
static double disagreement(gemm g, const bufs *m) {
    const size_t n = (size_t)g.M * (size_t)g.N;
    float *ref = malloc(n * sizeof *ref);
    if (!ref) { perror("malloc"); exit(1); }
    g.beta = 0.0f;
    run_openblas(&g, m);
    memcpy(ref, m->c, n * sizeof *ref);
    run_dnnl(&g, m);
    double diff = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)ref[i] - m->c[i]));
        scale = fmax(scale, fabs((double)ref[i]));
    }
    free(ref);
    return diff / scale;
}

static void set_threads(int t) {
    openblas_set_num_threads(t);
    omp_set_num_threads(t);
}

/* Switches OpenBLAS to core type NAME as src/nn/blas.c does (looked up at
 * run time: only DYNAMIC_ARCH builds have these); 0 when
 * openblas_get_corename() then says NAME. */
static int use_core(const char *name) {
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (!quit || !init) return -1;
    quit();
    setenv("OPENBLAS_CORETYPE", name, 1);
    init();
    unsetenv("OPENBLAS_CORETYPE");
    return strcasecmp(openblas_get_corename(), name) != 0;
}

typedef struct opts {
    int runs, threads[MAX_THREADS], n_threads, dnnl, n_cores;
    const char *cores[MAX_CORES]; /* NULL: the core OpenBLAS chose */
} opts;

/* One row: best of o->runs per variant (each core type, then oneDNN), runs
 * taken round-robin so that a neighbour's load hits every variant alike. */
static void bench_row(const gemm *g, const bufs *m, const opts *o, double *gflops) {
    const int nv = o->n_cores + o->dnnl;
    double best[MAX_CORES + 1];
    for (int v = 0; v < nv; v++) best[v] = 1e30;
    for (int r = -1; r < o->runs; r++)
        for (int v = 0; v < nv; v++) {
            int dn = v == o->n_cores;
            if (!dn && o->cores[v] && use_core(o->cores[v])) {
                fprintf(stderr, "OpenBLAS did not switch to %s (not a DYNAMIC_ARCH build?)\n", o->cores[v]);
                exit(1);
            }
            double t = now();
            if (dn ? run_dnnl(g, m) : run_openblas(g, m)) { fprintf(stderr, "dnnl_sgemm failed\n"); exit(1); }
            t = now() - t;
            if (r >= 0 && t < best[v]) best[v] = t;
        }
    for (int v = 0; v < nv; v++) gflops[v] = 2.0 * g->M * g->N * g->K / best[v] * 1e-9;
}

static void bench_layer(const layer *l, int threads, const opts *o) {
    for (int form = 0; form < 3; form++) {
        gemm g = layer_gemm(l, form);
        bufs m = {random_floats((size_t)g.M * (size_t)g.K), random_floats((size_t)g.K * (size_t)g.N),
                  random_floats((size_t)g.M * (size_t)g.N)};
        double gflops[MAX_CORES + 1];
        bench_row(&g, &m, o, gflops);
        printf("| %d | %s | %s | %dx%dx%d |", threads, l->name, g.form, g.M, g.N, g.K);
        for (int v = 0; v < o->n_cores + o->dnnl; v++) printf(" %.1f |", gflops[v]);
        if (o->dnnl) printf(" %.1e |", disagreement(g, &m));
        printf("\n");
        fflush(stdout);
        free(m.a); free(m.b); free(m.c);
    }
}

static void print_header(const opts *o) {
    printf("| threads | layer | form | MxNxK |");
    for (int v = 0; v < o->n_cores; v++)
        printf(" OpenBLAS %s |", o->cores[v] ? o->cores[v] : openblas_get_corename());
    printf(o->dnnl ? " oneDNN | rel. diff |\n|---|---|---|---|---|---|" : "\n|---|---|---|---|");
    for (int v = 0; v < o->n_cores; v++) printf("---|");
    printf("\n");
}

static int parse_cores(opts *o, char *list) {
    for (char *c = strtok(list, ","); c; c = strtok(NULL, ","))
        if (o->n_cores == MAX_CORES) return -1;
        else o->cores[o->n_cores++] = c;
    return 0;
}

int main(int argc, char **argv) {
    opts o = {.runs = 5, .dnnl = 1};
    const char *set = "all";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) o.runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc && o.n_threads < MAX_THREADS)
            o.threads[o.n_threads++] = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cores") && i + 1 < argc && !parse_cores(&o, argv[++i])) continue;
        else if (!strcmp(argv[i], "--no-dnnl")) o.dnnl = 0;
        else if (!strcmp(argv[i], "--set") && i + 1 < argc) set = argv[++i];
        else {
            fprintf(stderr, "usage: sgemm [--runs R] [--threads T]... [--cores A,B,...] [--no-dnnl] "
                            "[--set brief|model|all]\n");
            return 2;
        }
    }
    if (!o.n_threads) o.threads[o.n_threads++] = 1, o.threads[o.n_threads++] = 2;
    if (!o.n_cores) o.cores[o.n_cores++] = NULL;
    if (o.runs < 1) o.runs = 1;
    const dnnl_version_t *v = dnnl_version();
    printf("OpenBLAS core at start: %s\nOpenBLAS config: %s\n", openblas_get_corename(),
           openblas_get_config());
    if (o.dnnl) printf("oneDNN %d.%d.%d\n", v->major, v->minor, v->patch);
    printf("GFLOP/s, best of %d runs\n\n", o.runs);
    print_header(&o);
    for (int t = 0; t < o.n_threads; t++) {
        set_threads(o.threads[t]);
        for (int i = 0; i < N_LAYERS; i++)
            if (!strcmp(set, "all") || !strcmp(set, LAYERS[i].set)) bench_layer(&LAYERS[i], o.threads[t], &o);
    }
    return 0;
}
