/* The one table of a model config's JSON keys (config_json.h). */
#include "model/config_json.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "complexity/common.h"

typedef struct config_field {
    const char *name[2];  /* CFG_META, CFG_HF */
    size_t offset;
    int is_float;
    int required[2];      /* when reading that spelling */
} config_field;

#define INT_FIELD(meta, hf, field, req_hf) {{meta, hf}, offsetof(cx_model_config, field), 0, {1, req_hf}}
#define FLOAT_FIELD(meta, hf, field) {{meta, hf}, offsetof(cx_model_config, field), 1, {0, 0}}

static const config_field FIELDS[] = {
    INT_FIELD("vocab_size", "vocab_size", vocab_size, 1),
    INT_FIELD("max_positions", "max_position_embeddings", max_positions, 1),
    INT_FIELD("dim", "dim", dim, 1),
    INT_FIELD("n_layers", "n_layers", n_layers, 1),
    INT_FIELD("n_heads", "n_heads", n_heads, 1),
    INT_FIELD("ffn_dim", "hidden_dim", ffn_dim, 1),
    INT_FIELD("shared_dim", "shared_dim", shared_dim, 0),
    INT_FIELD("head_dim", "head_dim", head_dim, 0),
    FLOAT_FIELD("dropout", "dropout", dropout),
    FLOAT_FIELD("attention_dropout", "attention_dropout", attention_dropout),
    FLOAT_FIELD("ln_eps", "layer_norm_eps", ln_eps),
};
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

static int *int_at(cx_model_config *c, const config_field *f) { return (int *)(void *)((char *)c + f->offset); }
static float *float_at(cx_model_config *c, const config_field *f) {
    return (float *)(void *)((char *)c + f->offset);
}

int model_config_to_json(const cx_model_config *c, cfg_spelling sp, cJSON *obj) {
    cx_model_config v = *c;
    for (int i = 0; i < N_FIELDS; i++) {
        const config_field *f = &FIELDS[i];
        /* floats through their shortest decimal, so a file reads back the same float */
        char num[32];
        if (f->is_float) snprintf(num, sizeof num, "%.9g", (double)*float_at(&v, f));
        cJSON *item = f->is_float ? cJSON_CreateRaw(num) : cJSON_CreateNumber(*int_at(&v, f));
        if (!item || !cJSON_AddItemToObject(obj, f->name[sp], item)) {
            cJSON_Delete(item);
            return -1;
        }
    }
    return 0;
}

char *model_config_json_string(const cx_model_config *c, cfg_spelling sp) {
    cJSON *o = cJSON_CreateObject();
    char *s = o && model_config_to_json(c, sp, o) == 0 ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

static int read_field(const cJSON *obj, const config_field *f, cfg_spelling sp, const char *where, cx_model_config *c,
                      cx_error *err) {
    const char *key = f->name[sp];
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return f->required[sp] ? cx_error_set(err, CX_ERR_FORMAT, "%s: missing \"%s\"", where, key) : CX_OK;
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: \"%s\" is not a number", where, key);
    const double d = j->valuedouble;
    if (f->is_float) {
        *float_at(c, f) = (float)d;
        return CX_OK;
    }
    if (!(d >= 0 && d <= 1e9) || (double)(int)d != d)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: \"%s\" is not a non-negative integer", where, key);
    *int_at(c, f) = (int)d;
    return CX_OK;
}

int model_config_from_json(const cJSON *obj, cfg_spelling sp, const char *where, cx_model_config *c,
                           cx_error *err) {
    if (!cJSON_IsObject(obj)) return cx_error_set(err, CX_ERR_FORMAT, "%s: the model config is not a JSON object", where);
    cx_model_preset("distilbert", c, NULL);
    for (int i = 0; i < N_FIELDS; i++) {
        int rc = read_field(obj, &FIELDS[i], sp, where, c, err);
        if (rc) return rc;
    }
    return cx_model_config_check(c, err) ? cx_error_prefix(err, "%s", where) : CX_OK;
}
