/* Character rules of the BERT normalizer and pre-tokenizer, as the Rust
 * `tokenizers` library applies them (SPEC §4).
 *
 * Rust takes categories from the `unicode_categories` crate (an old Unicode
 * version), lower-casing from the Rust standard library (a recent one) and NFD
 * from `unicode-normalization-alignments`. We take everything from utf8proc
 * and patch the code points where the two disagree with a generated table
 * (bert_unicode_overrides.h, made by tools/tokenizer_parity/gen_overrides.sh
 * from a probe of the Rust library over every code point). */
#ifndef CX_TEXT_BERT_UNICODE_H
#define CX_TEXT_BERT_UNICODE_H
#include <stdint.h>

enum {
    BU_DROP = 1u << 0,  /* removed by clean_text: U+0000, U+FFFD, categories Cc Cf Co (not \t \n \r) */
    BU_WS = 1u << 1,    /* whitespace: \t \n \r and White_Space (mapped to ' ', split on) */
    BU_PUNCT = 1u << 2, /* ASCII 33-47 58-64 91-96 123-126 or category P*: a token of its own */
    BU_CJK = 1u << 3    /* CJK ideograph range: spaces put around it */
};

/* Longest output of bu_map for one input character. */
#define BU_MAX_MAP 4

/* Class bits of cp (BU_*). */
unsigned bu_class(uint32_t cp);

/* What strip_accents (NFD, drop Mn) and/or lowercase (Rust char::to_lowercase,
 * full mapping: U+0130 -> "i\u0307") make of one character, in that order.
 * Writes up to BU_MAX_MAP code points to out; returns how many (0 = gone). */
int bu_map(uint32_t cp, int strip_accents, int lowercase, uint32_t out[BU_MAX_MAP]);

/* The same from utf8proc alone, without the override table: used only by the
 * tool that regenerates the table. */
unsigned bu_class_base(uint32_t cp);
int bu_map_base(uint32_t cp, int strip_accents, int lowercase, uint32_t out[BU_MAX_MAP]);

#endif
