/* The detailed sections of the HTML report: per-class precision / recall
 * (tiers for every predictor; intents and domains for the classifier) and the
 * worst score errors with their texts. */
#include <math.h>
#include <string.h>

#include "eval/report.h"

/* A percentage cell with a bar behind it (width = the value). */
static void pct_cell(sbuf *b, double v) {
    sbuf_printf(b, "<td class=\"bar\" style=\"--f:%.4f\">%.1f%%</td>", v, 100.0 * v);
}

static size_t row_sum(const size_t *cm, int n, int k) {
    size_t s = 0;
    for (int j = 0; j < n; j++) s += cm[k * n + j];
    return s;
}

static void tier_classes(sbuf *b, const cx_eval_result *r) {
    sbuf_puts(b, "<h3>Tiers</h3><div class=\"scroll\"><table class=\"data fit\"><thead><tr><th rowspan=\"2\">tier</th>"
                 "<th rowspan=\"2\">support</th>");
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated) sbuf_printf(b, "<th colspan=\"2\" class=\"group\">%s</th>", cx_predictor_names[k]);
    sbuf_puts(b, "</tr><tr>");
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated) sbuf_puts(b, "<th class=\"group\">precision</th><th>recall</th>");
    sbuf_puts(b, "</tr></thead><tbody>");
    const cx_metrics *m0 = &r->pred[r->primary].all;
    for (int t = 0; t < CX_N_TIERS; t++) {
        sbuf_printf(b, "<tr><td><span class=\"tag t%d\">%s</span></td><td>%zu</td>", t, cx_tier_names[t],
                    row_sum(&m0->tier_confusion[0][0], CX_N_TIERS, t));
        for (int k = 0; k < CX_N_PREDICTORS; k++) {
            if (!r->pred[k].evaluated) continue;
            double p, rc;
            cx_metrics_tier_class_pr(&r->pred[k].all, t, &p, &rc);
            pct_cell(b, p);
            pct_cell(b, rc);
        }
        sbuf_puts(b, "</tr>");
    }
    sbuf_puts(b, "</tbody></table></div>");
}

static void intent_classes(sbuf *b, const cx_metrics *m) {
    sbuf_puts(b, "<div><h3>Intents</h3><table class=\"data\"><thead><tr><th>intent</th><th>support</th>"
                 "<th>precision</th><th>recall</th></tr></thead><tbody>");
    for (int i = 0; i < CX_N_INTENTS; i++) {
        double p, rc;
        cx_metrics_intent_class_pr(m, i, &p, &rc);
        sbuf_printf(b, "<tr><td>%s</td><td>%zu</td>", cx_intent_names[i],
                    row_sum(&m->intent_confusion[0][0], CX_N_INTENTS, i));
        pct_cell(b, p);
        pct_cell(b, rc);
        sbuf_puts(b, "</tr>");
    }
    sbuf_puts(b, "</tbody></table></div>");
}

static void domain_classes(sbuf *b, const cx_metrics *m) {
    sbuf_puts(b, "<div><h3>Domains</h3><table class=\"data\"><thead><tr><th>domain</th><th>support</th>"
                 "<th>precision</th><th>recall</th><th>F1</th></tr></thead><tbody>");
    for (int d = 0; d < CX_N_DOMAINS; d++) {
        double p, rc, f1;
        cx_metrics_domain_class_prf(m, d, &p, &rc, &f1);
        sbuf_printf(b, "<tr><td>%s</td><td>%zu</td>", cx_domain_names[d], m->dom_class_tp[d] + m->dom_class_fn[d]);
        pct_cell(b, p);
        pct_cell(b, rc);
        pct_cell(b, f1);
        sbuf_puts(b, "</tr>");
    }
    sbuf_puts(b, "</tbody></table></div>");
}

void cx_report_classes(sbuf *b, const cx_eval_result *r) {
    sbuf_puts(b, "<section id=\"classes\"><h2>Per-class precision and recall</h2>");
    tier_classes(b, r);
    const cx_eval_predictor *ml = &r->pred[CX_PRED_ML];
    if (ml->evaluated && ml->all.intent_n) {
        sbuf_puts(b, "<div class=\"cols\">");
        intent_classes(b, &ml->all);
        domain_classes(b, &ml->all);
        sbuf_puts(b, "</div><p class=\"note\">Intents and domains come from the classifier's heads (intent = "
                     "argmax, domain = sigmoid &gt; 0.5); domain figures are per label.</p>");
    } else {
        sbuf_puts(b, "<p class=\"note\">No model was evaluated: the heuristic predicts no intent and no "
                     "domains.</p>");
    }
    sbuf_puts(b, "</section>");
}

/* At most `max` bytes of text, cut at a character boundary. */
static size_t clip_utf8(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return max;
}

enum { WORST_TEXT_BYTES = 700 };

static void worst_row(sbuf *b, const cx_eval_result *r, size_t rank, size_t i, int ncols) {
    const cx_record *rec = cx_dataset_get(r->ds, i);
    const cx_eval_predictor *p = &r->pred[r->primary];
    int pt = p->tier[i];
    sbuf_printf(b, "<tr class=\"num\"><td>%zu</td><td>%zu</td><td>%s</td><td><span class=\"tag t%d\">%s</span></td>"
                   "<td><span class=\"tag t%d\">%s</span></td><td>%.3f</td><td>%.3f</td><td class=\"err\">%.3f</td>",
                rank, rec->line, cx_lang_names[r->lang[i]], rec->tier, cx_tier_names[rec->tier], pt,
                cx_tier_names[pt], rec->score, p->score[i], fabs(p->score[i] - rec->score));
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated && k != (int)r->primary) sbuf_printf(b, "<td>%.3f</td>", r->pred[k].score[i]);
    /* The text gets a full-width row of its own under its figures. */
    size_t shown = clip_utf8(rec->text, rec->text_len, WORST_TEXT_BYTES);
    sbuf_printf(b, "</tr><tr class=\"txt\"><td></td><td colspan=\"%d\" class=\"text\">", ncols - 1);
    cx_html_escape(b, rec->text, shown);
    if (shown < rec->text_len) sbuf_printf(b, "<span class=\"na\"> &#8230; (+%zu bytes)</span>", rec->text_len - shown);
    sbuf_puts(b, "</td></tr>");
}

void cx_report_worst(sbuf *b, const cx_eval_result *r) {
    const cx_eval_predictor *p = &r->pred[r->primary];
    sbuf_printf(b, "<section id=\"worst\"><h2>Worst score errors (%s, top %zu)</h2>", cx_predictor_names[r->primary],
                p->n_worst);
    sbuf_puts(b, "<div class=\"scroll\"><table class=\"data\"><thead><tr><th>#</th><th>line</th><th>lang</th>"
                 "<th>true tier</th><th>predicted</th><th>true</th>");
    sbuf_printf(b, "<th>%s</th><th>|error|</th>", cx_predictor_names[r->primary]);
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated && k != (int)r->primary) sbuf_printf(b, "<th>%s</th>", cx_predictor_names[k]);
    sbuf_puts(b, "</tr></thead><tbody>");
    int ncols = 8 + cx_eval_n_evaluated(r) - 1;
    for (size_t w = 0; w < p->n_worst; w++) worst_row(b, r, w + 1, p->worst[w], ncols);
    sbuf_puts(b, "</tbody></table></div><p class=\"note\">Ranked by |predicted score &#8722; true score|; "
                 "predicted tier and the other columns are each predictor's score for the same text.</p></section>");
}
