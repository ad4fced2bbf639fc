#!/bin/bash
# Ours (INT8 engine) vs ONNX Runtime on the same INT8 ONNX file and prompts,
# alternating round by round so that both sides see the same machine load.
# Usage: CX_ORT_MODULE=.../onnxruntime-node bench/latency_vs_ort.sh BUILD_DIR MODEL.onnx TOKENIZER_DIR \
#          [N_PROMPTS] [THREADS] [ROUNDS] [REPEAT]
# REPEAT > 1: at true length both sides also report the best of REPEAT passes
# per prompt (a shared machine's slow phases hardly move it); the padded run
# is one pass. Each round ends with the ratios of its p50s.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
ONNX=${2:?INT8 onnx file}
TOK=${3:?tokenizer dir}
N=${4:-300}
THREADS=${5:-1}
ROUNDS=${6:-3}
REPEAT=${7:-1}
SHARED=${CX_SHARED_DIR:-../shared}
DATA=$SHARED/reference-data/test.jsonl
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ninja -C "$BUILD" bench_latency > /dev/null
head -n "$N" "$DATA" > "$OUT/data.jsonl"
"$BUILD/complexity" tokenize --tokenizer "$TOK" --jsonl --max-length 256 < "$OUT/data.jsonl" > "$OUT/ids.txt"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "prompts: $N, mean $(awk '{s += NF} END {printf "%.1f", s / NR}' "$OUT/ids.txt") tokens"
export GOMP_SPINCOUNT=30000 # what the CLI sets (cli/main.c)
# p50 values of a line: the first, and the best-of one when there is
p50s() { grep -o 'p50=[0-9.]*' | cut -d= -f2 | tr '\n' ' '; }
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    "$BUILD/bench_latency" --model "$ONNX" --threads "$THREADS" --n "$N" --repeat "$REPEAT" "$OUT/data.jsonl" |
        tee "$OUT/ours.txt"
    if [ "$(cut -d' ' -f1 "$OUT/ours.txt")" != int8/avx512vnni ]; then
        "$BUILD/bench_latency" --model "$ONNX" --kernel avx512vnni --threads "$THREADS" --n "$N" "$OUT/data.jsonl"
    fi
    node bench/latency_ort.js "$CX_ORT_MODULE" "$ONNX" "$OUT/ids.txt" "$THREADS" "$REPEAT" | tee "$OUT/ort.txt"
    read -r -a ours <<< "$(p50s < "$OUT/ours.txt")"
    read -r -a padded <<< "$(grep 'padded to 256' "$OUT/ort.txt" | p50s)"
    read -r -a truelen <<< "$(grep 'true length' "$OUT/ort.txt" | p50s)"
    awk -v o="${ours[0]}" -v p="${padded[0]}" -v t="${truelen[0]}" -v ob="${ours[1]:-}" -v tb="${truelen[1]:-}" 'BEGIN {
        printf "round p50 ratios: ours / ORT padded 1/%.1f, ours / ORT true length %.2fx", p / o, o / t
        if (ob != "" && tb != "") printf ", best-of passes %.2fx", ob / tb
        printf "\n" }'
done
