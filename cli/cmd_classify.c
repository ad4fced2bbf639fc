/* complexity classify: the ML classifier on texts, one JSON object each
 * (the seed's MLPrediction fields). */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

static const char *const CMD = "classify";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity classify [--model PATH] [--tokenizer DIR] [--max-length N] [--jsonl]\n"
            "                           [--threads N] [--int8] [--kernel NAME] [--raw-score]\n"
            "                           [--ngram FILE | --no-ngram] [--keep-tail N|none]\n"
            "                           [TEXT... | --in FILE --out FILE]\n\n"
            "Classifies each TEXT, or each line of stdin when no TEXT is given (with --jsonl, the\n"
            "\"text\" field of each JSON line), printing one JSON object per input: score, tier,\n"
            "domains, intent, tier_probs, intent_probs, domain_scores.\n\n"
            "  --model PATH      a training output folder, a .safetensors file, or an INT8 file\n"
            "                    from `complexity quantize` (run by the INT8 engine)\n"
            "                    (default: training/output when it exists, else the shipped\n"
            "                    models/complexity_model_int8.onnx)\n"
            "  --tokenizer DIR   tokenizer folder (default: the model's tokenizer/)\n"
            "  --max-length N    truncate to N tokens (default: the model's config.json, else 256)\n"
            "  --jsonl           stdin lines are JSON objects with a \"text\" field\n"
            "  --threads N       CPU threads (default 1: one prompt is too little work to split)\n"
            "  --int8            run the INT8 engine, quantizing fp32 weights at load (.onnx and\n"
            "                    `complexity quantize` files always run on it)\n"
            "  --kernel NAME     INT8 GEMM kernel: portable, avx2, avxvnni, avx512vnni, amx (default: best)\n"
            "  --raw-score       print the score head's own output (as the ONNX file's \"score\"), not\n"
            "                    the score moved into the predicted tier's range\n"
            "  --ngram FILE      the n-gram part mixed into the heads (default: " CX_NGRAM_FILE "\n"
            "                    beside the model when it is there)\n"
            "  --no-ngram        the neural model alone (what the ONNX file gives)\n"
            "  --keep-tail N     a text longer than --max-length keeps its head and its last N tokens\n"
            "                    (default: half the length; \"none\": the head only, the seed's cut)\n"
            "  --in FILE         classify FILE's lines (with --jsonl, JSON objects with \"text\") into\n"
            "  --out FILE        FILE, one JSON line per prompt in input order, written atomically.\n"
            "                    Under `mpirun -np N` the ranks split FILE by byte ranges on line\n"
            "                    boundaries and rank 0 writes every rank's results (docs/SCALING.md)\n");
}

static int classify_one(cx_classifier_ctx *x, const char *text, size_t len) {
    cx_prediction p;
    cx_error err = {0, ""};
    if (cx_classifier_predict(x, text, len, &p, &err) != CX_OK) return cli_fail_err(CMD, &err);
    char *json = cx_prediction_to_json(&p);
    if (!json) return cli_fail(CMD, "out of memory");
    puts(json);
    free(json);
    return CLI_OK;
}

/* The "text" of a JSON line; NULL with a message when it has none. */
static char *jsonl_text(const char *line, size_t lineno) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    char *text = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    if (!text) cli_fail(CMD, "<stdin>:%zu: expected a JSON object with a \"text\" string", lineno);
    cJSON_Delete(j);
    return text;
}

static int classify_stdin(cx_classifier_ctx *x, int jsonl) {
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = CLI_OK;
    while (rc == CLI_OK && (n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0) continue;
        if (!jsonl) {
            rc = classify_one(x, line, (size_t)n);
            continue;
        }
        char *text = jsonl_text(line, lineno);
        rc = text ? classify_one(x, text, strlen(text)) : CLI_FAIL;
        free(text);
    }
    free(line);
    return rc;
}

enum { PROGRESS_STEPS = 1000 };

static void on_batch_progress(void *ctx, double done, size_t prompts) {
    char extra[48];
    snprintf(extra, sizeof extra, "%zu prompts", prompts);
    progress_update(ctx, (long)(done * PROGRESS_STEPS), extra);
}

/* --in/--out: the library's batch job (sharded when started by mpirun); rank
 * 0 shows its share's progress for the job. */
static int classify_file(const char *model, const cx_classifier_options *o, const char *in, const char *out,
                         int jsonl) {
    cx_error err = {0, ""};
    cx_classifier *cl = NULL;
    cx_batch_stats st;
    progress bar;
    progress_init(&bar, stderr);
    progress_start(&bar, "classify (per mille of the input)", PROGRESS_STEPS);
    cx_batch_options bo = {jsonl, cli_is_primary_rank() ? on_batch_progress : NULL, &bar};
    cx_model_set_threads(o->threads);
    int rc = cx_classifier_open(model, o, &cl, &err);
    if (rc == CX_OK) rc = cx_classify_file(cl, in, out, &bo, &st, &err);
    progress_end(&bar);
    cx_classifier_free(cl);
    if (rc) return cli_fail_err(CMD, &err);
    if (st.rank == 0)
        fprintf(stderr, "classify: %zu prompts in %.2f s (%.0f/s) over %d rank%s -> %s\n", st.lines, st.seconds,
                st.seconds > 0 ? (double)st.lines / st.seconds : 0, st.ranks, st.ranks > 1 ? "s" : "", out);
    return CLI_OK;
}

int cmd_classify(int argc, char **argv) {
    static const struct option longopts[] = {
        {"model", required_argument, 0, 'm'}, {"tokenizer", required_argument, 0, 't'},
        {"max-length", required_argument, 0, 'L'}, {"jsonl", no_argument, 0, 'j'},
        {"threads", required_argument, 0, 'T'}, {"int8", no_argument, 0, '8'},
        {"kernel", required_argument, 0, 'k'}, {"raw-score", no_argument, 0, 'r'},
        {"ngram", required_argument, 0, 'g'}, {"no-ngram", no_argument, 0, 'G'},
        {"keep-tail", required_argument, 0, 'K'}, {"in", required_argument, 0, 'I'},
        {"out", required_argument, 0, 'O'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = cli_default_model();
    cx_classifier_options o = cx_classifier_default_options();
    o.threads = 1; /* one prompt at a time: more threads only wait for each other */
    int jsonl = 0, c;
    const char *in = NULL, *out = NULL;
    size_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 't': o.tokenizer = optarg; break;
        case 'L': if (cli_parse_size(CMD, "--max-length", optarg, 2, &v)) return CLI_USAGE; o.max_length = (int)v; break;
        case 'j': jsonl = 1; break;
        case 'T': if (cli_parse_size(CMD, "--threads", optarg, 1, &v)) return CLI_USAGE; o.threads = (int)v; break;
        case '8': o.int8 = 1; break;
        case 'k': o.kernel = optarg; break;
        case 'r': o.raw_score = 1; break;
        case 'g': o.ngram = optarg; break;
        case 'G': o.ngram = ""; break;
        case 'K':
            if (!strcmp(optarg, "none")) o.keep_tail = -1;
            else if (cli_parse_size(CMD, "--keep-tail", optarg, 1, &v)) return CLI_USAGE;
            else o.keep_tail = (int)v;
            break;
        case 'I': in = optarg; break;
        case 'O': out = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (!in != !out) return cli_usage_error(CMD, "--in and --out go together");
    if (in && optind < argc) return cli_usage_error(CMD, "TEXT arguments and --in exclude each other");
    cx_error err = {0, ""};
    cx_classifier *cl = NULL;
    cx_classifier_ctx *x = NULL;
    if (in) return classify_file(model, &o, in, out, jsonl);
    cx_model_set_threads(o.threads); /* fp32: the process's settings, which the CLI owns */
    if (cx_classifier_open(model, &o, &cl, &err) != CX_OK || cx_classifier_ctx_open(cl, &x, &err) != CX_OK) {
        cx_classifier_free(cl);
        return cli_fail_err(CMD, &err);
    }
    int rc = CLI_OK;
    if (optind < argc)
        for (int i = optind; i < argc && rc == CLI_OK; i++) rc = classify_one(x, argv[i], strlen(argv[i]));
    else
        rc = classify_stdin(x, jsonl);
    cx_classifier_ctx_free(x);
    cx_classifier_free(cl);
    return rc;
}
