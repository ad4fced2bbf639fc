/* The label sets. Their order is part of the model's output contract
 * (tier_logits, domain_logits and intent_logits follow it). */
#ifndef COMPLEXITY_LABELS_H
#define COMPLEXITY_LABELS_H

#include <stddef.h>

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CX_N_TIERS = 5, CX_N_DOMAINS = 5, CX_N_INTENTS = 8, CX_N_LANGS = 4 };
/* The four training losses, one per head: score MSE, tier CE, domain BCE, intent CE. */
enum { CX_N_LOSSES = 4 };

typedef enum { CX_TRIVIAL, CX_SIMPLE, CX_MODERATE, CX_COMPLEX, CX_EXPERT } cx_tier;
typedef enum { CX_DOM_CODE, CX_DOM_MATH, CX_DOM_DATA, CX_DOM_SYSTEM, CX_DOM_CREATIVE } cx_domain;
typedef enum {
    CX_GREETING, CX_QUESTION, CX_CODE_GEN, CX_ANALYSIS,
    CX_DEBUG, CX_PLANNING, CX_CREATIVE, CX_MULTI_STEP
} cx_intent;
typedef enum { CX_LANG_EN, CX_LANG_ZH, CX_LANG_MIXED, CX_LANG_OTHER } cx_lang;

/* Names in contract order: "trivial".., "code".., "greeting".., "en","zh","mixed","other" (LABELING.md). */
CX_API extern const char *const cx_tier_names[CX_N_TIERS];
CX_API extern const char *const cx_domain_names[CX_N_DOMAINS];
CX_API extern const char *const cx_intent_names[CX_N_INTENTS];
CX_API extern const char *const cx_lang_names[CX_N_LANGS];

/* Score range of each tier in the training data (SPEC §2), inclusive. */
CX_API extern const double cx_tier_score_lo[CX_N_TIERS];
CX_API extern const double cx_tier_score_hi[CX_N_TIERS];

/* Index of a name in one of the lists above, or -1 when it is not there.
 * `len` is the name's length in bytes (names need not be NUL-terminated). */
CX_API int cx_tier_from_name(const char *name, size_t len);
CX_API int cx_domain_from_name(const char *name, size_t len);
CX_API int cx_intent_from_name(const char *name, size_t len);
CX_API int cx_lang_from_name(const char *name, size_t len);

/* Guesses the language of a text (a cx_lang: en / zh / mixed) from its characters. */
CX_API int cx_detect_lang(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
