/* Internal to the report writers (report_html.c, report_detail.c,
 * report_plots.c): the public side is complexity/evaluate.h. */
#ifndef CX_EVAL_REPORT_H
#define CX_EVAL_REPORT_H

#include "complexity/evaluate.h"
#include "train/dist.h"
#include "util/sbuf.h"

/* Text for HTML content or a quoted attribute: & < > " ' escaped, control
 * characters (other than tab and newline) and invalid UTF-8 as U+FFFD. */
void cx_html_escape(sbuf *b, const char *s, size_t n);
/* One colour per tier (CSS hex), trivial..expert. */
extern const char *const cx_report_tier_colors[CX_N_TIERS];
/* Tier confusion of predictor k as an HTML heat-map table. */
void cx_report_heatmap(sbuf *b, const cx_eval_result *r, cx_predictor k);
/* True vs predicted score of predictor k as an inline SVG scatter plot. */
void cx_report_scatter(sbuf *b, const cx_eval_result *r, cx_predictor k);
/* The per-class and worst-error sections. */
void cx_report_classes(sbuf *b, const cx_eval_result *r);
void cx_report_worst(sbuf *b, const cx_eval_result *r);
/* The cost/quality curve and the calibration errors per language (report_routing.c). */
void cx_report_routing(sbuf *b, const cx_eval_result *r);
void cx_report_calibration(sbuf *b, const cx_eval_result *r);
/* Puts the ranks' shares of an evaluation together on every rank (eval_shards.c). */
int cx_eval_combine_shards(cx_eval_result *r, const cx_dist *d, cx_error *err);

#endif
