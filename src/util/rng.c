#include "util/rng.h"

#include <math.h>
#include <string.h>

uint64_t cx_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void cx_rng_seed(cx_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) {
        seed = cx_mix64(seed);
        r->s[i] = seed;
    }
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t cx_rng_next(cx_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t cx_rng_below(cx_rng *r, uint64_t n) {
    /* Reject the top partial block so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = cx_rng_next(r); while (x >= limit);
    return x % n;
}

double cx_rng_uniform(cx_rng *r) { return (double)(cx_rng_next(r) >> 11) * 0x1.0p-53; }

double cx_rng_normal(cx_rng *r) {
    double u1 = cx_rng_uniform(r), u2 = cx_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300; /* log(0) guard */
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void cx_rng_shuffle(cx_rng *r, void *base, size_t n, size_t size) {
    unsigned char *a = base, tmp[256];
    if (n < 2) return;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)cx_rng_below(r, (uint64_t)i + 1);
        if (j == i) continue;
        for (size_t off = 0; off < size; off += sizeof tmp) {
            size_t k = size - off < sizeof tmp ? size - off : sizeof tmp;
            memcpy(tmp, a + i * size + off, k);
            memcpy(a + i * size + off, a + j * size + off, k);
            memcpy(a + j * size + off, tmp, k);
        }
    }
}

uint64_t cx_hash64(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
