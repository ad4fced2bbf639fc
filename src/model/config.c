/* Model configurations: presets and validation. */
#include <stdint.h>
#include <string.h>

#include "complexity/model.h"
#include "complexity/common.h"

static cx_model_config base_config(int dim, int layers, int heads, int ffn) {
    cx_model_config c;
    c.vocab_size = 119547; /* mBERT cased vocabulary */
    c.max_positions = 512;
    c.dim = dim;
    c.n_layers = layers;
    c.n_heads = heads;
    c.ffn_dim = ffn;
    c.shared_dim = 512;
    c.head_dim = 128;
    c.dropout = 0.1f;
    c.attention_dropout = 0.1f;
    c.ln_eps = 1e-12f;
    return c;
}

int cx_model_preset(const char *name, cx_model_config *cfg, cx_error *err) {
    if (!name) return cx_error_set(err, CX_ERR_INVALID, "model preset: no name");
    if (!strcmp(name, "tiny")) *cfg = base_config(128, 2, 2, 512);
    else if (!strcmp(name, "mini")) *cfg = base_config(256, 2, 4, 1024);  /* small at half the depth and cost */
    else if (!strcmp(name, "small")) *cfg = base_config(256, 4, 4, 1024);
    else if (!strcmp(name, "distilbert")) *cfg = base_config(768, 6, 12, 3072);
    else
        return cx_error_set(err, CX_ERR_INVALID,
                            "unknown model preset '%s' (tiny, mini, small, distilbert)", name);
    return CX_OK;
}

static int check_range(const char *field, long v, long lo, long hi, cx_error *err) {
    if (v < lo || v > hi)
        return cx_error_set(err, CX_ERR_INVALID, "model config: %s = %ld, must be in %ld..%ld",
                            field, v, lo, hi);
    return CX_OK;
}

int cx_model_config_check(const cx_model_config *c, cx_error *err) {
    int rc;
    /* limits keep every size product far from overflow (V*D < 2^40) */
    if ((rc = check_range("vocab_size", c->vocab_size, 1, 1 << 22, err)) ||
        (rc = check_range("max_positions", c->max_positions, 1, 1 << 16, err)) ||
        (rc = check_range("dim", c->dim, 1, 1 << 14, err)) ||
        (rc = check_range("n_layers", c->n_layers, 1, CX_MODEL_MAX_LAYERS, err)) ||
        (rc = check_range("n_heads", c->n_heads, 1, c->dim, err)) ||
        (rc = check_range("ffn_dim", c->ffn_dim, 1, 1 << 16, err)) ||
        (rc = check_range("shared_dim", c->shared_dim, 1, 1 << 14, err)) ||
        (rc = check_range("head_dim", c->head_dim, 1, 1 << 14, err)))
        return rc;
    if (c->dim % c->n_heads)
        return cx_error_set(err, CX_ERR_INVALID, "model config: dim %d is not a multiple of n_heads %d",
                            c->dim, c->n_heads);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f) ||
        !(c->attention_dropout >= 0.0f && c->attention_dropout < 1.0f))
        return cx_error_set(err, CX_ERR_INVALID, "model config: dropout must be in [0, 1)");
    if (!(c->ln_eps > 0.0f && c->ln_eps < 1.0f))
        return cx_error_set(err, CX_ERR_INVALID, "model config: ln_eps must be in (0, 1)");
    return CX_OK;
}
