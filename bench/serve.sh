#!/bin/bash
# complexity serve under load (issue 16's figures), all on loopback with wrk
# sharing the machine's cores:
#   1. POST /v1/estimate, heuristic only, then with the shipped model:
#      requests/s, p50, p99 (wrk --latency), CONNS connections for SECONDS
#   2. RSS of the service before and after REQUESTS more estimates (flat?)
#   3. a PUT /v1/config storm during load: requests lost, config.yaml valid after
#   4. router mode's added latency: one connection, POST /v1/chat/completions
#      through the service vs straight to the same upstream (tests/fake_openai.py)
#
# Usage: bench/serve.sh BUILD_DIR [SECONDS] [CONNS] [REQUESTS]     (a Release build)
# CX_BENCH_MODEL=DIR: another model folder in the installed layout (complexity_model_int8.onnx,
# complexity_tokenizer/, complexity_ngram.safetensors) instead of models/, e.g. one built with
# `complexity export-onnx --model OUT/model --install --models-dir DIR` of a CX_ARCH=tiny rebuild (docs/PERF.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
SECS=${2:-10}
CONNS=${3:-32}
REQUESTS=${4:-1000000}
CLI=$PWD/$BUILD/complexity
SRC=$PWD
MODELS=$SRC/models
[ -n "${CX_BENCH_MODEL:-}" ] && MODELS=$(cd "$CX_BENCH_MODEL" && pwd)
W=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2> /dev/null; rm -rf "$W"' EXIT
command -v wrk > /dev/null || { echo "wrk is not installed (scripts/setup.sh --tools)"; exit 2; }
cd "$W"
ln -s "$MODELS" models
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ), commit $(git -C "$SRC" rev-parse --short HEAD)$(git -C "$SRC" diff --quiet HEAD || echo ' + changes'), models $MODELS"

# A body per prompt of the dev set, taken in turn by each wrk thread.
/usr/bin/python3 - "$SRC/data/dev/dev.jsonl" > bodies.lua <<'EOF'
import json, sys
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
print("bodies = {")
for t in texts:
    print("  %s," % json.dumps(json.dumps({"text": t})))
print("}")
EOF
cat >> bodies.lua <<'EOF'
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
EOF
echo "prompts: $(grep -c '^  "' bodies.lua) (data/dev/dev.jsonl)"

start_service() { # CONFIG_TEXT -> sets PORT, SPID
  printf '%s\n' "$1" > config.yaml
  "$CLI" serve --config config.yaml --port 0 --max-connections 256 --log-level warning > serve.out 2>&1 &
  SPID=$!
  PIDS+=("$SPID")
  for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
  PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' serve.out)
}
stop_service() { kill -TERM "$SPID"; wait "$SPID" || true; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/"$1"/status; }
# wrk_summary OUT: "N req/s, p50 X, p99 Y, non-2xx Z"
wrk_summary() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} /Socket errors/ {err=$0}
       END {printf "%.0f req/s, p50 %s, p99 %s, non-2xx %s%s", rps, p50 ? p50 : "n/a", p99 ? p99 : "n/a",
            bad ? bad : 0, err ? ", " err : ""}' "$1"
}

for mode in heuristic model; do
  enabled=$([ $mode = model ] && echo true || echo false)
  start_service "task_complexity:
  ml_model_enabled: $enabled"
  wrk -t2 -c"$CONNS" -d2s -s bodies.lua "http://127.0.0.1:$PORT/v1/estimate" > /dev/null # warm-up
  for c in 4 "$CONNS"; do
    wrk -t2 -c"$c" -d"${SECS}s" --latency -s bodies.lua "http://127.0.0.1:$PORT/v1/estimate" > wrk_$mode.txt
    printf '== /v1/estimate, %-9s %2d connections, %ds: %s\n' "$mode," "$c" "$SECS" "$(wrk_summary wrk_$mode.txt)"
  done
  if [ $mode = heuristic ]; then
    before=$(rss_kb "$SPID")
    rate=$(awk '/Requests\/sec/ {print int($2)}' wrk_$mode.txt)
    long=$(( REQUESTS * 11 / 10 / (rate > 0 ? rate : 1) + 1 )) # a tenth more time than the rate needs
    wrk -t2 -c"$CONNS" -d"${long}s" -s bodies.lua "http://127.0.0.1:$PORT/v1/estimate" > wrk_long.txt
    done_n=$(awk '/requests in/ {print $1}' wrk_long.txt)
    echo "== RSS: ${before} kB before, $(rss_kb "$SPID") kB after $done_n more requests ($(wrk_summary wrk_long.txt))"
  fi
  stop_service
done

# PUT storm: the mode flips 200 times while estimates run.
start_service "task_complexity:
  ml_model_enabled: true"
wrk -t2 -c"$CONNS" -d"${SECS}s" -s bodies.lua "http://127.0.0.1:$PORT/v1/estimate" > wrk_storm.txt &
WPID=$!
puts_ok=0
for i in $(seq 200); do
  mode=$([ $((i % 2)) = 0 ] && echo hybrid || echo ml_only)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$PORT/v1/config" \
         --data-binary "{\"ml_estimation_mode\": \"$mode\", \"ambiguity_low\": 0.3$((i % 10))}")
  [ "$code" = 200 ] && puts_ok=$((puts_ok + 1))
  sleep 0.02
done
wait $WPID
valid=$("$CLI" estimate --config config.yaml hi > /dev/null 2>&1 && echo valid || echo INVALID)
echo "== PUT storm: $puts_ok/200 PUTs applied during load; estimates: $(wrk_summary wrk_storm.txt); config.yaml $valid"
stop_service

# Router overhead: the same upstream, straight and through the service.
/usr/bin/python3 "$SRC/tests/fake_openai.py" upstream.log > fake.out 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -s fake.out ] && break; sleep 0.1; done
FP=$(head -1 fake.out)
start_service "task_complexity:
  fast_model: small
  standard_model: mid
  frontier_model: big
router:
  upstreams:
    fast: {base_url: \"http://127.0.0.1:$FP/fast/v1\"}
    standard: {base_url: \"http://127.0.0.1:$FP/standard/v1\"}
    frontier: {base_url: \"http://127.0.0.1:$FP/frontier/v1\"}"
cat > chat.lua <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "router", "messages": [{"role": "user", "content": "Write a haiku about rain"}]}'
EOF
wrk -t1 -c1 -d"${SECS}s" --latency -s chat.lua "http://127.0.0.1:$FP/fast/v1/chat/completions" > wrk_direct.txt
wrk -t1 -c1 -d"${SECS}s" --latency -s chat.lua "http://127.0.0.1:$PORT/v1/chat/completions" > wrk_router.txt
echo "== chat, 1 connection, straight to the upstream: $(wrk_summary wrk_direct.txt)"
echo "== chat, 1 connection, through the router:       $(wrk_summary wrk_router.txt)"
stop_service
