/* Bounded protobuf walk over an ONNX file's initializers (see onnx_read.h). */
#include <stdlib.h>
#include <string.h>

#include "infer/onnx_read.h"
#include "complexity/common.h"

typedef struct rd {
    const uint8_t *p, *end;
} rd;

static int varint(rd *r, uint64_t *v) {
    uint64_t x = 0;
    for (int i = 0; i < 10; i++) {
        if (r->p >= r->end) return -1;
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* A length-delimited field's bytes as a sub-reader. */
static int bytes(rd *r, rd *sub) {
    uint64_t n;
    if (varint(r, &n) || n > (uint64_t)(r->end - r->p)) return -1;
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    return 0;
}

static int skip(rd *r, int wt) {
    uint64_t v;
    rd sub;
    switch (wt) {
    case 0: return varint(r, &v);
    case 1: if (r->end - r->p < 8) return -1; r->p += 8; return 0;
    case 2: return bytes(r, &sub);
    case 5: if (r->end - r->p < 4) return -1; r->p += 4; return 0;
    default: return -1; /* groups and unknown types */
    }
}

static size_t dtype_size(int32_t t) {
    switch (t) {
    case ONNX_FLOAT: return 4;
    case ONNX_UINT8: case ONNX_INT8: return 1;
    case ONNX_INT64: return 8;
    default: return 0;
    }
}

static int add_dim(onnx_init *t, uint64_t d) {
    if (t->ndim >= ONNX_MAX_RANK || d > ((uint64_t)1 << 40)) return -1;
    t->dims[t->ndim++] = (int64_t)d;
    return 0;
}

static int tensor(rd *r, onnx_init *t) {
    memset(t, 0, sizeof *t);
    while (r->p < r->end) {
        uint64_t key, v;
        if (varint(r, &key)) return -1;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        rd sub;
        if (field == 1 && wt == 0) { /* dims, unpacked */
            if (varint(r, &v) || add_dim(t, v)) return -1;
        } else if (field == 1 && wt == 2) { /* dims, packed */
            if (bytes(r, &sub)) return -1;
            while (sub.p < sub.end)
                if (varint(&sub, &v) || add_dim(t, v)) return -1;
        } else if (field == 2 && wt == 0) {
            if (varint(r, &v) || v > 64) return -1;
            t->dtype = (int32_t)v;
        } else if (field == 8 && wt == 2) {
            if (bytes(r, &sub) || memchr(sub.p, 0, (size_t)(sub.end - sub.p))) return -1;
            t->name = (const char *)sub.p;
            t->name_len = (size_t)(sub.end - sub.p);
        } else if (field == 9 && wt == 2) {
            if (bytes(r, &sub)) return -1;
            t->data = sub.p;
            t->bytes = (size_t)(sub.end - sub.p);
        } else if (skip(r, wt))
            return -1;
    }
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        if (__builtin_mul_overflow(n, (size_t)t->dims[i], &n)) return -1;
    t->count = n;
    size_t want, es = dtype_size(t->dtype);
    if (t->data && es && (__builtin_mul_overflow(n, es, &want) || want != t->bytes)) return -1;
    return t->name ? 0 : -1;
}

static int push(onnx_inits *in, const onnx_init *t) {
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 256;
        onnx_init *v = realloc(in->v, cap * sizeof *v);
        if (!v) return -1;
        in->v = v;
        in->cap = cap;
    }
    in->v[in->n++] = *t;
    return 0;
}

static int graph(rd *r, onnx_inits *out, const char *path, cx_error *err) {
    while (r->p < r->end) {
        uint64_t key;
        if (varint(r, &key)) break;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        if (field == 5 && wt == 2) {
            rd sub;
            onnx_init t;
            if (bytes(r, &sub) || tensor(&sub, &t))
                return cx_error_set(err, CX_ERR_FORMAT, "%s: initializer %zu is malformed (truncated field, "
                                    "bad dims, or data size not matching its dims)", path, out->n);
            if (out->n >= ONNX_MAX_INITS)
                return cx_error_set(err, CX_ERR_FORMAT, "%s: more than %d initializers", path, ONNX_MAX_INITS);
            if (push(out, &t)) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
        } else if (skip(r, wt))
            return cx_error_set(err, CX_ERR_FORMAT, "%s: graph field %d is truncated or malformed", path, field);
    }
    return r->p == r->end ? CX_OK : cx_error_set(err, CX_ERR_FORMAT, "%s: truncated graph", path);
}

int onnx_read_inits(onnx_inits *out, const uint8_t *buf, size_t len, const char *path, cx_error *err) {
    memset(out, 0, sizeof *out);
    rd r = {buf, buf + len};
    int have_graph = 0, rc = CX_OK;
    while (rc == CX_OK && r.p < r.end) {
        uint64_t key;
        if (varint(&r, &key)) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: not an ONNX model (bad protobuf key)", path);
            break;
        }
        int field = (int)(key >> 3), wt = (int)(key & 7);
        if (field == 7 && wt == 2) {
            rd sub;
            if (bytes(&r, &sub)) rc = cx_error_set(err, CX_ERR_FORMAT, "%s: truncated graph", path);
            else rc = graph(&sub, out, path, err);
            have_graph = 1;
        } else if (skip(&r, wt))
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: not an ONNX model (field %d malformed or truncated)", path,
                              field);
    }
    if (rc == CX_OK && !have_graph) rc = cx_error_set(err, CX_ERR_FORMAT, "%s: not an ONNX model (no graph)", path);
    if (rc) onnx_inits_free(out);
    return rc;
}

void onnx_inits_free(onnx_inits *in) {
    free(in->v);
    memset(in, 0, sizeof *in);
}

const onnx_init *onnx_find(const onnx_inits *in, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < in->n; i++)
        if (in->v[i].name_len == n && memcmp(in->v[i].name, name, n) == 0) return &in->v[i];
    return NULL;
}
