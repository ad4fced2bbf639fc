/* Compiles one template or slot value into a node sequence.
 *
 * Special forms: {name} {name:K} {#A-B} {+}, [alt|alt|...], and backslash
 * escapes. A '{' or '[' that does not start a well-formed form is plain text,
 * so pasted code ("arr[0]", JSON objects) survives untouched; a {word} that
 * looks like a slot reference but names no slot is an error at link time. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "data/tmpl_expr.h"
#include "complexity/common.h"
#include "util/sbuf.h"

typedef struct expr_ctx {
    arena *mem;
    const char *file;
    int line;
    int multiline;   /* inside <<< >>>: "\n" stays literal */
    cx_error *err;
} expr_ctx;

typedef struct node_list {
    tnode *v;
    size_t n, cap;
} node_list;

static int push_node(node_list *l, tnode node) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        tnode *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = node;
    return 0;
}

/* Finds the ']' closing the '[' at s[0] and whether a top-level '|' occurs.
 * Gives up (*too_deep) past TMPL_MAX_NESTING levels: that bounds the
 * recursion of parse_alt, and the scans from all the '[' of a text cost
 * O(TMPL_MAX_NESTING * length) instead of O(length^2). */
static const char *match_bracket(const char *s, const char *end, int *has_bar, int *too_deep) {
    int depth = 0;
    *has_bar = *too_deep = 0;
    for (const char *p = s; p < end; p++) {
        if (*p == '\\' && p + 1 < end) { p++; continue; }
        if (*p == '[' && ++depth > TMPL_MAX_NESTING) { *too_deep = 1; return NULL; }
        else if (*p == ']' && --depth == 0) return p;
        else if (*p == '|' && depth == 1) *has_bar = 1;
    }
    return NULL;
}

static int is_name(const char *s, size_t n) {
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
    return 1;
}

/* Parses the inside of {...}; returns 1 and fills *node when it is a form. */
static int parse_brace(expr_ctx *c, const char *s, size_t n, tnode *node) {
    memset(node, 0, sizeof *node);
    node->line = c->line;
    if (n == 1 && s[0] == '+') { node->kind = TN_PLUS; return 1; }
    if (n >= 4 && s[0] == '#') {
        char buf[64];
        if (n >= sizeof buf) return 0;
        memcpy(buf, s + 1, n - 1);
        buf[n - 1] = '\0';
        char *dash, *endp;
        long lo = strtol(buf, &dash, 10);
        if (dash == buf || *dash != '-') return 0;
        long hi = strtol(dash + 1, &endp, 10);
        if (endp == dash + 1 || *endp || hi < lo) return 0;
        node->kind = TN_NUM;
        node->u.num.lo = lo;
        node->u.num.hi = hi;
        return 1;
    }
    const char *colon = memchr(s, ':', n);
    size_t name_len = colon ? (size_t)(colon - s) : n;
    if (!is_name(s, name_len)) return 0;
    int pick = 0;
    if (colon) {
        size_t k = n - name_len - 1;
        if (k == 0 || k > 2) return 0;
        for (size_t i = 0; i < k; i++)
            if (!isdigit((unsigned char)colon[1 + i])) return 0;
        pick = atoi(colon + 1);
        if (pick < 1) return 0;
    }
    node->kind = TN_SLOT;
    node->u.ref.name = arena_strndup(c->mem, s, name_len);
    node->u.ref.slot = -1;
    node->u.ref.pick = pick;
    return node->u.ref.name != NULL;
}

static int parse_seq(expr_ctx *c, const char **pp, const char *end, int in_alt, tseq *out);

static int flush_text(expr_ctx *c, sbuf *text, node_list *l) {
    if (text->len == 0) return 0;
    tnode node = {.kind = TN_TEXT, .line = c->line};
    node.u.text.s = arena_strndup(c->mem, text->data, text->len);
    node.u.text.n = text->len;
    sbuf_reset(text);
    return node.u.text.s && !text->oom ? push_node(l, node) : -1;
}

static int parse_alt(expr_ctx *c, const char **pp, const char *close, tnode *node) {
    tseq alts[64];
    size_t n = 0;
    const char *p = *pp + 1; /* after '[' */
    for (;;) {
        if (n == sizeof alts / sizeof alts[0])
            return cx_error_set(c->err, CX_ERR_FORMAT, "%s:%d: more than 64 alternatives in one [...]", c->file,
                                c->line);
        int rc = parse_seq(c, &p, close, 1, &alts[n++]);
        if (rc) return rc;
        if (p >= close) break;
        p++; /* skip '|' */
    }
    memset(node, 0, sizeof *node);
    node->kind = TN_ALT;
    node->line = c->line;
    node->u.alt.alts = arena_alloc(c->mem, n * sizeof(tseq));
    if (!node->u.alt.alts) return cx_error_set(c->err, CX_ERR_NOMEM, "out of memory");
    memcpy(node->u.alt.alts, alts, n * sizeof(tseq));
    node->u.alt.n = n;
    *pp = close + 1;
    return CX_OK;
}

static int escape_char(expr_ctx *c, char next, char *out) {
    if (next == 'n' && !c->multiline) { *out = '\n'; return 1; }
    if (strchr("{}[]|\\# ", next)) { *out = next; return 1; }
    return 0;
}

static int parse_seq(expr_ctx *c, const char **pp, const char *end, int in_alt, tseq *out) {
    node_list l = {0};
    sbuf text = SBUF_INIT;
    const char *p = *pp;
    const char *brace = NULL; /* the first '}' at or after p (end: none), kept across '{'s: linear, not quadratic */
    int rc = CX_OK;
    while (p < end && rc == CX_OK) {
        char ch = *p, esc;
        if (in_alt && ch == '|') break;
        if (ch == '\\' && p + 1 < end && escape_char(c, p[1], &esc)) {
            sbuf_putc(&text, esc);
            p += 2;
            continue;
        }
        if (ch == '{') {
            if (!brace || brace < p) brace = memchr(p, '}', (size_t)(end - p));
            if (!brace) brace = end;
            const char *close = brace < end ? brace : NULL;
            tnode node;
            if (close && parse_brace(c, p + 1, (size_t)(close - p - 1), &node)) {
                if (flush_text(c, &text, &l) || push_node(&l, node)) rc = CX_ERR_NOMEM;
                p = close + 1;
                continue;
            }
        } else if (ch == '[') {
            int has_bar, too_deep;
            const char *close = match_bracket(p, end, &has_bar, &too_deep);
            if (too_deep) {
                rc = cx_error_set(c->err, CX_ERR_FORMAT, "%s:%d: brackets nest deeper than the limit of %d levels "
                                  "(write \\[ for a literal '[')", c->file, c->line, TMPL_MAX_NESTING);
                break;
            }
            if (close && has_bar) {
                tnode node;
                if (flush_text(c, &text, &l)) { rc = CX_ERR_NOMEM; break; }
                rc = parse_alt(c, &p, close, &node);
                if (rc == CX_OK && push_node(&l, node)) rc = CX_ERR_NOMEM;
                continue;
            }
        }
        sbuf_putc(&text, ch);
        p++;
    }
    if (rc == CX_OK && flush_text(c, &text, &l)) rc = CX_ERR_NOMEM;
    sbuf_free(&text);
    if (rc == CX_ERR_NOMEM) cx_error_set(c->err, rc, "out of memory");
    if (rc == CX_OK) {
        out->n = l.n;
        out->nodes = l.n ? arena_alloc(c->mem, l.n * sizeof(tnode)) : NULL;
        if (l.n && !out->nodes) rc = cx_error_set(c->err, CX_ERR_NOMEM, "out of memory");
        else if (l.n) memcpy(out->nodes, l.v, l.n * sizeof(tnode));
    }
    free(l.v);
    *pp = p;
    return rc;
}

int tmpl_compile(arena *mem, const char *file, int line, int multiline, const char *s, size_t n, tseq *out,
                 cx_error *err) {
    expr_ctx c = {mem, file, line, multiline, err};
    const char *p = s;
    return parse_seq(&c, &p, s + n, 0, out);
}
