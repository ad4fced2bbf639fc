/* The INT8 file: a safetensors file (layout in src/model/safetensors.h) with
 *   __metadata__: "complexity.format": "int8-v1",
 *                 "complexity.config": the model config as JSON (as checkpoints)
 *   fp32 tensors first (positions, LayerNorms, biases, classifier; F32), then
 *   for each int8 tensor (word embeddings, the Linear weights of every layer)
 *   "<name>_scale" F32 [1] among the fp32 ones and "<name>" I8 (rows, cols)
 *   with PyTorch's (out, in) layout, values in -127..127.
 * The data section starts 64-byte aligned. Loading checks every name, dtype,
 * shape and scale; the word embeddings are used in place from the mapping. */
#define _DEFAULT_SOURCE /* madvise */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "infer/engine_int.h"
#include "model/config_json.h"
#include "model/safetensors.h"
#include "complexity/common.h"
#include "complexity/fileio.h"

#define META_FORMAT "complexity.format"
#define META_CONFIG "complexity.config"
#define FORMAT_INT8 "int8-v1"

static void scale_name(char *dst, size_t n, const char *name) { snprintf(dst, n, "%s_scale", name); }

/* ---- writing */

static cJSON *tensor_entry(const char *dtype, int rows, int cols, size_t *off, size_t bytes) {
    cJSON *o = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *offs = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "dtype", dtype);
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(rows));
    if (cols) cJSON_AddItemToArray(shape, cJSON_CreateNumber(cols));
    cJSON_AddItemToObject(o, "shape", shape);
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)*off));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(*off + bytes)));
    cJSON_AddItemToObject(o, "data_offsets", offs);
    *off += bytes;
    return o;
}

static size_t elems(const eng_tensor *t) { return (size_t)t->rows * (size_t)(t->cols ? t->cols : 1); }

/* The JSON header, padded with spaces so the data starts 64-byte aligned. */
static char *build_header(const cx_model_config *cfg, const eng_tensor *list, int n, size_t *hlen) {
    cJSON *root = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(root, "__metadata__");
    char *cj = model_config_json_string(cfg, CFG_META), sname[112];
    cJSON_AddStringToObject(meta, META_FORMAT, FORMAT_INT8);
    cJSON_AddStringToObject(meta, META_CONFIG, cj ? cj : "");
    free(cj);
    size_t off = 0;
    for (int i = 0; i < n; i++) /* fp32 part: tensors and scales */
        if (!list[i].is_int8) {
            cJSON_AddItemToObject(root, list[i].name, tensor_entry("F32", list[i].rows, list[i].cols, &off, elems(&list[i]) * 4));
        } else {
            scale_name(sname, sizeof sname, list[i].name);
            cJSON_AddItemToObject(root, sname, tensor_entry("F32", 1, 0, &off, 4));
        }
    for (int i = 0; i < n; i++)
        if (list[i].is_int8) cJSON_AddItemToObject(root, list[i].name, tensor_entry("I8", list[i].rows, list[i].cols, &off, elems(&list[i])));
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) return NULL;
    size_t len = strlen(json), padded = (8 + len + 63) / 64 * 64 - 8;
    char *h = malloc(padded + 1);
    if (h) {
        memcpy(h, json, len);
        memset(h + len, ' ', padded - len);
        h[padded] = '\0';
        *hlen = padded;
    }
    free(json);
    return h;
}

static int write_tensors(FILE *f, const cx_engine *e, const eng_tensor *list, int n) {
    int ok = 1;
    for (int i = 0; i < n; i++) {
        if (!list[i].is_int8) ok &= fwrite(*list[i].f32, 4, elems(&list[i]), f) == elems(&list[i]);
        else {
            float s = list[i].lin ? list[i].lin->scale : e->word_scale;
            ok &= fwrite(&s, 4, 1, f) == 1;
        }
    }
    for (int i = 0; i < n && ok; i++) {
        if (!list[i].is_int8) continue;
        if (!list[i].lin) {
            ok &= fwrite(e->word, 1, elems(&list[i]), f) == elems(&list[i]);
            continue;
        }
        int8_t *W = malloc(elems(&list[i]));
        if (!W) return 0;
        eng_unpack(W, &list[i].lin->w);
        ok &= fwrite(W, 1, elems(&list[i]), f) == elems(&list[i]);
        free(W);
    }
    return ok;
}

int cx_engine_save(const cx_engine *e, const char *path, cx_error *err) {
    int n = eng_tensor_count(&e->cfg);
    eng_tensor *list = calloc((size_t)n, sizeof *list);
    if (!list) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    /* the list only records slots: a scratch copy keeps e const */
    cx_engine *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        free(list);
        return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    }
    memcpy(tmp, e, sizeof *tmp);
    eng_tensor_list(tmp, list);
    size_t hlen = 0;
    char *header = build_header(&e->cfg, list, n, &hlen);
    cx_afile af = {0};
    int rc = header ? cx_afile_open(&af, path, err) : cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (rc == CX_OK) {
        uint8_t len8[8];
        for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)hlen >> (8 * i)); /* little-endian */
        int ok = fwrite(len8, 1, 8, af.f) == 8 && fwrite(header, 1, hlen, af.f) == hlen && write_tensors(af.f, tmp, list, n);
        if (!ok) {
            cx_afile_abort(&af);
            rc = cx_error_set(err, CX_ERR_IO, "%s: write failed", path);
        } else
            rc = cx_afile_commit(&af, err);
    }
    free(header);
    free(tmp);
    free(list);
    return rc;
}

/* ---- reading */

static int parse_config(const char *json, cx_model_config *c, const char *path, cx_error *err) {
    cJSON *o = cJSON_Parse(json);
    int rc = o ? model_config_from_json(o, CFG_META, path, c, err)
               : cx_error_set(err, CX_ERR_FORMAT, "%s: " META_CONFIG " is not JSON", path);
    cJSON_Delete(o);
    return rc;
}

/* The tensor `name` with this dtype and shape (cols 0: a vector). */
static int find(const st_file *f, const char *name, st_dtype dt, int rows, int cols, const st_tensor **out,
                const char *path, cx_error *err) {
    const st_tensor *t = st_find(f, name);
    if (!t) return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' is missing", path, name);
    int nd = cols ? 2 : 1;
    if (t->dtype != dt)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' is %s, expected %s", path, name, st_dtype_name(t->dtype),
                            st_dtype_name(dt));
    if (t->ndim != nd || t->shape[0] != rows || (cols && t->shape[1] != cols))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' does not have the shape [%d%s%.0d] the config needs", path,
                            name, rows, cols ? "," : "", cols);
    *out = t;
    return CX_OK;
}

static int load_int8(cx_engine *e, const st_file *f, const eng_tensor *t, const char *path, cx_error *err) {
    char sname[112];
    const st_tensor *st, *ss;
    scale_name(sname, sizeof sname, t->name);
    int rc = find(f, sname, ST_F32, 1, 0, &ss, path, err);
    if (!rc) rc = find(f, t->name, ST_I8, t->rows, t->cols, &st, path, err);
    if (rc) return rc;
    float s;
    memcpy(&s, st_data(f, ss), 4);
    if (!(isfinite(s) && s > 0.0f))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' is not a positive finite scale", path, sname);
    const int8_t *q = (const int8_t *)st_data(f, st);
    if (!t->lin) {
        e->word = q;
        e->word_scale = s;
        return CX_OK;
    }
    t->lin->scale = s;
    return eng_pack_linear(e, t->lin, q, t->rows, t->cols) ? cx_error_set(err, CX_ERR_NOMEM, "out of memory") : CX_OK;
}

static int load_tensors(cx_engine *e, const st_file *f, const char *path, cx_error *err) {
    int n = eng_tensor_count(&e->cfg), rc;
    eng_tensor *list = calloc((size_t)n, sizeof *list);
    if (!list) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    eng_tensor_list(e, list);
    rc = eng_alloc_tensors(e, list, n, err);
    for (int i = 0; rc == CX_OK && i < n; i++) {
        const st_tensor *t;
        if (list[i].is_int8) rc = load_int8(e, f, &list[i], path, err);
        else if (!(rc = find(f, list[i].name, ST_F32, list[i].rows, list[i].cols, &t, path, err)))
            rc = st_read_f32(f, t, (float *)*list[i].f32, elems(&list[i]), err);
    }
    free(list);
    return rc;
}

static int is_onnx(const char *path) {
    size_t n = strlen(path);
    return n > 5 && strcmp(path + n - 5, ".onnx") == 0;
}

int cx_engine_load(const char *path, cx_engine **out, cx_error *err) {
    *out = NULL;
    if (is_onnx(path)) return eng_load_onnx(out, path, err);
    st_file *f = NULL;
    int rc = st_open(&f, path, err);
    if (rc) return rc;
    const char *fmt = st_meta(f, META_FORMAT), *cfg = st_meta(f, META_CONFIG);
    if (!fmt || strcmp(fmt, FORMAT_INT8) != 0 || !cfg) {
        st_close(f);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: not an INT8 model (metadata " META_FORMAT " is not \"" FORMAT_INT8 "\")",
                            path);
    }
    cx_engine *e = calloc(1, sizeof *e);
    if (!e) rc = cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    if (!rc) rc = parse_config(cfg, &e->cfg, path, err);
    if (!rc && e->cfg.n_layers > CX_MODEL_MAX_LAYERS)
        rc = cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: %d layers (at most %d)", path, e->cfg.n_layers, CX_MODEL_MAX_LAYERS);
    if (!rc) rc = load_tensors(e, f, path, err);
    if (!rc) {
        uint8_t *data;
        e->map = st_take_mapping(f, &e->map_len, &data);
        /* everything but the word embeddings was copied: drop the pages read
         * so far (clean, file-backed; they come back on demand) */
        if (e->map) madvise(e->map, e->map_len, MADV_DONTNEED);
        /* rows of the word table are read at random: no readahead or fault-around */
        if (e->map) madvise(e->map, e->map_len, MADV_RANDOM);
    }
    st_close(f);
    if (rc) {
        cx_engine_free(e);
        return rc;
    }
    *out = e;
    return CX_OK;
}

int cx_engine_file_is_int8(const char *path) {
    if (is_onnx(path)) return 1;
    st_file *f = NULL;
    cx_error ignore;
    if (st_open(&f, path, &ignore) != CX_OK) return 0;
    const char *fmt = st_meta(f, META_FORMAT);
    int yes = fmt && strcmp(fmt, FORMAT_INT8) == 0;
    st_close(f);
    return yes;
}
