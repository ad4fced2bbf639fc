/* complexity evaluate: the seed's evaluation report of a model on a labelled
 * JSONL file (SPEC §7), plus the heuristic and the estimator's blends side by
 * side (--compare), per-language and per-class figures, JSON and an HTML page.
 * The figures come from the library (src/eval/report.h); this file prints. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "complexity/evaluate.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

static const char *const CMD = "evaluate";

static void usage(FILE *out) {
    fprintf(out,
            "usage: complexity evaluate --data FILE (--model PATH | --onnx PATH) [--tokenizer DIR]\n"
            "                           [--max-length N] [--threads N] [--int8] [--compare] [--config FILE]\n"
            "                           [--json FILE] [--report FILE.html]\n"
            "       complexity evaluate --data FILE --compare [...]     (the heuristic alone)\n\n"
            "Scores a model on labelled JSONL data: samples, average inference time, score MAE and max\n"
            "error, tier and intent accuracy, within-one-tier accuracy, domain precision / recall / F1\n"
            "(micro), tier confusion matrix (rows = true tier), then per language (the record's \"lang\",\n"
            "else guessed: en / zh / mixed) and per class.\n\n"
            "  --data FILE        labelled test data (required)\n"
            "  --model PATH       a training output folder or a .safetensors file\n"
            "  --onnx PATH        an exported ONNX model\n"
            "  --tokenizer DIR    tokenizer folder (default: the model's)\n"
            "  --max-length N     truncate to N tokens (default 256)\n"
            "  --int8             run the model on the INT8 engine (quantized at load); INT8 files\n"
            "                     and .onnx models always use it\n"
            "  --threads N        threads for the model (default 1: one text is too small a job to\n"
            "                     share, and idle threads waiting on busy cores cost more than they give)\n"
            "  --compare          also the heuristic estimator and the estimator's blends (ml_only,\n"
            "                     hybrid, ml_refine) on the same data, side by side; without a model,\n"
            "                     the heuristic alone\n"
            "  --config FILE      config.yaml for the estimator (tier_boundaries, dimension_weights,\n"
            "                     ambiguity_low/high; its ML fields are ignored); default: built-in\n"
            "  --json FILE        also write every figure as JSON\n"
            "  --report FILE      also write a self-contained HTML report (heat maps, scatter plots,\n"
            "                     per-language and per-class tables, worst errors)\n");
}

/* ---- Printing ----------------------------------------------------------- */

static void print_pct_or_na(const char *label, int known, double v) {
    if (known) printf("  %-19s%.2f%%\n", label, 100 * v);
    else printf("  %-19sn/a\n", label);
}

static void print_report(const cx_metrics *m, const char *title) {
    double pr, rc, f1;
    cx_metrics_domain_prf(m, &pr, &rc, &f1);
    printf("============================================================\n");
    printf("  %s\n", title);
    printf("============================================================\n");
    printf("  Total samples:     %zu\n", m->n);
    double ms = cx_metrics_avg_ms(m);
    if (ms >= 0.1) printf("  Avg inference:     %.2f ms\n", ms);
    else printf("  Avg inference:     %.2f ms (%.1f us)\n", ms, ms * 1000);
    printf("  Score MAE:         %.4f\n", cx_metrics_mae(m));
    printf("  Score Max Error:   %.4f\n", m->score_max_err);
    printf("  Tier Accuracy:     %.2f%%\n", 100 * cx_metrics_tier_accuracy(m));
    print_pct_or_na("Intent Accuracy:", m->intent_n > 0, cx_metrics_intent_accuracy(m));
    if (m->dom_n) printf("  Domain F1:         %.2f%%  (precision %.2f%%, recall %.2f%%)\n", 100 * f1, 100 * pr, 100 * rc);
    else printf("  Domain F1:         n/a\n");
    printf("  Tier within one:   %.2f%%\n", 100 * cx_metrics_tier_within_one(m));
    printf("  Route accuracy:    %.2f%%  (fast = trivial/simple, standard = moderate, frontier = complex/expert)\n",
           100 * cx_metrics_route_accuracy(m));
    printf("  Frontier to fast:  %.2f%%  (of the complex/expert samples, routed to the fast model)\n",
           100 * cx_metrics_frontier_to_fast(m));
    printf("\n  Tier Confusion Matrix:\n             |");
    for (int j = 0; j < CX_N_TIERS; j++) printf(" %8s%s", cx_tier_names[j], j + 1 < CX_N_TIERS ? " |" : "");
    printf("\n  -----------+----------+----------+----------+----------+---------\n");
    for (int i = 0; i < CX_N_TIERS; i++) {
        printf("  %10s |", cx_tier_names[i]);
        for (int j = 0; j < CX_N_TIERS; j++) printf(" %8zu%s", m->tier_confusion[i][j], j + 1 < CX_N_TIERS ? " |" : "");
        printf("\n");
    }
    printf("============================================================\n");
}

/* A percentage column entry, or "-" where the predictor has no such output. */
static void pct_col(int known, double v) {
    if (known) printf(" %8.2f%%", 100 * v);
    else printf(" %9s", "-");
}

static void figures_row(const char *name, const char *sub, const cx_metrics *m, int with_ms) {
    double f1;
    cx_metrics_domain_prf(m, NULL, NULL, &f1);
    printf("  %-10s", name);
    if (sub) printf(" %-6s", sub);
    printf(" %6zu  %7.4f  %7.4f", m->n, cx_metrics_mae(m), m->score_max_err);
    pct_col(1, cx_metrics_tier_accuracy(m));
    pct_col(1, cx_metrics_tier_within_one(m));
    pct_col(m->intent_n > 0, cx_metrics_intent_accuracy(m));
    pct_col(m->dom_n > 0, f1);
    if (with_ms) printf(" %8.3f", cx_metrics_avg_ms(m));
    printf("\n");
}

static void figures_header(const char *title, const char *sub, int with_ms) {
    printf("\n  %s\n", title);
    printf("  %-10s", "predictor");
    if (sub) printf(" %-6s", sub);
    printf(" %6s  %7s  %7s %9s %9s %9s %9s%s\n", "n", "MAE", "max err", "tier acc", "within 1", "intent", "dom F1",
           with_ms ? "   avg ms" : "");
}

static void print_compare(const cx_eval_result *r) {
    figures_header("Predictors side by side:", NULL, 1);
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated) figures_row(cx_predictor_names[k], NULL, &r->pred[k].all, 1);
    const cx_eval_predictor *refine = &r->pred[CX_PRED_ML_REFINE];
    if (refine->evaluated)
        printf("  ml_refine used the model for %zu of %zu samples (%.2f < heuristic < %.2f).\n", refine->ml_used, r->n,
               r->config.ambiguity_low, r->config.ambiguity_high);
}

static void print_languages(const cx_eval_result *r) {
    figures_header("Per language:", "lang", 0);
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        for (int l = 0; r->pred[k].evaluated && l < CX_N_LANGS; l++)
            if (r->lang_count[l]) figures_row(cx_predictor_names[k], cx_lang_names[l], &r->pred[k].by_lang[l], 0);
}

static void print_classes(const cx_eval_result *r) {
    const cx_metrics *m = &r->pred[r->primary].all;
    double p, rc, f1;
    printf("\n  Per class (%s):       precision    recall\n", cx_predictor_names[r->primary]);
    for (int t = 0; t < CX_N_TIERS; t++) {
        cx_metrics_tier_class_pr(m, t, &p, &rc);
        printf("    tier   %-12s %8.2f%% %8.2f%%\n", cx_tier_names[t], 100 * p, 100 * rc);
    }
    for (int i = 0; m->intent_n && i < CX_N_INTENTS; i++) {
        cx_metrics_intent_class_pr(m, i, &p, &rc);
        printf("    intent %-12s %8.2f%% %8.2f%%\n", cx_intent_names[i], 100 * p, 100 * rc);
    }
    for (int d = 0; m->dom_n && d < CX_N_DOMAINS; d++) {
        cx_metrics_domain_class_prf(m, d, &p, &rc, &f1);
        printf("    domain %-12s %8.2f%% %8.2f%%   F1 %.2f%%\n", cx_domain_names[d], 100 * p, 100 * rc, 100 * f1);
    }
}

/* ---- Running ------------------------------------------------------------ */

typedef struct eval_args {
    const char *data, *model, *onnx, *json, *report, *config;
    int compare;
    cx_classifier_options copt;
} eval_args;

static int write_outputs(const eval_args *a, const cx_eval_result *r, const char *model_path) {
    int rc = CLI_OK;
    if (a->json) {
        cx_error err = {0, ""};
        if (cx_eval_write_json(r, model_path, a->data, a->json, &err) != CX_OK) rc = cli_fail_err(CMD, &err);
    }
    if (rc == CLI_OK && a->report) {
        cx_error err = {0, ""};
        cx_eval_page_info info = {NULL, model_path, a->data};
        if (cx_eval_write_html(r, &info, a->report, &err) != CX_OK) rc = cli_fail_err(CMD, &err);
    }
    return rc;
}

static int evaluate(const eval_args *a, const cx_dataset *ds, cx_classifier *cl) {
    cx_error err = {0, ""};
    cx_estimator_config cfg;
    cx_estimator_config_defaults(&cfg);
    if (a->config && cx_estimator_config_load(a->config, &cfg, &err) != CX_OK) return cli_fail_err(CMD, &err);
    cx_eval_options o = {.classifier = cl, .compare = a->compare, .config = &cfg};
    cx_eval_result *r;
    if (cx_eval_run(ds, &o, &r, &err) != CX_OK) return cli_fail_err(CMD, &err);
    if (!cli_is_primary_rank()) { /* under mpirun, rank 0 reports for the job */
        cx_eval_result_free(r);
        return CLI_OK;
    }
    const char *title = !cl ? "Heuristic Estimator Evaluation Results"
                            : a->onnx ? "ONNX Model Evaluation Results" : "Model Evaluation Results";
    print_report(&r->pred[r->primary].all, title);
    if (cx_eval_n_evaluated(r) > 1) print_compare(r);
    print_languages(r);
    print_classes(r);
    int rc = write_outputs(a, r, cl ? cx_classifier_model_path(cl) : NULL);
    cx_eval_result_free(r);
    return rc;
}

static int parse_args(int argc, char **argv, eval_args *a) {
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'd'}, {"model", required_argument, 0, 'm'},
        {"onnx", required_argument, 0, 'x'}, {"tokenizer", required_argument, 0, 't'},
        {"max-length", required_argument, 0, 'L'}, {"json", required_argument, 0, 'J'},
        {"report", required_argument, 0, 'R'}, {"compare", no_argument, 0, 'C'},
        {"config", required_argument, 0, 'c'}, {"threads", required_argument, 0, 'T'},
        {"int8", no_argument, 0, 'I'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    size_t v;
    a->copt.threads = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 'm': a->model = optarg; break;
        case 'x': a->onnx = optarg; break;
        case 'I': a->copt.int8 = 1; break;
        case 't': a->copt.tokenizer = optarg; break;
        case 'L':
            if (cli_parse_size(CMD, "--max-length", optarg, 2, &v)) return CLI_USAGE;
            a->copt.max_length = (int)v;
            break;
        case 'T':
            if (cli_parse_size(CMD, "--threads", optarg, 1, &v)) return CLI_USAGE;
            if (v > 1024) return cli_usage_error(CMD, "--threads: %zu is more than 1024", v);
            a->copt.threads = (int)v;
            break;
        case 'J': a->json = optarg; break;
        case 'R': a->report = optarg; break;
        case 'C': a->compare = 1; break;
        case 'c': a->config = optarg; break;
        case 'h': usage(stdout); return -1;
        default: return cli_usage_error(CMD, "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!a->data) return cli_usage_error(CMD, "--data is required");
    if (a->model && a->onnx) return cli_usage_error(CMD, "give one of --model or --onnx, not both");
    if (!a->model && !a->onnx && !a->compare)
        return cli_usage_error(CMD, "give --model or --onnx (or --compare for the heuristic alone)");
    return CLI_OK;
}

int cmd_evaluate(int argc, char **argv) {
    eval_args a;
    memset(&a, 0, sizeof a);
    a.copt = cx_classifier_default_options();
    int rc = parse_args(argc, argv, &a);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    cx_error err = {0, ""};
    cx_dataset *ds;
    if (cx_dataset_load(a.data, 0, &ds, &err) != CX_OK) return cli_fail_err(CMD, &err);
    cx_classifier *cl = NULL;
    const char *model = a.model ? a.model : a.onnx;
    cx_model_set_threads(a.copt.threads); /* fp32: the process's settings, which the CLI owns */
    if (model && cx_classifier_open(model, &a.copt, &cl, &err) != CX_OK) {
        cx_dataset_free(ds);
        return cli_fail_err(CMD, &err);
    }
    rc = evaluate(&a, ds, cl);
    cx_classifier_free(cl);
    cx_dataset_free(ds);
    return rc;
}
