/* The seed heuristic's constant tables (generated: src/estimate/keywords.c).
 * Keywords are lower-case; the text is lower-cased before substring search. */
#ifndef CX_ESTIMATE_KEYWORDS_H
#define CX_ESTIMATE_KEYWORDS_H

#include <stddef.h>

enum { CX_KW_N_DOMAIN_GROUPS = 7 };

typedef struct cx_kw_group {
    const char *name;          /* "code", ..., "research" */
    const char *const *words;
    size_t n;
} cx_kw_group;

extern const char *const cx_kw_reasoning[];
extern const size_t cx_kw_reasoning_n;
extern const cx_kw_group cx_kw_domains[CX_KW_N_DOMAIN_GROUPS];
/* Python `re` syntax, matched with IGNORECASE on the original text. */
extern const char *const cx_kw_step_patterns[];
extern const size_t cx_kw_step_patterns_n;
extern const char *const cx_kw_context_refs[];
extern const size_t cx_kw_context_refs_n;
extern const char *const cx_kw_constraints[];
extern const size_t cx_kw_constraints_n;
extern const char *const cx_kw_external_tool[];
extern const size_t cx_kw_external_tool_n;
extern const char *const cx_kw_specific[];
extern const size_t cx_kw_specific_n;
extern const char *const cx_kw_vague[];
extern const size_t cx_kw_vague_n;

extern const double cx_kw_default_weights[9];     /* cx_dim order */
extern const double cx_kw_default_boundaries[4];  /* trivial, simple, moderate, complex */
extern const double cx_kw_default_ambiguity_low;
extern const double cx_kw_default_ambiguity_high;
extern const double cx_kw_default_decomposition_threshold;

#endif
