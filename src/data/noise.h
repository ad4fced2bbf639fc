/* Label-preserving surface noise: how real people type (casing, punctuation,
 * typos, full-width/half-width forms, spacing around Latin words). */
#ifndef CX_DATA_NOISE_H
#define CX_DATA_NOISE_H

#include "util/rng.h"
#include "util/sbuf.h"

/* Rewrites text in place for a family of language `lang` (cx_lang). Texts with
 * several lines or code fences are left alone. Returns CX_OK or CX_ERR_NOMEM. */
int cx_noise_apply(sbuf *text, int lang, cx_rng *rng);

#endif
