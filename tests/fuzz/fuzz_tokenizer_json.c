/* Fuzz target: tokenizer.json (the Hugging Face fast-tokenizer file). The
 * input is the file, which cx_tokenizer_open reads from /dev/shm or /tmp. A
 * tokenizer that loads encodes a fixed mixed-script text, the input's first
 * bytes, and a batch padded to 8 ids.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/tokenizer_json (small
 * files as cx_tokenizer_save writes them, and variants of each part).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_tokenizer_json
 * run: build-fuzz/fuzz_tokenizer_json -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/tokenizer_json
 * The test suite replays tests/fuzz/corpus/tokenizer_json (replay_tokenizer_json). */
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
    const int rc = cx_tokenizer_encode(tok, text, len, 0, ids, NULL, 512, &n, &err);
    fuzz_check(rc, &err);
    for (size_t i = 0; rc == CX_OK && i < n; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= cx_tokenizer_vocab_size(tok)) abort(); /* every id is in the vocabulary */
}

static void encode_batch(const cx_tokenizer *tok) {
    static const char *const texts[] = {"a b c", "", "Ünïcödé 中文 [SEP] [MASK]"};
    int32_t ids[3 * 8], mask[3 * 8];
    size_t lens[3];
    cx_error err = {0, ""};
    fuzz_check(cx_tokenizer_encode_batch(tok, texts, NULL, 3, 8, ids, mask, lens, &err), &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[160];
    fuzz_path(path, sizeof path, "tokenizer.json");
    fuzz_write(path, data, size);
    cx_tokenizer *tok = NULL;
    cx_error err = {0, ""};
    const int rc = cx_tokenizer_open(path, &tok, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        static const char text[] = "Hello, naïve World! 請幫我寫 ab##c [CLS] x\xff\x80y unaffable";
        encode(tok, text, sizeof text - 1);
        encode(tok, (const char *)data, size < 256 ? size : 256);
        encode_batch(tok);
        cx_tokenizer_free(tok);
    }
    unlink(path);
    return 0;
}
