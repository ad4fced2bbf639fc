#!/bin/bash
# Issue 18's scaling figures (docs/SCALING.md), on this machine:
#   1. one training step of the shipped model's shape (small: 4 x 256, the
#      vocabulary given) at N = 1 and 2 ranks of one thread, global batch 32;
#   2. MPI_Allreduce of that model's gradient (all its weights) at N = 2, over
#      shared memory and over TCP (bench_allreduce);
#   3. sharded classification (classify --in --out) at N = 1 and 2;
#   4. a model for 1-64 nodes: step time = compute / N + ring allreduce,
#      2 (N-1)/N x bytes / bandwidth + 2 (N-1) x latency, from the measured
#      compute and the allreduce bandwidths (measured here; 10 and 100 GbE).
# usage: bench/scaling.sh [BUILD] [VOCAB_DIR] [MODEL_INT8]
#   defaults: build, build/label-exp/work/vocab (34k, the shipped model's) or
#   tests/data/vocab_small, models/complexity_model_int8.onnx
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
vocab=${2:-build/label-exp/work/vocab}
[ -d "$vocab" ] || vocab=tests/data/vocab_small
model=${3:-models/complexity_model_int8.onnx}
bin=$build/complexity
work=$build/bench-scaling
rm -rf "$work" && mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(date -u +%FT%TZ)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$bin" generate-data -n 1600 --seed 3 -o "$work/data.jsonl" > /dev/null
T=(--data "$work/data.jsonl" --base none --arch small --vocab "$vocab" --batch-size 32 --lr 5e-4 --threads 1
   --epochs 1 --max-length 128)
step_time() {  # LOG: seconds per optimizer step of the epoch
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
steps = int(re.search(r"(\d+) steps of batch", text).group(1))
secs = float(re.search(r"epoch 1/1: .*\(([0-9.]+) s\)", text).group(1))
print(f"{secs / steps:.4f}")
EOF
}
weights=""
for n in 1 2; do
    mpirun -np $n "$bin" train "${T[@]}" -o "$work/train$n" > "$work/train$n.log" 2>&1
    s=$(step_time "$work/train$n.log")
    eval "step$n=$s"
    weights=$(sed -n 's/.* \([0-9]*\) of [0-9]* weights trainable.*/\1/p' "$work/train$n.log")
    echo "train step (batch 32, small, $weights weights): N=$n ranks x 1 thread: $s s"
done

echo "allreduce of the gradient ($weights floats):"
shm=$(mpirun -np 2 "$build/bench_allreduce" 10 "$weights" | tee /dev/stderr | sed -n 's/.*: \([0-9.]*\) ms, bus bandwidth \([0-9.]*\) GB.*/\1 \2/p')
tcp=$(mpirun -np 2 --mca btl tcp,self "$build/bench_allreduce" 10 "$weights" | tee /dev/stderr |
      sed -n 's/.*: \([0-9.]*\) ms, bus bandwidth \([0-9.]*\) GB.*/\1 \2/p')
echo "  (first line shared memory, second TCP over loopback)"

head -1500 tests/data/reference/test.jsonl > "$work/prompts.jsonl"
cat "$work/prompts.jsonl" "$work/prompts.jsonl" > "$work/prompts2.jsonl"
for n in 1 2; do
    mpirun -np $n "$bin" classify --model "$model" --jsonl --in "$work/prompts2.jsonl" --out "$work/cls$n.jsonl" 2>&1 |
        sed "s/^/N=$n: /"
done
cmp -s "$work/cls1.jsonl" "$work/cls2.jsonl" && echo "classify: N=1 and N=2 outputs identical"

python3 - "$step1" "$step2" "$weights" $tcp <<'EOF'
import sys
step1, step2, weights, tcp_ms, tcp_bw = map(float, sys.argv[1:6])
mb = weights * 4 / 1e6
print(f"\nmeasured: compute per step (N=1, one core) {step1*1e3:.0f} ms; N=2 {step2*1e3:.0f} ms "
      f"(speedup {step1/step2:.2f}x); gradient {mb:.1f} MB")
nets = [("TCP loopback (measured)", tcp_bw, 50e-6), ("10 GbE", 1.17, 30e-6), ("100 GbE", 11.7, 5e-6)]
def ring(n, bw, lat):
    return 0.0 if n == 1 else 2 * (n - 1) / n * mb / 1e3 / bw + 2 * (n - 1) * lat
print("\nmodel: step time = compute/N + ring allreduce (strong scaling, global batch 32)")
print("| nodes | " + " | ".join(f"{name}: step ms / speedup" for name, _, _ in nets) + " |")
print("|---|" + "---|" * len(nets))
for n in (1, 2, 4, 8, 16, 32, 64):
    cells = []
    for _, bw, lat in nets:
        t = step1 / n + ring(n, bw, lat)
        cells.append(f"{t*1e3:.0f} / {step1/t:.1f}x")
    print(f"| {n} | " + " | ".join(cells) + " |")
print("\nmodel: batch 32 per node (weak scaling): samples/s relative to one node")
print("| nodes | " + " | ".join(name for name, _, _ in nets) + " |")
print("|---|" + "---|" * len(nets))
for n in (1, 2, 4, 8, 16, 32, 64):
    print(f"| {n} | " + " | ".join(f"{n * step1 / (step1 + ring(n, bw, lat)):.1f}x" for _, bw, lat in nets) + " |")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
