/* Safetensors reader and writer: see safetensors.h for the layout and checks. */
#include "model/safetensors.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/strset.h"

#define ST_MAX_HEADER ((size_t)100 << 20) /* as the reference implementation */
#define ST_MAX_TENSORS 100000

struct st_file {
    char *path;
    uint8_t *map;
    size_t map_len;
    const uint8_t *data;
    size_t data_len;
    st_tensor *t;
    int n;
    cJSON *meta;        /* owned copy of "__metadata__", or NULL */
};

static const struct { const char *name; size_t size; } dtypes[] = {
    [ST_F32] = {"F32", 4}, [ST_F16] = {"F16", 2}, [ST_BF16] = {"BF16", 2}, [ST_F64] = {"F64", 8},
    [ST_I64] = {"I64", 8}, [ST_I32] = {"I32", 4}, [ST_I16] = {"I16", 2},  [ST_I8] = {"I8", 1},
    [ST_U8] = {"U8", 1},   [ST_BOOL] = {"BOOL", 1},
};
#define N_DTYPES ((int)(sizeof dtypes / sizeof dtypes[0]))

const char *st_dtype_name(st_dtype d) { return dtypes[d].name; }

/* A JSON number that is an exact non-negative integer below 2^53. */
static int get_uint(const cJSON *j, uint64_t *v) {
    if (!cJSON_IsNumber(j)) return -1;
    double d = j->valuedouble;
    if (!(d >= 0.0 && d <= 9007199254740992.0) || floor(d) != d) return -1;
    *v = (uint64_t)d;
    return 0;
}

static int parse_entry(st_file *f, const cJSON *e, st_tensor *t, cx_error *err) {
    const char *nm = t->name;
    if (!cJSON_IsObject(e))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': entry is not an object", f->path, nm);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': missing or non-string dtype", f->path, nm);
    int d = 0;
    while (d < N_DTYPES && strcmp(dtypes[d].name, dt->valuestring)) d++;
    if (d == N_DTYPES)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': unknown dtype '%.32s'", f->path, nm,
                            dt->valuestring);
    t->dtype = (st_dtype)d;
    if (!cJSON_IsArray(sh))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': missing shape", f->path, nm);
    int rank = cJSON_GetArraySize(sh);
    if (rank > ST_MAX_RANK)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': rank %d over %d", f->path, nm, rank,
                            ST_MAX_RANK);
    t->ndim = rank;
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        uint64_t v;
        if (get_uint(cJSON_GetArrayItem(sh, i), &v))
            return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': shape[%d] is not a "
                                "non-negative integer", f->path, nm, i);
        t->shape[i] = (int64_t)v;
        if (__builtin_mul_overflow(count, (size_t)v, &count))
            return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': shape overflows", f->path, nm);
    }
    t->count = count;
    size_t bytes;
    if (__builtin_mul_overflow(count, dtypes[d].size, &bytes))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': byte size overflows", f->path, nm);
    uint64_t b, en;
    if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2 ||
        get_uint(cJSON_GetArrayItem(of, 0), &b) || get_uint(cJSON_GetArrayItem(of, 1), &en))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': data_offsets must be two "
                            "non-negative integers", f->path, nm);
    if (b > en || en > f->data_len)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] outside "
                            "the %zu data bytes", f->path, nm, (unsigned long long)b,
                            (unsigned long long)en, f->data_len);
    if (en - b != bytes)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s': %llu data bytes, shape and dtype "
                            "need %zu", f->path, nm, (unsigned long long)(en - b), bytes);
    t->begin = (size_t)b;
    t->end = (size_t)en;
    return CX_OK;
}

static int check_meta(st_file *f, const cJSON *m, cx_error *err) {
    if (!cJSON_IsObject(m))
        return cx_error_set(err, CX_ERR_FORMAT, "%s: __metadata__ is not an object", f->path);
    for (const cJSON *kv = m->child; kv; kv = kv->next)
        if (!cJSON_IsString(kv))
            return cx_error_set(err, CX_ERR_FORMAT, "%s: __metadata__ '%.64s' is not a string",
                                f->path, kv->string);
    f->meta = cJSON_Duplicate(m, 1);
    if (!f->meta) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", f->path);
    return CX_OK;
}

static int by_begin(const void *a, const void *b) {
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static int check_overlaps(st_file *f, cx_error *err) {
    if (f->n < 2) return CX_OK;
    const st_tensor **s = malloc((size_t)f->n * sizeof *s);
    if (!s) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", f->path);
    for (int i = 0; i < f->n; i++) s[i] = &f->t[i];
    qsort(s, (size_t)f->n, sizeof *s, by_begin);
    int rc = CX_OK;
    for (int i = 1; i < f->n && !rc; i++)
        if (s[i]->begin < s[i - 1]->end && s[i]->begin < s[i]->end)
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap", f->path,
                              s[i - 1]->name, s[i]->name);
    free(s);
    return rc;
}

static int parse_header(st_file *f, const char *json, size_t len, cx_error *err) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) return cx_error_set(err, CX_ERR_FORMAT, "%s: header is not valid JSON", f->path);
    int rc = CX_OK;
    for (; end < json + len; end++) /* only padding may follow the object */
        if (*end != ' ') {
            cJSON_Delete(root);
            return cx_error_set(err, CX_ERR_FORMAT, "%s: bytes after the header's JSON object",
                                f->path);
        }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: header is not a JSON object", f->path);
    }
    int n = cJSON_GetArraySize(root);
    if (n > ST_MAX_TENSORS) {
        cJSON_Delete(root);
        return cx_error_set(err, CX_ERR_FORMAT, "%s: %d header entries, limit %d", f->path, n,
                            ST_MAX_TENSORS);
    }
    f->t = calloc((size_t)(n > 0 ? n : 1), sizeof *f->t);
    strset names;
    strset_init(&names);
    if (!f->t) rc = cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", f->path);
    for (const cJSON *e = root->child; e && !rc; e = e->next) {
        size_t nl = strlen(e->string);
        int added = 0;
        if (!strset_add(&names, e->string, nl, 0, &added)) {
            rc = cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", f->path);
            break;
        }
        if (!added) {
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: duplicate name '%.200s' in header", f->path,
                              e->string);
            break;
        }
        if (!strcmp(e->string, "__metadata__")) { rc = check_meta(f, e, err); continue; }
        st_tensor *t = &f->t[f->n];
        t->name = strdup(e->string);
        if (!t->name) { rc = cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", f->path); break; }
        f->n++;
        rc = parse_entry(f, e, t, err);
    }
    strset_free(&names);
    cJSON_Delete(root);
    if (!rc) rc = check_overlaps(f, err);
    return rc;
}

int st_open(st_file **out, const char *path, cx_error *err) {
    *out = NULL;
    st_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    }
    int rc = CX_OK;
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rc = cx_error_set(err, errno == ENOENT ? CX_ERR_NOT_FOUND : CX_ERR_IO, "%s: %s", path,
                          strerror(errno));
    } else if ((uint64_t)sb.st_size < 8) {
        rc = cx_error_set(err, CX_ERR_FORMAT, "%s: %lld bytes, too short for the 8-byte header "
                          "length", path, (long long)sb.st_size);
    } else {
        f->map_len = (size_t)sb.st_size;
        /* private and writable: copy-on-write pages, so a model may use the
         * mapping as its weights and still train them; the file never changes */
        void *map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) rc = cx_error_set(err, CX_ERR_IO, "%s: mmap: %s", path, strerror(errno));
        else f->map = map;
    }
    if (fd >= 0) close(fd);
    if (!rc) {
        uint64_t hlen = 0;
        for (int i = 7; i >= 0; i--) hlen = hlen << 8 | f->map[i]; /* little-endian */
        if (hlen > f->map_len - 8 || hlen > ST_MAX_HEADER)
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: header length %llu exceeds the file (%zu "
                              "bytes) or the %zu-byte limit", path, (unsigned long long)hlen,
                              f->map_len, ST_MAX_HEADER);
        else if (hlen < 2 || f->map[8] != '{')
            rc = cx_error_set(err, CX_ERR_FORMAT, "%s: header does not start with '{'", path);
        else {
            f->data = f->map + 8 + hlen;
            f->data_len = f->map_len - 8 - (size_t)hlen;
            rc = parse_header(f, (const char *)f->map + 8, (size_t)hlen, err);
        }
    }
    if (rc) { st_close(f); return rc; }
    *out = f;
    return CX_OK;
}

void st_close(st_file *f) {
    if (!f) return;
    if (f->map) munmap(f->map, f->map_len);
    for (int i = 0; i < f->n; i++) free(f->t[i].name);
    free(f->t);
    cJSON_Delete(f->meta);
    free(f->path);
    free(f);
}

int st_count(const st_file *f) { return f->n; }
const st_tensor *st_get(const st_file *f, int i) { return &f->t[i]; }

const st_tensor *st_find(const st_file *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    return NULL;
}

const char *st_meta(const st_file *f, const char *key) {
    if (!f->meta) return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->meta, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t st_data_size(const st_file *f) { return f->data_len; }

const uint8_t *st_data(const st_file *f, const st_tensor *t) { return f->data + t->begin; }

uint8_t *st_take_mapping(st_file *f, size_t *len, uint8_t **data) {
    uint8_t *map = f->map;
    *len = f->map_len;
    *data = (uint8_t *)f->data;
    f->map = NULL; /* st_close no longer unmaps it */
    return map;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | man << 13;         /* inf / nan */
    else if (exp) bits = sign | (exp + 112) << 23 | man << 13;      /* normal */
    else if (!man) bits = sign;                                     /* zero */
    else {                                                          /* subnormal */
        int e = -1;
        do { man <<= 1; e++; } while (!(man & 0x400));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 0x3ff) << 13;
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

int st_read_f32(const st_file *f, const st_tensor *t, float *dst, size_t n, cx_error *err) {
    if (t->count != n)
        return cx_error_set(err, CX_ERR_FORMAT, "%s: tensor '%s' has %zu elements, expected %zu",
                            f->path, t->name, t->count, n);
    const uint8_t *src = st_data(f, t);
    switch (t->dtype) {
    case ST_F32: memcpy(dst, src, n * 4); break;
    case ST_F16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            dst[i] = half_to_float(h);
        }
        break;
    case ST_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            uint32_t bits = (uint32_t)h << 16; /* bf16 is the top half of a float */
            memcpy(&dst[i], &bits, 4);
        }
        break;
    default:
        return cx_error_set(err, CX_ERR_UNSUPPORTED, "%s: tensor '%s' has dtype %s, expected "
                            "F32, F16 or BF16", f->path, t->name, dtypes[t->dtype].name);
    }
    return CX_OK;
}

static char *build_header(const st_out *t, int n, const char *const *meta, int meta_n,
                          size_t *data_len) {
    cJSON *root = cJSON_CreateObject();
    size_t off = 0;
    if (meta_n > 0) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; m && i < meta_n; i++) cJSON_AddStringToObject(m, meta[2 * i], meta[2 * i + 1]);
    }
    for (int i = 0; root && i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i].name);
        if (!e) break;
        cJSON_AddStringToObject(e, "dtype", "F32");
        cJSON *sh = cJSON_AddArrayToObject(e, "shape");
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t[i].shape[d]));
            count *= (size_t)t[i].shape[d];
        }
        cJSON *of = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(of, cJSON_CreateNumber((double)off));
        off += count * 4;
        cJSON_AddItemToArray(of, cJSON_CreateNumber((double)off));
    }
    char *s = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    *data_len = off;
    return s;
}

int st_write(const char *path, const st_out *t, int n, const char *const *meta, int meta_n,
             cx_error *err) {
    size_t data_len;
    char *hdr = build_header(t, n, meta, meta_n, &data_len);
    if (!hdr) return cx_error_set(err, CX_ERR_NOMEM, "%s: out of memory", path);
    size_t hlen = strlen(hdr), padded = (hlen + 7) & ~(size_t)7; /* data 8-aligned */
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc) { free(hdr); return rc; }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    int ok = fwrite(len8, 1, 8, af.f) == 8 && fwrite(hdr, 1, hlen, af.f) == hlen;
    for (size_t i = hlen; ok && i < padded; i++) ok = fputc(' ', af.f) != EOF;
    for (int i = 0; ok && i < n; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) count *= (size_t)t[i].shape[d];
        ok = fwrite(t[i].data, 4, count, af.f) == count;
    }
    free(hdr);
    if (!ok) {
        cx_afile_abort(&af);
        return cx_error_set(err, CX_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return cx_afile_commit(&af, err);
}
