/* The tiny model of the model tests that need one built in memory
 * (header-only: tests/test_*.c are separate executables). */
#ifndef CX_TINY_MODEL_H
#define CX_TINY_MODEL_H

#include "complexity/model.h"
#include "model/model_int.h"
#include "testutil.h"
#include "util/rng.h"

/* A tiny model (vocab 20, 2 layers of 8) with O(1) weights (HF's 0.02 would
 * make every signal tiny) and layer norms near 1; dropout p in both places. */
static inline cx_model *mt_tiny_model(float p) {
    cx_model_config cfg = {.vocab_size = 20, .max_positions = 8, .dim = 8, .n_layers = 2,
                           .n_heads = 2, .ffn_dim = 12, .shared_dim = 6, .head_dim = 5,
                           .dropout = p, .attention_dropout = p, .ln_eps = 1e-12f};
    cx_model *m;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&cfg, 3, &m, &err), CX_OK);
    cx_rng r;
    cx_rng_seed(&r, 11);
    float *w = cx_model_params(m);
    for (size_t i = 0; i < cx_model_n_params(m); i++) w[i] = (float)(0.4 * cx_rng_normal(&r));
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const cx_tensor_desc *d = &m->desc[i];
        if (d->kind == T_EMB_LN_W || d->kind == T_LN1_W || d->kind == T_LN2_W)
            for (size_t j = 0; j < d->size; j++) w[d->offset + j] += 1.0f;
    }
    return m;
}

/* A training workspace sized for the tiny model's batches (4 sequences, 16
 * tokens), the first `freeze` layers frozen. */
static inline cx_model_ws *mt_training_ws(const cx_model *m, int freeze) {
    cx_ws_options o = {.max_seqs = 4, .max_tokens = 16, .max_len = 8, .freeze = freeze, .training = 1};
    cx_model_ws *ws;
    cx_error err = {0};
    assert_int_equal(cx_ws_open(m, &o, &ws, &err), CX_OK);
    return ws;
}

#endif
