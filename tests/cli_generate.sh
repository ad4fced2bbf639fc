#!/bin/bash
# generate-data and data-stats through the CLI: flags, files, exit codes, messages.
. "$(dirname "$0")/testlib.sh"
cli_workdir cli_generate
check() { # check DESCRIPTION COMMAND...: the command must succeed
  if ! "${@:2}" >/dev/null 2>"$T/err"; then fail "$1"; cat "$T/err"; fi
}

# Defaults: training/data/synthetic.jsonl with 5000 lines.
check "default run" "$CLI" generate-data -q
[ "$(wc -l < training/data/synthetic.jsonl)" = 5000 ] || fail "default count"
# Same seed, same bytes; another seed, other bytes.
check "seed 7 a" "$CLI" generate-data -q -n 800 -s 7 -o a/x.jsonl
check "seed 7 b" "$CLI" generate-data -q --count 800 --seed 7 --output b/x.jsonl
check "seed 8" "$CLI" generate-data -q -n 800 -s 8 -o c/x.jsonl
cmp -s a/x.jsonl b/x.jsonl || fail "same seed gave different files"
cmp -s a/x.jsonl c/x.jsonl && fail "different seeds gave the same file"
# --split writes train/val/test beside the output, 80/10/10.
check "split" "$CLI" generate-data -q -n 1000 --split -o s/synthetic.jsonl
[ "$(cat s/train.jsonl | wc -l) $(cat s/val.jsonl | wc -l) $(cat s/test.jsonl | wc -l)" = "800 100 100" ] ||
  fail "split sizes"
[ -e s/synthetic.jsonl ] && fail "--split also wrote the unsplit file"
check "split by template" "$CLI" generate-data -q -n 2000 --split-by template -o tpl/synthetic.jsonl
check "data-stats on generated files" "$CLI" data-stats s/train.jsonl s/val.jsonl s/test.jsonl
# The printed distributions.
out=$("$CLI" generate-data -n 300 -o p/x.jsonl)
for want in "Tier distribution:" "Intent distribution:" "Domain distribution" "Distinct texts:" "Saved 300 samples to p/x.jsonl"; do
  grep -qF "$want" <<<"$out" || fail "output lacks '$want'"
done
# Usage errors exit 2 and name the flag.
expect "bad count" 2 "--count: expected a non-negative integer, got 'abc'" "$CLI" generate-data -n abc
expect "zero count" 2 "--count: 0 is out of range" "$CLI" generate-data -n 0
expect "bad split mode" 2 "--split-by: expected random or template" "$CLI" generate-data --split-by x
expect "unknown command" 2 "unknown command 'nope'" "$CLI" nope
expect "missing templates" 1 "nope.tmpl: no such file or directory" "$CLI" generate-data --templates nope.tmpl
printf '@family x\ntier simple\n> {undefined}\n' > bad.tmpl
expect "bad template" 1 "bad.tmpl:1: family 'x' has no 'intent'" "$CLI" generate-data --templates-only bad.tmpl
# data-stats: a bad line is FILE:LINE and exit 1; --skip-invalid counts it.
head -3 s/train.jsonl > broken.jsonl; echo '{"text": "x", "score": 2}' >> broken.jsonl
expect "data-stats bad line" 1 "broken.jsonl:4: field \"score\": 2 is outside [0, 1]" "$CLI" data-stats broken.jsonl
expect "data-stats skip" 1 "1 invalid lines skipped" "$CLI" data-stats --skip-invalid broken.jsonl
expect "data-stats no file" 2 "no input file" "$CLI" data-stats
# Help and version.
check "help" "$CLI" help generate-data
check "--help" "$CLI" data-stats --help
"$CLI" --version | grep -q '^complexity [0-9]' || fail "--version"
cli_done cli_generate
