#!/bin/bash
# generate-data figures: families, distinct texts per 15,000 samples (3 seeds),
# and the time to generate 100,000 samples (generation only, as the command
# reports it, and wall time including writing the file); best of 3 runs.
# Usage: bench/generate_bench.sh [path/to/complexity]
set -eu
CLI=${1:-build/complexity}
[ -x "$CLI" ] || { echo "no executable $CLI (build first: scripts/build.sh)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$CLI" generate-data --list-families | head -1
for seed in 1 2 3; do
  "$CLI" generate-data -n 15000 -s $seed -o "$T/g.jsonl" | grep -E '^Distinct texts' | sed "s/^/seed $seed, 15000 samples: /"
done
best_gen=999; best_wall=999
for run in 1 2 3; do
  t0=$(date +%s.%N)
  gen=$("$CLI" generate-data -n 100000 -s $run -o "$T/big.jsonl" | sed -n 's/^Generated .* in \([0-9.]*\) s$/\1/p')
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc -l)
  best_gen=$(echo "if ($gen < $best_gen) $gen else $best_gen" | bc -l)
  best_wall=$(echo "if ($wall < $best_wall) $wall else $best_wall" | bc -l)
done
printf '100000 samples: generation %.3f s, wall time with writing %.3f s (best of 3)\n' "$best_gen" "$best_wall"
