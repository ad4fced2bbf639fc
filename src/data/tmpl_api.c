/* The public face of template sets: built-in, from files, counts, free. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/templates.h"
#include "data/tmpl_int.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

enum { MAX_TEMPLATE_FILE = 16 << 20 };

static int add_builtin(cx_templates *t, cx_error *err) {
    for (const cx_template_source *s = cx_builtin_templates; s->name; s++) {
        int rc = tmpl_parse(t, s->name, s->text, s->len, err);
        if (rc) return rc;
    }
    return CX_OK;
}

static int add_file(cx_templates *t, const char *path, cx_error *err) {
    char *text;
    size_t len;
    int rc = cx_read_file(path, MAX_TEMPLATE_FILE, &text, &len, err);
    if (rc) return rc;
    rc = tmpl_parse(t, path, text, len, err);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every *.tmpl of a directory, in name order so results never depend on readdir. */
static int add_dir(cx_templates *t, const char *dir, cx_error *err) {
    DIR *d = opendir(dir);
    if (!d) return cx_error_set(err, CX_ERR_IO, "%s: cannot open directory", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = CX_OK;
    struct dirent *e;
    while ((e = readdir(d)) && rc == CX_OK) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".tmpl") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(names, cap * sizeof *v);
            if (!v) { rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory"); break; }
            names = v;
        }
        if (!(names[n] = cx_path_join(dir, e->d_name))) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        else n++;
    }
    closedir(d);
    if (rc == CX_OK && n == 0) rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no *.tmpl files", dir);
    if (names) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == CX_OK; i++) rc = add_file(t, names[i], err);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int cx_templates_load(const char *path, int with_builtin, cx_templates **out, cx_error *err) {
    *out = NULL;
    cx_templates *t = calloc(1, sizeof *t);
    if (!t) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = with_builtin ? add_builtin(t, err) : CX_OK;
    if (rc == CX_OK && path) {
        struct stat st;
        if (stat(path, &st) != 0) rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s: no such file or directory", path);
        else rc = S_ISDIR(st.st_mode) ? add_dir(t, path, err) : add_file(t, path, err);
    }
    if (rc == CX_OK && t->n_families == 0) rc = cx_error_set(err, CX_ERR_FORMAT, "no template families found");
    if (rc == CX_OK) rc = tmpl_link(t, err);
    if (rc) {
        cx_templates_free(t);
        return rc;
    }
    *out = t;
    return CX_OK;
}

int cx_templates_builtin(cx_templates **out, cx_error *err) { return cx_templates_load(NULL, 1, out, err); }

void cx_templates_free(cx_templates *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n_slots; i++) free(t->slots[i].values);
    for (size_t i = 0; i < t->n_families; i++) free(t->families[i].templates);
    free(t->slots);
    free(t->families);
    arena_free(&t->mem);
    free(t);
}

size_t cx_templates_family_count(const cx_templates *t) { return t->n_families; }

size_t cx_templates_family_count_tier(const cx_templates *t, int tier) {
    size_t n = 0;
    for (size_t i = 0; i < t->n_families; i++) n += t->families[i].tier == tier;
    return n;
}

size_t cx_templates_family_count_lang(const cx_templates *t, int lang) {
    size_t n = 0;
    for (size_t i = 0; i < t->n_families; i++) n += t->families[i].lang == lang;
    return n;
}

const char *cx_templates_family_name(const cx_templates *t, size_t i) { return t->families[i].id; }
