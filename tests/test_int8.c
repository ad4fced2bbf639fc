/* The INT8 engine: GEMM kernels against their naive twin (exact integers, one
 * test per kernel, skipped where this CPU lacks it), quantization helpers, the
 * engine against the fp32 model, its file (round trip, damaged files), and the
 * classifier on it. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>

#include "complexity/classifier.h"
#include "complexity/engine.h"
#include "infer/engine_int.h"
#include "infer/qgemm.h"
#include "infer/quant.h"
#include "infer/vec.h"
#include "model/safetensors.h"
#include "model_testutil.h"
#include "util/fastmath.h"
#include "util/rng.h"

static char *tmp;

static int setup(void **state) {
    (void)state;
    tmp = tu_tmpdir("test_int8");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(tmp);
    return 0;
}

/* ---- GEMM */

/* Kernel kern against the naive GEMM on one shape. */
static void run_case(qgemm_kernel kern, size_t N, int K, int OC, int extreme, uint64_t seed) {
    cx_rng r;
    cx_rng_seed(&r, seed);
    size_t lda = qgemm_lda(K), Np = (N + 3) / 4 * 4;
    uint8_t *A = malloc(Np * lda);
    memset(A, 0xa5, Np * lda); /* the tile's tail rows: whatever they hold is dropped */
    int8_t *W = malloc((size_t)OC * K);
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < K; k++) A[i * lda + k] = extreme ? 255 : (uint8_t)(cx_rng_next(&r) & 255);
    for (size_t i = 0; i < (size_t)OC * K; i++) W[i] = extreme ? (int8_t)(i % 2 ? -128 : 127) : (int8_t)(cx_rng_next(&r) & 255);
    int32_t *ref = malloc(N * OC * 4), *got = malloc(N * OC * 4);
    qgemm_naive(ref, (size_t)OC, A, lda, N, W, OC, K);
    qgemm_weight w;
    assert_int_equal(qgemm_pack(&w, W, OC, K), 0);
    for (int threads = 1; threads <= 2; threads++) {
        memset(got, 0x5a, N * OC * 4);
        /* each thread its share of the column blocks, as the engine's team runs it */
#pragma omp parallel num_threads(threads)
        qgemm_part(kern, got, (size_t)OC, A, lda, N, &w, &w, omp_get_thread_num(), omp_get_num_threads());
        if (memcmp(got, ref, N * OC * 4) != 0) {
            for (size_t i = 0; i < N * (size_t)OC; i++)
                if (got[i] != ref[i]) {
                    printf("FAIL %s N=%zu K=%d OC=%d threads=%d: [%zu] got %d ref %d\n", qgemm_kernel_name(kern), N, K,
                           OC, threads, i, got[i], ref[i]);
                    break;
                }
            fail();
        }
    }
    /* the packing is lossless, and the column sums are right */
    int8_t *back = malloc((size_t)OC * K);
    eng_unpack(back, &w);
    assert_memory_equal(back, W, (size_t)OC * K);
    for (int o = 0; o < OC; o++) {
        int32_t s = 0;
        for (int k = 0; k < K; k++) s += W[(size_t)o * K + k];
        assert_int_equal(w.col_sum[o], s);
    }
    qgemm_weight_free(&w);
    free(A); free(W); free(ref); free(got); free(back);
}

/* Kernel k on every shape; skipped (cmocka's skip(), reported as SKIPPED)
 * where this CPU lacks it. */
static void check_kernel_exact(qgemm_kernel k) {
    if (!qgemm_kernel_available(k)) {
        print_message("this CPU has no %s kernel\n", qgemm_kernel_name(k));
        skip();
    }
    /* tails in every dimension: rows not a multiple of 4, K not a multiple of
     * 4 or 64, OC not a multiple of 16 or 32 */
    static const int shapes[][3] = {{1, 4, 1}, {3, 13, 17}, {5, 64, 32}, {9, 100, 50}, {2, 3, 16},
                                    {33, 768, 48}, {6, 3072, 40}, {4, 36, 80}, {17, 768, 64}, {40, 128, 96},
                                    {16, 64, 16}, {64, 192, 32}, {48, 64, 48}, {57, 192, 64}, {50, 64, 16},
                                    {60, 128, 32}, {7, 96, 48}, {19, 256, 80}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        run_case(k, (size_t)shapes[i][0], shapes[i][1], shapes[i][2], 0, 10 + i);
    /* 255 * -128 products everywhere: a saturating kernel (vpmaddubsw) fails here */
    run_case(k, 5, 768, 33, 1, 99);
}

_Static_assert(QGEMM_N_KERNELS == 5, "one test per kernel: add one for the new kernel");

static void test_qgemm_portable_exact(void **state) {
    (void)state;
    check_kernel_exact(QGEMM_PORTABLE);
}

static void test_qgemm_avx2_exact(void **state) {
    (void)state;
    check_kernel_exact(QGEMM_AVX2);
}

static void test_qgemm_avx512vnni_exact(void **state) {
    (void)state;
    check_kernel_exact(QGEMM_AVX512VNNI);
}

static void test_qgemm_amx_exact(void **state) {
    (void)state;
    check_kernel_exact(QGEMM_AMX);
}

static void test_qgemm_avxvnni_exact(void **state) {
    (void)state;
    check_kernel_exact(QGEMM_AVXVNNI);
}

static void test_qgemm_kernel_names(void **state) {
    (void)state;
    printf("kernels: best on this CPU = %s\n", qgemm_kernel_name(qgemm_best_kernel()));
    assert_true(qgemm_kernel_available(qgemm_best_kernel()));
    assert_true(qgemm_kernel_available(QGEMM_PORTABLE));
    assert_int_equal(qgemm_kernel_from_name("avx2"), QGEMM_AVX2);
    assert_int_equal(qgemm_kernel_from_name("sse9"), -1);
}

/* ---- quantization helpers */

static void test_erf_and_quant_rows(void **state) {
    (void)state;
    double worst = 0;
    for (double x = -6; x <= 6; x += 1e-3)
        worst = fmax(worst, fmax(fabs(cx_erf((float)x) - erf(x)), fabs(cx_erf_fma((float)x) - erf(x))));
    printf("cx_erf, cx_erf_fma worst abs error %.3g\n", worst);
    assert_true(worst < 1e-6);
    enum { N = 3, K = 70 };
    float x[N * K];
    cx_rng r;
    cx_rng_seed(&r, 5);
    for (int i = 0; i < N * K; i++) x[i] = (float)(3.0 * cx_rng_normal(&r));
    for (int k = 0; k < K; k++) x[2 * K + k] = (float)k; /* all >= 0: zero point 0 */
    x[5] = 0.0f;
    size_t lda = qgemm_lda(K);
    uint8_t *q = malloc(4 * lda);
    memset(q, 0xff, 4 * lda);
    float s[N];
    int32_t zp[N];
    quant_rows_u8(q, lda, s, zp, x, N, K);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++) {
            double back = ((int)q[i * lda + k] - zp[i]) * (double)s[i];
            assert_true(fabs(back - x[i * K + k]) <= 0.5001 * s[i]);
        }
    assert_int_equal(q[5], zp[0]); /* 0 is exact */
    assert_int_equal(zp[2], 0);
    assert_int_equal(q[2 * lda + K - 1], 255);
    for (size_t j = 0; j < lda; j++) assert_int_equal(q[3 * lda + j], 0xff); /* only its rows */
    free(q);
    int8_t wq[4];
    float w[4] = {0.5f, -1.0f, 0.25f, 0.0f};
    float ws = quant_weight_sym(wq, w, 4);
    assert_true(fabsf(ws - 1.0f / 127) < 1e-9f);
    assert_true(wq[0] == 64 && wq[1] == -127 && wq[2] == 32 && wq[3] == 0);
    w[2] = NAN; /* a file's NaN or infinity is refused, not converted (undefined behaviour) */
    assert_true(quant_weight_sym(wq, w, 4) < 0);
    w[2] = -INFINITY;
    assert_true(quant_weight_sym(wq, w, 4) < 0);
}

/* The AVX-512 element-wise twins give the portable kernels' bits. */
static void test_vec_twins_identical(void **state) {
    (void)state;
    if (!qgemm_kernel_available(QGEMM_AVX512VNNI)) {
        print_message("no AVX-512 on this CPU: nothing to compare\n");
        skip();
    }
    eng_vec_ops a = eng_vec_select(0), b = eng_vec_select(1);
    enum { N = 5, K = 147 }; /* K: a 16-lane tail */
    float x[N * K], g1[N * K], g2[N * K], d1[N * K], d2[N * K], res[N * K], bias[K];
    cx_rng r;
    cx_rng_seed(&r, 77);
    for (int i = 0; i < N * K; i++) x[i] = (float)(4.0 * cx_rng_normal(&r)), res[i] = (float)cx_rng_normal(&r);
    for (int i = 0; i < K; i++) bias[i] = (float)cx_rng_normal(&r);
    for (int k = 0; k < K; k++) x[3 * K + k] = fabsf(x[3 * K + k]); /* a row with no negatives */
    size_t lda = qgemm_lda(K);
    uint8_t q1[8 * 192], q2[8 * 192];
    float s1[N], s2[N];
    int32_t z1[N], z2[N], acc[N * K], cs[K];
    memset(q1, 1, sizeof q1);
    memset(q2, 2, sizeof q2);
    a.quant_rows(q1, lda, s1, z1, x, N, K);
    b.quant_rows(q2, lda, s2, z2, x, N, K);
    for (int i = 0; i < N; i++) assert_memory_equal(q1 + i * lda, q2 + i * lda, K);
    assert_memory_equal(s1, s2, sizeof s1);
    assert_memory_equal(z1, z2, sizeof z1);
    memcpy(g1, x, sizeof x);
    memcpy(g2, x, sizeof x);
    a.gelu(g1, N * K - 3);
    b.gelu(g2, N * K - 3);
    assert_memory_equal(g1, g2, sizeof g1);
    for (int i = 0; i < N * K; i++) acc[i] = (int32_t)(cx_rng_next(&r) % 2000001) - 1000000;
    for (int i = 0; i < K; i++) cs[i] = (int32_t)(cx_rng_next(&r) % 20001) - 10000;
    for (int with_res = 0; with_res < 2; with_res++) {
        a.dequant_rows(d1, acc, s1, z1, cs, 0.01f, bias, with_res ? res : NULL, N, K, K);
        b.dequant_rows(d2, acc, s1, z1, cs, 0.01f, bias, with_res ? res : NULL, N, K, K);
        assert_memory_equal(d1, d2, sizeof d1);
        /* a range of columns (row stride K): the same bits there, nothing written elsewhere */
        const float *r5 = with_res ? res + 5 : NULL;
        for (int i = 0; i < N * K; i++) g1[i] = g2[i] = -3.0f;
        a.dequant_rows(g1 + 5, acc + 5, s1, z1, cs + 5, 0.01f, bias + 5, r5, N, 37, K);
        b.dequant_rows(g2 + 5, acc + 5, s1, z1, cs + 5, 0.01f, bias + 5, r5, N, 37, K);
        assert_memory_equal(g1, g2, sizeof g1);
        for (int i = 0; i < N; i++) {
            assert_memory_equal(g1 + i * K + 5, d1 + i * K + 5, 37 * sizeof(float));
            assert_true(g1[i * K + 4] == -3.0f && g1[i * K + 42] == -3.0f);
        }
    }
}

/* The attention twins at the real head width (64: the AVX-512 one
 * transposes keys by 16 x 16 blocks) and a narrow one, for key counts around
 * the 16-key blocks: the same bits, and both near a double-precision
 * reference. */
static void test_attention_twins(void **state) {
    (void)state;
    if (!qgemm_kernel_available(QGEMM_AVX512VNNI)) {
        print_message("no AVX-512 on this CPU: nothing to compare\n");
        skip();
    }
    eng_vec_ops a = eng_vec_select(0), b = eng_vec_select(1);
    enum { NMAX = 40 };
    static const int dims[][2] = {{128, 2}, {40, 4}}; /* D, H: head widths 64 and 10 */
    static const int ns[] = {1, 7, 16, 17, 20, 33, 40};
    cx_rng r;
    cx_rng_seed(&r, 9);
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        const int D = dims[di][0], H = dims[di][1], hd = D / H;
        float *q = malloc(NMAX * D * sizeof(float)), *k = malloc(NMAX * D * sizeof(float));
        float *v = malloc(NMAX * D * sizeof(float)), *o1 = malloc(NMAX * D * sizeof(float));
        float *o2 = malloc(NMAX * D * sizeof(float));
        float *s = malloc(ENG_ATTN_SCRATCH(NMAX, D) * sizeof(float));
        for (int i = 0; i < NMAX * D; i++)
            q[i] = (float)cx_rng_normal(&r), k[i] = (float)cx_rng_normal(&r), v[i] = (float)cx_rng_normal(&r);
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
            for (int last = 0; last < 2; last++) {
                const int n = ns[ni], nq = last ? 1 : n;
                a.attention(o1, s, q, k, v, nq, n, D, H, 0, H);
                b.attention(o2, s, q, k, v, nq, n, D, H, 0, H);
                assert_memory_equal(o1, o2, (size_t)nq * D * sizeof(float));
                for (int i = 0; i < nq; i++)
                    for (int h = 0; h < H; h++) {
                        double w[NMAX], mx = -1e300, sum = 0;
                        for (int j = 0; j < n; j++) {
                            double dot = 0;
                            for (int d = 0; d < hd; d++) dot += (double)q[i * D + h * hd + d] * k[j * D + h * hd + d];
                            w[j] = dot / sqrt((double)hd);
                            mx = fmax(mx, w[j]);
                        }
                        for (int j = 0; j < n; j++) sum += w[j] = exp(w[j] - mx);
                        for (int d = 0; d < hd; d++) {
                            double want = 0;
                            for (int j = 0; j < n; j++) want += w[j] / sum * v[j * D + h * hd + d];
                            assert_true(fabs(o1[i * D + h * hd + d] - want) < 1e-5);
                        }
                    }
            }
        free(q); free(k); free(v); free(o1); free(o2); free(s);
    }
}

/* ---- the engine */

static cx_model_config test_cfg(void) {
    /* widths with tails: dim 40 (OC 40 -> 48 padded), ffn 72, 4 heads of 10 */
    return (cx_model_config){.vocab_size = 900, .max_positions = 40, .dim = 40, .n_layers = 2, .n_heads = 4,
                             .ffn_dim = 72, .shared_dim = 24, .head_dim = 12, .dropout = 0.1f,
                             .attention_dropout = 0.1f, .ln_eps = 1e-12f};
}

/* Heads 16 wide (a whole column block each), no tails. */
static cx_model_config test_cfg_aligned(void) {
    cx_model_config c = test_cfg();
    c.dim = 64;
    c.ffn_dim = 96;
    return c;
}

/* A random model with weights large enough to matter (std 0.15). */
static cx_model *random_model_of(cx_model_config c, uint64_t seed) {
    cx_model *m;
    cx_error err = {0};
    assert_int_equal(cx_model_create(&c, seed, &m, &err), CX_OK);
    float *p = cx_model_params(m);
    for (int i = 0; i < cx_model_n_tensors(m); i++) {
        const char *name;
        size_t off;
        int nd, shape[2];
        cx_model_tensor(m, i, &name, &off, &nd, shape);
        if (nd == 2)
            for (size_t j = 0; j < (size_t)shape[0] * shape[1]; j++) p[off + j] *= 7.5f;
    }
    return m;
}

static cx_model *random_model(uint64_t seed) { return random_model_of(test_cfg(), seed); }

static void ids_of(int32_t *ids, int n, uint64_t seed) {
    cx_rng r;
    cx_rng_seed(&r, seed);
    ids[0] = 101;
    for (int t = 1; t < n; t++) ids[t] = (int32_t)(cx_rng_next(&r) % 900);
}

static void fp32_forward(const cx_model *m, const int32_t *ids, int n, float out[19]) {
    cx_model_ws *ws;
    cx_error err = {0};
    cx_ws_options wo = {.max_seqs = 1, .max_tokens = 40, .max_len = 40};
    assert_int_equal(cx_ws_open(m, &wo, &ws, &err), CX_OK);
    int len[1] = {n};
    cx_model_batch b = {1, len, ids, NULL};
    cx_model_outputs o;
    assert_int_equal(cx_model_forward(m, ws, &b, NULL, 0, 0, NULL, NULL, &o, &err), CX_OK);
    out[0] = o.score[0];
    memcpy(out + 1, o.tier_logits, 5 * 4);
    memcpy(out + 6, o.domain_logits, 5 * 4);
    memcpy(out + 11, o.intent_logits, 8 * 4);
    cx_ws_free(ws);
}

static void engine_forward_threads(const cx_engine *e, const char *kernel, int threads, const int32_t *ids, int n,
                                   float out[19]) {
    cx_engine_ctx *c;
    cx_error err = {0};
    cx_engine_options o = {.threads = threads, .kernel = kernel};
    assert_int_equal(cx_engine_ctx_open(e, &o, &c, &err), CX_OK);
    cx_engine_output eo;
    assert_int_equal(cx_engine_forward(c, ids, n, &eo, &err), CX_OK);
    out[0] = eo.score;
    memcpy(out + 1, eo.tier_logits, 5 * 4);
    memcpy(out + 6, eo.domain_logits, 5 * 4);
    memcpy(out + 11, eo.intent_logits, 8 * 4);
    cx_engine_ctx_free(c);
}

static void engine_forward(const cx_engine *e, const char *kernel, const int32_t *ids, int n, float out[19]) {
    engine_forward_threads(e, kernel, 1, ids, n, out);
}

static double max_abs_diff(const float *a, const float *b, int n) {
    double d = 0;
    for (int i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

/* A packed batch gives every sequence the bits it gets alone, with one and
 * two threads; a batch over max_tokens is refused. */
static void engine_batch_of(cx_model_config cfg) {
    cx_model *m = random_model_of(cfg, 5);
    cx_engine *e;
    cx_error err = {0};
    assert_int_equal(cx_engine_from_model(m, &e, &err), CX_OK);
    static const int lens[] = {7, 1, 40, 2, 13, 33};
    enum { B = 6 };
    int32_t ids[96];
    size_t tok = 0;
    float alone[B][19];
    for (int b = 0; b < B; b++) {
        ids_of(ids + tok, lens[b], 70 + (uint64_t)b);
        engine_forward(e, NULL, ids + tok, lens[b], alone[b]);
        tok += (size_t)lens[b];
    }
    for (int threads = 1; threads <= 2; threads++) {
        cx_engine_ctx *c;
        cx_engine_options o = {.max_len = 40, .threads = threads, .max_tokens = tok};
        assert_int_equal(cx_engine_ctx_open(e, &o, &c, &err), CX_OK);
        cx_engine_output out[B];
        assert_int_equal(cx_engine_forward_batch(c, ids, lens, B, out, &err), CX_OK);
        for (int b = 0; b < B; b++) {
            float got[19];
            got[0] = out[b].score;
            memcpy(got + 1, out[b].tier_logits, 5 * 4);
            memcpy(got + 6, out[b].domain_logits, 5 * 4);
            memcpy(got + 11, out[b].intent_logits, 8 * 4);
            assert_memory_equal(got, alone[b], sizeof got);
        }
        /* one token more than the context holds */
        int over[3] = {40, 40, (int)tok - 79};
        assert_int_equal(cx_engine_forward_batch(c, ids, over, 3, out, &err), CX_ERR_INVALID);
        assert_non_null(strstr(err.msg, "max_tokens"));
        cx_engine_ctx_free(c);
    }
    cx_engine_free(e);
    cx_model_free(m);
}

static void test_engine_batch(void **state) {
    (void)state;
    engine_batch_of(test_cfg());
    engine_batch_of(test_cfg_aligned());
}

/* Every kernel, and 2 and 3 threads, give the bits of the portable kernel on
 * one thread. */
static void engine_same_bits_of(cx_model_config cfg) {
    cx_model *m = random_model_of(cfg, 8);
    cx_engine *e;
    cx_error err = {0};
    assert_int_equal(cx_engine_from_model(m, &e, &err), CX_OK);
    static const int lens[] = {1, 3, 17, 40};
    int32_t ids[40];
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        ids_of(ids, lens[i], 60 + i);
        float want[19], got[19];
        engine_forward(e, "portable", ids, lens[i], want);
        for (int k = 0; k < QGEMM_N_KERNELS; k++) {
            if (!qgemm_kernel_available((qgemm_kernel)k)) continue;
            for (int threads = 1; threads <= 3; threads++) {
                engine_forward_threads(e, qgemm_kernel_name((qgemm_kernel)k), threads, ids, lens[i], got);
                if (memcmp(got, want, sizeof got))
                    printf("FAIL dim %d, %s kernel, %d threads, %d tokens: score %.9g, portable %.9g\n", cfg.dim,
                           qgemm_kernel_name((qgemm_kernel)k), threads, lens[i], got[0], want[0]);
                assert_memory_equal(got, want, sizeof got);
            }
        }
    }
    cx_engine_free(e);
    cx_model_free(m);
}

static void test_engine_kernels_threads_same_bits(void **state) {
    (void)state;
    engine_same_bits_of(test_cfg());
    engine_same_bits_of(test_cfg_aligned());
}

static void test_engine_matches_fp32(void **state) {
    (void)state;
    cx_model *m = random_model(3), *other = random_model(4);
    cx_engine *e;
    cx_error err = {0};
    assert_int_equal(cx_engine_from_model(m, &e, &err), CX_OK);
    static const int lens[] = {1, 2, 7, 40};
    int32_t ids[40];
    double worst = 0, spread = 0;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        ids_of(ids, lens[i], 50 + i);
        float ref[19], got[19], alt[19], k0[19];
        fp32_forward(m, ids, lens[i], ref);
        fp32_forward(other, ids, lens[i], alt);
        engine_forward(e, NULL, ids, lens[i], got);
        worst = fmax(worst, max_abs_diff(got, ref, 19));
        spread = fmax(spread, max_abs_diff(alt, ref, 19));
        /* every kernel: the same bits (the GEMM is exact, the rest is shared) */
        for (int k = 0; k < QGEMM_N_KERNELS; k++) {
            if (!qgemm_kernel_available((qgemm_kernel)k)) continue;
            engine_forward(e, qgemm_kernel_name((qgemm_kernel)k), ids, lens[i], k0);
            assert_memory_equal(k0, got, sizeof got);
        }
        /* two threads (GEMM columns and attention heads split; 40 tokens
         * cross the attention's threshold): the same bits */
        engine_forward_threads(e, NULL, 2, ids, lens[i], k0);
        assert_memory_equal(k0, got, sizeof got);
    }
    printf("engine vs fp32: worst |diff| %.4g (another model differs by %.3g)\n", worst, spread);
    assert_true(worst < 0.05);
    assert_true(spread > 0.5); /* the tolerance separates right from wrong */
    /* misuse and bad input */
    cx_engine_ctx *c;
    cx_engine_options o = {.max_len = 8, .threads = 1, .kernel = "sse9"};
    assert_int_equal(cx_engine_ctx_open(e, &o, &c, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "sse9"));
    o.kernel = NULL;
    assert_int_equal(cx_engine_ctx_open(e, &o, &c, &err), CX_OK);
    cx_engine_output eo;
    assert_int_equal(cx_engine_forward(c, ids, 9, &eo, &err), CX_ERR_INVALID);
    assert_int_equal(cx_engine_forward(c, ids, 0, &eo, &err), CX_ERR_INVALID);
    ids[1] = 900;
    assert_int_equal(cx_engine_forward(c, ids, 2, &eo, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "900"));
    cx_engine_ctx_free(c);
    cx_engine_ctx_free(NULL);
    cx_engine_free(e);
    cx_engine_free(NULL);
    cx_model_free(m);
    cx_model_free(other);
}

/* ---- the INT8 file */

static char *save_int8(const char *name, cx_engine **e_out) {
    cx_model *m = random_model(3);
    cx_engine *e;
    cx_error err = {0};
    assert_int_equal(cx_engine_from_model(m, &e, &err), CX_OK);
    char *path = tu_path(tmp, name);
    assert_int_equal(cx_engine_save(e, path, &err), CX_OK);
    cx_model_free(m);
    if (e_out) *e_out = e;
    else cx_engine_free(e);
    return path;
}

static void test_engine_file_round_trip(void **state) {
    (void)state;
    cx_engine *e, *e2;
    cx_error err = {0};
    char *path = save_int8("m.int8.safetensors", &e);
    assert_true(cx_engine_file_is_int8(path));
    assert_int_equal(cx_engine_load(path, &e2, &err), CX_OK);
    assert_memory_equal(cx_engine_config(e2), cx_engine_config(e), sizeof(cx_model_config));
    int32_t ids[40];
    ids_of(ids, 23, 7);
    float a[19], b[19];
    engine_forward(e, NULL, ids, 23, a);
    engine_forward(e2, NULL, ids, 23, b);
    assert_memory_equal(a, b, sizeof a);
    cx_engine_free(e2);
    /* a fp32 checkpoint is not an INT8 file */
    cx_model *m = random_model(3);
    char *fp = tu_path(tmp, "fp32.safetensors");
    assert_int_equal(cx_model_save(m, fp, &err), CX_OK);
    assert_false(cx_engine_file_is_int8(fp));
    assert_int_equal(cx_engine_load(fp, &e2, &err), CX_ERR_FORMAT);
    assert_null(e2);
    assert_non_null(strstr(err.msg, "not an INT8 model"));
    cx_engine_free(e);
    cx_model_free(m);
    free(path);
    free(fp);
}

/* Rewrites the file with bytes [at, at+n) replaced; returns the new path. */
static char *damaged(const char *src, const char *name, long at, const void *bytes, size_t n, size_t cut) {
    size_t len;
    char *data = tu_read_file(src, &len);
    if (bytes) memcpy(data + at, bytes, n);
    char *path = tu_path(tmp, name);
    tu_write_file(path, data, cut ? cut : len);
    free(data);
    return path;
}

static void expect_load_error(const char *path, int code, const char *needle) {
    cx_engine *e = (cx_engine *)1;
    cx_error err = {0};
    assert_int_equal(cx_engine_load(path, &e, &err), code);
    assert_null(e);
    if (!strstr(err.msg, needle)) printf("message: %s (wanted '%s')\n", err.msg, needle);
    assert_non_null(strstr(err.msg, needle));
}

static void test_engine_file_damaged(void **state) {
    (void)state;
    char *path = save_int8("ok.safetensors", NULL);
    size_t len;
    char *data = tu_read_file(path, &len);
    const char *name = "layer.1.ffn.lin1.weight\"";
    long at = (long)(strstr(data + 8, name) - data);
    /* a tensor renamed away: missing */
    char *p1 = damaged(path, "renamed.safetensors", at + 10, "X", 1, 0);
    expect_load_error(p1, CX_ERR_FORMAT, "is missing");
    /* its dtype flipped from I8 to U8 */
    const char *dt = strstr(data + at, "\"I8\"");
    char *p2 = damaged(path, "dtype.safetensors", (long)(dt - data) + 1, "U", 1, 0);
    expect_load_error(p2, CX_ERR_FORMAT, "expected I8");
    /* a NaN scale */
    st_file *f;
    cx_error err = {0};
    assert_int_equal(st_open(&f, path, &err), CX_OK);
    const st_tensor *t = st_find(f, "distilbert.transformer.layer.0.attention.q_lin.weight_scale");
    assert_non_null(t);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)(uint8_t)data[i] << (8 * i);
    long scale_at = (long)(8 + hlen + t->begin);
    st_close(f);
    float nan = NAN;
    char *p3 = damaged(path, "nan.safetensors", scale_at, &nan, 4, 0);
    expect_load_error(p3, CX_ERR_FORMAT, "positive finite scale");
    /* truncated */
    char *p4 = damaged(path, "cut.safetensors", 0, NULL, 0, len - 100);
    cx_engine *e = NULL;
    assert_true(cx_engine_load(p4, &e, &err) != CX_OK);
    assert_null(e);
    assert_non_null(strstr(err.msg, "cut.safetensors"));
    /* not there */
    char *p5 = tu_path(tmp, "absent.safetensors");
    assert_int_equal(cx_engine_load(p5, &e, &err), CX_ERR_NOT_FOUND);
    free(data); free(path); free(p1); free(p2); free(p3); free(p4); free(p5);
}

/* ---- the classifier on the engine */

/* One classifier shared by threads, each with its own context: every thread's
 * predictions are bit for bit the serial ones (ASan/UBSan watch the sharing). */
enum { SHARE_THREADS = 4, SHARE_ROUNDS = 8, SHARE_TEXTS = 3 };
static const char *const share_texts[SHARE_TEXTS] = {"hi", "Prove that there are infinitely many primes",
                                                      "幫我寫一個 Python 爬蟲, 抓取新聞標題並存成 CSV"};

typedef struct share_job {
    const cx_classifier *cl;
    const cx_prediction *want;
    int mismatches, failures;
} share_job;

static void *share_worker(void *arg) {
    share_job *j = arg;
    cx_classifier_ctx *x = NULL;
    cx_error err = {0};
    if (cx_classifier_ctx_open(j->cl, &x, &err) != CX_OK) {
        j->failures++;
        return NULL;
    }
    for (int r = 0; r < SHARE_ROUNDS; r++)
        for (int t = 0; t < SHARE_TEXTS; t++) {
            cx_prediction p;
            if (cx_classifier_predict(x, share_texts[t], strlen(share_texts[t]), &p, &err) != CX_OK) j->failures++;
            else if (memcmp(&p, &j->want[t], sizeof p) != 0) j->mismatches++;
        }
    cx_classifier_ctx_free(x);
    return NULL;
}

static void test_classifier_shared_by_threads(void **state) {
    (void)state;
    char *dir = tu_path(tmp, "cls_shared"), *tok = tu_path(tu_source_dir(), "tests/data/vocab_small");
    cx_model *m = random_model(5);
    cx_error err = {0};
    char *fp = tu_path(dir, "best_model.safetensors");
    assert_int_equal(cx_model_save(m, fp, &err), CX_OK);
    for (int int8 = 0; int8 <= 1; int8++) {
        cx_classifier_options o = {.tokenizer = tok, .max_length = 40, .threads = 1, .int8 = int8};
        cx_classifier *cl;
        cx_classifier_ctx *x;
        assert_int_equal(cx_classifier_open(dir, &o, &cl, &err), CX_OK);
        assert_int_equal(cx_classifier_ctx_open(cl, &x, &err), CX_OK);
        cx_prediction want[SHARE_TEXTS];
        for (int t = 0; t < SHARE_TEXTS; t++)
            assert_int_equal(cx_classifier_predict(x, share_texts[t], strlen(share_texts[t]), &want[t], &err), CX_OK);
        cx_classifier_ctx_free(x);
        pthread_t th[SHARE_THREADS];
        share_job jobs[SHARE_THREADS];
        for (int i = 0; i < SHARE_THREADS; i++) {
            jobs[i] = (share_job){cl, want, 0, 0};
            assert_int_equal(pthread_create(&th[i], NULL, share_worker, &jobs[i]), 0);
        }
        for (int i = 0; i < SHARE_THREADS; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(jobs[i].failures, 0);
            assert_int_equal(jobs[i].mismatches, 0);
        }
        cx_classifier_free(cl);
    }
    cx_model_free(m);
    free(fp);
    free(dir);
    free(tok);
}

static void test_classifier_int8(void **state) {
    (void)state;
    char *dir = tu_path(tmp, "cls"), *tok = tu_path(tu_source_dir(), "tests/data/vocab_small");
    cx_model *m = random_model(3);
    cx_error err = {0};
    char *fp = tu_path(dir, "best_model.safetensors");
    assert_int_equal(cx_model_save(m, fp, &err), CX_OK);
    cx_classifier_options o = {.tokenizer = tok, .max_length = 40, .threads = 1};
    cx_classifier *a, *b, *c;
    assert_int_equal(cx_classifier_open(dir, &o, &a, &err), CX_OK);
    assert_string_equal(cx_classifier_backend(a), "fp32");
    cx_classifier_options o8 = o;
    o8.int8 = 1;
    assert_int_equal(cx_classifier_open(dir, &o8, &b, &err), CX_OK);
    assert_true(strncmp(cx_classifier_backend(b), "int8/", 5) == 0);
    /* an INT8 file runs on the engine by itself */
    cx_engine *e;
    char *q = tu_path(dir, "model_int8.safetensors");
    assert_int_equal(cx_engine_from_model(m, &e, &err), CX_OK);
    assert_int_equal(cx_engine_save(e, q, &err), CX_OK);
    assert_int_equal(cx_classifier_open(q, &o, &c, &err), CX_OK);
    assert_true(strncmp(cx_classifier_backend(c), "int8/", 5) == 0);
    const char *texts[] = {"hello there", "Design a scalable system with monitoring and failover for 1M users"};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1])};
    cx_prediction pa[2], pb[2], pc[2];
    cx_classifier_ctx *xa, *xb, *xc;
    assert_int_equal(cx_classifier_ctx_open(a, &xa, &err), CX_OK);
    assert_int_equal(cx_classifier_ctx_open(b, &xb, &err), CX_OK);
    assert_int_equal(cx_classifier_ctx_open(c, &xc, &err), CX_OK);
    assert_int_equal(cx_classifier_predict_batch(xa, texts, lens, 2, pa, &err), CX_OK);
    assert_int_equal(cx_classifier_predict_batch(xb, texts, lens, 2, pb, &err), CX_OK);
    assert_int_equal(cx_classifier_predict_batch(xc, texts, lens, 2, pc, &err), CX_OK);
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(&pb[i], &pc[i], sizeof pb[i]); /* quantized at load == loaded from file */
        assert_true(fabs(pa[i].score - pb[i].score) < 0.02);
        for (int k = 0; k < CX_N_TIERS; k++) assert_true(fabs(pa[i].tier_probs[k] - pb[i].tier_probs[k]) < 0.05);
    }
    cx_classifier_ctx_free(xa);
    cx_classifier_ctx_free(xb);
    cx_classifier_ctx_free(xc);
    cx_classifier_free(a);
    cx_classifier_free(b);
    cx_classifier_free(c);
    cx_engine_free(e);
    cx_model_free(m);
    free(dir); free(tok); free(fp); free(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qgemm_kernel_names),
        cmocka_unit_test(test_qgemm_portable_exact),
        cmocka_unit_test(test_qgemm_avx2_exact),
        cmocka_unit_test(test_qgemm_avx512vnni_exact),
        cmocka_unit_test(test_qgemm_amx_exact),
        cmocka_unit_test(test_qgemm_avxvnni_exact),
        cmocka_unit_test(test_attention_twins),
        cmocka_unit_test(test_erf_and_quant_rows),
        cmocka_unit_test(test_vec_twins_identical),
        cmocka_unit_test(test_engine_matches_fp32),
        cmocka_unit_test(test_engine_batch),
        cmocka_unit_test(test_engine_kernels_threads_same_bits),
        cmocka_unit_test(test_engine_file_round_trip),
        cmocka_unit_test(test_engine_file_damaged),
        cmocka_unit_test(test_classifier_int8),
        cmocka_unit_test(test_classifier_shared_by_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
