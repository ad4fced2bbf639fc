/* Writing a tokenizer as Hugging Face files: vocab.txt, tokenizer.json,
 * tokenizer_config.json, special_tokens_map.json. The layout follows what
 * transformers' BertTokenizerFast.save_pretrained writes, so
 * AutoTokenizer.from_pretrained(dir) and tokenizers.Tokenizer.from_file load it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/tok_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/json_out.h"
#include "util/sbuf.h"

static void put_str(sbuf *b, const char *s) { cx_json_put_string(b, s, strlen(s)); }

static const char *token_or_hole(const cx_tokenizer *tok, size_t id, char *buf, size_t cap) {
    if (tok->tokens[id]) return tok->tokens[id];
    snprintf(buf, cap, "[unused_hole_%zu]", id); /* ids without a token still need a line */
    return buf;
}

static int write_file(const char *dir, const char *name, const sbuf *b, cx_error *err) {
    if (b->oom) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer_save: out of memory");
    char *path = cx_path_join(dir, name);
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "tokenizer_save: out of memory");
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (!rc) {
        if (b->len && fwrite(b->data, 1, b->len, af.f) != b->len) {
            cx_afile_abort(&af);
            rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
        } else {
            rc = cx_afile_commit(&af, err);
        }
    }
    free(path);
    return rc;
}

static void put_template_piece(sbuf *b, const cx_tokenizer *tok, int32_t id, int type_id, int first) {
    sbuf_printf(b, "%s\n      {\"SpecialToken\": {\"id\": ", first ? "" : ",");
    put_str(b, tok->tokens[id]);
    sbuf_printf(b, ", \"type_id\": %d}}", type_id);
}

static void put_post_processor(sbuf *b, const cx_tokenizer *tok) {
    if (!tok->has_template) {
        sbuf_puts(b, "null");
        return;
    }
    sbuf_puts(b, "{\n    \"type\": \"TemplateProcessing\",\n    \"single\": [");
    int first = 1;
    for (size_t i = 0; i < tok->n_prefix; i++, first = 0) put_template_piece(b, tok, tok->prefix_ids[i], 0, first);
    sbuf_printf(b, "%s\n      {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}", first ? "" : ",");
    for (size_t i = 0; i < tok->n_suffix; i++) put_template_piece(b, tok, tok->suffix_ids[i], 0, 0);
    sbuf_puts(b, "\n    ],\n    \"pair\": [");
    first = 1;
    for (size_t i = 0; i < tok->n_prefix; i++, first = 0) put_template_piece(b, tok, tok->prefix_ids[i], 0, first);
    sbuf_printf(b, "%s\n      {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}", first ? "" : ",");
    for (size_t i = 0; i < tok->n_suffix; i++) put_template_piece(b, tok, tok->suffix_ids[i], 0, 0);
    sbuf_puts(b, ",\n      {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}");
    for (size_t i = 0; i < tok->n_suffix; i++) put_template_piece(b, tok, tok->suffix_ids[i], 1, 0);
    sbuf_puts(b, "\n    ],\n    \"special_tokens\": {");
    first = 1;
    for (size_t i = 0; i < tok->n_prefix + tok->n_suffix; i++) {
        int32_t id = i < tok->n_prefix ? tok->prefix_ids[i] : tok->suffix_ids[i - tok->n_prefix];
        int dup = 0; /* each name once */
        for (size_t j = 0; j < i; j++)
            dup |= (j < tok->n_prefix ? tok->prefix_ids[j] : tok->suffix_ids[j - tok->n_prefix]) == id;
        if (dup) continue;
        sbuf_printf(b, "%s\n      ", first ? "" : ",");
        put_str(b, tok->tokens[id]);
        sbuf_puts(b, ": {\"id\": ");
        put_str(b, tok->tokens[id]);
        sbuf_printf(b, ", \"ids\": [%d], \"tokens\": [", (int)id);
        put_str(b, tok->tokens[id]);
        sbuf_puts(b, "]}");
        first = 0;
    }
    sbuf_puts(b, "\n    }\n  }");
}

static void build_tokenizer_json(sbuf *b, const cx_tokenizer *tok) {
    const cx_tokenizer_options *o = &tok->opt;
    sbuf_puts(b, "{\n  \"version\": \"1.0\",\n  \"truncation\": ");
    if (tok->default_max_length)
        sbuf_printf(b, "{\"direction\": \"Right\", \"max_length\": %zu, \"strategy\": \"LongestFirst\", \"stride\": 0}",
                    tok->default_max_length);
    else
        sbuf_puts(b, "null");
    sbuf_puts(b, ",\n  \"padding\": null,\n  \"added_tokens\": [");
    for (size_t i = 0; i < tok->n_added; i++) {
        sbuf_printf(b, "%s\n    {\"id\": %d, \"content\": ", i ? "," : "", (int)tok->added[i].id);
        put_str(b, tok->added[i].content);
        sbuf_printf(b, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, "
                       "\"special\": %s}", tok->added[i].special ? "true" : "false");
    }
    sbuf_printf(b, "\n  ],\n  \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": %s, "
                   "\"handle_chinese_chars\": %s, \"strip_accents\": %s, \"lowercase\": %s},\n",
                o->clean_text ? "true" : "false", o->handle_chinese_chars ? "true" : "false",
                tok->strip_null ? "null" : o->strip_accents ? "true" : "false", o->lowercase ? "true" : "false");
    sbuf_puts(b, "  \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n  \"post_processor\": ");
    put_post_processor(b, tok);
    sbuf_puts(b, ",\n  \"decoder\": {\"type\": \"WordPiece\", \"prefix\": ");
    put_str(b, tok->prefix);
    sbuf_puts(b, ", \"cleanup\": true},\n  \"model\": {\n    \"type\": \"WordPiece\",\n    \"unk_token\": ");
    put_str(b, tok->unk_token);
    sbuf_puts(b, ",\n    \"continuing_subword_prefix\": ");
    put_str(b, tok->prefix);
    sbuf_printf(b, ",\n    \"max_input_chars_per_word\": %d,\n    \"vocab\": {", o->max_input_chars_per_word);
    int first = 1;
    for (size_t i = 0; i < tok->n_tokens; i++) {
        if (!tok->tokens[i]) continue;
        /* a repeated token keeps only the id the lookup uses */
        if (tok_table_find(tok, &tok->full, 0, tok->tokens[i], tok->token_len[i]) != (int32_t)i) continue;
        sbuf_puts(b, first ? "\n      " : ",\n      ");
        cx_json_put_string(b, tok->tokens[i], tok->token_len[i]);
        sbuf_printf(b, ": %zu", i);
        first = 0;
    }
    sbuf_puts(b, "\n    }\n  }\n}\n");
}

static void put_special_fields(sbuf *b, const cx_tokenizer *tok, const char *indent) {
    static const char *const keys[5] = {"pad_token", "unk_token", "cls_token", "sep_token", "mask_token"};
    int32_t ids[5] = {tok->special.pad, tok->unk_id, tok->special.cls, tok->special.sep, tok->special.mask};
    int first = 1;
    for (int i = 0; i < 5; i++) {
        if (ids[i] < 0) continue;
        sbuf_printf(b, "%s\n%s\"%s\": ", first ? "" : ",", indent, keys[i]);
        put_str(b, tok->tokens[ids[i]]);
        first = 0;
    }
}

int cx_tokenizer_save(const cx_tokenizer *tok, const char *dir, cx_error *err) {
    if (!tok || !dir) return cx_error_set(err, CX_ERR_INVALID, "tokenizer_save: NULL argument");
    int rc = cx_mkdirs(dir, err);
    if (rc) return rc;
    sbuf b = SBUF_INIT;
    char hole[48];
    for (size_t i = 0; i < tok->n_tokens; i++) {
        sbuf_puts(&b, token_or_hole(tok, i, hole, sizeof hole));
        sbuf_putc(&b, '\n');
    }
    rc = write_file(dir, "vocab.txt", &b, err);
    sbuf_reset(&b);
    if (!rc) {
        build_tokenizer_json(&b, tok);
        rc = write_file(dir, "tokenizer.json", &b, err);
        sbuf_reset(&b);
    }
    if (!rc) {
        const cx_tokenizer_options *o = &tok->opt;
        sbuf_printf(&b, "{\n  \"clean_up_tokenization_spaces\": true,\n  \"do_basic_tokenize\": true,\n"
                        "  \"do_lower_case\": %s,\n  \"model_max_length\": %zu,\n  \"never_split\": null,\n"
                        "  \"strip_accents\": %s,\n  \"tokenize_chinese_chars\": %s,\n"
                        "  \"tokenizer_class\": \"BertTokenizer\",",
                    o->lowercase ? "true" : "false", tok->default_max_length ? tok->default_max_length : 512,
                    tok->strip_null ? "null" : o->strip_accents ? "true" : "false",
                    o->handle_chinese_chars ? "true" : "false");
        put_special_fields(&b, tok, "  ");
        sbuf_puts(&b, "\n}\n");
        rc = write_file(dir, "tokenizer_config.json", &b, err);
        sbuf_reset(&b);
    }
    if (!rc) {
        sbuf_puts(&b, "{");
        put_special_fields(&b, tok, "  ");
        sbuf_puts(&b, "\n}\n");
        rc = write_file(dir, "special_tokens_map.json", &b, err);
    }
    sbuf_free(&b);
    return rc;
}
