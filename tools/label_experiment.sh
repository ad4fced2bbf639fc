#!/bin/sh
# The 200-label run of docs/LABELING-YOUR-LOGS.md (issue 17): what labelling
# 200 of one's own prompts with `complexity label` and folding them in with
# `train --weight` changes, measured on prompts the labels never saw.
#
#   1. data/dev/dev.jsonl split by position: every third record (200) is the
#      "log" to label, the other 400 the held-out measure.
#   2. `complexity label --plain` on the 200, answered by tools/label_oracle.py
#      from the dev labels (a person who labels by LABELING.md).
#   3. tools/build_default_model.sh with CX_EXTRA=labelled.jsonl:K: the shipped
#      model's recipe (same generator seed, same vocabulary), plus the labels
#      at weight K, into WORK/work/.
#   4. The shipped model and the new one on the 400 (tools/dev_table.py).
#
# usage: tools/label_experiment.sh [WORK] [K]   (default build/label-exp, 5)
# The training run takes ~45 min on 2 cores; a second call reuses it.
set -eu
cd "$(dirname "$0")/.."
work=${1:-build/label-exp} k=${2:-5}
bin=${CX_BIN:-build/complexity}
mkdir -p "$work"
/usr/bin/python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
recs = [l for l in open("data/dev/dev.jsonl", encoding="utf-8")]
with open(f"{work}/pool.jsonl", "w", encoding="utf-8") as pool, \
        open(f"{work}/heldout.jsonl", "w", encoding="utf-8") as held:
    for i, line in enumerate(recs):
        if i % 3 == 0:
            pool.write(json.dumps({"text": json.loads(line)["text"]}, ensure_ascii=False) + "\n")
        else:
            held.write(line)
EOF
echo "== label the 200 (complexity label --plain, answered from the dev labels)"
rm -f "$work/labelled.jsonl" "$work/labelled.jsonl.skipped"
python3 tools/label_oracle.py --bin "$bin" --in "$work/pool.jsonl" --answers data/dev/dev.jsonl \
    --out "$work/labelled.jsonl" --model models/complexity_model_int8.onnx 2> "$work/label.log" | tee "$work/label.json"
tail -1 "$work/label.log"
echo "== rebuild the default model with the labels at weight $k"
if [ ! -s "$work/work/model/complexity_model_int8.onnx" ]; then
    CX_EXTRA="$work/labelled.jsonl:$k" tools/build_default_model.sh "$work/work" > "$work/build.log" 2>&1
fi
echo "== the 400 held-out prompts"
"$bin" classify --model models/complexity_model_int8.onnx --jsonl < "$work/heldout.jsonl" > "$work/shipped.pred.jsonl"
"$bin" classify --model "$work/work/model/complexity_model_int8.onnx" --jsonl < "$work/heldout.jsonl" \
    > "$work/labelled.pred.jsonl"
python3 tools/dev_table.py --data "$work/heldout.jsonl" --json "$work/table.json" \
    shipped="$work/shipped.pred.jsonl" with_200_labels="$work/labelled.pred.jsonl" | tee "$work/table.md"
