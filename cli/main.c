/* complexity: the command-line front end. Dispatches to one function per
 * subcommand (cli/cmd_*.c); the work itself lives in the library. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("complexity %s\n", cx_version());
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
