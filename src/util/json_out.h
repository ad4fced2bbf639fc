/* Writing JSON the way Python's json.dumps(ensure_ascii=False) does, so our
 * files are byte-identical to the seed's format. */
#ifndef CX_UTIL_JSON_OUT_H
#define CX_UTIL_JSON_OUT_H

#include <stddef.h>

#include "util/sbuf.h"

/* Appends "..." with \" \\ \n \r \t \b \f and \u00XX for other C0 controls;
 * every other byte (UTF-8 included) is copied as is. */
void cx_json_put_string(sbuf *b, const char *s, size_t n);
/* Appends an object member's key as json.dumps separates it: "key": , with
 * ", " before it unless it is the first. */
void cx_json_put_key(sbuf *b, const char *key, int first);
/* Appends the shortest %g that reads back as the same double: 0.35, not
 * 0.34999999999999998 (no ".0" added to whole numbers). */
void cx_json_put_shortest(sbuf *b, double x);
/* Appends a score as Python's repr(round(x, 4)) prints it: 0.2341, 0.12, 0.0, 1.0. */
void cx_json_put_score4(sbuf *b, double x);

#endif
