#!/bin/bash
# export-onnx through the CLI on a tiny trained model: both files written and
# checked, sizes printed, --install copies model + tokenizer, errors that name
# the problem. (ONNX Runtime itself runs in tools/onnx_check/run.sh.)
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
REF=$SRC/tests/data/reference
cli_workdir cli_export

head -200 "$REF/train.jsonl" > train.jsonl
"$CLI" train --data train.jsonl --base none --arch tiny --vocab "$SRC/tests/data/vocab_small" --batch-size 32 \
  --freeze-layers 1 --lr 1e-3 --epochs 1 --threads 1 -o m > train.log 2>&1 || { fail "train"; cat train.log; }

"$CLI" export-onnx --model m > export.log 2>&1 || { fail "export"; cat export.log; }
for f in complexity_model.onnx complexity_model_int8.onnx; do
  [ -s "m/$f" ] || fail "m/$f missing"
  grep -q "m/$f: .* IR 8, opset 17: checked" export.log || fail "no check line for $f"
done
grep -q "% smaller)" export.log || fail "no size reduction line"
grep -q "(0 int8)" export.log || fail "fp32 file should hold no int8 weights"
ls m | grep -q '\.tmp' && fail "temporary files left behind"
big=$(stat -c %s m/complexity_model.onnx); small=$(stat -c %s m/complexity_model_int8.onnx)
[ "$small" -lt $((big / 2)) ] || fail "INT8 file not smaller: $small vs $big"

"$CLI" export-onnx --model m -o out --weights final_model --no-quantize --install --models-dir models > inst.log 2>&1 ||
  { fail "export --no-quantize --install"; cat inst.log; }
[ -s out/complexity_model.onnx ] && [ ! -e out/complexity_model_int8.onnx ] || fail "--no-quantize wrote the wrong files"
cmp -s out/complexity_model.onnx models/complexity_model.onnx || fail "--install (fp32) copy differs"

"$CLI" export-onnx --model m -o out2 --install --models-dir models > inst2.log 2>&1 || { fail "install"; cat inst2.log; }
cmp -s out2/complexity_model_int8.onnx models/complexity_model_int8.onnx || fail "--install copy differs"
cmp -s m/complexity_model_int8.onnx out2/complexity_model_int8.onnx || fail "export is not deterministic"
for f in $(ls m/tokenizer); do cmp -s "m/tokenizer/$f" "models/complexity_tokenizer/$f" || fail "tokenizer $f not installed"; done
"$CLI" classify --model m --tokenizer models/complexity_tokenizer "hello" > /dev/null || fail "installed tokenizer unusable"

# Errors name the problem.
mkdir -p empty notok && cp m/best_model.safetensors notok/
head -c 1000 m/best_model.safetensors > trunc.safetensors
mkdir -p trunc && cp -r m/tokenizer trunc/ && mv trunc.safetensors trunc/best_model.safetensors
expect "missing folder" 1 "nope: no such model folder" "$CLI" export-onnx --model nope
expect "no weights" 1 "empty/best_model.safetensors: missing" "$CLI" export-onnx --model empty
expect "no tokenizer" 1 "notok/tokenizer: missing" "$CLI" export-onnx --model notok
expect "truncated weights" 1 "trunc/best_model.safetensors" "$CLI" export-onnx --model trunc -o t_out
[ -e t_out/complexity_model.onnx ] && fail "a failed export left a file"
mkdir -p mism && cp m/best_model.safetensors mism/ && cp -r "$SRC/tests/data/vocab/mbert-cased" mism/tokenizer
expect "tokenizer too big" 1 "mism/tokenizer: 119547 tokens but the model has only" "$CLI" export-onnx --model mism
expect "bad --weights" 2 "--weights must be best_model or final_model" "$CLI" export-onnx --model m --weights last
expect "no --model" 2 "--model DIR is required" "$CLI" export-onnx
expect "help" 0 "usage: complexity export-onnx" "$CLI" export-onnx --help
cli_done cli_export
