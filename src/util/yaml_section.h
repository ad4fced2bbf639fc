/* Rewriting one top-level section of a YAML file (Kuro's config.yaml holds
 * sections of its own beside ours) and keeping every other byte: the
 * task_complexity writer and the service's router section share it. */
#ifndef CX_UTIL_YAML_SECTION_H
#define CX_UTIL_YAML_SECTION_H

#include <stddef.h>

#include "complexity/common.h"

/* Checks the whole new document before it is written: CX_OK to write. */
typedef int (*yaml_check_fn)(const char *doc, size_t len, void *ctx, cx_error *err);

/* Replaces the block-style section `key:` of the file at path with `section`
 * (text starting "key:\n"), or appends it; a missing file is created. The
 * result goes through check first, then is written atomically (temp file +
 * rename). The file is left as it was on any failure. */
int yaml_write_section(const char *path, const char *key, const char *section, yaml_check_fn check, void *ctx,
                       cx_error *err);

#endif
