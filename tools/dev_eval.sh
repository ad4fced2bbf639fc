#!/bin/sh
# The dev-set table (issue 14): the heuristic, the n-gram baseline trained on
# the model's own training file, the model through `classify` (neural + n-gram
# part with the score moved into the tier's range; the neural part alone; and
# what the ONNX file alone gives: --no-ngram --raw-score) and through
# `estimate` in each mode, overall, per language and re-weighted to a
# realistic traffic mix. Also runs the perturbation check.
#
# usage: tools/dev_eval.sh MODEL TRAIN.jsonl OUT_DIR [DEV.jsonl]
#   MODEL: an INT8 .onnx (tokenizer/ beside it) or a training output folder
# Writes OUT_DIR/*.pred.jsonl, OUT_DIR/table.md, OUT_DIR/table.json.
# The n-gram baseline needs Debian's python3-sklearn (/usr/bin/python3).
set -eu
cd "$(dirname "$0")/.."
model=$1 train=$2 out=$3 dev=${4:-data/dev/dev.jsonl}
bin=${CX_BIN:-build/complexity}
mkdir -p "$out"
tok=$(dirname "$model")/tokenizer
[ -d "$model" ] && tok=$model/tokenizer
"$bin" classify --model "$model" --jsonl < "$dev" > "$out/model.pred.jsonl"
"$bin" classify --model "$model" --jsonl --no-ngram < "$dev" > "$out/model_nn.pred.jsonl"
"$bin" classify --model "$model" --jsonl --no-ngram --raw-score < "$dev" > "$out/model_onnx.pred.jsonl"
printf 'task_complexity:\n  ml_model_enabled: false\n' > "$out/heuristic.yaml"
for mode in ml_only hybrid ml_refine; do
    printf 'task_complexity:\n  ml_model_enabled: true\n  ml_model_path: "%s"\n  ml_tokenizer_path: "%s"\n  ml_estimation_mode: %s\n' \
        "$model" "$tok" "$mode" > "$out/$mode.yaml"
done
for mode in heuristic ml_only hybrid ml_refine; do
    "$bin" estimate --config "$out/$mode.yaml" --jsonl --precise < "$dev" > "$out/est_$mode.pred.jsonl"
done
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    /usr/bin/python3 tools/ngram_baseline.py --train "$train" --predict "$dev" --out "$out/ngram.pred.jsonl"
    ngram="ngram=$out/ngram.pred.jsonl"
else
    echo "dev_eval: python3-sklearn missing: no n-gram baseline row" >&2
    ngram=""
fi
# shellcheck disable=SC2086
python3 tools/dev_table.py --data "$dev" --json "$out/table.json" \
    heuristic="$out/est_heuristic.pred.jsonl" $ngram model="$out/model.pred.jsonl" \
    neural_only="$out/model_nn.pred.jsonl" onnx_only="$out/model_onnx.pred.jsonl" \
    est_ml_only="$out/est_ml_only.pred.jsonl" est_hybrid="$out/est_hybrid.pred.jsonl" est_ml_refine="$out/est_ml_refine.pred.jsonl" | tee "$out/table.md"
python3 tools/perturb_check.py --model "$model" --data "$dev" --bin "$bin" | tee "$out/perturb.txt"
