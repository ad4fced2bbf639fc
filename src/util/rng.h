/* Our own PRNG, so that a seed gives the same stream on every machine and libc
 * (rand() does not). xoshiro256** seeded through splitmix64. */
#ifndef CX_UTIL_RNG_H
#define CX_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cx_rng { uint64_t s[4]; } cx_rng;

void cx_rng_seed(cx_rng *r, uint64_t seed);
uint64_t cx_rng_next(cx_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t cx_rng_below(cx_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double cx_rng_uniform(cx_rng *r);
/* Standard normal (Box-Muller), for weight initialisation. */
double cx_rng_normal(cx_rng *r);
/* Fisher-Yates shuffle of n elements of `size` bytes. */
void cx_rng_shuffle(cx_rng *r, void *base, size_t n, size_t size);

/* 64-bit FNV-1a of bytes, for deterministic hashing of texts and names. */
uint64_t cx_hash64(const void *data, size_t n);
/* splitmix64 finaliser: mixes one 64-bit value into a well-spread one. */
uint64_t cx_mix64(uint64_t x);

#endif
