#!/bin/bash
# train / classify / evaluate through the CLI on a tiny model: files written,
# exact resume after Ctrl-C and after kill -9, errors that name the problem.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
REF=$SRC/tests/data/reference
cli_workdir cli_train
head -600 "$REF/train.jsonl" > train.jsonl
head -100 "$REF/val.jsonl" > val.jsonl
COMMON=(--data train.jsonl --val val.jsonl --base none --arch tiny --vocab "$SRC/tests/data/vocab_small"
        --batch-size 16 --lr 1e-3 --freeze-layers 1 --threads 2)

"$CLI" train "${COMMON[@]}" --epochs 3 -o a > a.log 2>&1 || { fail "train a"; cat a.log; }
for f in best_model.safetensors final_model.safetensors checkpoint.safetensors config.json metrics.jsonl \
         tokenizer/vocab.txt tokenizer/tokenizer.json tokenizer/tokenizer_config.json; do
  [ -s "a/$f" ] || fail "missing a/$f"
done
[ "$(wc -l < a/metrics.jsonl)" = 3 ] || fail "metrics.jsonl should have 3 lines"
for k in base_model freeze_layers max_length epochs batch_size lr tiers domains intents dim n_layers n_heads \
         hidden_dim vocab_size max_position_embeddings; do
  grep -q "\"$k\"" a/config.json || fail "config.json lacks $k"
done
grep -q "cached frozen activations" a.log || fail "frozen activations were not cached"

# classify: one JSON object per input with the MLPrediction fields.
out=$("$CLI" classify --model a "hello there" "design a multi-region database")
[ "$(wc -l <<<"$out")" = 2 ] || fail "classify should print 2 lines"
for k in score tier domains intent tier_probs intent_probs domain_scores; do
  grep -q "\"$k\"" <<<"$out" || fail "classify output lacks $k"
done
printf 'one\ntwo\n' | "$CLI" classify --model a | [ "$(wc -l)" = 2 ] || fail "classify from stdin"

# evaluate: the report and its JSON.
"$CLI" evaluate --model a --data val.jsonl --json eval.json > eval.log || fail "evaluate"
grep -q "Tier Confusion Matrix" eval.log || fail "evaluate report"
for k in samples score_mae tier_accuracy intent_accuracy domain_f1 tier_confusion; do
  grep -q "\"$k\"" eval.json || fail "eval.json lacks $k"
done

# Ctrl-C mid-run, then --resume: the same final weights as the uninterrupted run.
"$CLI" train "${COMMON[@]}" --epochs 3 -o b > b.log 2>&1 &
pid=$!
sleep 1; kill -INT $pid; wait $pid; rc=$?
[ "$rc" = 130 ] || [ "$rc" = 0 ] || fail "interrupted train exit code $rc"
"$CLI" train "${COMMON[@]}" --epochs 3 -o b --resume > b2.log 2>&1 || { fail "resume b"; cat b2.log; }
cmp -s a/final_model.safetensors b/final_model.safetensors || fail "Ctrl-C + resume changed the final weights"

# kill -9 after the first epoch's checkpoint, then --resume.
"$CLI" train "${COMMON[@]}" --epochs 3 -o c > c.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -s c/checkpoint.safetensors ] && break; sleep 0.1; done
kill -9 $pid; wait $pid 2>/dev/null
"$CLI" train "${COMMON[@]}" --epochs 3 -o c --resume > c2.log 2>&1 || { fail "resume c"; cat c2.log; }
cmp -s a/final_model.safetensors c/final_model.safetensors || fail "kill -9 + resume changed the final weights"

# bf16 GEMMs where the CPU has them: said in the log and config.json, and
# resume after kill -9 is exact there too. A tiny model defaults to fp32.
grep -q '"training_precision":[[:space:]]*"fp32"' a/config.json || fail "a tiny model should train in fp32 by default"
if "$CLI" train "${COMMON[@]}" --epochs 3 --precision bf16 -o f > f.log 2>&1; then
  grep -q '"training_precision":[[:space:]]*"bf16"' f/config.json || fail "config.json should say bf16"
  grep -q "bf16 GEMMs" f.log || fail "train should say it runs bf16 GEMMs"
  cmp -s a/final_model.safetensors f/final_model.safetensors && fail "bf16 and fp32 runs gave identical weights"
  "$CLI" train "${COMMON[@]}" --epochs 3 --precision bf16 -o g > g.log 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do [ -s g/checkpoint.safetensors ] && break; sleep 0.1; done
  kill -9 $pid; wait $pid 2>/dev/null
  "$CLI" train "${COMMON[@]}" --epochs 3 --precision bf16 -o g --resume > g2.log 2>&1 || { fail "resume g"; cat g2.log; }
  cmp -s f/final_model.safetensors g/final_model.safetensors || fail "bf16: kill -9 + resume changed the final weights"
else
  grep -q "neither AMX-BF16 nor AVX512-BF16" f.log || fail "--precision bf16: $(tail -1 f.log)"
fi
expect "bad precision" 2 "expected auto, fp32 or bf16" "$CLI" train --data train.jsonl --precision fp16

# Several files and --weight: a file of weight 3 trains exactly as the same
# file given three times (same records, same order, same weights).
mkdir -p sub
head -500 train.jsonl > base.jsonl
tail -100 train.jsonl > labelled.jsonl
cat base.jsonl labelled.jsonl labelled.jsonl labelled.jsonl > concat.jsonl
W=("${COMMON[@]:4}")   # COMMON without its --data/--val
"$CLI" train --data base.jsonl --data sub/../labelled.jsonl --weight labelled=3 "${W[@]}" --epochs 1 -o w1 > w1.log 2>&1 \
  || { fail "train with --weight"; cat w1.log; }
"$CLI" train --data concat.jsonl "${W[@]}" --epochs 1 -o w2 > w2.log 2>&1 || { fail "train concat"; cat w2.log; }
cmp -s w1/final_model.safetensors w2/final_model.safetensors || fail "--weight labelled=3 differs from the file given 3 times"
grep -q "^800 training records" w1.log || fail "weighted run: $(grep 'training records' w1.log)"
expect "weight unknown name" 2 "no --data file is called 'labeled'" "$CLI" train --data labelled.jsonl --weight labeled=2
expect "weight range" 2 "K must be a whole number in 1..100" "$CLI" train --data labelled.jsonl --weight labelled=0
expect "weight ambiguous" 2 "give the path" "$CLI" train --data labelled.jsonl --data x/labelled.jsonl --weight labelled=2
expect "weight syntax" 2 "expected NAME=K" "$CLI" train --data labelled.jsonl --weight labelled

# Errors name the problem.
{ head -3 train.jsonl; echo '{"text": "x", "score": 0.5}'; } > bad.jsonl
expect "bad data line" 1 "bad.jsonl:4: missing field" "$CLI" train --data bad.jsonl --base none --vocab "$SRC/tests/data/vocab_small" -o d
expect "cuda" 1 "no CUDA backend" "$CLI" train --data train.jsonl --device cuda
expect "no vocab" 1 "needs a vocabulary" "$CLI" train --data train.jsonl --base none -o e
expect "resume other run" 1 "was made by another run" "$CLI" train "${COMMON[@]}" --epochs 3 --batch-size 8 -o a --resume
expect "nothing to resume" 1 "has no checkpoint to resume from" "$CLI" train "${COMMON[@]}" -o nothing --resume
expect "missing data flag" 2 "--data is required" "$CLI" train
expect "offline hub" 1 "put config.json, model.safetensors and vocab.txt" \
  env CX_CACHE_DIR="$T/cache" HF_ENDPOINT=http://127.0.0.1:9 "$CLI" train --data train.jsonl
cli_done cli_train
