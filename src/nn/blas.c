/* OpenBLAS core type. A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU
 * model at load time, and falls back to generic ones on models it does not
 * know: Debian's 0.3.21 runs its SSE3 "Prescott" kernels on Emerald Rapids
 * (family 6 model 0xCF falls through its Intel model switch into the Pentium
 * 4 case), 4-6x slower than its AVX-512 ones, without a word. nn_blas_init,
 * run once before the first fp32 GEMM, moves it to the best core type it has
 * for the instructions this CPU has, through the only door OpenBLAS offers:
 * gotoblas_dynamic_quit + OPENBLAS_CORETYPE + gotoblas_dynamic_init (all its
 * per-core state lives in the table that init selects and fills in).
 *
 * CX_BLAS_CORE=keep leaves OpenBLAS's choice alone; CX_BLAS_CORE=<name>
 * forces a core type (refused when this CPU lacks its instructions: OpenBLAS
 * 0.3.21 would run it and die of SIGILL). A user's OPENBLAS_CORETYPE is
 * OpenBLAS's business and is respected. */
#define _GNU_SOURCE /* dladdr, RTLD_NOLOAD, RTLD_DEFAULT */
#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nn/nn.h"

/* x86-64 core types by the instructions their kernels need, weakest first;
 * `core` of a level is the one we switch to. A name in no level (a
 * core type newer than this table) is never switched away from. Cooperlake
 * runs the SkylakeX sgemm kernels with other block sizes (as fast here).
 * 0.3.21's OPENBLAS_CORETYPE parser stops one entry short of "Cooperlake" and
 * then picks by CPU features, which gives Cooperlake on AVX-512 BF16 CPUs
 * (and a "Core not found" line under OPENBLAS_VERBOSE); the result is
 * checked either way. */
static const struct {
    const char *core;   /* the one we switch to */
    const char *others; /* the rest of the level */
    const char *isa;
} LEVELS[] = {
    {"Prescott", "Core2 Penryn Dunnington Nehalem Atom Nano Athlon Opteron Opteron_SSE3 Barcelona Bobcat", "SSE3"},
    {"Sandybridge", "Bulldozer Piledriver Steamroller", "AVX"},
    {"Haswell", "Zen Excavator", "AVX2"},
    {"SkylakeX", "", "AVX-512"},
    {"Cooperlake", "", "AVX-512 BF16"},
};
enum { N_LEVELS = sizeof LEVELS / sizeof LEVELS[0], NAME_MAX_LEN = 32 };

typedef struct blas_state {
    char version[NAME_MAX_LEN];  /* "OpenBLAS 0.3.21" */
    char chosen[NAME_MAX_LEN];   /* the core type OpenBLAS picked at load */
    char detail[128];            /* why the core type is what it is */
    char describe[224];          /* nn_blas_describe's string */
} blas_state;

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static blas_state blas;

/* level of core type NAME, or -1 when no level lists it */
static int core_level(const char *name) {
    const size_t len = strlen(name);
    for (int level = 0; level < N_LEVELS; level++) {
        if (!strcasecmp(LEVELS[level].core, name)) return level;
        for (const char *p = LEVELS[level].others; *p;) {
            const size_t word = strcspn(p, " ");
            if (word == len && !strncasecmp(p, name, len)) return level;
            p += word + (p[word] == ' ');
        }
    }
    return -1;
}

/* the highest level whose instructions this CPU (and OS) has */
static int cpu_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx")) return 0;
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 1;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
        return 2;
    return __builtin_cpu_supports("avx512bf16") ? 4 : 3;
#else
    return -1; /* not x86-64: LEVELS does not apply */
#endif
}

/* A symbol of the OpenBLAS our cblas calls bind to: a process may hold two
 * copies (Debian's libblas.so.3 is a second one), and the switch must reach
 * ours. RTLD_DEFAULT only when ours cannot be named (linked statically). */
static void *blas_symbol(const char *name) {
    Dl_info info;
    if (!dladdr((void *)openblas_get_corename, &info) || !info.dli_fname)
        return dlsym(RTLD_DEFAULT, name);
    void *lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (!lib) return dlsym(RTLD_DEFAULT, name);
    void *sym = dlsym(lib, name);
    dlclose(lib); /* NOLOAD took a reference; the library stays loaded */
    return sym;
}

typedef void (*blas_fn)(void);

/* Re-runs OpenBLAS's core selection with OPENBLAS_CORETYPE=name, then puts
 * the environment back as it was (a child process must see the user's). */
static void reselect(blas_fn quit, blas_fn init, const char *name) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    char *saved = user ? strdup(user) : NULL;
    quit();
    setenv("OPENBLAS_CORETYPE", name, 1);
    init();
    if (saved) setenv("OPENBLAS_CORETYPE", saved, 1);
    else unsetenv("OPENBLAS_CORETYPE");
    free(saved);
}

/* Switches to core type NAME: NULL when OpenBLAS now runs it, else the reason
 * it does not (OpenBLAS is then back on its own choice). */
static const char *switch_core(const char *name) {
    blas_fn quit = (blas_fn)blas_symbol("gotoblas_dynamic_quit");
    blas_fn init = (blas_fn)blas_symbol("gotoblas_dynamic_init");
    if (!quit || !init) return "this OpenBLAS cannot switch (not a DYNAMIC_ARCH build)";
    reselect(quit, init, name);
    if (!strcasecmp(openblas_get_corename(), name)) return NULL;
    reselect(quit, init, blas.chosen);
    return "OpenBLAS did not take it";
}

/* The core type of this CPU's level when OpenBLAS chose one of a lower
 * level (a core type in no level, newer than this table, is left alone). */
static const char *better_core(int chosen_level) {
    const int have = cpu_level();
    return have < 0 || chosen_level < 0 || chosen_level >= have ? NULL : LEVELS[have].core;
}

/* The core type to run instead of OpenBLAS's choice, or NULL with
 * blas.detail saying why there is none. */
static const char *pick_core(const char *forced) {
    const int have = cpu_level(), chosen = core_level(blas.chosen);
    if (forced) {
        const int level = core_level(forced);
        if (level < 0)
            snprintf(blas.detail, sizeof blas.detail, "CX_BLAS_CORE=%s ignored: unknown core type", forced);
        else if (level > have)
            snprintf(blas.detail, sizeof blas.detail, "CX_BLAS_CORE=%s ignored: this CPU lacks %s", forced,
                     LEVELS[level].isa);
        return level < 0 || level > have ? NULL : forced;
    }
    return better_core(chosen);
}

static void blas_setup(void) {
    /* "OpenBLAS 0.3.21 DYNAMIC_ARCH ...": keep the first two words */
    snprintf(blas.version, sizeof blas.version, "%s", openblas_get_config());
    char *space = strchr(blas.version, ' ');
    if (space && (space = strchr(space + 1, ' '))) *space = '\0';
    snprintf(blas.chosen, sizeof blas.chosen, "%s", openblas_get_corename());
    snprintf(blas.detail, sizeof blas.detail, "OpenBLAS's choice");

    const char *env = getenv("CX_BLAS_CORE"), *user = getenv("OPENBLAS_CORETYPE");
    if (env && !*env) env = NULL;
    const char *target = NULL;
    if (env && !strcasecmp(env, "keep"))
        snprintf(blas.detail, sizeof blas.detail, "OpenBLAS's choice, CX_BLAS_CORE=keep");
    else if (!env && user) /* OpenBLAS already ran what the user asked for */
        snprintf(blas.detail, sizeof blas.detail, "OPENBLAS_CORETYPE=%s", user);
    else
        target = pick_core(env);

    if (target && strcasecmp(target, blas.chosen)) {
        const char *failed = switch_core(target);
        if (failed)
            snprintf(blas.detail, sizeof blas.detail, "OpenBLAS's choice; switching to %s failed: %s",
                     target, failed);
        else if (env)
            snprintf(blas.detail, sizeof blas.detail, "switched from %s: CX_BLAS_CORE=%s", blas.chosen, env);
        else
            snprintf(blas.detail, sizeof blas.detail, "switched from %s: this CPU has %s", blas.chosen,
                     LEVELS[core_level(target)].isa);
    }
    snprintf(blas.describe, sizeof blas.describe, "%s core %s (%s)", blas.version,
             openblas_get_corename(), blas.detail);
}

void nn_blas_init(void) { pthread_once(&blas_once, blas_setup); }

const char *cx_blas_preferred_core(void) {
    /* the user's choice, a forced core (CX_BLAS_CORE=name, checked by the
     * switch) or keep: not ours to preset */
    if (getenv("OPENBLAS_CORETYPE") || getenv("CX_BLAS_CORE")) return NULL;
    return better_core(core_level(openblas_get_corename())); /* reads OpenBLAS's choice, changes nothing */
}

const char *nn_blas_describe(void) {
    nn_blas_init();
    return blas.describe;
}
