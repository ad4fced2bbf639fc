#!/bin/sh
# The main job end to end on a small default, offline: installs what is
# missing, builds, generates labelled data, learns a vocabulary, trains a small
# encoder from scratch, evaluates it against the heuristic on held-out data,
# and classifies a few messages with it; then the shipped default model
# (models/, models/README.md) on the hand-written dev set of real-style prompts,
# and `estimate` as Kuro calls it (its default config uses that model).
# Rebuild the shipped model itself with tools/build_default_model.sh (~30 min).
# Fine-tune a real DistilBERT instead with, e.g.:
#   build/complexity train --data training/data/train.jsonl --val training/data/val.jsonl --base DIR
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
C=build/complexity
D=training/data
echo "== complexity generate-data"
$C generate-data -n 10000 --split -o $D/synthetic.jsonl
echo "== complexity data-stats"
$C data-stats $D/train.jsonl $D/val.jsonl $D/test.jsonl | tail -n 8
echo "== complexity build-vocab"
$C build-vocab --data $D/train.jsonl --size 8000 -o training/vocab --heldout $D/test.jsonl
echo "== complexity train (tiny encoder from scratch, 8 epochs, one thread)"
$C train --data $D/train.jsonl --val $D/val.jsonl --base none --arch tiny --vocab training/vocab \
  --epochs 8 --lr 1e-3 --threads 1 -o training/output
echo "== complexity evaluate"
$C evaluate --model training/output --data $D/test.jsonl --compare --json training/output/eval_test.json \
  --report training/output/eval_test.html
echo "== complexity classify"
$C classify --model training/output "早安～" "write a python one-liner to reverse a string" \
  "design a chat backend for 20M daily users across 3 regions, end-to-end encrypted, 99.99% uptime"
echo "== the shipped default model on the dev set (600 real-style prompts, docs/QUALITY.md)"
$C evaluate --model models/complexity_model_int8.onnx --data data/dev/dev.jsonl --compare \
  --json training/output/eval_dev.json --report training/output/eval_dev.html
echo "== complexity estimate (default config: the shipped model, ml_only)"
$C estimate "早安～" "幫我 check 一下這段 SQL 為什麼這麼慢" "幫我把公司整個機房搬上雲"
