/* The pictures of the HTML report: the tier confusion heat map (an HTML table
 * whose cells are shaded by the share of their row) and the true-vs-predicted
 * score scatter plot (inline SVG, points coloured by true tier). */
#include "eval/report.h"

const char *const cx_report_tier_colors[CX_N_TIERS] = {"#3b82c4", "#2a9d8f", "#d4a72c", "#e07b39", "#c8434f"};

/* ---- Heat map ------------------------------------------------------------ */

/* Diagonal cells in blue, misses in red; opacity = the cell's share of its row. */
static void heat_cell(sbuf *b, size_t count, size_t row_total, int diagonal) {
    if (!count) {
        sbuf_puts(b, "<td class=\"zero\">0</td>");
        return;
    }
    double share = row_total ? (double)count / (double)row_total : 0.0;
    double alpha = 0.10 + 0.90 * share;
    const char *rgb = diagonal ? "37,99,235" : "220,38,38";
    sbuf_printf(b,
                "<td style=\"background:rgba(%s,%.3f);color:%s\" title=\"%zu of %zu (%.1f%%)\">"
                "%zu<small>%.0f%%</small></td>",
                rgb, alpha, alpha > 0.55 ? "#fff" : "#1d2330", count, row_total, 100.0 * share, count,
                100.0 * share);
}

void cx_report_heatmap(sbuf *b, const cx_eval_result *r, cx_predictor k) {
    const cx_metrics *m = &r->pred[k].all;
    sbuf_puts(b, "<table class=\"cm\"><thead><tr><th class=\"corner\">true&#8595; pred&#8594;</th>");
    for (int j = 0; j < CX_N_TIERS; j++) sbuf_printf(b, "<th>%s</th>", cx_tier_names[j]);
    sbuf_puts(b, "</tr></thead><tbody>");
    for (int i = 0; i < CX_N_TIERS; i++) {
        size_t total = 0;
        for (int j = 0; j < CX_N_TIERS; j++) total += m->tier_confusion[i][j];
        sbuf_printf(b, "<tr><th class=\"row\">%s</th>", cx_tier_names[i]);
        for (int j = 0; j < CX_N_TIERS; j++) heat_cell(b, m->tier_confusion[i][j], total, i == j);
        sbuf_puts(b, "</tr>");
    }
    sbuf_puts(b, "</tbody></table>");
}

/* ---- Scatter plot -------------------------------------------------------- */

enum { SC_W = 340, SC_H = 330, SC_LEFT = 48, SC_RIGHT = 12, SC_TOP = 12, SC_BOTTOM = 42, SC_MAX_POINTS = 4000 };

static double sx(double v) { return SC_LEFT + v * (SC_W - SC_LEFT - SC_RIGHT); }
static double sy(double v) { return SC_TOP + (1.0 - v) * (SC_H - SC_TOP - SC_BOTTOM); }

static void scatter_axes(sbuf *b, const double *bounds) {
    double x0 = sx(0), x1 = sx(1), y0 = sy(0), y1 = sy(1);
    sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafbfc\" stroke=\"#d5d9e0\"/>",
                x0, y1, x1 - x0, y0 - y1);
    /* The estimator's tier cut-offs on both axes: a point off its diagonal band changed tier. */
    sbuf_puts(b, "<g stroke=\"#c3c9d3\" stroke-dasharray=\"3 3\">");
    for (int t = 0; t < CX_N_TIERS - 1; t++)
        sbuf_printf(b,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    x0, sy(bounds[t]), x1, sy(bounds[t]), sx(bounds[t]), y0, sx(bounds[t]), y1);
    sbuf_puts(b, "</g>");
    sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8a93a3\"/>", x0, y0, x1, y1);
    sbuf_puts(b, "<g font-size=\"11\" fill=\"#5b6475\">");
    for (int i = 0; i <= 4; i++) {
        double v = i / 4.0;
        sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2g</text>", sx(v), y0 + 15, v);
        sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2g</text>", x0 - 6, sy(v) + 4, v);
    }
    sbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">true score</text>", (x0 + x1) / 2, SC_H - 6);
    sbuf_printf(b, "<text transform=\"translate(13 %.1f) rotate(-90)\" text-anchor=\"middle\">predicted score</text>",
                (y0 + y1) / 2);
    sbuf_puts(b, "</g>");
}

void cx_report_scatter(sbuf *b, const cx_eval_result *r, cx_predictor k) {
    const cx_eval_predictor *p = &r->pred[k];
    size_t stride = r->n > SC_MAX_POINTS ? (r->n + SC_MAX_POINTS - 1) / SC_MAX_POINTS : 1;
    sbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scatter\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s: true vs predicted score\">",
                SC_W, SC_H, SC_W, SC_H, cx_predictor_names[k]);
    sbuf_printf(b, "<title>%s: true vs predicted score</title>", cx_predictor_names[k]);
    scatter_axes(b, r->config.tier_boundaries);
    /* One group per true tier so the colour is written once. */
    for (int t = 0; t < CX_N_TIERS; t++) {
        sbuf_printf(b, "<g fill=\"%s\" fill-opacity=\"0.45\">", cx_report_tier_colors[t]);
        for (size_t i = 0; i < r->n; i += stride) {
            const cx_record *rec = cx_dataset_get(r->ds, i);
            if (rec->tier != t) continue;
            sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.3\"/>", sx(rec->score), sy(p->score[i]));
        }
        sbuf_puts(b, "</g>");
    }
    sbuf_puts(b, "</svg>");
    if (stride > 1) sbuf_printf(b, "<p class=\"note\">1 sample in %zu shown</p>", stride);
}
