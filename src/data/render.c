/* Expands a template: slot draws, numbered picks, numbers and alternatives. */
#include <stdlib.h>
#include <string.h>

#include "data/render.h"

typedef struct pick {
    int slot, number;  /* {slot:number} */
    int value;         /* index of the chosen value */
    char *text;        /* its expansion, reused for every later use */
} pick;

typedef struct render_ctx {
    const cx_templates *t;
    cx_rng *rng;
    int plus;
    pick *picks; /* growable: the linker bounds a render's size, not its number of picks */
    int n_picks, cap_picks;
} render_ctx;

static int expand_seq(render_ctx *c, const tseq *seq, sbuf *out);

/* A value index of the slot that no other numbered pick of it holds. */
static int fresh_value(render_ctx *c, const tslot *s, int slot) {
    for (;;) {
        int v = (int)cx_rng_below(c->rng, s->n_values), taken = 0;
        for (int i = 0; i < c->n_picks; i++) taken |= c->picks[i].slot == slot && c->picks[i].value == v;
        if (!taken) return v;
    }
}

static int expand_pick(render_ctx *c, const tnode *node, sbuf *out) {
    int slot = node->u.ref.slot, number = node->u.ref.pick;
    for (int i = 0; i < c->n_picks; i++)
        if (c->picks[i].slot == slot && c->picks[i].number == number) {
            sbuf_puts(out, c->picks[i].text);
            return CX_OK;
        }
    if (c->n_picks == c->cap_picks) {
        int cap = c->cap_picks ? 2 * c->cap_picks : 8;
        pick *v = realloc(c->picks, (size_t)cap * sizeof *v);
        if (!v) return CX_ERR_NOMEM;
        c->picks = v;
        c->cap_picks = cap;
    }
    const tslot *s = &c->t->slots[slot];
    const int k = c->n_picks; /* an index: expanding the value may move c->picks */
    c->picks[k] = (pick){slot, number, fresh_value(c, s, slot), NULL};
    c->n_picks++;
    sbuf tmp = SBUF_INIT;
    int rc = expand_seq(c, &s->values[c->picks[k].value], &tmp);
    c->picks[k].text = sbuf_detach(&tmp);
    if (!c->picks[k].text) return CX_ERR_NOMEM;
    sbuf_puts(out, c->picks[k].text);
    return rc;
}

static int expand_node(render_ctx *c, const tnode *node, sbuf *out) {
    switch (node->kind) {
    case TN_TEXT:
        sbuf_append(out, node->u.text.s, node->u.text.n);
        return CX_OK;
    case TN_PLUS:
        c->plus++;
        return CX_OK;
    case TN_NUM: {
        /* in unsigned arithmetic: hi - lo overflows a long for {#-9000000000000000000-9000000000000000000} */
        uint64_t span = (uint64_t)node->u.num.hi - (uint64_t)node->u.num.lo + 1; /* 0: all 2^64 values */
        uint64_t r = span ? cx_rng_below(c->rng, span) : cx_rng_next(c->rng);
        sbuf_printf(out, "%ld", (long)((uint64_t)node->u.num.lo + r));
        return CX_OK;
    }
    case TN_ALT:
        return expand_seq(c, &node->u.alt.alts[cx_rng_below(c->rng, node->u.alt.n)], out);
    case TN_SLOT: {
        if (node->u.ref.pick) return expand_pick(c, node, out);
        const tslot *s = &c->t->slots[node->u.ref.slot];
        return expand_seq(c, &s->values[cx_rng_below(c->rng, s->n_values)], out);
    }
    }
    return CX_ERR_INTERNAL;
}

static int expand_seq(render_ctx *c, const tseq *seq, sbuf *out) {
    for (size_t i = 0; i < seq->n; i++) {
        int rc = expand_node(c, &seq->nodes[i], out);
        if (rc) return rc;
    }
    return out->oom ? CX_ERR_NOMEM : CX_OK;
}

int tmpl_render(const cx_templates *t, const tfamily *f, cx_rng *rng, sbuf *out, int *plus) {
    render_ctx c = {.t = t, .rng = rng};
    const tseq *tmpl = &f->templates[cx_rng_below(rng, f->n_templates)];
    int rc = expand_seq(&c, tmpl, out);
    for (int i = 0; i < c.n_picks; i++) free(c.picks[i].text);
    free(c.picks);
    *plus = c.plus;
    return rc;
}
