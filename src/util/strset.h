/* A set of byte strings with an int payload (open addressing, linear probing).
 * Keys are copied into the set; it owns them. */
#ifndef CX_UTIL_STRSET_H
#define CX_UTIL_STRSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct strset_entry {
    char *key;       /* NULL = empty slot */
    size_t len;
    uint64_t hash;
    int value;
} strset_entry;

typedef struct strset {
    strset_entry *slots;
    size_t cap;      /* power of two */
    size_t count;
} strset;

void strset_init(strset *s);
void strset_free(strset *s);
/* The entry for key, or NULL. */
strset_entry *strset_find(const strset *s, const char *key, size_t len);
/* Adds key with value unless present. Returns the entry (new or existing) and
 * sets *added; NULL on allocation failure. */
strset_entry *strset_add(strset *s, const char *key, size_t len, int value, int *added);

#endif
