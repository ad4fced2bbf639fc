#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/fuzz_<reader>.c) in build-fuzz
# (clang, ASan + UBSan) and runs each for SECONDS, one after the other, niced.
# Each run starts from the committed seeds (tests/fuzz/corpus/<reader>) and a
# working corpus that grows from run to run (build-fuzz/fuzz-corpus/<reader>);
# whatever it finds goes to build-fuzz/fuzz-artifacts/<reader>/. A line
#   <date>, <target>, <executions>, <seconds>, <findings>
# is appended to the log for each target, then a summary table is printed.
# A finding, minimised (fuzz_X -minimize_crash=1 -runs=10000 FILE) and renamed
# crash_<what>, belongs in tests/fuzz/corpus/<reader>/ once the reader is fixed.
#
# usage: tools/fuzz_all.sh [-t SECONDS] [-j JOBS] [-l LOG] [TARGET...]
#   -t  seconds per target (default 600)
#   -j  libFuzzer -fork=JOBS processes per target (default 1: no fork)
#   -l  log file (default build-fuzz/fuzz_all.log)
#   TARGET  reader names (jsonl, vocab, ...) or fuzz_<reader>; default: all
# Exit status: 0 when nothing was found, 1 when something was, 2 on a bad
# argument or a failed build.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
secs=600
jobs=1
log=$build/fuzz_all.log

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
while getopts "t:j:l:h" opt; do
    case $opt in
    t) secs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    l) log=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 && $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || usage

targets=()
if (($#)); then
    for t in "$@"; do targets+=("${t#fuzz_}"); done
else
    for f in "$root"/tests/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c)
        [[ $t == fuzz_replay_main ]] || targets+=("${t#fuzz_}")
    done
fi
for t in "${targets[@]}"; do
    [[ -f $root/tests/fuzz/fuzz_$t.c ]] || { echo "fuzz_all: no target '$t' (tests/fuzz/fuzz_$t.c)" >&2; exit 2; }
done

echo "== building ${#targets[@]} targets in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Asan -DCMAKE_C_COMPILER=clang -DCX_FUZZ=ON >/dev/null ||
    { echo "fuzz_all: cmake failed" >&2; exit 2; }
nice ninja -C "$build" -j2 "${targets[@]/#/fuzz_}" >/dev/null ||
    { echo "fuzz_all: build failed (ninja -C $build ${targets[*]/#/fuzz_})" >&2; exit 2; }

mkdir -p "$(dirname "$log")"
declare -A execs_of secs_of found_of
total_found=0
for t in "${targets[@]}"; do
    corpus=$build/fuzz-corpus/$t
    artifacts=$build/fuzz-artifacts/$t
    out=$build/fuzz-logs/$t.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$out")"
    before=$(find "$artifacts" -type f | wc -l)
    fork=()
    ((jobs > 1)) && fork=(-fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    echo "== fuzz_$t for ${secs}s (log: $out)"
    start=$(date +%s)
    (cd "$artifacts" && nice -n 10 "$build/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
        -timeout=25 -print_final_stats=1 -artifact_prefix="$artifacts/" "${fork[@]}" \
        "$corpus" "$root/tests/fuzz/corpus/$t") >"$out" 2>&1
    elapsed=$(($(date +%s) - start))
    # executions: the final stats, else the last status line (-fork prints no final stats)
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)
    [[ -n $n ]] || n=$(grep -o '^#[0-9]*' "$out" | tail -n 1 | tr -d '#')
    found=$(($(find "$artifacts" -type f | wc -l) - before))
    execs_of[$t]=${n:-0}
    secs_of[$t]=$elapsed
    found_of[$t]=$found
    total_found=$((total_found + found))
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), fuzz_$t, ${n:-0}, $elapsed, $found" >>"$log"
done

echo
printf '%-24s %14s %8s %10s %9s\n' target executions seconds exec/s findings
for t in "${targets[@]}"; do
    s=${secs_of[$t]}
    printf '%-24s %14s %8s %10s %9s\n' "fuzz_$t" "${execs_of[$t]}" "$s" $((execs_of[$t] / (s > 0 ? s : 1))) "${found_of[$t]}"
done
echo
echo "log: $log; findings, if any: $build/fuzz-artifacts/<reader>/"
((total_found == 0))
