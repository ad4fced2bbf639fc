#!/bin/bash
# The shipped default model (models/): size on disk, load time, p50/p99 per
# prompt on one core (one prompt at a time, at its true length), with the
# n-gram part and without it (the ONNX file alone), on the dev set's real-style
# prompts and on the seed's reference test prompts, beside peak RSS of
# `complexity classify`. Target (issue 14): <= 16 MB in all, p50 <= 1 ms.
#
# Usage: bench/default_model.sh [BUILD_DIR] [REPEAT]   (default build, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REPEAT=${2:-1}
SHARED=${CX_SHARED_DIR:-../shared}
M=models/complexity_model_int8.onnx
ninja -C "$BUILD" bench_latency complexity_cli > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
export GOMP_SPINCOUNT=30000
du -b models/complexity_model_int8.onnx models/complexity_ngram.safetensors
du -cb models/complexity_model_int8.onnx models/complexity_ngram.safetensors models/complexity_tokenizer/* | tail -1
for data in data/dev/dev.jsonl "$SHARED/reference-data/test.jsonl"; do
  [ -f "$data" ] || { echo "skip $data (not here)"; continue; }
  echo "== $data"
  echo "-- neural + n-gram (what classify, estimate and the service run)"
  "$BUILD/bench_latency" --model "$M" --threads 1 --n 600 --repeat "$REPEAT" "$data"
  echo "-- neural alone (the ONNX file)"
  "$BUILD/bench_latency" --model "$M" --threads 1 --n 600 --repeat "$REPEAT" --no-ngram "$data"
done
echo "== peak RSS of complexity classify (dev set)"
python3 -c 'import json,sys; [print(json.loads(l)["text"].replace("\n"," ")) for l in open(sys.argv[1])]' data/dev/dev.jsonl |
  /usr/bin/time -f "max RSS %M KB, %e s" "$BUILD/complexity" classify --model "$M" > /dev/null
