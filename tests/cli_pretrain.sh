#!/bin/bash
# complexity pretrain on a tiny model: the loss falls, the folder is a
# Hugging Face masked LM that train --base fine-tunes, exact resume after
# Ctrl-C and after kill -9, errors that name the problem.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
cli_workdir cli_pretrain
head -400 "$SRC/tests/data/reference/train.jsonl" > corpus.jsonl
COMMON=(--data corpus.jsonl --vocab "$SRC/tests/data/vocab_small" --arch tiny --batch-size 16 --max-length 48
        --steps 60 --save-every 20 --lr 2e-3 --warmup-steps 5 --threads 2)

"$CLI" pretrain "${COMMON[@]}" -o a > a.log 2>&1 || { fail "pretrain a"; cat a.log; }
for f in config.json model.safetensors vocab.txt tokenizer.json pretrain_checkpoint.safetensors pretrain.jsonl; do
  [ -s "a/$f" ] || fail "missing a/$f"
done
grep -q "on 400 texts" a.log || fail "the log should count the texts: $(head -1 a.log)"
[ "$(wc -l < a/pretrain.jsonl)" = 3 ] || fail "pretrain.jsonl should have a line per save (3)"
# A masked LM that learned something: the last save's loss well under the
# first's, and under ln(vocabulary) (a uniform guess).
read -r first last <<<"$(/usr/bin/env awk -F'"loss": ' '{split($2, a, ","); v[NR] = a[1]} END {print v[1], v[NR]}' a/pretrain.jsonl)"
awk -v f="$first" -v l="$last" -v v="$(wc -l < "$SRC/tests/data/vocab_small/vocab.txt")" \
  'BEGIN {exit !(l < f - 0.5 && l < log(v) - 1)}' || fail "the loss did not fall: $first -> $last"
grep -q '"architectures":[[:space:]]*\[[[:space:]]*"DistilBertForMaskedLM"' a/config.json || fail "config.json: architectures"
for k in model_type dim n_layers n_heads hidden_dim vocab_size max_position_embeddings; do
  grep -q "\"$k\"" a/config.json || fail "config.json lacks $k"
done
for t in vocab_transform.weight vocab_layer_norm.bias vocab_projector.bias distilbert.embeddings.word_embeddings.weight; do
  grep -qa "\"$t\"" a/model.safetensors || fail "model.safetensors lacks $t"
done

# The folder is a base model: train --base fine-tunes it.
head -200 "$SRC/tests/data/reference/train.jsonl" > train.jsonl
"$CLI" train --data train.jsonl --base a --freeze-layers 0 --lr 1e-3 --epochs 1 --batch-size 16 --threads 2 \
  -o ft > ft.log 2>&1 || { fail "train --base a"; cat ft.log; }
grep -q '"base_model":[[:space:]]*"a"' ft/config.json || fail "fine-tuned config.json should name its base"
"$CLI" classify --model ft "hello there" | grep -q '"tier"' || fail "classify with the fine-tuned model"

# Ctrl-C mid-run, then --resume: the same final weights as the uninterrupted run.
"$CLI" pretrain "${COMMON[@]}" -o b > b.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -s b/pretrain.jsonl ] && break; sleep 0.05; done
kill -INT $pid; wait $pid; rc=$?
[ "$rc" = 130 ] || [ "$rc" = 0 ] || fail "interrupted pretrain exit code $rc"
"$CLI" pretrain "${COMMON[@]}" -o b --resume > b2.log 2>&1 || { fail "resume b"; cat b2.log; }
cmp -s a/model.safetensors b/model.safetensors || fail "Ctrl-C + resume changed the final weights"

# kill -9 after the first checkpoint, then --resume.
"$CLI" pretrain "${COMMON[@]}" -o c > c.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -s c/pretrain_checkpoint.safetensors ] && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
"$CLI" pretrain "${COMMON[@]}" -o c --resume > c2.log 2>&1 || { fail "resume c"; cat c2.log; }
cmp -s a/model.safetensors c/model.safetensors || fail "kill -9 + resume changed the final weights"

# A fresh run into the same folder starts a new log (an earlier run's lines go).
"$CLI" pretrain "${COMMON[@]}" --steps 20 -o c > c3.log 2>&1 || { fail "fresh run over c"; cat c3.log; }
[ "$(wc -l < c/pretrain.jsonl)" = 1 ] || fail "a fresh run kept the earlier run's log lines: $(cat c/pretrain.jsonl)"

# Errors name the problem.
printf '{"text": "fine"}\n{"txt": "no"}\n' > bad.jsonl
expect "no text field" 1 "bad.jsonl:2: no \"text\" string" "$CLI" pretrain --data bad.jsonl --vocab "$SRC/tests/data/vocab_small" -o x
printf '{"text": "fine"}\nnot json\n' > bad2.jsonl
expect "not JSON" 1 "bad2.jsonl:2: not a JSON object" "$CLI" pretrain --data bad2.jsonl --vocab "$SRC/tests/data/vocab_small" -o x
printf '\n\n' > empty.jsonl
expect "no text" 1 "no text to learn from" "$CLI" pretrain --data empty.jsonl --vocab "$SRC/tests/data/vocab_small" -o x
expect "no vocab" 2 "--vocab is required" "$CLI" pretrain --data corpus.jsonl -o x
expect "bad mask prob" 2 "--mask-prob: expected a number in [0.01, 0.5]" "$CLI" pretrain --data corpus.jsonl \
  --vocab "$SRC/tests/data/vocab_small" --mask-prob 0.9
expect "resume other settings" 1 "made with batch_size 16, this run has 8" "$CLI" pretrain "${COMMON[@]}" \
  --batch-size 8 -o a --resume
expect "nothing to resume" 1 "pretrain_checkpoint.safetensors" "$CLI" pretrain "${COMMON[@]}" -o nothing --resume

cli_done cli_pretrain
