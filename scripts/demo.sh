#!/bin/sh
# The main job end to end on a small default: installs what is missing, builds,
# generates labelled data (train/val/test split) and prints its statistics.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
echo "== complexity generate-data"
build/complexity generate-data -n 5000 --split -o training/data/synthetic.jsonl
echo "== complexity data-stats"
build/complexity data-stats training/data/train.jsonl training/data/val.jsonl training/data/test.jsonl
