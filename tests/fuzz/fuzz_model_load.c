/* Fuzz target: a model file for the INT8 engine. The first byte picks the
 * format (even: ONNX, odd: INT8 safetensors), the rest is the file, which
 * cx_engine_load reads from a file in /dev/shm or /tmp (mapped, as the CLI
 * reads it).
 * Every input must end in CX_OK or an error with a message, never a crash,
 * a leak or undefined behaviour; a file that loads is also run on a few
 * tokens. Seeds: tests/fuzz/corpus/model_load (the micro model of tests/data/onnx,
 * prefixed).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_model_load
 * run: build-fuzz/fuzz_model_load -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/model_load
 * The test suite replays tests/fuzz/corpus/model_load through the same function
 * (replay_model_load, built with fuzz_replay_main.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/engine.h"

static void run_a_little(const cx_engine *e) {
    const cx_model_config *c = cx_engine_config(e);
    cx_engine_options o = {.max_len = 8, .threads = 1};
    cx_engine_ctx *ctx = NULL;
    cx_error err = {0, ""};
    if (cx_engine_ctx_open(e, &o, &ctx, &err) != CX_OK) return;
    int32_t ids[3] = {0, 1 % c->vocab_size, 2 % c->vocab_size};
    cx_engine_output out;
    if (cx_engine_forward(ctx, ids, 3, &out, &err) != CX_OK && !err.msg[0]) abort(); /* an error says why */
    cx_engine_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char path[96];
    FILE *f = NULL;
    static const char *const dirs[] = {"/dev/shm", "/tmp"}; /* memory first: thousands of files a second */
    for (int i = 0; i < 2 && !f; i++) {
        snprintf(path, sizeof path, "%s/cx_fuzz_%ld.%s", dirs[i], (long)getpid(), data[0] & 1 ? "safetensors" : "onnx");
        f = fopen(path, "wb");
    }
    if (!f) abort(); /* no file, no test: fail rather than pass without loading anything */
    const int ok = fwrite(data + 1, 1, size - 1, f) == size - 1;
    if (fclose(f) != 0 || !ok) {
        unlink(path);
        return 0;
    }
    cx_engine *e = NULL;
    cx_error err = {0, ""};
    const int rc = cx_engine_load(path, &e, &err);
    if (rc == CX_OK) {
        run_a_little(e);
        cx_engine_free(e);
    } else if (!err.msg[0]) {
        abort(); /* a refused file is refused with a message */
    }
    unlink(path);
    return 0;
}
