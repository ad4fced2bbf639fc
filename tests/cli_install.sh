#!/bin/bash
# The library as a host sees it: installed into a prefix (cmake --install), the
# example built with pkg-config alone (shared and static) and with
# find_package(complexity); the shared libraries export the public API only
# (every CX_API declaration of include/, nothing else); the runtime library
# links none of oneDNN, libcurl, protobuf-c.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
BUILD=${CX_BUILD_DIR:?run through ctest}
CC=${CX_CC:-cc}
SAN=${CX_TEST_SANITIZE:-}
cli_workdir cli_install

cmake --install "$BUILD" --prefix "$T/prefix" > install.log 2>&1 || { fail "cmake --install"; tail -5 install.log; }
LIBDIR=$(dirname "$(find "$T/prefix" -name complexity.pc | head -1)")/..
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
for f in include/complexity.h include/complexity/common.h bin/complexity; do
  [ -e "$T/prefix/$f" ] || fail "the prefix lacks $f"
done
for lib in libcomplexity libcomplexity-train; do
  for f in "$lib.so" "$lib.a"; do [ -e "$LIBDIR/$f" ] || fail "the prefix lacks $f"; done
done

MODEL="$SRC/models/complexity_model_int8.onnx"
TEXT="Write a Python function that merges two sorted lists"
# shellcheck disable=SC2046,SC2086
if $CC -std=c11 -Wall -Wextra -Werror $SAN "$SRC/examples/classify.c" $(pkg-config --cflags --libs complexity) \
     -Wl,-rpath,"$LIBDIR" -o ex_shared 2> cc_shared.log; then
  expect "the example (shared) classifies and estimates" 0 "estimator:  tier" ./ex_shared "$MODEL" "$TEXT"
  ldd ex_shared | grep -q "libcomplexity.so" || fail "the shared example does not load libcomplexity.so"
else
  fail "the example does not build with pkg-config --cflags --libs complexity"; cat cc_shared.log
fi
# shellcheck disable=SC2046,SC2086
if $CC -std=c11 $SAN "$SRC/examples/classify.c" $(pkg-config --cflags complexity) -o ex_static \
     "$LIBDIR/libcomplexity.a" $(pkg-config --static --libs complexity | sed 's/-lcomplexity\b//') 2> cc_static.log; then
  expect "the example (static) classifies" 0 "classifier: tier" ./ex_static "$MODEL" "$TEXT"
  ! ldd ex_static | grep -q libcomplexity || fail "the static example loads a libcomplexity"
else
  fail "the example does not build with pkg-config --static"; cat cc_static.log
fi

# find_package(complexity) from a CMake project.
mkdir -p cmk && cat > cmk/CMakeLists.txt <<CMK
cmake_minimum_required(VERSION 3.18)
project(host C)
find_package(complexity 0.6 REQUIRED)
add_executable(host "$SRC/examples/classify.c")
target_link_libraries(host PRIVATE complexity::complexity)
CMK
if cmake -S cmk -B cmk/build -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_C_COMPILER="$CC" \
     -DCMAKE_C_FLAGS="$SAN" > cmk.log 2>&1 && cmake --build cmk/build >> cmk.log 2>&1; then
  expect "a find_package(complexity) host classifies" 0 "classifier: tier" cmk/build/host "$MODEL" "$TEXT"
else
  fail "find_package(complexity) host"; tail -20 cmk.log
fi

# Exports: exactly the CX_API declarations of the installed headers.
api_names() { grep -ho 'CX_API [^([;]*' "$T"/prefix/include/complexity/*.h | grep -o 'cx_[a-z0-9_]*$' | sort -u; }
api_names > api.txt
[ "$(wc -l < api.txt)" -gt 100 ] || fail "only $(wc -l < api.txt) CX_API names found in the headers"
for lib in libcomplexity libcomplexity-train; do
  nm -D --defined-only "$LIBDIR/$lib.so" | awk '$2 ~ /^[TDRB]$/ {print $3}' | sort -u > "$lib.exports"
  extra=$(comm -23 "$lib.exports" api.txt)
  [ -z "$extra" ] || fail "$lib.so exports what no header declares: $(echo $extra | head -c 300)"
  echo "$lib.so: $(wc -l < "$lib.exports") exported symbols"
done
# The runtime headers (docs/API.md) are the runtime library's whole API.
for h in common fileio labels tokenizer model classifier engine estimator; do
  grep -ho 'CX_API [^([;]*' "$T/prefix/include/complexity/$h.h" | grep -o 'cx_[a-z0-9_]*$'
done | sort -u > runtime_api.txt
comm -23 runtime_api.txt libcomplexity.exports > missing_rt.txt
[ ! -s missing_rt.txt ] || fail "declared in a runtime header but not in libcomplexity.so: $(tr '\n' ' ' < missing_rt.txt)"
comm -13 runtime_api.txt libcomplexity.exports > extra_rt.txt
[ ! -s extra_rt.txt ] || fail "libcomplexity.so exports what no runtime header declares: $(tr '\n' ' ' < extra_rt.txt)"
comm -13 libcomplexity-train.exports api.txt > missing.txt
[ ! -s missing.txt ] || fail "declared but not exported by libcomplexity-train.so: $(tr '\n' ' ' < missing.txt)"
nm -g --defined-only "$LIBDIR/libcomplexity.a" | awk 'NF == 3 && $3 !~ /^cx_/ {print $3}' > static_internal.txt
[ ! -s static_internal.txt ] || fail "libcomplexity.a has global internal symbols: $(head -5 static_internal.txt | tr '\n' ' ')"

# The runtime library links none of the training dependencies.
ldd "$LIBDIR/libcomplexity.so" > ldd.txt
if grep -E "dnnl|curl|protobuf" ldd.txt; then fail "libcomplexity.so links a training dependency"; fi
grep -q dnnl <(ldd "$LIBDIR/libcomplexity-train.so") || fail "libcomplexity-train.so does not link oneDNN (test is stale?)"
cli_done cli_install
