/* Template files: line-oriented sections.
 *
 *   # comment                     whole lines only
 *   @slot NAME                    then one value a line, or <<< ... >>> blocks
 *   @family ID                    then keys (tier, intent, domains, lang,
 *                                 score, weight, noise) and templates:
 *   > one-line template           or a <<< ... >>> block
 *
 * The syntax inside values and templates is compiled by tmpl_expr.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "data/templates.h"
#include "data/tmpl_expr.h"
#include "complexity/common.h"
#include "util/utf8.h"

typedef struct parser {
    cx_templates *t;
    const char *file;
    int line;          /* current line number */
    tslot *slot;       /* section being filled, or NULL */
    tfamily *family;
    cx_error *err;
} parser;

static int grow(void **v, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, c * size);
    if (!p) return -1;
    *v = p;
    *cap = c;
    return 0;
}

static int fail(parser *p, const char *fmt, const char *arg) {
    char msg[CX_ERRMSG_MAX];
    snprintf(msg, sizeof msg, fmt, arg);
    return cx_error_set(p->err, CX_ERR_FORMAT, "%s:%d: %s", p->file, p->line, msg);
}

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) { (*s)++; (*n)--; }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static tslot *find_slot(cx_templates *t, const char *name) {
    for (size_t i = 0; i < t->n_slots; i++)
        if (strcmp(t->slots[i].name, name) == 0) return &t->slots[i];
    return NULL;
}

static int add_text(parser *p, const char *s, size_t n, int multiline, int first_line) {
    tseq seq;
    int rc = tmpl_compile(&p->t->mem, p->file, first_line, multiline, s, n, &seq, p->err);
    if (rc) return rc;
    if (p->slot) {
        tslot *sl = p->slot;
        if (grow((void **)&sl->values, &sl->cap_values, sl->n_values, sizeof(tseq))) goto oom;
        sl->values[sl->n_values++] = seq;
    } else {
        tfamily *f = p->family;
        if (grow((void **)&f->templates, &f->cap_templates, f->n_templates, sizeof(tseq))) goto oom;
        f->templates[f->n_templates++] = seq;
    }
    return CX_OK;
oom:
    return cx_error_set(p->err, CX_ERR_NOMEM, "out of memory");
}

static int start_slot(parser *p, const char *name) {
    cx_templates *t = p->t;
    tslot *old = find_slot(t, name);
    if (old) {
        char msg[256];
        snprintf(msg, sizeof msg, "slot '%.60s' is already defined at %.80s:%d", name, old->file, old->line);
        return fail(p, "%s", msg);
    }
    if (t->n_slots == TMPL_MAX_SLOTS) /* each new name is checked against all before it: keep that cheap */
        return cx_error_set(p->err, CX_ERR_FORMAT, "%s:%d: more than the limit of %d slots", p->file, p->line,
                            TMPL_MAX_SLOTS);
    if (grow((void **)&t->slots, &t->cap_slots, t->n_slots, sizeof(tslot)))
        return cx_error_set(p->err, CX_ERR_NOMEM, "out of memory");
    tslot *s = &t->slots[t->n_slots++];
    memset(s, 0, sizeof *s);
    s->name = arena_strndup(&t->mem, name, strlen(name));
    s->file = p->file;
    s->line = p->line;
    p->slot = s;
    p->family = NULL;
    return s->name ? CX_OK : cx_error_set(p->err, CX_ERR_NOMEM, "out of memory");
}

static int start_family(parser *p, const char *id) {
    cx_templates *t = p->t;
    for (size_t i = 0; i < t->n_families; i++)
        if (strcmp(t->families[i].id, id) == 0) return fail(p, "family '%.100s' is defined twice", id);
    if (t->n_families == TMPL_MAX_SLOTS)
        return cx_error_set(p->err, CX_ERR_FORMAT, "%s:%d: more than the limit of %d families", p->file, p->line,
                            TMPL_MAX_SLOTS);
    if (grow((void **)&t->families, &t->cap_families, t->n_families, sizeof(tfamily)))
        return cx_error_set(p->err, CX_ERR_NOMEM, "out of memory");
    tfamily *f = &t->families[t->n_families++];
    memset(f, 0, sizeof *f);
    f->id = arena_strndup(&t->mem, id, strlen(id));
    f->file = p->file;
    f->line = p->line;
    f->tier = f->intent = f->lang = -1;
    f->score_lo = f->score_hi = -1;
    f->weight = 1.0;
    f->noise = 1;
    p->family = f;
    p->slot = NULL;
    return f->id ? CX_OK : cx_error_set(p->err, CX_ERR_NOMEM, "out of memory");
}

static int parse_score_range(parser *p, const char *v) {
    double lo, hi;
    char extra;
    /* in [0, 1] before the conversion to ten-thousandths: (int)1e300 is undefined */
    if (sscanf(v, "%lf %lf %c", &lo, &hi, &extra) != 2 || !(0 <= lo && lo <= hi && hi <= 1))
        return fail(p, "score: expected two numbers 0 <= LO <= HI <= 1, got '%.60s'", v);
    tfamily *f = p->family;
    f->score_lo = (int)(lo * 10000.0 + 0.5);
    f->score_hi = (int)(hi * 10000.0 + 0.5);
    return CX_OK;
}

static int parse_domains(parser *p, char *v) {
    tfamily *f = p->family;
    f->domains = 0;
    if (strcmp(v, "none") == 0) return CX_OK;
    for (char *save = NULL, *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        int d = cx_domain_from_name(tok, strlen(tok));
        if (d < 0) return fail(p, "domains: unknown domain '%.40s' (code math data system creative, or none)", tok);
        f->domains |= 1u << d;
    }
    return CX_OK;
}

static int parse_label(parser *p, const char *key, const char *v, int (*lookup)(const char *, size_t), int *out) {
    *out = lookup(v, strlen(v));
    if (*out >= 0) return CX_OK;
    char msg[128];
    snprintf(msg, sizeof msg, "%s: unknown value '%.40s'", key, v);
    return fail(p, "%s", msg);
}

static int parse_key(parser *p, char *line) {
    char *v = line;
    while (*v && !isspace((unsigned char)*v)) v++;
    if (*v) *v++ = '\0';
    while (isspace((unsigned char)*v)) v++;
    char *hash = strstr(v, " #"); /* trailing comments are allowed on key lines */
    if (hash) *hash = '\0';
    for (size_t n = strlen(v); n && isspace((unsigned char)v[n - 1]); n--) v[n - 1] = '\0';
    tfamily *f = p->family;
    if (strcmp(line, "tier") == 0) return parse_label(p, "tier", v, cx_tier_from_name, &f->tier);
    if (strcmp(line, "intent") == 0) return parse_label(p, "intent", v, cx_intent_from_name, &f->intent);
    if (strcmp(line, "lang") == 0) return parse_label(p, "lang", v, cx_lang_from_name, &f->lang);
    if (strcmp(line, "domains") == 0) return parse_domains(p, v);
    if (strcmp(line, "score") == 0) return parse_score_range(p, v);
    if (strcmp(line, "weight") == 0) {
        char *end;
        f->weight = strtod(v, &end);
        if (end == v || *end || !(f->weight > 0 && f->weight <= 1000))
            return fail(p, "weight: expected a number in (0, 1000], got '%.40s'", v);
        return CX_OK;
    }
    if (strcmp(line, "noise") == 0) {
        if (strcmp(v, "off") != 0 && strcmp(v, "on") != 0) return fail(p, "noise: expected on or off, got '%.40s'", v);
        f->noise = strcmp(v, "on") == 0;
        return CX_OK;
    }
    return fail(p, "unknown family key '%.40s' (tier intent domains lang score weight noise, or '> template')",
                line);
}

/* A directive line: "@slot NAME" or "@family ID". */
static int parse_directive(parser *p, char *line) {
    char kind[16], name[160], extra[2];
    int k = sscanf(line, "@%15s %159s %1s", kind, name, extra);
    if (k >= 3 && extra[0] != '#') return fail(p, "unexpected text after the name in '%.80s'", line);
    if (k < 2) return fail(p, "expected '@slot NAME' or '@family ID', got '%.80s'", line);
    if (strcmp(kind, "slot") == 0) {
        for (const char *c = name; *c; c++)
            if (!(isalnum((unsigned char)*c) || *c == '_'))
                return fail(p, "slot names use letters, digits and '_': '%.60s'", name);
        return start_slot(p, name);
    }
    if (strcmp(kind, "family") == 0) return start_family(p, name);
    return fail(p, "unknown directive '@%.40s' (expected @slot or @family)", kind);
}

/* Reads the lines of a <<< block up to ">>>"; *pos advances past it. */
static int parse_block(parser *p, const char *text, size_t len, size_t *pos) {
    int first = p->line + 1;
    size_t start = *pos, i = *pos;
    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n') eol++;
        p->line++;
        const char *l = text + i;
        size_t n = eol - i;
        trim(&l, &n);
        if (n == 3 && memcmp(l, ">>>", 3) == 0) {
            size_t body = i > start ? i - start - 1 : 0; /* drop the last '\n' */
            *pos = eol < len ? eol + 1 : eol;
            if (body == 0) return fail(p, "%s", "empty <<< >>> block");
            return add_text(p, text + start, body, 1, first);
        }
        i = eol < len ? eol + 1 : eol;
    }
    p->line = first - 1;
    return fail(p, "%s", "'<<<' block is never closed by '>>>'");
}

static int parse_line(parser *p, const char *text, size_t len, size_t *pos, const char *l, size_t n) {
    if (n == 0 || l[0] == '#') return CX_OK;
    if (l[0] == '@') {
        char buf[512];
        if (n >= sizeof buf) return fail(p, "%s", "directive line too long");
        memcpy(buf, l, n);
        buf[n] = '\0';
        return parse_directive(p, buf);
    }
    if (!p->slot && !p->family) return fail(p, "%s", "text outside any @slot or @family section");
    if (n == 3 && memcmp(l, "<<<", 3) == 0) return parse_block(p, text, len, pos);
    if (p->slot) return add_text(p, l, n, 0, p->line);
    if (l[0] == '>') {
        l++, n--;
        trim(&l, &n);
        if (n == 0) return fail(p, "%s", "empty template");
        return add_text(p, l, n, 0, p->line);
    }
    char buf[512];
    if (n >= sizeof buf) return fail(p, "%s", "family key line too long");
    memcpy(buf, l, n);
    buf[n] = '\0';
    return parse_key(p, buf);
}

/* Templates become dataset records, which must be UTF-8 without NUL
 * characters (the record reader refuses both): so must the file. */
static int check_text(parser *p, const char *text, size_t len) {
    size_t bad = cx_utf8_invalid_at(text, len);
    const char *nul = memchr(text, '\0', bad);
    if (nul) bad = (size_t)(nul - text);
    if (bad == len) return CX_OK;
    p->line = 1;
    for (size_t i = 0; i < bad; i++) p->line += text[i] == '\n';
    return fail(p, "%s", nul ? "contains a NUL byte" : "invalid UTF-8");
}

int tmpl_parse(cx_templates *t, const char *file, const char *text, size_t len, cx_error *err) {
    parser p = {t, arena_strndup(&t->mem, file, strlen(file)), 0, NULL, NULL, err};
    if (!p.file) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = check_text(&p, text, len);
    if (rc) return rc;
    p.line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n') eol++;
        p.line++;
        const char *l = text + pos;
        size_t n = eol - pos;
        pos = eol < len ? eol + 1 : eol;
        trim(&l, &n);
        rc = parse_line(&p, text, len, &pos, l, n);
        if (rc) return rc;
    }
    return CX_OK;
}
