/* AdamW, gradient clipping and the LR schedule against PyTorch's own
 * (tests/data/optim/adamw.txt, made by tools/make_optim_fixtures.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "train/optim.h"

typedef struct reader { FILE *f; } reader;

/* Next non-comment line's numbers into v (at most cap); returns the count. */
static size_t read_numbers(reader *r, double *v, size_t cap) {
    char line[16384];
    while (fgets(line, sizeof line, r->f)) {
        if (line[0] == '#') continue;
        size_t n = 0;
        char *p = line, *end;
        for (double x = strtod(p, &end); end != p && n < cap; x = strtod(p, &end)) {
            v[n++] = x;
            p = end;
        }
        return n;
    }
    fail_msg("fixture ended early");
    return 0;
}

static void assert_close(double got, double want, double rtol, double atol, const char *what, size_t i) {
    if (fabs(got - want) > atol + rtol * fabs(want)) fail_msg("%s[%zu]: got %.9g, want %.9g", what, i, got, want);
}

static void test_adamw_matches_torch(void **state) {
    (void)state;
    char *dir = tu_path(tu_source_dir(), "tests/data/optim");
    char *path = tu_path(dir, "adamw.txt");
    reader r = {fopen(path, "r")};
    assert_non_null(r.f);
    double hdr[2], buf[64];
    assert_int_equal(read_numbers(&r, hdr, 2), 2);
    size_t n = (size_t)hdr[0];
    int steps = (int)hdr[1];
    float p[64], g[64], m[64] = {0}, v[64] = {0};
    assert_int_equal(read_numbers(&r, buf, 64), n);
    for (size_t i = 0; i < n; i++) p[i] = (float)buf[i];
    const cx_adamw_hparams hp = {0.9f, 0.999f, 1e-8f, 0.01f};
    for (int k = 1; k <= steps; k++) {
        double norm_want, lr_want;
        assert_int_equal(read_numbers(&r, buf, 64), n);
        for (size_t i = 0; i < n; i++) g[i] = (float)buf[i];
        assert_int_equal(read_numbers(&r, &norm_want, 1), 1);
        assert_int_equal(read_numbers(&r, &lr_want, 1), 1);
        double norm = sqrt(cx_sum_squares(g, n));
        assert_close(norm, norm_want, 1e-6, 0, "norm", (size_t)k);
        float clip = cx_clip_factor(norm, 1.0);
        double lr = 1e-3 * cx_lr_multiplier(k - 1, 20, 4);
        assert_close(lr, lr_want, 1e-9, 1e-15, "lr", (size_t)k);
        cx_adamw_update(p, g, clip, m, v, n, (float)lr, &hp, k);
        assert_int_equal(read_numbers(&r, buf, 64), n);
        for (size_t i = 0; i < n; i++) assert_close(p[i], buf[i], 1e-5, 1e-7, "param", i);
    }
    double want[9];
    static const long at[9] = {0, 1, 50, 99, 100, 101, 500, 999, 1000};
    assert_int_equal(read_numbers(&r, want, 9), 9);
    for (int i = 0; i < 9; i++) assert_close(cx_lr_multiplier(at[i], 1000, 100), want[i], 1e-12, 1e-15, "lr1000", (size_t)i);
    static const long at2[5] = {0, 4, 8, 20, 39};
    assert_int_equal(read_numbers(&r, want, 5), 5);
    for (int i = 0; i < 5; i++) assert_close(cx_lr_multiplier(at2[i], 40, 100), want[i], 1e-12, 1e-15, "lr40", (size_t)i);
    fclose(r.f);
    free(path);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_adamw_matches_torch)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
