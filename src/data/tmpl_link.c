/* Linking parsed templates: resolves slot references by name and checks the
 * whole set, so that generation itself can never fail on a bad template. */
#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "data/tmpl_int.h"
#include "complexity/common.h"
#include "util/strset.h"

typedef struct linker {
    cx_templates *t;
    strset names;      /* slot name -> index */
    const char *file;  /* where the sequence being linked was written */
    cx_error *err;
} linker;

static int link_seq(linker *k, tseq *seq);

static int link_node(linker *k, tnode *node) {
    if (node->kind == TN_ALT) {
        for (size_t i = 0; i < node->u.alt.n; i++) {
            int rc = link_seq(k, &node->u.alt.alts[i]);
            if (rc) return rc;
        }
        return CX_OK;
    }
    if (node->kind != TN_SLOT) return CX_OK;
    const char *name = node->u.ref.name;
    strset_entry *e = strset_find(&k->names, name, strlen(name));
    if (!e)
        return cx_error_set(k->err, CX_ERR_FORMAT,
                            "%s:%d: unknown slot '{%s}' (define it with @slot, or write \\{ for a literal brace)",
                            k->file, node->line, name);
    node->u.ref.slot = e->value;
    tslot *s = &k->t->slots[e->value];
    if (node->u.ref.pick > s->max_pick) s->max_pick = node->u.ref.pick;
    return CX_OK;
}

static int link_seq(linker *k, tseq *seq) {
    for (size_t i = 0; i < seq->n; i++) {
        int rc = link_node(k, &seq->nodes[i]);
        if (rc) return rc;
    }
    return CX_OK;
}

static int check_family(linker *k, tfamily *f) {
    const char *missing = f->tier < 0 ? "tier" : f->intent < 0 ? "intent" : f->lang < 0 ? "lang" : NULL;
    if (missing)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: family '%s' has no '%s'", f->file, f->line, f->id, missing);
    if (f->n_templates == 0)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: family '%s' has no templates ('> ...' lines)", f->file,
                            f->line, f->id);
    int lo = (int)(cx_tier_score_lo[f->tier] * 10000 + 0.5), hi = (int)(cx_tier_score_hi[f->tier] * 10000 + 0.5);
    if (f->score_lo < 0) {
        f->score_lo = lo;
        f->score_hi = hi;
    } else if (f->score_lo < lo || f->score_hi > hi) {
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: family '%s': score range %.4g-%.4g is outside the %s range %.2f-%.2f",
                            f->file, f->line, f->id, f->score_lo / 1e4, f->score_hi / 1e4, cx_tier_names[f->tier],
                            lo / 1e4, hi / 1e4);
    }
    return CX_OK;
}

/* What a slot or template can expand to, worst case: its depth in slot
 * references and its size (bytes of text, plus one per node so that text-free
 * nodes count too), capped just above TMPL_MAX_EXPANSION. Keeps rendering
 * bounded: nested slots multiply ({a}{a} where a is {b}{b} ...). */
typedef struct extent {
    int depth;
    size_t size;
} extent;

/* Per slot, filled by visit: state 0 unseen, 1 on the current path, 2 done. */
typedef struct slot_extent {
    unsigned char state;
    extent e;
} slot_extent;

static size_t add_capped(size_t a, size_t b) { return a + b > TMPL_MAX_EXPANSION ? TMPL_MAX_EXPANSION + 1 : a + b; }

/* Depth-first search for a slot that can reach itself, measuring as it goes;
 * path is the number of slots above this one on the current path. */
static int visit(linker *k, size_t i, int path, slot_extent *se);

static int measure_seq(linker *k, const tseq *seq, int path, slot_extent *se, extent *out) {
    *out = (extent){0, 0};
    for (size_t j = 0; j < seq->n; j++) {
        const tnode *node = &seq->nodes[j];
        extent e = {0, node->kind == TN_TEXT ? node->u.text.n : node->kind == TN_NUM ? 21 : 1};
        int rc = CX_OK;
        if (node->kind == TN_SLOT) {
            rc = visit(k, (size_t)node->u.ref.slot, path + 1, se);
            e.depth = se[node->u.ref.slot].e.depth + 1;
            e.size = add_capped(e.size, se[node->u.ref.slot].e.size);
        } else if (node->kind == TN_ALT) {
            for (size_t a = 0; a < node->u.alt.n && !rc; a++) {
                extent alt;
                rc = measure_seq(k, &node->u.alt.alts[a], path, se, &alt);
                if (alt.depth > e.depth) e.depth = alt.depth;
                if (alt.size + 1 > e.size) e.size = add_capped(alt.size, 1);
            }
        }
        if (rc) return rc;
        if (e.depth > out->depth) out->depth = e.depth;
        out->size = add_capped(out->size, e.size);
    }
    return CX_OK;
}

static int visit(linker *k, size_t i, int path, slot_extent *se) {
    if (se[i].state == 2) return CX_OK;
    tslot *s = &k->t->slots[i];
    if (se[i].state == 1)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s' refers to itself through other slots", s->file,
                            s->line, s->name);
    if (path > TMPL_MAX_SLOT_DEPTH) /* before recursing further: the stack stays shallow */
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s': slot references nest deeper than the limit of %d",
                            s->file, s->line, s->name, TMPL_MAX_SLOT_DEPTH);
    se[i].state = 1;
    for (size_t v = 0; v < s->n_values; v++) {
        extent e;
        int rc = measure_seq(k, &s->values[v], path, se, &e);
        if (rc) return rc;
        if (e.depth > se[i].e.depth) se[i].e.depth = e.depth;
        if (e.size > se[i].e.size) se[i].e.size = e.size;
    }
    se[i].state = 2;
    if (se[i].e.depth > TMPL_MAX_SLOT_DEPTH)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s': slot references nest deeper than the limit of %d",
                            s->file, s->line, s->name, TMPL_MAX_SLOT_DEPTH);
    if (se[i].e.size > TMPL_MAX_EXPANSION)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s' can expand to more than the limit of %d bytes",
                            s->file, s->line, s->name, TMPL_MAX_EXPANSION);
    return CX_OK;
}

/* Cycles, depth and size of every slot, then of every family's templates. */
static int check_extents(linker *k) {
    cx_templates *t = k->t;
    slot_extent *se = calloc(t->n_slots + 1, sizeof *se);
    if (!se) return cx_error_set(k->err, CX_ERR_NOMEM, "out of memory");
    int rc = CX_OK;
    for (size_t i = 0; i < t->n_slots && !rc; i++) rc = visit(k, i, 0, se);
    for (size_t i = 0; i < t->n_families && !rc; i++) {
        const tfamily *f = &t->families[i];
        for (size_t j = 0; j < f->n_templates && !rc; j++) {
            extent e;
            rc = measure_seq(k, &f->templates[j], 0, se, &e);
            if (!rc && e.size > TMPL_MAX_EXPANSION)
                rc = cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: family '%s': template %zu can expand to more than "
                                  "the limit of %d bytes", f->file, f->line, f->id, j + 1, TMPL_MAX_EXPANSION);
        }
    }
    free(se);
    return rc;
}

static int link_all(linker *k) {
    cx_templates *t = k->t;
    for (size_t i = 0; i < t->n_slots; i++) {
        int added;
        tslot *s = &t->slots[i];
        if (!strset_add(&k->names, s->name, strlen(s->name), (int)i, &added))
            return cx_error_set(k->err, CX_ERR_NOMEM, "out of memory");
        if (s->n_values == 0)
            return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s' has no values", s->file, s->line, s->name);
    }
    for (size_t i = 0; i < t->n_slots; i++) {
        k->file = t->slots[i].file;
        for (size_t v = 0; v < t->slots[i].n_values; v++) {
            int rc = link_seq(k, &t->slots[i].values[v]);
            if (rc) return rc;
        }
    }
    for (size_t i = 0; i < t->n_families; i++) {
        tfamily *f = &t->families[i];
        int rc = check_family(k, f);
        k->file = f->file;
        for (size_t j = 0; j < f->n_templates && !rc; j++) rc = link_seq(k, &f->templates[j]);
        if (rc) return rc;
    }
    for (size_t i = 0; i < t->n_slots; i++) {
        tslot *s = &t->slots[i];
        if ((size_t)s->max_pick > s->n_values)
            return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s' has %zu values but {%s:%d} needs %d distinct ones",
                                s->file, s->line, s->name, s->n_values, s->name, s->max_pick, s->max_pick);
    }
    return check_extents(k);
}

int tmpl_link(cx_templates *t, cx_error *err) {
    linker k = {t, {0}, "", err};
    strset_init(&k.names);
    int rc = link_all(&k);
    strset_free(&k.names);
    return rc;
}
