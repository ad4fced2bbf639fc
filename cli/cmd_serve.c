/* complexity serve: the estimator as an HTTP service with the Task Complexity
 * settings page (the library's cx_server; this file parses flags and waits
 * for a signal). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char *const CMD = "serve";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity serve [--config config.yaml] [--host 127.0.0.1] [--port 8080] [--max-connections N]\n"
            "                        [--max-body BYTES] [--timeout SECONDS] [--token-env NAME]\n"
            "                        [--no-approval-inheritance] [--log-level LEVEL] [--log-file FILE]\n"
            "                        [--request-log FILE]\n\n"
            "Serves the estimator over HTTP until SIGINT or SIGTERM (SIGHUP re-reads the config):\n"
            "  GET  /                the Task Complexity settings page\n"
            "  POST /v1/estimate     {\"text\": ..., \"prior_messages\": N}: score, tier, model, dimensions\n"
            "  POST /v1/classify     {\"text\": ...} or {\"texts\": [...]}: the ML model alone\n"
            "  POST /v1/route        an OpenAI chat request: tier, score, model and why for its last\n"
            "                        user message (a bare \"ok do it\" after a plan inherits its tier)\n"
            "  GET|PUT /v1/config    the task_complexity section; a PUT is validated, written to the\n"
            "                        config file atomically and applied at once\n"
            "  GET  /v1/model, /healthz, /metrics (Prometheus)\n"
            "The config file is watched: edits by hand apply at the next request. A missing file is\n"
            "created with the defaults. docs/SERVE.md has the details.\n\n"
            "  --config FILE        config.yaml (default: config.yaml)\n"
            "  --host ADDR          IPv4 address to listen on (default 127.0.0.1; 0.0.0.0 = every interface)\n"
            "  --port N             port (default 8080; 0 = any free port, printed at start)\n"
            "  --max-connections N  connections served at once, a thread each (default 64)\n"
            "  --max-body BYTES     largest request body (default 1048576)\n"
            "  --timeout SECONDS    close a connection idle this long (default 300)\n"
            "  --token-env NAME     the environment variable holding a bearer token that PUT /v1/config\n"
            "                       and /v1/chat/completions then require (needed off loopback)\n"
            "  --no-approval-inheritance  route every message on its own text\n"
            "  --log-level LEVEL    debug, info (default), warning, error or off\n"
            "  --log-file FILE      append log lines there instead of stderr\n"
            "  --request-log FILE   append a JSON line per decision (estimate, route, chat): time, endpoint,\n"
            "                       the text estimated, tier, score. It holds what users typed: off by\n"
            "                       default. `complexity label --in FILE` labels it; SIGHUP reopens it\n");
}

typedef struct serve_args {
    cx_server_options opt;
    const char *log_file;
    int level;
} serve_args;

static int parse_args(int argc, char **argv, serve_args *a) {
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'c'},   {"host", required_argument, 0, 'H'},
        {"port", required_argument, 0, 'p'},     {"max-connections", required_argument, 0, 't'},
        {"max-body", required_argument, 0, 'm'}, {"no-approval-inheritance", no_argument, 0, 'n'},
        {"timeout", required_argument, 0, 'T'},  {"token-env", required_argument, 0, 'k'},
        {"log-level", required_argument, 0, 'l'}, {"log-file", required_argument, 0, 'L'},
        {"request-log", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    size_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': a->opt.config_path = optarg; break;
        case 'H': a->opt.host = optarg; break;
        case 'p':
            if (cli_parse_size(CMD, "--port", optarg, 0, &v) != 0) return CLI_USAGE;
            if (v > 65535) return cli_usage_error(CMD, "--port: %zu is not in 0..65535", v);
            a->opt.port = (int)v;
            break;
        case 't':
            if (cli_parse_size(CMD, "--max-connections", optarg, 1, &v) != 0) return CLI_USAGE;
            if (v > 10000) return cli_usage_error(CMD, "--max-connections: %zu is more than 10000", v);
            a->opt.max_connections = (int)v;
            break;
        case 'm':
            if (cli_parse_size(CMD, "--max-body", optarg, 1024, &a->opt.max_body) != 0) return CLI_USAGE;
            break;
        case 'n': a->opt.no_approval_inheritance = 1; break;
        case 'T':
            if (cli_parse_size(CMD, "--timeout", optarg, 1, &v) != 0) return CLI_USAGE;
            if (v > 86400) return cli_usage_error(CMD, "--timeout: %zu is more than a day", v);
            a->opt.timeout_s = (int)v;
            break;
        case 'k':
            if (!(a->opt.token = getenv(optarg)) || !a->opt.token[0])
                return cli_usage_error(CMD, "--token-env: the variable %s is not set", optarg);
            break;
        case 'l':
            if ((a->level = cx_log_level_from_name(optarg)) < 0)
                return cli_usage_error(CMD, "--log-level: unknown level '%s'", optarg);
            break;
        case 'L': a->log_file = optarg; break;
        case 'R': a->opt.request_log = optarg; break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option (see --help)");
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    return CLI_OK;
}

/* A first run: the config file the service will edit, with the defaults. */
static int ensure_config(const char *path, cx_logger *lg, cx_error *err) {
    struct stat sb;
    if (stat(path, &sb) == 0) return CX_OK;
    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    int rc = cx_estimator_config_write(path, &cfg, err);
    if (rc == CX_OK) cx_log(lg, CX_LOG_INFO, "config_created", "path", path, NULL);
    return rc;
}

/* Blocks until SIGINT or SIGTERM (blocked in every thread first, so that the
 * server's threads never take them); SIGHUP re-reads the config meanwhile. */
static int wait_for_signal(const sigset_t *set, cx_server *srv) {
    for (;;) {
        int sig = 0;
        sigwait(set, &sig);
        if (sig != SIGHUP) return sig;
        cx_error err = {0, ""};
        cx_server_reload(srv, &err); /* logged either way; a bad file keeps the config in force */
    }
}

int cmd_serve(int argc, char **argv) {
    serve_args a = {.opt = cx_server_default_options(), .level = CX_LOG_INFO};
    a.opt.config_path = "config.yaml";
    a.opt.port = 8080;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the service */
    cx_error err = {0, ""};
    cx_logger *lg = NULL;
    if (cx_logger_open(a.log_file, (cx_log_level)a.level, &lg, &err) != CX_OK) return cli_fail_err(CMD, &err);
    a.opt.logger = lg;
    cx_server *srv = NULL;
    if (ensure_config(a.opt.config_path, lg, &err) != CX_OK || cx_server_start(&a.opt, &srv, &err) != CX_OK) {
        cx_logger_free(lg);
        return cli_fail_err(CMD, &err);
    }
    const char *host = a.opt.host ? a.opt.host : "127.0.0.1";
    printf("complexity serve: listening on http://%s:%d/ (config %s)\n", host, cx_server_port(srv),
           a.opt.config_path);
    if (!a.opt.token && strncmp(host, "127.", 4) != 0)
        fprintf(stderr, "complexity serve: warning: listening on %s with no --token-env: anyone who can reach it "
                        "can change the config and spend the router's API keys\n", host);
    fflush(stdout);
    int sig = wait_for_signal(&set, srv);
    cx_log(lg, CX_LOG_INFO, "serve_stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
    cx_server_stop(srv);
    cx_logger_free(lg);
    return CLI_OK;
}
