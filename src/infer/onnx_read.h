/* A minimal, bounded reader of ONNX files for the INT8 engine: it walks the
 * protobuf wire format of ModelProto -> graph (field 7) -> initializer
 * (field 5, TensorProto) and records each initializer's name, type, dims and
 * raw_data without copying (pointers into the caller's mapping). Nodes are
 * skipped: the engine knows the graph (SPEC §6, src/export/onnx_model.c).
 *
 * Wire format: each field is a varint key (field << 3 | wire type), then a
 * varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or
 * 4 bytes (5). Checks: every varint ends within 10 bytes and the buffer,
 * every length fits what remains, groups (types 3, 4) are rejected, dims are
 * non-negative with an overflow-checked element count whose byte size equals
 * raw_data's length, names are NUL-free, at most ONNX_MAX_INITS tensors.
 * Tensors whose data is not in raw_data (external or typed fields) are
 * reported as errors when they are looked up. */
#ifndef CX_INFER_ONNX_READ_H
#define CX_INFER_ONNX_READ_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"

enum { ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3, ONNX_INT64 = 7 };
enum { ONNX_MAX_RANK = 8, ONNX_MAX_INITS = 1 << 16 };

typedef struct onnx_init {
    const char *name;        /* not NUL-terminated: name_len bytes */
    size_t name_len;
    int32_t dtype;
    int ndim;
    int64_t dims[ONNX_MAX_RANK];
    size_t count;            /* elements */
    const uint8_t *data;     /* raw_data, or NULL when the tensor has none */
    size_t bytes;
} onnx_init;

typedef struct onnx_inits {
    onnx_init *v;
    size_t n, cap;
} onnx_inits;

/* Parses the initializers of the ONNX model in buf[0, len). */
int onnx_read_inits(onnx_inits *out, const uint8_t *buf, size_t len, const char *path, cx_error *err);
void onnx_inits_free(onnx_inits *in);
/* The initializer with this name, or NULL. */
const onnx_init *onnx_find(const onnx_inits *in, const char *name);

#endif
