/* The template language and the generator engine, on small handmade files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complexity.h"
#include "testutil.h"

static char *scratch;

static const char *HEAD = "@family f.one\ntier simple\nintent code_gen\ndomains code\nlang en\nnoise off\n";

/* Loads templates from text; returns status, fills err. */
static int load(const char *text, cx_templates **t, cx_error *err) {
    char *path = tu_path(scratch, "t.tmpl");
    tu_write_file(path, text, strlen(text));
    *t = NULL;
    int rc = cx_templates_load(path, 0, t, err);
    free(path);
    return rc;
}

static void expect_error(const char *text, const char *want) {
    cx_templates *t;
    cx_error err = {0, ""};
    int rc = load(text, &t, &err);
    if (rc == CX_OK || !strstr(err.msg, want)) {
        fprintf(stderr, "template:\n%s\nwant: %s\ngot (%d): %s\n", text, want, rc, err.msg);
        fail();
    }
    assert_null(t);
}

/* Generates n samples from text (which must load) into a new array of strings. */
static char **generate(const char *text, size_t n, uint64_t seed, cx_generated **gout, cx_templates **tout) {
    cx_error err = {0, ""};
    assert_int_equal(load(text, tout, &err), CX_OK);
    cx_gen_options o = {.count = n, .seed = seed};
    assert_int_equal(cx_generate(*tout, &o, gout, &err), CX_OK);
    assert_int_equal(cx_generated_size(*gout), n);
    char **texts = calloc(n, sizeof *texts);
    for (size_t i = 0; i < n; i++) texts[i] = (char *)cx_generated_get(*gout, i)->rec.text;
    return texts;
}

static char *with_head(const char *body) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", HEAD, body);
    return buf;
}

/* One family per tier so the seed's tier mix can be honoured. */
static const char *ALL_TIERS =
    "@slot x\nalpha\nbeta\ngamma\n"
    "@family a\ntier trivial\nintent greeting\ndomains none\nlang en\n> hi {x} {#1-1000}\n"
    "@family b\ntier simple\nintent code_gen\ndomains code\nlang en\n> write {x} {#1-1000}\n"
    "@family c\ntier moderate\nintent debug\ndomains code system\nlang zh\n> 為什麼 {x} 壞了 {#1-1000}\n"
    "@family d\ntier complex\nintent planning\ndomains data\nlang mixed\n> 幫我 plan {x} {#1-1000}\n"
    "@family e\ntier expert\nintent multi_step\ndomains code math data system creative\nlang en\n"
    "> build everything {x} {#1-1000}\n"
    "@family e2\ntier expert\nintent planning\ndomains system\nlang en\n> design {x} at scale {#1-1000}\n"
    "@family e3\ntier expert\nintent analysis\ndomains system\nlang en\n> audit {x} at scale {#1-1000}\n";

static void test_syntax(void **state) {
    (void)state;
    cx_generated *g;
    cx_templates *t;
    char **texts = generate(with_head("> plain\n@slot lang\nGo\nRust\nC\n"
                                      "@family g\ntier simple\nintent code_gen\ndomains code\nlang en\nnoise off\n"
                                      "> arr[0] = {\"a\": 1}; [x|y] {lang:1}/{lang:2}/{lang:1} n={#5-7}\\{lang\\}\n"),
                            200, 1, &g, &t);
    int seen_x = 0, seen_y = 0;
    for (size_t i = 0; i < 200; i++) {
        const char *s = texts[i];
        if (strcmp(cx_templates_family_name(t, (size_t)cx_generated_get(g, i)->family), "g") != 0) continue;
        /* Literal brackets and braces survive; alternatives pick one side. */
        assert_memory_equal(s, "arr[0] = {\"a\": 1}; ", 19);
        seen_x |= s[19] == 'x';
        seen_y |= s[19] == 'y';
        char a[8], b[8], c[8];
        int n;
        assert_int_equal(sscanf(s + 21, "%7[^/]/%7[^/]/%7s n=%d", a, b, c, &n), 4);
        assert_string_not_equal(a, b); /* different numbers: different values */
        assert_string_equal(a, c);     /* same number: same value */
        assert_true(n >= 5 && n <= 7);
        assert_non_null(strstr(s, "{lang}"));
    }
    assert_true(seen_x && seen_y);
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
}

static void test_multiline_and_blanks(void **state) {
    (void)state;
    cx_generated *g;
    cx_templates *t;
    char **texts = generate(with_head("<<<\nline one \\n stays\n    indented [a|b]\n>>>\n"), 20, 3, &g, &t);
    for (size_t i = 0; i < 20; i++)
        assert_true(strcmp(texts[i], "line one \\n stays\n    indented a") == 0 ||
                    strcmp(texts[i], "line one \\n stays\n    indented b") == 0);
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
    /* Optional parts leave no double or trailing spaces. */
    texts = generate(with_head("> [please |] write [it |]now [ok|]\n"), 50, 4, &g, &t);
    for (size_t i = 0; i < 50; i++) {
        assert_null(strstr(texts[i], "  "));
        assert_true(texts[i][strlen(texts[i]) - 1] != ' ' && texts[i][0] != ' ');
    }
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
}

static void test_errors(void **state) {
    (void)state;
    expect_error(with_head("> hello {nope}\n"), "t.tmpl:7: unknown slot '{nope}'");
    expect_error("@slot a\n{b}\n@slot b\n{a}\n@family f\ntier simple\nintent question\ndomains none\nlang en\n> {a}\n",
                 "refers to itself");
    expect_error("@family f\nintent question\ndomains none\nlang en\n> x\n", "t.tmpl:1: family 'f' has no 'tier'");
    expect_error(with_head(""), "family 'f.one' has no templates");
    expect_error(with_head("score 0.10 0.20\n> x\n"), "score range 0.1-0.2 is outside the simple range 0.15-0.32");
    expect_error(with_head("<<<\nnever closed\n"), "t.tmpl:7: '<<<' block is never closed");
    expect_error(with_head("colour blue\n> x\n"), "t.tmpl:7: unknown family key 'colour'");
    expect_error(with_head("tier hard\n> x\n"), "t.tmpl:7: tier: unknown value 'hard'");
    expect_error(with_head("domains code art\n> x\n"), "unknown domain 'art'");
    expect_error("@slot a\nx\n@slot a\ny\n", "t.tmpl:3: slot 'a' is already defined at");
    expect_error(with_head("> x\n@family f.one\n"), "family 'f.one' is defined twice");
    expect_error("@slot a\nx\n@family f\ntier simple\nintent question\ndomains none\nlang en\n> {a:1} {a:2}\n",
                 "slot 'a' has 1 values but {a:2} needs 2 distinct ones");
    expect_error("hello\n", "t.tmpl:1: text outside any @slot or @family section");
    expect_error("@thing x\n", "unknown directive '@thing'");
    expect_error(with_head("weight -1\n> x\n"), "weight: expected a number in (0, 1000]");
    expect_error("@slot empty\n@family f\ntier simple\nintent question\ndomains none\nlang en\n> {empty}\n",
                 "slot 'empty' has no values");
}

/* Files are untrusted: nesting, slot depth, expansion size and counts are
 * capped with the limit in the message; every such file fails fast. */
static void test_limits(void **state) {
    (void)state;
    size_t cap = 1 << 21;
    char *buf = malloc(cap), *body = malloc(cap);
    size_t n = 0;
    /* [a|[a|...x]] 33 deep; 32 is fine */
    for (int deep = 32; deep <= 33; deep++) {
        n = (size_t)sprintf(body, "> ");
        for (int i = 0; i < deep; i++) n += (size_t)sprintf(body + n, "[a|");
        body[n++] = 'x';
        memset(body + n, ']', (size_t)deep);
        n += (size_t)deep;
        memcpy(body + n, "\n", 2);
        snprintf(buf, cap, "%s%s", HEAD, body);
        cx_templates *t;
        cx_error err = {0, ""};
        int rc = load(buf, &t, &err);
        if (deep == 32) {
            assert_int_equal(rc, CX_OK);
            cx_templates_free(t);
        } else {
            expect_error(buf, "t.tmpl:7: brackets nest deeper than the limit of 32 levels");
        }
    }
    /* a megabyte of unclosed '{' and '[' is plain text, compiled in linear
     * time (it was quadratic), then too long a template */
    clock_t t0 = clock();
    n = (size_t)sprintf(buf, "%s> ", HEAD);
    for (int i = 0; i < 500000; i++) buf[n++] = i % 2 ? '{' : 'x';
    for (int i = 0; i < 500000; i++) buf[n++] = i % 2 ? '[' : ']';
    memcpy(buf + n, "\n", 2);
    expect_error(buf, "t.tmpl:1: family 'f.one': template 1 can expand to more than the limit of 65536 bytes");
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    /* slots referring to slots 33 deep, defined top down and bottom up */
    for (int order = 0; order < 2; order++) {
        n = 0;
        for (int k = 0; k <= 33; k++) {
            int i = order ? 33 - k : k;
            n += (size_t)(i < 33 ? sprintf(buf + n, "@slot s%d\n{s%d}\n", i, i + 1) : sprintf(buf + n, "@slot s%d\nx\n", i));
        }
        snprintf(buf + n, cap - n, "%s> {s0}\n", HEAD);
        expect_error(buf, "slot references nest deeper than the limit of 32");
    }
    /* each slot doubling the one below: 2^20 bytes from a few hundred */
    n = (size_t)sprintf(buf, "@slot a0\nx\n");
    for (int i = 1; i <= 20; i++) n += (size_t)sprintf(buf + n, "@slot a%d\n{a%d}{a%d}\n", i, i - 1, i - 1);
    snprintf(buf + n, cap - n, "%s> {a20}\n", HEAD);
    expect_error(buf, "slot 'a15' can expand to more than the limit of 65536 bytes");
    /* 10,001 slots */
    n = 0;
    for (int i = 0; i <= 10000; i++) n += (size_t)sprintf(buf + n, "@slot s%d\nx\n", i);
    expect_error(buf, "t.tmpl:20001: more than the limit of 10000 slots");
    free(body);
    free(buf);
}

/* Texts become records: UTF-8 without NUL, scores in [0, 1], numbers of any size. */
static void test_text_and_numbers(void **state) {
    (void)state;
    expect_error(with_head("> a\xff\n"), "t.tmpl:7: invalid UTF-8");
    char *path = tu_path(scratch, "t.tmpl");
    char nul[256];
    int n = snprintf(nul, sizeof nul, "%s> a", HEAD);
    memcpy(nul + n, "\0b\n", 3);
    tu_write_file(path, nul, (size_t)n + 3);
    cx_templates *t;
    cx_error err = {0, ""};
    assert_int_equal(cx_templates_load(path, 0, &t, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "t.tmpl:7: contains a NUL byte"));
    free(path);
    expect_error(with_head("score 1e300 1e300\n> x\n"), "t.tmpl:7: score: expected two numbers 0 <= LO <= HI <= 1");
    /* the widest range, and more numbered picks than a render once held (32) */
    char *text = malloc(8192);
    n = sprintf(text, "@slot v\n");
    for (int i = 0; i < 40; i++) n += sprintf(text + n, "v%d\n", i);
    n += sprintf(text + n, "%s> {#-9223372036854775808-9223372036854775807}", HEAD);
    for (int i = 1; i <= 40; i++) n += sprintf(text + n, " {v:%d}", i);
    sprintf(text + n, "\n");
    cx_generated *g;
    char **texts = generate(text, 3, 1, &g, &t);
    for (int i = 0; i < 3; i++) assert_non_null(strstr(texts[i], " v"));
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
    /* a numbered pick whose value expands to nothing (read past its end before) */
    snprintf(text, 8192, "@slot e\n[|]\n%s> a{e:1}b{e:1}c\n", HEAD);
    texts = generate(text, 1, 1, &g, &t);
    assert_string_equal(texts[0], "abc");
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
    /* a template that renders to nothing, first thing (wrote through NULL before) */
    assert_int_equal(load(with_head("> [|]\n"), &t, &err), CX_OK);
    cx_gen_options o = {.count = 1, .seed = 1};
    assert_int_equal(cx_generate(t, &o, &g, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "could only make 0 distinct simple texts"));
    cx_templates_free(t);
    free(text);
}

static void test_deterministic_and_consistent(void **state) {
    (void)state;
    cx_generated *g1, *g2, *g3;
    cx_templates *t1, *t2, *t3;
    char **a = generate(ALL_TIERS, 3000, 42, &g1, &t1);
    char **b = generate(ALL_TIERS, 3000, 42, &g2, &t2);
    char **c = generate(ALL_TIERS, 3000, 43, &g3, &t3);
    size_t same_as_other_seed = 0;
    for (size_t i = 0; i < 3000; i++) {
        assert_string_equal(a[i], b[i]);
        assert_true(cx_generated_get(g1, i)->rec.score == cx_generated_get(g2, i)->rec.score);
        same_as_other_seed += strcmp(a[i], c[i]) == 0;
    }
    assert_true(same_as_other_seed < 100);
    /* The seed's tier mix: 15/20/30/20/15 percent. */
    size_t tiers[CX_N_TIERS] = {0};
    for (size_t i = 0; i < 3000; i++) {
        const cx_record *r = &cx_generated_get(g1, i)->rec;
        tiers[r->tier]++;
        assert_true(r->score >= cx_tier_score_lo[r->tier] && r->score <= cx_tier_score_hi[r->tier]);
    }
    assert_int_equal(tiers[0], 450);
    assert_int_equal(tiers[1], 600);
    assert_int_equal(tiers[2], 900);
    assert_int_equal(tiers[3], 600);
    assert_int_equal(tiers[4], 450);
    free(a), free(b), free(c);
    cx_generated_free(g1), cx_generated_free(g2), cx_generated_free(g3);
    cx_templates_free(t1), cx_templates_free(t2), cx_templates_free(t3);
}

static void test_same_text_same_labels(void **state) {
    (void)state;
    /* Two families can produce "same"; the generator redraws instead of
     * writing one text with two label sets. */
    const char *text = "@family a\ntier trivial\nintent greeting\ndomains none\nlang en\nnoise off\n> same\n> hi {#1-9999}\n"
                       "@family b\ntier simple\nintent question\ndomains none\nlang en\nnoise off\n> same\n> what is {#1-9999}\n"
                       "@family c\ntier moderate\nintent question\ndomains none\nlang en\n> m {#1-9999}\n"
                       "@family d\ntier complex\nintent question\ndomains none\nlang en\n> c {#1-9999}\n"
                       "@family e\ntier expert\nintent question\ndomains none\nlang en\n> e {#1-9999}\n";
    cx_generated *g;
    cx_templates *t;
    char **texts = generate(text, 2000, 7, &g, &t);
    int tier_of_same = -1;
    for (size_t i = 0; i < 2000; i++) {
        if (strcmp(texts[i], "same") != 0) continue;
        int tier = cx_generated_get(g, i)->rec.tier;
        if (tier_of_same < 0) tier_of_same = tier;
        assert_int_equal(tier, tier_of_same);
    }
    assert_true(tier_of_same >= 0);
    assert_true(cx_generated_conflicts(g) > 0);
    free(texts);
    cx_generated_free(g);
    cx_templates_free(t);
}

static void test_dedup_and_exhaustion(void **state) {
    (void)state;
    cx_error err = {0, ""};
    cx_templates *t;
    assert_int_equal(load(ALL_TIERS, &t, &err), CX_OK);
    cx_gen_options o = {.count = 2000, .seed = 5, .dedup = 1};
    cx_generated *g;
    assert_int_equal(cx_generate(t, &o, &g, &err), CX_OK);
    cx_stats *st = cx_stats_new();
    for (size_t i = 0; i < cx_generated_size(g); i++) assert_int_equal(cx_stats_add(st, &cx_generated_get(g, i)->rec), CX_OK);
    cx_data_summary s;
    cx_stats_summary(st, &s);
    assert_int_equal(s.distinct, 2000);
    cx_stats_free(st);
    cx_generated_free(g);
    cx_templates_free(t);
    /* A family with 3 possible texts cannot give 100 distinct ones. */
    assert_int_equal(load(with_head("> [a|b|c]\n@family t\ntier trivial\nintent greeting\ndomains none\nlang en\nnoise off\n> hi\n"
                                    "@family m\ntier moderate\nintent debug\ndomains none\nlang en\n> m {#1-99999}\n"
                                    "@family c\ntier complex\nintent debug\ndomains none\nlang en\n> c {#1-99999}\n"
                                    "@family e\ntier expert\nintent debug\ndomains none\nlang en\n> e {#1-99999}\n"),
                          &t, &err),
                     CX_OK);
    o.count = 100;
    g = NULL;
    assert_int_equal(cx_generate(t, &o, &g, &err), CX_ERR_INVALID);
    if (!strstr(err.msg, "could only make 1 distinct trivial texts")) fail_msg("got: %s", err.msg);
    assert_null(g);
    cx_templates_free(t);
}

static void test_split_by_template(void **state) {
    (void)state;
    /* Ten families per tier; test families never appear in train. */
    char *text = malloc(64 * 1024);
    size_t len = 0;
    for (int tier = 0; tier < CX_N_TIERS; tier++)
        for (int k = 0; k < 10; k++)
            len += (size_t)snprintf(text + len, 64 * 1024 - len,
                                    "@family f%d_%d\ntier %s\nintent question\ndomains none\nlang en\n> q%d.%d {#1-99999}\n",
                                    tier, k, cx_tier_names[tier], tier, k);
    cx_error err = {0, ""};
    cx_templates *t;
    assert_int_equal(load(text, &t, &err), CX_OK);
    cx_gen_options o = {.count = 5000, .seed = 11, .split = CX_SPLIT_TEMPLATE};
    cx_generated *g;
    assert_int_equal(cx_generate(t, &o, &g, &err), CX_OK);
    int family_split[64];
    memset(family_split, -1, sizeof family_split);
    size_t per_split_tier[3][CX_N_TIERS] = {{0}};
    for (size_t i = 0; i < cx_generated_size(g); i++) {
        const cx_sample *s = cx_generated_get(g, i);
        if (family_split[s->family] < 0) family_split[s->family] = s->split;
        assert_int_equal(family_split[s->family], s->split);
        per_split_tier[s->split][s->rec.tier]++;
    }
    for (int sp = 0; sp < 3; sp++)
        for (int tier = 0; tier < CX_N_TIERS; tier++) assert_true(per_split_tier[sp][tier] > 0);
    cx_generated_free(g);
    /* Random split: 80 / 10 / 10 in order. */
    o.split = CX_SPLIT_RANDOM;
    assert_int_equal(cx_generate(t, &o, &g, &err), CX_OK);
    for (size_t i = 0; i < 5000; i++) assert_int_equal(cx_generated_get(g, i)->split, i < 4000 ? 0 : i < 4500 ? 1 : 2);
    cx_generated_free(g);
    cx_templates_free(t);
    free(text);
}

int main(void) {
    scratch = tu_tmpdir("test_templates");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),         cmocka_unit_test(test_multiline_and_blanks),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_deterministic_and_consistent),
        cmocka_unit_test(test_same_text_same_labels), cmocka_unit_test(test_dedup_and_exhaustion),
        cmocka_unit_test(test_split_by_template),
        cmocka_unit_test(test_limits),         cmocka_unit_test(test_text_and_numbers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(scratch);
    return failed;
}
