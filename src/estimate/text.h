/* Text preparation for the heuristic: repairing invalid UTF-8 and lower-casing
 * as Python's str.lower() does, as far as it can change a keyword match. */
#ifndef CX_ESTIMATE_TEXT_H
#define CX_ESTIMATE_TEXT_H

#include <stddef.h>

#include "util/sbuf.h"

/* Copies s with every byte that does not start a valid UTF-8 sequence
 * replaced by U+FFFD. */
void cx_text_repair(const char *s, size_t n, sbuf *out);

/* Appends the lower-cased form of valid UTF-8 text to out: utf8proc's simple
 * mapping plus Python's one unconditional multi-character mapping (U+0130 'İ'
 * -> "i" U+0307). Python also applies Final_Sigma (Σ -> ς at a word end);
 * we always write σ: neither letter occurs in any keyword, so no match can
 * differ. Sets *n_cjk (U+4E00-9FFF, U+3400-4DBF) and *n_cp, counted on the
 * input, as SPEC §8 token_length wants. */
void cx_text_lower(const char *s, size_t n, sbuf *out, size_t *n_cjk, size_t *n_cp);

#endif
