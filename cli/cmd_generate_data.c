/* complexity generate-data: synthetic labelled prompts, as the seed's
 * training/generate_data.py with the same flags, defaults and files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "print_stats.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

static const char *const CMD = "generate-data";
static const char *const split_names[3] = {"train.jsonl", "val.jsonl", "test.jsonl"};

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity generate-data [-o FILE] [-n COUNT] [-s SEED] [--split] [--split-by MODE]\n"
            "                                [--dedup] [--lang-mix E,Z,M]\n"
            "                                [--templates PATH | --templates-only PATH]\n"
            "                                [--with-lang] [--list-families] [-q]\n\n"
            "Generates synthetic labelled prompts (JSONL: text, score, tier, domains, intent) from\n"
            "template families in Traditional Chinese, English and code-mixed text.\n\n"
            "  -o, --output FILE       output file (default training/data/synthetic.jsonl)\n"
            "  -n, --count N           number of samples (default 5000)\n"
            "  -s, --seed N            random seed (default 42); same seed, same bytes\n"
            "      --split             write train.jsonl / val.jsonl / test.jsonl (80/10/10)\n"
            "                          next to the output file instead of the output file\n"
            "      --split-by MODE     random (default: shuffled samples, as the seed) or template\n"
            "                          (test families never seen in training); implies --split\n"
            "      --dedup             every text distinct\n"
            "      --lang-mix E,Z,M    relative shares of English, Traditional Chinese and\n"
            "                          code-mixed samples (default 45,40,15)\n"
            "      --templates PATH    add the families of a .tmpl file or folder (docs/TEMPLATES.md)\n"
            "      --templates-only PATH  use only those families, not the built-in ones\n"
            "      --with-lang         add each sample's language (\"lang\": en, zh or mixed)\n"
            "      --list-families     print the template families and exit\n"
            "  -q, --quiet             print nothing but errors\n");
}

typedef struct gen_args {
    const char *output, *templates;
    int templates_only, list, quiet, with_lang;
    cx_gen_options opts;
} gen_args;

/* "45,40,15": three non-negative shares, not all zero. */
static int parse_lang_mix(const char *arg, double mix[CX_N_GEN_LANGS]) {
    char extra;
    if (sscanf(arg, "%lf,%lf,%lf%c", &mix[0], &mix[1], &mix[2], &extra) != 3 || mix[0] < 0 || mix[1] < 0 ||
        mix[2] < 0 || mix[0] + mix[1] + mix[2] <= 0) {
        cli_usage_error(CMD, "--lang-mix: expected three shares EN,ZH,MIXED like 45,40,15, got '%s'", arg);
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, gen_args *a) {
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"count", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},   {"split", no_argument, 0, 'S'},
        {"split-by", required_argument, 0, 'B'}, {"dedup", no_argument, 0, 'D'},
        {"templates", required_argument, 0, 'T'}, {"templates-only", required_argument, 0, 'O'},
        {"list-families", no_argument, 0, 'L'}, {"with-lang", no_argument, 0, 'W'}, {"lang-mix", required_argument, 0, 'M'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->output = "training/data/synthetic.jsonl";
    a->opts = cx_gen_default_options();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:s:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'n': if (cli_parse_size(CMD, "--count", optarg, 1, &a->opts.count)) return CLI_USAGE; break;
        case 's': if (cli_parse_u64(CMD, "--seed", optarg, &a->opts.seed)) return CLI_USAGE; break;
        case 'S': if (a->opts.split == CX_SPLIT_NONE) a->opts.split = CX_SPLIT_RANDOM; break;
        case 'B':
            if (strcmp(optarg, "random") == 0) a->opts.split = CX_SPLIT_RANDOM;
            else if (strcmp(optarg, "template") == 0) a->opts.split = CX_SPLIT_TEMPLATE;
            else return cli_usage_error(CMD, "--split-by: expected random or template, got '%s'", optarg);
            break;
        case 'D': a->opts.dedup = 1; break;
        case 'T': a->templates = optarg; a->templates_only = 0; break;
        case 'O': a->templates = optarg; a->templates_only = 1; break;
        case 'L': a->list = 1; break;
        case 'W': a->with_lang = 1; break;
        case 'M': if (parse_lang_mix(optarg, a->opts.lang_mix)) return CLI_USAGE; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    return CLI_OK;
}

static void list_families(const cx_templates *t) {
    printf("%zu template families\n", cx_templates_family_count(t));
    for (size_t i = 0; i < cx_templates_family_count(t); i++) printf("  %s\n", cx_templates_family_name(t, i));
}

/* Writes the samples of one split (-1 = all) to path, atomically. */
static int write_samples(const cx_generated *g, int split, int with_lang, const char *path, size_t *written,
                         cx_error *err) {
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc) return rc;
    *written = 0;
    for (size_t i = 0; i < cx_generated_size(g) && rc == CX_OK; i++) {
        const cx_sample *s = cx_generated_get(g, i);
        if (split >= 0 && s->split != split) continue;
        cx_record rec = s->rec;
        if (with_lang) rec.lang = s->lang;
        rc = cx_record_write(af.f, &rec);
        (*written)++;
    }
    if (rc) {
        cx_afile_abort(&af);
        return cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
    }
    return cx_afile_commit(&af, err);
}

static int save(const gen_args *a, const cx_generated *g, cx_error *err) {
    size_t n;
    if (a->opts.split == CX_SPLIT_NONE) {
        int rc = write_samples(g, -1, a->with_lang, a->output, &n, err);
        if (rc == CX_OK && !a->quiet) printf("Saved %zu samples to %s\n", n, a->output);
        return rc;
    }
    char *dir = cx_dirname(a->output);
    if (!dir) return CX_ERR_NOMEM;
    int rc = CX_OK;
    for (int split = 0; split < 3 && rc == CX_OK; split++) {
        char *path = cx_path_join(dir, split_names[split]);
        rc = path ? write_samples(g, split, a->with_lang, path, &n, err) : CX_ERR_NOMEM;
        if (rc == CX_OK && !a->quiet) printf("Saved %zu samples to %s\n", n, path);
        free(path);
    }
    free(dir);
    return rc;
}

static int report(const gen_args *a, const cx_templates *t, const cx_generated *g, double seconds) {
    cx_stats *st = cx_stats_new();
    if (!st) return cli_fail(CMD, "out of memory");
    for (size_t i = 0; i < cx_generated_size(g); i++)
    {
        cx_record rec = cx_generated_get(g, i)->rec;
        rec.lang = cx_generated_get(g, i)->lang; /* the family knows better than a guess */
        if (cx_stats_add(st, &rec)) {
            cx_stats_free(st);
            return cli_fail(CMD, "out of memory");
        }
    }
    cx_data_summary s;
    cx_stats_summary(st, &s);
    cx_stats_free(st);
    printf("Generated %zu samples from %zu template families (seed %llu) in %.3f s\n\n", s.n,
           cx_templates_family_count(t), (unsigned long long)a->opts.seed, seconds);
    print_summary(stdout, &s);
    printf("Label conflicts redrawn: %zu\n", cx_generated_conflicts(g));
    if (a->opts.split != CX_SPLIT_NONE) printf("Split: %s\n", a->opts.split == CX_SPLIT_TEMPLATE ? "by template family" : "random");
    printf("\n");
    return CLI_OK;
}

int cmd_generate_data(int argc, char **argv) {
    gen_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    cx_error err = {0, ""};
    cx_templates *t = NULL;
    if (cx_templates_load(a.templates, !a.templates_only, &t, &err)) return cli_fail_err(CMD, &err);
    if (a.list) {
        list_families(t);
        cx_templates_free(t);
        return CLI_OK;
    }
    cx_generated *g = NULL;
    double t0 = cli_now_s();
    if (cx_generate(t, &a.opts, &g, &err) != CX_OK) {
        rc = cli_fail_err(CMD, &err);
    } else {
        double seconds = cli_now_s() - t0;
        rc = a.quiet ? CLI_OK : report(&a, t, g, seconds);
        if (rc == CLI_OK && save(&a, g, &err) != CX_OK) rc = cli_fail_err(CMD, &err);
    }
    cx_generated_free(g);
    cx_templates_free(t);
    return rc;
}
