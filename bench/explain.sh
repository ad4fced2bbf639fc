#!/bin/bash
# What an explanation costs (issue 16: "occlusion ..., cost measured and
# bounded"): every prompt of a JSONL file through POST /v1/estimate with and
# without "explain": true on a `complexity serve` of BUILD_DIR (the shipped
# model, ml_only), one request at a time; prints the model runs per
# explanation (bounded by 25) and the explanation's own time, p50 / p99 / max,
# beside the plain estimate's.
#
# usage: bench/explain.sh BUILD_DIR [DATA.jsonl]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
DATA=${2:-data/dev/dev.jsonl}
SRC=$PWD
W=$(mktemp -d)
trap 'kill $PID 2> /dev/null; rm -rf "$W"' EXIT
cd "$W"
ln -s "$SRC/models" models
printf 'task_complexity:\n  ml_model_enabled: true\n  ml_estimation_mode: ml_only\n' > config.yaml
"$SRC/$BUILD/complexity" serve --config config.yaml --port 0 --log-level warning > serve.out 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
URL=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*/\).*|\1|p' serve.out)
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ), commit $(git -C "$SRC" rev-parse --short HEAD)"
/usr/bin/python3 - "$URL" "$SRC/$DATA" <<'EOF'
import json, sys, time, urllib.request

url, data = sys.argv[1], sys.argv[2]
texts = [json.loads(l)["text"] for l in open(data, encoding="utf-8") if l.strip()]

def post(body):
    req = urllib.request.Request(url + "v1/estimate", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        out = json.load(r)
    return out, (time.perf_counter() - t0) * 1000

def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]

plain, runs, explain_ms, total_ms, cut = [], [], [], [], 0
for t in texts:
    plain.append(post({"text": t})[1])
    out, ms = post({"text": t, "explain": True})
    x = out["explanation"]
    runs.append(x["predictions"]); explain_ms.append(x["ms"]); total_ms.append(ms); cut += x["truncated"]
print(f"{len(texts)} prompts of {data.split('/')[-1]}, one request at a time")
print(f"plain estimate, request:        p50 {q(plain, .5):.2f} ms, p99 {q(plain, .99):.2f} ms, max {max(plain):.2f} ms")
print(f"model runs per explanation:     p50 {q(runs, .5)}, p99 {q(runs, .99)}, max {max(runs)} (bound 25)")
print(f"explanation (cx_estimator_explain): p50 {q(explain_ms, .5):.2f} ms, p99 {q(explain_ms, .99):.2f} ms, "
      f"max {max(explain_ms):.2f} ms")
print(f"request with explain:           p50 {q(total_ms, .5):.2f} ms, p99 {q(total_ms, .99):.2f} ms, "
      f"max {max(total_ms):.2f} ms")
print(f"prompts the model read only part of (head + tail): {cut}")
EOF
