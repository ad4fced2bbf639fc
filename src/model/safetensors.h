/* Safetensors files: read (mmap, every header field bounds-checked) and write
 * (atomically). Layout, byte by byte:
 *   [0, 8)        u64 little-endian: header length H
 *   [8, 8+H)      UTF-8 JSON object: "name": {"dtype": "F32", "shape": [d0, ...],
 *                 "data_offsets": [begin, end]}, plus optional "__metadata__":
 *                 {"key": "string value", ...}; may end in spaces (padding)
 *   [8+H, EOF)    data; tensor bytes are data[begin, end), row-major, little-endian
 * Checks: H fits the file and a hard limit; the JSON parses and is an object;
 * every entry has a known dtype, a shape of non-negative integers (rank <= 8)
 * whose byte size (overflow-checked) equals end - begin; begin <= end <= data
 * size; no two tensors overlap; no duplicate names; metadata values are
 * strings. */
#ifndef CX_MODEL_SAFETENSORS_H
#define CX_MODEL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "complexity/common.h"

typedef enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL } st_dtype;

enum { ST_MAX_RANK = 8 };

typedef struct st_tensor {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_RANK];
    size_t count;        /* elements */
    size_t begin, end;   /* bytes into the data section */
} st_tensor;

typedef struct st_file st_file;

int st_open(st_file **out, const char *path, cx_error *err);
void st_close(st_file *f);
int st_count(const st_file *f);
const st_tensor *st_get(const st_file *f, int i);
/* The tensor with this name, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);
/* A metadata value (borrowed from f), or NULL. */
const char *st_meta(const st_file *f, const char *key);
/* Bytes of the data section (after the header). */
size_t st_data_size(const st_file *f);
/* Raw bytes of a tensor (borrowed from the mapping). */
const uint8_t *st_data(const st_file *f, const st_tensor *t);
/* Hands the file's mapping (private, copy-on-write) to the caller, who must
 * munmap(map, *len) it; *data: start of the data section. The tensors of f
 * stay readable until st_close, the mapping until the caller unmaps it. */
uint8_t *st_take_mapping(st_file *f, size_t *len, uint8_t **data);
/* Copies a F32/F16/BF16 tensor of exactly n elements into dst as float;
 * other dtypes or counts fail with a message naming the tensor. */
int st_read_f32(const st_file *f, const st_tensor *t, float *dst, size_t n, cx_error *err);
const char *st_dtype_name(st_dtype d);

typedef struct st_out {
    const char *name;
    const float *data;   /* F32 */
    int ndim;            /* 1..ST_MAX_RANK */
    int64_t shape[ST_MAX_RANK];
} st_out;

/* Writes n F32 tensors in this order and meta_n key/value string pairs
 * (meta[2i], meta[2i+1]), atomically. */
int st_write(const char *path, const st_out *t, int n, const char *const *meta, int meta_n,
             cx_error *err);

#endif
