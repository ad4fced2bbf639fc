/* Tokenizer files: reading vocab.txt / tokenizer.json (one bad file per check),
 * refusing unsupported parts by name, and save -> reopen round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/tokenizer.h"
#include "testutil.h"

static char *tmp;

static int setup(void **state) {
    (void)state;
    tmp = tu_tmpdir("test_tokenizer_files");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(tmp);
    return 0;
}

static const char *ids(const cx_tokenizer *tok, const char *text) {
    static char out[4096];
    int32_t v[512];
    size_t n, o = 0;
    assert_int_equal(cx_tokenizer_encode(tok, text, strlen(text), 0, v, NULL, 512, &n, NULL), CX_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) o += (size_t)snprintf(out + o, sizeof out - o, i ? " %d" : "%d", (int)v[i]);
    return out;
}

static const char *BASE_JSON =
    "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [],\n"
    " \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true,"
    " \"strip_accents\": null, \"lowercase\": false},\n"
    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"post_processor\": null, \"decoder\": null,\n"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\","
    " \"max_input_chars_per_word\": 100, \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"##b\": 2}}}\n";

/* Writes BASE_JSON with `from` replaced by `to` and opens it. */
static int open_variant(const char *from, const char *to, cx_tokenizer **tok, cx_error *err) {
    char json[4096];
    const char *at = strstr(BASE_JSON, from);
    assert_non_null(at);
    snprintf(json, sizeof json, "%.*s%s%s", (int)(at - BASE_JSON), BASE_JSON, to, at + strlen(from));
    char *path = tu_path(tmp, "variant.json");
    tu_write_file(path, json, strlen(json));
    int rc = cx_tokenizer_open(path, tok, err);
    free(path);
    return rc;
}

static void expect_error(const char *from, const char *to, int code, const char *needle) {
    cx_tokenizer *tok = (cx_tokenizer *)1;
    cx_error err;
    int rc = open_variant(from, to, &tok, &err);
    if (rc != code || !strstr(err.msg, needle))
        fprintf(stderr, "replacing %s by %s: rc %d, message: %s\n", from, to, rc, err.msg);
    assert_int_equal(rc, code);
    assert_null(tok);
    assert_non_null(strstr(err.msg, needle));
}

static void test_json_minimal(void **state) {
    (void)state;
    cx_tokenizer *tok;
    cx_error err;
    assert_int_equal(open_variant("{", "{", &tok, &err), CX_OK);
    assert_string_equal(ids(tok, "ab a"), "1 2 1"); /* no post-processor: no specials */
    cx_tokenizer_free(tok);
}

static void test_json_added_token_ids(void **state) {
    (void)state;
    cx_tokenizer *tok;
    cx_error err;
    assert_int_equal(open_variant("\"added_tokens\": []",
                                  "\"added_tokens\": [{\"id\": 3, \"content\": \"<x>\"}, {\"id\": 0, \"content\": \"[UNK]\"}]",
                                  &tok, &err),
                     CX_OK);
    assert_int_equal(cx_tokenizer_vocab_size(tok), 4);
    assert_string_equal(cx_tokenizer_id_to_token(tok, 3), "<x>");
    assert_string_equal(ids(tok, "a<x>ab"), "1 3 1 2"); /* matched in the raw text before the pre-tokenizer */
    cx_tokenizer_free(tok);
}

static void test_json_refusals(void **state) {
    (void)state;
    expect_error("\"BertNormalizer\"", "\"NFC\"", CX_ERR_UNSUPPORTED, "normalizer type \"NFC\"");
    expect_error("\"BertPreTokenizer\"", "\"Whitespace\"", CX_ERR_UNSUPPORTED, "pre_tokenizer type \"Whitespace\"");
    expect_error("\"type\": \"WordPiece\"", "\"type\": \"BPE\"", CX_ERR_UNSUPPORTED, "model type \"BPE\"");
    expect_error("\"post_processor\": null", "\"post_processor\": {\"type\": \"RobertaProcessing\"}", CX_ERR_UNSUPPORTED,
                 "post_processor type \"RobertaProcessing\"");
    expect_error("\"version\"", "\"foo\": 1, \"version\"", CX_ERR_UNSUPPORTED, "top-level field \"foo\"");
    expect_error("\"truncation\": null", "\"truncation\": {\"direction\": \"Left\", \"max_length\": 8}",
                 CX_ERR_UNSUPPORTED, "truncation.direction \"Left\"");
    expect_error("\"added_tokens\": []",
                 "\"added_tokens\": [{\"id\": 0, \"content\": \"[UNK]\", \"lstrip\": true, \"special\": true}]",
                 CX_ERR_UNSUPPORTED, "lstrip");
    expect_error("\"added_tokens\": []",
                 "\"added_tokens\": [{\"id\": 3, \"content\": \"<x>\", \"normalized\": true}]", CX_ERR_UNSUPPORTED,
                 "normalized");
    expect_error("\"a\": 1", "\"a\": \"x\"", CX_ERR_FORMAT, "model.vocab");
    expect_error("\"added_tokens\": []", "\"added_tokens\": [{\"id\": 0, \"content\": \"[UNK]\", \"lstrip\": 1}]",
                 CX_ERR_FORMAT, "added_tokens[0]");
    expect_error("\"added_tokens\": []", "\"added_tokens\": [{\"id\": 9, \"content\": \"<x>\"}]", CX_ERR_FORMAT,
                 "would give this new token id 3");
    expect_error("\"a\": 1", "\"a\": 2", CX_ERR_FORMAT, "id 2 is given to two tokens");
    expect_error("\"a\": 1", "\"a\": -1", CX_ERR_FORMAT, "model.vocab");
    expect_error("\"[UNK]\": 0", "\"[UNKNOWN]\": 0", CX_ERR_FORMAT, "unk token \"[UNK]\"");
    expect_error("\"lowercase\": false", "\"lowercase\": \"no\"", CX_ERR_FORMAT, "normalizer.lowercase");
    expect_error("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": 0", CX_ERR_FORMAT,
                 "model.max_input_chars_per_word");
    expect_error("\"unk_token\": \"[UNK]\"", "\"unk_token\": 5", CX_ERR_FORMAT, "model.unk_token");
    expect_error("\"pre_tokenizer\"", "\"pre_tokenizer\" ::", CX_ERR_FORMAT, "variant.json:3: invalid JSON");
    expect_error("\"post_processor\": null",
                 "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"Sequence\": {\"id\": \"B\"}}]}",
                 CX_ERR_UNSUPPORTED, "Sequence A");
}

static void test_vocab_txt_errors(void **state) {
    (void)state;
    cx_tokenizer *tok;
    cx_error err;
    char *path = tu_path(tmp, "vocab.txt");
    tu_write_file(path, "[UNK]\nab\xff\n", 10);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "vocab.txt:2: token is not valid UTF-8"));
    tu_write_file(path, "a\nb\n", 4);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "unk token"));
    tu_write_file(path, "", 0);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "empty vocabulary"));
    /* CRLF and a missing final newline are fine */
    tu_write_file(path, "[UNK]\r\n[CLS]\r\n[SEP]\r\nab\r\n##c", 28);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_OK);
    assert_string_equal(ids(tok, "abc"), "1 3 4 2");
    assert_int_equal(cx_tokenizer_vocab_size(tok), 5);
    cx_tokenizer_free(tok);
    /* tokenizer_config.json beside vocab.txt: do_lower_case */
    char *cfg = tu_path(tmp, "tokenizer_config.json");
    tu_write_file(cfg, "{\"do_lower_case\": true}", 23);
    assert_int_equal(cx_tokenizer_open(tmp, &tok, &err), CX_OK);
    assert_string_equal(ids(tok, "ABC"), "1 3 4 2");
    assert_int_equal(cx_tokenizer_get_options(tok).lowercase, 1);
    assert_int_equal(cx_tokenizer_get_options(tok).strip_accents, 1);
    cx_tokenizer_free(tok);
    remove(cfg);
    free(cfg);
    free(path);
    assert_int_equal(cx_tokenizer_open("/nonexistent/vocab.txt", &tok, &err), CX_ERR_NOT_FOUND);
    char *empty = tu_path(tmp, "empty-dir");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", empty);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cx_tokenizer_open(empty, &tok, &err), CX_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no tokenizer.json or vocab.txt"));
    free(empty);
}

/* No vocabulary entry may be longer than the longest piece WordPiece can
 * produce: 100 characters of at most 4 bytes, plus "##" (402 bytes). */
static void test_token_length_limit(void **state) {
    (void)state;
    cx_tokenizer *tok;
    cx_error err;
    char *path = tu_path(tmp, "vocab.txt");
    size_t n = 2000000;
    char *vocab = malloc(n + 32);
    size_t len = (size_t)sprintf(vocab, "[UNK]\n");
    memset(vocab + len, 'a', n);
    len += n;
    vocab[len++] = '\n';
    tu_write_file(path, vocab, len);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_ERR_FORMAT);
    assert_null(tok);
    assert_non_null(strstr(err.msg, "vocab.txt:2: token of 2000000 bytes, over the 402-byte limit"));
    /* at the limit: "##" and 100 four-byte characters */
    len = (size_t)sprintf(vocab, "[UNK]\n##");
    for (int i = 0; i < 100; i++) len += (size_t)sprintf(vocab + len, "\xF0\x9F\x98\x80");
    vocab[len++] = '\n';
    tu_write_file(path, vocab, len);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_OK);
    cx_tokenizer_free(tok);
    free(vocab);
    /* more lines than ids: refused before allocating a slot for each */
    size_t lines = (1u << 24) + 1;
    vocab = malloc(lines);
    memset(vocab, '\n', lines);
    tu_write_file(path, vocab, lines);
    assert_int_equal(cx_tokenizer_open(path, &tok, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "vocab.txt: 16777217 lines, more than the 16777216 tokens a vocabulary may hold"));
    free(vocab);
    free(path);
    /* tokenizer.json: the limit follows max_input_chars_per_word and the prefix */
    char key[600];
    memset(key, 'b', 500);
    snprintf(key + 500, sizeof key - 500, "\": 1");
    char to[700];
    snprintf(to, sizeof to, "\"%s", key);
    expect_error("\"a\": 1", to, CX_ERR_FORMAT, "model.vocab: token \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\" "
                 "(id 1) is 500 bytes, over the 402-byte limit");
    expect_error("\"max_input_chars_per_word\": 100, \"vocab\": {\"[UNK]\": 0, \"a\": 1",
                 "\"max_input_chars_per_word\": 100, \"vocab\": {\"[UNK]\": 0, \"a\": 16777215", CX_ERR_FORMAT,
                 "highest id 16777215 for 3 tokens");
    cx_tokenizer *ok;
    snprintf(to, sizeof to, "\"max_input_chars_per_word\": 125, \"vocab\": {\"[UNK]\": 0, \"%s", key);
    assert_int_equal(open_variant("\"max_input_chars_per_word\": 100, \"vocab\": {\"[UNK]\": 0, \"a\": 1", to, &ok, &err),
                     CX_OK);
    cx_tokenizer_free(ok);
}

static void roundtrip(const char *vocab_dir, const char *out_name, int lowercase, size_t max_len) {
    static const char *const texts[] = {"Hello world", "A, naïve [MASK] AllenNLP", "請幫我寫一個 Python 函數",
                                        "ΟΔΟΣ İstanbul ＡＢＣ！", "x\U0002B920y 😀"};
    cx_tokenizer *a, *b, *c;
    cx_error err;
    char *src = tu_path(tu_source_dir(), vocab_dir);
    char *dst = tu_path(tmp, out_name);
    assert_int_equal(cx_tokenizer_open(src, &a, &err), CX_OK);
    assert_int_equal(cx_tokenizer_save(a, dst, &err), CX_OK);
    assert_int_equal(cx_tokenizer_open(dst, &b, &err), CX_OK); /* reads tokenizer.json */
    char *vocab = tu_path(dst, "vocab.txt");
    assert_int_equal(cx_tokenizer_open(vocab, &c, &err), CX_OK); /* vocab.txt + tokenizer_config.json */
    assert_int_equal(cx_tokenizer_vocab_size(a), cx_tokenizer_vocab_size(b));
    assert_int_equal(cx_tokenizer_vocab_size(a), cx_tokenizer_vocab_size(c));
    assert_int_equal(cx_tokenizer_get_options(b).lowercase, lowercase);
    assert_int_equal(cx_tokenizer_get_options(c).lowercase, lowercase);
    assert_int_equal(cx_tokenizer_default_max_length(b), max_len);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char want[4096];
        snprintf(want, sizeof want, "%s", ids(a, texts[i]));
        assert_string_equal(ids(b, texts[i]), want);
        assert_string_equal(ids(c, texts[i]), want);
    }
    char *json_path = tu_path(dst, "tokenizer.json");
    size_t len;
    char *json = tu_read_file(json_path, &len);
    assert_non_null(strstr(json, "\"type\": \"TemplateProcessing\""));
    assert_non_null(strstr(json, "\"[MASK]\": 103"));
    free(json);
    free(json_path);
    free(vocab);
    free(src);
    free(dst);
    cx_tokenizer_free(a);
    cx_tokenizer_free(b);
    cx_tokenizer_free(c);
}

static void test_save_roundtrip_cased(void **state) {
    (void)state;
    roundtrip("tests/data/vocab/mbert-cased", "saved-cased", 0, 0);
}

static void test_save_roundtrip_uncased(void **state) {
    (void)state;
    roundtrip("tests/data/vocab/bert-uncased", "saved-uncased", 1, 128);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_minimal),
        cmocka_unit_test(test_json_added_token_ids),
        cmocka_unit_test(test_json_refusals),
        cmocka_unit_test(test_vocab_txt_errors),
        cmocka_unit_test(test_token_length_limit),
        cmocka_unit_test(test_save_roundtrip_cased),
        cmocka_unit_test(test_save_roundtrip_uncased),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
