#!/bin/bash
# Scale-out over Open MPI (registered when the build found it): data-parallel
# training with N=2 ranks ends with the weights and metrics of N=1 (within what
# summation order allows); a rank killed mid-run stops the job, and the
# checkpoint resumes with another N; Ctrl-C checkpoints every rank at the same
# step; `classify --in --out` sharded over 2 ranks writes exactly the
# single-process output, and a bad line on rank 1's share is named; a sharded
# `evaluate` gives every figure one process gives.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
REF=$SRC/tests/data/reference
cli_workdir cli_mpi
command -v mpirun > /dev/null || { fail "mpirun is missing (openmpi-bin)"; cli_done cli_mpi; exit; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mca_base_component_disable_dlclose=1 # so that leak reports can name the MPI modules
export LSAN_OPTIONS="suppressions=$SRC/tests/lsan_mpi.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# Open MPI is built without frame pointers: the slow unwinder lets the
# suppressions see which library allocated (ignored by a build without ASan).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
PY=python3
head -400 "$REF/train.jsonl" > train.jsonl
head -60 "$REF/val.jsonl" > val.jsonl
C=(--data train.jsonl --val val.jsonl --base none --arch tiny --vocab "$SRC/tests/data/vocab_small" --batch-size 8
   --lr 1e-3 --threads 1)
epochs() { grep '^epoch [0-9]*/[0-9]*: ' "$1" | sed 's/ ([0-9.]* s)//'; }

# N=1 and N=2, the same global batch: same metrics, weights within 1e-4.
mpirun -np 1 "$CLI" train "${C[@]}" --epochs 2 -o n1 > n1.log 2>&1 || { fail "mpirun -np 1 train"; tail -5 n1.log; }
mpirun -np 2 "$CLI" train "${C[@]}" --epochs 2 -o n2 > n2.log 2>&1 || { fail "mpirun -np 2 train"; tail -5 n2.log; }
grep -q "data-parallel over 2 MPI ranks" n2.log || fail "N=2 does not say it trains data-parallel"
[ "$(grep -c '^Done:' n2.log)" = 1 ] || fail "rank 0 alone should report"
[ -n "$(epochs n1.log)" ] && [ "$(epochs n1.log)" = "$(epochs n2.log)" ] ||
  fail "N=1 and N=2 metrics differ: $(diff <(epochs n1.log) <(epochs n2.log))"
$PY "$SRC/tests/compare_weights.py" n1/final_model.safetensors n2/final_model.safetensors 1e-4 ||
  fail "N=1 and N=2 weights differ"

# A rank killed mid-run: the job stops, says which rank, and the checkpoint
# of the last finished epoch resumes with N=1 to the metrics of an
# uninterrupted run and its weights within 1e-3 (over 3 epochs, N=1 and N=2
# themselves drift apart by 2e-4: Adam carries the sums' rounding).
mpirun -np 1 "$CLI" train "${C[@]}" --epochs 3 -o u1 > u1.log 2>&1 || fail "uninterrupted N=1"
mpirun -np 2 "$CLI" train "${C[@]}" --epochs 3 -o k2 > k2.log 2>&1 &
MP=$!
for _ in $(seq 600); do [ -s k2/checkpoint.safetensors ] && break; sleep 0.1; done
R1=""
for p in $(pgrep -f "train.*-o k2"); do
  tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && R1=$p
done
[ -n "$R1" ] && kill -9 "$R1" || fail "rank 1 not found"
wait $MP && fail "the job should fail when a rank dies"
grep -q "process rank 1 .* exited on signal 9" k2.log || fail "mpirun should name the dead rank: $(tail -3 k2.log)"
[ -e k2/final_model.safetensors ] && fail "the job finished before the kill (the test's timing)"
mpirun -np 1 "$CLI" train "${C[@]}" --epochs 3 -o k2 --resume > k2r.log 2>&1 || { fail "resume with N=1"; tail -3 k2r.log; }
grep -q "resuming from k2/checkpoint.safetensors" k2r.log || fail "no resume message"
$PY "$SRC/tests/compare_weights.py" u1/final_model.safetensors k2/final_model.safetensors 1e-3 ||
  fail "N=2 killed and resumed with N=1 differs from the uninterrupted run"
[ "$(epochs k2r.log)" = "$(epochs u1.log | tail -n "$(epochs k2r.log | wc -l)")" ] ||
  fail "the resumed epochs' metrics differ: $(diff <(epochs k2r.log) <(epochs u1.log))"

# Ctrl-C to mpirun: every rank stops at the same step, rank 0 checkpoints.
mpirun -np 2 "$CLI" train "${C[@]}" --epochs 50 -o c2 > c2.log 2>&1 &
MP=$!
for _ in $(seq 600); do [ -s c2/checkpoint.safetensors ] && break; sleep 0.1; done
sleep 0.3
kill -INT $MP
wait $MP
grep -q "^interrupted at step [0-9]*: checkpoint saved" c2.log || fail "Ctrl-C: $(tail -3 c2.log)"

# Sharded classification: the same bytes as one process and as stdin mode.
head -300 "$REF/test.jsonl" > in.jsonl
M=$SRC/models/complexity_model_int8.onnx
"$CLI" classify --model "$M" --jsonl < in.jsonl > stdin.out || fail "classify from stdin"
mpirun -np 2 "$CLI" classify --model "$M" --jsonl --in in.jsonl --out two.out 2> two.err || fail "classify over 2 ranks"
grep -q "300 prompts in .* over 2 ranks -> two.out" two.err || fail "classify summary: $(cat two.err)"
cmp -s stdin.out two.out || fail "2 ranks wrote other results than one process"
{ head -250 in.jsonl; echo '{"txt": "no text"}'; tail -50 in.jsonl; } > bad.jsonl
mpirun -np 2 "$CLI" classify --model "$M" --jsonl --in bad.jsonl --out bad.out > bad.log 2>&1 && fail "a bad line should fail the job"
grep -q "bad.jsonl:251: expected a JSON object with a \"text\" string" bad.log || fail "bad line not named: $(cat bad.log)"
[ -e bad.out ] && fail "a failed job left its output"

# Sharded evaluation: every figure as one process gives (timings aside).
"$CLI" evaluate --model "$M" --data "$SRC/data/dev/dev.jsonl" --compare --json e1.json > e1.txt || fail "evaluate"
mpirun -np 2 "$CLI" evaluate --model "$M" --data "$SRC/data/dev/dev.jsonl" --compare --json e2.json > e2.txt ||
  fail "evaluate over 2 ranks"
[ "$(grep -c "Tier Confusion Matrix" e2.txt)" = 1 ] || fail "rank 0 alone should print the report"
$PY - e1.json e2.json <<'PYEOF' || fail "evaluate over 2 ranks differs from one process"
import json, sys
def strip(o):
    if isinstance(o, dict): return {k: strip(v) for k, v in o.items() if k != "avg_inference_ms"}
    if isinstance(o, list): return [strip(v) for v in o]
    return o
def same(a, b, path="$"):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], path + "." + k) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, path) for x, y in zip(a, b))
    ok = abs(a - b) <= 1e-9 * max(1, abs(a)) if isinstance(a, float) or isinstance(b, float) else a == b
    if not ok: print("differs at", path, a, b)
    return ok
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if same(a, b) else 1)
PYEOF

cli_done cli_mpi
