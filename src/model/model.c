/* cx_model: the weights, their table, and Hugging Face's initialisation. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model/model_int.h"
#include "complexity/common.h"

int model_alloc(cx_model **out, const cx_model_config *cfg, cx_error *err) {
    *out = NULL;
    int rc = cx_model_config_check(cfg, err);
    if (rc) return rc;
    cx_model *m = calloc(1, sizeof *m);
    if (!m) return cx_error_set(err, CX_ERR_NOMEM, "model: out of memory");
    m->cfg = *cfg;
    m->n_tensors = params_count(cfg);
    m->desc = calloc((size_t)m->n_tensors, sizeof *m->desc);
    if (!m->desc) { cx_model_free(m); return cx_error_set(err, CX_ERR_NOMEM, "model: out of memory"); }
    m->n = params_describe(cfg, m->desc);
    m->mem = malloc(m->n * sizeof(float));
    if (!m->mem) {
        size_t n = m->n;
        cx_model_free(m);
        return cx_error_set(err, CX_ERR_NOMEM, "model: cannot allocate %zu weights", n);
    }
    params_point(&m->p, m->mem, 0, m->desc, m->n_tensors);
    *out = m;
    return CX_OK;
}

static int is_layernorm_weight(cx_tensor_kind k) {
    return k == T_EMB_LN_W || k == T_LN1_W || k == T_LN2_W;
}

void model_init_weights(cx_model *m, uint64_t seed, size_t from) {
    cx_rng rng;
    cx_rng_seed(&rng, seed);
    for (int i = 0; i < m->n_tensors; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        if (d->offset < from) continue;
        float *w = m->mem + d->offset;
        if (d->ndim == 2) {
            /* Linear and Embedding weights: normal(0, initializer_range = 0.02) */
            for (size_t j = 0; j < d->size; j++) w[j] = (float)(0.02 * cx_rng_normal(&rng));
            if (d->kind == T_WORD) memset(w, 0, (size_t)m->cfg.dim * sizeof *w); /* [PAD] */
        } else {
            float v = is_layernorm_weight(d->kind) ? 1.0f : 0.0f;
            for (size_t j = 0; j < d->size; j++) w[j] = v;
        }
    }
}

int cx_model_create(const cx_model_config *cfg, uint64_t seed, cx_model **out, cx_error *err) {
    int rc = model_alloc(out, cfg, err);
    if (rc) return rc;
    model_init_weights(*out, seed, 0);
    return CX_OK;
}

void cx_model_free(cx_model *m) {
    if (!m) return;
    if (m->map) munmap(m->map, m->map_len);
    else free(m->mem);
    free(m->desc);
    free(m);
}

const cx_model_config *cx_model_get_config(const cx_model *m) { return &m->cfg; }
float *cx_model_params(cx_model *m) { return m->mem; }
size_t cx_model_n_params(const cx_model *m) { return m->n; }

size_t cx_model_trainable_offset(const cx_model *m, int freeze) {
    if (freeze <= 0) return 0;
    return params_layer_offset(m->desc, m->n_tensors, freeze);
}

size_t cx_model_heads_offset(const cx_model *m) {
    return params_layer_offset(m->desc, m->n_tensors, m->cfg.n_layers);
}

int cx_model_n_tensors(const cx_model *m) { return m->n_tensors; }

void cx_model_tensor(const cx_model *m, int i, const char **name, size_t *offset, int *ndim,
                     int shape[CX_TENSOR_MAX_DIMS]) {
    const cx_tensor_desc *d = &m->desc[i];
    if (name) *name = d->name;
    if (offset) *offset = d->offset;
    if (ndim) *ndim = d->ndim;
    if (shape) { shape[0] = d->shape[0]; shape[1] = d->shape[1]; }
}

void cx_model_set_threads(int n) { nn_set_threads(n); }
int cx_bf16_supported(void) { return nn_bf16_supported(); }
