/* The built-in template families: enough of them, every label covered, texts
 * varied, labels consistent, and a template-disjoint split that still covers
 * every tier. Figures per issue 2: >= 150 families, > 90% distinct texts in
 * 15,000 samples. */
#include <stdlib.h>
#include <string.h>

#include "complexity.h"
#include "testutil.h"

static void test_families(void **state) {
    (void)state;
    cx_templates *t;
    cx_error err = {0, ""};
    if (cx_templates_builtin(&t, &err) != CX_OK) fail_msg("%s", err.msg);
    size_t n = cx_templates_family_count(t);
    if (n < 150) fail_msg("only %zu built-in families", n);
    for (int tier = 0; tier < CX_N_TIERS; tier++)
        if (cx_templates_family_count_tier(t, tier) < 15)
            fail_msg("tier %s has %zu families", cx_tier_names[tier], cx_templates_family_count_tier(t, tier));
    for (int lang = 0; lang < CX_LANG_OTHER; lang++) /* "other" languages: labelled data only, no families */
        if (cx_templates_family_count_lang(t, lang) < 10)
            fail_msg("language %s has %zu families", cx_lang_names[lang], cx_templates_family_count_lang(t, lang));
    cx_templates_free(t);
}

static void test_15000_samples(void **state) {
    (void)state;
    cx_templates *t;
    cx_error err = {0, ""};
    assert_int_equal(cx_templates_builtin(&t, &err), CX_OK);
    cx_gen_options o = {.count = 15000, .seed = 42, .split = CX_SPLIT_TEMPLATE};
    cx_generated *g;
    if (cx_generate(t, &o, &g, &err) != CX_OK) fail_msg("%s", err.msg);
    cx_stats *st = cx_stats_new();
    size_t split_tier[3][CX_N_TIERS] = {{0}};
    for (size_t i = 0; i < cx_generated_size(g); i++) {
        const cx_sample *s = cx_generated_get(g, i);
        assert_int_equal(cx_stats_add(st, &s->rec), CX_OK);
        split_tier[s->split][s->rec.tier]++;
    }
    cx_data_summary s;
    cx_stats_summary(st, &s);
    if (s.distinct * 100 <= s.n * 90) fail_msg("only %zu distinct texts of %zu", s.distinct, s.n);
    assert_int_equal(s.label_conflicts, 0);
    assert_int_equal(s.score_off_tier, 0);
    for (int k = 0; k < CX_N_INTENTS; k++)
        if (s.intent[k] < 150) fail_msg("intent %s: %zu samples", cx_intent_names[k], s.intent[k]);
    for (int k = 0; k < CX_N_DOMAINS; k++)
        if (s.domain[k] < 150) fail_msg("domain %s: %zu samples", cx_domain_names[k], s.domain[k]);
    if (s.no_domain < 150) fail_msg("only %zu samples without a domain", s.no_domain);
    for (int sp = 0; sp < 3; sp++)
        for (int tier = 0; tier < CX_N_TIERS; tier++)
            if (!split_tier[sp][tier]) fail_msg("split %d has no %s samples", sp, cx_tier_names[tier]);
    /* Lengths from one word to several paragraphs. */
    if (s.len_p[0] > 5 || s.len_p[4] < 800) fail_msg("lengths %zu..%zu", s.len_p[0], s.len_p[4]);
    cx_stats_free(st);
    cx_generated_free(g);
    cx_templates_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_families), cmocka_unit_test(test_15000_samples)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
