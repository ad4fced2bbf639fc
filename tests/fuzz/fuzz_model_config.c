/* Fuzz target: model configurations, the JSON that sets a model's sizes. The
 * first byte picks where it is read from, the rest is the JSON:
 *   bit 0 clear  config.json of a Hugging Face DistilBERT folder
 *                (cx_model_load_hf; the folder in /dev/shm or /tmp has no
 *                model.safetensors, so a valid config ends in "not found");
 *   bit 0 set    the "complexity.config" metadata of our checkpoints
 *                (cx_model_load of a safetensors file whose metadata holds
 *                the input, up to its first NUL byte).
 * A config must never make the loader allocate beyond what the file can hold.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/model_config (the
 * configs of tests/data/model/hf and of a saved checkpoint, prefixed).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_model_config
 * run: build-fuzz/fuzz_model_config -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/model_config
 * The test suite replays tests/fuzz/corpus/model_config (replay_model_config). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/model.h"
#include "fuzz_util.h"
#include "model/safetensors.h"

static void run_hf(const uint8_t *data, size_t size) {
    char path[160];
    fuzz_path(path, sizeof path, "config.json");
    fuzz_write(path, data, size);
    cx_model *m = NULL;
    cx_error err = {0, ""};
    fuzz_check(cx_model_load_hf(fuzz_dir(), 1, &m, &err), &err);
    cx_model_free(m);
    unlink(path);
}

static void run_meta(const uint8_t *data, size_t size) {
    char *json = malloc(size + 1);
    if (!json) abort();
    memcpy(json, data, size);
    json[size] = '\0';
    char path[160];
    fuzz_path(path, sizeof path, "model.safetensors");
    const float one = 1.0f;
    const st_out t = {"x", &one, 1, {1}};
    const char *meta[] = {"complexity.config", json};
    cx_error err = {0, ""};
    if (st_write(path, &t, 1, meta, 1, &err) != CX_OK) abort();
    free(json);
    cx_model *m = NULL;
    fuzz_check(cx_model_load(path, NULL, &m, &err), &err);
    cx_model_free(m);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (data[0] & 1) run_meta(data + 1, size - 1);
    else run_hf(data + 1, size - 1);
    return 0;
}
