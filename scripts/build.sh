#!/bin/sh
# Release build of the library and the `complexity` command into build/.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j "$(nproc 2>/dev/null || echo 2)"
