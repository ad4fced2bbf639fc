/* Rendering a template family into one text. */
#ifndef CX_DATA_RENDER_H
#define CX_DATA_RENDER_H

#include "data/tmpl_int.h"
#include "util/rng.h"
#include "util/sbuf.h"

/* Appends one text of family f to out; *plus receives the number of {+}
 * markers expanded. Returns CX_OK or CX_ERR_NOMEM. */
int tmpl_render(const cx_templates *t, const tfamily *f, cx_rng *rng, sbuf *out, int *plus);

#endif
