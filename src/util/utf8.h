/* UTF-8 checks and decoding (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef CX_UTIL_UTF8_H
#define CX_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid sequence starting at s (1..4), or 0 when the bytes at s
 * are not a valid UTF-8 sequence. *cp receives the code point. n = bytes left. */
size_t cx_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Offset of the first invalid byte, or n when all of s[0..n) is valid. */
size_t cx_utf8_invalid_at(const char *s, size_t n);
/* Encodes cp into out (>= 4 bytes); returns the length. */
size_t cx_utf8_encode(uint32_t cp, char *out);
/* Number of code points of valid UTF-8 text. */
size_t cx_utf8_count(const char *s, size_t n);
/* CJK Unified Ideograph (the tokenizer's ranges, SPEC §4). */
int cx_is_cjk(uint32_t cp);

#endif
