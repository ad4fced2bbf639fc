/* The JSONL reader: the seed's reference files load; every kind of broken
 * file gets an error naming FILE:LINE and what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complexity.h"
#include "testutil.h"

static char *scratch;

static const char *GOOD =
    "{\"text\": \"hello\", \"score\": 0.05, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}";

/* Writes content to a scratch file and loads it; returns the status. */
static int load_text(const char *name, const char *content, size_t len, unsigned flags, cx_dataset **ds,
                     cx_error *err) {
    char *path = tu_path(scratch, name);
    tu_write_file(path, content, len);
    int rc = cx_dataset_load(path, flags, ds, err);
    free(path);
    return rc;
}

/* Expects loading `content` to fail with a message containing `want`. */
static void expect_error(const char *content, const char *want) {
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    int rc = load_text("bad.jsonl", content, strlen(content), 0, &ds, &err);
    if (rc == CX_OK || !strstr(err.msg, want)) {
        fprintf(stderr, "content: %.200s\nwant: %s\ngot (%d): %s\n", content, want, rc, err.msg);
        fail();
    }
    assert_null(ds);
}

/* The seed's reference split as vendored in tests/data/reference (README.md
 * there): test.jsonl whole (1,500), train.jsonl its first 1,200 of 12,000 and
 * val.jsonl its first 100 of 1,500 lines. */
static void test_reference_files_load(void **state) {
    (void)state;
    static const struct { const char *name; size_t n; } files[] = {
        {"train.jsonl", 1200}, {"val.jsonl", 100}, {"test.jsonl", 1500}};
    for (size_t i = 0; i < 3; i++) {
        char *path = tu_path(tu_source_dir(), "tests/data/reference");
        char *file = tu_path(path, files[i].name);
        cx_dataset *ds = NULL;
        cx_error err = {0, ""};
        assert_int_equal(cx_dataset_load(file, 0, &ds, &err), CX_OK);
        assert_int_equal(cx_dataset_size(ds), files[i].n);
        assert_int_equal(cx_dataset_invalid_count(ds), 0);
        const cx_record *r = cx_dataset_get(ds, 0);
        assert_int_equal(r->line, 1);
        assert_true(r->text_len > 0 && r->score >= 0 && r->score <= 1);
        cx_dataset_free(ds);
        free(file);
        free(path);
    }
}

static void test_first_record_fields(void **state) {
    (void)state;
    const char *line = "{\"text\": \"Hey\\uff0c\\u5c0f\\u83ef\", \"score\": 0.0475, \"tier\": \"trivial\", "
                       "\"domains\": [\"code\", \"data\"], \"intent\": \"debug\", \"lang\": \"mixed\"}\n";
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    assert_int_equal(load_text("one.jsonl", line, strlen(line), 0, &ds, &err), CX_OK);
    const cx_record *r = cx_dataset_get(ds, 0);
    assert_string_equal(r->text, "Hey\xEF\xBC\x8C\xE5\xB0\x8F\xE8\x8F\xAF");
    assert_true(r->score == 0.0475);
    assert_int_equal(r->tier, CX_TRIVIAL);
    assert_int_equal(r->domains, (1u << CX_DOM_CODE) | (1u << CX_DOM_DATA));
    assert_int_equal(r->intent, CX_DEBUG);
    assert_int_equal(r->lang, CX_LANG_MIXED);
    cx_dataset_free(ds);
}

static void test_broken_records(void **state) {
    (void)state;
    expect_error("{\"text\": \"a\", \"score\": NaN, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}\n",
                 "bad.jsonl:1: not valid JSON at column 24, near 'NaN, \"tier\"");
    expect_error("{\"text\": \"a\", \"score\": 1.5, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}\n",
                 "bad.jsonl:1: field \"score\": 1.5 is outside [0, 1]");
    expect_error("{\"text\": \"a\", \"score\": 1e999, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}\n",
                 "field \"score\"");
    expect_error("{\"text\": \"a\", \"score\": \"0.5\", \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}\n",
                 "field \"score\": expected a number");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"hard\", \"domains\": [], \"intent\": \"greeting\"}\n",
                 "field \"tier\": unknown value \"hard\" (expected one of trivial, simple");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [\"code\", \"code\"], \"intent\": \"greeting\"}\n",
                 "\"code\" listed twice");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [\"art\"], \"intent\": \"greeting\"}\n",
                 "field \"domains\": unknown value \"art\"");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": \"code\", \"intent\": \"greeting\"}\n",
                 "expected an array");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"chat\"}\n",
                 "field \"intent\": unknown value \"chat\"");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": []}\n", "missing field \"intent\"");
    expect_error("{\"text\": \"  \", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"}\n",
                 "field \"text\": empty text");
    expect_error("{\"text\": \"a\", \"text\": \"b\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"}\n",
                 "duplicate key \"text\"");
    expect_error("{\"text\": \"a\\u0000b\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"}\n",
                 "escaped NUL");
    expect_error("{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"} x\n",
                 "unexpected text after the JSON object at column 84");
    expect_error("[1, 2]\n", "expected a JSON object");
    expect_error("{\"text\": \"lang\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\", \"lang\": \"fr\"}\n",
                 "field \"lang\": unknown value \"fr\"");
}

static void test_line_numbers_and_truncation(void **state) {
    (void)state;
    char buf[1024];
    /* A file cut in the middle of its last record. */
    snprintf(buf, sizeof buf, "%s\n%s\n{\"text\": \"cut", GOOD, GOOD);
    expect_error(buf, "bad.jsonl:3: not valid JSON: the line ends inside a value (truncated?)");
    /* Invalid UTF-8 on line 2, column counted in characters. */
    snprintf(buf, sizeof buf, "%s\n{\"text\": \"\xE6\x97\xA5\xFF\"}\n", GOOD);
    expect_error(buf, "bad.jsonl:2: invalid UTF-8 at byte 13 (column 12)");
    /* A lone surrogate escape. */
    snprintf(buf, sizeof buf, "{\"text\": \"\\ud800\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"}\n");
    expect_error(buf, "bad.jsonl:1: not valid JSON");
}

static void test_tolerated_oddities(void **state) {
    (void)state;
    char buf[1024];
    /* BOM on line 1, CRLF line ends, blank lines and no final newline are accepted and noted. */
    snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s\r\n\r\n  \n%s", GOOD, GOOD);
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    assert_int_equal(load_text("odd.jsonl", buf, strlen(buf), 0, &ds, &err), CX_OK);
    assert_int_equal(cx_dataset_size(ds), 2);
    assert_true(cx_dataset_had_bom(ds));
    assert_int_equal(cx_dataset_crlf_lines(ds), 2);
    assert_int_equal(cx_dataset_blank_lines(ds), 2);
    assert_int_equal(cx_dataset_get(ds, 1)->line, 4);
    cx_dataset_free(ds);
}

static void test_empty_and_huge(void **state) {
    (void)state;
    expect_error("", "bad.jsonl: no records (the file is empty)");
    expect_error("\n\n", "no records (every line is blank or invalid)");
    size_t n = CX_MAX_LINE_BYTES + 100;
    char *huge = malloc(n + 2);
    assert_non_null(huge);
    memset(huge, 'a', n);
    huge[n] = '\n';
    huge[n + 1] = '\0';
    expect_error(huge, "bad.jsonl:1: line is longer than the 1048576-byte limit");
    free(huge);
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    assert_int_equal(load_text("empty.jsonl", "", 0, CX_LOAD_ALLOW_EMPTY, &ds, &err), CX_OK);
    assert_int_equal(cx_dataset_size(ds), 0);
    cx_dataset_free(ds);
}

static void test_skip_invalid(void **state) {
    (void)state;
    char buf[2048];
    snprintf(buf, sizeof buf, "%s\nnot json\n%s\n{\"text\": \"x\"}\n%s\n", GOOD, GOOD, GOOD);
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    assert_int_equal(load_text("mixed.jsonl", buf, strlen(buf), CX_LOAD_SKIP_INVALID, &ds, &err), CX_OK);
    assert_int_equal(cx_dataset_size(ds), 3);
    assert_int_equal(cx_dataset_invalid_count(ds), 2);
    assert_int_equal(cx_dataset_problem_count(ds), 2);
    assert_non_null(strstr(cx_dataset_problem(ds, 0), "mixed.jsonl:2: not valid JSON"));
    assert_non_null(strstr(cx_dataset_problem(ds, 1), "mixed.jsonl:4: missing field \"score\""));
    cx_dataset_free(ds);
    /* Without the flag, the first bad line stops the load. */
    ds = NULL;
    assert_int_equal(load_text("mixed.jsonl", buf, strlen(buf), 0, &ds, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "mixed.jsonl:2:"));
}

static void test_missing_file(void **state) {
    (void)state;
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    assert_int_equal(cx_dataset_load("/nonexistent/x.jsonl", 0, &ds, &err), CX_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/x.jsonl: cannot open"));
}

/* Writing reproduces the seed's bytes (Python json.dumps, ensure_ascii=False). */
static void test_write_matches_seed_format(void **state) {
    (void)state;
    const char *lines[] = {
        "{\"text\": \"Hey，小華\", \"score\": 0.0475, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"greeting\"}\n",
        "{\"text\": \"Write a C++ function for FizzBuzz\", \"score\": 0.2057, \"tier\": \"simple\", \"domains\": [\"code\"], \"intent\": \"code_gen\"}\n",
        "{\"text\": \"q\\\"\\\\\\n\\t\\u0001x\", \"score\": 0.12, \"tier\": \"trivial\", \"domains\": [\"code\", \"system\"], \"intent\": \"question\"}\n",
        "{\"text\": \"z\", \"score\": 0.0, \"tier\": \"trivial\", \"domains\": [], \"intent\": \"question\"}\n",
        "{\"text\": \"o\", \"score\": 1.0, \"tier\": \"expert\", \"domains\": [], \"intent\": \"question\"}\n"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        cx_record rec;
        char *text;
        cx_error err = {0, ""};
        assert_int_equal(cx_record_parse(lines[i], strlen(lines[i]) - 1, &rec, &text, &err), CX_OK);
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        assert_non_null(f);
        assert_int_equal(cx_record_write(f, &rec), CX_OK);
        fclose(f);
        assert_string_equal(out, lines[i]);
        free(out);
        free(text);
    }
}

/* A text may hold a backslash followed by "u0000" (a question about JSON
 * escapes): written, it reads back; only a real escaped NUL is refused. */
static void test_backslash_u0000_text(void **state) {
    (void)state;
    const char *line = "{\"text\": \"what is \\\\u0000 in JSON?\", \"score\": 0.2, \"tier\": \"simple\", "
                       "\"domains\": [\"code\"], \"intent\": \"question\"}";
    cx_record rec;
    char *text = NULL;
    cx_error err = {0, ""};
    assert_int_equal(cx_record_parse(line, strlen(line), &rec, &text, &err), CX_OK);
    assert_string_equal(rec.text, "what is \\u0000 in JSON?");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cx_record_write(f, &rec), CX_OK);
    fclose(f);
    char *back = NULL;
    assert_int_equal(cx_record_parse(buf, len - 1, &rec, &back, &err), CX_OK);
    assert_string_equal(back, text);
    free(back);
    free(buf);
    free(text);
    const char *nul = "{\"text\": \"a\\\\\\u0000\", \"score\": 0.2, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"}";
    assert_int_equal(cx_record_parse(nul, strlen(nul), &rec, &text, &err), CX_ERR_FORMAT); /* "\\\u0000": a backslash, then NUL */
    assert_non_null(strstr(err.msg, "escaped NUL"));
}

/* Extra fields are allowed, any number of them: the duplicate-key check is
 * linear (pairwise, a 1 MB line of 110,000 keys took 84 s). */
static void test_many_keys_fast(void **state) {
    (void)state;
    size_t cap = 2 << 20, len = 0;
    char *line = malloc(cap);
    len += (size_t)sprintf(line, "{\"text\": \"a\", \"score\": 0.5, \"tier\": \"simple\", \"domains\": [], \"intent\": \"question\"");
    for (int i = 0; i < 110000; i++) len += (size_t)sprintf(line + len, ", \"k%d\": 1", i);
    line[len++] = '}';
    cx_record rec;
    char *text = NULL;
    cx_error err = {0, ""};
    clock_t t0 = clock();
    assert_int_equal(cx_record_parse(line, len, &rec, &text, &err), CX_OK);
    free(text);
    memcpy(line + len - 1, ", \"k77\": 2}", 12); /* a repeated extra key */
    assert_int_equal(cx_record_parse(line, len + 11, &rec, &text, &err), CX_ERR_FORMAT);
    assert_string_equal(err.msg, "duplicate key \"k77\"");
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    free(line);
}

static void test_detect_lang(void **state) {
    (void)state;
    assert_int_equal(cx_detect_lang("write a python function", 23), CX_LANG_EN);
    const char *zh = "幫我用 Python 寫一個函式";
    assert_int_equal(cx_detect_lang(zh, strlen(zh)), CX_LANG_ZH);
    const char *mixed = "幫我 check 一下這段 code";
    assert_int_equal(cx_detect_lang(mixed, strlen(mixed)), CX_LANG_MIXED);
}

/* LABELING.md's ranges: the tier's score range (with 0.005 of rounding),
 * the lists; the dev set, written by those rules, passes whole. */
static void test_check_labeling(void **state) {
    (void)state;
    cx_error err = {0, ""};
    cx_record r = {.text = "x", .text_len = 1, .score = 0.62, .tier = CX_COMPLEX, .intent = CX_PLANNING, .lang = -1};
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_OK);
    r.score = 0.824;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_OK);
    r.score = 0.85;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "score: 0.85 is outside complex's range 0.62-0.82"));
    r.score = 0.13;
    r.tier = CX_TRIVIAL;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_ERR_INVALID); /* between trivial and simple */
    r.score = 0.05;
    r.intent = CX_N_INTENTS;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "intent"));
    r.intent = CX_GREETING;
    r.domains = 1u << CX_N_DOMAINS;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_ERR_INVALID);
    r.domains = 0;
    r.lang = CX_N_LANGS;
    assert_int_equal(cx_record_check_labeling(&r, &err), CX_ERR_INVALID);
    char *path = tu_path(tu_source_dir(), "data/dev/dev.jsonl");
    cx_dataset *ds = NULL;
    assert_int_equal(cx_dataset_load(path, 0, &ds, &err), CX_OK);
    for (size_t i = 0; i < cx_dataset_size(ds); i++) {
        int rc = cx_record_check_labeling(cx_dataset_get(ds, i), &err);
        if (rc) fprintf(stderr, "dev.jsonl:%zu: %s\n", cx_dataset_get(ds, i)->line, err.msg);
        assert_int_equal(rc, CX_OK);
    }
    cx_dataset_free(ds);
    free(path);
}

int main(void) {
    scratch = tu_tmpdir("test_dataset");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_files_load), cmocka_unit_test(test_first_record_fields),
        cmocka_unit_test(test_broken_records),       cmocka_unit_test(test_line_numbers_and_truncation),
        cmocka_unit_test(test_tolerated_oddities),   cmocka_unit_test(test_empty_and_huge),
        cmocka_unit_test(test_skip_invalid),         cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_write_matches_seed_format), cmocka_unit_test(test_detect_lang),
        cmocka_unit_test(test_backslash_u0000_text),
        cmocka_unit_test(test_many_keys_fast),       cmocka_unit_test(test_check_labeling),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(scratch);
    return failed;
}
