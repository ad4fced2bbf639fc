/* complexity tokenize: text lines (or JSONL records) -> token ids, one line each. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "complexity/tokenizer.h"

static const char *const CMD = "tokenize";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity tokenize --tokenizer PATH [--max-length N] [--tokens] [--jsonl]\n"
            "                           [--stats] [--bench ROUNDS]\n\n"
            "Reads one text per line from stdin (with --jsonl, one JSON object per line with a\n"
            "\"text\" field) and prints one line per input: the token ids separated by spaces\n"
            "([CLS] ... [SEP]), or with --tokens the token strings. PATH is a folder holding\n"
            "tokenizer.json and/or vocab.txt, or one of those files.\n"
            "  --max-length N   truncate to N ids, specials included (default: the truncation of\n"
            "                   tokenizer.json, else none; 0 = none)\n"
            "  --stats          print texts, tokens, [UNK] rate and mean tokens/text to stderr\n"
            "  --bench ROUNDS   print nothing; encode all inputs ROUNDS times and report tokens/s\n"
            "                   (one thread) on stderr\n"
            "  --save DIR       write the tokenizer as Hugging Face files (vocab.txt, tokenizer.json,\n"
            "                   tokenizer_config.json, special_tokens_map.json) to DIR and exit; with\n"
            "                   --max-length N, N is written as its truncation and model_max_length\n");
}

typedef struct texts {
    char **v;
    size_t n, cap;
} texts;

static int texts_push(texts *t, char *s) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        char **v = realloc(t->v, cap * sizeof(char *));
        if (!v) return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = s;
    return 0;
}

static void texts_free(texts *t) {
    for (size_t i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
}

/* Reads all of stdin into t (one entry per line). */
static int read_input(int jsonl, texts *t) {
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = CLI_OK;
    while ((n = getline(&line, &cap, stdin)) >= 0 && rc == CLI_OK) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        char *text;
        if (jsonl) {
            if (n == 0) continue;
            cJSON *o = cJSON_ParseWithLength(line, (size_t)n);
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "text");
            if (!cJSON_IsString(f)) {
                cJSON_Delete(o);
                rc = cli_fail(CMD, "stdin:%zu: not a JSON object with a string \"text\"", lineno);
                break;
            }
            text = strdup(f->valuestring);
            cJSON_Delete(o);
        } else {
            text = malloc((size_t)n + 1);
            if (text) memcpy(text, line, (size_t)n + 1);
        }
        if (!text || texts_push(t, text)) {
            free(text);
            rc = cli_fail(CMD, "out of memory");
        }
    }
    free(line);
    return rc;
}

static int bench(const cx_tokenizer *tok, const texts *t, size_t max_length, size_t rounds, int32_t *ids, size_t cap) {
    cx_error err = {0, ""};
    size_t total = 0;
    double t0 = cli_now_s();
    for (size_t r = 0; r < rounds; r++)
        for (size_t i = 0; i < t->n; i++) {
            size_t n;
            if (cx_tokenizer_encode(tok, t->v[i], strlen(t->v[i]), max_length, ids, NULL, cap, &n, &err))
                return cli_fail_err(CMD, &err);
            total += n;
        }
    double dt = cli_now_s() - t0;
    fprintf(stderr, "texts %zu rounds %zu tokens %zu seconds %.4f tokens/s %.0f texts/s %.0f\n", t->n, rounds, total,
            dt, total / dt, (double)(t->n * rounds) / dt);
    return CLI_OK;
}

static int run(const cx_tokenizer *tok, const texts *t, size_t max_length, int as_tokens, int stats) {
    cx_error err = {0, ""};
    size_t cap = 1024, total = 0, unk = 0, specials = 0;
    int32_t *ids = malloc(cap * sizeof(int32_t));
    if (!ids) return cli_fail(CMD, "out of memory");
    int32_t unk_id = cx_tokenizer_special_ids(tok).unk;
    int rc = CLI_OK;
    for (size_t i = 0; i < t->n && rc == CLI_OK; i++) {
        size_t n, len = strlen(t->v[i]);
        int st = cx_tokenizer_encode(tok, t->v[i], len, max_length, ids, NULL, cap, &n, &err);
        if (st == CX_ERR_INVALID && n > cap) {
            int32_t *grown = realloc(ids, n * sizeof(int32_t));
            if (!grown) { rc = cli_fail(CMD, "out of memory"); break; }
            ids = grown;
            cap = n;
            st = cx_tokenizer_encode(tok, t->v[i], len, max_length, ids, NULL, cap, &n, &err);
        }
        if (st) { rc = cli_fail_err(CMD, &err); break; }
        for (size_t k = 0; k < n; k++) {
            if (k) putchar(' ');
            if (as_tokens) fputs(cx_tokenizer_id_to_token(tok, ids[k]) ? cx_tokenizer_id_to_token(tok, ids[k]) : "?", stdout);
            else printf("%d", (int)ids[k]);
            unk += ids[k] == unk_id;
        }
        putchar('\n');
        total += n;
        cx_special_ids sp = cx_tokenizer_special_ids(tok);
        for (size_t k = 0; k < n; k++) specials += ids[k] == sp.cls || ids[k] == sp.sep;
    }
    if (rc == CLI_OK && stats) {
        size_t words = total - specials;
        fprintf(stderr, "texts %zu tokens %zu (without [CLS]/[SEP]: %zu) unk %zu unk_rate %.6f mean_tokens_per_text %.3f\n",
                t->n, total, words, unk, words ? (double)unk / (double)words : 0.0,
                t->n ? (double)words / (double)t->n : 0.0);
    }
    if (fflush(stdout) != 0 && rc == CLI_OK) rc = cli_fail(CMD, "writing stdout failed");
    free(ids);
    return rc;
}

int cmd_tokenize(int argc, char **argv) {
    static const struct option longopts[] = {{"tokenizer", required_argument, 0, 't'},
                                             {"max-length", required_argument, 0, 'm'},
                                             {"tokens", no_argument, 0, 'k'},
                                             {"jsonl", no_argument, 0, 'j'},
                                             {"stats", no_argument, 0, 's'},
                                             {"bench", required_argument, 0, 'b'},
                                             {"save", required_argument, 0, 'o'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *path = NULL, *save_dir = NULL;
    size_t max_length = 0, rounds = 0;
    int have_max = 0, as_tokens = 0, jsonl = 0, stats = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't': path = optarg; break;
        case 'm':
            if (cli_parse_size(CMD, "--max-length", optarg, 0, &max_length)) return CLI_USAGE;
            have_max = 1;
            break;
        case 'k': as_tokens = 1; break;
        case 'j': jsonl = 1; break;
        case 's': stats = 1; break;
        case 'b':
            if (cli_parse_size(CMD, "--bench", optarg, 1, &rounds)) return CLI_USAGE;
            break;
        case 'o': save_dir = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(CMD, "unknown option (see --help)");
        }
    }
    if (!path) return cli_usage_error(CMD, "--tokenizer PATH is required");
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    cx_error err = {0, ""};
    cx_tokenizer *tok;
    if (cx_tokenizer_open(path, &tok, &err)) return cli_fail_err(CMD, &err);
    if (save_dir) {
        if (max_length) cx_tokenizer_set_default_max_length(tok, max_length);
        int st = cx_tokenizer_save(tok, save_dir, &err);
        cx_tokenizer_free(tok);
        return st ? cli_fail_err(CMD, &err) : CLI_OK;
    }
    if (!have_max) max_length = cx_tokenizer_default_max_length(tok);
    if (max_length == 1) {
        cx_tokenizer_free(tok);
        return cli_usage_error(CMD, "--max-length must be 0 or at least 2");
    }
    texts t = {NULL, 0, 0};
    int rc = read_input(jsonl, &t);
    if (rc == CLI_OK) {
        if (rounds) {
            size_t cap = 1 << 20;
            int32_t *ids = malloc(cap * sizeof(int32_t));
            rc = ids ? bench(tok, &t, max_length, rounds, ids, cap) : cli_fail(CMD, "out of memory");
            free(ids);
        } else {
            rc = run(tok, &t, max_length, as_tokens, stats);
        }
    }
    texts_free(&t);
    cx_tokenizer_free(tok);
    return rc;
}
