/* CX_HOT: a hot loop compiled for AVX-512, AVX2 and the baseline, the CPU
 * picking one when the program loads (GCC and Clang target_clones). The
 * build targets baseline x86-64 so that one binary runs everywhere; this is
 * how the few loops that carry training time still get wide vectors. Keep
 * the marked functions static (Clang 14 gives an external one no plain
 * symbol) and free of OpenMP pragmas: call them from the parallel loop, one
 * chunk at a time. */
#ifndef CX_UTIL_HOT_H
#define CX_UTIL_HOT_H

#if defined(__x86_64__)
#define CX_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CX_HOT
#endif

/* Elements per chunk when a hot loop is split across threads. */
enum { CX_HOT_CHUNK = 1 << 14 };

#endif
