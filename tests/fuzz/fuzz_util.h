/* Shared by the fuzz targets (header only: every fuzz_*.c is its own program):
 * a scratch folder of this process in /dev/shm (or /tmp), files written into
 * it, and the one rule every target checks: a refusal says why. */
#ifndef CX_FUZZ_UTIL_H
#define CX_FUZZ_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/common.h"

static char fuzz_dir_path[96];

static inline void fuzz_dir_remove(void) { rmdir(fuzz_dir_path); /* empty by then: each run removes its files */ }

/* The folder, made on first use; memory first: thousands of files a second. */
static inline const char *fuzz_dir(void) {
    if (fuzz_dir_path[0]) return fuzz_dir_path;
    static const char *const roots[] = {"/dev/shm", "/tmp"};
    for (int i = 0; i < 2; i++) {
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/cx_fuzz_%ld", roots[i], (long)getpid());
        if (mkdir(fuzz_dir_path, 0700) == 0 || errno == EEXIST) {
            atexit(fuzz_dir_remove);
            return fuzz_dir_path;
        }
    }
    abort(); /* no folder, no test: fail rather than pass without reading anything */
}

/* out = the folder / name. */
static inline void fuzz_path(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", fuzz_dir(), name);
}

/* Writes data[0..size) to path; aborts when it cannot (a full disk is no pass). */
static inline void fuzz_write(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    const int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok) abort();
}

/* A status from the library: CX_OK, or an error that says why. */
static inline void fuzz_check(int rc, const cx_error *err) {
    if (rc != CX_OK && !err->msg[0]) abort();
}

#endif
