#!/bin/bash
# complexity calibrate with the shipped model on the dev set: share targets
# met within a point, the risk bound held, too little data said so with the
# count needed, --write changing only the boundaries (and the mode) of a Kuro
# config, and usage errors.
. "$(dirname "$0")/testlib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
cli_workdir cli_calibrate
ln -s "$SRC/models" models
DEV=$SRC/data/dev/dev.jsonl

out=$("$CLI" calibrate --data "$DEV" --target fast=0.6,standard=0.25,frontier=0.15) || fail "share targets: $out"
got=$(sed -n 's/.*achieved \([0-9.]*\)% \/ \([0-9.]*\)% \/ \([0-9.]*\)%.*/\1 \2 \3/p' <<<"$out")
python3 -c "import sys; a = list(map(float, sys.argv[1:])); sys.exit(not (abs(a[0]-60) <= 1 and abs(a[1]-25) <= 1 and abs(a[2]-15) <= 1))" $got ||
  fail "shares not within a point of 60/25/15: $got"
grep -q "^lang zh (270 prompts, 270 labelled)" <<<"$out" || fail "per-language table"

out=$("$CLI" calibrate --data "$DEV" --max-frontier-to-fast 0.05 --confidence 0.95) || fail "risk bound: $out"
bound=$(sed -n 's/.*upper bound \([0-9.]*\)% at 95%.*/\1/p' <<<"$out" | head -1)
python3 -c "import sys; sys.exit(not float(sys.argv[1]) <= 5.0)" "$bound" || fail "bound $bound% over 5%"
# --check: the fitted boundaries on prompts the fit did not see
awk 'NR % 2 == 1' "$DEV" > fit.jsonl
awk 'NR % 2 == 0' "$DEV" > check.jsonl
out=$("$CLI" calibrate --data fit.jsonl --max-frontier-to-fast 0.05 --check check.jsonl) || fail "--check: $out"
grep -q "^held out: check.jsonl$" <<<"$out" && [ "$(grep -c "frontier-needed sent to fast" <<<"$out")" -ge 2 ] ||
  fail "no held-out table"
out=$("$CLI" calibrate --data fit.jsonl --maximize accuracy --check check.jsonl) || fail "--maximize accuracy: $out"
grep -qE "^tier accuracy [0-9.]+% -> [0-9.]+% \(on the prompts fitted" <<<"$out" || fail "accuracy line: $out"
# --window: ml_refine's ambiguity window fitted before the boundaries; it must
# beat the seed's window on the held-out half, and --write puts it in the file.
out=$("$CLI" calibrate --data fit.jsonl --mode ml_refine --window --maximize accuracy --check check.jsonl) ||
  fail "--window: $out"
win=$(sed -n 's/^ml_refine window 0.3500-0.6500 -> \([0-9.]*\)-\([0-9.]*\): tier accuracy \([0-9.]*\)% -> \([0-9.]*\)%.*/\1 \2 \3 \4/p' <<<"$out")
python3 -c "import sys; lo, hi, a, b = map(float, sys.argv[1:]); sys.exit(not (0 <= lo < hi <= 1 and b > a))" $win ||
  fail "window line: $(head -1 <<<"$out")"
held=$(sed -n '/^held out/,$p' <<<"$out" | sed -n 's/^  tier accuracy *\([0-9.]*\)%  -> *\([0-9.]*\)%.*/\1 \2/p')
python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(not b > a + 20)" $held || fail "held-out accuracy $held"
printf "task_complexity:\n  fast_model: small\n" > wcfg.yaml
"$CLI" calibrate --data fit.jsonl --config wcfg.yaml --mode ml_refine --window --maximize accuracy --write > /dev/null ||
  fail "--window --write"
lo=$(sed -n 's/^  ambiguity_low: //p' wcfg.yaml)
python3 -c "import sys; sys.exit(not abs(float(sys.argv[1]) - float(sys.argv[2])) < 1e-4)" "${lo:-x}" "${win%% *}" ||
  fail "ambiguity_low written: '$lo' vs $win"
expect "window needs ml_refine" 1 "--window fits ml_refine's window" "$CLI" calibrate --data fit.jsonl --mode hybrid --window --maximize accuracy
head -40 "$DEV" > few.jsonl
expect "too few frontier-needed prompts" 1 "at least 149 are needed" "$CLI" calibrate --data few.jsonl --max-frontier-to-fast 0.02

# --write: the boundaries and the mode, nothing else of the file.
printf '# Kuro\nassistant:\n  name: Kuro\ntask_complexity:\n  fast_model: small\nlogging:\n  level: info\n' > config.yaml
"$CLI" calibrate --data "$DEV" --config config.yaml --mode hybrid --target fast=0.5,standard=0.3,frontier=0.2 --write > w.txt ||
  fail "write: $(cat w.txt)"
head -3 config.yaml | grep -q '^  name: Kuro$' && tail -2 config.yaml | grep -q '^  level: info$' || fail "other sections changed"
grep -q '^  ml_estimation_mode: hybrid$' config.yaml && grep -q '^  fast_model: "small"$' config.yaml || fail "mode or models"
out=$("$CLI" calibrate --data "$DEV" --config config.yaml --target fast=0.5,standard=0.3,frontier=0.2)
grep -q "^mode: hybrid$" <<<"$out" || fail "the written mode is read back"
grep -q "fast                            50.[0-9]%  ->    50.[0-9]%\|fast                            49.[5-9]%  ->" <<<"$out" ||
  fail "the written boundaries give the shares: $(grep -m1 ' fast ' <<<"$out")"

expect "no mode given" 2 "give one of --target, --max-frontier-to-fast or --maximize accuracy" "$CLI" calibrate --data "$DEV"
expect "maximize what" 2 "--maximize: only 'accuracy'" "$CLI" calibrate --data "$DEV" --maximize speed
expect "bad target" 2 "--target: expected" "$CLI" calibrate --data "$DEV" --target fast=0.5
expect "write without config" 2 "--write needs --config" "$CLI" calibrate --data "$DEV" --target fast=1,standard=0,frontier=0 --write
expect "unknown mode" 1 "--mode: unknown mode 'turbo'" "$CLI" calibrate --data "$DEV" --mode turbo --target fast=1,standard=0,frontier=0
cli_done cli_calibrate
