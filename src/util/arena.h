/* Bump allocator for data that lives and dies together (parsed templates).
 * Freeing the arena frees everything allocated from it. */
#ifndef CX_UTIL_ARENA_H
#define CX_UTIL_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena { arena_block *head; } arena;

#define ARENA_INIT {NULL}

/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *arena_alloc(arena *a, size_t size);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(arena *a, const char *s, size_t n);
void arena_free(arena *a);

#endif
