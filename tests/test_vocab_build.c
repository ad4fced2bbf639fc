/* Vocabulary building: id layout, every character kept, determinism, merges,
 * [UNK] rate on held-out reference data, save/reopen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/dataset.h"
#include "complexity/tokenizer.h"
#include "testutil.h"

/* tests/data/reference: train.jsonl is the first 1,200 lines of the seed's
 * train split (every character of test.jsonl occurs in them), test.jsonl whole. */
static cx_dataset *load(const char *name) {
    char *p = tu_path(tu_source_dir(), name);
    cx_dataset *ds;
    cx_error err;
    assert_int_equal(cx_dataset_load(p, 0, &ds, &err), CX_OK);
    free(p);
    return ds;
}

static cx_tokenizer *build_from(const cx_dataset *ds, size_t size) {
    size_t n = cx_dataset_size(ds);
    const char **texts = malloc(n * sizeof(char *));
    size_t *lens = malloc(n * sizeof(size_t));
    assert_true(texts && lens);
    for (size_t i = 0; i < n; i++) {
        texts[i] = cx_dataset_get(ds, i)->text;
        lens[i] = cx_dataset_get(ds, i)->text_len;
    }
    cx_vocab_build_options opt = {.vocab_size = size, .min_frequency = 2};
    cx_tokenizer *tok;
    cx_error err;
    assert_int_equal(cx_tokenizer_build(texts, lens, n, &opt, &tok, &err), CX_OK);
    free(texts);
    free(lens);
    return tok;
}

/* [UNK] count over a dataset's texts; *pieces gets the tokens without [CLS]/[SEP]. */
static size_t count_unk(const cx_tokenizer *tok, const cx_dataset *ds, size_t *pieces) {
    int32_t ids[2048];
    size_t unk = 0;
    *pieces = 0;
    for (size_t i = 0; i < cx_dataset_size(ds); i++) {
        const cx_record *r = cx_dataset_get(ds, i);
        size_t n;
        assert_int_equal(cx_tokenizer_encode(tok, r->text, r->text_len, 0, ids, NULL, 2048, &n, NULL), CX_OK);
        for (size_t k = 1; k + 1 < n; k++) unk += ids[k] == cx_tokenizer_special_ids(tok).unk;
        *pieces += n - 2;
    }
    return unk;
}

static void test_layout_and_coverage(void **state) {
    (void)state;
    cx_dataset *train = load("tests/data/reference/train.jsonl"), *test = load("tests/data/reference/test.jsonl");
    cx_tokenizer *tok = build_from(train, 600);
    assert_string_equal(cx_tokenizer_id_to_token(tok, 0), "[PAD]");
    assert_string_equal(cx_tokenizer_id_to_token(tok, 1), "[unused1]");
    assert_string_equal(cx_tokenizer_id_to_token(tok, 99), "[unused99]");
    cx_special_ids sp = cx_tokenizer_special_ids(tok);
    assert_int_equal(sp.pad, 0);
    assert_int_equal(sp.unk, 100);
    assert_int_equal(sp.cls, 101);
    assert_int_equal(sp.sep, 102);
    assert_int_equal(sp.mask, 103);
    assert_int_equal(cx_tokenizer_vocab_size(tok), 600);
    /* every character seen is in the vocabulary: no [UNK] on the training texts */
    size_t pieces;
    assert_int_equal(count_unk(tok, train, &pieces), 0);
    size_t unk = count_unk(tok, test, &pieces);
    fprintf(stderr, "held-out: %zu tokens, %zu [UNK], %.3f tokens/text\n", pieces, unk,
            (double)pieces / (double)cx_dataset_size(test));
    assert_true(unk * 1000 <= pieces);
    /* CJK characters are single pieces */
    assert_true(cx_tokenizer_token_to_id(tok, "個") > 103);
    assert_int_equal(cx_tokenizer_token_to_id(tok, "##個"), -1);
    cx_tokenizer_free(tok);
    cx_dataset_free(train);
    cx_dataset_free(test);
}

static void test_deterministic_and_saved(void **state) {
    (void)state;
    cx_dataset *train = load("tests/data/reference/train.jsonl");
    cx_tokenizer *a = build_from(train, 900), *b = build_from(train, 900);
    assert_int_equal(cx_tokenizer_vocab_size(a), cx_tokenizer_vocab_size(b));
    for (size_t i = 0; i < cx_tokenizer_vocab_size(a); i++)
        assert_string_equal(cx_tokenizer_id_to_token(a, (int32_t)i), cx_tokenizer_id_to_token(b, (int32_t)i));
    char *dir = tu_tmpdir("test_vocab_build");
    cx_error err;
    assert_int_equal(cx_tokenizer_save(a, dir, &err), CX_OK);
    cx_tokenizer *c;
    assert_int_equal(cx_tokenizer_open(dir, &c, &err), CX_OK);
    for (size_t i = 0; i < 50; i++) {
        const cx_record *r = cx_dataset_get(train, i * 7);
        int32_t x[512], y[512];
        size_t nx, ny;
        assert_int_equal(cx_tokenizer_encode(a, r->text, r->text_len, 0, x, NULL, 512, &nx, NULL), CX_OK);
        assert_int_equal(cx_tokenizer_encode(c, r->text, r->text_len, 0, y, NULL, 512, &ny, NULL), CX_OK);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx * sizeof(int32_t));
    }
    free(dir);
    cx_tokenizer_free(a);
    cx_tokenizer_free(b);
    cx_tokenizer_free(c);
    cx_dataset_free(train);
}

static void test_small_corpus_merges(void **state) {
    (void)state;
    const char *texts[] = {"low low low low lower lower newest newest newest widest", "low, lowest!"};
    cx_vocab_build_options opt = {.vocab_size = 200, .min_frequency = 2};
    cx_tokenizer *tok;
    cx_error err;
    assert_int_equal(cx_tokenizer_build(texts, NULL, 2, &opt, &tok, &err), CX_OK);
    /* the most frequent pairs merge first: "low" and "newest" become pieces */
    assert_true(cx_tokenizer_token_to_id(tok, "low") > 103);
    assert_true(cx_tokenizer_token_to_id(tok, "newest") > 103);
    /* characters: word-initial and continuation forms, punctuation only alone */
    assert_true(cx_tokenizer_token_to_id(tok, "w") > 103);
    assert_true(cx_tokenizer_token_to_id(tok, "##w") > 103);
    assert_true(cx_tokenizer_token_to_id(tok, "!") > 103);
    assert_int_equal(cx_tokenizer_token_to_id(tok, "##!"), -1);
    /* nothing unknown in a new word made of seen characters */
    int32_t ids[64];
    size_t n;
    assert_int_equal(cx_tokenizer_encode(tok, "stole", 5, 0, ids, NULL, 64, &n, NULL), CX_OK);
    for (size_t i = 0; i < n; i++) assert_int_not_equal(ids[i], 100);
    cx_tokenizer_free(tok);
    opt.vocab_size = 50;
    assert_int_equal(cx_tokenizer_build(texts, NULL, 2, &opt, &tok, &err), CX_ERR_INVALID);
    assert_null(tok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_coverage),
        cmocka_unit_test(test_deterministic_and_saved),
        cmocka_unit_test(test_small_corpus_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
