/* Compiling one template or slot value (see tmpl_expr.c for the syntax). */
#ifndef CX_DATA_TMPL_EXPR_H
#define CX_DATA_TMPL_EXPR_H

#include "data/tmpl_int.h"

/* Compiles s[0..n) into *out (nodes in mem). `line` is the first line of the
 * text, for error messages; multiline: the text came from a <<< >>> block. */
int tmpl_compile(arena *mem, const char *file, int line, int multiline, const char *s, size_t n, tseq *out,
                 cx_error *err);

#endif
