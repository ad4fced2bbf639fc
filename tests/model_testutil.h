/* Helpers shared by the model tests (header-only: tests/test_*.c are
 * separate executables). */
#ifndef CX_MODEL_TESTUTIL_H
#define CX_MODEL_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* Compares got with ref element-wise: |got - ref| <= rtol * max(|ref|, floor),
 * floor = 1e-2 * max|ref| over the tensor, so elements near zero are judged on
 * the tensor's scale (float32 sums of cancelling terms cannot do better). A
 * reference that is zero in exact arithmetic (max|ref| < 1e-12: e.g. the
 * gradient of k_lin.bias, which softmax cancels) must be within 1e-7.
 * Prints the worst element of a failure counted in *failures (or all with
 * CX_TEST_VERBOSE set); returns the worst relative error. */
static inline double mt_compare(const char *name, const float *got, const float *ref, size_t n,
                                double rtol, int *failures) {
    double maxabs = 0.0;
    for (size_t i = 0; i < n; i++) maxabs = fmax(maxabs, fabs(ref[i]));
    int zero_ref = maxabs < 1e-12;
    double floor_ = 1e-2 * maxabs, worst = 0.0;
    size_t wi = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        double e = zero_ref ? d : d / fmax(fabs(ref[i]), floor_);
        if (!(e <= worst)) { worst = e; wi = i; } /* NaN counts as worst */
    }
    int bad = zero_ref ? !(worst <= 1e-7) : !(worst <= rtol);
    if ((bad && failures) || getenv("CX_TEST_VERBOSE"))
        printf("%s %-60s n=%-6zu worst %s err %.3g at [%zu]: got %.9g ref %.9g\n",
               bad ? "FAIL" : "ok  ", name, n, zero_ref ? "abs" : "rel", worst, wi,
               n ? got[wi] : 0.0, n ? ref[wi] : 0.0);
    if (bad && failures) (*failures)++;
    return zero_ref ? 0.0 : worst;
}

#endif
