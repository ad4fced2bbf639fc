/* Shared pieces of the command-line front end: one file per subcommand, each
 * exporting `int cmd_NAME(int argc, char **argv)` that returns the exit code. */
#ifndef CX_CLI_H
#define CX_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "complexity.h"

/* Exit codes: 0 success, 1 the work failed (bad data, I/O), 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* "complexity CMD: message" on stderr; returns CLI_FAIL / CLI_USAGE. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints err's message (code name when empty) and returns CLI_FAIL. */
int cli_fail_err(const char *cmd, const cx_error *err);

/* Option values: parse or explain which flag got what (return 0 / -1). */
int cli_parse_size(const char *cmd, const char *flag, const char *arg, size_t min, size_t *out);
int cli_parse_u64(const char *cmd, const char *flag, const char *arg, uint64_t *out);
int cli_parse_double(const char *cmd, const char *flag, const char *arg, double lo, double hi, double *out);
/* Ctrl-C and SIGTERM set the returned flag instead of killing the process, so
 * that a long run (train, pretrain) can checkpoint and stop. */
volatile sig_atomic_t *cli_stop_on_interrupt(void);
/* --precision auto|fp32|bf16 */
int cli_parse_precision(const char *cmd, const char *arg, cx_precision *out);

/* Monotonic seconds, for durations (rates, ETAs, timings). */
double cli_now_s(void);

/* The model a command uses when none is given: training/output when it
 * exists (what `train` just wrote), else the shipped INT8 file. */
const char *cli_default_model(void);

/* 0 when this process is a rank other than 0 of an MPI job (mpirun sets
 * OMPI_COMM_WORLD_RANK, PMI_RANK or PMIX_RANK): such ranks print nothing, rank
 * 0 speaks for the job. 1 otherwise. */
int cli_is_primary_rank(void);

/* Declarations of every cmd_* function listed in commands.def. */
#define CX_COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef CX_COMMAND

#endif
