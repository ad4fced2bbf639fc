/* The safetensors reader: one handcrafted bad file per check (each must fail
 * with CX_ERR_FORMAT and a message naming the problem), round trips, and the
 * F16/BF16 conversions. */
#include <stdlib.h>

#include "model/safetensors.h"
#include "model_testutil.h"

static char *dir;

static int setup(void **state) {
    (void)state;
    dir = tu_tmpdir("test_safetensors");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(dir);
    return 0;
}

/* Writes [u64 len][json][data] and returns the path (caller frees). */
static char *write_st(const char *name, const char *json, uint64_t len_override,
                      const void *data, size_t n) {
    char *path = tu_path(dir, name);
    size_t jl = strlen(json);
    uint64_t hl = len_override ? len_override : jl;
    size_t total = 8 + jl + n;
    uint8_t *buf = malloc(total);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, json, jl);
    if (n) memcpy(buf + 8 + jl, data, n);
    tu_write_file(path, buf, total);
    free(buf);
    return path;
}

typedef struct bad_case {
    const char *what;
    const char *json;
    size_t data_bytes;
    uint64_t len_override;
    const char *expect;   /* substring of the message */
} bad_case;

static void test_bad_files(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {"header length beyond the file", "{}", 0, 1000, "exceeds the file"},
        {"header length over the limit", "{}", 0, (uint64_t)1 << 40, "exceeds the file"},
        {"header not an object", "[1,2]", 0, 0, "start with '{'"},
        {"invalid JSON", "{\"a\":", 0, 0, "not valid JSON"},
        {"bytes after the JSON", "{}  x", 0, 0, "bytes after"},
        {"entry not an object", "{\"t\":3}", 0, 0, "'t': entry is not an object"},
        {"missing dtype", "{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0, "'t': missing or non-string dtype"},
        {"unknown dtype", "{\"t\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0, "unknown dtype 'F12'"},
        {"missing shape", "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, 0, "'t': missing shape"},
        {"negative dimension", "{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, 0, "shape[0]"},
        {"fractional dimension", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, 0, "shape[0]"},
        {"rank over 8", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, 0, "rank 9"},
        {"shape overflows", "{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, 0, "overflows"},
        {"data_offsets not a pair", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, 0, "data_offsets must be"},
        {"begin after end", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, 0, "outside"},
        {"end past the data", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, 0, "outside the 4 data bytes"},
        {"size does not match the shape", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, 0, "need 8"},
        {"overlapping tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, 0, "overlap"},
        {"duplicate names", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0, "duplicate name 'a'"},
        {"metadata value not a string", "{\"__metadata__\":{\"k\":1}}", 0, 0, "'k' is not a string"},
        {"metadata not an object", "{\"__metadata__\":[]}", 0, 0, "__metadata__ is not an object"},
    };
    uint8_t zeros[16] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        char *path = write_st("bad.safetensors", c->json, c->len_override, zeros, c->data_bytes);
        st_file *f = NULL;
        cx_error err = {0};
        int rc = st_open(&f, path, &err);
        if (rc != CX_ERR_FORMAT || !strstr(err.msg, c->expect) || !strstr(err.msg, path))
            fail_msg("%s: rc %d, message '%s', expected '%s'", c->what, rc, err.msg, c->expect);
        assert_null(f);
        free(path);
    }
    /* shorter than the length field; missing file */
    char *path = tu_path(dir, "short.safetensors");
    tu_write_file(path, "abc", 3);
    st_file *f;
    cx_error err = {0};
    assert_int_equal(st_open(&f, path, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "too short"));
    free(path);
    path = tu_path(dir, "absent.safetensors");
    assert_int_equal(st_open(&f, path, &err), CX_ERR_NOT_FOUND);
    free(path);
}

static void test_read_checks(void **state) {
    (void)state;
    int32_t v[2] = {1, 2};
    char *path = write_st("i32.safetensors",
                          "{\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[8,8]}}",
                          0, v, sizeof v);
    st_file *f;
    cx_error err = {0};
    assert_int_equal(st_open(&f, path, &err), CX_OK);
    const st_tensor *t = st_find(f, "ids");
    assert_non_null(t);
    float out[2];
    assert_int_equal(st_read_f32(f, t, out, 2, &err), CX_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "'ids' has dtype I32"));
    const st_tensor *e = st_find(f, "empty");
    assert_int_equal(e->count, 0);
    assert_int_equal(st_read_f32(f, e, out, 1, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "'empty' has 0 elements, expected 1"));
    assert_null(st_find(f, "nothing"));
    st_close(f);
    free(path);
}

static void test_half_conversions(void **state) {
    (void)state;
    /* F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), inf, 0.5 + subnormal mix */
    uint16_t h[6] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x0200};
    /* BF16: 1, -2, 3.140625, 1e-40-ish subnormal top bits, -inf, 0 */
    uint16_t bf[6] = {0x3f80, 0xc000, 0x4049, 0x0001, 0xff80, 0x0000};
    uint8_t data[24];
    memcpy(data, h, 12);
    memcpy(data + 12, bf, 12);
    char *path = write_st("half.safetensors",
                          "{\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]},"
                          "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[12,24]}}",
                          0, data, sizeof data);
    st_file *f;
    cx_error err = {0};
    assert_int_equal(st_open(&f, path, &err), CX_OK);
    float o[6];
    assert_int_equal(st_read_f32(f, st_find(f, "h"), o, 6, &err), CX_OK);
    assert_true(o[0] == 1.0f && o[1] == -2.0f && o[2] == 65504.0f);
    assert_true(o[3] == ldexpf(1.0f, -24) && isinf(o[4]) && o[5] == ldexpf(1.0f, -15));
    assert_int_equal(st_read_f32(f, st_find(f, "b"), o, 6, &err), CX_OK);
    uint32_t bits;
    memcpy(&bits, &o[3], 4);
    assert_true(o[0] == 1.0f && o[1] == -2.0f && o[2] == 3.140625f && bits == 0x00010000u);
    assert_true(isinf(o[4]) && o[4] < 0 && o[5] == 0.0f);
    st_close(f);
    free(path);
}

static void test_round_trip(void **state) {
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {-1.5f, 0.25f, 1e-30f};
    st_out t[2] = {{"first.weight", a, 2, {2, 3}}, {"second", b, 1, {3}}};
    const char *meta[] = {"format", "pt", "note", "x\"y"};
    char *path = tu_path(dir, "sub/round.safetensors");
    cx_error err = {0};
    assert_int_equal(st_write(path, t, 2, meta, 2, &err), CX_OK);
    st_file *f;
    assert_int_equal(st_open(&f, path, &err), CX_OK);
    assert_int_equal(st_count(f), 2);
    const st_tensor *x = st_find(f, "first.weight");
    assert_true(x->ndim == 2 && x->shape[0] == 2 && x->shape[1] == 3 && x->dtype == ST_F32);
    float o[6];
    assert_int_equal(st_read_f32(f, x, o, 6, &err), CX_OK);
    assert_memory_equal(o, a, sizeof a);
    assert_int_equal(st_read_f32(f, st_find(f, "second"), o, 3, &err), CX_OK);
    assert_memory_equal(o, b, sizeof b);
    assert_string_equal(st_meta(f, "note"), "x\"y");
    assert_null(st_meta(f, "absent"));
    st_close(f);
    size_t len;
    char *raw = tu_read_file(path, &len);
    /* the header is padded so that the data section starts 8-aligned */
    assert_int_equal((8 + (uint8_t)raw[0] + ((uint8_t)raw[1] << 8)) % 8, 0);
    free(raw);
    free(path);
}

/* Every truncation and many random byte flips of a valid file: st_open
 * either succeeds or fails with a message, never crashes (ASan build). */
static void test_mutations(void **state) {
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6};
    st_out t[2] = {{"w", a, 2, {2, 2}}, {"b", a + 4, 1, {2}}};
    const char *meta[] = {"k", "v"};
    char *path = tu_path(dir, "good.safetensors");
    cx_error err = {0};
    assert_int_equal(st_write(path, t, 2, meta, 1, &err), CX_OK);
    size_t len;
    char *good = tu_read_file(path, &len);
    char *bad = tu_path(dir, "mutant.safetensors");
    int ok = 0, rejected = 0;
    for (size_t cut = 0; cut < len; cut++) {
        tu_write_file(bad, good, cut);
        st_file *f = NULL;
        int rc = st_open(&f, bad, &err);
        if (rc == CX_OK) { ok++; st_close(f); }
        else { rejected++; assert_true(err.msg[0] != '\0'); }
    }
    assert_int_equal(ok, 0); /* no prefix of the file is a valid file */
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 3000; round++) {
        char *m = malloc(len);
        memcpy(m, good, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            m[(x >> 8) % len] = (char)(x >> 40);
        }
        tu_write_file(bad, m, len);
        st_file *f = NULL;
        if (st_open(&f, bad, &err) == CX_OK) {
            ok++;
            for (int i = 0; i < st_count(f); i++) {
                const st_tensor *tt = st_get(f, i);
                float *o = malloc((tt->count + 1) * sizeof *o);
                st_read_f32(f, tt, o, tt->count, &err);
                free(o);
            }
            st_close(f);
        } else {
            rejected++;
        }
        free(m);
    }
    printf("mutations: %d opened, %d rejected\n", ok, rejected);
    assert_true(rejected > 0);
    free(good);
    free(bad);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_read_checks),
        cmocka_unit_test(test_half_conversions),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
