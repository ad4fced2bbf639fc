/* Memory for data streamed in full again and again (the INT8 engine's packed
 * weights: 43 MB read once per prompt): on 2 MB pages, the TLB no longer
 * misses every 4 KB of the stream. */
#ifndef CX_UTIL_HUGEMEM_H
#define CX_UTIL_HUGEMEM_H

#include <stddef.h>

/* At least n bytes, 2 MB aligned, asked of the kernel as transparent huge
 * pages (madvise: a hint; where huge pages are off it is an ordinary
 * allocation). *len: the bytes allocated. Release with free(). NULL when
 * out of memory. */
void *cx_alloc_huge(size_t n, size_t *len);

#endif
