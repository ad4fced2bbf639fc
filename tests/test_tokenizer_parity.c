/* Parity with the Rust tokenizers library without node: the committed fixture
 * (tools/tokenizer_parity/run_parity.sh --write-fixture) holds strings and the
 * ids the Rust library gave them, for mBERT cased and uncased BERT. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/tokenizer.h"
#include "testutil.h"

static void check_fixture(const char *fixture, const char *vocab_dir) {
    cx_error err;
    cx_tokenizer *tok;
    char *dir = tu_path(tu_source_dir(), vocab_dir);
    assert_int_equal(cx_tokenizer_open(dir, &tok, &err), CX_OK);
    char *path = tu_path(tu_source_dir(), fixture);
    size_t len;
    char *data = tu_read_file(path, &len);
    size_t cases = 0, diffs = 0, cap = 4096;
    int32_t *got = malloc(cap * sizeof(int32_t));
    assert_non_null(got);
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        cJSON *o = cJSON_Parse(line);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text");
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(o, "ids");
        assert_true(cJSON_IsString(text) && cJSON_IsArray(want));
        size_t n;
        int rc = cx_tokenizer_encode(tok, text->valuestring, strlen(text->valuestring), 0, got, NULL, cap, &n, &err);
        assert_int_equal(rc, CX_OK);
        int same = (size_t)cJSON_GetArraySize(want) == n;
        size_t i = 0;
        for (const cJSON *v = want->child; v && same; v = v->next, i++) same = (int32_t)v->valuedouble == got[i];
        if (!same && diffs++ < 5) {
            fprintf(stderr, "%s: case %zu differs: %s\n  ours:", fixture, cases, line);
            for (size_t k = 0; k < n; k++) fprintf(stderr, " %d", (int)got[k]);
            fprintf(stderr, "\n");
        }
        cases++;
        cJSON_Delete(o);
    }
    fprintf(stderr, "%s: %zu cases, %zu differences\n", fixture, cases, diffs);
    assert_true(cases >= 3000);
    assert_int_equal(diffs, 0);
    free(got);
    free(data);
    free(path);
    free(dir);
    cx_tokenizer_free(tok);
}

static void test_parity_cased(void **state) {
    (void)state;
    check_fixture("tests/data/tokenizer/parity_cased.jsonl", "tests/data/vocab/mbert-cased");
}

static void test_parity_uncased(void **state) {
    (void)state;
    check_fixture("tests/data/tokenizer/parity_uncased.jsonl", "tests/data/vocab/bert-uncased");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_cased),
        cmocka_unit_test(test_parity_uncased),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
