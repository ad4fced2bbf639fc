#include "complexity/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/common.h"
#include "util/sbuf.h"

char *cx_path_join(const char *dir, const char *name) {
    sbuf b = SBUF_INIT;
    sbuf_puts(&b, dir);
    if (b.len && b.data[b.len - 1] != '/') sbuf_putc(&b, '/');
    sbuf_puts(&b, name);
    return sbuf_detach(&b);
}

char *cx_dirname(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int cx_mkdirs(const char *dir, cx_error *err) {
    char *p = strdup(dir);
    if (!p) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            cx_error_set(err, CX_ERR_IO, "%s: cannot create directory: %s", p, strerror(e));
            free(p);
            return CX_ERR_IO;
        }
        *s = saved;
        if (saved == '\0') break;
    }
    free(p);
    return CX_OK;
}

int cx_afile_open(cx_afile *af, const char *path, cx_error *err) {
    memset(af, 0, sizeof *af);
    char *dir = cx_dirname(path);
    if (!dir) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = cx_mkdirs(dir, err);
    free(dir);
    if (rc) return rc;
    sbuf tmp = SBUF_INIT;
    sbuf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    af->tmp_path = sbuf_detach(&tmp);
    af->path = strdup(path);
    if (!af->tmp_path || !af->path) {
        cx_afile_abort(af);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    af->f = fopen(af->tmp_path, "wb");
    if (!af->f) {
        int e = errno;
        cx_error_set(err, CX_ERR_IO, "%s: cannot write: %s", af->tmp_path, strerror(e));
        cx_afile_abort(af);
        return CX_ERR_IO;
    }
    return CX_OK;
}

int cx_afile_commit(cx_afile *af, cx_error *err) {
    int rc = CX_OK;
    if (fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0) {
        int e = errno;
        rc = cx_error_set(err, CX_ERR_IO, "%s: write failed: %s", af->path, strerror(e));
    }
    if (fclose(af->f) != 0 && rc == CX_OK) {
        int e = errno;
        rc = cx_error_set(err, CX_ERR_IO, "%s: write failed: %s", af->path, strerror(e));
    }
    af->f = NULL;
    if (rc == CX_OK && rename(af->tmp_path, af->path) != 0) {
        int e = errno;
        rc = cx_error_set(err, CX_ERR_IO, "%s: cannot rename into place: %s", af->path, strerror(e));
    }
    if (rc != CX_OK) unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    af->tmp_path = af->path = NULL;
    return rc;
}

void cx_afile_abort(cx_afile *af) {
    if (af->f) fclose(af->f);
    if (af->tmp_path) unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof *af);
}

int cx_read_file(const char *path, size_t max_bytes, char **data, size_t *len, cx_error *err) {
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return cx_error_set(err, e == ENOENT ? CX_ERR_NOT_FOUND : CX_ERR_IO,
                            "%s: cannot open: %s", path, strerror(e));
    }
    sbuf b = SBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max_bytes) {
            fclose(f);
            sbuf_free(&b);
            return cx_error_set(err, CX_ERR_FORMAT, "%s: larger than the %zu-byte limit", path, max_bytes);
        }
        sbuf_append(&b, chunk, n);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        sbuf_free(&b);
        return cx_error_set(err, CX_ERR_IO, "%s: read error", path);
    }
    size_t total = b.len;
    *data = sbuf_detach(&b);
    if (!*data) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    *len = total;
    return CX_OK;
}
