/* Fuzz target: the JSONL dataset reader. The first byte picks the mode:
 *   bit 0 clear  the rest is one line for cx_record_parse; a record it accepts
 *                is written back (cx_record_write) and must parse again to the
 *                same labels;
 *   bit 0 set    the rest is a whole file for cx_dataset_load (read from a
 *                file in /dev/shm or /tmp), bit 1 = CX_LOAD_SKIP_INVALID,
 *                bit 2 = CX_LOAD_ALLOW_EMPTY.
 * Every input must end in CX_OK or an error with a message, never a crash, a
 * leak or undefined behaviour. Seeds: tests/fuzz/corpus/jsonl (lines and files
 * of the reference data, prefixed).
 *
 * libFuzzer build (clang): cmake -B build-fuzz -DCMAKE_C_COMPILER=clang
 *   -DCMAKE_BUILD_TYPE=Asan -DCX_FUZZ=ON && ninja -C build-fuzz fuzz_jsonl
 * run: build-fuzz/fuzz_jsonl -max_len=65536 -max_total_time=600 CORPUS_DIR tests/fuzz/corpus/jsonl
 * The test suite replays tests/fuzz/corpus/jsonl (replay_jsonl). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complexity/dataset.h"
#include "fuzz_util.h"

/* A record the reader accepted is one the writer can write and the reader read back. */
static void check_round_trip(const cx_record *rec) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    if (cx_record_write(f, rec) != CX_OK) abort();
    fclose(f);
    cx_record back;
    char *text = NULL;
    cx_error err = {0, ""};
    if (len == 0 || buf[len - 1] != '\n') abort();
    if (cx_record_parse(buf, len - 1, &back, &text, &err) != CX_OK) abort();
    if (back.text_len != rec->text_len || memcmp(back.text, rec->text, rec->text_len) != 0 || back.tier != rec->tier ||
        back.domains != rec->domains || back.intent != rec->intent || back.lang != rec->lang)
        abort();
    free(text);
    free(buf);
}

static void run_line(const uint8_t *data, size_t size) {
    cx_record rec;
    char *text = NULL;
    cx_error err = {0, ""};
    const int rc = cx_record_parse((const char *)data, size, &rec, &text, &err);
    fuzz_check(rc, &err);
    if (rc != CX_OK) return;
    if (!rec.text || rec.text_len == 0 || !(rec.score >= 0.0 && rec.score <= 1.0)) abort();
    check_round_trip(&rec);
    free(text);
}

static void run_file(const uint8_t *data, size_t size, unsigned flags) {
    char path[160];
    fuzz_path(path, sizeof path, "data.jsonl");
    fuzz_write(path, data, size);
    cx_dataset *ds = NULL;
    cx_error err = {0, ""};
    const int rc = cx_dataset_load(path, flags, &ds, &err);
    fuzz_check(rc, &err);
    if (rc == CX_OK) {
        for (size_t i = 0; i < cx_dataset_size(ds); i++)
            if (cx_dataset_get(ds, i)->text_len == 0) abort();
        for (size_t i = 0; i < cx_dataset_problem_count(ds); i++)
            if (!cx_dataset_problem(ds, i)[0]) abort();
        cx_dataset_free(ds);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const unsigned mode = data[0];
    if (!(mode & 1)) run_line(data + 1, size - 1);
    else run_file(data + 1, size - 1, (mode & 2 ? CX_LOAD_SKIP_INVALID : 0) | (mode & 4 ? CX_LOAD_ALLOW_EMPTY : 0));
    return 0;
}
