/* Fetching a base model from the Hugging Face Hub once, then using the local
 * copy offline. */
#ifndef COMPLEXITY_HUB_H
#define COMPLEXITY_HUB_H

#include "complexity/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The local folder of Hub model `name` (e.g. "distilbert-base-multilingual-cased"):
 * cache_dir/hub/NAME, where cache_dir defaults to $CX_CACHE_DIR, else
 * $XDG_CACHE_HOME/complexity, else ~/.cache/complexity. When the folder lacks
 * config.json, model.safetensors or a vocabulary (vocab.txt / tokenizer.json),
 * they are downloaded from $HF_ENDPOINT (default https://huggingface.co),
 * ENDPOINT/NAME/resolve/main/FILE, each written atomically. On failure the
 * message says which files to put where. *dir_out is owned by the caller. */
CX_API int cx_hub_fetch(const char *name, const char *cache_dir, char **dir_out, cx_error *err);

#ifdef __cplusplus
}
#endif
#endif
