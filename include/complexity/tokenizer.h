/* BERT WordPiece tokenizer, id for id the Hugging Face fast tokenizer (Rust
 * `tokenizers`) with a BertNormalizer, BertPreTokenizer, WordPiece model and
 * [CLS] A [SEP] post-processor (SPEC §4, docs/TOKENIZER.md).
 *
 * A cx_tokenizer is immutable after cx_tokenizer_open: any number of threads
 * may encode with one handle at the same time.
 *
 * Invalid UTF-8 in the input is never an error: each byte that does not start
 * a valid sequence becomes U+FFFD, which clean_text then drops (so invalid
 * bytes vanish; with clean_text off, U+FFFD is looked up like any character). */
#ifndef COMPLEXITY_TOKENIZER_H
#define COMPLEXITY_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_tokenizer cx_tokenizer;

/* Options of the BERT normalizer and WordPiece model. */
typedef struct cx_tokenizer_options {
    int clean_text;           /* drop controls, map whitespace to ' ' */
    int handle_chinese_chars; /* spaces around CJK ideographs */
    int strip_accents;        /* NFD then drop Mn; -1 = follow lowercase */
    int lowercase;
    int max_input_chars_per_word; /* longer words become the unk token (100) */
} cx_tokenizer_options;

/* The defaults of a cased BERT vocabulary: clean_text 1, handle_chinese_chars 1,
 * strip_accents -1, lowercase 0, max_input_chars_per_word 100. */
CX_API cx_tokenizer_options cx_tokenizer_default_options(void);

/* Opens a tokenizer from `path`: a folder holding tokenizer.json (preferred)
 * and/or vocab.txt, or one of those files. From vocab.txt alone the options
 * are the cased defaults unless tokenizer_config.json beside it says
 * do_lower_case / strip_accents / tokenize_chinese_chars. A tokenizer.json
 * part this implementation does not support is refused with
 * CX_ERR_UNSUPPORTED and a message naming it. On failure *out is NULL. */
CX_API int cx_tokenizer_open(const char *path, cx_tokenizer **out, cx_error *err);

/* Builds a tokenizer from vocabulary tokens (id = index) and options.
 * tokens are copied. The vocabulary must hold [UNK]; [CLS] [SEP] [PAD] [MASK]
 * are used when present. */
CX_API int cx_tokenizer_from_vocab(const char *const *tokens, size_t n_tokens, const cx_tokenizer_options *opt,
                                   cx_tokenizer **out, cx_error *err);

CX_API void cx_tokenizer_free(cx_tokenizer *tok);

/* Encodes text[0..len) (UTF-8) as [CLS] pieces [SEP]. With max_length > 0 the
 * result is truncated from the right to at most max_length ids (specials
 * included; max_length must then be >= the number of special tokens, 2);
 * max_length 0 = no limit. ids_out has room for `cap` ids; mask_out (may be
 * NULL) gets 1 per id. *n_out = number of ids. If cap is too small, returns
 * CX_ERR_INVALID with *n_out = the count needed. */
CX_API int cx_tokenizer_encode(const cx_tokenizer *tok, const char *text, size_t len, size_t max_length,
                               int32_t *ids_out, int32_t *mask_out, size_t cap, size_t *n_out, cx_error *err);

/* Encodes n texts into rows of max_length (> 0): ids (n, max_length) padded
 * with the pad id, mask (n, max_length) 1 for real ids and 0 for padding,
 * lens_out (n, may be NULL) the unpadded lengths. Texts are NUL-terminated
 * when lens is NULL. */
CX_API int cx_tokenizer_encode_batch(const cx_tokenizer *tok, const char *const *texts, const size_t *lens,
                                     size_t n, size_t max_length, int32_t *ids_out, int32_t *mask_out,
                                     size_t *lens_out, cx_error *err);

/* Vocabulary size (ids are 0..size-1; added tokens included). */
CX_API size_t cx_tokenizer_vocab_size(const cx_tokenizer *tok);
/* Token string of id (borrowed, valid until cx_tokenizer_free), NULL if out of range. */
CX_API const char *cx_tokenizer_id_to_token(const cx_tokenizer *tok, int32_t id);
/* Id of a token string, -1 when absent. */
CX_API int32_t cx_tokenizer_token_to_id(const cx_tokenizer *tok, const char *token);

/* Special ids, -1 when the vocabulary lacks them. */
typedef struct cx_special_ids {
    int32_t pad, unk, cls, sep, mask;
} cx_special_ids;
CX_API cx_special_ids cx_tokenizer_special_ids(const cx_tokenizer *tok);
CX_API cx_tokenizer_options cx_tokenizer_get_options(const cx_tokenizer *tok);
/* truncation.max_length of the tokenizer.json it was opened from, else 0. */
CX_API size_t cx_tokenizer_default_max_length(const cx_tokenizer *tok);
/* Sets it (0: none): the length a model was trained at, written by
 * cx_tokenizer_save as tokenizer.json's truncation and tokenizer_config.json's
 * model_max_length, and read by the classifier as its default. */
CX_API void cx_tokenizer_set_default_max_length(cx_tokenizer *tok, size_t max_length);

/* Writes dir/vocab.txt, dir/tokenizer.json, dir/tokenizer_config.json and
 * dir/special_tokens_map.json (creating dir), each atomically, in the format
 * Hugging Face's AutoTokenizer.from_pretrained and tokenizers' Tokenizer.from_file load. */
CX_API int cx_tokenizer_save(const cx_tokenizer *tok, const char *dir, cx_error *err);

/* Learning a WordPiece vocabulary from texts (BPE-style merges, as Hugging
 * Face's WordPieceTrainer does), cased BERT normalization. Layout of the ids:
 * [PAD]=0, [unused1]..[unused99]=1..99, [UNK]=100, [CLS]=101, [SEP]=102,
 * [MASK]=103 (the mBERT ids), then every character seen (word-initial form,
 * plus the "##" form for characters that can continue a word), then merged
 * pieces by merge order, up to vocab_size in all. Every character seen is kept
 * even when that exceeds vocab_size (then the vocabulary is larger). */
typedef struct cx_vocab_build_options {
    size_t vocab_size;     /* target size, including specials */
    size_t min_frequency;  /* a merge needs a pair seen this often (>= 1) */
    int lowercase;         /* 1: an uncased vocabulary (texts lower-cased and accents
                              stripped, by the tokenizer it returns too) */
} cx_vocab_build_options;

/* 30,000 tokens (BERT's size; build-vocab asks for --size), min_frequency 2, cased. */
CX_API cx_vocab_build_options cx_vocab_build_default_options(void);

CX_API int cx_tokenizer_build(const char *const *texts, const size_t *lens, size_t n_texts,
                              const cx_vocab_build_options *opt, cx_tokenizer **out, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
