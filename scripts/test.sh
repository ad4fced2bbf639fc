#!/bin/sh
# The test suite: builds with gcc (Release) and with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer, then runs every test (ctest)
# on the sanitizer build, then the Python binding's tests (pytest, Debian's
# python3) on the Release build's libcomplexity.so: an ASan library cannot be
# loaded into an uninstrumented interpreter. Installs missing Debian packages
# first.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "== gcc Release build (-Wall -Wextra -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null
ninja -C build -j "$jobs"
echo "== clang ASan+UBSan build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Asan -DCMAKE_C_COMPILER=clang >/dev/null
ninja -C build-asan -j "$jobs"
echo "== tests (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j "$jobs" "$@")
echo "== Python binding (pytest)"
COMPLEXITY_LIBRARY=$PWD/build/libcomplexity.so CX_CLI=$PWD/build/complexity \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider bindings/python/tests
