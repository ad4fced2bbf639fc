/* complexity data-stats: validates JSONL datasets and prints their statistics. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "print_stats.h"

static const char *const CMD = "data-stats";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity data-stats [--skip-invalid] FILE...\n\n"
            "Reads labelled JSONL files (\"-\" = stdin), checks every record (UTF-8, non-empty text,\n"
            "score in [0,1], tier / intent / domains from the label lists, no duplicate keys) and\n"
            "prints counts per tier, intent, domain and language, distinct texts and length\n"
            "percentiles. Stops at the first bad line (FILE:LINE: what is wrong) unless\n"
            "--skip-invalid, which counts and skips bad lines. Exit status 1 when any line is bad.\n");
}

static void print_notes(const cx_dataset *ds) {
    const char *path = cx_dataset_path(ds);
    if (cx_dataset_had_bom(ds)) printf("note: %s starts with a UTF-8 byte order mark (ignored)\n", path);
    if (cx_dataset_crlf_lines(ds)) printf("note: %s has %zu CRLF line ends (accepted)\n", path, cx_dataset_crlf_lines(ds));
    if (cx_dataset_blank_lines(ds)) printf("note: %s has %zu blank lines (skipped)\n", path, cx_dataset_blank_lines(ds));
}

/* Loads one file and adds its records; returns 0 ok, 1 bad lines, -1 fatal. */
static int add_file(const char *path, unsigned flags, cx_stats *st) {
    cx_error err = {0, ""};
    cx_dataset *ds;
    if (cx_dataset_load(path, flags, &ds, &err) != CX_OK) {
        cli_fail_err(CMD, &err);
        return -1;
    }
    printf("%s: %zu records", cx_dataset_path(ds), cx_dataset_size(ds));
    size_t bad = cx_dataset_invalid_count(ds);
    if (bad) printf(", %zu invalid lines skipped", bad);
    printf("\n");
    for (size_t i = 0; i < cx_dataset_problem_count(ds); i++) printf("  problem: %s\n", cx_dataset_problem(ds, i));
    if (bad > cx_dataset_problem_count(ds)) printf("  ... and %zu more\n", bad - cx_dataset_problem_count(ds));
    print_notes(ds);
    int rc = bad ? 1 : 0;
    for (size_t i = 0; i < cx_dataset_size(ds) && rc >= 0; i++)
        if (cx_stats_add(st, cx_dataset_get(ds, i)) != CX_OK) rc = -1;
    cx_dataset_free(ds);
    return rc;
}

int cmd_data_stats(int argc, char **argv) {
    static const struct option longopts[] = {
        {"skip-invalid", no_argument, 0, 'k'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    unsigned flags = CX_LOAD_ALLOW_EMPTY;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'k') flags |= CX_LOAD_SKIP_INVALID;
        else if (c == 'h') { usage(stdout); return CLI_OK; }
        else return cli_usage_error(CMD, "unknown option");
    }
    if (optind >= argc) return cli_usage_error(CMD, "no input file");
    cx_stats *st = cx_stats_new();
    if (!st) return cli_fail(CMD, "out of memory");
    int any_bad = 0, fatal = 0;
    for (int i = optind; i < argc && !fatal; i++) {
        int rc = add_file(argv[i], flags, st);
        fatal = rc < 0;
        any_bad |= rc > 0;
    }
    if (!fatal) {
        cx_data_summary s;
        cx_stats_summary(st, &s);
        printf("\n");
        print_summary(stdout, &s);
        printf("Texts with conflicting labels: %zu\n", s.label_conflicts);
        printf("Scores outside their tier's range: %zu\n", s.score_off_tier);
    }
    cx_stats_free(st);
    return fatal || any_bad ? CLI_FAIL : CLI_OK;
}
