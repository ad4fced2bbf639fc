#!/bin/sh
# Tokens/s of our tokenizer vs the Rust tokenizers library (node binding, one thread), same machine,
# same run, same vocabulary (mBERT cased) and texts (reference train set by default).
# usage: bench/tokenizer_bench.sh CLI [DATA.jsonl] [ROUNDS]
set -eu
CLI=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${CX_SHARED_DIR:-$(cd "$HERE/../../shared" && pwd)}
DATA=${2:-$SHARED/reference-data/train.jsonl}
ROUNDS=${3:-5}
VOCAB=$SHARED/vocab/mbert-cased
TMP=$(mktemp -d /tmp/tokenizer_bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm init -y >/dev/null 2>&1 && npm install --no-audit --no-fund tokenizers@0.23.2 >/dev/null 2>&1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $DATA; vocabulary: $VOCAB; rounds: $ROUNDS"
OURS=$("$CLI" tokenize --tokenizer "$VOCAB" --jsonl --max-length 0 --bench "$ROUNDS" < "$DATA" 2>&1 >/dev/null)
echo "ours: $OURS"
RUST=$(RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node "$HERE/tokenizer_bench.js" "$TMP/node_modules/tokenizers" \
       "$VOCAB/vocab.txt" "$DATA" "$ROUNDS")
echo "$RUST"
O=$(echo "$OURS" | sed 's/.*tokens\/s \([0-9]*\).*/\1/')
R=$(echo "$RUST" | head -1 | sed 's/.*tokens\/s \([0-9]*\).*/\1/')
echo "speed ratio (ours / rust encodeBatch, one thread): $(echo "scale=2; $O / $R" | bc)"
