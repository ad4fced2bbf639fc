#!/bin/bash
# generate-data and data-stats through the CLI: flags, files, exit codes, messages.
set -u
CLI=${CX_CLI:?run through ctest}
T=${CX_TMPDIR:?}/cli_generate
rm -rf "$T" && mkdir -p "$T" && cd "$T" || exit 1
fails=0
check() { # check DESCRIPTION COMMAND...: the command must succeed
  if ! "${@:2}" >/dev/null 2>"$T/err"; then echo "FAIL: $1"; cat "$T/err"; fails=$((fails + 1)); fi
}
expect_fail() { # expect_fail DESCRIPTION EXIT_CODE MESSAGE COMMAND...
  local out rc
  out=$("${@:4}" 2>&1); rc=$?
  if [ "$rc" != "$2" ] || ! grep -qF -- "$3" <<<"$out"; then
    echo "FAIL: $1 (rc=$rc, want $2 and '$3')"; echo "$out" | head -5; fails=$((fails + 1))
  fi
}

# Defaults: training/data/synthetic.jsonl with 5000 lines.
check "default run" "$CLI" generate-data -q
[ "$(wc -l < training/data/synthetic.jsonl)" = 5000 ] || { echo "FAIL: default count"; fails=$((fails + 1)); }
# Same seed, same bytes; another seed, other bytes.
check "seed 7 a" "$CLI" generate-data -q -n 800 -s 7 -o a/x.jsonl
check "seed 7 b" "$CLI" generate-data -q --count 800 --seed 7 --output b/x.jsonl
check "seed 8" "$CLI" generate-data -q -n 800 -s 8 -o c/x.jsonl
cmp -s a/x.jsonl b/x.jsonl || { echo "FAIL: same seed gave different files"; fails=$((fails + 1)); }
cmp -s a/x.jsonl c/x.jsonl && { echo "FAIL: different seeds gave the same file"; fails=$((fails + 1)); }
# --split writes train/val/test beside the output, 80/10/10.
check "split" "$CLI" generate-data -q -n 1000 --split -o s/synthetic.jsonl
[ "$(cat s/train.jsonl | wc -l) $(cat s/val.jsonl | wc -l) $(cat s/test.jsonl | wc -l)" = "800 100 100" ] ||
  { echo "FAIL: split sizes"; fails=$((fails + 1)); }
[ -e s/synthetic.jsonl ] && { echo "FAIL: --split also wrote the unsplit file"; fails=$((fails + 1)); }
check "split by template" "$CLI" generate-data -q -n 2000 --split-by template -o tpl/synthetic.jsonl
check "data-stats on generated files" "$CLI" data-stats s/train.jsonl s/val.jsonl s/test.jsonl
# The printed distributions.
out=$("$CLI" generate-data -n 300 -o p/x.jsonl)
for want in "Tier distribution:" "Intent distribution:" "Domain distribution" "Distinct texts:" "Saved 300 samples to p/x.jsonl"; do
  grep -qF "$want" <<<"$out" || { echo "FAIL: output lacks '$want'"; fails=$((fails + 1)); }
done
# Usage errors exit 2 and name the flag.
expect_fail "bad count" 2 "--count: expected a non-negative integer, got 'abc'" "$CLI" generate-data -n abc
expect_fail "zero count" 2 "--count: 0 is out of range" "$CLI" generate-data -n 0
expect_fail "bad split mode" 2 "--split-by: expected random or template" "$CLI" generate-data --split-by x
expect_fail "unknown command" 2 "unknown command 'nope'" "$CLI" nope
expect_fail "missing templates" 1 "nope.tmpl: no such file or directory" "$CLI" generate-data --templates nope.tmpl
printf '@family x\ntier simple\n> {undefined}\n' > bad.tmpl
expect_fail "bad template" 1 "bad.tmpl:1: family 'x' has no 'intent'" "$CLI" generate-data --templates-only bad.tmpl
# data-stats: a bad line is FILE:LINE and exit 1; --skip-invalid counts it.
head -3 s/train.jsonl > broken.jsonl; echo '{"text": "x", "score": 2}' >> broken.jsonl
expect_fail "data-stats bad line" 1 "broken.jsonl:4: field \"score\": 2 is outside [0, 1]" "$CLI" data-stats broken.jsonl
expect_fail "data-stats skip" 1 "1 invalid lines skipped" "$CLI" data-stats --skip-invalid broken.jsonl
expect_fail "data-stats no file" 2 "no input file" "$CLI" data-stats
# Help and version.
check "help" "$CLI" help generate-data
check "--help" "$CLI" data-stats --help
"$CLI" --version | grep -q '^complexity [0-9]' || { echo "FAIL: --version"; fails=$((fails + 1)); }
echo "cli_generate: $fails failures"
[ "$fails" = 0 ]
