/* Private layout of cx_tokenizer, shared by the files of src/text/. */
#ifndef CX_TEXT_TOK_INT_H
#define CX_TEXT_TOK_INT_H
#include <stddef.h>
#include <stdint.h>

#include "complexity/tokenizer.h"

/* Token string -> id, open addressing. Two tables: one keyed by the whole
 * token (word-initial pieces), one keyed by what follows the continuation
 * prefix (so "##ing" is found from "ing" without building a string). */
typedef struct tok_slot {
    uint32_t hash;
    int32_t id; /* -1: empty */
} tok_slot;

typedef struct tok_table {
    tok_slot *slots;
    size_t mask;      /* slot count - 1 (a power of two) */
    size_t max_bytes; /* longest key */
} tok_table;

/* An added token (special tokens), matched in the raw text before normalization. */
typedef struct tok_added {
    char *content;
    size_t len;
    int32_t id;
    int special;
} tok_added;

/* Per-character class cache of a tokenizer (bits of bert_unicode.h plus these). */
enum {
    TOK_IDENTITY = 1u << 4 /* bu_map(cp) == cp under this tokenizer's options */
};

struct cx_tokenizer {
    cx_tokenizer_options opt;   /* strip_accents resolved (never -1) */
    int strip_null;             /* the file said strip_accents: null */
    char **tokens;              /* (n_tokens) id -> token, NULL for holes; owned */
    uint32_t *token_len;        /* (n_tokens) bytes */
    size_t n_tokens;
    tok_table full;             /* token -> id */
    tok_table cont;             /* token minus prefix -> id, tokens that start with the prefix */
    char *unk_token;            /* owned */
    int32_t unk_id;
    char *prefix;               /* continuing_subword_prefix, owned ("##") */
    size_t prefix_len;
    tok_added *added;           /* (n_added), owned */
    size_t n_added;
    uint8_t added_first[256];   /* 1 where some added token starts with this byte */
    int32_t *prefix_ids;        /* post-processor ids before the sequence ((n_prefix)) */
    size_t n_prefix;
    int32_t *suffix_ids;        /* post-processor ids after the sequence ((n_suffix)) */
    size_t n_suffix;
    int has_template;           /* a post-processor was configured */
    cx_special_ids special;
    size_t default_max_length;  /* truncation.max_length of tokenizer.json, 0 = none */
    uint8_t *bmp_class;         /* (65536) class cache for U+0000..U+FFFF */
};

uint32_t tok_hash(const char *s, size_t n);
/* Finds s[0..n) in a table: the id, or -1. base_off = bytes to skip in the
 * stored tokens (prefix length for the cont table). */
int32_t tok_table_find(const cx_tokenizer *tok, const tok_table *t, size_t base_off, const char *s,
                       size_t n);

/* Allocates an empty tokenizer with the given vocabulary (tokens copied,
 * NULL entries are holes) and options; builds tables, specials, the default
 * [CLS] $A [SEP] template and the [PAD]..[MASK] added tokens found in the
 * vocabulary. unk_token / prefix: NULL = "[UNK]" / "##". Used by every way of opening one. */
int tok_create(const char *const *tokens, size_t n_tokens, const cx_tokenizer_options *opt,
               const char *unk_token, const char *prefix, cx_tokenizer **out, cx_error *err);
/* Rebuilds the lookup tables and class cache (after tokens or options change). */
int tok_finish(cx_tokenizer *tok, cx_error *err);
/* Replaces the added tokens / post-processor template (copies). */
int tok_set_added(cx_tokenizer *tok, const tok_added *added, size_t n, cx_error *err);
int tok_set_template(cx_tokenizer *tok, const int32_t *pre, size_t n_pre, const int32_t *post,
                     size_t n_post, cx_error *err);

/* Runs the normalizer and pre-tokenizer only: fn gets each word in order
 * (UTF-8, its character count, and whether it exceeds max_input_chars_per_word,
 * in which case only its first characters are given). Added tokens are skipped. */
typedef void (*tok_word_fn)(void *ctx, const char *word, size_t len, size_t chars, int too_long);
int tok_pretokenize(const cx_tokenizer *tok, const char *text, size_t len, tok_word_fn fn, void *ctx,
                    cx_error *err);

/* tokenizer.json reading / writing (tokenizer_json.c). */
int tok_load_json(const char *path, cx_tokenizer **out, cx_error *err);
int tok_load_vocab_txt(const char *path, const char *config_path, cx_tokenizer **out, cx_error *err);

#endif
