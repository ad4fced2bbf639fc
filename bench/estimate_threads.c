/* Estimator throughput with the ML model at 1..T threads, through the public
 * API alone (linked against the shared runtime library): one estimator, the
 * native backend, the shipped model; each thread estimates its share of the
 * prompts of a JSONL file R times. Beside it, in the same run, the anchor: the
 * same work with every estimate behind one mutex, which is how the estimator
 * ran ML predictions before the classifier was split into a shared model and
 * per-thread contexts.
 *
 *   bench_estimate_threads MODEL DATA.jsonl [THREADS] [ROUNDS]   (THREADS: the most, default 2) */
#include <cjson/cJSON.h>
#include <complexity.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct job {
    cx_estimator *est;
    char **texts;
    size_t lo, hi;
    int rounds;
    pthread_mutex_t *serialise; /* the anchor: NULL = run freely */
    int failed;
} job;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
    job *j = arg;
    cx_error err = {0, ""};
    for (int r = 0; r < j->rounds; r++)
        for (size_t i = j->lo; i < j->hi; i++) {
            cx_estimate e;
            if (j->serialise) pthread_mutex_lock(j->serialise);
            int rc = cx_estimator_estimate(j->est, j->texts[i], strlen(j->texts[i]), 0, &e, &err);
            if (j->serialise) pthread_mutex_unlock(j->serialise);
            if (rc != CX_OK || e.has_ml == 0) j->failed = 1;
        }
    return NULL;
}

/* Estimates per second with t threads. */
static double run(cx_estimator *est, char **texts, size_t n, int t, int rounds, pthread_mutex_t *mu) {
    pthread_t th[64];
    job jobs[64];
    double t0 = now_s();
    for (int k = 0; k < t; k++) {
        jobs[k] = (job){est, texts, n * (size_t)k / (size_t)t, n * (size_t)(k + 1) / (size_t)t, rounds, mu, 0};
        pthread_create(&th[k], NULL, worker, &jobs[k]);
    }
    int failed = 0;
    for (int k = 0; k < t; k++) pthread_join(th[k], NULL), failed |= jobs[k].failed;
    if (failed) fprintf(stderr, "an estimate failed or ran without the model\n"), exit(1);
    return (double)n * rounds / (now_s() - t0);
}

static size_t read_texts(const char *path, char ***out) {
    FILE *f = fopen(path, "r");
    if (!f) perror(path), exit(1);
    char *line = NULL, **texts = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
        if (cJSON_IsString(t)) {
            texts = realloc(texts, (n + 1) * sizeof *texts);
            texts[n++] = strdup(t->valuestring);
        }
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    *out = texts;
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) return fprintf(stderr, "usage: %s MODEL DATA.jsonl [THREADS] [ROUNDS]\n", argv[0]), 2;
    int max_t = argc > 3 ? atoi(argv[3]) : 2, rounds = argc > 4 ? atoi(argv[4]) : 3;
    if (max_t < 1 || max_t > 64 || rounds < 1) return fprintf(stderr, "bad THREADS or ROUNDS\n"), 2;
    char **texts;
    size_t n = read_texts(argv[2], &texts);
    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    cfg.ml_model_enabled = 1;
    cfg.ml_estimation_mode = CX_ML_ONLY;
    snprintf(cfg.ml_model_path, sizeof cfg.ml_model_path, "%s", argv[1]);
    cx_estimator_options eo = {.ml_backend = cx_ml_backend_native()};
    cx_estimator *est;
    cx_error err = {0, ""};
    if (cx_estimator_open(&eo, &est, &err) || cx_estimator_set_config(est, &cfg, NULL, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    if (!cx_estimator_ml_active(est)) return fprintf(stderr, "%s: the model did not load\n", argv[1]), 1;
    run(est, texts, n < 50 ? n : 50, 1, 1, NULL); /* warm up */
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    printf("prompts=%zu rounds=%d model=%s\n", n, rounds, argv[1]);
    printf("threads  estimates/s (contexts per thread)  estimates/s (one mutex: the anchor)\n");
    for (int t = 1; t <= max_t; t++) {
        double free_run = run(est, texts, n, t, rounds, NULL), locked = run(est, texts, n, t, rounds, &mu);
        printf("%7d  %34.0f  %36.0f\n", t, free_run, locked);
    }
    cx_estimator_free(est);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    return 0;
}
