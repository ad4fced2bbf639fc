/* The numeric kernels against their naive twins and against definitions:
 * GEMM wrapper, attention, layer norm, GELU, dropout, losses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_testutil.h"
#include "nn/nn.h"
#include "util/fastmath.h"
#include "util/rng.h"

static float *randn(size_t n, uint64_t seed, double scale) {
    cx_rng r;
    cx_rng_seed(&r, seed);
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(scale * cx_rng_normal(&r));
    return v;
}

static void test_matmul_matches_naive(void **state) {
    (void)state;
    const size_t N = 37;
    const int C = 19, OC = 23;
    float *inp = randn(N * C, 1, 1.0), *w = randn((size_t)OC * C, 2, 1.0), *b = randn(OC, 3, 1.0);
    float *o1 = calloc(N * OC, 4), *o2 = calloc(N * OC, 4), *dout = randn(N * OC, 4, 1.0);
    matmul_forward(NULL, o1, inp, w, b, N, C, OC);
    matmul_forward_naive(o2, inp, w, b, N, C, OC);
    int fails = 0;
    mt_compare("matmul_forward", o1, o2, N * OC, 1e-5, &fails);
    float *di1 = calloc(N * C, 4), *di2 = calloc(N * C, 4);
    float *dw1 = calloc((size_t)OC * C, 4), *dw2 = calloc((size_t)OC * C, 4);
    float *db1 = calloc(OC, 4), *db2 = calloc(OC, 4);
    /* accumulation: both start from the same non-zero values */
    for (int i = 0; i < OC; i++) db1[i] = db2[i] = 1.0f;
    matmul_backward(NULL, di1, dw1, db1, dout, inp, w, N, C, OC);
    matmul_backward_naive(di2, dw2, db2, dout, inp, w, N, C, OC);
    mt_compare("matmul_backward dinp", di1, di2, N * C, 1e-5, &fails);
    mt_compare("matmul_backward dweight", dw1, dw2, (size_t)OC * C, 1e-5, &fails);
    mt_compare("matmul_backward dbias", db1, db2, OC, 1e-5, &fails);
    assert_int_equal(fails, 0);
    /* a transposed weight must not pass */
    float *wt = malloc((size_t)OC * C * 4);
    for (int o = 0; o < OC; o++) /* weight read as (C, OC): the classic mistake */
        for (int c = 0; c < C; c++) wt[o * C + c] = w[((size_t)c * OC + o) % ((size_t)OC * C)];
    matmul_forward(NULL, o2, inp, wt, b, N, C, OC);
    assert_true(mt_compare("transposed (expected to differ)", o1, o2, N * OC, 1e-5, NULL) > 1e-2);
    free(inp); free(w); free(b); free(o1); free(o2); free(dout); free(di1); free(di2);
    free(dw1); free(dw2); free(db1); free(db2); free(wt);
}

/* x rounded to bfloat16, to nearest even, computed differently from the
 * library (arithmetic on the value, not bit tricks) */
static float bf16_round(float x) {
    int e;
    double m = frexp(x, &e);                 /* x = m 2^e, 0.5 <= |m| < 1 */
    double scaled = ldexp(m, 8);             /* 8 significant bits */
    double r = nearbyint(scaled);            /* default mode: ties to even */
    return (float)ldexp(r, e - 8);
}

static void round_all(float *dst, const float *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = bf16_round(src[i]);
}

static void test_matmul_bf16(void **state) {
    (void)state;
    if (!nn_bf16_supported()) skip();
    nn_gemm *g = NULL;
    cx_error err;
    assert_int_equal(nn_gemm_open(&g, &err), CX_OK);
    /* ties round to even: 1 + 2^-8 -> 1, 1 + 3 2^-8 -> 1 + 2^-6 */
    float one = 1.0f, tie1 = 1.0f + 0x1p-8f, tie2 = 1.0f + 3 * 0x1p-8f, o = 0;
    assert_int_equal(nn_gemm_forward(g, &o, &tie1, &one, 1, 1, 1), 0);
    assert_true(o == 1.0f);
    assert_int_equal(nn_gemm_forward(g, &o, &tie2, &one, 1, 1, 1), 0);
    assert_true(o == 1.0f + 0x1p-6f);
    /* odd shapes, and one large enough for the threaded conversion; the
     * reference: the naive GEMM on operands rounded to bf16 */
    static const int shapes[2][3] = {{37, 19, 23}, {300, 256, 515}};
    for (int k = 0; k < 2; k++) {
        const size_t N = (size_t)shapes[k][0];
        const int C = shapes[k][1], OC = shapes[k][2];
        float *inp = randn(N * C, 11, 1.0), *w = randn((size_t)OC * C, 12, 0.1);
        float *dout = randn(N * OC, 13, 1.0);
        float *ri = malloc(N * C * 4), *rw = malloc((size_t)OC * C * 4), *rd = malloc(N * OC * 4);
        round_all(ri, inp, N * C);
        round_all(rw, w, (size_t)OC * C);
        round_all(rd, dout, N * OC);
        float *o1 = calloc(N * OC, 4), *o2 = calloc(N * OC, 4), *o3 = calloc(N * OC, 4);
        int fails = 0;
        matmul_forward(g, o1, inp, w, NULL, N, C, OC);
        matmul_forward_naive(o2, ri, rw, NULL, N, C, OC);
        mt_compare("bf16 forward", o1, o2, N * OC, 1e-4, &fails);
        /* and it is not fp32: rounding the operands moves results by ~2^-9
         * relative, far beyond fp32 accumulation's ~1e-5 allowed here */
        matmul_forward_naive(o3, inp, w, NULL, N, C, OC);
        assert_true(mt_compare("fp32 (expected to differ)", o1, o3, N * OC, 1e-4, NULL) > 1e-3);
        /* backward accumulates into non-zero gradients */
        float *di1 = randn(N * C, 14, 1.0), *di2 = malloc(N * C * 4);
        float *dw1 = randn((size_t)OC * C, 15, 1.0), *dw2 = malloc((size_t)OC * C * 4);
        memcpy(di2, di1, N * C * 4);
        memcpy(dw2, dw1, (size_t)OC * C * 4);
        matmul_backward(g, di1, dw1, NULL, dout, inp, w, N, C, OC);
        matmul_backward_naive(di2, dw2, NULL, rd, ri, rw, N, C, OC);
        mt_compare("bf16 backward dinp", di1, di2, N * C, 1e-4, &fails);
        mt_compare("bf16 backward dweight", dw1, dw2, (size_t)OC * C, 1e-4, &fails);
        /* the weight gradient alone (no data gradient before it) */
        memcpy(dw1, dw2, (size_t)OC * C * 4);
        matmul_backward(g, NULL, dw1, NULL, dout, inp, w, N, C, OC);
        matmul_backward_naive(NULL, dw2, NULL, rd, ri, rw, N, C, OC);
        mt_compare("bf16 backward dweight only", dw1, dw2, (size_t)OC * C, 1e-4, &fails);
        assert_int_equal(fails, 0);
        free(inp); free(w); free(dout); free(ri); free(rw); free(rd); free(o1); free(o2);
        free(o3); free(di1); free(di2); free(dw1); free(dw2);
    }
    nn_gemm_free(g);
}

/* A packed batch of three sequences. */
static const size_t off[4] = {0, 5, 6, 14};
static size_t aoff[4];

static cx_seqs seqs(int H) {
    aoff[0] = 0;
    for (int b = 0; b < 3; b++) aoff[b + 1] = aoff[b] + (size_t)H * (off[b + 1] - off[b]) * (off[b + 1] - off[b]);
    return (cx_seqs){3, off, aoff};
}

static void test_attention_matches_naive(void **state) {
    (void)state;
    const int D = 12, H = 3;
    cx_seqs s = seqs(H);
    size_t N = off[3], A = aoff[3];
    float *qkv = randn(N * 3 * D, 5, 1.0);
    float *o1 = calloc(N * D, 4), *o2 = calloc(N * D, 4), *p1 = calloc(A, 4), *p2 = calloc(A, 4);
    int fails = 0;
    attention_forward(o1, p1, qkv, NULL, 0.0f, &s, D, H);
    attention_forward_naive(o2, p2, qkv, NULL, 0.0f, &s, D, H);
    mt_compare("attention out", o1, o2, N * D, 1e-5, &fails);
    mt_compare("attention probs", p1, p2, A, 1e-5, &fails);
    /* every row of every map sums to 1 */
    for (size_t i = 0; i + 0 < A; i += 1) assert_true(p1[i] >= 0.0f && p1[i] <= 1.0f);
    /* with dropout */
    uint8_t *mask = malloc(A);
    cx_rng r;
    cx_rng_seed(&r, 1);
    dropout_mask(mask, A, 0.3f, &r);
    attention_forward(o1, p1, qkv, mask, 0.3f, &s, D, H);
    attention_forward_naive(o2, p2, qkv, mask, 0.3f, &s, D, H);
    mt_compare("attention out (dropout)", o1, o2, N * D, 1e-5, &fails);
    assert_int_equal(fails, 0);
    free(qkv); free(o1); free(o2); free(p1); free(p2); free(mask);
}

/* d/dx of sum(dout * attention(x)) by central differences, in float: a few
 * random coordinates, loose tolerance (the model-level tests are strict). */
static double att_objective(const float *qkv, const float *dout, const cx_seqs *s, int D, int H,
                            const uint8_t *mask, float p) {
    size_t N = s->off[3];
    float *o = calloc(N * D, 4), *pr = calloc(s->aoff[3], 4);
    attention_forward_naive(o, pr, qkv, mask, p, s, D, H);
    double acc = 0.0;
    for (size_t i = 0; i < N * D; i++) acc += (double)o[i] * dout[i];
    free(o); free(pr);
    return acc;
}

static void test_attention_backward(void **state) {
    (void)state;
    const int D = 12, H = 3;
    cx_seqs s = seqs(H);
    size_t N = off[3], A = aoff[3];
    float *qkv = randn(N * 3 * D, 6, 1.0), *dout = randn(N * D, 7, 1.0);
    float *o = calloc(N * D, 4), *pr = calloc(A, 4), *dqkv = calloc(N * 3 * D, 4);
    uint8_t *mask = malloc(A);
    cx_rng r;
    cx_rng_seed(&r, 2);
    dropout_mask(mask, A, 0.25f, &r);
    attention_forward(o, pr, qkv, mask, 0.25f, &s, D, H);
    int threads = nn_threads();
    float *scratch = malloc(attention_scratch_floats(8, threads) * 4);
    attention_backward(dqkv, scratch, threads, dout, qkv, pr, mask, 0.25f, &s, D, H);
    double worst = 0.0;
    for (size_t k = 0; k < N * 3 * D; k += 7) {
        float save = qkv[k];
        const double eps = 1e-2;
        qkv[k] = save + (float)eps;
        double lp = att_objective(qkv, dout, &s, D, H, mask, 0.25f);
        qkv[k] = save - (float)eps;
        double lm = att_objective(qkv, dout, &s, D, H, mask, 0.25f);
        qkv[k] = save;
        double fd = (lp - lm) / (2 * eps);
        double e = fabs(fd - dqkv[k]) / fmax(fabs(fd), 1e-2);
        if (e > worst) worst = e;
    }
    printf("attention backward vs finite differences: worst rel err %.3g\n", worst);
    assert_true(worst < 1e-2);
    free(qkv); free(dout); free(o); free(pr); free(dqkv); free(mask); free(scratch);
}

/* The [CLS]-only attention against row 0 of every sequence of the full one,
 * forward and backward, with a dropout mask: same maps, same outputs, same
 * gradients for q (CLS rows), k and v (all rows). */
static void test_attention_cls(void **state) {
    (void)state;
    const int D = 12, H = 3;
    cx_seqs s = seqs(H);
    const size_t N = off[3], A = aoff[3], B = 3;
    float *qkv = randn(N * 3 * D, 31, 1.0);
    uint8_t *mask = malloc(A), *cmask = malloc(N * H);
    cx_rng r;
    cx_rng_seed(&r, 3);
    dropout_mask(mask, A, 0.25f, &r);
    /* the CLS layout: sequence b, head h at off[b] H + h T; row 0 of the full map */
    float *q = malloc(B * D * 4), *kv = malloc(N * 2 * D * 4);
    for (size_t b = 0; b < B; b++) {
        size_t T = off[b + 1] - off[b];
        memcpy(q + b * D, qkv + off[b] * 3 * D, D * 4);
        for (int h = 0; h < H; h++) memcpy(cmask + off[b] * H + h * T, mask + aoff[b] + h * T * T, T);
    }
    for (size_t i = 0; i < N; i++) memcpy(kv + i * 2 * D, qkv + i * 3 * D + D, 2 * D * 4);
    float *o = calloc(N * D, 4), *pr = calloc(A, 4), *co = calloc(B * D, 4), *cpr = calloc(N * H, 4);
    attention_forward(o, pr, qkv, mask, 0.25f, &s, D, H);
    attention_cls_forward(co, cpr, q, kv, cmask, 0.25f, &s, D, H);
    int fails = 0;
    float *want = malloc(N * D * 4);
    for (size_t b = 0; b < B; b++) memcpy(want + b * D, o + off[b] * D, D * 4);
    mt_compare("cls attention out", co, want, B * D, 1e-6, &fails);
    for (size_t b = 0; b < B; b++) {
        size_t T = off[b + 1] - off[b];
        for (int h = 0; h < H; h++)
            mt_compare("cls attention probs", cpr + off[b] * H + h * T, pr + aoff[b] + h * T * T, T, 1e-6, &fails);
    }
    /* backward: dout on the CLS rows only */
    float *dout = calloc(N * D, 4), *cdout = randn(B * D, 32, 1.0);
    for (size_t b = 0; b < B; b++) memcpy(dout + off[b] * D, cdout + b * D, D * 4);
    int threads = nn_threads();
    float *scratch = malloc(attention_scratch_floats(8, threads) * 4);
    float *dqkv = calloc(N * 3 * D, 4), *dq = calloc(B * D, 4), *dkv = calloc(N * 2 * D, 4);
    attention_backward(dqkv, scratch, threads, dout, qkv, pr, mask, 0.25f, &s, D, H);
    attention_cls_backward(dq, dkv, scratch, threads, cdout, q, kv, cpr, cmask, 0.25f, &s, D, H);
    float *wq = malloc(B * D * 4), *wkv = malloc(N * 2 * D * 4);
    for (size_t b = 0; b < B; b++) memcpy(wq + b * D, dqkv + off[b] * 3 * D, D * 4);
    for (size_t i = 0; i < N; i++) memcpy(wkv + i * 2 * D, dqkv + i * 3 * D + D, 2 * D * 4);
    mt_compare("cls attention dq", dq, wq, B * D, 1e-5, &fails);
    mt_compare("cls attention dkv", dkv, wkv, N * 2 * D, 1e-5, &fails);
    /* the other rows' queries get nothing: the full backward agrees */
    for (size_t i = 0; i < N; i++) {
        int is_cls = i == off[0] || i == off[1] || i == off[2];
        for (int c = 0; c < D && !is_cls; c++) assert_true(dqkv[i * 3 * D + c] == 0.0f);
    }
    assert_int_equal(fails, 0);
    free(qkv); free(mask); free(cmask); free(q); free(kv); free(o); free(pr); free(co); free(cpr);
    free(want); free(dout); free(cdout); free(scratch); free(dqkv); free(dq); free(dkv); free(wq); free(wkv);
}

static void test_layernorm(void **state) {
    (void)state;
    const size_t N = 6;
    const int C = 10;
    float *x = randn(N * C, 8, 2.0), *w = randn(C, 9, 1.0), *b = randn(C, 10, 1.0);
    float *out = calloc(N * C, 4), mean[6], rstd[6];
    layernorm_forward(out, mean, rstd, x, w, b, N, C, 1e-12f);
    /* (out - b) / w is normalised: mean 0, variance 1 */
    for (size_t i = 0; i < N; i++) {
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += (out[i * C + c] - b[c]) / w[c];
        for (int c = 0; c < C; c++) {
            double z = (out[i * C + c] - b[c]) / w[c] - m / C;
            v += z * z;
        }
        assert_true(fabs(m / C) < 1e-5);
        assert_true(fabs(v / C - 1.0) < 1e-4);
    }
    /* backward vs central differences of sum(dout * LN(x)) */
    float *dout = randn(N * C, 11, 1.0), *dx = calloc(N * C, 4), *dw = calloc(C, 4), *db = calloc(C, 4);
    layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
    double worst = 0.0;
    for (size_t k = 0; k < N * C; k++) {
        float save = x[k];
        double l[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            x[k] = save + (sgn ? -1e-2f : 1e-2f);
            layernorm_forward(out, NULL, NULL, x, w, b, N, C, 1e-12f);
            l[sgn] = 0;
            for (size_t i = 0; i < N * C; i++) l[sgn] += (double)out[i] * dout[i];
        }
        x[k] = save;
        double fd = (l[0] - l[1]) / 2e-2;
        worst = fmax(worst, fabs(fd - dx[k]) / fmax(fabs(fd), 1e-2));
    }
    printf("layernorm backward vs finite differences: worst rel err %.3g\n", worst);
    assert_true(worst < 1e-2);
    /* dbias is the column sum of dout */
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (size_t i = 0; i < N; i++) s += dout[i * C + c];
        assert_true(fabs(s - db[c]) < 1e-5);
    }
    free(x); free(w); free(b); free(out); free(dout); free(dx); free(dw); free(db);
}

static void test_gelu_relu(void **state) {
    (void)state;
    float x[5] = {-3.0f, -0.5f, 0.0f, 0.5f, 3.0f}, y[5], dx[5] = {0}, one[5] = {1, 1, 1, 1, 1};
    gelu_forward(y, x, 5);
    /* reference values of x * Phi(x) */
    const double ref[5] = {-0.0040496502, -0.1542687339, 0.0, 0.3457312661, 2.9959503498};
    for (int i = 0; i < 5; i++) assert_true(fabs(y[i] - ref[i]) < 1e-6);
    gelu_backward(dx, x, one, 5);
    for (int i = 0; i < 5; i++) {
        double h = 1e-3, xp = x[i] + h, xm = x[i] - h;
        double fd = (0.5 * xp * (1 + erf(xp / sqrt(2))) - 0.5 * xm * (1 + erf(xm / sqrt(2)))) / (2 * h);
        assert_true(fabs(fd - dx[i]) < 1e-5);
    }
    /* the float erf and exp behind them, against libm over their whole range */
    double worst_erf = 0, worst_exp = 0;
    for (int i = -70000; i <= 70000; i++) {
        float v = (float)i * 1e-4f;
        worst_erf = fmax(worst_erf, fabs(cx_erf(v) - erf(v)));
        float a = 10.0f * v; /* down to -70 */
        if (a <= 0) worst_exp = fmax(worst_exp, fabs(cx_exp_nonpositive(a) - exp(a)) / exp(a));
    }
    printf("float erf: worst abs error %.3g; exp: worst rel error %.3g\n", worst_erf, worst_exp);
    assert_true(worst_erf < 1e-6);
    assert_true(worst_exp < 3e-7);
    assert_true(cx_exp_nonpositive(-200.0f) < 1e-37f && cx_exp_nonpositive(0.0f) == 1.0f);
    /* a long array through the threaded loops matches the definition */
    enum { M = 10001 };
    float *xs = randn(M, 21, 3.0), *ys = malloc(M * 4), *ds = calloc(M, 4), *ones = malloc(M * 4);
    for (int i = 0; i < M; i++) ones[i] = 1.0f;
    gelu_forward(ys, xs, M);
    gelu_backward(ds, xs, ones, M);
    for (int i = 0; i < M; i++) {
        double v = xs[i], cdf = 0.5 * (1 + erf(v / sqrt(2))), pdf = exp(-0.5 * v * v) / sqrt(2 * 3.14159265358979323846);
        assert_true(fabs(ys[i] - v * cdf) < 2e-6 * fmax(1, fabs(v)));
        assert_true(fabs(ds[i] - (cdf + v * pdf)) < 2e-6 * fmax(1, fabs(v)));
    }
    free(xs); free(ys); free(ds); free(ones);
    float r[5], dr[5] = {0};
    relu_forward(r, x, 5);
    relu_backward(dr, r, one, 5);
    assert_true(r[0] == 0.0f && r[4] == 3.0f && dr[1] == 0.0f && dr[3] == 1.0f);
}

static void test_dropout(void **state) {
    (void)state;
    const size_t n = 200000;
    uint8_t *m1 = malloc(n), *m2 = malloc(n), *m3 = malloc(n);
    cx_rng a, b, c;
    cx_rng_seed(&a, 42);
    cx_rng_seed(&b, 42);
    cx_rng_seed(&c, 43);
    dropout_mask(m1, n, 0.1f, &a);
    dropout_mask(m2, n, 0.1f, &b);
    dropout_mask(m3, n, 0.1f, &c);
    assert_memory_equal(m1, m2, n); /* same seed, same mask */
    assert_memory_not_equal(m1, m3, n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) kept += m1[i];
    double rate = 1.0 - (double)kept / n; /* binomial sd ~ 0.00067 */
    printf("dropout p=0.1: dropped fraction %.4f\n", rate);
    assert_true(fabs(rate - 0.1) < 0.004);
    float *x = randn(n, 3, 1.0), *y = malloc(n * 4), *dx = calloc(n, 4);
    dropout_forward(y, x, m1, n, 0.1f);
    dropout_backward(dx, x, m1, n, 0.1f);
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        if (m1[i]) assert_true(fabsf(y[i] - x[i] / 0.9f) < 1e-6f && fabsf(dx[i] - x[i] / 0.9f) < 1e-6f);
        else assert_true(y[i] == 0.0f && dx[i] == 0.0f);
        sx += fabs(x[i]);
        sy += fabs(y[i]);
    }
    assert_true(fabs(sy / sx - 1.0) < 0.02); /* inverted dropout keeps the expectation */
    dropout_mask(m3, n, 0.0f, &c);
    for (size_t i = 0; i < n; i++) assert_int_equal(m3[i], 1);
    free(m1); free(m2); free(m3); free(x); free(y); free(dx);
}

static void test_losses(void **state) {
    (void)state;
    /* hand-computed values */
    float z[2] = {0.0f, 2.0f}, y[2] = {0.5f, 1.0f}, d[2] = {0};
    double s1 = 1.0 / (1.0 + exp(-2.0));
    double l = mse_sigmoid_loss(d, z, y, 2, 1.0f);
    assert_true(fabs(l - (0.0 + (s1 - 1) * (s1 - 1)) / 2) < 1e-7);
    assert_true(fabs(d[0]) < 1e-9);
    assert_true(fabs(d[1] - 2 * (s1 - 1) * s1 * (1 - s1) / 2) < 1e-7);
    float logits[6] = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f}, dl[6] = {0};
    int tgt[2] = {2, 0};
    double ce = cross_entropy_loss(dl, logits, tgt, 2, 3, 0.5f);
    double ref = (log(exp(1) + exp(2) + exp(3)) - 3 + log(3.0)) / 2;
    assert_true(fabs(ce - ref) < 1e-6);
    assert_true(fabs(dl[3] - 0.5 * (1.0 / 3 - 1) / 2) < 1e-7);
    float bz[2] = {-1.0f, 40.0f}, bt[2] = {1.0f, 0.0f}, bd[2] = {0};
    double bce = bce_logits_loss(bd, bz, bt, 1, 2, 1.0f);
    assert_true(fabs(bce - (1.0 + log1p(exp(-1.0)) + 40.0 + log1p(exp(-40.0))) / 2) < 1e-6);
    assert_true(isfinite(bce));
    assert_true(fabs(bd[1] - 0.5 / (1 + exp(-40.0))) < 1e-7);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmul_matches_naive),
        cmocka_unit_test(test_matmul_bf16),
        cmocka_unit_test(test_attention_matches_naive),
        cmocka_unit_test(test_attention_backward),
        cmocka_unit_test(test_attention_cls),
        cmocka_unit_test(test_layernorm),
        cmocka_unit_test(test_gelu_relu),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
