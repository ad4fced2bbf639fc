#include "util/strset.h"

#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

void strset_init(strset *s) { memset(s, 0, sizeof *s); }

void strset_free(strset *s) {
    for (size_t i = 0; i < s->cap; i++) free(s->slots[i].key);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static strset_entry *probe(const strset *s, const char *key, size_t len, uint64_t h) {
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        strset_entry *e = &s->slots[i];
        if (!e->key) return e;
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) return e;
    }
}

strset_entry *strset_find(const strset *s, const char *key, size_t len) {
    if (!s->cap) return NULL;
    strset_entry *e = probe(s, key, len, cx_hash64(key, len));
    return e->key ? e : NULL;
}

static int grow(strset *s) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    strset_entry *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    strset old = *s;
    s->slots = slots;
    s->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key) *probe(s, old.slots[i].key, old.slots[i].len, old.slots[i].hash) = old.slots[i];
    free(old.slots);
    return 0;
}

strset_entry *strset_add(strset *s, const char *key, size_t len, int value, int *added) {
    *added = 0;
    /* Keep the load factor under 1/2 so probes stay short. */
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0) return NULL;
    uint64_t h = cx_hash64(key, len);
    strset_entry *e = probe(s, key, len, h);
    if (e->key) return e;
    e->key = malloc(len + 1);
    if (!e->key) return NULL;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->len = len;
    e->hash = h;
    e->value = value;
    s->count++;
    *added = 1;
    return e;
}
