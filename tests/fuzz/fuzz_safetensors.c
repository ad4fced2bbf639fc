/* Fuzz target: safetensors files. The first byte picks the reader, the rest
 * is the file (read from /dev/shm or /tmp, mapped as the library maps it):
 *   bit 0 clear  st_open (model/safetensors.h), then every tensor's name,
 *                bounds and, for F32/F16/BF16, st_read_f32 of all its values;
 *   bit 0 set    cx_model_load, the fp32 weights with the config from the
 *                file's "complexity.config" metadata.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/safetensors (small
 * files of every dtype, a micro checkpoint; prefixed).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_safetensors
 * run: build-fuzz/fuzz_safetensors -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/safetensors
 * The test suite replays tests/fuzz/corpus/safetensors (replay_safetensors). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/model.h"
#include "fuzz_util.h"
#include "model/safetensors.h"

static void read_all(const st_file *f) {
    const size_t data = st_data_size(f);
    for (int i = 0; i < st_count(f); i++) {
        const st_tensor *t = st_get(f, i);
        if (!t->name || t->begin > t->end || t->end > data || t->ndim < 0 || t->ndim > ST_MAX_RANK) abort();
        if (st_find(f, t->name) != t) abort(); /* names are unique */
        if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) continue;
        float *dst = malloc((t->count ? t->count : 1) * sizeof *dst);
        if (!dst) abort();
        cx_error err = {0, ""};
        if (st_read_f32(f, t, dst, t->count, &err) != CX_OK) abort(); /* the right count always reads */
        free(dst);
    }
    st_meta(f, "format");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char path[160];
    fuzz_path(path, sizeof path, "file.safetensors");
    fuzz_write(path, data + 1, size - 1);
    cx_error err = {0, ""};
    if (!(data[0] & 1)) {
        st_file *f = NULL;
        const int rc = st_open(&f, path, &err);
        fuzz_check(rc, &err);
        if (rc == CX_OK) {
            read_all(f);
            st_close(f);
        }
    } else {
        cx_model *m = NULL;
        const int rc = cx_model_load(path, NULL, &m, &err);
        fuzz_check(rc, &err);
        cx_model_free(m);
    }
    unlink(path);
    return 0;
}
