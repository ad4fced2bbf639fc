/* Operator kernels of the reference ONNX interpreter: plain loops over
 * row-major tensors, numpy broadcasting, double accumulators. Written for
 * checking exports, not for speed. */
#include "export/onnx_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "complexity/common.h"

size_t et_elem_size(et_type t) {
    switch (t) {
    case ET_F32: case ET_I32: return 4;
    case ET_I64: return 8;
    default: return 1;
    }
}

int et_alloc(et *t, et_type type, int ndim, const int64_t *dims, cx_error *err) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        if (dims[i] < 0 || __builtin_mul_overflow(n, (size_t)dims[i], &n))
            return cx_error_set(err, CX_ERR_FORMAT, "bad tensor dimension %lld", (long long)dims[i]);
    memset(t, 0, sizeof *t);
    t->type = type;
    t->ndim = ndim;
    if (ndim) memcpy(t->dims, dims, (size_t)ndim * sizeof *dims);
    t->n = n;
    t->data = calloc(n ? n : 1, et_elem_size(type));
    if (!t->data) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    t->owned = t->set = 1;
    return CX_OK;
}

static float *F(const et *t) { return (float *)t->data; }
static int64_t *L(const et *t) { return (int64_t *)t->data; }

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
    return NULL;
}
static int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt) {
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_i ? a->i : dflt;
}
static float attr_float(const Onnx__NodeProto *n, const char *name, float dflt) {
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_f ? a->f : dflt;
}

static int fail(const Onnx__NodeProto *n, cx_error *err, const char *why) {
    return cx_error_set(err, CX_ERR_UNSUPPORTED, "node %s (%s): %s", n->name ? n->name : "", n->op_type, why);
}

static int need(const Onnx__NodeProto *n, const et *const *in, int n_in, int k, cx_error *err) {
    if (n_in < k) return fail(n, err, "missing inputs");
    for (int i = 0; i < k; i++)
        if (!in[i]) return fail(n, err, "missing inputs");
    return CX_OK;
}

/* A one-element tensor of the given type (scales, zero points). */
static int scalar_ok(const et *t, et_type type) { return t && t->type == type && t->n == 1 && t->data; }

static int all_i64(const et *const *in, int from, int to) {
    for (int i = from; i < to; i++)
        if (in[i] && in[i]->type != ET_I64) return 0;
    return 1;
}

static int axis_of(int64_t a, int ndim) { return (int)(a < 0 ? a + ndim : a); }

/* ---- broadcasting: offset of out element i in x (numpy rules) */
typedef struct bview {
    int nd;
    int64_t dims[ET_MAXD];
} bview;

static int bshape(bview *v, const et *const *xs, int k) {
    v->nd = 0;
    for (int j = 0; j < k; j++) v->nd = xs[j]->ndim > v->nd ? xs[j]->ndim : v->nd;
    for (int d = 0; d < v->nd; d++) {
        int64_t m = 1;
        for (int j = 0; j < k; j++) {
            int o = d - (v->nd - xs[j]->ndim);
            int64_t s = o >= 0 ? xs[j]->dims[o] : 1;
            if (s != 1 && m != 1 && s != m) return -1;
            if (s != 1) m = s;
        }
        v->dims[d] = m;
    }
    return 0;
}

static size_t boffset(const bview *v, const et *x, size_t i) {
    size_t off = 0, stride = 1;
    for (int d = v->nd - 1; d >= 0; d--) {
        size_t idx = (size_t)(i % (size_t)v->dims[d]);
        i /= (size_t)v->dims[d];
        int o = d - (v->nd - x->ndim);
        if (o >= 0) {
            if (x->dims[o] != 1) off += idx * stride;
            stride *= (size_t)x->dims[o];
        }
    }
    return off;
}

static int binary(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    const char *op = n->op_type;
    int is_eq = strcmp(op, "Equal") == 0;
    if (!is_eq && (in[0]->type != ET_F32 || in[1]->type != ET_F32)) return fail(n, err, "float inputs expected");
    if (is_eq && (in[0]->type != ET_I64 || in[1]->type != ET_I64)) return fail(n, err, "int64 inputs expected");
    bview v;
    if (bshape(&v, in, 2)) return fail(n, err, "shapes do not broadcast");
    if ((rc = et_alloc(out, is_eq ? ET_BOOL : ET_F32, v.nd, v.dims, err))) return rc;
    for (size_t i = 0; i < out->n; i++) {
        size_t a = boffset(&v, in[0], i), b = boffset(&v, in[1], i);
        if (is_eq) { ((uint8_t *)out->data)[i] = L(in[0])[a] == L(in[1])[b]; continue; }
        float x = F(in[0])[a], y = F(in[1])[b];
        F(out)[i] = op[0] == 'A' ? x + y : op[0] == 'S' ? x - y : op[0] == 'M' ? x * y : x / y;
    }
    return CX_OK;
}

static int op_where(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 3, err);
    if (rc) return rc;
    if (in[0]->type != ET_BOOL || in[1]->type != ET_F32 || in[2]->type != ET_F32)
        return fail(n, err, "bool, float, float expected");
    bview v;
    if (bshape(&v, in, 3)) return fail(n, err, "shapes do not broadcast");
    if ((rc = et_alloc(out, ET_F32, v.nd, v.dims, err))) return rc;
    for (size_t i = 0; i < out->n; i++)
        F(out)[i] = ((uint8_t *)in[0]->data)[boffset(&v, in[0], i)] ? F(in[1])[boffset(&v, in[1], i)]
                                                                     : F(in[2])[boffset(&v, in[2], i)];
    return CX_OK;
}

static int unary(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    if (in[0]->type != ET_F32) return fail(n, err, "float input expected");
    if ((rc = et_alloc(out, ET_F32, in[0]->ndim, in[0]->dims, err))) return rc;
    const char *op = n->op_type;
    for (size_t i = 0; i < out->n; i++) {
        double x = F(in[0])[i];
        F(out)[i] = (float)(op[0] == 'E'   ? erf(x)
                            : op[0] == 'R' ? (x > 0 ? x : 0)
                                           : 1 / (1 + exp(-x))); /* Sigmoid */
    }
    return CX_OK;
}

/* A copy with other dims (Identity, Reshape, Squeeze, Unsqueeze). */
static int reshaped(const et *x, int ndim, const int64_t *dims, et *out, cx_error *err) {
    int rc = et_alloc(out, x->type, ndim, dims, err);
    if (rc) return rc;
    if (out->n != x->n) return cx_error_set(err, CX_ERR_FORMAT, "reshape of %zu elements to %zu", x->n, out->n);
    memcpy(out->data, x->data, x->n * et_elem_size(x->type));
    return CX_OK;
}

static int op_identity(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    return rc ? rc : reshaped(in[0], in[0]->ndim, in[0]->dims, out, err);
}

static int op_reshape(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    const et *s = in[1];
    if (s->type != ET_I64 || s->n > ET_MAXD) return fail(n, err, "bad shape input");
    int64_t dims[ET_MAXD];
    int neg = -1;
    size_t known = 1;
    for (size_t i = 0; i < s->n; i++) {
        dims[i] = L(s)[i] == 0 && (int)i < in[0]->ndim ? in[0]->dims[i] : L(s)[i];
        if (dims[i] == -1) neg = (int)i;
        else if (dims[i] < 0) return fail(n, err, "bad shape value");
        else known *= (size_t)dims[i];
    }
    if (neg >= 0) dims[neg] = known ? (int64_t)(in[0]->n / known) : 0;
    return reshaped(in[0], (int)s->n, dims, out, err);
}

static int op_unsqueeze(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    if (!all_i64(in, 1, 2) || in[1]->n > ET_MAXD) return fail(n, err, "bad axes");
    int nd = in[0]->ndim + (int)in[1]->n;
    if (nd > ET_MAXD) return fail(n, err, "too many dimensions");
    int64_t dims[ET_MAXD];
    uint8_t added[ET_MAXD] = {0};
    for (size_t k = 0; k < in[1]->n; k++) {
        int a = axis_of(L(in[1])[k], nd);
        if (a < 0 || a >= nd || added[a]) return fail(n, err, "bad axis");
        added[a] = 1;
    }
    for (int d = 0, j = 0; d < nd; d++) dims[d] = added[d] ? 1 : in[0]->dims[j++];
    return reshaped(in[0], nd, dims, out, err);
}

static int op_squeeze(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    uint8_t drop[ET_MAXD] = {0};
    if (!all_i64(in, 1, 2)) return fail(n, err, "bad axes");
    for (size_t k = 0; k < in[1]->n; k++) {
        int a = axis_of(L(in[1])[k], in[0]->ndim);
        if (a < 0 || a >= in[0]->ndim || in[0]->dims[a] != 1) return fail(n, err, "bad axis");
        drop[a] = 1;
    }
    int64_t dims[ET_MAXD];
    int nd = 0;
    for (int d = 0; d < in[0]->ndim; d++)
        if (!drop[d]) dims[nd++] = in[0]->dims[d];
    return reshaped(in[0], nd, dims, out, err);
}

static int op_shape(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    int nd = in[0]->ndim;
    int s = axis_of(attr_int(n, "start", 0), nd), e = axis_of(attr_int(n, "end", nd), nd);
    s = s < 0 ? 0 : s > nd ? nd : s;
    e = e < s ? s : e > nd ? nd : e;
    int64_t len = e - s;
    if ((rc = et_alloc(out, ET_I64, 1, &len, err))) return rc;
    for (int i = s; i < e; i++) L(out)[i - s] = in[0]->dims[i];
    return CX_OK;
}

static int op_cast(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    if (attr_int(n, "to", 0) != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) return fail(n, err, "only Cast to float");
    if ((rc = et_alloc(out, ET_F32, in[0]->ndim, in[0]->dims, err))) return rc;
    for (size_t i = 0; i < out->n; i++)
        F(out)[i] = in[0]->type == ET_I32 ? (float)((int32_t *)in[0]->data)[i]
                    : in[0]->type == ET_I64 ? (float)L(in[0])[i] : F(in[0])[i];
    return CX_OK;
}

/* Gather along axis: out dims = data[:axis] + indices + data[axis+1:] */
static int op_gather(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    const et *x = in[0], *ix = in[1];
    int a = axis_of(attr_int(n, "axis", 0), x->ndim);
    if (a < 0 || a >= x->ndim || ix->type != ET_I64 || x->ndim + ix->ndim - 1 > ET_MAXD)
        return fail(n, err, "bad axis or indices");
    int64_t dims[ET_MAXD];
    int nd = 0;
    size_t outer = 1, inner = 1, es = et_elem_size(x->type);
    for (int d = 0; d < a; d++) dims[nd++] = x->dims[d], outer *= (size_t)x->dims[d];
    for (int d = 0; d < ix->ndim; d++) dims[nd++] = ix->dims[d];
    for (int d = a + 1; d < x->ndim; d++) dims[nd++] = x->dims[d], inner *= (size_t)x->dims[d];
    if ((rc = et_alloc(out, x->type, nd, dims, err))) return rc;
    const size_t A = (size_t)x->dims[a];
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < ix->n; k++) {
            int64_t j = L(ix)[k] < 0 ? L(ix)[k] + (int64_t)A : L(ix)[k];
            if (j < 0 || (size_t)j >= A) return fail(n, err, "index out of range");
            memcpy((char *)out->data + ((o * ix->n + k) * inner) * es,
                   (const char *)x->data + ((o * A + (size_t)j) * inner) * es, inner * es);
        }
    return CX_OK;
}

/* Slice with steps 1 (all we write) */
static int op_slice(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 3, err);
    if (rc) return rc;
    const et *x = in[0];
    int64_t lo[ET_MAXD], hi[ET_MAXD], dims[ET_MAXD];
    for (int d = 0; d < x->ndim; d++) lo[d] = 0, hi[d] = x->dims[d];
    if (n_in > 4 && in[4]) return fail(n, err, "steps are not supported");
    if (!all_i64(in, 1, n_in < 4 ? n_in : 4) || (n_in > 3 && in[3] && in[3]->n != in[1]->n))
        return fail(n, err, "bad starts, ends or axes");
    for (size_t k = 0; k < in[1]->n; k++) {
        int a = n_in > 3 && in[3] ? axis_of(L(in[3])[k], x->ndim) : (int)k;
        if (a < 0 || a >= x->ndim || k >= in[2]->n) return fail(n, err, "bad axes");
        int64_t D = x->dims[a], s = L(in[1])[k], e = L(in[2])[k];
        s = s < 0 ? s + D : s;
        e = e < 0 ? e + D : e;
        lo[a] = s < 0 ? 0 : s > D ? D : s;
        hi[a] = e < lo[a] ? lo[a] : e > D ? D : e;
    }
    for (int d = 0; d < x->ndim; d++) dims[d] = hi[d] - lo[d];
    if ((rc = et_alloc(out, x->type, x->ndim, dims, err))) return rc;
    size_t es = et_elem_size(x->type);
    for (size_t i = 0; i < out->n; i++) {
        size_t r = i, off = 0, stride = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            off += ((size_t)lo[d] + r % (size_t)dims[d]) * stride;
            r /= (size_t)dims[d];
            stride *= (size_t)x->dims[d];
        }
        memcpy((char *)out->data + i * es, (const char *)x->data + off * es, es);
    }
    return CX_OK;
}

static int op_transpose(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    const et *x = in[0];
    const Onnx__AttributeProto *p = attr(n, "perm");
    if (!p || p->n_ints != (size_t)x->ndim) return fail(n, err, "perm must name every axis");
    int64_t dims[ET_MAXD], xs[ET_MAXD];
    size_t stride = 1;
    for (int d = x->ndim - 1; d >= 0; d--) xs[d] = (int64_t)stride, stride *= (size_t)x->dims[d];
    uint8_t seen[ET_MAXD] = {0};
    for (int d = 0; d < x->ndim; d++) {
        if (p->ints[d] < 0 || p->ints[d] >= x->ndim || seen[p->ints[d]]++)
            return fail(n, err, "perm is not a permutation");
        dims[d] = x->dims[p->ints[d]];
    }
    if ((rc = et_alloc(out, x->type, x->ndim, dims, err))) return rc;
    size_t es = et_elem_size(x->type);
    for (size_t i = 0; i < out->n; i++) {
        size_t r = i, off = 0;
        for (int d = x->ndim - 1; d >= 0; d--) {
            off += (r % (size_t)dims[d]) * (size_t)xs[p->ints[d]];
            r /= (size_t)dims[d];
        }
        memcpy((char *)out->data + i * es, (const char *)x->data + off * es, es);
    }
    return CX_OK;
}

static int op_softmax(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    if (in[0]->type != ET_F32 || axis_of(attr_int(n, "axis", -1), in[0]->ndim) != in[0]->ndim - 1)
        return fail(n, err, "float input, last axis only");
    if ((rc = et_alloc(out, ET_F32, in[0]->ndim, in[0]->dims, err))) return rc;
    size_t C = (size_t)in[0]->dims[in[0]->ndim - 1];
    for (size_t r = 0; C && r < out->n / C; r++) {
        const float *x = F(in[0]) + r * C;
        float *y = F(out) + r * C;
        double mx = x[0], sum = 0;
        for (size_t c = 1; c < C; c++) mx = x[c] > mx ? x[c] : mx;
        for (size_t c = 0; c < C; c++) sum += exp((double)x[c] - mx); /* shift by max: no overflow */
        for (size_t c = 0; c < C; c++) y[c] = (float)(exp((double)x[c] - mx) / sum);
    }
    return CX_OK;
}

static int op_layernorm(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 3, err);
    if (rc) return rc;
    const et *x = in[0];
    size_t C = x->ndim ? (size_t)x->dims[x->ndim - 1] : 0;
    if (x->type != ET_F32 || in[1]->type != ET_F32 || in[2]->type != ET_F32 ||
        axis_of(attr_int(n, "axis", -1), x->ndim) != x->ndim - 1 || in[1]->n != C || in[2]->n != C)
        return fail(n, err, "last axis only, with weight and bias of its size");
    double eps = attr_float(n, "epsilon", 1e-5f);
    if ((rc = et_alloc(out, ET_F32, x->ndim, x->dims, err))) return rc;
    for (size_t r = 0; C && r < x->n / C; r++) {
        const float *v = F(x) + r * C;
        double m = 0, var = 0;
        for (size_t c = 0; c < C; c++) m += v[c];
        m /= (double)C;
        for (size_t c = 0; c < C; c++) var += (v[c] - m) * (v[c] - m);
        double s = 1.0 / sqrt(var / (double)C + eps);
        for (size_t c = 0; c < C; c++) F(out)[r * C + c] = (float)((v[c] - m) * s * F(in[1])[c] + F(in[2])[c]);
    }
    return CX_OK;
}

/* MatMul (float) and MatMulInteger (uint8 x int8 - zero points -> int32):
 * [..., M, K] x [..., K, N], batch dims broadcast. */
static int matmul(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    const et *a = in[0], *b = in[1];
    int integer = strcmp(n->op_type, "MatMulInteger") == 0;
    if (integer ? a->type != ET_U8 || b->type != ET_I8 : a->type != ET_F32 || b->type != ET_F32)
        return fail(n, err, integer ? "uint8 x int8 expected" : "float inputs expected");
    if (a->ndim < 2 || b->ndim < 2) return fail(n, err, "rank-2+ inputs expected");
    const int64_t M = a->dims[a->ndim - 2], K = a->dims[a->ndim - 1], N = b->dims[b->ndim - 1];
    if (b->dims[b->ndim - 2] != K) return fail(n, err, "inner dimensions differ");
    et ab = *a, bb = *b; /* batch parts */
    ab.ndim -= 2;
    bb.ndim -= 2;
    const et *parts[2] = {&ab, &bb};
    bview v;
    if (bshape(&v, parts, 2)) return fail(n, err, "batch dimensions do not broadcast");
    int64_t dims[ET_MAXD];
    memcpy(dims, v.dims, (size_t)v.nd * sizeof *dims);
    dims[v.nd] = M;
    dims[v.nd + 1] = N;
    if ((rc = et_alloc(out, integer ? ET_I32 : ET_F32, v.nd + 2, dims, err))) return rc;
    if (integer && ((n_in > 2 && in[2] && !scalar_ok(in[2], ET_U8)) || (n_in > 3 && in[3] && !scalar_ok(in[3], ET_I8))))
        return fail(n, err, "per-tensor zero points expected");
    int az = integer && n_in > 2 && in[2] ? ((uint8_t *)in[2]->data)[0] : 0;
    int bz = integer && n_in > 3 && in[3] ? ((int8_t *)in[3]->data)[0] : 0;
    const size_t MN = (size_t)(M * N), batches = MN ? out->n / MN : 0;
    for (size_t t = 0; t < batches; t++) {
        size_t ao = boffset(&v, &ab, t) * (size_t)(M * K), bo = boffset(&v, &bb, t) * (size_t)(K * N);
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double acc = 0;
                int64_t iacc = 0;
                for (int64_t k = 0; k < K; k++) {
                    size_t ai = ao + (size_t)(i * K + k), bi = bo + (size_t)(k * N + j);
                    if (integer) iacc += (int64_t)(((uint8_t *)a->data)[ai] - az) * (((int8_t *)b->data)[bi] - bz);
                    else acc += (double)F(a)[ai] * F(b)[bi];
                }
                size_t o = t * (size_t)(M * N) + (size_t)(i * N + j);
                if (integer) ((int32_t *)out->data)[o] = (int32_t)iacc;
                else F(out)[o] = (float)acc;
            }
    }
    return CX_OK;
}

/* ONNX's definition: range includes 0, scale = range / 255, zero point =
 * saturate(round(-min / scale)), y = saturate(round(x / scale) + zp). */
static int op_dql(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 1, err);
    if (rc) return rc;
    if (n->n_output != 3 || in[0]->type != ET_F32) return fail(n, err, "one float input, three outputs expected");
    const et *x = in[0];
    float lo = 0, hi = 0;
    for (size_t i = 0; i < x->n; i++) lo = F(x)[i] < lo ? F(x)[i] : lo, hi = F(x)[i] > hi ? F(x)[i] : hi;
    float scale = (hi - lo) / 255.0f;
    float zpf = scale > 0 ? nearbyintf(0.0f - lo / scale) : 0.0f;
    zpf = !(zpf > 0) ? 0 : zpf > 255 ? 255 : zpf;
    if ((rc = et_alloc(&out[0], ET_U8, x->ndim, x->dims, err)) || (rc = et_alloc(&out[1], ET_F32, 0, NULL, err)) ||
        (rc = et_alloc(&out[2], ET_U8, 0, NULL, err)))
        return rc;
    for (size_t i = 0; i < x->n; i++) {
        float q = (scale > 0 ? nearbyintf(F(x)[i] / scale) : 0.0f) + zpf;
        ((uint8_t *)out[0].data)[i] = (uint8_t)(!(q > 0) ? 0 : q > 255 ? 255 : q); /* NaN -> 0 */
    }
    F(&out[1])[0] = scale;
    ((uint8_t *)out[2].data)[0] = (uint8_t)zpf;
    return CX_OK;
}

static int op_dequant(const Onnx__NodeProto *n, const et *const *in, int n_in, et *out, cx_error *err) {
    int rc = need(n, in, n_in, 2, err);
    if (rc) return rc;
    if (in[0]->type != ET_I8 || !scalar_ok(in[1], ET_F32) || (n_in > 2 && in[2] && !scalar_ok(in[2], ET_I8)))
        return fail(n, err, "int8 input, per-tensor scale and zero point expected");
    int zp = n_in > 2 && in[2] ? ((int8_t *)in[2]->data)[0] : 0;
    if ((rc = et_alloc(out, ET_F32, in[0]->ndim, in[0]->dims, err))) return rc;
    for (size_t i = 0; i < out->n; i++) F(out)[i] = (float)(((int8_t *)in[0]->data)[i] - zp) * F(in[1])[0];
    return CX_OK;
}

static const struct {
    const char *name;
    onnx_op_fn fn;
} ops[] = {
    {"Add", binary},          {"Sub", binary},
    {"Mul", binary},          {"Div", binary},
    {"Equal", binary},        {"Where", op_where},
    {"Erf", unary},           {"Relu", unary},
    {"Sigmoid", unary},       {"Identity", op_identity},
    {"Reshape", op_reshape},  {"Squeeze", op_squeeze},
    {"Unsqueeze", op_unsqueeze}, {"Shape", op_shape},
    {"Cast", op_cast},        {"Gather", op_gather},
    {"Slice", op_slice},      {"Transpose", op_transpose},
    {"Softmax", op_softmax},  {"LayerNormalization", op_layernorm},
    {"MatMul", matmul},       {"MatMulInteger", matmul},
    {"DynamicQuantizeLinear", op_dql}, {"DequantizeLinear", op_dequant},
};

onnx_op_fn onnx_op_find(const char *op_type) {
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i].name, op_type) == 0) return ops[i].fn;
    return NULL;
}
