/* complexity build-vocab: learn a WordPiece vocabulary from labelled JSONL data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "complexity/tokenizer.h"

static const char *const CMD = "build-vocab";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity build-vocab --data FILE [FILE...] --size N -o DIR\n"
            "                              [--min-frequency K] [--heldout FILE] [--lowercase]\n\n"
            "Learns a cased (with --lowercase: uncased, as bert-base-uncased: texts lower-cased and\n"
            "accents stripped) WordPiece vocabulary of about N tokens from the \"text\" fields of\n"
            "labelled JSONL files and writes DIR/vocab.txt, tokenizer.json, tokenizer_config.json\n"
            "and special_tokens_map.json. Ids: [PAD]=0, [unused1..99]=1..99, [UNK]=100, [CLS]=101,\n"
            "[SEP]=102, [MASK]=103, then every character seen (never [UNK] later), then merged\n"
            "pieces. --heldout FILE reports the [UNK] rate and mean tokens per text there.\n");
}

typedef struct corpus {
    cx_dataset **ds;
    size_t n_ds;
    const char **texts;
    size_t *lens;
    size_t n;
} corpus;

static int corpus_add(corpus *c, const char *path) {
    cx_error err = {0, ""};
    cx_dataset *ds;
    if (cx_dataset_load(path, 0, &ds, &err)) return cli_fail_err(CMD, &err);
    size_t m = cx_dataset_size(ds);
    cx_dataset **dsv = realloc(c->ds, (c->n_ds + 1) * sizeof(*dsv));
    const char **tv = dsv ? realloc(c->texts, (c->n + m + 1) * sizeof(*tv)) : NULL;
    if (dsv) c->ds = dsv;
    if (tv) c->texts = tv;
    size_t *lv = tv ? realloc(c->lens, (c->n + m + 1) * sizeof(*lv)) : NULL;
    if (lv) c->lens = lv;
    if (!dsv || !tv || !lv) {
        cx_dataset_free(ds);
        return cli_fail(CMD, "out of memory");
    }
    c->ds[c->n_ds++] = ds;
    for (size_t i = 0; i < m; i++) {
        const cx_record *r = cx_dataset_get(ds, i);
        c->texts[c->n] = r->text;
        c->lens[c->n++] = r->text_len;
    }
    return CLI_OK;
}

static void corpus_free(corpus *c) {
    for (size_t i = 0; i < c->n_ds; i++) cx_dataset_free(c->ds[i]);
    free(c->ds);
    free(c->texts);
    free(c->lens);
}

static int report_heldout(const cx_tokenizer *tok, const char *path) {
    corpus h = {0};
    int rc = corpus_add(&h, path);
    if (rc) { corpus_free(&h); return rc; }
    cx_special_ids sp = cx_tokenizer_special_ids(tok);
    size_t cap = 1 << 16, pieces = 0, unk = 0;
    int32_t *ids = malloc(cap * sizeof(int32_t));
    cx_error err = {0, ""};
    for (size_t i = 0; ids && i < h.n && rc == CLI_OK; i++) {
        size_t n;
        if (cx_tokenizer_encode(tok, h.texts[i], h.lens[i], 0, ids, NULL, cap, &n, &err)) rc = cli_fail_err(CMD, &err);
        for (size_t k = 0; rc == CLI_OK && k < n; k++) {
            if (ids[k] == sp.cls || ids[k] == sp.sep) continue;
            pieces++;
            unk += ids[k] == sp.unk;
        }
    }
    if (!ids) rc = cli_fail(CMD, "out of memory");
    if (rc == CLI_OK)
        printf("held-out %s: %zu texts, %zu tokens, [UNK] %zu (rate %.6f), mean tokens/text %.3f (without [CLS]/[SEP])\n",
               path, h.n, pieces, unk, pieces ? (double)unk / (double)pieces : 0.0,
               h.n ? (double)pieces / (double)h.n : 0.0);
    free(ids);
    corpus_free(&h);
    return rc;
}

int cmd_build_vocab(int argc, char **argv) {
    static const struct option longopts[] = {{"data", required_argument, 0, 'd'},
                                             {"size", required_argument, 0, 's'},
                                             {"output", required_argument, 0, 'o'},
                                             {"min-frequency", required_argument, 0, 'f'},
                                             {"heldout", required_argument, 0, 'e'},
                                             {"lowercase", no_argument, 0, 'l'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *out_dir = NULL, *heldout = NULL;
    const char *data[256];
    size_t n_data = 0, size = 0, min_freq = 2;
    int c, lowercase = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (n_data == 256) return cli_usage_error(CMD, "too many --data files (256 at most)");
            data[n_data++] = optarg;
            break;
        case 's':
            if (cli_parse_size(CMD, "--size", optarg, 105, &size)) return CLI_USAGE;
            break;
        case 'o': out_dir = optarg; break;
        case 'f':
            if (cli_parse_size(CMD, "--min-frequency", optarg, 1, &min_freq)) return CLI_USAGE;
            break;
        case 'e': heldout = optarg; break;
        case 'l': lowercase = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(CMD, "unknown option (see --help)");
        }
    }
    for (; optind < argc; optind++) { /* --data FILE FILE ... */
        if (n_data == 256) return cli_usage_error(CMD, "too many --data files (256 at most)");
        data[n_data++] = argv[optind];
    }
    if (!n_data) return cli_usage_error(CMD, "--data FILE is required");
    if (!size) return cli_usage_error(CMD, "--size N is required");
    if (!out_dir) return cli_usage_error(CMD, "-o DIR is required");
    corpus corp = {0};
    int rc = CLI_OK;
    for (size_t i = 0; i < n_data && rc == CLI_OK; i++) rc = corpus_add(&corp, data[i]);
    cx_tokenizer *tok = NULL;
    cx_error err = {0, ""};
    if (rc == CLI_OK) {
        cx_vocab_build_options opt = cx_vocab_build_default_options();
        opt.vocab_size = size, opt.min_frequency = min_freq, opt.lowercase = lowercase;
        if (cx_tokenizer_build(corp.texts, corp.lens, corp.n, &opt, &tok, &err) ||
            cx_tokenizer_save(tok, out_dir, &err))
            rc = cli_fail_err(CMD, &err);
    }
    if (rc == CLI_OK) {
        printf("%s: %zu tokens from %zu texts", out_dir, cx_tokenizer_vocab_size(tok), corp.n);
        if (cx_tokenizer_vocab_size(tok) > size) printf(" (more than --size %zu: every character seen is kept)", size);
        printf("\n");
        if (heldout) rc = report_heldout(tok, heldout);
    }
    cx_tokenizer_free(tok);
    corpus_free(&corp);
    return rc;
}
