/* Tokenizer rules (SPEC §4): every rule against the real mBERT / uncased BERT
 * vocabularies (expected ids taken from the Rust tokenizers library 0.23.2)
 * and against small handmade vocabularies. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/tokenizer.h"
#include "testutil.h"
#include "text/bert_unicode.h"

static cx_tokenizer *cased, *uncased;

static int setup(void **state) {
    (void)state;
    cx_error err;
    char *p = tu_path(tu_source_dir(), "tests/data/vocab/mbert-cased");
    if (cx_tokenizer_open(p, &cased, &err)) { fprintf(stderr, "%s\n", err.msg); return -1; }
    free(p);
    p = tu_path(tu_source_dir(), "tests/data/vocab/bert-uncased");
    if (cx_tokenizer_open(p, &uncased, &err)) { fprintf(stderr, "%s\n", err.msg); return -1; }
    free(p);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    cx_tokenizer_free(cased);
    cx_tokenizer_free(uncased);
    return 0;
}

/* Encodes text (no truncation) and returns the ids as "1 2 3" (static buffer). */
static const char *ids_of(const cx_tokenizer *tok, const char *text, size_t len) {
    static char out[8192];
    int32_t ids[1024];
    size_t n;
    cx_error err;
    int rc = cx_tokenizer_encode(tok, text, len, 0, ids, NULL, 1024, &n, &err);
    if (rc) fprintf(stderr, "encode: %s\n", err.msg);
    assert_int_equal(rc, CX_OK);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) o += (size_t)snprintf(out + o, sizeof out - o, i ? " %d" : "%d", (int)ids[i]);
    return out;
}

static const char *ids(const cx_tokenizer *tok, const char *text) { return ids_of(tok, text, strlen(text)); }

/* Asserts that a[0..alen) and b encode to the same ids (ids_of's buffer is static: copy first). */
static void assert_same_ids(const cx_tokenizer *tok, const char *a, size_t alen, const char *b) {
    char first[8192];
    snprintf(first, sizeof first, "%s", ids_of(tok, a, alen));
    assert_string_equal(first, ids(tok, b));
}

/* The tokens of an encoding, "[CLS] a ##b [SEP]" (static buffer). */
static const char *toks(const cx_tokenizer *tok, const char *text) {
    static char out[8192];
    int32_t v[1024];
    size_t n, o = 0;
    cx_error err;
    assert_int_equal(cx_tokenizer_encode(tok, text, strlen(text), 0, v, NULL, 1024, &n, &err), CX_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) o += (size_t)snprintf(out + o, sizeof out - o, i ? " %s" : "%s", cx_tokenizer_id_to_token(tok, v[i]));
    return out;
}

static void test_hello_world(void **state) {
    (void)state;
    assert_string_equal(ids(cased, "Hello world"), "101 31178 11356 102");
    assert_string_equal(ids(uncased, "Hello world"), "101 7592 2088 102");
    cx_special_ids sp = cx_tokenizer_special_ids(cased);
    assert_int_equal(sp.pad, 0);
    assert_int_equal(sp.unk, 100);
    assert_int_equal(sp.cls, 101);
    assert_int_equal(sp.sep, 102);
    assert_int_equal(sp.mask, 103);
    assert_int_equal(cx_tokenizer_vocab_size(cased), 119547);
    assert_int_equal(cx_tokenizer_vocab_size(uncased), 30522);
    assert_int_equal(cx_tokenizer_token_to_id(cased, "##ï"), 27514);
    assert_string_equal(cx_tokenizer_id_to_token(cased, 31178), "Hello");
    assert_null(cx_tokenizer_id_to_token(cased, 119547));
    assert_null(cx_tokenizer_id_to_token(cased, -1));
    assert_int_equal(cx_tokenizer_token_to_id(cased, "no-such-token-here"), -1);
}

static void test_accents_cased_vs_uncased(void **state) {
    (void)state;
    /* transformers' test: accents kept in cased mode, stripped in uncased */
    assert_string_equal(toks(cased, "A, naïve [MASK] AllenNLP"), "[CLS] A , na ##ï ##ve [MASK] Allen ##NL ##P [SEP]");
    assert_string_equal(ids(cased, "A, naïve [MASK] AllenNLP"), "101 138 117 10132 27514 10612 103 15101 58885 11127 102");
    assert_string_equal(toks(uncased, "A, naïve [MASK] AllenNLP"), "[CLS] a , naive [MASK] allen ##nl ##p [SEP]");
    assert_string_equal(ids(cased, "Héllo İstanbul ΟΔΟΣ"), "101 145 24817 10715 19745 451 111034 111043 85362 102");
    assert_string_equal(ids(uncased, "Héllo İstanbul ΟΔΟΣ"), "101 7592 9960 1169 29722 29730 29733 102");
}

static void test_chinese_split(void **state) {
    (void)state;
    assert_string_equal(toks(cased, "ah\u535A\u63A8zz"), "[CLS] ah 博 推 z ##z [SEP]");
    assert_string_equal(ids(cased, "請幫我寫一個 Python 函數"), "101 7238 3639 3976 3435 2072 2333 47294 2529 4310 102");
    /* extension planes: Rust splits U+2B920.. but not U+2B820..U+2B91F (Python's slow tokenizer differs) */
    assert_string_equal(ids(cased, "x\U0002B920y x\U0002B820y"), "101 192 100 193 100 102");
    assert_true(bu_class(0x2B920) & BU_CJK);
    assert_false(bu_class(0x2B820) & BU_CJK);
    assert_true(bu_class(0x20000) & BU_CJK);
    assert_true(bu_class(0x2FA1F) & BU_CJK);
    assert_false(bu_class(0x2FA20) & BU_CJK);
}

static void test_controls_and_whitespace(void **state) {
    (void)state;
    /* soft hyphen, U+0005 and U+200B vanish (the words around them join) */
    assert_string_equal(ids(cased, "\u00adhi\x05" "there\u200b!"), "101 14946 57204 106 102");
    assert_string_equal(ids(cased, "\u00ad"), "101 102");
    /* every kind of whitespace splits; U+0085 is a control first, so it joins */
    assert_string_equal(ids(cased, "a\u00a0b\u3000c\u2028d\xc2\x85" "e"), "101 169 170 171 10104 102");
    const char *ws = "a\tb\nc\rd\u1680e\u2000f\u200ag\u202fh\u205fi\u2029j";
    assert_same_ids(cased, ws, strlen(ws), "a b c d e f g h i j");
    /* \v and \f are White_Space but Cc: clean_text drops them first (as U+0085) */
    assert_same_ids(cased, "d\ve\ff", 5, "def");
    assert_string_not_equal(ids(cased, "def"), "101 172 173 174 102");
    assert_true(bu_class(0x85) & BU_DROP);
    assert_true(bu_class(0x3000) & BU_WS);
    assert_false(bu_class('\t') & BU_DROP);
    assert_true(bu_class(0xFFFD) & BU_DROP);
    assert_true(bu_class(0xE000) & BU_DROP); /* private use */
    /* NUL is dropped too */
    assert_same_ids(cased, "ab\0cd", 5, "abcd");
}

static void test_punctuation(void **state) {
    (void)state;
    /* ASCII symbols are punctuation for BERT; ` is not in mBERT's vocabulary */
    assert_string_equal(ids(cased, "$5+3=8 ~a|b^c`d"), "101 109 126 116 124 134 129 198 169 196 170 167 171 100 172 102");
    assert_string_equal(ids(uncased, "$5+3=8 ~a|b^c`d"),
                        "101 1002 1019 1009 1017 1027 1022 1066 1037 1064 1038 1034 1039 1036 1040 102");
    /* Unicode P* splits, non-ASCII symbols (S*) do not */
    assert_true(bu_class(0x00BF) & BU_PUNCT); /* ¿ */
    assert_true(bu_class(0x2014) & BU_PUNCT); /* em dash */
    assert_true(bu_class(0xFF01) & BU_PUNCT); /* full-width ! */
    assert_false(bu_class(0x20AC) & BU_PUNCT); /* € */
    assert_false(bu_class(0x00A9) & BU_PUNCT); /* © */
    /* the Rust categories are older than utf8proc's: U+166D is still Po there */
    assert_true(bu_class(0x166D) & BU_PUNCT);
}

static void test_fullwidth_and_emoji(void **state) {
    (void)state;
    assert_string_equal(toks(cased, "ＡＢＣ！ｄ"), "[CLS] Ａ ##Ｂ ##Ｃ ！ [UNK] [SEP]");
    assert_string_equal(ids(uncased, "ＡＢＣ！ｄ"), "101 100 1986 100 102");
    assert_string_equal(ids(cased, "😀 👍🏽"), "101 100 100 102");
    assert_string_equal(ids(cased, "👨‍👩‍👧‍👦"), "101 100 102"); /* ZWJ (Cf) dropped: one word */
}

static void test_special_tokens_in_text(void **state) {
    (void)state;
    assert_string_equal(ids(cased, "[mask] [MASK]x"), "101 164 107425 166 103 192 102");
    assert_string_equal(ids(uncased, "[mask] [MASK]x"), "101 1031 7308 1033 103 1060 102");
    assert_string_equal(ids(cased, "a[SEP]b[CLS]"), "101 169 102 170 101 102");
}

static void test_empty_text(void **state) {
    (void)state;
    assert_string_equal(ids(cased, ""), "101 102");
    assert_string_equal(ids(cased, " \t\n "), "101 102");
    size_t n;
    int32_t v[4];
    assert_int_equal(cx_tokenizer_encode(cased, NULL, 0, 0, v, NULL, 4, &n, NULL), CX_OK);
    assert_int_equal(n, 2);
}

/* A handmade vocabulary, the one of transformers' WordPiece tests. */
static cx_tokenizer *small_vocab(int lowercase, int strip) {
    static const char *const v[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "want", "##want", "##ed", "wa",
                                    "un", "runn", "##ing", ",", "low", "lowest", "a", "##a", "i\xcc\x87", "i"};
    cx_tokenizer_options o = cx_tokenizer_default_options();
    o.lowercase = lowercase;
    o.strip_accents = strip;
    cx_tokenizer *t;
    cx_error err;
    assert_int_equal(cx_tokenizer_from_vocab(v, sizeof v / sizeof v[0], &o, &t, &err), CX_OK);
    return t;
}

static void test_wordpiece_continuation(void **state) {
    (void)state;
    cx_tokenizer *t = small_vocab(0, -1);
    assert_string_equal(toks(t, "unwanted running"), "[CLS] un ##want ##ed runn ##ing [SEP]");
    assert_string_equal(toks(t, "unwantedX running"), "[CLS] [UNK] runn ##ing [SEP]"); /* unmatchable rest */
    assert_string_equal(toks(t, "lowest,low"), "[CLS] lowest , low [SEP]");
    assert_string_equal(ids(t, "unwanted"), "2 9 6 7 3");
    cx_tokenizer_free(t);
}

static void test_hundred_char_rule(void **state) {
    (void)state;
    cx_tokenizer *t = small_vocab(0, -1);
    char word[202];
    memset(word, 'a', 101);
    word[100] = '\0';
    const char *r = ids(t, word);
    size_t count = 0;
    for (const char *p = r; *p; p++) count += *p == ' ';
    assert_int_equal(count + 1, 102); /* [CLS] a ##a x99 [SEP] */
    word[100] = 'a';
    word[101] = '\0';
    assert_string_equal(ids(t, word), "2 1 3"); /* 101 characters: [UNK] */
    /* characters, not bytes: 100 two-byte characters are still a word, 101 are not */
    char wide[256] = "";
    for (int i = 0; i < 100; i++) strcat(wide, "\xc3\xa9");
    assert_string_not_equal(ids(cased, wide), "101 100 102");
    strcat(wide, "\xc3\xa9");
    assert_string_equal(ids(cased, wide), "101 100 102");
    cx_tokenizer_free(t);
}

static void test_lowercase_full_mapping(void **state) {
    (void)state;
    /* lowercase without accent stripping: U+0130 becomes "i" + U+0307 (Rust char::to_lowercase) */
    cx_tokenizer *t = small_vocab(1, 0);
    assert_string_equal(ids(t, "\xc4\xb0"), "2 17 3");
    cx_tokenizer_free(t);
    t = small_vocab(1, 1); /* with stripping: NFD first, then the dot is dropped */
    assert_string_equal(ids(t, "\xc4\xb0"), "2 18 3");
    cx_tokenizer_free(t);
    uint32_t m[BU_MAX_MAP];
    assert_int_equal(bu_map(0x130, 0, 1, m), 2);
    assert_int_equal(m[0], 0x69);
    assert_int_equal(m[1], 0x307);
    assert_int_equal(bu_map(0xE9, 1, 0, m), 1); /* é -> e */
    assert_int_equal(m[0], 'e');
}

static void test_invalid_utf8(void **state) {
    (void)state;
    /* each invalid byte becomes U+FFFD, which clean_text drops */
    assert_same_ids(cased, "ab\xff" "cd", 5, "abcd");
    assert_string_equal(ids(cased, "\xc3"), "101 102");
    assert_same_ids(cased, "x \xe4\xbd y", 6, "x  y");
    assert_string_equal(ids(cased, "\xed\xa0\x80"), "101 102"); /* encoded surrogate */
    assert_string_equal(ids(cased, "\xc0\xaf"), "101 102");     /* overlong '/' */
}

static void test_truncation(void **state) {
    (void)state;
    int32_t v[16], mask[16];
    size_t n;
    cx_error err;
    const char *text = "Hello world Hello world Hello world";
    assert_int_equal(cx_tokenizer_encode(cased, text, strlen(text), 5, v, mask, 16, &n, &err), CX_OK);
    assert_int_equal(n, 5);
    assert_int_equal(v[0], 101);
    assert_int_equal(v[1], 31178);
    assert_int_equal(v[3], 31178);
    assert_int_equal(v[4], 102);
    assert_int_equal(mask[4], 1);
    assert_int_equal(cx_tokenizer_encode(cased, text, strlen(text), 2, v, NULL, 16, &n, &err), CX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 102);
    assert_int_equal(cx_tokenizer_encode(cased, text, strlen(text), 1, v, NULL, 16, &n, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "max_length 1"));
    /* a buffer that is too small: error and the size needed */
    assert_int_equal(cx_tokenizer_encode(cased, text, strlen(text), 0, v, NULL, 4, &n, &err), CX_ERR_INVALID);
    assert_int_equal(n, 8);
    /* truncation inside a word's pieces */
    assert_int_equal(cx_tokenizer_encode(cased, "naïve", 6, 4, v, NULL, 16, &n, &err), CX_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[1], 10132);
    assert_int_equal(v[2], 27514);
}

static void test_batch(void **state) {
    (void)state;
    const char *texts[3] = {"Hello world", "", "Hello world Hello world Hello"};
    int32_t v[3 * 6], mask[3 * 6];
    size_t lens[3];
    cx_error err;
    assert_int_equal(cx_tokenizer_encode_batch(cased, texts, NULL, 3, 6, v, mask, lens, &err), CX_OK);
    static const int32_t want[18] = {101, 31178, 11356, 102, 0, 0, 101, 102, 0, 0, 0, 0, 101, 31178, 11356, 31178, 11356, 102};
    static const int32_t want_mask[18] = {1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    assert_memory_equal(v, want, sizeof want);
    assert_memory_equal(mask, want_mask, sizeof want_mask);
    assert_int_equal(lens[0], 4);
    assert_int_equal(lens[1], 2);
    assert_int_equal(lens[2], 6);
    assert_int_equal(cx_tokenizer_encode_batch(cased, texts, NULL, 3, 0, v, mask, lens, &err), CX_ERR_INVALID);
}

typedef struct thread_arg {
    const char *text;
    char want[1024];
    int ok;
} thread_arg;

static void *encode_many(void *p) {
    thread_arg *a = p;
    int32_t v[256];
    a->ok = 1;
    for (int r = 0; r < 200; r++) {
        size_t n, o = 0;
        char got[1024] = "";
        if (cx_tokenizer_encode(cased, a->text, strlen(a->text), 0, v, NULL, 256, &n, NULL)) a->ok = 0;
        for (size_t i = 0; i < n; i++) o += (size_t)snprintf(got + o, sizeof got - o, " %d", (int)v[i]);
        if (strcmp(got, a->want) != 0) a->ok = 0;
    }
    return NULL;
}

static void test_threads_share_one_tokenizer(void **state) {
    (void)state;
    static const char *const texts[4] = {"Hello world", "請幫我寫一個 Python 函數", "A, naïve [MASK] AllenNLP", "x\U0002B920y"};
    thread_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i].text = texts[i];
        int32_t v[256];
        size_t n, o = 0;
        args[i].want[0] = '\0';
        assert_int_equal(cx_tokenizer_encode(cased, texts[i], strlen(texts[i]), 0, v, NULL, 256, &n, NULL), CX_OK);
        for (size_t k = 0; k < n; k++) o += (size_t)snprintf(args[i].want + o, sizeof args[i].want - o, " %d", (int)v[k]);
        assert_int_equal(pthread_create(&th[i], NULL, encode_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].ok);
    }
}

/* Random bytes (mostly invalid UTF-8) never fail, never read out of bounds
 * (ASan), and always give [CLS] ... [SEP] with ids inside the vocabulary. */
static void test_random_bytes(void **state) {
    (void)state;
    uint64_t x = 88172645463325252ULL;
    char buf[400];
    int32_t v[1024];
    const cx_tokenizer *both[2] = {cased, uncased};
    for (int r = 0; r < 3000; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = x % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* a mix of ASCII, UTF-8 lead and continuation bytes, and '[' for added-token prefixes */
            static const char pool[] = "aZ9 [MASK]\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80\x80\xff\x00\t";
            buf[i] = (x >> 8) % 3 ? pool[(x >> 16) % (sizeof pool - 1)] : (char)(x >> 24);
        }
        for (int t = 0; t < 2; t++) {
            size_t n;
            assert_int_equal(cx_tokenizer_encode(both[t], buf, len, r % 7 ? 0 : 9, v, NULL, 1024, &n, NULL), CX_OK);
            assert_true(n >= 2);
            assert_int_equal(v[0], 101);
            assert_int_equal(v[n - 1], 102);
            for (size_t i = 0; i < n; i++)
                assert_true(v[i] >= 0 && (size_t)v[i] < cx_tokenizer_vocab_size(both[t]));
        }
    }
}

static void test_free_null(void **state) {
    (void)state;
    cx_tokenizer_free(NULL);
    assert_int_equal(cx_tokenizer_vocab_size(NULL), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_world),
        cmocka_unit_test(test_accents_cased_vs_uncased),
        cmocka_unit_test(test_chinese_split),
        cmocka_unit_test(test_controls_and_whitespace),
        cmocka_unit_test(test_punctuation),
        cmocka_unit_test(test_fullwidth_and_emoji),
        cmocka_unit_test(test_special_tokens_in_text),
        cmocka_unit_test(test_empty_text),
        cmocka_unit_test(test_wordpiece_continuation),
        cmocka_unit_test(test_hundred_char_rule),
        cmocka_unit_test(test_lowercase_full_mapping),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_threads_share_one_tokenizer),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
