/* Linking parsed templates: resolves slot references by name and checks the
 * whole set, so that generation itself can never fail on a bad template. */
#include <stdlib.h>
#include <string.h>

#include "complexity/labels.h"
#include "data/tmpl_int.h"
#include "util/error.h"
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

/* Depth-first search for a slot that can reach itself. */
static int visit(linker *k, size_t i, unsigned char *state);

static int visit_seq(linker *k, const tseq *seq, unsigned char *state) {
    for (size_t j = 0; j < seq->n; j++) {
        const tnode *node = &seq->nodes[j];
        int rc = CX_OK;
        if (node->kind == TN_SLOT) rc = visit(k, (size_t)node->u.ref.slot, state);
        else if (node->kind == TN_ALT)
            for (size_t a = 0; a < node->u.alt.n && !rc; a++) rc = visit_seq(k, &node->u.alt.alts[a], state);
        if (rc) return rc;
    }
    return CX_OK;
}

static int visit(linker *k, size_t i, unsigned char *state) {
    if (state[i] == 2) return CX_OK;
    tslot *s = &k->t->slots[i];
    if (state[i] == 1)
        return cx_error_set(k->err, CX_ERR_FORMAT, "%s:%d: slot '%s' refers to itself through other slots", s->file,
                            s->line, s->name);
    state[i] = 1;
    for (size_t v = 0; v < s->n_values; v++) {
        int rc = visit_seq(k, &s->values[v], state);
        if (rc) return rc;
    }
    state[i] = 2;
    return CX_OK;
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
    unsigned char *state = calloc(t->n_slots + 1, 1);
    if (!state) return cx_error_set(k->err, CX_ERR_NOMEM, "out of memory");
    int rc = CX_OK;
    for (size_t i = 0; i < t->n_slots && !rc; i++) rc = visit(k, i, state);
    free(state);
    return rc;
}

int tmpl_link(cx_templates *t, cx_error *err) {
    linker k = {t, {0}, "", err};
    strset_init(&k.names);
    int rc = link_all(&k);
    strset_free(&k.names);
    return rc;
}
