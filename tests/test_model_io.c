/* Model weights on disk (our checkpoints and Hugging Face directories),
 * configs and presets, and the checks on batches. */
#include <stdlib.h>

#include "complexity/model.h"
#include "model/model_int.h"
#include "model/safetensors.h"
#include "train/checkpoint.h"
#include "model_testutil.h"

static char *tmp;

static int setup(void **state) {
    (void)state;
    tmp = tu_tmpdir("test_model_io");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(tmp);
    return 0;
}

static cx_model_config small_cfg(void) {
    return (cx_model_config){.vocab_size = 30, .max_positions = 16, .dim = 16, .n_layers = 2,
                             .n_heads = 2, .ffn_dim = 24, .shared_dim = 12, .head_dim = 8,
                             .dropout = 0.1f, .attention_dropout = 0.1f, .ln_eps = 1e-12f};
}

static void test_presets_and_checks(void **state) {
    (void)state;
    cx_model_config c;
    cx_error err = {0};
    assert_int_equal(cx_model_preset("distilbert", &c, &err), CX_OK);
    assert_true(c.dim == 768 && c.n_layers == 6 && c.n_heads == 12 && c.ffn_dim == 3072 &&
                c.vocab_size == 119547 && c.max_positions == 512);
    assert_int_equal(cx_model_preset("tiny", &c, &err), CX_OK);
    assert_true(c.dim == 128 && c.n_layers == 2 && c.ffn_dim == 512);
    assert_int_equal(cx_model_preset("small", &c, &err), CX_OK);
    assert_true(c.dim == 256 && c.n_layers == 4 && c.n_heads == 4);
    assert_int_equal(cx_model_preset("mini", &c, &err), CX_OK);
    assert_true(c.dim == 256 && c.n_layers == 2 && c.n_heads == 4 && c.ffn_dim == 1024);
    assert_int_equal(cx_model_preset("huge", &c, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "huge"));
    c = small_cfg();
    c.n_heads = 3;
    assert_int_equal(cx_model_config_check(&c, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "multiple of n_heads"));
    c = small_cfg();
    c.n_layers = 0;
    assert_int_equal(cx_model_config_check(&c, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "n_layers"));
    /* HF init: LN 1/0, biases 0, [PAD] row 0, weights ~ N(0, 0.02) */
    c = small_cfg();
    cx_model *m;
    assert_int_equal(cx_model_create(&c, 7, &m, &err), CX_OK);
    double ss = 0;
    size_t cnt = 0;
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const cx_tensor_desc *d = &m->desc[i];
        const float *w = m->mem + d->offset;
        if (d->kind == T_LN1_W || d->kind == T_LN2_W || d->kind == T_EMB_LN_W) assert_true(w[0] == 1.0f && w[d->size - 1] == 1.0f);
        else if (d->ndim == 1) assert_true(w[0] == 0.0f);
        else for (size_t j = 0; j < d->size; j++) { ss += (double)w[j] * w[j]; cnt++; }
    }
    assert_true(fabs(sqrt(ss / cnt) - 0.02) < 0.002);
    for (int c0 = 0; c0 < 16; c0++) assert_true(m->p.word_emb[c0] == 0.0f);
    /* layout: trainable tails nest, heads last */
    assert_true(cx_model_trainable_offset(m, 0) == 0);
    assert_true(cx_model_trainable_offset(m, 1) < cx_model_trainable_offset(m, 2));
    assert_true(cx_model_trainable_offset(m, 2) == cx_model_heads_offset(m));
    assert_true(cx_model_heads_offset(m) < cx_model_n_params(m));
    cx_model_free(m);
    cx_model_free(NULL);
    cx_ws_free(NULL);
}

static void test_save_load_round_trip(void **state) {
    (void)state;
    cx_model_config c = small_cfg();
    cx_model *m, *m2;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 3, &m, &err), CX_OK);
    char *path = tu_path(tmp, "ckpt/model.safetensors");
    assert_int_equal(cx_model_save(m, path, &err), CX_OK);
    assert_int_equal(cx_model_load(path, NULL, &m2, &err), CX_OK);
    assert_memory_equal(cx_model_get_config(m2), &c, sizeof c);
    assert_int_equal(cx_model_n_params(m2), cx_model_n_params(m));
    assert_memory_equal(cx_model_params(m2), cx_model_params(m), cx_model_n_params(m) * 4);
    /* zero copy: the weights are the file's mapping, writable copy-on-write */
    assert_non_null(m2->map);
    assert_true((void *)m2->mem > m2->map);
    for (int i = 0; i < cx_model_n_tensors(m2); i++)
        if (!strcmp(m2->desc[i].name, "distilbert.transformer.layer.1.ffn.lin2.bias"))
            assert_true(m2->p.layer[1].ff2_b == m2->mem + m2->desc[i].offset);
    size_t flen;
    char *before = tu_read_file(path, &flen);
    cx_model_params(m2)[5] += 1.0f;
    cx_model_free(m2);
    char *after = tu_read_file(path, &flen);
    assert_memory_equal(before, after, flen);
    free(before);
    free(after);
    /* a file in another order is copied, with the same result */
    int nt = cx_model_n_tensors(m);
    st_out *rev = calloc((size_t)nt, sizeof *rev);
    for (int i = 0; i < nt; i++) {
        const cx_tensor_desc *d = &m->desc[nt - 1 - i];
        rev[i] = (st_out){d->name, m->mem + d->offset, d->ndim, {d->shape[0], d->shape[1]}};
    }
    char *rpath = tu_path(tmp, "reversed.safetensors");
    assert_int_equal(st_write(rpath, rev, nt, NULL, 0, &err), CX_OK);
    assert_int_equal(cx_model_load(rpath, &c, &m2, &err), CX_OK);
    assert_null(m2->map);
    assert_memory_equal(cx_model_params(m2), cx_model_params(m), cx_model_n_params(m) * 4);
    cx_model_free(m2);
    free(rev);
    free(rpath);
    /* the file has SPEC §3 names, F32 */
    st_file *f;
    assert_int_equal(st_open(&f, path, &err), CX_OK);
    const st_tensor *t = st_find(f, "distilbert.transformer.layer.1.attention.k_lin.weight");
    assert_non_null(t);
    assert_true(t->dtype == ST_F32 && t->ndim == 2 && t->shape[0] == 16 && t->shape[1] == 16);
    assert_non_null(st_find(f, "classifier.intent_head.2.bias"));
    assert_int_equal(st_find(f, "classifier.intent_head.2.bias")->shape[0], 8);
    st_close(f);
    /* a config that does not match the file: the error names the tensor */
    cx_model_config other = c;
    other.ffn_dim = 20;
    assert_int_equal(cx_model_load(path, &other, &m2, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "distilbert.transformer.layer.0.ffn.lin1.weight' has shape [24,16], the config needs [20,16]"));
    assert_null(m2);
    cx_model_free(m);
    free(path);
}

static void write_text(const char *dir, const char *name, const char *text);

/* Writes a file holding the tensors of m except `skip`, plus `extra`. */
static char *write_variant(const cx_model *m, const char *name, const char *skip,
                           const char *extra, int bad_shape_of) {
    int n = cx_model_n_tensors(m), k = 0;
    st_out *t = calloc((size_t)n + 1, sizeof *t);
    static float junk[64];
    for (int i = 0; i < n; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        if (skip && !strcmp(d->name, skip)) continue;
        t[k] = (st_out){d->name, m->mem + d->offset, d->ndim, {d->shape[0], d->shape[1]}};
        if (i == bad_shape_of) t[k].shape[0] -= 1;
        k++;
    }
    if (extra) t[k++] = (st_out){extra, junk, 1, {4}};
    char *path = tu_path(tmp, name);
    cx_error err = {0};
    assert_int_equal(st_write(path, t, k, NULL, 0, &err), CX_OK);
    free(t);
    return path;
}

static void test_load_errors(void **state) {
    (void)state;
    cx_model_config c = small_cfg();
    cx_model *m, *m2 = NULL;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 3, &m, &err), CX_OK);
    char *p = write_variant(m, "missing.safetensors", "distilbert.transformer.layer.1.ffn.lin2.bias", NULL, -1);
    assert_int_equal(cx_model_load(p, &c, &m2, &err), CX_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "'distilbert.transformer.layer.1.ffn.lin2.bias' is missing"));
    free(p);
    p = write_variant(m, "extra.safetensors", NULL, "something.else", -1);
    assert_int_equal(cx_model_load(p, &c, &m2, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "unexpected tensor 'something.else'"));
    free(p);
    p = write_variant(m, "noconfig.safetensors", NULL, NULL, -1);
    assert_int_equal(cx_model_load(p, NULL, &m2, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "complexity.config"));
    assert_int_equal(cx_model_load(p, &c, &m2, &err), CX_OK);
    assert_memory_equal(cx_model_params(m2), cx_model_params(m), cx_model_n_params(m) * 4);
    cx_model_free(m2);
    free(p);
    /* a classifier with one tensor missing is an error, not "no classifier"
     * (HF configs carry no classifier sizes: the seed's 512/128 apply) */
    cx_model_config c3 = c;
    c3.shared_dim = 512;
    c3.head_dim = 128;
    cx_model *m3;
    assert_int_equal(cx_model_create(&c3, 4, &m3, &err), CX_OK);
    char *hd = tu_path(tmp, "hf_partial");
    char *hp = tu_path(hd, "model.safetensors");
    p = write_variant(m3, "hf_partial/model.safetensors", "classifier.tier_head.2.bias", NULL, -1);
    write_text(hd, "config.json", "{\"dim\":16,\"n_layers\":2,\"n_heads\":2,\"hidden_dim\":24,"
                                  "\"vocab_size\":30,\"max_position_embeddings\":16}");
    assert_int_equal(cx_model_load_hf(hd, 1, &m2, &err), CX_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "'classifier.tier_head.2.bias' is missing"));
    /* with the whole classifier, the file's classifier is used */
    free(p);
    p = write_variant(m3, "hf_partial/model.safetensors", NULL, NULL, -1);
    assert_int_equal(cx_model_load_hf(hd, 1, &m2, &err), CX_OK);
    assert_int_equal(cx_model_n_params(m2), cx_model_n_params(m3));
    assert_memory_equal(cx_model_params(m2), cx_model_params(m3), cx_model_n_params(m3) * 4);
    cx_model_free(m2);
    cx_model_free(m3);
    m2 = NULL;
    free(hd);
    free(hp);
    free(p);
    /* our checkpoint with a broken config in its metadata */
    {
        float one = 1.0f;
        st_out o1 = {"x", &one, 1, {1}};
        const char *meta[] = {"complexity.config", "{\"dim\": 16"};
        p = tu_path(tmp, "badmeta.safetensors");
        assert_int_equal(st_write(p, &o1, 1, meta, 1, &err), CX_OK);
        assert_int_equal(cx_model_load(p, NULL, &m2, &err), CX_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "complexity.config"));
        const char *meta2[] = {"complexity.config", "{\"dim\": 16}"};
        assert_int_equal(st_write(p, &o1, 1, meta2, 1, &err), CX_OK);
        assert_int_equal(cx_model_load(p, NULL, &m2, &err), CX_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "missing \"vocab_size\""));
        /* a config of 2^36 weights beside 4 bytes of data: refused before allocating 256 GiB */
        const char *meta3[] = {"complexity.config", "{\"vocab_size\":4194304,\"max_positions\":16,\"dim\":16384,"
                               "\"n_layers\":1,\"n_heads\":1,\"ffn_dim\":16,\"shared_dim\":16,\"head_dim\":16}"};
        assert_int_equal(st_write(p, &o1, 1, meta3, 1, &err), CX_OK);
        assert_int_equal(cx_model_load(p, NULL, &m2, &err), CX_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "badmeta.safetensors: the config needs 69794448803 weights, more than the "
                                        "file's 4 data bytes can hold"));
        assert_null(m2);
        free(p);
    }
    p = write_variant(m, "shape.safetensors", NULL, NULL, 5);
    assert_int_equal(cx_model_load(p, &c, &m2, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, m->desc[5].name));
    free(p);
    cx_model_free(m);
}

static char *hf_dir(const char *variant) {
    char *base = tu_path(tu_source_dir(), "tests/data/model/hf");
    char *d = tu_path(base, variant);
    free(base);
    return d;
}

/* A training checkpoint's weights go through the same shape checks as a
 * weights file: a tensor with the right element count but transposed is
 * refused, naming it (it once loaded silently, read by count alone). */
static void test_checkpoint_shapes(void **state) {
    (void)state;
    cx_model_config c = small_cfg();
    cx_model *m, *m2;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 5, &m, &err), CX_OK);
    assert_int_equal(cx_model_create(&c, 6, &m2, &err), CX_OK);
    const size_t n = cx_model_n_params(m);
    float *mv = calloc(2 * n, sizeof *mv);
    assert_non_null(mv);
    ckpt_state st = {.step = 7, .batch_size = 4, .epochs = 1, .seed = 1};
    char *good = tu_path(tmp, "ckpt_good.safetensors"), *bad = tu_path(tmp, "ckpt_transposed.safetensors");
    assert_int_equal(ckpt_save(good, m, mv, mv + n, n, &st, &err), CX_OK);
    assert_int_equal(ckpt_load(good, m2, mv, mv + n, n, &err), CX_OK);
    assert_memory_equal(cx_model_params(m2), cx_model_params(m), n * sizeof(float));
    /* the same file with one matrix's shape written transposed */
    const int nt = cx_model_n_tensors(m);
    st_out *t = calloc((size_t)nt + 2, sizeof *t);
    assert_non_null(t);
    const char *victim = NULL;
    for (int i = 0; i < nt; i++) {
        size_t off;
        int shape[2];
        cx_model_tensor(m, i, &t[i].name, &off, &t[i].ndim, shape);
        t[i].data = cx_model_params(m) + off;
        t[i].shape[0] = shape[0], t[i].shape[1] = shape[1];
        if (!victim && t[i].ndim == 2 && shape[0] != shape[1]) {
            victim = t[i].name;
            t[i].shape[0] = shape[1], t[i].shape[1] = shape[0];
        }
    }
    assert_non_null(victim);
    t[nt] = (st_out){"optimizer.exp_avg", mv, 1, {(int64_t)n}};
    t[nt + 1] = (st_out){"optimizer.exp_avg_sq", mv + n, 1, {(int64_t)n}};
    assert_int_equal(st_write(bad, t, nt + 2, NULL, 0, &err), CX_OK);
    assert_int_equal(ckpt_load(bad, m2, mv, mv + n, n, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, victim));
    assert_non_null(strstr(err.msg, "has shape"));
    free(t);
    free(good);
    free(bad);
    free(mv);
    cx_model_free(m);
    cx_model_free(m2);
}

static void test_hf_checkpoints(void **state) {
    (void)state;
    /* three variants of the same numbers: F32 + prefix + MLM extras, F16
     * without prefix, BF16 + prefix + extras */
    const char *variants[] = {"f32_prefix_mlm", "f16_noprefix", "bf16_prefix_mlm"};
    cx_model *ref = NULL;
    cx_error err = {0};
    for (int v = 0; v < 3; v++) {
        char *d = hf_dir(variants[v]);
        cx_model *m;
        if (cx_model_load_hf(d, 99, &m, &err)) fail_msg("%s: %s", variants[v], err.msg);
        const cx_model_config *c = cx_model_get_config(m);
        assert_true(c->vocab_size == 30 && c->dim == 16 && c->n_layers == 2 && c->n_heads == 2 &&
                    c->ffn_dim == 24 && c->max_positions == 16 && c->shared_dim == 512);
        size_t enc = cx_model_heads_offset(m);
        if (!ref) {
            ref = m;
            /* spot check against the file itself */
            char *path = tu_path(d, "model.safetensors");
            st_file *f;
            assert_int_equal(st_open(&f, path, &err), CX_OK);
            const st_tensor *t = st_find(f, "distilbert.transformer.layer.1.ffn.lin1.weight");
            float *w = malloc(t->count * 4);
            assert_int_equal(st_read_f32(f, t, w, t->count, &err), CX_OK);
            assert_memory_equal(w, m->p.layer[1].ff1_w, t->count * 4);
            t = st_find(f, "distilbert.transformer.layer.0.attention.v_lin.bias");
            assert_int_equal(st_read_f32(f, t, w, t->count, &err), CX_OK);
            assert_memory_equal(w, m->p.layer[0].qkv_b + 32, t->count * 4);
            free(w);
            st_close(f);
            free(path);
            /* heads: HF init from the seed */
            assert_true(m->p.shared_b[0] == 0.0f && m->p.shared_w[0] != 0.0f);
        } else {
            assert_memory_equal(cx_model_params(m), cx_model_params(ref), enc * 4);
            /* same seed, same heads */
            assert_memory_equal(cx_model_params(m) + enc, cx_model_params(ref) + enc,
                                (cx_model_n_params(m) - enc) * 4);
            cx_model_free(m);
        }
        free(d);
    }
    cx_model_free(ref);
}

static void write_text(const char *dir, const char *name, const char *text) {
    char *p = tu_path(dir, name);
    tu_write_file(p, text, strlen(text));
    free(p);
}

static void copy_file(const char *from_dir, const char *to_dir, const char *name) {
    char *src = tu_path(from_dir, name);
    size_t len;
    char *data = tu_read_file(src, &len);
    char *dst = tu_path(to_dir, name);
    tu_write_file(dst, data, len);
    free(src); free(data); free(dst);
}

static void test_hf_errors(void **state) {
    (void)state;
    char *src = hf_dir("f32_prefix_mlm");
    char *d = tu_path(tmp, "hf");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
    assert_int_equal(system(cmd), 0);
    copy_file(src, d, "model.safetensors");
    cx_model *m = NULL;
    cx_error err = {0};
    const char *good = "{\"activation\":\"gelu\",\"dim\":16,\"n_layers\":2,\"n_heads\":2,"
                       "\"hidden_dim\":24,\"vocab_size\":30,\"max_position_embeddings\":16,"
                       "\"model_type\":\"distilbert\",\"sinusoidal_pos_embds\":false}";
    write_text(d, "config.json", good);
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_OK);
    cx_model_free(m);
    m = NULL;
    write_text(d, "config.json", "{\"dim\":16,\"n_layers\":2,\"n_heads\":2,\"hidden_dim\":24,"
                                 "\"max_position_embeddings\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "missing \"vocab_size\""));
    write_text(d, "config.json", "{\"activation\":\"relu\",\"dim\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "activation"));
    write_text(d, "config.json", "{\"model_type\":\"bert\",\"dim\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "model_type"));
    write_text(d, "config.json", "{\"sinusoidal_pos_embds\":true,\"dim\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "sinusoidal"));
    write_text(d, "config.json", "{\"dim\":\"16\"}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_FORMAT);
    write_text(d, "config.json", "not json");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_FORMAT);
    /* a config whose dims disagree with the weights */
    write_text(d, "config.json", "{\"dim\":16,\"n_layers\":2,\"n_heads\":2,\"hidden_dim\":32,"
                                 "\"vocab_size\":30,\"max_position_embeddings\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "ffn.lin1.weight' has shape [24,16], the config needs [32,16]"));
    /* three layers in the config, two in the file */
    write_text(d, "config.json", "{\"dim\":16,\"n_layers\":3,\"n_heads\":2,\"hidden_dim\":24,"
                                 "\"vocab_size\":30,\"max_position_embeddings\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "distilbert.transformer.layer.2.attention.q_lin.weight' is missing"));
    assert_null(m);
    /* far more weights than the file holds: refused before allocating them */
    write_text(d, "config.json", "{\"dim\":16384,\"n_layers\":2,\"n_heads\":2,\"hidden_dim\":24,"
                                 "\"vocab_size\":4194304,\"max_position_embeddings\":16}");
    assert_int_equal(cx_model_load_hf(d, 1, &m, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "model.safetensors: the config needs "));
    assert_null(m);
    char *none = tu_path(tmp, "no_such_dir");
    assert_int_equal(cx_model_load_hf(none, 1, &m, &err), CX_ERR_NOT_FOUND);
    free(none);
    free(src);
    free(d);
}

static void test_batch_checks(void **state) {
    (void)state;
    cx_model_config c = small_cfg();
    cx_model *m;
    cx_model_ws *ws;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, 3, &m, &err), CX_OK);
    cx_ws_options o = {.max_seqs = 2, .max_tokens = 10, .max_len = 8, .freeze = 1, .training = 1};
    o.max_len = 17;
    assert_int_equal(cx_ws_open(m, &o, &ws, &err), CX_ERR_INVALID);
    o.max_len = 8;
    o.freeze = 3;
    assert_int_equal(cx_ws_open(m, &o, &ws, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "freeze 3"));
    o.freeze = 1;
    assert_int_equal(cx_ws_open(m, &o, &ws, &err), CX_OK);
    int32_t ids[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    int len_bad[2] = {9, 1}, len_many[2] = {6, 6}, len_ok[2] = {3, 4};
    cx_model_batch b = {2, len_bad, ids, NULL};
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, NULL, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "sequence 0 has length 9"));
    b.lengths = len_many;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, NULL, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "12 tokens"));
    b.lengths = len_ok;
    b.n_seqs = 3;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, NULL, &err), CX_ERR_INVALID);
    b.n_seqs = 2;
    ids[5] = 30;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, NULL, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "token 5 has id 30"));
    ids[5] = 6;
    cx_model_outputs out;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, &out, &err), CX_OK);
    assert_true(out.score[0] > 0.0f && out.score[0] < 1.0f);
    /* dropout: same seed, same outputs; other seed, other outputs; eval has none */
    float s1 = 0, s2 = 0, s3 = 0, e1 = 0, e2 = 0;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 1, 5, NULL, NULL, &out, &err), CX_OK);
    s1 = out.tier_logits[0];
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 1, 5, NULL, NULL, &out, &err), CX_OK);
    s2 = out.tier_logits[0];
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 1, 6, NULL, NULL, &out, &err), CX_OK);
    s3 = out.tier_logits[0];
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 5, NULL, NULL, &out, &err), CX_OK);
    e1 = out.tier_logits[0];
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 6, NULL, NULL, &out, &err), CX_OK);
    e2 = out.tier_logits[0];
    assert_true(s1 == s2 && s1 != s3 && e1 == e2 && e1 != s1);
    cx_ws_free(ws);
    cx_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_and_checks),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_checkpoint_shapes),
        cmocka_unit_test(test_hf_checkpoints),
        cmocka_unit_test(test_hf_errors),
        cmocka_unit_test(test_batch_checks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
