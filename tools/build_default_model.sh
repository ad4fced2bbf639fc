#!/bin/sh
# Rebuilds the shipped default model from recorded seeds and settings:
# generate -> merge with the hand-written prompts -> vocabulary -> train ->
# export (fp32 + INT8 ONNX) -> the n-gram part -> the dev-set table. With
# --install, copies the INT8 file, the tokenizer and the n-gram part into
# models/ (the seed's --install layout).
#
# usage: tools/build_default_model.sh [--install] [WORK_DIR]   (default WORK_DIR: build/default-model)
# Settings (environment, defaults = the shipped model's, models/README.md):
#   CX_GEN_N=12000 CX_GEN_SEED=7 CX_COPIES=3 CX_VOCAB=34000 CX_ARCH=mini
#   CX_EPOCHS=8 CX_MAXLEN=128 CX_BATCH=32 CX_LR=2e-4 (5e-4 from scratch) CX_SEED=42 CX_THREADS=(all cores)
#   CX_LOSS_WEIGHTS=0.4,0.3,0.6,0.3 (score, tier, domains, intent)
#   CX_NGRAM_BITS=16 (the n-gram part: tools/train_ngram.py's defaults, n-grams
#   and words seen in at least 2 training texts, words and word pairs on)
#   CX_MAX_REAL=0 (first N hand-written records of each file; 0 = all), CX_CORPUS=full|small
#   CX_PRETRAIN_STEPS=5000 (masked-LM pretraining of the encoder first: tools/make_pretrain_corpus.py's
#   corpus, complexity pretrain for that many steps, batch 64, then train --base; 0 = train from scratch)
#   CX_EXTRA=FILE:K (one's own labelled prompts, weight K, to train and to the
#   n-gram part; the vocabulary stays the base data's)
# CI runs it on a small setting (tests/cli_rebuild_small.sh). Needs Debian's
# python3-sklearn (/usr/bin/python3), opencc and python3-doc.
set -eu
cd "$(dirname "$0")/.."
install=0
[ "${1:-}" = "--install" ] && { install=1; shift; }
work=${1:-build/default-model}
bin=${CX_BIN:-build/complexity}
py=${CX_PYTHON:-python3}
mkdir -p "$work"
echo "== generate ${CX_GEN_N:-12000} prompts (seed ${CX_GEN_SEED:-7})"
"$bin" generate-data -n "${CX_GEN_N:-12000}" --dedup --seed "${CX_GEN_SEED:-7}" -o "$work/generated.jsonl"
echo "== merge with data/realistic/ (x${CX_COPIES:-3}, perturbed copies)"
"$py" tools/merge_training.py --generated "$work/generated.jsonl" --realistic data/realistic/*.jsonl \
    --copies "${CX_COPIES:-3}" --seed "${CX_SEED:-42}" --max-real "${CX_MAX_REAL:-0}" \
    --out-train "$work/train.jsonl" --out-val "$work/val.jsonl" --out-val-real "$work/val_real.jsonl"
echo "== vocabulary (${CX_VOCAB:-34000} tokens, uncased)"
[ -s "$work/coverage.jsonl" ] || "$py" tools/make_coverage_corpus.py "$work/coverage.jsonl"
corpus_bytes=12000000
[ "${CX_CORPUS:-full}" = small ] && corpus_bytes=200000
[ -s "$work/pydoc.jsonl" ] || "$py" tools/make_text_corpus.py "$work/pydoc.jsonl" "$corpus_bytes"
"$bin" build-vocab --data "$work/train.jsonl" "$work/pydoc.jsonl" "$work/coverage.jsonl" \
    --size "${CX_VOCAB:-34000}" --lowercase -o "$work/vocab" --heldout data/dev/dev.jsonl
echo "== train"
threads=${CX_THREADS:-$(nproc)}
extra_train="" extra_ngram=""
if [ -n "${CX_EXTRA:-}" ]; then
    extra_file=${CX_EXTRA%:*} extra_k=${CX_EXTRA##*:}
    extra_train="--data $extra_file --weight $extra_file=$extra_k"
    extra_ngram="--extra $CX_EXTRA"
fi
init="--base none --arch ${CX_ARCH:-mini} --vocab $work/vocab"
lr=${CX_LR:-5e-4}
steps=${CX_PRETRAIN_STEPS:-5000}
if [ "$steps" -gt 0 ]; then
    echo "== pretrain (masked LM, $steps steps)"
    [ -s "$work/pretrain_corpus.jsonl" ] || "$py" tools/make_pretrain_corpus.py "$work/pretrain_corpus.jsonl" \
        --train "$work/train.jsonl" --seed "${CX_SEED:-42}" --max-bytes-per-source $((corpus_bytes / 4))
    "$bin" pretrain --data "$work/pretrain_corpus.jsonl" --vocab "$work/vocab" -o "$work/pretrained" \
        --arch "${CX_ARCH:-mini}" --steps "$steps" --max-length "${CX_MAXLEN:-128}" \
        --seed "${CX_SEED:-42}" --threads "$threads" \
        $( [ -f "$work/pretrained/pretrain_checkpoint.safetensors" ] && echo --resume )
    init="--base $work/pretrained --freeze-layers 0"
    lr=${CX_LR:-2e-4}  # chosen on the validation prompts: 2e-4 beat 5e-4 on every head there
fi
# shellcheck disable=SC2086
"$bin" train --data "$work/train.jsonl" $extra_train --val "$work/val.jsonl" -o "$work/model" $init \
    --epochs "${CX_EPOCHS:-8}" --max-length "${CX_MAXLEN:-128}" \
    --batch-size "${CX_BATCH:-32}" --lr "$lr" --seed "${CX_SEED:-42}" --threads "$threads" \
    --loss-weights "${CX_LOSS_WEIGHTS:-0.4,0.3,0.6,0.3}" \
    $( [ -f "$work/model/checkpoint.safetensors" ] && echo --resume )
echo "== export"
"$bin" export-onnx --model "$work/model" > "$work/export.txt"
tail -3 "$work/export.txt"
onnx=$work/model/complexity_model_int8.onnx
echo "== n-gram part (mixing weights chosen on the hand-written validation prompts)"
"$bin" classify --model "$onnx" --no-ngram --raw-score --jsonl < "$work/val_real.jsonl" > "$work/val.pred.jsonl"
# shellcheck disable=SC2086
/usr/bin/python3 tools/train_ngram.py --train "$work/train.jsonl" $extra_ngram --val "$work/val_real.jsonl" \
    --val-pred "$work/val.pred.jsonl" --bits "${CX_NGRAM_BITS:-16}" --out "$work/model/complexity_ngram.safetensors"
if [ "$install" = 1 ]; then
    "$bin" export-onnx --model "$work/model" --install --models-dir models
fi
echo "== dev-set table"
tools/dev_eval.sh "$onnx" "$work/train.jsonl" "$work/dev"
