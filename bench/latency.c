/* Latency bench of the classifier: load time, then p50/p99/mean latency per
 * prompt (tokenize + model, one prompt at a time at its true length), and
 * batch-API throughput, on the "text" fields of a JSONL file. With --compare,
 * runs fp32 and INT8 on every prompt and reports their agreement (tier,
 * intent, mean |score diff|) and both accuracies against the labels.
 *
 *   latency --model PATH [--int8] [--threads N] [--kernel K] [--n N] [--repeat R] DATA.jsonl
 *   latency --model PATH --compare [--int8-model PATH] [--threads N] DATA.jsonl
 *     (INT8 side: --int8-model, e.g. an .onnx file, else PATH quantized at load)
 *   latency --model PATH --serve [--threads N] [--kernel K] DATA.jsonl
 *     (for bench/latency_paired.js: prints "ready", then for each prompt index
 *     read from stdin runs that prompt and prints its milliseconds)
 * Built by bench/latency.sh against a build's libcomplexity.a. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "complexity.h"

typedef struct sample {
    char *text;
    int tier, intent;
} sample;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int label(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

static size_t read_samples(const char *path, sample **out, size_t max) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char *line = NULL;
    size_t cap = 0, n = 0;
    sample *s = calloc(max, sizeof *s);
    while (n < max && getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *t = cJSON_GetObjectItem(j, "text");
        if (cJSON_IsString(t)) {
            s[n].text = strdup(t->valuestring);
            const cJSON *ti = cJSON_GetObjectItem(j, "tier"), *in = cJSON_GetObjectItem(j, "intent");
            s[n].tier = label(cx_tier_names, CX_N_TIERS, cJSON_IsString(ti) ? ti->valuestring : NULL);
            s[n].intent = label(cx_intent_names, CX_N_INTENTS, cJSON_IsString(in) ? in->valuestring : NULL);
            n++;
        }
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    *out = s;
    return n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ngram: "" = the neural model alone; NULL = the n-gram part beside the model when present (classifier.h). */
typedef struct bench_model {
    cx_classifier *cl;
    cx_classifier_ctx *x;
} bench_model;

static bench_model *open_or_die(const char *model, const char *ngram, int threads, int int8, const char *kernel,
                                double *ms) {
    cx_classifier_options o = {.threads = threads, .ngram = ngram, .int8 = int8, .kernel = kernel};
    bench_model *c = calloc(1, sizeof *c);
    cx_error err = {0, ""};
    double t0 = now_ms();
    if (!c || cx_classifier_open(model, &o, &c->cl, &err) || cx_classifier_ctx_open(c->cl, &c->x, &err)) {
        fprintf(stderr, "%s: %s\n", model, err.msg);
        exit(1);
    }
    *ms = now_ms() - t0;
    return c;
}

static void close_model(bench_model *c) {
    cx_classifier_ctx_free(c->x);
    cx_classifier_free(c->cl);
    free(c);
}

static void predict_or_die(bench_model *c, const char *text, cx_prediction *p) {
    cx_error err = {0, ""};
    if (cx_classifier_predict(c->x, text, strlen(text), p, &err)) {
        fprintf(stderr, "predict: %s\n", err.msg);
        exit(1);
    }
}

/* p50 / p99 / mean of ms[0..n) (sorts it) into buf */
static void summary(char *buf, size_t len, double *ms, size_t n) {
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += ms[i];
    qsort(ms, n, sizeof *ms, cmp_double);
    snprintf(buf, len, "p50=%.2f ms  p99=%.2f ms  mean=%.2f ms", ms[n / 2], ms[(size_t)(n * 0.99)], sum / n);
}

/* repeat > 1: every prompt is run in `repeat` passes over all of them; the
 * first pass gives the usual figures, and the best of the passes per prompt
 * gives a second set that a neighbour's burst on a shared machine hardly
 * moves (for A/B comparisons). */
static void latency(const char *model, const char *ngram, int int8, int threads, const char *kernel, sample *s,
                    size_t n, int repeat) {
    double load_ms;
    bench_model *c = open_or_die(model, ngram, threads, int8, kernel, &load_ms);
    cx_prediction p;
    for (size_t i = 0; i < 5 && i < n; i++) predict_or_die(c, s[i].text, &p); /* warm up */
    double *ms = malloc(n * sizeof *ms), *best = malloc(n * sizeof *best);
    for (int pass = 0; pass < repeat; pass++)
        for (size_t i = 0; i < n; i++) {
            double t0 = now_ms();
            predict_or_die(c, s[i].text, &p);
            const double t = now_ms() - t0;
            if (pass == 0) ms[i] = best[i] = t;
            else if (t < best[i]) best[i] = t;
        }
    /* the batch API: all prompts in one call */
    const char **texts = malloc(n * sizeof *texts);
    size_t *lens = malloc(n * sizeof *lens);
    cx_prediction *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) texts[i] = s[i].text, lens[i] = strlen(s[i].text);
    cx_error err = {0, ""};
    double tb = now_ms();
    if (cx_classifier_predict_batch(c->x, texts, lens, n, out, &err)) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    tb = now_ms() - tb;
    char first[128], best_of[160] = "";
    summary(first, sizeof first, ms, n);
    if (repeat > 1) {
        char b[128];
        summary(b, sizeof b, best, n);
        snprintf(best_of, sizeof best_of, "  best of %d: %s", repeat, b);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-18s threads=%d prompts=%zu load=%.0f ms  %s  batch=%.0f prompts/s  peak_rss=%.0f MB%s\n",
           cx_classifier_backend(c->cl), threads, n, load_ms, first, n / (tb / 1e3), ru.ru_maxrss / 1024.0, best_of);
    free(ms); free(best); free(texts); free(lens); free(out);
    close_model(c);
}

/* Prompts on request, so that another engine can be timed on the same
 * prompt right before or after (bench/latency_paired.js). */
static void serve(const char *model, int threads, const char *kernel, sample *s, size_t n) {
    double ms;
    bench_model *c = open_or_die(model, NULL, threads, 0, kernel, &ms);
    cx_prediction p;
    for (size_t i = 0; i < 5 && i < n; i++) predict_or_die(c, s[i].text, &p); /* warm up */
    printf("ready %s load=%.0f ms\n", cx_classifier_backend(c->cl), ms);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        const size_t i = (size_t)strtoul(line, NULL, 10);
        if (i >= n) break;
        const double t0 = now_ms();
        predict_or_die(c, s[i].text, &p);
        printf("%.4f\n", now_ms() - t0);
        fflush(stdout);
    }
    close_model(c);
}

static void compare(const char *model, const char *int8_model, int threads, sample *s, size_t n) {
    double ms;
    bench_model *a = open_or_die(model, NULL, threads, 0, NULL, &ms);
    bench_model *b = open_or_die(int8_model ? int8_model : model, NULL, threads, 1, NULL, &ms);
    size_t same_tier = 0, same_intent = 0, ok_a[2] = {0}, ok_b[2] = {0};
    double dscore = 0, dmax = 0;
    for (size_t i = 0; i < n; i++) {
        cx_prediction pa, pb;
        predict_or_die(a, s[i].text, &pa);
        predict_or_die(b, s[i].text, &pb);
        same_tier += pa.tier == pb.tier;
        same_intent += pa.intent == pb.intent;
        double d = pa.score > pb.score ? pa.score - pb.score : pb.score - pa.score;
        dscore += d;
        if (d > dmax) dmax = d;
        ok_a[0] += pa.tier == s[i].tier, ok_a[1] += pa.intent == s[i].intent;
        ok_b[0] += pb.tier == s[i].tier, ok_b[1] += pb.intent == s[i].intent;
    }
    printf("agreement %s (%s) vs fp32: prompts=%zu same tier %.2f%%  same intent %.2f%%  mean |score diff| %.5f  max %.4f\n",
           cx_classifier_backend(b->cl), cx_classifier_model_path(b->cl), n, 100.0 * same_tier / n, 100.0 * same_intent / n, dscore / n, dmax);
    printf("accuracy vs labels: fp32 tier %.2f%% intent %.2f%%; int8 tier %.2f%% intent %.2f%%\n",
           100.0 * ok_a[0] / n, 100.0 * ok_a[1] / n, 100.0 * ok_b[0] / n, 100.0 * ok_b[1] / n);
    close_model(a);
    close_model(b);
}

int main(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *kernel = NULL, *int8_model = NULL, *ngram = NULL;
    int int8 = 0, threads = 1, cmp = 0, repeat = 1, serving = 0;
    size_t max = 1500;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--int8")) int8 = 1;
        else if (!strcmp(argv[i], "--compare")) cmp = 1;
        else if (!strcmp(argv[i], "--serve")) serving = 1;
        else if (!strcmp(argv[i], "--int8-model") && i + 1 < argc) int8_model = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) kernel = argv[++i];
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) max = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-ngram")) ngram = "";
        else data = argv[i];
    }
    if (!model || !data) {
        fprintf(stderr, "usage: latency --model PATH [--int8|--compare|--serve] [--threads N] [--kernel K] [--n N] [--repeat R] [--no-ngram] DATA.jsonl\n");
        return 2;
    }
    sample *s;
    size_t n = read_samples(data, &s, max);
    if (n == 0) { fprintf(stderr, "%s: no prompts\n", data); return 1; }
    cx_model_set_threads(threads); /* OpenBLAS's count for the fp32 runs: the host's setting, as the CLI sets it */
    if (serving) serve(model, threads, kernel, s, n);
    else if (cmp) compare(model, int8_model, threads, s, n);
    else latency(model, ngram, int8, threads, kernel, s, n, repeat > 1 ? repeat : 1);
    for (size_t i = 0; i < n; i++) free(s[i].text);
    free(s);
    return 0;
}
