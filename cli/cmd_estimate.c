/* complexity estimate: the runtime estimator on messages, one JSON result each. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"

static const char *const CMD = "estimate";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity estimate [--config config.yaml] [--prior-messages N] [--jsonl] [--precise]\n"
            "                           [--log-level LEVEL] [--log-file FILE] [--bench ROUNDS] [TEXT...]\n\n"
            "Scores each TEXT (or, with none, each line of stdin) the way the seed's runtime does:\n"
            "the nine heuristic dimensions, the ML blend when the config enables a model (run by the\n"
            "native classifier: ml_model_path = a training output folder or weights file; a model\n"
            "that is missing or cannot be loaded falls back to the heuristic and is logged), the tier,\n"
            "the suggested model and the decomposition flag. Prints one JSON object per input,\n"
            "fields as the seed's ComplexityResult.to_dict.\n\n"
            "  --config FILE        config.yaml with a task_complexity section (default: built-in\n"
            "                       defaults); re-read whenever it changes while stdin is processed\n"
            "  --prior-messages N   user messages earlier in the conversation (context_dependency)\n"
            "  --jsonl              stdin lines are JSON objects: {\"text\": ..., \"prior_user_messages\": N}\n"
            "  --precise            unrounded scores, plus heuristic_score\n"
            "  --log-level LEVEL    debug, info, warning (default), error or off\n"
            "  --log-file FILE      append log lines there instead of stderr\n"
            "  --bench ROUNDS       read all of stdin, estimate it ROUNDS times without printing, and\n"
            "                       report the mean microseconds per message on stderr\n");
}

typedef struct run_state {
    cx_estimator *est;
    int precise;
    int failures;
} run_state;

static int estimate_one(run_state *rs, const char *text, size_t len, int prior) {
    cx_estimate e;
    cx_error err = {0, ""};
    if (cx_estimator_estimate(rs->est, text, len, prior, &e, &err) != CX_OK) {
        cli_fail_err(CMD, &err);
        rs->failures++;
        return -1;
    }
    char *json = cx_estimate_to_json(&e, rs->precise);
    if (!json) {
        cli_fail(CMD, "out of memory");
        rs->failures++;
        return -1;
    }
    puts(json);
    free(json);
    return 0;
}

/* One JSONL line: {"text": str, "prior_user_messages": int (optional)}. */
static void estimate_json_line(run_state *rs, const char *line, size_t lineno, int default_prior) {
    cJSON *obj = cJSON_Parse(line);
    cJSON *text = obj ? cJSON_GetObjectItemCaseSensitive(obj, "text") : NULL;
    cJSON *prior = obj ? cJSON_GetObjectItemCaseSensitive(obj, "prior_user_messages") : NULL;
    if (!cJSON_IsObject(obj) || !cJSON_IsString(text)) {
        cli_fail(CMD, "stdin:%zu: expected a JSON object with a \"text\" string", lineno);
        rs->failures++;
    } else if (prior && (!cJSON_IsNumber(prior) || prior->valuedouble < 0 || prior->valuedouble > 1e9 ||
                         prior->valuedouble != (double)(int)prior->valuedouble)) {
        cli_fail(CMD, "stdin:%zu: prior_user_messages must be a whole number >= 0", lineno);
        rs->failures++;
    } else {
        estimate_one(rs, text->valuestring, strlen(text->valuestring), prior ? prior->valueint : default_prior);
    }
    cJSON_Delete(obj);
}

static void run_stdin(run_state *rs, int jsonl, int prior) {
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r') line[--n] = '\0';
        if (n == 0) continue;
        cx_error err = {0, ""};
        if (cx_estimator_maybe_reload(rs->est, NULL, &err) != CX_OK)
            fprintf(stderr, "complexity estimate: config not reloaded, keeping the previous one: %s\n", err.msg);
        if (jsonl) estimate_json_line(rs, line, lineno, prior);
        else estimate_one(rs, line, (size_t)n, prior);
        fflush(stdout);
    }
    free(line);
}

/* The messages --bench holds in memory. */
typedef struct held {
    char *text;
    int prior;
} held;

typedef struct held_list {
    held *items;
    size_t n, cap, bytes;
} held_list;

/* One stdin line as a held message (text NULL: skip it, after saying why). */
static held hold_line(const char *line, size_t lineno, int jsonl, int prior) {
    held h = {NULL, prior};
    if (!jsonl) {
        h.text = strdup(line);
        return h;
    }
    cJSON *obj = cJSON_Parse(line), *t = obj ? cJSON_GetObjectItemCaseSensitive(obj, "text") : NULL;
    cJSON *p = obj ? cJSON_GetObjectItemCaseSensitive(obj, "prior_user_messages") : NULL;
    if (cJSON_IsString(t)) h.text = strdup(t->valuestring);
    else cli_fail(CMD, "stdin:%zu: expected a JSON object with a \"text\" string", lineno);
    if (cJSON_IsNumber(p) && p->valueint >= 0) h.prior = p->valueint;
    cJSON_Delete(obj);
    return h;
}

/* Reads all of stdin; returns -1 on a bad line or allocation failure. */
static int hold_stdin(held_list *hl, int jsonl, int prior) {
    char *line = NULL;
    size_t lcap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &lcap, stdin)) >= 0) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        if (len == 0) continue;
        if (hl->n == hl->cap) {
            size_t cap = hl->cap ? 2 * hl->cap : 1024;
            held *m = realloc(hl->items, cap * sizeof *m);
            if (!m) { cli_fail(CMD, "out of memory"); rc = -1; break; }
            hl->items = m;
            hl->cap = cap;
        }
        held h = hold_line(line, lineno, jsonl, prior);
        if (!h.text) { rc = -1; break; }
        hl->bytes += strlen(h.text);
        hl->items[hl->n++] = h;
    }
    free(line);
    return rc;
}

/* Reads stdin whole, then times the estimator on it ROUNDS times. */
static int run_bench(run_state *rs, int jsonl, int prior, size_t rounds) {
    held_list hl = {NULL, 0, 0, 0};
    int read_ok = hold_stdin(&hl, jsonl, prior) == 0, ok = read_ok && hl.n > 0;
    double best = 1e30, total = 0;
    for (size_t r = 0; r < rounds && ok; r++) {
        double t0 = cli_now_s();
        for (size_t i = 0; i < hl.n && ok; i++) {
            cx_estimate e;
            cx_error err = {0, ""};
            const held *h = &hl.items[i];
            if (cx_estimator_estimate(rs->est, h->text, strlen(h->text), h->prior, &e, &err) != CX_OK)
                ok = !cli_fail_err(CMD, &err);
        }
        double dt = cli_now_s() - t0;
        total += dt;
        if (dt < best) best = dt;
    }
    if (ok)
        fprintf(stderr, "estimate: %zu messages (%.1f bytes mean) x %zu rounds: mean %.2f us/message, best round "
                        "%.2f us/message, %.0f messages/s\n",
                hl.n, (double)hl.bytes / (double)hl.n, rounds, total / (double)(rounds * hl.n) * 1e6,
                best / (double)hl.n * 1e6, (double)(rounds * hl.n) / total);
    else if (read_ok && hl.n == 0)
        cli_fail(CMD, "--bench: no messages on stdin");
    for (size_t i = 0; i < hl.n; i++) free(hl.items[i].text);
    free(hl.items);
    return ok ? CLI_OK : CLI_FAIL;
}

int cmd_estimate(int argc, char **argv) {
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'c'}, {"prior-messages", required_argument, 0, 'p'},
        {"jsonl", no_argument, 0, 'j'},        {"precise", no_argument, 0, 'P'},
        {"log-level", required_argument, 0, 'l'}, {"log-file", required_argument, 0, 'L'},
        {"bench", required_argument, 0, 'b'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = NULL, *log_file = NULL;
    int jsonl = 0, precise = 0, level = CX_LOG_WARNING, c;
    size_t prior = 0, rounds = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'p':
            if (cli_parse_size(CMD, "--prior-messages", optarg, 0, &prior) != 0) return CLI_USAGE;
            if (prior > 1000000000) return cli_usage_error(CMD, "--prior-messages: %zu is too large", prior);
            break;
        case 'j': jsonl = 1; break;
        case 'P': precise = 1; break;
        case 'l':
            level = cx_log_level_from_name(optarg);
            if (level < 0) return cli_usage_error(CMD, "--log-level: unknown level '%s'", optarg);
            break;
        case 'L': log_file = optarg; break;
        case 'b':
            if (cli_parse_size(CMD, "--bench", optarg, 1, &rounds) != 0) return CLI_USAGE;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(CMD, "unknown option (see --help)");
        }
    }
    if (jsonl && optind < argc) return cli_usage_error(CMD, "--jsonl reads stdin; give no TEXT arguments");
    cx_error err = {0, ""};
    cx_logger *lg = NULL;
    if (cx_logger_open(log_file, (cx_log_level)level, &lg, &err) != CX_OK) return cli_fail_err(CMD, &err);
    cx_estimator_options opt = {.config_path = config, .ml_backend = cx_ml_backend_native(), .logger = lg};
    run_state rs = {NULL, precise, 0};
    if (cx_estimator_open(&opt, &rs.est, &err) != CX_OK) {
        cx_logger_free(lg);
        return cli_fail_err(CMD, &err);
    }
    if (rounds) {
        int rc = optind < argc ? cli_usage_error(CMD, "--bench reads stdin; give no TEXT arguments")
                               : run_bench(&rs, jsonl, (int)prior, rounds);
        cx_estimator_free(rs.est);
        cx_logger_free(lg);
        return rc;
    }
    if (optind < argc) {
        for (int i = optind; i < argc; i++) estimate_one(&rs, argv[i], strlen(argv[i]), (int)prior);
    } else {
        run_stdin(&rs, jsonl, (int)prior);
    }
    cx_estimator_free(rs.est);
    cx_logger_free(lg);
    return rs.failures ? CLI_FAIL : CLI_OK;
}
