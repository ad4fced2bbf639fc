/* Bench: one training step (forward + backward) of the full model, as
 * training runs it: packed batch, frozen part without gradients.
 *
 * usage: train_step IDS_FILE [--threads N] [--freeze F] [--steps S] [--hf DIR]
 * IDS_FILE: one sequence of token ids per line (from `complexity tokenize`).
 * Prints one line per variant: median seconds per step over S steps after
 * one warm-up step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complexity/model.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int read_ids(const char *path, int32_t **ids, int **lengths, int *n_seqs, size_t *n_tok) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t cap = 1 << 16, n = 0;
    int cap_s = 256, ns = 0;
    *ids = malloc(cap * sizeof **ids);
    *lengths = calloc((size_t)cap_s, sizeof **lengths);
    char line[65536];
    while (fgets(line, sizeof line, f) && ns < cap_s) {
        int len = 0;
        for (char *p = strtok(line, " \n"); p; p = strtok(NULL, " \n")) {
            if (n == cap) *ids = realloc(*ids, (cap *= 2) * sizeof **ids);
            (*ids)[n++] = (int32_t)atoi(p);
            len++;
        }
        if (len) (*lengths)[ns++] = len;
    }
    fclose(f);
    *n_seqs = ns;
    *n_tok = n;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: train_step IDS_FILE [--threads N] [--freeze F] [--steps S] [--hf DIR]\n");
        return 2;
    }
    int threads = 2, freeze = 4, steps = 3;
    const char *hf = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--freeze")) freeze = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--hf")) hf = argv[i + 1];
    }
    cx_model_set_threads(threads);
    int32_t *ids;
    int *lengths, B;
    size_t N;
    if (read_ids(argv[1], &ids, &lengths, &B, &N)) { perror(argv[1]); return 1; }
    int max_len = 0;
    for (int b = 0; b < B; b++) if (lengths[b] > max_len) max_len = lengths[b];
    cx_error err = {0};
    cx_model *m;
    double t0 = now();
    int rc;
    if (hf) rc = cx_model_load_hf(hf, 1, &m, &err);
    else {
        cx_model_config cfg;
        cx_model_preset("distilbert", &cfg, &err);
        rc = cx_model_create(&cfg, 1, &m, &err);
    }
    if (rc) { fprintf(stderr, "model: %s\n", err.msg); return 1; }
    printf("model ready in %.2f s (%s), %zu weights\n", now() - t0, hf ? hf : "random init",
           cx_model_n_params(m));
    cx_ws_options o = {.max_seqs = B, .max_tokens = N, .max_len = max_len, .freeze = freeze,
                       .training = 1};
    cx_model_ws *ws;
    if (cx_ws_open(m, &o, &ws, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
    float *score = malloc((size_t)B * 4), *dom = calloc((size_t)B * 5, 4);
    int *tier = malloc((size_t)B * sizeof(int)), *intent = malloc((size_t)B * sizeof(int));
    for (int b = 0; b < B; b++) { score[b] = 0.5f; tier[b] = b % 5; intent[b] = b % 8; dom[b * 5] = 1; }
    cx_model_targets t = {score, tier, dom, intent, NULL};
    cx_model_batch batch = {B, lengths, ids, NULL};
    size_t first = cx_model_trainable_offset(m, freeze);
    size_t ng = cx_model_n_params(m) - first;
    float *grads = malloc(ng * sizeof *grads);
    float *hidden = malloc(N * (size_t)cx_model_get_config(m)->dim * sizeof *hidden);
    cx_model_encode_frozen(m, ws, &batch, hidden, &err);
    printf("batch: %d sequences, %zu tokens, longest %d, freeze %d, %d threads\n", B, N, max_len,
           freeze, threads);
    for (int variant = 0; variant < 2; variant++) {
        /* 0: the whole step from ids; 1: from cached frozen outputs */
        double *times = malloc((size_t)steps * sizeof *times);
        cx_model_loss loss = {0};
        for (int s = -1; s < steps; s++) {
            double a = now();
            memset(grads, 0, ng * sizeof *grads);
            if (cx_model_forward(m, ws, &batch, variant ? hidden : NULL, 1, (uint64_t)s + 7, &t,
                                 &loss, NULL, &err) ||
                cx_model_backward(m, ws, grads, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            if (s >= 0) times[s] = now() - a;
        }
        qsort(times, (size_t)steps, sizeof *times, cmp_double);
        printf("RESULT c %s: median %.3f s/step (min %.3f, max %.3f) loss %.4f\n",
               variant ? "cached-frozen" : "full-step", times[steps / 2], times[0],
               times[steps - 1], loss.total);
        free(times);
    }
    free(grads); free(hidden); free(score); free(dom); free(tier); free(intent);
    free(ids); free(lengths);
    cx_ws_free(ws);
    cx_model_free(m);
    return 0;
}
