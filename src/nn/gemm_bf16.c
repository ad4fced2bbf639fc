/* bf16 GEMMs for training on oneDNN: fp32 arrays in and out, operands rounded
 * to bfloat16, products accumulated in fp32 (what PyTorch's autocast does).
 * On CPUs with AMX-BF16 or AVX512-BF16 oneDNN runs them 4-5x faster than
 * OpenBLAS's sgemm; elsewhere nn_gemm_open refuses and callers stay in fp32.
 *
 * Three matmul primitives cover a linear layer's forward and backward. Their
 * dimensions and strides are "runtime" values, so one primitive serves every
 * batch shape and nothing is created per step. */
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "complexity/common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { G_FWD, G_BWD_DATA, G_BWD_WEIGHT, G_COUNT };
enum { MAX_WEIGHTS = 64 };

/* A weight matrix's bf16 copy, valid while version matches the handle's. */
typedef struct weight_copy {
    const float *src;
    size_t n;
    uint16_t *bf;
    uint64_t version;
} weight_copy;

struct nn_gemm {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t prim[G_COUNT];
    uint16_t *buf[2];     /* bf16 copies of the two operands */
    size_t cap[2];        /* elements each holds */
    weight_copy w[MAX_WEIGHTS]; /* weights converted once, until they change */
    int n_w;
    uint64_t version;     /* bumped by nn_gemm_weights_changed */
};

/* oneDNN's ISA values are nested bit sets: AMX and later include every bit
 * of avx512_core_bf16. (ONEDNN_MAX_CPU_ISA lowers what it reports.) */
int nn_bf16_supported(void) {
#if defined(__x86_64__)
    const unsigned bf16 = (unsigned)dnnl_cpu_isa_avx512_core_bf16;
    return ((unsigned)dnnl_get_effective_cpu_isa() & bf16) == bf16;
#else
    return 0; /* the conversion below is x86's vcvtneps2bf16 */
#endif
}

/* Round to nearest even; NaN stays NaN (a quiet one). */
static uint16_t bf16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* vcvtneps2bf16: the same rounding, 16 at a time. Every CPU that passes
 * nn_bf16_supported has it. */
#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bf16"))) static void to_bf16_run(uint16_t *dst, const float *src,
                                                                       size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
        _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)h);
    }
    for (; i < n; i++) dst[i] = bf16_of(src[i]);
}
#else
static void to_bf16_run(uint16_t *dst, const float *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = bf16_of(src[i]);
}
#endif

static void to_bf16(uint16_t *dst, const float *src, size_t n) {
    enum { CHUNK = 1 << 15 };
    size_t chunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (size_t c = 0; c < chunks; c++) {
        size_t lo = c * CHUNK, len = n - lo < CHUNK ? n - lo : CHUNK;
        to_bf16_run(dst + lo, src + lo, len);
    }
}

/* A 2-D descriptor with runtime dims and strides; trans: column-major. */
static dnnl_status_t runtime_desc(dnnl_memory_desc_t *md, dnnl_data_type_t dt, int trans) {
    dnnl_dims_t dims = {DNNL_RUNTIME_DIM_VAL, DNNL_RUNTIME_DIM_VAL};
    dnnl_dims_t strides = {trans ? 1 : DNNL_RUNTIME_DIM_VAL, trans ? DNNL_RUNTIME_DIM_VAL : 1};
    return dnnl_memory_desc_init_by_strides(md, 2, dims, dt, strides);
}

static dnnl_status_t make_prim(nn_gemm *g, int which, int trans_a, int trans_b, int accumulate) {
    dnnl_memory_desc_t a, b, c;
    dnnl_status_t s;
    if ((s = runtime_desc(&a, dnnl_bf16, trans_a)) || (s = runtime_desc(&b, dnnl_bf16, trans_b)) ||
        (s = runtime_desc(&c, dnnl_f32, 0)))
        return s;
    dnnl_matmul_desc_t md;
    if ((s = dnnl_matmul_desc_init(&md, &a, &b, NULL, &c))) return s;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    s = dnnl_primitive_attr_create(&attr);
    if (!s && accumulate) s = dnnl_post_ops_create(&po);
    if (!s && accumulate) s = dnnl_post_ops_append_sum(po, 1.0f);
    if (!s && accumulate) s = dnnl_primitive_attr_set_post_ops(attr, po);
    if (!s) s = dnnl_primitive_desc_create(&pd, &md, attr, g->engine, NULL);
    if (!s) s = dnnl_primitive_create(&g->prim[which], pd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (po) dnnl_post_ops_destroy(po);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return s;
}

int nn_gemm_open(nn_gemm **out, cx_error *err) {
    *out = NULL;
    if (!nn_bf16_supported())
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "bf16: this CPU has neither AMX-BF16 nor AVX512-BF16");
    nn_gemm *g = calloc(1, sizeof *g);
    if (!g) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    dnnl_status_t s = dnnl_engine_create(&g->engine, dnnl_cpu, 0);
    if (!s) s = dnnl_stream_create(&g->stream, g->engine, dnnl_stream_default_flags);
    if (!s) s = make_prim(g, G_FWD, 0, 1, 0);          /* out = inp @ W^T */
    if (!s) s = make_prim(g, G_BWD_DATA, 0, 0, 1);     /* dinp += dout @ W */
    if (!s) s = make_prim(g, G_BWD_WEIGHT, 1, 0, 1);   /* dW += dout^T @ inp */
    if (s) {
        nn_gemm_free(g);
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "bf16: oneDNN cannot build its matmul (status %d)", (int)s);
    }
    *out = g;
    return CX_OK;
}

void nn_gemm_free(nn_gemm *g) {
    if (!g) return;
    for (int i = 0; i < G_COUNT; i++)
        if (g->prim[i]) dnnl_primitive_destroy(g->prim[i]);
    if (g->stream) dnnl_stream_destroy(g->stream);
    if (g->engine) dnnl_engine_destroy(g->engine);
    free(g->buf[0]);
    free(g->buf[1]);
    for (int i = 0; i < g->n_w; i++) free(g->w[i].bf);
    free(g);
}

void nn_gemm_weights_changed(nn_gemm *g) { g->version++; }

/* The bf16 copy of src (n floats) in buffer i, grown as needed; NULL when out of memory. */
static const uint16_t *operand(nn_gemm *g, int i, const float *src, size_t n) {
    if (n > g->cap[i]) {
        uint16_t *p = realloc(g->buf[i], n * sizeof *p);
        if (!p) return NULL;
        g->buf[i] = p;
        g->cap[i] = n;
    }
    to_bf16(g->buf[i], src, n);
    return g->buf[i];
}

/* The bf16 copy of a weight matrix: kept per matrix and converted again only
 * after nn_gemm_weights_changed (a training step converts each weight once,
 * not once per GEMM; frozen layers once per run). */
static const uint16_t *weight_operand(nn_gemm *g, const float *w, size_t n) {
    for (int i = 0; i < g->n_w; i++) {
        weight_copy *c = &g->w[i];
        if (c->src != w || c->n != n) continue;
        if (c->version != g->version) {
            to_bf16(c->bf, w, n);
            c->version = g->version;
        }
        return c->bf;
    }
    uint16_t *bf = g->n_w < MAX_WEIGHTS ? malloc(n * sizeof *bf) : NULL;
    if (!bf) return operand(g, 1, w, n); /* table full: convert every time */
    to_bf16(bf, w, n);
    g->w[g->n_w++] = (weight_copy){w, n, bf, g->version};
    return bf;
}

static dnnl_status_t make_mem(dnnl_memory_t *m, nn_gemm *g, dnnl_data_type_t dt, int64_t rows,
                              int64_t cols, int trans, int64_t ld, const void *p) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {rows, cols};
    dnnl_dims_t strides = {trans ? 1 : ld, trans ? ld : 1};
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&md, 2, dims, dt, strides);
    return s ? s : dnnl_memory_create(m, &md, g->engine, (void *)p);
}

/* C (M,N) [+]= A (M,K) @ B (K,N), A and B bf16 (row-major, or column-major
 * when trans), C fp32 row-major. Returns 0 on success. */
static int run(nn_gemm *g, int which, int64_t M, int64_t N, int64_t K, const uint16_t *A, int trans_a,
               int64_t lda, const uint16_t *B, int trans_b, int64_t ldb, float *C) {
    dnnl_memory_t ma = NULL, mb = NULL, mc = NULL;
    dnnl_status_t s = make_mem(&ma, g, dnnl_bf16, M, K, trans_a, lda, A);
    if (!s) s = make_mem(&mb, g, dnnl_bf16, K, N, trans_b, ldb, B);
    if (!s) s = make_mem(&mc, g, dnnl_f32, M, N, 0, N, C);
    if (!s) {
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
        s = dnnl_primitive_execute(g->prim[which], g->stream, 3, args);
    }
    if (!s) s = dnnl_stream_wait(g->stream);
    if (ma) dnnl_memory_destroy(ma);
    if (mb) dnnl_memory_destroy(mb);
    if (mc) dnnl_memory_destroy(mc);
    return s != dnnl_success;
}

int nn_gemm_forward(nn_gemm *g, float *out, const float *inp, const float *weight, size_t N, int C,
                    int OC) {
    const uint16_t *a = operand(g, 0, inp, N * (size_t)C);
    const uint16_t *w = a ? weight_operand(g, weight, (size_t)OC * (size_t)C) : NULL;
    /* B = W^T (C, OC): W (OC, C) row-major is B column-major with ld C */
    return !w || run(g, G_FWD, (int64_t)N, OC, C, a, 0, C, w, 1, C, out);
}

int nn_gemm_backward_data(nn_gemm *g, float *dinp, const float *dout, const float *weight,
                          size_t N, int C, int OC) {
    const uint16_t *d = operand(g, 0, dout, N * (size_t)OC);
    const uint16_t *w = d ? weight_operand(g, weight, (size_t)OC * (size_t)C) : NULL;
    return !w || run(g, G_BWD_DATA, (int64_t)N, C, OC, d, 0, OC, w, 0, C, dinp);
}

int nn_gemm_backward_weight(nn_gemm *g, float *dweight, const float *dout, const float *inp,
                            size_t N, int C, int OC, int dout_ready) {
    /* dout may already sit in buffer 0 from nn_gemm_backward_data */
    const uint16_t *d = dout_ready ? g->buf[0] : operand(g, 0, dout, N * (size_t)OC);
    const uint16_t *x = d ? operand(g, 1, inp, N * (size_t)C) : NULL;
    /* A = dout^T (OC, N): dout (N, OC) row-major is A column-major with ld OC */
    return !x || run(g, G_BWD_WEIGHT, OC, C, (int64_t)N, d, 1, OC, x, 0, C, dweight);
}
