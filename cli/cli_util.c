#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int vfail(int code, const char *cmd, const char *fmt, va_list ap) {
    fprintf(stderr, "complexity %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (code == CLI_USAGE) fprintf(stderr, "Try 'complexity %s --help'.\n", cmd);
    return code;
}

int cli_fail(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(CLI_FAIL, cmd, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(CLI_USAGE, cmd, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_fail_err(const char *cmd, const cx_error *err) {
    return cli_fail(cmd, "%s", err->msg[0] ? err->msg : cx_strerror(err->code));
}

int cli_parse_u64(const char *cmd, const char *flag, const char *arg, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-') {
        cli_usage_error(cmd, "%s: expected a non-negative integer, got '%s'", flag, arg);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_size(const char *cmd, const char *flag, const char *arg, size_t min, size_t *out) {
    uint64_t v;
    if (cli_parse_u64(cmd, flag, arg, &v) != 0) return -1;
    if (v < min || v > SIZE_MAX / 2) {
        cli_usage_error(cmd, "%s: %s is out of range (at least %zu)", flag, arg, min);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *flag, const char *arg, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi) {
        cli_usage_error(cmd, "%s: expected a number in [%g, %g], got '%s'", flag, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

/* The one flag a signal handler may write: a file-scope sig_atomic_t. */
static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

volatile sig_atomic_t *cli_stop_on_interrupt(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_requested;
}

int cli_parse_precision(const char *cmd, const char *arg, cx_precision *out) {
    static const char *const names[] = {"auto", "fp32", "bf16"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = (cx_precision)i;
            return CLI_OK;
        }
    return cli_usage_error(cmd, "--precision: expected auto, fp32 or bf16, got '%s'", arg);
}

const char *cli_default_model(void) {
    struct stat st;
    return stat("training/output", &st) == 0 ? "training/output" : CX_DEFAULT_ML_MODEL_PATH;
}

int cli_is_primary_rank(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v) return strcmp(v, "0") == 0;
    }
    return 1;
}

double cli_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
