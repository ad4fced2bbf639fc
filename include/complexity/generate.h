/* Synthetic labelled prompts from template families (generate-data).
 *
 * A template family is one kind of request (e.g. "English, simple, code_gen:
 * a small function") with fixed labels and many surface forms. Families and
 * their slot vocabularies are written in the template language described in
 * docs/TEMPLATES.md; the built-in set is compiled into the library. */
#ifndef COMPLEXITY_GENERATE_H
#define COMPLEXITY_GENERATE_H

#include "complexity/common.h"
#include "complexity/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_templates cx_templates;

/* The built-in families. *out is owned by the caller (cx_templates_free). */
CX_API int cx_templates_builtin(cx_templates **out, cx_error *err);
/* Families from every *.tmpl file of a directory (or one file), added to the
 * built-in ones when `with_builtin` is set. Errors name FILE:LINE. */
CX_API int cx_templates_load(const char *path, int with_builtin, cx_templates **out, cx_error *err);
CX_API void cx_templates_free(cx_templates *t);

CX_API size_t cx_templates_family_count(const cx_templates *t);
/* Per-tier / per-language family counts, for reports. */
CX_API size_t cx_templates_family_count_tier(const cx_templates *t, int tier);
CX_API size_t cx_templates_family_count_lang(const cx_templates *t, int lang);

typedef enum { CX_SPLIT_NONE, CX_SPLIT_RANDOM, CX_SPLIT_TEMPLATE } cx_split_mode;
/* The generator writes English, Chinese and mixed samples (not zh-Hans). */
enum { CX_N_GEN_LANGS = 3 };

typedef struct cx_gen_options {
    size_t count;        /* samples to produce (seed default 5000) */
    uint64_t seed;       /* seed default 42 */
    int dedup;           /* every text distinct */
    cx_split_mode split; /* how to assign samples to train/val/test */
    double lang_mix[CX_N_GEN_LANGS];  /* share of en, zh, mixed samples; all 0 = 45/40/15 */
} cx_gen_options;

/* The seed's defaults: 5000 samples, seed 42, no dedup, no split, 45/40/15. */
CX_API cx_gen_options cx_gen_default_options(void);

/* One generated sample: a record plus where it came from. */
typedef struct cx_sample {
    cx_record rec;     /* rec.text owned by the cx_generated set */
    int family;        /* index of its template family */
    int lang;          /* the family's language (cx_lang); rec.lang stays -1 */
    int split;         /* 0 train, 1 val, 2 test (with a split mode), else 0 */
} cx_sample;

typedef struct cx_generated cx_generated;

/* Generates opts->count samples. Same templates + options => same samples,
 * byte for byte, on any machine. */
CX_API int cx_generate(const cx_templates *t, const cx_gen_options *opts,
                       cx_generated **out, cx_error *err);
CX_API void cx_generated_free(cx_generated *g);
CX_API size_t cx_generated_size(const cx_generated *g);
CX_API const cx_sample *cx_generated_get(const cx_generated *g, size_t i);
/* Draws rejected because the same text had come with other labels (each one
 * a sign of two families that overlap; the built-in set aims at zero). */
CX_API size_t cx_generated_conflicts(const cx_generated *g);
/* Name of family i ("en.simple.code_gen.small_function"), borrowed. */
CX_API const char *cx_templates_family_name(const cx_templates *t, size_t i);

#ifdef __cplusplus
}
#endif
#endif
