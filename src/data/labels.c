#include <string.h>

#include "complexity/labels.h"

const char *const cx_tier_names[CX_N_TIERS] = {"trivial", "simple", "moderate", "complex", "expert"};
const char *const cx_domain_names[CX_N_DOMAINS] = {"code", "math", "data", "system", "creative"};
const char *const cx_intent_names[CX_N_INTENTS] = {"greeting", "question", "code_gen", "analysis",
                                                   "debug", "planning", "creative", "multi_step"};
const char *const cx_lang_names[CX_N_LANGS] = {"en", "zh", "mixed", "other"};

const double cx_tier_score_lo[CX_N_TIERS] = {0.00, 0.15, 0.38, 0.62, 0.86};
const double cx_tier_score_hi[CX_N_TIERS] = {0.12, 0.32, 0.58, 0.82, 0.98};

static int find_name(const char *const *names, int n, const char *name, size_t len) {
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) return i;
    return -1;
}

int cx_tier_from_name(const char *name, size_t len) { return find_name(cx_tier_names, CX_N_TIERS, name, len); }
int cx_domain_from_name(const char *name, size_t len) { return find_name(cx_domain_names, CX_N_DOMAINS, name, len); }
int cx_intent_from_name(const char *name, size_t len) { return find_name(cx_intent_names, CX_N_INTENTS, name, len); }
int cx_lang_from_name(const char *name, size_t len) { return find_name(cx_lang_names, CX_N_LANGS, name, len); }
