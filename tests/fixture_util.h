/* Reading the PyTorch fixtures (safetensors files written by tools/) of the
 * model tests (header-only: tests/test_*.c are separate executables). */
#ifndef CX_FIXTURE_UTIL_H
#define CX_FIXTURE_UTIL_H

#include "model/safetensors.h"
#include "testutil.h"

/* The fixture's tensor `name`; fails the test when it is missing. */
static inline const st_tensor *fx_need(const st_file *f, const char *name) {
    const st_tensor *t = st_find(f, name);
    if (!t) fail_msg("fixture lacks tensor %s", name);
    return t;
}

/* Tensor `name` as n floats into dst. */
static inline void fx_read_f32(const st_file *f, const char *name, float *dst, size_t n) {
    cx_error err = {0};
    if (st_read_f32(f, fx_need(f, name), dst, n, &err)) fail_msg("%s", err.msg);
}

#endif
