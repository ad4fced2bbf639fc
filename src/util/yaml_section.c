/* One top-level YAML section rewritten in place (yaml_section.h). */
#include "util/yaml_section.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "complexity/fileio.h"
#include "util/sbuf.h"

enum { SECTION_FILE_MAX_BYTES = 1 << 20 };

/* The end of the line starting at i, and where the next one starts. */
static size_t line_end(const char *doc, size_t len, size_t i, size_t *next) {
    size_t e = i;
    while (e < len && doc[e] != '\n') e++;
    *next = e < len ? e + 1 : len;
    return e;
}

/* Where the block-style top-level section `key:` starts and ends in doc: from
 * its key line to the next line that starts at column 0 with anything but a
 * comment or a blank (the next section), or the end. Comment lines at column
 * 0 just before the next section stay with that section; a flow mapping
 * continued on indented lines is replaced whole. 0 when there is none. */
static int find_section(const char *doc, size_t len, const char *key, size_t *start, size_t *end) {
    const size_t klen = strlen(key);
    for (size_t i = 0, next; i < len; i = next) {
        size_t eol = line_end(doc, len, i, &next), j = i + klen;
        if (eol - i < klen || memcmp(doc + i, key, klen) != 0) continue;
        while (j < eol && doc[j] == ' ') j++;
        if (j >= eol || doc[j] != ':') continue;
        *start = i;
        size_t keep = next; /* end of the last line that belongs to the section */
        for (size_t k = next, after; k < len; k = after) {
            size_t e = line_end(doc, len, k, &after);
            int blank = e == k || doc[k] == '\r';
            if (!blank && doc[k] != ' ' && doc[k] != '\t' && doc[k] != '#') break;
            if (!blank && doc[k] != '#') keep = after; /* an indented line: the section's */
        }
        *end = keep;
        return 1;
    }
    return 0;
}

static char *replace_section(const char *doc, size_t len, const char *key, const char *section) {
    sbuf b = SBUF_INIT;
    size_t start, end;
    if (find_section(doc, len, key, &start, &end)) {
        sbuf_append(&b, doc, start);
        sbuf_puts(&b, section);
        sbuf_append(&b, doc + end, len - end);
    } else {
        sbuf_append(&b, doc, len);
        if (len && doc[len - 1] != '\n') sbuf_putc(&b, '\n');
        sbuf_puts(&b, section);
    }
    return sbuf_detach(&b);
}

static int write_whole(const char *path, const char *text, cx_error *err) {
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc != CX_OK) return rc;
    size_t n = strlen(text);
    if (fwrite(text, 1, n, af.f) != n) {
        cx_afile_abort(&af);
        return cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
    }
    return cx_afile_commit(&af, err);
}

int yaml_write_section(const char *path, const char *key, const char *section, yaml_check_fn check, void *ctx,
                       cx_error *err) {
    char *doc = NULL;
    size_t len = 0;
    struct stat sb;
    if (stat(path, &sb) == 0) { /* else: a new file */
        int rc = cx_read_file(path, SECTION_FILE_MAX_BYTES, &doc, &len, err);
        if (rc) return rc;
    }
    char *text = replace_section(doc ? doc : "", len, key, section);
    free(doc);
    if (!text) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    int rc = check ? check(text, strlen(text), ctx, err) : CX_OK;
    if (rc == CX_OK) rc = write_whole(path, text, err);
    free(text);
    return rc;
}
