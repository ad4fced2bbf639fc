/* A model's architecture as JSON: the one table of its keys, for every file
 * that holds one. Two spellings of the same fields:
 *   CFG_META  the "complexity.config" metadata of our weights files (fp32 and
 *             INT8): vocab_size, max_positions, ffn_dim, ln_eps, ...
 *   CFG_HF    config.json: Hugging Face's DistilBertConfig names (a training
 *             output folder loads as a base model), plus shared_dim, head_dim
 *             and layer_norm_eps, which Hugging Face files lack. */
#ifndef CX_MODEL_CONFIG_JSON_H
#define CX_MODEL_CONFIG_JSON_H

#include <cjson/cJSON.h>

#include "complexity/model.h"

typedef enum { CFG_META, CFG_HF } cfg_spelling;

/* Adds every field to obj (which must be a JSON object); 0 on success. */
int model_config_to_json(const cx_model_config *c, cfg_spelling sp, cJSON *obj);
/* The same as a compact JSON string (the metadata's form); caller frees. */
char *model_config_json_string(const cx_model_config *c, cfg_spelling sp);
/* Reads the fields of obj into c, which starts from the distilbert preset.
 * CFG_META: the integer fields are required, the floats default; CFG_HF: the
 * fields Hugging Face files lack are optional. Then checks the config.
 * Errors name `where` and the key. */
int model_config_from_json(const cJSON *obj, cfg_spelling sp, const char *where, cx_model_config *c,
                           cx_error *err);

#endif
