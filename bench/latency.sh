#!/bin/bash
# Bench of the native runtime: ours fp32 vs ours INT8 on the reference test
# prompts, one prompt at a time at its true length (p50/p99/mean per prompt,
# load time, batch-API throughput, peak RSS of the bench process), then the
# INT8-vs-fp32 agreement, then peak RSS of `complexity classify` itself.
#
# Usage: bench/latency.sh BUILD_DIR MODEL_DIR [N_PROMPTS] [THREADS] [ONNX_INT8]
#   ONNX_INT8: optional `complexity export-onnx` INT8 file of the same model (with
#   complexity_tokenizer/ or tokenizer/ beside it), run by our engine as well, and by
#   ONNX Runtime when CX_ORT_MODULE points at an installed onnxruntime-node
#   (e.g. npm install --prefix /tmp/ort onnxruntime-node; CX_ORT_MODULE=/tmp/ort/node_modules/onnxruntime-node).
#   MODEL_DIR: a training output folder (best_model.safetensors, tokenizer/,
#   config.json), e.g. the full distilbert-base-multilingual-cased shape:
#     /usr/bin/python3 tools/make_hf_checkpoint.py --shape full --out /tmp/hf
#     complexity train --base /tmp/hf ... -o MODEL_DIR   (or any trained folder)
#   The INT8 file is made with `complexity quantize --model MODEL_DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
MODEL=${2:?model folder}
N=${3:-300}
THREADS=${4:-2}
ONNX=${5:-}
SHARED=${CX_SHARED_DIR:-../shared}
DATA=$SHARED/reference-data/test.jsonl
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ninja -C "$BUILD" bench_latency > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
# what the CLI sets (cli/main.c): idle OpenMP threads spin briefly, then sleep
export GOMP_SPINCOUNT=30000 OPENBLAS_THREAD_TIMEOUT=4
INT8=$MODEL/model_int8.safetensors
[ -f "$INT8" ] || "$BUILD/complexity" quantize --model "$MODEL" -o "$INT8"
ls -l "$MODEL/best_model.safetensors" "$INT8" | awk '{printf "%s %.1f MB\n", $NF, $5/1e6}'
for t in 1 "$THREADS"; do
    "$BUILD/bench_latency" --model "$MODEL" --threads "$t" --n "$N" "$DATA"
    "$BUILD/bench_latency" --model "$INT8" --threads "$t" --n "$N" "$DATA"
    [ -z "$ONNX" ] || "$BUILD/bench_latency" --model "$ONNX" --threads "$t" --n "$N" "$DATA"
    if [ -n "$ONNX" ] && [ -n "${CX_ORT_MODULE:-}" ]; then
        [ -f "$OUT/ids.txt" ] || "$BUILD/complexity" tokenize --tokenizer "$MODEL/tokenizer" --jsonl \
            --max-length 256 < <(head -n "$N" "$DATA") > "$OUT/ids.txt"
        node bench/latency_ort.js "$CX_ORT_MODULE" "$ONNX" "$OUT/ids.txt" "$t"
    fi
done
"$BUILD/bench_latency" --model "$MODEL" --compare --threads 1 "$DATA"
[ -z "$ONNX" ] || "$BUILD/bench_latency" --model "$MODEL" --int8-model "$ONNX" --compare --threads 1 "$DATA"
# peak RSS of the CLI classifying the test prompts (INT8 files, then fp32)
for m in "$INT8" $ONNX "$MODEL"; do
    /usr/bin/time -f "classify $(basename "$m"): peak RSS %M KB, %e s for $N prompts" \
        "$BUILD/complexity" classify --model "$m" --jsonl < <(head -n "$N" "$DATA") > /dev/null
done
