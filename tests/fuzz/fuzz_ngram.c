/* Fuzz target: the n-gram part file of the default model
 * (complexity_ngram.safetensors, infer/ngram.h). The input is the file, which
 * cx_ngram_open reads from /dev/shm or /tmp; a file that loads computes the
 * logits of a fixed mixed-script text and of the input's first bytes.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/ngram (a small file
 * at bits 8, as tools/train_ngram.py writes them).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_ngram
 * run: build-fuzz/fuzz_ngram -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/ngram
 * The test suite replays tests/fuzz/corpus/ngram (replay_ngram). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "infer/ngram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[160];
    fuzz_path(path, sizeof path, "ngram.safetensors");
    fuzz_write(path, data, size);
    cx_ngram *m = NULL;
    cx_error err = {0, ""};
    const int rc = cx_ngram_open(path, &m, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        static const char text[] = "Write a Python function 請幫我 İstanbul \xff  tabs\there";
        float out[NGRAM_OUTPUTS];
        fuzz_check(cx_ngram_logits(m, text, sizeof text - 1, out, &err), &err);
        fuzz_check(cx_ngram_logits(m, (const char *)data, size < 1024 ? size : 1024, out, &err), &err);
        cx_ngram_free(m);
    }
    unlink(path);
    return 0;
}
