/* The HTML evaluation report: one self-contained page (inline CSS and SVG, no
 * script, no external resource), written atomically. Layout:
 *   header      data, model, samples, languages, estimator settings
 *   #summary    one row per predictor, best figure of each column in bold
 *   #confusion  tier confusion heat maps      #scatter  true vs predicted score
 *   #languages  figures per language x predictor
 *   #routing    cost/quality curve            #calibration  ECE per language
 *   #classes    per-class precision / recall  #worst    top errors with texts */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/report.h"
#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/utf8.h"

void cx_html_escape(sbuf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = cx_utf8_decode(u + i, n - i, &cp);
        if (!k) { sbuf_puts(b, "\xEF\xBF\xBD"); i++; continue; }
        switch (cp) {
        case '&': sbuf_puts(b, "&amp;"); break;
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        case '\'': sbuf_puts(b, "&#39;"); break;
        default:
            /* HTML forbids control characters in text; tab and newline are whitespace. */
            if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F)) sbuf_puts(b, "\xEF\xBF\xBD");
            else sbuf_append(b, s + i, k);
        }
        i += k;
    }
}

static void esc(sbuf *b, const char *s) { cx_html_escape(b, s, strlen(s)); }

int cx_eval_n_evaluated(const cx_eval_result *r) {
    int n = 0;
    for (int k = 0; k < CX_N_PREDICTORS; k++) n += r->pred[k].evaluated;
    return n;
}

static const char PAGE_CSS[] =
    ":root{--fg:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#f4f5f8;--card:#fff;--bar:#dbe6fb}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Noto Sans','Noto Sans CJK TC','Noto Sans CJK SC',sans-serif}"
    "main{max-width:1180px;margin:0 auto;padding:26px 22px 50px}"
    "header h1{font-size:23px;margin:0 0 6px;letter-spacing:-.01em}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0 0;color:var(--muted);"
    "font-size:13px}dl.meta dt{font-weight:600}dl.meta dd{margin:0;word-break:break-all}"
    "section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px 18px;"
    "margin:18px 0;box-shadow:0 1px 2px rgba(20,30,50,.05)}"
    "h2{font-size:16px;margin:0 0 12px}h3{font-size:13px;margin:14px 0 6px;color:var(--muted);"
    "text-transform:uppercase;letter-spacing:.04em}"
    "p.note{color:var(--muted);font-size:12.5px;margin:10px 0 0}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    "table.data{width:100%}"
    ".data th,.data td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}"
    ".data th:first-child,.data td:first-child{text-align:left}"
    ".data thead th{font-size:11.5px;color:var(--muted);font-weight:600;text-transform:uppercase;"
    "letter-spacing:.03em;border-bottom:2px solid var(--line)}"
    ".data th.l{text-align:left}.data th.group{border-left:1px solid var(--line)}"
    ".data thead th.group[colspan]{text-align:center}"
    "table.data.fit{width:auto;min-width:440px}"
    ".data tbody tr:hover{background:#f7f9fc}"
    ".data td.best{font-weight:700;color:#0b5e2f}"
    ".data td.name{font-weight:600}.data td.how{color:var(--muted);font-size:12.5px;white-space:normal;"
    "text-align:left}"
    ".data td.bar{background-image:linear-gradient(#8fb0ea,#8fb0ea);background-repeat:no-repeat;"
    "background-position:left 10px bottom 3px;background-size:calc((100% - 20px) * var(--f)) 3px}"
    ".data td.text{white-space:pre-wrap;word-break:break-word;text-align:left;font-size:13px;color:#333b4a;"
    "padding-top:0;padding-bottom:9px}"
    ".data tr.num td{border-bottom:0;padding-top:9px}"
    ".data td.err{font-weight:600;color:#b42318}"
    ".na{color:#9aa3b2}"
    ".tag{display:inline-block;padding:0 8px;border-radius:9px;font-size:12px;color:#fff;line-height:18px}"
    ".t0{background:#3b82c4}.t1{background:#2a9d8f}.t2{background:#d4a72c}.t3{background:#e07b39}"
    ".t4{background:#c8434f}"
    ".grid{display:flex;flex-wrap:wrap;gap:22px 28px}"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:0 28px}"
    "figure{margin:0}figcaption{font-weight:600;margin:0 0 6px}figcaption span{font-weight:400;"
    "color:var(--muted);font-size:12.5px}"
    ".cm td{width:48px;height:40px;text-align:center;border:2px solid #fff;border-radius:4px;font-size:13px;"
    "font-variant-numeric:tabular-nums}"
    ".cm td small{display:block;font-size:10.5px;opacity:.8}.cm td.zero{color:#b8bfcb;background:#f6f7f9}"
    ".cm th{font-size:11px;color:var(--muted);font-weight:600;padding:2px 4px}"
    ".cm th.row{text-align:right;padding-right:8px}.cm th.corner{font-weight:400;font-size:10px}"
    ".legend{display:flex;gap:14px;font-size:12.5px;color:var(--muted);margin:0 0 10px}"
    ".legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;"
    "vertical-align:-1px}"
    ".scroll{overflow-x:auto}"
    "i.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;vertical-align:-1px}"
    "footer{color:var(--muted);font-size:12px;text-align:center}";

static const char *predictor_how(cx_predictor k) {
    switch (k) {
    case CX_PRED_HEURISTIC: return "nine text features (SPEC §8); tier from the score";
    case CX_PRED_ML: return "classifier heads, tier = argmax (the seed's evaluate)";
    case CX_PRED_ML_ONLY: return "estimator ml_only: ML score; tier from the score";
    case CX_PRED_HYBRID: return "estimator hybrid: 0.6 ML + 0.4 heuristic";
    case CX_PRED_ML_REFINE: return "estimator ml_refine: the hybrid blend only when the heuristic is ambiguous";
    default: return "";
    }
}

/* Summary columns: how to read each figure off a metrics block, and which way is better. */
typedef enum { COL_MAE, COL_MAX, COL_TIER, COL_WITHIN, COL_INTENT, COL_DOMAIN, COL_MS, N_COLS } summary_col;

static int col_value(const cx_metrics *m, summary_col c, double *v) {
    double f1;
    switch (c) {
    case COL_MAE: *v = cx_metrics_mae(m); return 1;
    case COL_MAX: *v = m->score_max_err; return 1;
    case COL_TIER: *v = cx_metrics_tier_accuracy(m); return 1;
    case COL_WITHIN: *v = cx_metrics_tier_within_one(m); return 1;
    case COL_INTENT: *v = cx_metrics_intent_accuracy(m); return m->intent_n > 0;
    case COL_DOMAIN: cx_metrics_domain_prf(m, NULL, NULL, &f1); *v = f1; return m->dom_n > 0;
    case COL_MS: *v = cx_metrics_avg_ms(m); return 1;
    default: return 0;
    }
}

static int lower_is_better(summary_col c) { return c == COL_MAE || c == COL_MAX || c == COL_MS; }

static void figure_cell(sbuf *b, summary_col c, int known, double v, int best) {
    const char *cls = best ? " class=\"best\"" : "";
    if (!known) sbuf_puts(b, "<td class=\"na\">&#8212;</td>");
    else if (c == COL_MAE || c == COL_MAX) sbuf_printf(b, "<td%s>%.4f</td>", cls, v);
    else if (c == COL_MS) sbuf_printf(b, "<td%s>%.3f</td>", cls, v);
    else sbuf_printf(b, "<td class=\"bar%s\" style=\"--f:%.4f\">%.2f%%</td>", best ? " best" : "", v, 100.0 * v);
}

static void summary_section(sbuf *b, const cx_eval_result *r) {
    double best[N_COLS];
    int have[N_COLS] = {0};
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        for (int c = 0; r->pred[k].evaluated && c < N_COLS; c++) {
            double v;
            if (!col_value(&r->pred[k].all, (summary_col)c, &v)) continue;
            if (!have[c]++ || (lower_is_better((summary_col)c) ? v < best[c] : v > best[c])) best[c] = v;
        }
    sbuf_puts(b, "<section id=\"summary\"><h2>Predictors</h2><div class=\"scroll\"><table class=\"data\"><thead><tr>"
                 "<th>predictor</th><th class=\"l\">how</th><th>score MAE</th><th>max error</th><th>tier acc</th>"
                 "<th>within one tier</th><th>intent acc</th><th>domain F1</th><th>avg ms</th><th>ML used</th>"
                 "</tr></thead><tbody>");
    int several = cx_eval_n_evaluated(r) > 1;
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        const cx_eval_predictor *p = &r->pred[k];
        if (!p->evaluated) continue;
        sbuf_printf(b, "<tr><td class=\"name\">%s</td><td class=\"how\">", cx_predictor_names[k]);
        esc(b, predictor_how((cx_predictor)k));
        sbuf_puts(b, "</td>");
        for (int c = 0; c < N_COLS; c++) {
            double v = 0;
            int known = col_value(&p->all, (summary_col)c, &v);
            figure_cell(b, (summary_col)c, known, v, several && known && have[c] > 1 && v == best[c]);
        }
        if (k == CX_PRED_HEURISTIC || k == CX_PRED_ML) sbuf_puts(b, "<td class=\"na\">&#8212;</td>");
        else sbuf_printf(b, "<td>%zu</td>", p->ml_used);
        sbuf_puts(b, "</tr>");
    }
    sbuf_printf(b, "</tbody></table></div><p class=\"note\">%zu samples. Score error = |predicted &#8722; true| with the "
                   "prediction clamped to [0,1]; within one tier = predicted tier at most one step away. Avg ms: the "
                   "model's time per sample, plus the estimator's own for the blends. ML used: samples whose final "
                   "score took the model's (ml_refine blends only when %.2f &lt; heuristic &lt; %.2f).</p></section>",
                r->n, r->config.ambiguity_low, r->config.ambiguity_high);
}

static void plots_section(sbuf *b, const cx_eval_result *r) {
    sbuf_puts(b, "<section id=\"confusion\"><h2>Tier confusion</h2><div class=\"grid\">");
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!r->pred[k].evaluated) continue;
        sbuf_printf(b, "<figure><figcaption>%s <span>tier accuracy %.2f%%</span></figcaption>", cx_predictor_names[k],
                    100.0 * cx_metrics_tier_accuracy(&r->pred[k].all));
        cx_report_heatmap(b, r, (cx_predictor)k);
        sbuf_puts(b, "</figure>");
    }
    sbuf_puts(b, "</div><p class=\"note\">Rows: true tier; columns: predicted tier. Each cell shows its count and "
                 "its share of the row; blue = right, red = wrong, darker = a larger share.</p></section>");
    sbuf_puts(b, "<section id=\"scatter\"><h2>Score: true vs predicted</h2><div class=\"legend\">");
    for (int t = 0; t < CX_N_TIERS; t++)
        sbuf_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", cx_report_tier_colors[t], cx_tier_names[t]);
    sbuf_puts(b, "</div><div class=\"grid\">");
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!r->pred[k].evaluated) continue;
        sbuf_printf(b, "<figure><figcaption>%s <span>MAE %.4f</span></figcaption>", cx_predictor_names[k],
                    cx_metrics_mae(&r->pred[k].all));
        cx_report_scatter(b, r, (cx_predictor)k);
        sbuf_puts(b, "</figure>");
    }
    sbuf_puts(b, "</div><p class=\"note\">Colour = true tier. Dashed lines: the estimator's tier boundaries; the "
                 "grey diagonal is a perfect prediction.</p></section>");
}

static void language_section(sbuf *b, const cx_eval_result *r) {
    int np = cx_eval_n_evaluated(r);
    sbuf_puts(b, "<section id=\"languages\"><h2>Per language</h2><div class=\"scroll\"><table class=\"data\"><thead><tr>"
                 "<th>language</th><th class=\"l\">predictor</th><th>samples</th><th>score MAE</th><th>max error</th>"
                 "<th>tier acc</th><th>within one tier</th><th>intent acc</th><th>domain F1</th></tr></thead><tbody>");
    for (int l = 0; l < CX_N_LANGS; l++) {
        if (!r->lang_count[l]) continue;
        int first = 1;
        for (int k = 0; k < CX_N_PREDICTORS; k++) {
            const cx_eval_predictor *p = &r->pred[k];
            if (!p->evaluated) continue;
            sbuf_puts(b, "<tr>");
            if (first) sbuf_printf(b, "<td rowspan=\"%d\" class=\"name\">%s</td>", np, cx_lang_names[l]);
            sbuf_printf(b, "<td class=\"how\">%s</td><td>%zu</td>", cx_predictor_names[k], p->by_lang[l].n);
            static const summary_col cols[] = {COL_MAE, COL_MAX, COL_TIER, COL_WITHIN, COL_INTENT, COL_DOMAIN};
            for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
                double v = 0;
                int known = col_value(&p->by_lang[l], cols[c], &v);
                figure_cell(b, cols[c], known, v, 0);
            }
            sbuf_puts(b, "</tr>");
            first = 0;
        }
    }
    sbuf_printf(b, "</tbody></table></div><p class=\"note\">Language from each record's \"lang\" field (%zu samples), "
                   "otherwise guessed from its characters (%zu): zh = Chinese, en = no CJK, mixed = Chinese with "
                   "English code-switching.</p></section>",
                r->lang_from_field, r->n - r->lang_from_field);
}

static void header(sbuf *b, const cx_eval_result *r, const cx_eval_page_info *info) {
    sbuf_puts(b, "<header><h1>");
    esc(b, info && info->title ? info->title : "Complexity evaluation");
    sbuf_puts(b, "</h1><dl class=\"meta\"><dt>data</dt><dd>");
    esc(b, info && info->data ? info->data : "");
    sbuf_puts(b, "</dd><dt>model</dt><dd>");
    if (info && info->model) esc(b, info->model);
    else sbuf_puts(b, "none (heuristic only)");
    sbuf_printf(b, "</dd><dt>samples</dt><dd>%zu (en %zu, zh %zu, mixed %zu, other %zu)</dd>", r->n,
                r->lang_count[CX_LANG_EN], r->lang_count[CX_LANG_ZH], r->lang_count[CX_LANG_MIXED],
                r->lang_count[CX_LANG_OTHER]);
    const double *tb = r->config.tier_boundaries;
    sbuf_printf(b, "<dt>estimator</dt><dd>tier boundaries %.2f / %.2f / %.2f / %.2f; ambiguous zone %.2f&#8211;%.2f</dd>"
                   "</dl></header>",
                tb[0], tb[1], tb[2], tb[3], r->config.ambiguity_low, r->config.ambiguity_high);
}

char *cx_eval_html(const cx_eval_result *r, const cx_eval_page_info *info) {
    sbuf b = SBUF_INIT;
    sbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    esc(&b, info && info->title ? info->title : "Complexity evaluation");
    sbuf_printf(&b, "</title><style>%s</style></head><body><main>", PAGE_CSS);
    header(&b, r, info);
    summary_section(&b, r);
    plots_section(&b, r);
    language_section(&b, r);
    cx_report_routing(&b, r);
    cx_report_calibration(&b, r);
    cx_report_classes(&b, r);
    cx_report_worst(&b, r);
    sbuf_printf(&b, "<footer>complexity %s &#183; evaluate</footer></main></body></html>\n", cx_version());
    if (b.oom) {
        sbuf_free(&b);
        return NULL;
    }
    return sbuf_detach(&b);
}

int cx_eval_write_html(const cx_eval_result *r, const cx_eval_page_info *info, const char *path, cx_error *err) {
    char *page = cx_eval_html(r, info);
    if (!page) return cx_error_set(err, CX_ERR_NOMEM, "out of memory building the report");
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc == CX_OK) {
        size_t len = strlen(page);
        if (fwrite(page, 1, len, af.f) != len) {
            cx_afile_abort(&af);
            rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
        } else {
            rc = cx_afile_commit(&af, err);
        }
    }
    free(page);
    return rc;
}
