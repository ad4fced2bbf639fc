/* The evaluation behind `complexity evaluate`: the heuristic and the three
 * estimator blends against their definitions (SPEC §7-8), per-language and
 * worst-error bookkeeping, the JSON keys, and the HTML page (escaping, no
 * external resource, well-formed by a strict tag checker). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "complexity.h"
#include "eval/report.h"
#include "testutil.h"
#include "util/sbuf.h"

/* An English text whose heuristic score (0.449) lies in ml_refine's ambiguous zone. */
#define AMBIGUOUS_TEXT                                                                                          \
    "Analyze and compare three designs, first evaluate then optimize. Step 1: design the database schema, "   \
    "step 2: implement the API with error handling, step 3: deploy with kubernetes and monitor performance. " \
    "Must be secure, must scale to 10k users, should use postgres."

static const char *const LINES[] = {
    "{\"text\": \"hello\", \"score\": 0.05, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}",
    "{\"text\": \"你好嗎？\", \"score\": 0.08, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}",
    "{\"text\": \"幫我 check 一下這個 bug\", \"score\": 0.45, \"tier\": \"moderate\", \"domains\": [\"code\"], "
    "\"intent\": \"debug\"}",
    "{\"text\": \"" AMBIGUOUS_TEXT "\", \"score\": 0.9, \"tier\": \"expert\", \"domains\": [\"code\", \"system\"], "
    "\"intent\": \"planning\"}",
    /* The "lang" field wins over detection (an English text labelled zh). */
    "{\"text\": \"Write a sort function\", \"score\": 0.2, \"tier\": \"simple\", \"domains\": [\"code\"], "
    "\"intent\": \"code_gen\", \"lang\": \"zh\"}",
    /* Markup and a control character: must come out escaped in the page. */
    "{\"text\": \"<script>alert('x')</script> & \\\"q\\\"\\u0001 design a system\", \"score\": 0.7, \"tier\": "
    "\"complex\", \"domains\": [\"system\"], \"intent\": \"planning\"}",
};
enum { N_LINES = sizeof LINES / sizeof LINES[0] };

static char *write_dataset(const char *dir, const char *name, const char *const *lines, size_t n) {
    sbuf b = SBUF_INIT;
    for (size_t i = 0; i < n; i++) sbuf_printf(&b, "%s\n", lines[i]);
    char *path = tu_path(dir, name);
    tu_write_file(path, b.data, b.len);
    sbuf_free(&b);
    return path;
}

static cx_dataset *load(const char *path) {
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    int rc = cx_dataset_load(path, 0, &ds, &err);
    if (rc != CX_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, CX_OK);
    return ds;
}

static cx_eval_result *run(const cx_dataset *ds, cx_classifier *cl, int compare) {
    cx_eval_options o = {.classifier = cl, .compare = compare};
    cx_eval_result *r = NULL;
    cx_error err = {0, ""};
    int rc = cx_eval_run(ds, &o, &r, &err);
    if (rc != CX_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, CX_OK);
    return r;
}

static double heuristic_score(const cx_record *rec) {
    cx_heuristic *h;
    cx_heuristic_result hr;
    cx_error err = {0, ""};
    assert_int_equal(cx_heuristic_open(&h, &err), CX_OK);
    assert_int_equal(cx_heuristic_eval(h, rec->text, rec->text_len, 0, NULL, &hr, &err), CX_OK);
    cx_heuristic_free(h);
    return hr.score;
}

static void test_heuristic_alone(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_heur");
    char *path = write_dataset(dir, "d.jsonl", LINES, N_LINES);
    cx_dataset *ds = load(path);
    cx_eval_result *r = run(ds, NULL, 1);
    assert_int_equal(r->primary, CX_PRED_HEURISTIC);
    for (int k = 0; k < CX_N_PREDICTORS; k++) assert_int_equal(r->pred[k].evaluated, k == CX_PRED_HEURISTIC);
    const cx_eval_predictor *p = &r->pred[CX_PRED_HEURISTIC];
    cx_estimator_config def;
    cx_estimator_config_defaults(&def);
    double abs_sum = 0;
    for (size_t i = 0; i < N_LINES; i++) {
        const cx_record *rec = cx_dataset_get(ds, i);
        double h = heuristic_score(rec);
        assert_true(p->score[i] == h);
        assert_int_equal(p->tier[i], cx_score_to_tier(h, def.tier_boundaries));
        abs_sum += fabs(h - rec->score);
    }
    assert_true(fabs(cx_metrics_mae(&p->all) - abs_sum / N_LINES) < 1e-12);
    assert_int_equal(p->all.intent_n, 0);
    assert_int_equal(p->all.dom_n, 0);
    /* Languages: en, zh, mixed, en, zh (field), en. */
    static const int want_lang[N_LINES] = {CX_LANG_EN, CX_LANG_ZH, CX_LANG_MIXED, CX_LANG_EN, CX_LANG_ZH, CX_LANG_EN};
    for (size_t i = 0; i < N_LINES; i++) assert_int_equal(r->lang[i], want_lang[i]);
    assert_int_equal(r->lang_count[CX_LANG_EN], 3);
    assert_int_equal(r->lang_count[CX_LANG_ZH], 2);
    assert_int_equal(r->lang_count[CX_LANG_MIXED], 1);
    assert_int_equal(r->lang_from_field, 1);
    size_t n_lang = 0;
    double lang_abs = 0;
    for (int l = 0; l < CX_N_LANGS; l++) {
        n_lang += p->by_lang[l].n;
        lang_abs += p->by_lang[l].score_abs_sum;
    }
    assert_int_equal(n_lang, N_LINES);
    assert_true(fabs(lang_abs - p->all.score_abs_sum) < 1e-12);
    /* Worst errors: every sample, by decreasing |error|. */
    assert_int_equal(p->n_worst, N_LINES);
    for (size_t w = 1; w < p->n_worst; w++) {
        const cx_record *a = cx_dataset_get(ds, p->worst[w - 1]), *b = cx_dataset_get(ds, p->worst[w]);
        assert_true(fabs(p->score[p->worst[w - 1]] - a->score) >= fabs(p->score[p->worst[w]] - b->score));
    }
    assert_int_equal(p->worst[0], 5); /* true 0.7, heuristic 0.053 */
    assert_int_equal(p->worst[1], 3); /* true 0.9, heuristic 0.449 */
    cx_eval_result_free(r);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

static void test_worst_keeps_top20(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_worst");
    const char *lines[45];
    char buf[45][160];
    for (int i = 0; i < 45; i++) {
        /* Same text ("hi": heuristic ~0.017), true scores rising: the last 20 are the worst. */
        snprintf(buf[i], sizeof buf[i],
                 "{\"text\": \"hi\", \"score\": %.4f, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}",
                 0.02 + 0.002 * i);
        lines[i] = buf[i];
    }
    char *path = write_dataset(dir, "w.jsonl", lines, 45);
    cx_dataset *ds = load(path);
    cx_eval_result *r = run(ds, NULL, 1);
    const cx_eval_predictor *p = &r->pred[CX_PRED_HEURISTIC];
    assert_int_equal(p->n_worst, CX_EVAL_WORST);
    for (int w = 0; w < CX_EVAL_WORST; w++) assert_int_equal(p->worst[w], 44 - w);
    cx_eval_result_free(r);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

/* Above 4,000 samples the scatter plot draws a regular subsample and says so. */
static void test_scatter_subsamples_large_sets(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_large");
    enum { N = 8001 };
    sbuf b = SBUF_INIT;
    for (int i = 0; i < N; i++)
        sbuf_printf(&b, "{\"text\": \"t%d\", \"score\": 0.1, \"tier\": \"trivial\", \"domains\": [], "
                        "\"intent\": \"greeting\"}\n", i);
    char *path = tu_path(dir, "big.jsonl");
    tu_write_file(path, b.data, b.len);
    sbuf_free(&b);
    cx_dataset *ds = load(path);
    cx_eval_result *r = run(ds, NULL, 1);
    sbuf page = SBUF_INIT;
    cx_report_scatter(&page, r, CX_PRED_HEURISTIC);
    size_t points = 0;
    for (const char *q = strstr(sbuf_str(&page), "<circle "); q; q = strstr(q + 1, "<circle ")) points++;
    assert_int_equal(points, (N + 2) / 3); /* stride 3: samples 0, 3, ..., 7998 */
    assert_non_null(strstr(sbuf_str(&page), "1 sample in 3 shown"));
    sbuf_free(&page);
    cx_eval_result_free(r);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

static void test_needs_something_to_evaluate(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_none");
    char *path = write_dataset(dir, "d.jsonl", LINES, 1);
    cx_dataset *ds = load(path);
    cx_eval_options o = {0};
    cx_eval_result *r = (cx_eval_result *)1;
    cx_error err = {0, ""};
    assert_int_equal(cx_eval_run(ds, &o, &r, &err), CX_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(err.msg, "nothing to evaluate"));
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

/* A randomly initialised tiny model over tests/data/vocab_small: predictions
 * are arbitrary but deterministic, which is all the blend checks need. */
static cx_classifier *random_classifier(const char *dir) {
    cx_model_config cfg;
    cx_error err = {0, ""};
    assert_int_equal(cx_model_preset("tiny", &cfg, &err), CX_OK);
    cfg.vocab_size = 1000;
    cfg.max_positions = 128;
    cx_model *m;
    assert_int_equal(cx_model_create(&cfg, 7, &m, &err), CX_OK);
    char *weights = tu_path(dir, "best_model.safetensors");
    assert_int_equal(cx_model_save(m, weights, &err), CX_OK);
    cx_model_free(m);
    char *vocab = tu_path(tu_source_dir(), "tests/data/vocab_small");
    cx_classifier_options o = {.tokenizer = vocab, .threads = 1};
    cx_classifier *cl = NULL;
    int rc = cx_classifier_open(dir, &o, &cl, &err);
    if (rc != CX_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, CX_OK);
    free(vocab);
    free(weights);
    return cl;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

static void test_blends_follow_the_estimator(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_ml");
    char *path = write_dataset(dir, "d.jsonl", LINES, N_LINES);
    cx_dataset *ds = load(path);
    cx_classifier *cl = random_classifier(dir);
    cx_eval_result *r = run(ds, cl, 1);
    assert_int_equal(r->primary, CX_PRED_ML);
    for (int k = 0; k < CX_N_PREDICTORS; k++) assert_true(r->pred[k].evaluated);
    const double *b = r->config.tier_boundaries;
    size_t refined = 0;
    cx_classifier_ctx *x;
    cx_error xerr = {0, ""};
    assert_int_equal(cx_classifier_ctx_open(cl, &x, &xerr), CX_OK);
    for (size_t i = 0; i < N_LINES; i++) {
        const cx_record *rec = cx_dataset_get(ds, i);
        cx_prediction p;
        cx_error err = {0, ""};
        assert_int_equal(cx_classifier_predict(x, rec->text, rec->text_len, &p, &err), CX_OK);
        double h = heuristic_score(rec), ml = p.score, hy = clamp01(0.6 * ml + 0.4 * h);
        assert_true(r->pred[CX_PRED_ML].score[i] == ml);
        assert_int_equal(r->pred[CX_PRED_ML].tier[i], p.tier); /* argmax, not boundaries */
        assert_true(r->pred[CX_PRED_ML_ONLY].score[i] == ml);
        assert_int_equal(r->pred[CX_PRED_ML_ONLY].tier[i], cx_score_to_tier(ml, b));
        assert_true(r->pred[CX_PRED_HYBRID].score[i] == hy);
        assert_int_equal(r->pred[CX_PRED_HYBRID].tier[i], cx_score_to_tier(hy, b));
        int zone = 0.35 < h && h < 0.65;
        refined += zone;
        assert_true(r->pred[CX_PRED_ML_REFINE].score[i] == (zone ? hy : h));
        assert_true(r->pred[CX_PRED_HEURISTIC].score[i] == h);
    }
    assert_int_equal(refined, 1); /* AMBIGUOUS_TEXT */
    assert_int_equal(r->pred[CX_PRED_ML_REFINE].ml_used, 1);
    assert_int_equal(r->pred[CX_PRED_HYBRID].ml_used, N_LINES);
    assert_int_equal(r->pred[CX_PRED_ML].all.intent_n, N_LINES);
    assert_int_equal(r->pred[CX_PRED_ML].all.dom_n, N_LINES);
    assert_int_equal(r->pred[CX_PRED_HYBRID].all.intent_n, 0);
    /* Without --compare: the model alone. */
    cx_eval_result *alone = run(ds, cl, 0);
    for (int k = 0; k < CX_N_PREDICTORS; k++) assert_int_equal(alone->pred[k].evaluated, k == CX_PRED_ML);
    assert_true(alone->pred[CX_PRED_ML].all.score_abs_sum == r->pred[CX_PRED_ML].all.score_abs_sum);
    cx_eval_result_free(alone);
    cx_eval_result_free(r);
    cx_classifier_ctx_free(x);
    cx_classifier_free(cl);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

static void test_json_keys(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_json");
    char *path = write_dataset(dir, "d.jsonl", LINES, N_LINES);
    cx_dataset *ds = load(path);
    cx_eval_result *r = run(ds, NULL, 1);
    char *text = cx_eval_to_json(r, NULL, path);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    static const char *const keys[] = {"samples", "avg_inference_ms", "score_mae", "score_max_error", "tier_accuracy",
                                       "tier_within_one", "intent_accuracy", "domain_precision", "domain_recall",
                                       "domain_f1", "tier_confusion", "per_language", "per_class", "worst_errors",
                                       "predictors", "languages", "estimator_config"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) assert_non_null(cJSON_GetObjectItem(j, keys[k]));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "model")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "intent_accuracy")));
    assert_string_equal(cJSON_GetObjectItem(j, "predictor")->valuestring, "heuristic");
    assert_true(cJSON_GetObjectItem(j, "score_mae")->valuedouble == cx_metrics_mae(&r->pred[CX_PRED_HEURISTIC].all));
    cJSON *h = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "predictors"), "heuristic");
    assert_non_null(h);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "predictors")), 1);
    cJSON *zh = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "per_language"), "zh");
    assert_int_equal((int)cJSON_GetObjectItem(zh, "samples")->valuedouble, 2);
    cJSON *cm = cJSON_GetObjectItem(j, "tier_confusion");
    assert_int_equal(cJSON_GetArraySize(cm), CX_N_TIERS);
    cJSON *trivial = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "per_class"), "tiers"), "trivial");
    assert_int_equal((int)cJSON_GetObjectItem(trivial, "support")->valuedouble, 2);
    cJSON *w0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "worst_errors"), 0);
    assert_int_equal((int)cJSON_GetObjectItem(w0, "line")->valuedouble, 6);
    assert_non_null(strstr(cJSON_GetObjectItem(w0, "text")->valuestring, "<script>"));
    cJSON_Delete(j);
    cx_eval_result_free(r);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

static const char *const VOID_TAGS[] = {"meta", "br", "hr", "img", "input", "link", "wbr", "col"};

static int is_void(const char *name, size_t n) {
    for (size_t i = 0; i < sizeof VOID_TAGS / sizeof VOID_TAGS[0]; i++)
        if (strlen(VOID_TAGS[i]) == n && memcmp(VOID_TAGS[i], name, n) == 0) return 1;
    return 0;
}

/* A strict well-formedness check: every non-void element closed in order,
 * attribute values double-quoted, no raw '<' or '>' in text or values.
 * Returns NULL when fine, else a static description of the first problem. */
static const char *check_markup(const char *s) {
    enum { MAX_DEPTH = 64 };
    const char *stack[MAX_DEPTH];
    size_t len[MAX_DEPTH];
    int depth = 0;
    if (strncmp(s, "<!DOCTYPE html>", 15) != 0) return "no doctype";
    s += 15;
    while (*s) {
        if (*s == '>') return "raw '>' in text";
        if (*s != '<') { s++; continue; }
        int closing = s[1] == '/';
        const char *name = s + 1 + closing;
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (n == 0) return "'<' not starting a tag";
        const char *p = name + n;
        while (*p && *p != '>' && *p != '/') {          /* attributes: name="value" */
            p += strspn(p, " ");
            if (*p == '>' || *p == '/') break;
            size_t an = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
            if (an == 0 || p[an] != '=' || p[an + 1] != '"') return "attribute without a quoted value";
            const char *v = p + an + 2, *e = strchr(v, '"');
            if (!e) return "unterminated attribute";
            for (const char *q = v; q < e; q++)
                if (*q == '<' || *q == '>') return "raw '<' or '>' in an attribute";
            p = e + 1;
        }
        int self_closing = *p == '/';
        if (self_closing) p++;
        if (*p != '>') return "unterminated tag";
        if (closing) {
            if (depth == 0 || len[depth - 1] != n || memcmp(stack[depth - 1], name, n) != 0) return "mismatched end tag";
            depth--;
        } else if (!self_closing && !is_void(name, n)) {
            if (depth == MAX_DEPTH) return "nesting too deep";
            stack[depth] = name;
            len[depth++] = n;
        }
        s = p + 1;
    }
    return depth ? "unclosed element" : NULL;
}

static void test_markup_checker_catches_faults(void **state) {
    (void)state;
    assert_null(check_markup("<!DOCTYPE html><html><body><p class=\"a\">x<br></p><svg><circle r=\"1\"/></svg></body></html>"));
    assert_non_null(check_markup("<!DOCTYPE html><html><body><p>x</body></html>"));
    assert_non_null(check_markup("<!DOCTYPE html><html><p>a < b</p></html>"));
    assert_non_null(check_markup("<!DOCTYPE html><html><p title=x>a</p></html>"));
    assert_non_null(check_markup("<!DOCTYPE html><html><p>a</p>"));
    assert_non_null(check_markup("<html></html>"));
}

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

/* The cost/quality curve and the ECEs on six samples whose predictions are set
 * by hand; every expected figure is worked out in the comments. */
static void test_routing_curve_and_ece(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_routing");
    char *path = write_dataset(dir, "d.jsonl", LINES, N_LINES);
    cx_dataset *ds = load(path);
    cx_eval_result *r = run(ds, NULL, 1);
    cx_eval_predictor *p = &r->pred[CX_PRED_HEURISTIC];
    double tier_ece, score_ece;
    cx_eval_ece(r, CX_PRED_HEURISTIC, -1, &tier_ece, &score_ece);
    assert_true(isnan(tier_ece)); /* no tier head */
    /* true tiers trivial, trivial, moderate, expert, simple, complex; true scores .05 .08 .45 .9 .2 .7 */
    const double score[N_LINES] = {0.10, 0.30, 0.50, 0.95, 0.15, 0.65}, conf[N_LINES] = {0.95, 0.55, 0.65, 0.92, 0.58, 0.71};
    const int tier[N_LINES] = {0, 1, 2, 4, 0, 3};
    p->tier_conf = malloc(N_LINES * sizeof *p->tier_conf);
    for (int i = 0; i < N_LINES; i++) p->score[i] = score[i], p->tier[i] = (signed char)tier[i], p->tier_conf[i] = conf[i];
    cx_route_point pts[CX_ROUTE_CURVE_POINTS], cur;
    cx_eval_route_curve(r, CX_PRED_HEURISTIC, pts, &cur);
    /* threshold 0.50: samples 2, 3, 5 sent (1/2), both frontier-needed ones (3, 5) caught */
    assert_near(pts[50].threshold, 0.50, 1e-12);
    assert_near(pts[50].frontier_share, 0.5, 1e-12);
    assert_near(pts[50].frontier_recall, 1.0, 1e-12);
    /* 0.66: sample 3 alone */
    assert_near(pts[66].frontier_share, 1.0 / 6, 1e-12);
    assert_near(pts[66].frontier_recall, 0.5, 1e-12);
    assert_near(pts[0].frontier_share, 1.0, 1e-12);
    assert_near(pts[100].frontier_share, 0.0, 1e-12);
    /* its tiers: expert (3) and complex (5) go to the frontier */
    assert_near(cur.frontier_share, 2.0 / 6, 1e-12);
    assert_near(cur.frontier_recall, 1.0, 1e-12);
    assert_near(cur.threshold, r->config.tier_boundaries[2], 1e-12);
    /* score bins: {0.10, 0.15} |.25-.25| = 0; {.30} .22; {.50} .05; {.65} .05; {.95} .05 -> .37 / 6 */
    /* tier bins: {.92,.95} right 2 -> .13; {.55,.58} right 0 -> 1.13; {.65} .35; {.71} .29 -> 1.90 / 6 */
    cx_eval_ece(r, CX_PRED_HEURISTIC, -1, &tier_ece, &score_ece);
    assert_near(score_ece, 0.37 / 6, 1e-12);
    assert_near(tier_ece, 1.90 / 6, 1e-12);
    /* Chinese: samples 1 (detected) and 4 (its "lang" field) */
    assert_int_equal(r->lang[1], CX_LANG_ZH);
    assert_int_equal(r->lang[4], CX_LANG_ZH);
    cx_eval_ece(r, CX_PRED_HEURISTIC, CX_LANG_ZH, &tier_ece, &score_ece);
    assert_near(score_ece, (0.22 + 0.05) / 2, 1e-12);
    assert_near(tier_ece, 1.13 / 2, 1e-12);
    cx_eval_ece(r, CX_PRED_HEURISTIC, CX_LANG_OTHER, &tier_ece, &score_ece);
    assert_true(isnan(tier_ece) && isnan(score_ece));
    /* The page has both sections and stays well-formed. */
    char *page = cx_eval_html(r, NULL);
    assert_non_null(strstr(page, "id=\"routing\""));
    assert_non_null(strstr(page, "id=\"calibration\""));
    assert_non_null(strstr(page, "<td>0.317</td>")); /* the tier head's ECE, all languages */
    const char *fault = check_markup(page);
    if (fault) fprintf(stderr, "markup: %s\n", fault);
    assert_null(fault);
    free(page);
    cx_eval_result_free(r);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

static void test_html_escape(void **state) {
    (void)state;
    sbuf b = SBUF_INIT;
    const char in[] = "a<b>&\"c'\x01\t\n\xC2\x85\xFF\xE4\xBD\xA0";
    cx_html_escape(&b, in, sizeof in - 1);
    assert_string_equal(sbuf_str(&b), "a&lt;b&gt;&amp;&quot;c&#39;\xEF\xBF\xBD\t\n\xEF\xBF\xBD\xEF\xBF\xBD\xE4\xBD\xA0");
    sbuf_free(&b);
}

static void test_html_page(void **state) {
    (void)state;
    char *dir = tu_tmpdir("report_html");
    char *path = write_dataset(dir, "d.jsonl", LINES, N_LINES);
    cx_dataset *ds = load(path);
    cx_classifier *cl = random_classifier(dir);
    cx_eval_result *r = run(ds, cl, 1);
    cx_eval_page_info info = {"Eval <&> test", "m", path};
    char *page = cx_eval_html(r, &info);
    assert_non_null(page);
    const char *problem = check_markup(page);
    if (problem) fprintf(stderr, "markup: %s\n", problem);
    assert_null(problem);
    /* Self-contained: no script, no external resource. */
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "href="));
    assert_null(strstr(page, "url("));
    assert_null(strstr(page, "@import"));
    for (const char *h = strstr(page, "http"); h; h = strstr(h + 1, "http"))
        assert_int_equal(strncmp(h, "http://www.w3.org/2000/svg\"", 27), 0);
    /* The hostile text is escaped, its control character replaced. */
    assert_non_null(strstr(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\xEF\xBF\xBD design"));
    assert_non_null(strstr(page, "<title>Eval &lt;&amp;&gt; test</title>"));
    static const char *const ids[] = {"summary", "confusion", "scatter", "languages", "routing", "calibration", "classes", "worst"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char want[40];
        snprintf(want, sizeof want, "<section id=\"%s\">", ids[i]);
        assert_non_null(strstr(page, want));
    }
    /* Five heat maps, five scatter plots with one point per sample each. */
    size_t maps = 0, plots = 0, points = 0;
    for (const char *q = strstr(page, "<table class=\"cm\">"); q; q = strstr(q + 1, "<table class=\"cm\">")) maps++;
    for (const char *q = strstr(page, "class=\"scatter\""); q; q = strstr(q + 1, "class=\"scatter\"")) plots++;
    for (const char *q = strstr(page, "r=\"2.3\"/>"); q; q = strstr(q + 1, "r=\"2.3\"/>")) points++;
    assert_int_equal(maps, CX_N_PREDICTORS);
    assert_int_equal(plots, CX_N_PREDICTORS);
    assert_int_equal(points, CX_N_PREDICTORS * N_LINES);
    /* Written atomically: the file holds the page, no temp file is left. */
    char *out = tu_path(dir, "sub/report.html");
    cx_error err = {0, ""};
    assert_int_equal(cx_eval_write_html(r, &info, out, &err), CX_OK);
    size_t n;
    char *back = tu_read_file(out, &n);
    assert_int_equal(n, strlen(page));
    assert_memory_equal(back, page, n);
    char *sub = tu_path(dir, "sub");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s' | wc -l)\" = 1", sub);
    assert_int_equal(system(cmd), 0);
    /* An unwritable destination is an error with the path, not a crash. */
    char *bad = tu_path(out, "x.html"); /* a file used as a directory */
    assert_int_not_equal(cx_eval_write_html(r, &info, bad, &err), CX_OK);
    assert_non_null(strstr(err.msg, "report.html"));
    free(bad);
    free(sub);
    free(back);
    free(out);
    free(page);
    cx_eval_result_free(r);
    cx_classifier_free(cl);
    cx_dataset_free(ds);
    free(path);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heuristic_alone),         cmocka_unit_test(test_worst_keeps_top20),
        cmocka_unit_test(test_needs_something_to_evaluate), cmocka_unit_test(test_blends_follow_the_estimator),
        cmocka_unit_test(test_scatter_subsamples_large_sets),
        cmocka_unit_test(test_json_keys),                cmocka_unit_test(test_markup_checker_catches_faults),
        cmocka_unit_test(test_routing_curve_and_ece),
        cmocka_unit_test(test_html_escape),              cmocka_unit_test(test_html_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
