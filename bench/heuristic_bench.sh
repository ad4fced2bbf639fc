#!/bin/sh
# Mean microseconds per message of `complexity estimate` (heuristic + routing, no ML) over the
# reference test texts, and, for scale, of our Python re-implementation of the same heuristic
# (tools/heuristic_ref.py; the seed's own code is Python too).
# usage: bench/heuristic_bench.sh CLI [DATA.jsonl] [ROUNDS]
set -eu
CLI=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${CX_SHARED_DIR:-$(cd "$HERE/../../shared" && pwd)}
DATA=${2:-$SHARED/reference-data/test.jsonl}
ROUNDS=${3:-20}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $DATA; rounds: $ROUNDS"
# estimate uses neither BLAS nor OpenMP: keep their idle thread pools from spinning on the 2 cores
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# the heuristic alone: the default config now enables the shipped model
NOML=$(mktemp)
trap 'rm -f "$NOML"' EXIT
printf 'task_complexity:\n  ml_model_enabled: false\n' > "$NOML"
echo "ours: $("$CLI" estimate --config "$NOML" --jsonl --bench "$ROUNDS" < "$DATA" 2>&1 >/dev/null)"
/usr/bin/python3 - "$HERE/../tools/heuristic_ref.py" "$DATA" <<'PY'
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("ref", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    for x in texts:
        ref.tier(ref.total(ref.dims(x)))
    best = min(best, time.perf_counter() - t)
print("python re-implementation (heuristic only, best of 3): %.2f us/message" % (best / len(texts) * 1e6))
PY
