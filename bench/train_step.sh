#!/bin/bash
# Bench: one training step at the full distilbert-base-multilingual-cased shape,
# ours (C, packed batch) vs PyTorch (padded to 256 as the seed, and dynamic
# padding), same machine, same run. Batch: 32 real prompts (every 375th line of
# the reference train set), tokenized by `complexity tokenize` with the mBERT
# vocabulary. Usage: bench/train_step.sh [BUILD_DIR] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
STEPS=${2:-3}
SHARED=${CX_SHARED_DIR:-../shared}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
awk 'NR % 375 == 1' "$SHARED/reference-data/train.jsonl" > "$OUT/batch.jsonl"
"$BUILD/complexity" tokenize --tokenizer "$SHARED/vocab/mbert-cased" --jsonl --max-length 256 \
    < "$OUT/batch.jsonl" > "$OUT/ids.txt"
ninja -C "$BUILD" bench_train_step > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ)"
# idle OpenMP threads sleep, and OpenBLAS workers stop spinning right after a GEMM:
# otherwise the two pools spin on the cores the other one is computing on
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4
"$BUILD/bench_train_step" "$OUT/ids.txt" --threads 2 --freeze 4 --steps "$STEPS" ${CX_BENCH_HF:+--hf "$CX_BENCH_HF"}
/usr/bin/python3 bench/train_step_torch.py "$OUT/ids.txt" --threads 2 --freeze 4 --steps "$STEPS"
