#!/bin/bash
# tokenize and build-vocab through the CLI: output format, flags, files, exit codes, messages.
. "$(dirname "$0")/testlib.sh"
DATA=${CX_SOURCE_DIR:?}/tests/data
cli_workdir cli_tokenize
MB=$DATA/vocab/mbert-cased

[ "$(echo 'Hello world' | "$CLI" tokenize --tokenizer "$MB")" = "101 31178 11356 102" ] || fail "ids of Hello world"
[ "$(echo 'Hello world' | "$CLI" tokenize --tokenizer "$MB/vocab.txt" --tokens)" = "[CLS] Hello world [SEP]" ] || fail "--tokens"
[ "$(printf 'a\n\nb c\n' | "$CLI" tokenize --tokenizer "$MB" | wc -l)" = 3 ] || fail "one line per input line"
[ "$(printf '{"text": "Hello world", "score": 0.1}\n' | "$CLI" tokenize --tokenizer "$MB" --jsonl)" = "101 31178 11356 102" ] \
  || fail "--jsonl"
[ "$(echo 'Hello world Hello world' | "$CLI" tokenize --tokenizer "$MB" --max-length 4)" = "101 31178 11356 102" ] \
  || fail "--max-length"
# tokenizer.json's own truncation (128 in the uncased file) is the default
long=$(printf 'word %.0s' $(seq 300))
[ "$(echo "$long" | "$CLI" tokenize --tokenizer "$DATA/vocab/bert-uncased" | wc -w)" = 128 ] || fail "default truncation"
[ "$(echo "$long" | "$CLI" tokenize --tokenizer "$DATA/vocab/bert-uncased" --max-length 0 | wc -w)" = 302 ] \
  || fail "--max-length 0"
out=$("$CLI" tokenize --tokenizer "$MB" --stats < "$DATA/reference/test.jsonl" 2>&1 >/dev/null)
grep -q "unk_rate" <<<"$out" || fail "--stats"
"$CLI" tokenize --help | grep -q -- "--max-length" || fail "--help"
expect "no tokenizer" 2 "--tokenizer PATH is required" "$CLI" tokenize
expect "bad max length" 2 "--max-length" "$CLI" tokenize --tokenizer "$MB" --max-length x
expect "max length 1" 2 "at least 2" "$CLI" tokenize --tokenizer "$MB" --max-length 1
expect "missing path" 1 "no such file" "$CLI" tokenize --tokenizer "$T/nope"
expect "bad jsonl" 1 "stdin:1" bash -c "echo '[1]' | '$CLI' tokenize --tokenizer '$MB' --jsonl"
echo '{"model": {"type": "BPE"}}' > bad.json
expect "unsupported json" 1 "not supported" "$CLI" tokenize --tokenizer bad.json

# --save writes the Hugging Face files, which load back with the same ids
"$CLI" tokenize --tokenizer "$MB" --save saved >/dev/null || fail "--save"
for f in vocab.txt tokenizer.json tokenizer_config.json special_tokens_map.json; do
  [ -s "saved/$f" ] || fail "--save wrote no $f"
done
[ "$(echo 'naïve 請' | "$CLI" tokenize --tokenizer saved)" = "$(echo 'naïve 請' | "$CLI" tokenize --tokenizer "$MB")" ] \
  || fail "saved tokenizer gives other ids"

# build-vocab
out=$("$CLI" build-vocab --data "$DATA/reference/train.jsonl" --size 600 -o bv \
      --heldout "$DATA/reference/test.jsonl") || fail "build-vocab"
grep -q "600 tokens" <<<"$out" || fail "build-vocab size: $out"
grep -q "held-out .*\[UNK\] 0" <<<"$out" || fail "build-vocab held-out report: $out"
[ "$(sed -n '1p;101p;102p;103p;104p' bv/vocab.txt | tr '\n' ' ')" = "[PAD] [UNK] [CLS] [SEP] [MASK] " ] || fail "special ids"
[ "$(echo '個' | "$CLI" tokenize --tokenizer bv)" != "101 100 102" ] || fail "CJK character became [UNK]"
expect "build-vocab no data" 2 "--data" "$CLI" build-vocab --size 600 -o x
expect "build-vocab small size" 2 "--size" "$CLI" build-vocab --data "$DATA/reference/test.jsonl" --size 5 -o x
expect "build-vocab bad data" 1 "nope.jsonl" "$CLI" build-vocab --data nope.jsonl --size 600 -o x

cli_done cli_tokenize
