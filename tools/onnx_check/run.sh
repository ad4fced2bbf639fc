#!/bin/bash
# ONNX compatibility check of `complexity export-onnx` (docs/ONNX.md):
#  1. exports MODEL_DIR to fp32 + INT8 ONNX with our CLI,
#  2. Debian's python3-onnx: onnx.checker (full check) + strict shape inference on both,
#  3. onnxruntime-node (npm, installed into a temp folder) runs both files on the
#     prompts, tokenized by `complexity tokenize`, and compares with our native
#     classifier (`complexity classify --no-ngram --raw-score`: the ONNX graph alone): fp32 max |diff| <= 1e-4, INT8 same tier and
#     intent on >= 99.5%, padded batches equal to single prompts; and ORT's INT8
#     run against our INT8 engine on the same file: same tier and intent on >= 99.5%.
# usage: tools/onnx_check/run.sh MODEL_DIR [PROMPTS.jsonl] [N_PROMPTS]
# env: CX_CLI (default build/complexity), ORT_DIR (npm install folder, kept between
# runs; default /tmp/cx_onnxruntime_node), WORK (scratch folder).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODEL=${1:?usage: run.sh MODEL_DIR [PROMPTS.jsonl] [N]}
PROMPTS=${2:-/work/shared/reference-data/test.jsonl}
N=${3:-1500}
CLI=${CX_CLI:-$ROOT/build/complexity}
ORT_DIR=${ORT_DIR:-/tmp/cx_onnxruntime_node}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"

if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ORT_DIR"
  # --ignore-scripts: the package ships its CPU binaries; its install script only
  # fetches GPU providers (from nuget.org, unreachable here)
  (cd "$ORT_DIR" && npm init -y > /dev/null && npm install --ignore-scripts onnxruntime-node > npm.log 2>&1)
fi

"$CLI" export-onnx --model "$MODEL" -o "$WORK/onnx"
/usr/bin/python3 "$HERE/check_onnx.py" "$WORK/onnx/complexity_model.onnx" "$WORK/onnx/complexity_model_int8.onnx"

MAXLEN=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("max_length", 256))' "$MODEL/config.json")
head -n "$N" "$PROMPTS" > "$WORK/prompts.jsonl"
"$CLI" tokenize --tokenizer "$MODEL/tokenizer" --jsonl --max-length "$MAXLEN" < "$WORK/prompts.jsonl" > "$WORK/ids.txt"
# The same ids on both sides: ORT is given the head of a long prompt (the tokenizer's truncation), so our
# classifier reads the head too (--keep-tail none; by default it keeps head and tail).
"$CLI" classify --model "$MODEL" --no-ngram --raw-score --keep-tail none --jsonl --threads 1 \
  < "$WORK/prompts.jsonl" > "$WORK/native.jsonl"
# our INT8 engine on the very file ORT runs
"$CLI" classify --model "$WORK/onnx/complexity_model_int8.onnx" --tokenizer "$MODEL/tokenizer" --no-ngram --raw-score \
  --keep-tail none --jsonl --threads 1 < "$WORK/prompts.jsonl" > "$WORK/native_int8.jsonl"
node "$HERE/compare.js" "$ORT_DIR/node_modules/onnxruntime-node" "$WORK/onnx/complexity_model.onnx" \
  "$WORK/onnx/complexity_model_int8.onnx" "$WORK/ids.txt" "$WORK/native.jsonl" "$WORK/native_int8.jsonl"
