/* Helpers shared by the cmocka tests. */
#ifndef CX_TESTUTIL_H
#define CX_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Directories handed in by ctest (see CMakeLists.txt); abort the test when unset. */
const char *tu_source_dir(void);  /* the repository; test data lives in tests/data (tests/data/README.md) */
/* A fresh, empty scratch directory for this test binary; caller frees. */
char *tu_tmpdir(const char *name);
/* dir/name, caller frees. */
char *tu_path(const char *dir, const char *name);
/* Writes bytes to a file (asserts on failure). */
void tu_write_file(const char *path, const void *data, size_t len);
/* Reads a whole file into a NUL-terminated buffer (asserts); caller frees. */
char *tu_read_file(const char *path, size_t *len);

#endif
