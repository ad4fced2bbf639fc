#!/bin/bash
# The library as a host sees it, in one run (issue 15's figures): symbols the
# shared libraries export beside what the headers declare, what the runtime
# library links (ldd), the installed-prefix example build, estimator
# throughput with the model at 1..T threads beside the one-mutex anchor, the
# allocation-failure sweep's failure points, and the time a hostile config.yaml
# (200 kB of nested '[') takes to be refused.
#
# Usage: bench/library.sh BUILD_DIR [THREADS] [ROUNDS]     (a Release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
THREADS=${2:-2}
ROUNDS=${3:-3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# seconds since $1 (a date +%s.%N), times $2
since() { awk -v t0="$1" -v t1="$(date +%s.%N)" -v k="${2:-1}" 'BEGIN { print (t1 - t0) * k }'; }
ninja -C "$BUILD" > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)')"

echo "== exports (nm -D --defined-only) vs CX_API declarations"
grep -ho 'CX_API [^([;]*' include/complexity/*.h | grep -o 'cx_[a-z0-9_]*$' | sort -u > "$OUT/api"
for lib in libcomplexity libcomplexity-train; do
  nm -D --defined-only "$BUILD/$lib.so" | awk '$2 ~ /^[TDRB]$/ {print $3}' | sort -u > "$OUT/$lib"
  printf '%-22s %4d exported, %d not declared in include/, %d of them not cx_*\n' "$lib.so" \
    "$(wc -l < "$OUT/$lib")" "$(comm -23 "$OUT/$lib" "$OUT/api" | wc -l)" "$(grep -vc '^cx_' "$OUT/$lib" || true)"
done
printf '%-22s %4d global symbols, %d not cx_*\n' "libcomplexity.a" \
  "$(nm -g --defined-only "$BUILD/libcomplexity.a" | awk 'NF == 3' | wc -l)" \
  "$(nm -g --defined-only "$BUILD/libcomplexity.a" | awk 'NF == 3 && $3 !~ /^cx_/' | wc -l)"

echo "== ldd libcomplexity.so (the runtime)"
ldd "$BUILD/libcomplexity.so" | awk '{print "  " $1}'
echo "== ldd libcomplexity-train.so: what the runtime does not link"
ldd "$BUILD/libcomplexity-train.so" | awk '{print $1}' | grep -E 'dnnl|curl|protobuf' | sed 's/^/  /'

echo "== installed prefix: examples/classify.c with pkg-config alone"
cmake --install "$BUILD" --prefix "$OUT/prefix" > /dev/null
PC=$(dirname "$(find "$OUT/prefix" -name complexity.pc)")
t0=$(date +%s.%N)
# shellcheck disable=SC2046
cc -std=c11 examples/classify.c $(PKG_CONFIG_PATH=$PC pkg-config --cflags --libs complexity) \
   -Wl,-rpath,"$PC/.." -o "$OUT/ex"
printf '  built in %.2f s: cc examples/classify.c $(pkg-config --cflags --libs complexity)\n' "$(since "$t0")"
"$OUT/ex" models/complexity_model_int8.onnx "Write a Python function that merges two sorted lists" | sed 's/^/  /'

echo "== estimator with the shipped model: estimates/s by threads (data/dev/dev.jsonl)"
"$BUILD/bench_estimate_threads" models/complexity_model_int8.onnx data/dev/dev.jsonl "$THREADS" "$ROUNDS" | sed 's/^/  /'

echo "== allocation-failure sweep (tests/test_alloc_fail.c)"
CX_SOURCE_DIR=$PWD CX_TMPDIR=$OUT "$BUILD/test_alloc_fail" 2>&1 | grep 'allocations swept' | sed 's/^/  /'

echo "== a hostile config.yaml: 200 kB of nested '['"
{ printf 'task_complexity:\n  x: '; head -c 200000 /dev/zero | tr '\0' '['; } > "$OUT/deep.yaml"
t0=$(date +%s.%N)
"$BUILD/complexity" estimate --config "$OUT/deep.yaml" hi > "$OUT/deep.log" 2>&1 && echo "  accepted?!" || true
printf '  refused in %.0f ms (the whole process): %s\n' "$(since "$t0" 1000)" "$(tail -1 "$OUT/deep.log")"
