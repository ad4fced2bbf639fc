/* Weights on disk: our safetensors weights files (SPEC §3 names, config in the
 * metadata), Hugging Face DistilBERT directories (config.json +
 * model.safetensors), and the weights inside a training checkpoint
 * (src/train/checkpoint.c). Every tensor's name, shape and dtype is checked. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config_json.h"
#include "model/model_int.h"
#include "model/safetensors.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

#define META_CONFIG "complexity.config"
#define PREFIX "distilbert."

static int config_from_meta(const char *json, cx_model_config *c, const char *where, cx_error *err) {
    cJSON *o = cJSON_Parse(json);
    int rc = o ? model_config_from_json(o, CFG_META, where, c, err)
               : cx_error_set(err, CX_ERR_FORMAT, "%s: metadata " META_CONFIG " is not JSON", where);
    cJSON_Delete(o);
    return rc;
}

int cx_model_save(const cx_model *m, const char *path, cx_error *err) {
    st_out *t = calloc((size_t)m->n_tensors, sizeof *t);
    char *cfg = model_config_json_string(&m->cfg, CFG_META);
    if (!t || !cfg) {
        free(t);
        free(cfg);
        return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        t[i].name = d->name;
        t[i].data = m->mem + d->offset;
        t[i].ndim = d->ndim;
        t[i].shape[0] = d->shape[0];
        t[i].shape[1] = d->shape[1];
    }
    const char *meta[] = {"format", "pt", META_CONFIG, cfg};
    int rc = st_write(path, t, m->n_tensors, meta, 2, err);
    free(t);
    free(cfg);
    return rc;
}

static int shape_matches(const st_tensor *t, const cx_tensor_desc *d) {
    if (t->ndim != d->ndim) return 0;
    for (int i = 0; i < d->ndim; i++)
        if (t->shape[i] != d->shape[i]) return 0;
    return 1;
}

static int load_one(cx_model *m, const st_file *f, const st_tensor *t, const cx_tensor_desc *d,
                    const char *path, cx_error *err) {
    if (!shape_matches(t, d)) {
        char got[128] = "", *p = got;
        for (int i = 0; i < t->ndim && p < got + 100; i++)
            p += snprintf(p, 16, "%s%lld", i ? "," : "", (long long)t->shape[i]);
        if (d->ndim == 2)
            return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' has shape [%s], the config "
                                "needs [%d,%d]", path, t->name, got, d->shape[0], d->shape[1]);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' has shape [%s], the config needs "
                            "[%d]", path, t->name, got, d->shape[0]);
    }
    return st_read_f32(f, t, m->mem + d->offset, d->size, err);
}

static int is_classifier(const cx_tensor_desc *d) { return d->kind >= T_SHARED_W; }

/* A config sets the size of the weights' allocation (up to 2^36 floats
 * within cx_model_config_check's limits), and comes from the file or beside
 * it: before allocating, the file must be able to hold the tensors it has to
 * provide, as non-overlapping tensors of at least 2 bytes an element (F16). */
static int check_file_fits(const cx_model_config *c, const st_file *f, int heads_required, const char *path,
                           cx_error *err) {
    if (cx_model_config_check(c, err)) return cx_error_prefix(err, "%s", path);
    int n = params_count(c);
    cx_tensor_desc *desc = calloc((size_t)n, sizeof *desc);
    if (!desc) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    params_describe(c, desc);
    size_t need = 0;
    for (int i = 0; i < n; i++)
        if (heads_required || !is_classifier(&desc[i])) need += desc[i].size;
    free(desc);
    if (need > st_data_size(f) / 2)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: the config needs %zu weights, more than the file's %zu data "
                            "bytes can hold", path, need, st_data_size(f));
    return CX_OK;
}

/* What a Hugging Face file may hold besides the encoder: ignored. */
static int is_ignorable(const char *name) {
    static const char *const extras[] = {"vocab_transform.", "vocab_layer_norm.", "vocab_projector."};
    if (!strncmp(name, PREFIX, strlen(PREFIX))) name += strlen(PREFIX);
    for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++)
        if (!strncmp(name, extras[i], strlen(extras[i]))) return 1;
    size_t n = strlen(name);
    return n >= 12 && !strcmp(name + n - 12, "position_ids"); /* a buffer, not a weight */
}

/* Loads every tensor of m from f. hf: names may lack "distilbert.", extras
 * are ignored, and a file without any classifier tensor leaves the
 * classifier as it is (*have_heads = 0). */
static int load_tensors(cx_model *m, const st_file *f, const char *path, int hf, int *have_heads,
                        cx_error *err) {
    int n_used = 0, n_heads_found = 0, n_heads = 0, rc;
    const cx_tensor_desc *missing_head = NULL;
    for (int i = 0; i < m->n_tensors; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        const st_tensor *t = st_find(f, d->name);
        if (!t && hf && !strncmp(d->name, PREFIX, strlen(PREFIX)))
            t = st_find(f, d->name + strlen(PREFIX));
        if (is_classifier(d)) {
            n_heads++;
            if (!t) { if (!missing_head) missing_head = d; continue; }
            n_heads_found++;
        } else if (!t) {
            return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: tensor '%s' is missing", path, d->name);
        }
        if ((rc = load_one(m, f, t, d, path, err))) return rc;
        n_used++;
    }
    if (missing_head && (!hf || n_heads_found > 0))
        return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: tensor '%s' is missing", path,
                            missing_head->name);
    *have_heads = n_heads_found == n_heads;
    if (n_used == st_count(f)) return CX_OK;
    /* something in the file was not used: name it unless it is an HF extra */
    for (int i = 0; i < st_count(f); i++) {
        const char *name = st_get(f, i)->name;
        int known = 0;
        for (int j = 0; j < m->n_tensors && !known; j++) {
            const char *d = m->desc[j].name;
            known = !strcmp(d, name) ||
                    (hf && !strncmp(d, PREFIX, strlen(PREFIX)) && !strcmp(d + strlen(PREFIX), name));
        }
        if (!known && !(hf && is_ignorable(name)))
            return cx_error_set(err, CX_ERR_FORMAT, "%s: unexpected tensor '%s'", path, name);
    }
    return CX_OK;
}

int model_read_tensors(cx_model *m, const st_file *f, const char *path, cx_error *err) {
    for (int i = 0; i < m->n_tensors; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        const st_tensor *t = st_find(f, d->name);
        if (!t) return cx_error_set(err, CX_ERR_NOT_FOUND, "%s: tensor '%s' is missing", path, d->name);
        int rc = load_one(m, f, t, d, path, err);
        if (rc) return rc;
    }
    return CX_OK;
}

/* Zero copy: when the file holds exactly our tensors, F32, in our layout
 * order and back to back from the start of an aligned data section (as
 * cx_model_save writes them), the mapping itself becomes the weights. */
static int adopt_mapping(cx_model *m, st_file *f) {
    if (st_count(f) != m->n_tensors) return 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const cx_tensor_desc *d = &m->desc[i];
        const st_tensor *t = st_find(f, d->name);
        if (!t || t->dtype != ST_F32 || t->begin != d->offset * sizeof(float) ||
            !shape_matches(t, d))
            return 0;
    }
    const uint8_t *base = st_data(f, st_find(f, m->desc[0].name));
    if ((uintptr_t)base % sizeof(float)) return 0;
    size_t len;
    uint8_t *data;
    uint8_t *map = st_take_mapping(f, &len, &data);
    free(m->mem);
    m->map = map;
    m->map_len = len;
    m->mem = (float *)(void *)data;
    params_point(&m->p, m->mem, 0, m->desc, m->n_tensors);
    return 1;
}

int cx_model_load(const char *path, const cx_model_config *cfg, cx_model **out, cx_error *err) {
    *out = NULL;
    st_file *f;
    int rc = st_open(&f, path, err);
    if (rc) return rc;
    cx_model_config c;
    if (cfg) c = *cfg;
    else {
        const char *js = st_meta(f, META_CONFIG);
        rc = js ? config_from_meta(js, &c, path, err)
                : cx_error_set(err, CX_ERR_FORMAT, "%s: no " META_CONFIG " metadata: pass a config", path);
    }
    cx_model *m = NULL;
    if (!rc) rc = check_file_fits(&c, f, 1, path, err);
    if (!rc) rc = model_alloc(&m, &c, err);
    int have_heads;
    if (!rc && !adopt_mapping(m, f)) rc = load_tensors(m, f, path, 0, &have_heads, err);
    st_close(f);
    if (rc) { cx_model_free(m); return rc; }
    *out = m;
    return CX_OK;
}

/* Hugging Face DistilBertConfig keys -> our config. */
static int hf_config(const char *dir, cx_model_config *c, cx_error *err) {
    char *path = cx_path_join(dir, "config.json"), *text = NULL;
    size_t len;
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = cx_read_file(path, (size_t)1 << 20, &text, &len, err);
    cJSON *o = rc ? NULL : cJSON_ParseWithLength(text, len);
    if (!rc && !cJSON_IsObject(o)) rc = cx_error_set(err, CX_ERR_FORMAT, "%s: not a JSON object", path);
    cx_model_preset("distilbert", c, NULL);
    if (!rc) {
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(o, "activation");
        const cJSON *sin = cJSON_GetObjectItemCaseSensitive(o, "sinusoidal_pos_embds");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "model_type");
        if (type && !(cJSON_IsString(type) && !strcmp(type->valuestring, "distilbert")))
            rc = cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: \"model_type\" is not \"distilbert\"", path);
        else if (act && !(cJSON_IsString(act) && !strcmp(act->valuestring, "gelu")))
            rc = cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: \"activation\" must be \"gelu\"", path);
        else if (sin && !cJSON_IsFalse(sin))
            rc = cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: sinusoidal positions are not supported", path);
    }
    if (!rc) rc = model_config_from_json(o, CFG_HF, path, c, err);
    cJSON_Delete(o);
    free(text);
    free(path);
    return rc;
}

int cx_model_load_hf(const char *dir, uint64_t seed, cx_model **out, cx_error *err) {
    *out = NULL;
    cx_model_config c;
    int rc = hf_config(dir, &c, err);
    if (rc) return rc;
    char *path = cx_path_join(dir, "model.safetensors");
    if (!path) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    st_file *f = NULL;
    cx_model *m = NULL;
    rc = st_open(&f, path, err);
    if (!rc) rc = check_file_fits(&c, f, 0, path, err);
    if (!rc) rc = model_alloc(&m, &c, err);
    int have_heads = 0;
    if (!rc) rc = load_tensors(m, f, path, 1, &have_heads, err);
    if (!rc && !have_heads) model_init_weights(m, seed, cx_model_heads_offset(m));
    st_close(f);
    free(path);
    if (rc) { cx_model_free(m); return rc; }
    *out = m;
    return CX_OK;
}
