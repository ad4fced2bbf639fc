#!/bin/bash
# The default base model comes from the Hugging Face Hub once, then from the
# local cache offline. A loopback HTTP server plays the Hub (HF_ENDPOINT).
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
cli_workdir cli_hub

# A tiny DistilBERT in the Hub's layout: NAME/resolve/main/FILE.
repo=srv/org/tiny-distilbert/resolve/main
mkdir -p "$repo"
cp "$SRC/tests/data/model/hf/f32_prefix_mlm/config.json" "$SRC/tests/data/model/hf/f32_prefix_mlm/model.safetensors" "$repo/"
{ printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for c in a b c d e f g h i j k l m n o p q r s t u v w x y; do echo $c; done; } > "$repo/vocab.txt"
head -40 "$SRC/tests/data/reference/train.jsonl" > train.jsonl

port=$((20000 + RANDOM % 20000))
python3 -m http.server --bind 127.0.0.1 --directory srv "$port" > server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

export CX_CACHE_DIR="$T/cache" HF_ENDPOINT="http://127.0.0.1:$port"
ARGS=(--data train.jsonl --epochs 1 --batch-size 8 --max-length 16 --freeze-layers 1 --threads 1)
# LeakSanitizer's own tracer has been seen to crash (SIGSEGV in the tracer,
# not in our code) at the exit of this downloading run under ctest in a bare
# Debian chroot, while the same command run by hand reports no leak. Leak
# checking stays on for every other run here, the offline one included.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
  "$CLI" train --base org/tiny-distilbert "${ARGS[@]}" -o out1 > t1.log 2>&1 || { fail "train with a Hub base"; cat t1.log; }
for f in config.json model.safetensors vocab.txt; do
  cmp -s "$repo/$f" "cache/hub/org/tiny-distilbert/$f" || fail "cache lacks $f"
done
grep -q '"base_model":[[:space:]]*"org/tiny-distilbert"' out1/config.json || fail "config.json base_model"

# Offline: the server is gone, the cache serves.
kill $server; wait $server 2>/dev/null
"$CLI" train --base org/tiny-distilbert "${ARGS[@]}" -o out2 > t2.log 2>&1 || { fail "offline train from the cache"; cat t2.log; }

# A model that is neither cached nor reachable: the error says what to put where.
out=$("$CLI" train --base org/missing "${ARGS[@]}" -o out3 2>&1); rc=$?
[ "$rc" = 1 ] || fail "missing model exit code $rc"
grep -qF "put config.json, model.safetensors and vocab.txt (or tokenizer.json) of org/missing into $T/cache/hub/org/missing" <<<"$out" ||
  fail "missing model message: $out"
out=$("$CLI" train --base ../etc "${ARGS[@]}" 2>&1)
grep -qF "is not a Hugging Face model name" <<<"$out" || fail "bad name: $out"
cli_done cli_hub
