/* Fuzz target: tokenizer_config.json, read beside a vocab.txt (the options
 * do_lower_case, strip_accents, tokenize_chinese_chars; the loader reads no
 * special_tokens_map.json). The input is the file, written into a folder of
 * /dev/shm or /tmp that also holds a fixed small vocab.txt; cx_tokenizer_open
 * opens the folder, and a tokenizer that loads encodes a fixed text.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/tokenizer_config.
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_tokenizer_config
 * run: build-fuzz/fuzz_tokenizer_config -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/tokenizer_config
 * The test suite replays tests/fuzz/corpus/tokenizer_config (replay_tokenizer_config). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/tokenizer.h"
#include "fuzz_util.h"

static const char VOCAB[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\nna\n##ive\nnaive\nä\na\n##b\n請\n幫\n,\n!\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char vocab[160], config[160];
    fuzz_path(vocab, sizeof vocab, "vocab.txt");
    fuzz_path(config, sizeof config, "tokenizer_config.json");
    fuzz_write(vocab, VOCAB, sizeof VOCAB - 1);
    fuzz_write(config, data, size);
    cx_tokenizer *tok = NULL;
    cx_error err = {0, ""};
    const int rc = cx_tokenizer_open(fuzz_dir(), &tok, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        static const char text[] = "Hello, NAÏVE worlds! 請幫我 Äab";
        int32_t ids[64];
        size_t n = 0;
        fuzz_check(cx_tokenizer_encode(tok, text, sizeof text - 1, 0, ids, NULL, 64, &n, &err), &err);
        cx_tokenizer_free(tok);
    }
    unlink(config);
    unlink(vocab);
    return 0;
}
