/* Fuzz target: vocab.txt as a tokenizer vocabulary. The input is the file,
 * which cx_tokenizer_open reads from a folder of its own in /dev/shm or /tmp
 * (no tokenizer_config.json beside it: the cased defaults). A vocabulary that
 * loads encodes a fixed mixed-script text and the input's first bytes.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/vocab (small
 * vocabularies; tests/data/vocab_small).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_vocab
 * run: build-fuzz/fuzz_vocab -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/vocab
 * The test suite replays tests/fuzz/corpus/vocab (replay_vocab). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/tokenizer.h"
#include "fuzz_util.h"

static void encode(const cx_tokenizer *tok, const char *text, size_t len) {
    int32_t ids[512];
    size_t n = 0;
    cx_error err = {0, ""};
    const int rc = cx_tokenizer_encode(tok, text, len, 64, ids, NULL, 512, &n, &err);
    fuzz_check(rc, &err);
    for (size_t i = 0; rc == CX_OK && i < n; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= cx_tokenizer_vocab_size(tok)) abort(); /* every id is in the vocabulary */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[160];
    fuzz_path(path, sizeof path, "vocab.txt");
    fuzz_write(path, data, size);
    cx_tokenizer *tok = NULL;
    cx_error err = {0, ""};
    const int rc = cx_tokenizer_open(path, &tok, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        static const char text[] = "Hello, naïve World! 請幫我寫 ab##c [CLS] x\xff\x80y unaffable";
        encode(tok, text, sizeof text - 1);
        encode(tok, (const char *)data, size < 256 ? size : 256);
        cx_tokenizer_free(tok);
    }
    unlink(path);
    return 0;
}
