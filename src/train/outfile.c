/* Text files of the trainers' output folders (outfile.h). */
#include "train/outfile.h"

#include <stdio.h>
#include <stdlib.h>

#include "complexity/fileio.h"

int outfile_write_text(const char *dir, const char *name, const char *text, cx_error *err) {
    char *path = cx_path_join(dir, name);
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc == CX_OK) {
        fputs(text, af.f);
        fputc('\n', af.f);
        rc = cx_afile_commit(&af, err);
    }
    free(path);
    return rc;
}

int outfile_append_line(const char *path, const char *line, cx_error *err) {
    char *old = NULL;
    size_t len = 0;
    cx_error ignore;
    cx_read_file(path, 64 << 20, &old, &len, &ignore); /* none yet: a new file */
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc == CX_OK) {
        if (old) fwrite(old, 1, len, af.f);
        fputs(line, af.f);
        fputc('\n', af.f);
        rc = cx_afile_commit(&af, err);
    }
    free(old);
    return rc;
}
