#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include "util/hugemem.h"

#include <stdlib.h>
#include <sys/mman.h>

void *cx_alloc_huge(size_t n, size_t *len) {
    const size_t huge = (size_t)2 << 20;
    *len = (n ? n + huge - 1 : huge) / huge * huge;
    void *p = aligned_alloc(huge, *len);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, *len, MADV_HUGEPAGE);
#endif
    return p;
}
