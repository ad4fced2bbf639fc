#!/bin/bash
# Quality of a model trained from scratch (issue 5), two ways, in one run:
#   ref:      the seed's own split: train on reference train.jsonl (val.jsonl
#             for best_model), evaluate on reference test.jsonl. 88% of its
#             test texts also occur in train: a sanity check, not a measure
#             of generalisation.
#   disjoint: our generator's template-disjoint split (generate-data
#             --split-by template): the test set's template families never
#             occur in training, the nearest thing to prompts the model has
#             not seen that a generator can give.
# Same model family on both: --base none --arch ARCH, a vocabulary built on the
# training texts, --freeze-layers 0, --lr 1e-3. Prints a markdown table and
# keeps every model and eval.json in WORKDIR.
# Usage: bench/quality_bench.sh [BUILD_DIR] [WORKDIR] [EPOCHS] [ARCH] [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
W=${2:-/tmp/cx_quality_bench}
EPOCHS=${3:-8}
ARCH=${4:-tiny}
COUNT=${5:-15000}
SHARED=${CX_SHARED_DIR:-../shared}
REF=$SHARED/reference-data
CX=$(realpath "$BUILD/complexity")
mkdir -p "$W"

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?'); arch $ARCH, $EPOCHS epochs"

# run NAME TRAIN VAL TEST: vocabulary, training, evaluation into $W/NAME
run() {
    local name=$1 train=$2 val=$3 test=$4 d=$W/$1
    rm -rf "$d" && mkdir -p "$d"
    "$CX" build-vocab --data "$train" --size 8000 -o "$d/vocab" > "$d/vocab.log" 2>&1
    /usr/bin/time -f "%e" -o "$d/train.time" "$CX" train --data "$train" --val "$val" --base none \
        --arch "$ARCH" --vocab "$d/vocab" --freeze-layers 0 --lr 1e-3 --epochs "$EPOCHS" --threads 2 \
        -o "$d/model" > "$d/train.log" 2>&1
    "$CX" evaluate --model "$d/model" --data "$test" --compare --json "$d/eval.json" > "$d/eval.log"
    echo "$name: trained in $(cat "$d/train.time") s; $(grep -c . "$train") train / $(grep -c . "$test") test records"
}

run ref "$REF/train.jsonl" "$REF/val.jsonl" "$REF/test.jsonl"
mkdir -p "$W/data"
"$CX" generate-data -n "$COUNT" -s 42 --split-by template -q -o "$W/data/synthetic.jsonl"
run disjoint "$W/data/train.jsonl" "$W/data/val.jsonl" "$W/data/test.jsonl"

/usr/bin/python3 - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
print()
print('| split | predictor | MAE | tier | within one | intent | domain F1 |')
print('|---|---|---|---|---|---|---|')
for name, label in (('ref', 'reference (seed split)'), ('disjoint', 'generator, template-disjoint')):
    j = json.load(open('%s/%s/eval.json' % (w, name)))
    print('| %s | model | %.4f | %.2f%% | %.2f%% | %.2f%% | %.2f%% |' % (
        label, j['score_mae'], 100 * j['tier_accuracy'], 100 * j['tier_within_one'],
        100 * j['intent_accuracy'], 100 * j['domain_f1']))
    h = j['predictors']['heuristic']
    print('| %s | heuristic | %.4f | %.2f%% | %.2f%% | - | - |' % (
        label, h['score_mae'], 100 * h['tier_accuracy'], 100 * h['tier_within_one']))
EOF
