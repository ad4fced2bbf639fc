/* Parsed template families (private to the generator).
 *
 * A template or slot value compiles to a sequence of nodes: literal text, a
 * slot reference, a number range, a group of alternatives, or a {+} marker.
 * Everything lives in the cx_templates arena except the growable arrays. */
#ifndef CX_DATA_TMPL_INT_H
#define CX_DATA_TMPL_INT_H

#include <stddef.h>

#include "complexity/generate.h"
#include "util/arena.h"

/* Limits on what a template file may ask for (files are untrusted): each
 * keeps parsing, linking and rendering linear in the file and the stack
 * shallow. The built-in set stays far below them. */
enum {
    TMPL_MAX_NESTING = 32,        /* [...] inside [...] */
    TMPL_MAX_SLOT_DEPTH = 32,     /* a slot's values referring to slots referring to slots ... */
    TMPL_MAX_EXPANSION = 64 << 10, /* bytes (and nodes) one slot or template can expand to: even
                                      escaped 6 to 1 in JSON, a text fits a dataset line (CX_MAX_LINE_BYTES) */
    TMPL_MAX_SLOTS = 10000,       /* slots and families of a set, each */
};

typedef enum { TN_TEXT, TN_SLOT, TN_NUM, TN_ALT, TN_PLUS } tn_kind;

typedef struct tseq tseq;

typedef struct tnode {
    tn_kind kind;
    union {
        struct { const char *s; size_t n; } text;
        struct { const char *name; int slot; int pick; } ref; /* pick 0: a fresh draw */
        struct { long lo, hi; } num;
        struct { tseq *alts; size_t n; } alt;
    } u;
    int line; /* where the node was written, for link errors */
} tnode;

struct tseq {
    tnode *nodes;
    size_t n;
};

typedef struct tslot {
    const char *name;
    const char *file;
    int line;
    tseq *values;      /* growable (realloc) */
    size_t n_values, cap_values;
    int max_pick;      /* highest {name:K} used anywhere */
} tslot;

typedef struct tfamily {
    const char *id;
    const char *file;
    int line;
    int tier, intent, lang;
    unsigned domains;
    int score_lo, score_hi; /* ten-thousandths, inside the tier's range */
    double weight;
    int noise;              /* surface noise allowed */
    tseq *templates;        /* growable (realloc) */
    size_t n_templates, cap_templates;
} tfamily;

struct cx_templates {
    arena mem;
    tslot *slots;
    size_t n_slots, cap_slots;
    tfamily *families;
    size_t n_families, cap_families;
};

/* Parses one file's text into t (slots and families). Names FILE:LINE on error. */
int tmpl_parse(cx_templates *t, const char *file, const char *text, size_t len, cx_error *err);
/* Resolves slot references and checks the whole set (undefined slots, cycles,
 * numbered picks beyond a slot's size, families without templates). */
int tmpl_link(cx_templates *t, cx_error *err);

#endif
