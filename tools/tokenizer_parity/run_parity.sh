#!/bin/sh
# Parity of `complexity tokenize` with the Rust tokenizers library (npm `tokenizers`, installed into a
# temporary folder, never into the repository).
# usage: tools/tokenizer_parity/run_parity.sh CLI [--write-fixture] [--regen-overrides]
#   CLI                path of the built `complexity` binary
#   --write-fixture    rewrite tests/data/tokenizer/parity_{cased,uncased}.jsonl from the Rust outputs
#   --regen-overrides  rewrite src/text/bert_unicode_overrides.h from a probe of every code point
# Prints, per configuration, the strings compared and the differences; exit 1 on any difference.
set -eu
CLI=$(realpath "$1"); shift
WRITE_FIXTURE=0; REGEN=0
for a in "$@"; do
  case "$a" in
    --write-fixture) WRITE_FIXTURE=1 ;;
    --regen-overrides) REGEN=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${CX_SHARED_DIR:-$(cd "$ROOT/../shared" && pwd)}
VOCAB=$SHARED/vocab
TMP=$(mktemp -d /tmp/tokenizer_parity.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
echo "work folder: $TMP"
(cd "$TMP" && npm init -y >/dev/null 2>&1 && npm install --no-audit --no-fund tokenizers@0.23.2 >/dev/null 2>&1)
export TOKENIZERS_MODULE="$TMP/node_modules/tokenizers"
echo "reference: tokenizers $(node -p "require('$TOKENIZERS_MODULE/package.json').version") (node $(node --version))"

# 1. every code point: the Rust normalizer / pre-tokenizer against our tables
node "$HERE/probe_unicode.js" "$TOKENIZERS_MODULE" > "$TMP/probe.tsv"
CC=${CC:-cc}
if [ "$REGEN" = 1 ]; then
  $CC -O2 -I"$ROOT/src" -I"$ROOT/include" "$HERE/dump_unicode.c" "$ROOT/src/text/bert_unicode.c" \
      "$ROOT/src/util/utf8.c" -lutf8proc -o "$TMP/dump_unicode"
  "$TMP/dump_unicode" --base > "$TMP/base.tsv"
  /usr/bin/python3 "$HERE/gen_overrides.py" "$TMP/probe.tsv" "$TMP/base.tsv" "$ROOT/src/text/bert_unicode_overrides.h"
fi
$CC -O2 -I"$ROOT/src" -I"$ROOT/include" "$HERE/dump_unicode.c" "$ROOT/src/text/bert_unicode.c" \
    "$ROOT/src/util/utf8.c" -lutf8proc -o "$TMP/dump_unicode"
"$TMP/dump_unicode" > "$TMP/ours.tsv"
CP_DIFF=$(diff "$TMP/probe.tsv" "$TMP/ours.tsv" | grep -c '^[<>]' || true)
echo "code points: 1112064 probed (normalizer cased/lower/strip/strip+lower, pre-tokenizer split), $CP_DIFF differing lines"

# 2. strings through both
node "$HERE/parity.js" gen "$TMP/strings.jsonl"
"$CLI" tokenize --tokenizer "$VOCAB/mbert-cased" --save "$TMP/ours-cased"
"$CLI" tokenize --tokenizer "$VOCAB/bert-uncased" --save "$TMP/ours-uncased"
FAIL=0
run() { # name rust-config our-tokenizer max-length
  node "$HERE/parity.js" encode "$2" "$TMP/strings.jsonl" "$TMP/rust_$1.txt"
  "$CLI" tokenize --tokenizer "$3" --jsonl --max-length "$4" < "$TMP/strings.jsonl" > "$TMP/ours_$1.txt"
  node "$HERE/parity.js" compare "$TMP/strings.jsonl" "$TMP/rust_$1.txt" "$TMP/ours_$1.txt" "$1" || FAIL=1
}
run cased "cased:$VOCAB/mbert-cased/vocab.txt" "$VOCAB/mbert-cased" 0
run uncased "json:$VOCAB/bert-uncased/tokenizer.json" "$VOCAB/bert-uncased" 0
run cased-trunc16 "cased:$VOCAB/mbert-cased/vocab.txt:16" "$VOCAB/mbert-cased" 16
run uncased-trunc128 "json:$VOCAB/bert-uncased/tokenizer.json:128" "$VOCAB/bert-uncased/tokenizer.json" 128
# our written tokenizer.json, loaded by the Rust library
run ourjson-cased "json:$TMP/ours-cased/tokenizer.json" "$VOCAB/mbert-cased" 0
run ourjson-uncased "json:$TMP/ours-uncased/tokenizer.json" "$VOCAB/bert-uncased" 0
if [ "$WRITE_FIXTURE" = 1 ]; then
  mkdir -p "$ROOT/tests/data/tokenizer"
  node "$HERE/parity.js" compare "$TMP/strings.jsonl" "$TMP/rust_cased.txt" "$TMP/ours_cased.txt" cased \
       "$ROOT/tests/data/tokenizer/parity_cased.jsonl" 4000 >/dev/null
  node "$HERE/parity.js" compare "$TMP/strings.jsonl" "$TMP/rust_uncased.txt" "$TMP/ours_uncased.txt" uncased \
       "$ROOT/tests/data/tokenizer/parity_uncased.jsonl" 4000 >/dev/null
  echo "fixtures written to tests/data/tokenizer/"
fi
[ "$CP_DIFF" = 0 ] || FAIL=1
exit $FAIL
