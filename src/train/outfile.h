/* Small text files the trainers write into their output folder, atomically
 * (temp file + rename): whole files, and logs grown a line at a time. */
#ifndef CX_TRAIN_OUTFILE_H
#define CX_TRAIN_OUTFILE_H

#include "complexity/common.h"

/* dir/name := text + "\n". */
int outfile_write_text(const char *dir, const char *name, const char *text, cx_error *err);
/* Appends line + "\n" to path by rewriting the file whole through a temp
 * file, so a crash never leaves a torn line (files are small: a line per
 * epoch or per save). */
int outfile_append_line(const char *path, const char *line, cx_error *err);

#endif
