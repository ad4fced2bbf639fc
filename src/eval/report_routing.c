/* The routing sections of the HTML report: the cost/quality curve of every
 * predictor in one inline SVG (frontier calls against the recall of
 * frontier-needed prompts, each predictor's current boundaries marked), and
 * the calibration errors (ECE) per language, so that a gap between English
 * and Chinese shows at a glance. */
#include <math.h>

#include "eval/report.h"

static const char *const PRED_COLORS[CX_N_PREDICTORS] = {"#8a93a3", "#2563eb", "#2a9d8f", "#e07b39", "#c8434f"};

enum { RC_W = 520, RC_H = 360, RC_LEFT = 52, RC_RIGHT = 16, RC_TOP = 14, RC_BOTTOM = 44 };

static double rx(double v) { return RC_LEFT + v * (RC_W - RC_LEFT - RC_RIGHT); }
static double ry(double v) { return RC_TOP + (1.0 - v) * (RC_H - RC_TOP - RC_BOTTOM); }

static void curve_axes(sbuf *b) {
    double x0 = rx(0), x1 = rx(1), y0 = ry(0), y1 = ry(1);
    sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafbfc\" stroke=\"#d5d9e0\"/>",
                x0, y1, x1 - x0, y0 - y1);
    /* Routing at random: recall equals the share sent. */
    sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c3c9d3\" stroke-dasharray=\"3 3\"/>",
                x0, y0, x1, y1);
    sbuf_puts(b, "<g font-size=\"11\" fill=\"#5b6475\">");
    for (int i = 0; i <= 4; i++) {
        double v = i / 4.0;
        sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f%%</text>", rx(v), y0 + 15, 100 * v);
        sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>", x0 - 6, ry(v) + 4, 100 * v);
    }
    sbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">share of prompts sent to the frontier model "
                   "(cost)</text>", (x0 + x1) / 2, RC_H - 6);
    sbuf_printf(b, "<text transform=\"translate(13 %.1f) rotate(-90)\" text-anchor=\"middle\">frontier-needed "
                   "prompts caught</text>", (y0 + y1) / 2);
    sbuf_puts(b, "</g>");
}

/* One predictor's curve and where its tiers route today, computed once for the plot and the table. */
typedef struct curve {
    cx_route_point pts[CX_ROUTE_CURVE_POINTS], cur;
} curve;

static void curve_of(sbuf *b, cx_predictor k, const curve *c) {
    const cx_route_point *pts = c->pts, cur = c->cur;
    sbuf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"", PRED_COLORS[k]);
    for (int i = 0; i < CX_ROUTE_CURVE_POINTS; i++)
        sbuf_printf(b, "%.1f,%.1f ", rx(pts[i].frontier_share), ry(pts[i].frontier_recall));
    sbuf_puts(b, "\"/>");
    sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"1.5\">"
                   "<title>%s now: %.1f%% sent, %.1f%% caught</title></circle>",
                rx(cur.frontier_share), ry(cur.frontier_recall), PRED_COLORS[k], cx_predictor_names[k],
                100 * cur.frontier_share, 100 * cur.frontier_recall);
}

static void curve_legend(sbuf *b, const cx_eval_result *r, const curve *c) {
    sbuf_puts(b, "<div class=\"scroll\"><table class=\"data\"><thead><tr><th class=\"l\">predictor</th>"
                 "<th>sent to frontier now</th><th>frontier-needed caught now</th>"
                 "<th>share needed for 95% caught</th></tr></thead><tbody>");
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!r->pred[k].evaluated) continue;
        const cx_route_point *pts = c[k].pts, cur = c[k].cur;
        /* The highest threshold that still catches 95%: the cheapest such point on the curve. */
        double share95 = NAN;
        for (int i = CX_ROUTE_CURVE_POINTS - 1; i >= 0 && isnan(share95); i--)
            if (pts[i].frontier_recall >= 0.95) share95 = pts[i].frontier_share;
        sbuf_printf(b, "<tr><td class=\"name\"><i class=\"swatch\" style=\"background:%s\"></i>%s</td>"
                       "<td>%.1f%%</td><td>%.1f%%</td>",
                    PRED_COLORS[k], cx_predictor_names[k], 100 * cur.frontier_share, 100 * cur.frontier_recall);
        if (isnan(share95)) sbuf_puts(b, "<td class=\"na\">&#8212;</td></tr>");
        else sbuf_printf(b, "<td>%.1f%%</td></tr>", 100 * share95);
    }
    sbuf_puts(b, "</tbody></table></div>");
}

void cx_report_routing(sbuf *b, const cx_eval_result *r) {
    curve c[CX_N_PREDICTORS]; /* 12 KB */
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated) cx_eval_route_curve(r, (cx_predictor)k, c[k].pts, &c[k].cur);
    sbuf_puts(b, "<section id=\"routing\"><h2>Routing: cost against quality</h2><div class=\"grid\"><figure>");
    sbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"curve\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"frontier share against frontier recall\">",
                RC_W, RC_H, RC_W, RC_H);
    sbuf_puts(b, "<title>frontier share against frontier recall</title>");
    curve_axes(b);
    for (int k = 0; k < CX_N_PREDICTORS; k++)
        if (r->pred[k].evaluated) curve_of(b, (cx_predictor)k, &c[k]);
    sbuf_puts(b, "</svg></figure><div>");
    curve_legend(b, r, c);
    sbuf_puts(b, "</div></div><p class=\"note\">Each line: every prompt whose predicted score is at least a "
                 "threshold goes to the frontier model, the threshold moving from 1 (nothing sent, bottom left) to "
                 "0 (everything sent, top right). Frontier-needed = true tier complex or expert. Dots: where the "
                 "predictor's own tiers route today (the config's boundaries; the model's tier head for ml). "
                 "Dashed: routing at random. Up and to the left is better; <code>complexity calibrate</code> moves "
                 "the dot along its line.</p></section>");
}

static void ece_cell(sbuf *b, double v) {
    if (isnan(v)) sbuf_puts(b, "<td class=\"na\">&#8212;</td>");
    else sbuf_printf(b, "<td>%.3f</td>", v);
}

void cx_report_calibration(sbuf *b, const cx_eval_result *r) {
    sbuf_puts(b, "<section id=\"calibration\"><h2>Calibration (ECE) per language</h2><div class=\"scroll\">"
                 "<table class=\"data\"><thead><tr><th class=\"l\">predictor</th><th class=\"l\">ECE of</th>"
                 "<th>all</th>");
    for (int l = 0; l < CX_N_LANGS; l++)
        if (r->lang_count[l]) sbuf_printf(b, "<th>%s (%zu)</th>", cx_lang_names[l], r->lang_count[l]);
    sbuf_puts(b, "</tr></thead><tbody>");
    for (int k = 0; k < CX_N_PREDICTORS; k++) {
        if (!r->pred[k].evaluated) continue;
        double ece[2][CX_N_LANGS + 1]; /* [tier head, score][all, then each language] */
        for (int l = -1; l < CX_N_LANGS; l++) cx_eval_ece(r, (cx_predictor)k, l, &ece[0][l + 1], &ece[1][l + 1]);
        for (int what = r->pred[k].tier_conf ? 0 : 1; what < 2; what++) {
            sbuf_printf(b, "<tr><td class=\"name\">%s</td><td class=\"how\">%s</td>", cx_predictor_names[k],
                        what ? "score" : "tier head");
            for (int l = -1; l < CX_N_LANGS; l++)
                if (l < 0 || r->lang_count[l]) ece_cell(b, ece[what][l + 1]);
            sbuf_puts(b, "</tr>");
        }
    }
    sbuf_printf(b, "</tbody></table></div><p class=\"note\">Expected calibration error over %d equal-width bins, each "
                   "weighted by its share of the samples. Tier head: |accuracy &#8722; mean confidence| over bins of "
                   "the tier head's probability of its tier (only the model has one). Score: |mean true score "
                   "&#8722; mean predicted score| over bins of the predicted score. 0 = calibrated; compare the "
                   "languages of one row.</p></section>", CX_ECE_BINS);
}
