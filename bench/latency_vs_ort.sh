#!/bin/bash
# Ours (INT8 engine) vs ONNX Runtime on the same INT8 ONNX file and prompts,
# alternating round by round so that both sides see the same machine load.
# Usage: CX_ORT_MODULE=.../onnxruntime-node bench/latency_vs_ort.sh BUILD_DIR MODEL.onnx TOKENIZER_DIR \
#          [N_PROMPTS] [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
ONNX=${2:?INT8 onnx file}
TOK=${3:?tokenizer dir}
N=${4:-300}
THREADS=${5:-1}
ROUNDS=${6:-3}
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
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    "$BUILD/bench_latency" --model "$ONNX" --threads "$THREADS" --n "$N" "$OUT/data.jsonl"
    "$BUILD/bench_latency" --model "$ONNX" --kernel avx512vnni --threads "$THREADS" --n "$N" "$OUT/data.jsonl"
    node bench/latency_ort.js "$CX_ORT_MODULE" "$ONNX" "$OUT/ids.txt" "$THREADS"
done
