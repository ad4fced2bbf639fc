/* Fuzz target: config.yaml, section task_complexity (cx_estimator_config_parse
 * on the input as the file's text). A config that parses must satisfy what the
 * parser promises: increasing tier boundaries, ambiguity_low below
 * ambiguity_high, strings NUL-terminated in their fields.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour, and quickly (nesting, anchors and aliases are
 * capped). Seeds: tests/fuzz/corpus/config_yaml (tests/data/estimate/kuro_config.yaml
 * and small variants).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_config_yaml
 * run: build-fuzz/fuzz_config_yaml -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/config_yaml
 * The test suite replays tests/fuzz/corpus/config_yaml (replay_config_yaml). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/estimator.h"
#include "fuzz_util.h"

static void check_config(const cx_estimator_config *c) {
    for (int t = 1; t < CX_N_TIERS - 1; t++)
        if (!(c->tier_boundaries[t] > c->tier_boundaries[t - 1])) abort();
    if (!(c->ambiguity_low < c->ambiguity_high)) abort();
    if (c->max_subtasks < 1 || c->max_subtasks > 100) abort();
    if (!memchr(c->fast_model, '\0', sizeof c->fast_model) || !memchr(c->ml_model_path, '\0', sizeof c->ml_model_path))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_estimator_config c;
    cx_error err = {0, ""};
    const int rc = cx_estimator_config_parse((const char *)data, size, "config.yaml", &c, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) check_config(&c);
    return 0;
}
