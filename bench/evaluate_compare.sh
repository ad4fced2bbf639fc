#!/bin/sh
# `complexity evaluate --compare` on the reference test set: the heuristic alone (SPEC §7 says MAE 0.372,
# tier 15.7%), then a from-scratch tiny model trained on the reference train set (+ val) beside the
# heuristic and the estimator's three blends, with the JSON and HTML reports.
# usage: bench/evaluate_compare.sh CLI [WORKDIR] [EPOCHS]
#   WORKDIR (default /tmp/cx_evaluate_compare) keeps vocab/, model/, eval.json, report.html;
#   an existing WORKDIR/model is reused.
set -eu
CLI=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${CX_SHARED_DIR:-$(cd "$HERE/../../shared" && pwd)}
REF=$SHARED/reference-data
W=${2:-/tmp/cx_evaluate_compare}
EPOCHS=${3:-3}
mkdir -p "$W"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== heuristic alone =="
"$CLI" evaluate --data "$REF/test.jsonl" --compare | sed -n '1,12p'
if [ ! -s "$W/model/best_model.safetensors" ]; then
  "$CLI" build-vocab --data "$REF/train.jsonl" --size 1000 -o "$W/vocab" > "$W/vocab.log" 2>&1
  /usr/bin/time -f "train: %e s wall, %M KiB peak RSS" "$CLI" train --data "$REF/train.jsonl" --val "$REF/val.jsonl" \
    --base none --arch tiny --vocab "$W/vocab" --freeze-layers 0 --lr 1e-3 --epochs "$EPOCHS" --threads 2 \
    -o "$W/model" > "$W/train.log" 2>&1
  tail -1 "$W/train.log"
fi
echo "== model (tiny, from scratch) and the estimator's blends =="
"$CLI" evaluate --model "$W/model" --data "$REF/test.jsonl" --compare --json "$W/eval.json" --report "$W/report.html"
echo "reports: $W/eval.json $W/report.html"
