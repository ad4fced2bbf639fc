/* The library's file helpers, offered to hosts so that theirs behave the
 * same: files written atomically (temp file + rename, so a crash never leaves
 * a half-written file under the final name), directories, bounded whole-file
 * reads. */
#ifndef COMPLEXITY_FILEIO_H
#define COMPLEXITY_FILEIO_H

#include <stdio.h>

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_afile {
    FILE *f;          /* write through this */
    char *path;       /* final name */
    char *tmp_path;   /* "<path>.tmp.<pid>" beside it */
} cx_afile;

/* Creates the temp file (and missing parent directories). */
CX_API int cx_afile_open(cx_afile *af, const char *path, cx_error *err);
/* Flushes, fsyncs and renames into place. Always releases af. */
CX_API int cx_afile_commit(cx_afile *af, cx_error *err);
/* Removes the temp file. Safe on a closed or zeroed af. */
CX_API void cx_afile_abort(cx_afile *af);

/* mkdir -p. */
CX_API int cx_mkdirs(const char *dir, cx_error *err);
/* The directory part of a path ("." when none), newly allocated. */
CX_API char *cx_dirname(const char *path);
/* dir + "/" + name, newly allocated. */
CX_API char *cx_path_join(const char *dir, const char *name);

/* Reads a whole file (at most max_bytes) into a new NUL-terminated buffer. */
CX_API int cx_read_file(const char *path, size_t max_bytes, char **data, size_t *len, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
