/* Fuzz target: the generator's template language (docs/TEMPLATES.md). The
 * input is one *.tmpl file, which cx_templates_load reads from /dev/shm or
 * /tmp without the built-in set; a set that loads generates a few samples
 * with a fixed seed, each a record that the dataset reader reads back.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour, and quickly (nesting, slot depth and the size
 * a template expands to are capped). Seeds: tests/fuzz/corpus/templates.
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_templates
 * run: build-fuzz/fuzz_templates -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/templates
 * The test suite replays tests/fuzz/corpus/templates (replay_templates). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/generate.h"
#include "complexity/labels.h"
#include "fuzz_util.h"

/* What generate-data writes, data-stats and training read back. */
static void check_readable(const cx_record *rec) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f || cx_record_write(f, rec) != CX_OK) abort();
    fclose(f);
    cx_record back;
    char *text = NULL;
    cx_error err = {0, ""};
    if (cx_record_parse(buf, len - 1, &back, &text, &err) != CX_OK) abort();
    free(text);
    free(buf);
}

static void generate(const cx_templates *t) {
    cx_gen_options o = {.count = 4, .seed = 42, .split = CX_SPLIT_TEMPLATE};
    cx_generated *g = NULL;
    cx_error err = {0, ""};
    const int rc = cx_generate(t, &o, &g, &err);
    fuzz_check(rc, &err);
    if (rc != CX_OK) return;
    for (size_t i = 0; i < cx_generated_size(g); i++) {
        const cx_sample *s = cx_generated_get(g, i);
        if (s->rec.text_len == 0 || strlen(s->rec.text) != s->rec.text_len) abort();
        if (!(s->rec.score >= 0.0 && s->rec.score <= 1.0) || s->rec.tier < 0 || s->rec.tier >= CX_N_TIERS) abort();
        if ((size_t)s->family >= cx_templates_family_count(t) || s->split < 0 || s->split > 2) abort();
        check_readable(&s->rec);
    }
    cx_generated_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[160];
    fuzz_path(path, sizeof path, "input.tmpl");
    fuzz_write(path, data, size);
    cx_templates *t = NULL;
    cx_error err = {0, ""};
    const int rc = cx_templates_load(path, 0, &t, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        generate(t);
        cx_templates_free(t);
    }
    unlink(path);
    return 0;
}
