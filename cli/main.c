/* complexity: the command-line front end. Dispatches to one function per
 * subcommand (cli/cmd_*.c); the work itself lives in the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
#define CX_COMMAND(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef CX_COMMAND
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_help(FILE *out) {
    fprintf(out,
            "usage: complexity [--version] [--help] COMMAND [ARGS]\n\n"
            "Tells how hard the task in a user message is: a score in [0,1], a tier,\n"
            "domains and intent. Commands:\n\n");
    for (size_t i = 0; i < n_commands; i++) fprintf(out, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'complexity help COMMAND' or 'complexity COMMAND --help' explains one command.\n");
}

static const command *find_command(const char *name) {
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* How long idle OpenMP threads spin before they sleep. libgomp's default
 * (300,000 spins) lets them take the cores OpenBLAS's own threads need for a
 * GEMM (22% of an fp32 training epoch on 2 cores); never spinning (PASSIVE)
 * makes every parallel region wait for a thread to wake (the INT8 engine on
 * 2 threads: p50 4.6 ms instead of 2.2). 30,000 spins (tens of microseconds)
 * bridges the gap between back-to-back regions and no more: measured best for
 * both (bf16 epoch 37 s vs 42 s PASSIVE; fp32 epoch within 3%). libgomp reads
 * the setting once, when it loads, so the only way to set a default is to
 * run ourselves again with it in the environment.
 *
 * OpenBLAS too picks its kernels once, at load, and on a CPU it does not know
 * picks generic ones; the library can switch them later, but only safely
 * while no other thread is inside OpenBLAS. Told the core type in the same
 * environment (cx_blas_preferred_core), it starts on the right kernels and
 * nothing switches at run time.
 *
 * A user's own settings are left alone, and a failed exec just carries on. */
static void prepare_environment(char **argv) {
    int changed = 0;
    if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT"))
        changed |= setenv("GOMP_SPINCOUNT", "30000", 0) == 0;
    const char *core = cx_blas_preferred_core();
    if (core) changed |= setenv("OPENBLAS_CORETYPE", core, 0) == 0;
    if (changed) execv("/proc/self/exe", argv);
}

int main(int argc, char **argv) {
    prepare_environment(argv);
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("complexity %s\n%s\n", cx_version(), cx_backend_info());
        return CLI_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return CLI_OK;
        }
        const command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "complexity: unknown command '%s'\n", argv[2]);
            return CLI_USAGE;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->run(2, help_argv);
    }
    const command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "complexity: unknown command '%s'\n\n", name);
        print_help(stderr);
        return CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
