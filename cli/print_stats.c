/* Printing dataset statistics, shared by generate-data and data-stats. */
#include <stdio.h>

#include "print_stats.h"

static double pct(size_t k, size_t n) { return n ? 100.0 * (double)k / (double)n : 0.0; }

static void print_counts(FILE *out, const char *title, const char *const *names, const size_t *counts, int n,
                         size_t total) {
    fprintf(out, "%s:\n", title);
    for (int i = 0; i < n; i++) fprintf(out, "  %-11s %7zu  %5.1f%%\n", names[i], counts[i], pct(counts[i], total));
}

void print_summary(FILE *out, const cx_data_summary *s) {
    print_counts(out, "Tier distribution", cx_tier_names, s->tier, CX_N_TIERS, s->n);
    print_counts(out, "Intent distribution", cx_intent_names, s->intent, CX_N_INTENTS, s->n);
    print_counts(out, "Domain distribution (multi-label)", cx_domain_names, s->domain, CX_N_DOMAINS, s->n);
    fprintf(out, "  %-11s %7zu  %5.1f%%\n", "(none)", s->no_domain, pct(s->no_domain, s->n));
    print_counts(out, "Language distribution", cx_lang_names, s->lang, CX_N_LANGS, s->n);
    fprintf(out, "Distinct texts: %zu of %zu (%.1f%%)\n", s->distinct, s->n, pct(s->distinct, s->n));
    fprintf(out, "Text length (code points): min %zu, median %zu, p90 %zu, p99 %zu, max %zu\n", s->len_p[0],
            s->len_p[1], s->len_p[2], s->len_p[3], s->len_p[4]);
    fprintf(out, "Mean score: %.4f\n", s->score_mean);
}
