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
gcc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -fopenmp -Iinclude $(pkg-config --cflags libcjson) \
    -o "$OUT/latency" bench/latency.c "$BUILD/libcomplexity.a" \
    $(pkg-config --libs libcjson libutf8proc libpcre2-8 yaml-0.1 openblas libcurl libprotobuf-c) -lm -lpthread
head -n "$N" "$DATA" > "$OUT/data.jsonl"
"$BUILD/complexity" tokenize --tokenizer "$TOK" --jsonl --max-length 256 < "$OUT/data.jsonl" > "$OUT/ids.txt"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "prompts: $N, mean $(awk '{s += NF} END {printf "%.1f", s / NR}' "$OUT/ids.txt") tokens"
export OMP_WAIT_POLICY=PASSIVE
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    "$OUT/latency" --model "$ONNX" --threads "$THREADS" --n "$N" "$OUT/data.jsonl"
    "$OUT/latency" --model "$ONNX" --kernel avx512vnni --threads "$THREADS" --n "$N" "$OUT/data.jsonl"
    node bench/latency_ort.js "$CX_ORT_MODULE" "$ONNX" "$OUT/ids.txt" "$THREADS"
done
