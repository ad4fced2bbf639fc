#!/bin/bash
# The default model's rebuild command (tools/build_default_model.sh) end to end
# on a small setting: generate, merge with the hand-written prompts, vocabulary,
# the pretraining corpus and masked-LM pretraining, train from it, export, the
# n-gram part, the dev-set table and the perturbation check.
# The figures of so small a model mean nothing; the files and the table must be there.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?run through ctest}
cli_workdir cli_rebuild_small
W=$T/work
if ! CX_BIN=$CLI CX_GEN_N=400 CX_MAX_REAL=40 CX_VOCAB=1200 CX_CORPUS=small CX_ARCH=tiny CX_PRETRAIN_STEPS=8 CX_EPOCHS=1 \
     CX_MAXLEN=64 CX_NGRAM_BITS=10 CX_THREADS=2 "$SRC/tools/build_default_model.sh" "$W" > log.txt 2>&1; then
  fail "tools/build_default_model.sh on a small setting"
  tail -20 log.txt
fi
for f in pretrain_corpus.jsonl pretrained/model.safetensors pretrained/pretrain.jsonl \
         model/complexity_model_int8.onnx model/complexity_ngram.safetensors model/tokenizer/vocab.txt \
         dev/table.md dev/table.json dev/perturb.txt; do
  [ -s "$W/$f" ] || fail "$f not written"
done
grep -q '"base_model":[[:space:]]*".*pretrained"' "$W/model/config.json" || fail "the model was not fine-tuned from the pretrained encoder"
grep -q '^| model | all | 600 |' "$W/dev/table.md" || fail "dev table has no model row: $(head -5 "$W/dev/table.md")"
grep -q '^| ngram | all | 600 |' "$W/dev/table.md" || fail "dev table has no n-gram baseline row"
grep -q '^all .* tier unchanged' "$W/dev/perturb.txt" || fail "no perturbation figure"
cli_done cli_rebuild_small
