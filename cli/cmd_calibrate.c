/* complexity calibrate: tier_boundaries fitted to route shares (unlabelled
 * prompts) or to a risk bound on frontier-needed prompts sent to the fast
 * model (labelled ones), with before/after tables; --write puts them in the
 * config file (calibrate.h does the fitting). */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const CMD = "calibrate";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity calibrate --data FILE.jsonl [--config config.yaml] [--mode MODE]\n"
            "                            (--target fast=F,standard=S,frontier=R |\n"
            "                             --max-frontier-to-fast RATE [--confidence C] |\n"
            "                             --maximize accuracy) [--window] [--check FILE.jsonl]\n"
            "                            [--write]\n\n"
            "Fits task_complexity.tier_boundaries for the estimator as the config (and --mode) sets it up,\n"
            "from its scores on FILE's prompts (JSONL: \"text\"; \"tier\" for labelled ones, \"lang\"):\n"
            "  --target ...              route these shares of the prompts to the fast, standard and\n"
            "                            frontier models (unlabelled prompts do: a day of logs)\n"
            "  --max-frontier-to-fast R  the most prompts to the fast model such that the one-sided upper\n"
            "                            confidence bound (Clopper-Pearson) of the share of frontier-needed\n"
            "                            prompts (labelled complex or expert) sent there stays <= R\n"
            "  --confidence C            of that bound (default 0.95)\n"
            "  --maximize accuracy       the boundaries under which the most labelled prompts get their tier\n"
            "  --window                  first fit ml_refine's ambiguity window (ambiguity_low/high: the\n"
            "                            heuristic scores for which the model is consulted) to the most\n"
            "                            labelled prompts getting their tier; then the boundaries\n"
            "  --check FILE              also show what the new boundaries do on another file (held out:\n"
            "                            a fit is only as good as its result on prompts it did not see)\n"
            "  --mode MODE               ml_only, hybrid, ml_refine, or heuristic (no model); default: the\n"
            "                            config's\n"
            "  --write                   put the boundaries (the window, --mode) into --config, atomically; a\n"
            "                            running estimator or service reloads it\n"
            "Prints the shares, accuracy and frontier-needed-to-fast rate before and after, overall and\n"
            "per language.\n");
}

typedef struct sample {
    char *text;
    int tier; /* -1: unlabelled */
    char lang[16];
    double score;        /* the estimator's final score, as configured */
    double score_after;  /* with the fitted window (= score when the window is not fitted) */
    double heuristic;    /* the heuristic's score */
} sample;

typedef struct sample_list {
    sample *v;
    size_t n, cap, labelled;
} sample_list;

static int add_sample(sample_list *l, const cJSON *o, size_t lineno, const char *path) {
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text"), *tier = cJSON_GetObjectItemCaseSensitive(o, "tier");
    const cJSON *lang = cJSON_GetObjectItemCaseSensitive(o, "lang");
    if (!cJSON_IsString(text)) return cli_fail(CMD, "%s:%zu: needs a \"text\" string", path, lineno);
    int t = cJSON_IsString(tier) ? cx_tier_from_name(tier->valuestring, strlen(tier->valuestring)) : -1;
    if (tier && t < 0) return cli_fail(CMD, "%s:%zu: \"tier\" is not one of trivial..expert", path, lineno);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        sample *v = realloc(l->v, cap * sizeof *v);
        if (!v) return cli_fail(CMD, "out of memory");
        l->v = v, l->cap = cap;
    }
    sample *s = &l->v[l->n];
    if (!(s->text = strdup(text->valuestring))) return cli_fail(CMD, "out of memory");
    s->tier = t;
    const char *lg = cJSON_IsString(lang) ? lang->valuestring
                                          : cx_lang_names[cx_detect_lang(s->text, strlen(s->text))];
    snprintf(s->lang, sizeof s->lang, "%s", lg);
    l->labelled += t >= 0;
    l->n++;
    return 0;
}

static int read_samples(const char *path, sample_list *l) {
    FILE *f = fopen(path, "r");
    if (!f) return cli_fail(CMD, "%s: cannot open", path);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, f) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        cJSON *o = cJSON_Parse(line);
        rc = cJSON_IsObject(o) ? add_sample(l, o, lineno, path) : cli_fail(CMD, "%s:%zu: not a JSON object", path, lineno);
        cJSON_Delete(o);
    }
    free(line);
    fclose(f);
    if (!rc && !l->n) rc = cli_fail(CMD, "%s: no prompts", path);
    return rc;
}

/* The estimator's final score of every sample: into score and score_after,
 * or (after = 1) into score_after alone. */
static int score_samples(cx_estimator *est, sample_list *l, int after) {
    for (size_t i = 0; i < l->n; i++) {
        cx_estimate e;
        cx_error err = {0, ""};
        if (cx_estimator_estimate(est, l->v[i].text, strlen(l->v[i].text), 0, &e, &err) != CX_OK)
            return cli_fail(CMD, "prompt %zu: %s", i + 1, err.msg);
        l->v[i].score_after = e.score;
        if (!after) l->v[i].score = e.score;
        l->v[i].heuristic = e.heuristic_score;
    }
    return 0;
}

/* ---- the tables --------------------------------------------------------------- */

typedef struct outcome {
    size_t n, route[CX_N_ROUTES], labelled, right, near, frontier, frontier_fast;
} outcome;

/* Figures under boundaries b, from the scores before (after = 0) or after the fit. */
static outcome outcome_of(const sample_list *l, const double *b, const char *lang, int after) {
    outcome o = {0};
    for (size_t i = 0; i < l->n; i++) {
        const sample *s = &l->v[i];
        if (lang && strcmp(s->lang, lang)) continue;
        o.n++;
        double score = after ? s->score_after : s->score;
        int r = cx_route_of(score, b), t = (int)cx_score_to_tier(score, b);
        o.route[r]++;
        if (s->tier < 0) continue;
        o.labelled++;
        o.right += t == s->tier;
        o.near += abs(t - s->tier) <= 1;
        if (s->tier >= CX_COMPLEX) o.frontier++, o.frontier_fast += r == 0;
    }
    return o;
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0; }

static void print_pair(const char *what, const outcome *a, const outcome *b, double confidence) {
    printf("%s (%zu prompts, %zu labelled)\n", what, a->n, a->labelled);
    for (int r = 0; r < CX_N_ROUTES; r++)
        printf("  %-28s %7.1f%%  -> %7.1f%%\n", cx_route_names[r], pct(a->route[r], a->n), pct(b->route[r], b->n));
    if (!a->labelled) return;
    printf("  %-28s %7.1f%%  -> %7.1f%%\n", "tier accuracy", pct(a->right, a->labelled), pct(b->right, b->labelled));
    printf("  %-28s %7.1f%%  -> %7.1f%%\n", "within one tier", pct(a->near, a->labelled), pct(b->near, b->labelled));
    printf("  %-28s %7.1f%%  -> %7.1f%%   (%zu -> %zu of %zu; upper bound at %.0f%%: %.1f%% -> %.1f%%)\n",
           "frontier-needed sent to fast", pct(a->frontier_fast, a->frontier), pct(b->frontier_fast, b->frontier),
           a->frontier_fast, b->frontier_fast, a->frontier, 100 * confidence,
           100 * cx_clopper_pearson_upper(a->frontier_fast, a->frontier, confidence),
           100 * cx_clopper_pearson_upper(b->frontier_fast, b->frontier, confidence));
}

static void print_tables(const sample_list *l, const double *before, const double *after, double confidence) {
    printf("boundaries (trivial simple moderate complex): %.4f %.4f %.4f %.4f -> %.4f %.4f %.4f %.4f\n\n",
           before[0], before[1], before[2], before[3], after[0], after[1], after[2], after[3]);
    outcome a = outcome_of(l, before, NULL, 0), b = outcome_of(l, after, NULL, 1);
    print_pair("all", &a, &b, confidence);
    char seen[16][16];
    int n_seen = 0;
    for (size_t i = 0; i < l->n && n_seen < 16; i++) {
        int known = 0;
        for (int k = 0; k < n_seen; k++) known |= !strcmp(seen[k], l->v[i].lang);
        if (known) continue;
        snprintf(seen[n_seen++], sizeof seen[0], "%s", l->v[i].lang);
        a = outcome_of(l, before, l->v[i].lang, 0);
        b = outcome_of(l, after, l->v[i].lang, 1);
        char what[40];
        snprintf(what, sizeof what, "lang %s", l->v[i].lang);
        print_pair(what, &a, &b, confidence);
    }
}

/* ---- options ------------------------------------------------------------------ */

typedef struct cal_args {
    const char *data, *config, *mode, *check;
    double target[CX_N_ROUTES];
    int has_target, write, maximize, window;
    double max_rate, confidence;
} cal_args;

static int parse_target(const char *arg, double *t) {
    int set[CX_N_ROUTES] = {0};
    char *copy = strdup(arg), *save = NULL;
    int ok = copy != NULL;
    for (char *part = copy ? strtok_r(copy, ",", &save) : NULL; part && ok; part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '='), *end;
        ok = eq != NULL;
        if (!ok) break;
        *eq = '\0';
        int r = -1;
        for (int k = 0; k < CX_N_ROUTES; k++) r = strcmp(part, cx_route_names[k]) ? r : k;
        double v = strtod(eq + 1, &end);
        ok = r >= 0 && end != eq + 1 && !*end && v >= 0 && v <= 1;
        if (ok) t[r] = v, set[r] = 1;
    }
    free(copy);
    return ok && set[0] && set[1] && set[2] ? 0 : -1;
}

static int parse_args(int argc, char **argv, cal_args *a) {
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'd'},   {"config", required_argument, 0, 'c'},
        {"mode", required_argument, 0, 'm'},   {"target", required_argument, 0, 't'},
        {"max-frontier-to-fast", required_argument, 0, 'r'}, {"confidence", required_argument, 0, 'C'},
        {"write", no_argument, 0, 'w'},        {"check", required_argument, 0, 'k'},
        {"maximize", required_argument, 0, 'M'}, {"window", no_argument, 0, 'W'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 'c': a->config = optarg; break;
        case 'm': a->mode = optarg; break;
        case 't':
            if (parse_target(optarg, a->target))
                return cli_usage_error(CMD, "--target: expected fast=F,standard=S,frontier=R with shares in [0,1]");
            a->has_target = 1;
            break;
        case 'r': if (cli_parse_double(CMD, "--max-frontier-to-fast", optarg, 1e-6, 0.999, &a->max_rate)) return CLI_USAGE; break;
        case 'C': if (cli_parse_double(CMD, "--confidence", optarg, 0.5, 0.999999, &a->confidence)) return CLI_USAGE; break;
        case 'w': a->write = 1; break;
        case 'W': a->window = 1; break;
        case 'k': a->check = optarg; break;
        case 'M':
            if (strcmp(optarg, "accuracy") != 0) return cli_usage_error(CMD, "--maximize: only 'accuracy' is known");
            a->maximize = 1;
            break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option (see --help)");
        }
    }
    if (!a->data) return cli_usage_error(CMD, "--data FILE is required");
    if (a->has_target + (a->max_rate > 0) + a->maximize != 1)
        return cli_usage_error(CMD, "give one of --target, --max-frontier-to-fast or --maximize accuracy");
    if (a->write && !a->config) return cli_usage_error(CMD, "--write needs --config (the file to write)");
    return 0;
}

/* The config the fit is for: the file's (or the defaults), in --mode. */
static int fit_config(const cal_args *a, cx_estimator_config *cfg, cx_error *err) {
    cx_estimator_config_defaults(cfg);
    if (a->config && cx_estimator_config_load(a->config, cfg, err) != CX_OK) return -1;
    if (!a->mode) return 0;
    if (!strcmp(a->mode, "heuristic")) {
        cfg->ml_model_enabled = 0;
        return 0;
    }
    for (int m = 0; m < CX_N_ML_MODES; m++)
        if (!strcmp(a->mode, cx_ml_mode_names[m])) {
            cfg->ml_model_enabled = 1;
            cfg->ml_estimation_mode = (cx_ml_mode)m;
            return 0;
        }
    cx_error_set(err, CX_ERR_INVALID, "--mode: unknown mode '%s' (ml_only, hybrid, ml_refine, heuristic)", a->mode);
    return -1;
}

static int fit(const cal_args *a, const sample_list *l, const cx_estimator_config *cfg, double *out) {
    size_t n = l->n;
    double *scores = malloc(n * sizeof *scores);
    int *gold = malloc(n * sizeof *gold);
    cx_error err = {0, ""};
    int rc = scores && gold ? 0 : cli_fail(CMD, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) scores[i] = l->v[i].score_after, gold[i] = l->v[i].tier;
    if (!rc && a->has_target) {
        double got[CX_N_ROUTES];
        if (cx_calibrate_shares(scores, n, a->target, cfg->tier_boundaries, out, got, &err) != CX_OK)
            rc = cli_fail_err(CMD, &err);
        else
            printf("requested shares %.1f%% / %.1f%% / %.1f%%, achieved %.1f%% / %.1f%% / %.1f%%\n", 100 * a->target[0],
                   100 * a->target[1], 100 * a->target[2], 100 * got[0], 100 * got[1], 100 * got[2]);
    } else if (!rc && a->maximize) {
        double acc0, acc1;
        if (l->labelled < n) rc = cli_fail(CMD, "--maximize accuracy: %zu of %zu prompts have no \"tier\"", n - l->labelled, n);
        else if (cx_calibrate_accuracy(scores, gold, n, cfg->tier_boundaries, out, &acc0, &acc1, &err) != CX_OK)
            rc = cli_fail_err(CMD, &err);
        else printf("tier accuracy %.1f%% -> %.1f%% (on the prompts fitted: --check another file)\n", 100 * acc0, 100 * acc1);
    } else if (!rc) {
        cx_risk_fit rf;
        if (cx_calibrate_risk(scores, gold, n, a->max_rate, a->confidence, cfg->tier_boundaries, out, &rf, &err))
            rc = cli_fail_err(CMD, &err);
        else if (!rf.feasible)
            rc = cli_fail(CMD, "no boundary keeps the %.0f%% upper bound of frontier-needed prompts sent to fast under "
                               "%.2f%%: %zu labelled frontier-needed prompts (complex or expert) are too few; at least "
                               "%zu are needed even if none went to fast",
                          100 * a->confidence, 100 * a->max_rate, rf.frontier_needed, rf.needed);
        else
            printf("frontier-needed sent to fast: %zu of %zu, upper bound %.2f%% at %.0f%% (asked <= %.2f%%)\n",
                   rf.sent_to_fast, rf.frontier_needed, 100 * rf.upper_bound, 100 * a->confidence, 100 * a->max_rate);
    }
    free(scores);
    free(gold);
    return rc;
}

static int write_config(const cal_args *a, const cx_estimator_config *fitted, const double *b) {
    cx_estimator_config cfg;
    cx_error err = {0, ""};
    if (fit_config(a, &cfg, &err)) return cli_fail_err(CMD, &err); /* the file as it is now, in --mode */
    memcpy(cfg.tier_boundaries, b, sizeof cfg.tier_boundaries);
    cfg.ambiguity_low = fitted->ambiguity_low;
    cfg.ambiguity_high = fitted->ambiguity_high;
    if (cx_estimator_config_write(a->config, &cfg, &err) != CX_OK) return cli_fail_err(CMD, &err);
    printf("\nwrote tier_boundaries%s%s to %s\n", a->window ? ", the ambiguity window" : "",
           a->mode ? " and the mode" : "", a->config);
    return 0;
}

static void free_samples(sample_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].text);
    free(l->v);
}

/* Scores every sample with the estimator set to cfg (as score_samples). */
static int score_with(cx_estimator *est, const cx_estimator_config *cfg, sample_list *l, int after) {
    cx_error err = {0, ""};
    if (cx_estimator_set_config(est, cfg, NULL, &err) != CX_OK) return cli_fail_err(CMD, &err);
    return score_samples(est, l, after);
}

/* The fitted boundaries (and window) on prompts the fit did not see. */
static int check_held_out(const cal_args *a, cx_estimator *est, const cx_estimator_config *cfg,
                          const cx_estimator_config *fitted, const double *after) {
    sample_list l = {0};
    int rc = read_samples(a->check, &l);
    if (!rc) rc = score_with(est, cfg, &l, 0);
    if (!rc && a->window) rc = score_with(est, fitted, &l, 1);
    if (!rc) {
        printf("\nheld out: %s\n", a->check);
        outcome before = outcome_of(&l, cfg->tier_boundaries, NULL, 0), now = outcome_of(&l, after, NULL, 1);
        print_pair("all", &before, &now, a->confidence);
    }
    free_samples(&l);
    return rc;
}

/* ml_refine's window: the scores with the window open to (0, 1) give what the
 * model would make of every prompt; the fit picks the window, and each
 * prompt's score_after follows it. */
static int fit_window(cx_estimator *est, const cx_estimator_config *cfg, sample_list *l,
                      cx_estimator_config *fitted) {
    if (!cfg->ml_model_enabled || cfg->ml_estimation_mode != CX_ML_REFINE)
        return cli_fail(CMD, "--window fits ml_refine's window: give --mode ml_refine (or a config in that mode)");
    if (l->labelled < l->n) return cli_fail(CMD, "--window: %zu of %zu prompts have no \"tier\"", l->n - l->labelled, l->n);
    cx_estimator_config open = *cfg;
    open.ambiguity_low = 0;
    open.ambiguity_high = 1;
    int rc = score_with(est, &open, l, 1);
    double *h = malloc(l->n * sizeof *h), *blended = malloc(l->n * sizeof *blended);
    int *gold = malloc(l->n * sizeof *gold);
    if (!rc && (!h || !blended || !gold)) rc = cli_fail(CMD, "out of memory");
    for (size_t i = 0; !rc && i < l->n; i++) h[i] = l->v[i].heuristic, blended[i] = l->v[i].score_after, gold[i] = l->v[i].tier;
    double before = 0, after = 0;
    cx_refine_samples rs = {h, blended, gold, l->n};
    cx_error err = {0, ""};
    if (!rc && cx_calibrate_refine_window(&rs, cfg->tier_boundaries, &fitted->ambiguity_low, &fitted->ambiguity_high,
                                          &before, &after, &err) != CX_OK)
        rc = cli_fail_err(CMD, &err);
    for (size_t i = 0; !rc && i < l->n; i++) {
        int inside = fitted->ambiguity_low < h[i] && h[i] < fitted->ambiguity_high;
        l->v[i].score_after = inside ? blended[i] : h[i];
    }
    if (!rc)
        printf("ml_refine window %.4f-%.4f -> %.4f-%.4f: tier accuracy %.1f%% -> %.1f%% (boundaries as they are; "
               "--check another file)\n", cfg->ambiguity_low, cfg->ambiguity_high, fitted->ambiguity_low,
               fitted->ambiguity_high, 100 * before, 100 * after);
    free(h);
    free(blended);
    free(gold);
    return rc;
}

int cmd_calibrate(int argc, char **argv) {
    cal_args a = {.confidence = 0.95};
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    cx_estimator_config cfg;
    cx_error err = {0, ""};
    if (fit_config(&a, &cfg, &err)) return cli_fail_err(CMD, &err);
    sample_list l = {0};
    cx_estimator *est = NULL;
    cx_estimator_options eo = {.ml_backend = cx_ml_backend_native()};
    rc = read_samples(a.data, &l);
    if (!rc && (cx_estimator_open(&eo, &est, &err) != CX_OK || cx_estimator_set_config(est, &cfg, NULL, &err) != CX_OK))
        rc = cli_fail_err(CMD, &err);
    if (!rc && cfg.ml_model_enabled && !cx_estimator_ml_active(est)) {
        cx_ml_info info;
        cx_estimator_ml_info(est, &info);
        rc = cli_fail(CMD, "the config enables the model, but it did not load: %s", info.last_error);
    }
    if (!rc) rc = score_samples(est, &l, 0);
    cx_estimator_config fitted = cfg;
    if (!rc && a.window) rc = fit_window(est, &cfg, &l, &fitted);
    double after[CX_N_TIERS - 1];
    if (!rc) rc = fit(&a, &l, &cfg, after);
    if (!rc) {
        printf("mode: %s\n", cfg.ml_model_enabled ? cx_ml_mode_names[cfg.ml_estimation_mode] : "heuristic");
        print_tables(&l, cfg.tier_boundaries, after, a.confidence);
    }
    if (!rc && a.check) rc = check_held_out(&a, est, &cfg, &fitted, after);
    if (!rc && a.write) rc = write_config(&a, &fitted, after);
    cx_estimator_free(est);
    free_samples(&l);
    return rc ? CLI_FAIL : CLI_OK;
}
