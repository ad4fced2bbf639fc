#!/bin/bash
# evaluate through the CLI: the heuristic on the reference test set reproduces
# SPEC §7's figures, --compare with a tiny model prints every predictor, --json
# and --report write what they promise, usage and data errors. The HTML report
# is checked structurally (tests/report_check.py, when /usr/bin/python3 exists;
# tests/test_report.c checks it without Python) and, when Chromium is
# installed, rendered headless: screenshot and DOM.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
REF=$SRC/tests/data/reference
cli_workdir cli_evaluate
PY=/usr/bin/python3  # in scripts/debian-packages.txt: required, not optional
[ -x "$PY" ] || { fail "$PY not found"; PY=false; }

# The heuristic alone on the whole reference test set: SPEC §7 says MAE 0.372, tier 15.7%.
"$CLI" evaluate --data "$REF/test.jsonl" --compare --json heur.json > heur.log 2>&1 || { fail "heuristic run"; cat heur.log; }
grep -qF "Heuristic Estimator Evaluation Results" heur.log || fail "heuristic title"
grep -qF "Score MAE:         0.3720" heur.log || fail "heuristic MAE is not 0.3720: $(grep MAE heur.log)"
grep -qF "Tier Accuracy:     15.73%" heur.log || fail "heuristic tier accuracy is not 15.73%: $(grep 'Tier Acc' heur.log)"
grep -qF "Intent Accuracy:   n/a" heur.log || fail "the heuristic has no intent"
grep -qE "^  heuristic  zh +626 " heur.log || fail "per-language row for zh"
grep -qE '"intent_accuracy":[[:space:]]*null' heur.json || fail "heuristic intent_accuracy should be null"
grep -qE '"model":[[:space:]]*null' heur.json || fail "no model -> null"

# Tier boundaries from --config change the heuristic's tiers.
printf 'task_complexity:\n  tier_boundaries:\n    trivial: 0.05\n    simple: 0.1\n    moderate: 0.15\n    complex: 0.2\n' > low.yaml
"$CLI" evaluate --data "$REF/test.jsonl" --compare --config low.yaml > low.log 2>&1 || fail "--config run"
grep -qF "Tier Accuracy:     15.73%" low.log && fail "--config tier boundaries had no effect"
printf 'task_complexity:\n  tier_boundaries:\n    trivial: 0.5\n    simple: 0.4\n' > bad.yaml
expect "bad config" 1 "bad.yaml:3: task_complexity.tier_boundaries: boundaries must increase" "$CLI" evaluate --data "$REF/test.jsonl" --compare --config bad.yaml

# Usage and data errors.
expect "no data" 2 "--data is required" "$CLI" evaluate --compare
expect "nothing to evaluate" 2 "give --model or --onnx (or --compare" "$CLI" evaluate --data "$REF/test.jsonl"
expect "model and onnx" 2 "not both" "$CLI" evaluate --data x --model a --onnx b
expect "unknown option" 2 "unknown option" "$CLI" evaluate --frobnicate
expect "stray argument" 2 "unexpected argument 'extra'" "$CLI" evaluate --data x --compare extra
expect "bad threads" 2 "--threads" "$CLI" evaluate --data x --compare --threads 0
expect "missing data" 1 "nope.jsonl" "$CLI" evaluate --data nope.jsonl --compare
{ head -2 "$REF/test.jsonl"; echo '{"text": "x"}'; } > broken.jsonl
expect "bad data line" 1 "broken.jsonl:3:" "$CLI" evaluate --data broken.jsonl --compare
expect "missing model" 1 "nomodel" "$CLI" evaluate --data "$REF/test.jsonl" --model nomodel
"$CLI" evaluate --help | grep -qF -- "--report FILE" || fail "--help"

# A tiny model, one epoch: every predictor side by side.
head -400 "$REF/train.jsonl" > train.jsonl
head -300 "$REF/test.jsonl" > test.jsonl
"$CLI" train --data train.jsonl --base none --arch tiny --vocab "$SRC/tests/data/vocab_small" --freeze-layers 1 \
  --lr 1e-3 --epochs 1 --batch-size 32 --threads 2 -o model > train.log 2>&1 || { fail "train"; cat train.log; }
"$CLI" evaluate --model model --data test.jsonl --compare --json out/eval.json --report out/report.html > cmp.log 2>&1 ||
  { fail "evaluate --compare"; cat cmp.log; }
grep -qF "Model Evaluation Results" cmp.log || fail "model report title"
grep -qF "Tier Confusion Matrix" cmp.log || fail "confusion matrix"
for p in heuristic ml ml_only hybrid ml_refine; do
  grep -qE "^  $p +[0-9]+ " cmp.log || fail "comparison row for $p"
done
grep -qE "ml_refine used the model for [0-9]+ of 300 samples" cmp.log || fail "ml_refine usage line"
grep -qF "intent greeting" cmp.log || fail "per-class intents"
grep -qE "^  Route accuracy: +[0-9.]+%" cmp.log && grep -qE "^  Frontier to fast: +[0-9.]+%" cmp.log || fail "routing lines"
for k in samples avg_inference_ms score_mae score_max_error tier_accuracy tier_within_one route_accuracy frontier_to_fast intent_accuracy \
         domain_precision domain_recall domain_f1 tier_confusion intent_confusion per_language per_class \
         worst_errors predictors ml_only hybrid ml_refine; do
  grep -qF "\"$k\"" out/eval.json || fail "eval.json lacks $k"
done
[ -s out/report.html ] || fail "no report.html"
[ "$(ls -A out | wc -l)" = 2 ] || fail "temp files left beside the outputs: $(ls -A out)"
# The seed's report is unchanged without --compare: the model alone.
"$CLI" evaluate --model model --data test.jsonl --json alone.json > alone.log 2>&1 || fail "evaluate without --compare"
grep -qE "^  heuristic " alone.log && fail "without --compare the heuristic is not evaluated"
grep -qE '"predictor":[[:space:]]*"ml"' alone.json || fail "alone.json predictor"
# --int8: the same model on the INT8 engine; its tier accuracy stays within
# one point of fp32 (a 1-epoch model has prompts near a tier boundary).
"$CLI" evaluate --model model --data test.jsonl --int8 > int8.log 2>&1 || { fail "evaluate --int8"; cat int8.log; }
fp32_tier=$(sed -n 's/^  Tier Accuracy: *\([0-9.]*\)%.*/\1/p' alone.log)
int8_tier=$(sed -n 's/^  Tier Accuracy: *\([0-9.]*\)%.*/\1/p' int8.log)
awk -v a="$fp32_tier" -v b="$int8_tier" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d <= 1 && d >= -1) }' ||
  fail "INT8 tier accuracy $int8_tier% vs fp32 $fp32_tier%"

if true; then
  "$PY" "$SRC/tests/report_check.py" out/report.html heuristic,ml,ml_only,hybrid,ml_refine || fail "report structure"
  sed 's|</table>|</tabel>|' out/report.html > broken.html
  "$PY" "$SRC/tests/report_check.py" broken.html heuristic,ml,ml_only,hybrid,ml_refine > /dev/null &&
    fail "report_check accepted a broken page"
  # Numbers in the JSON agree with the printed report.
  mae=$("$PY" -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["score_mae"])' out/eval.json)
  grep -qF "Score MAE:         $mae" cmp.log || fail "JSON score_mae $mae not in the report"
fi

# Chromium is one of the packages scripts/setup.sh installs: without it the
# render check fails, it is not skipped.
CHROMIUM=${CX_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  fail "$CHROMIUM not installed (scripts/setup.sh installs chromium): the headless render check cannot run"
else
  flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
         --disable-component-update --disable-sync --user-data-dir="$T/chrome-profile")
  timeout 120 "$CHROMIUM" "${flags[@]}" --screenshot="$T/shot.png" --window-size=1200,2000 \
    "file://$T/out/report.html" > chrome.log 2>&1 || fail "chromium screenshot: $(tail -2 chrome.log)"
  size=$(stat -c %s shot.png 2>/dev/null || echo 0)
  [ "$size" -gt 40000 ] || fail "screenshot too small ($size bytes): the page did not render"
  [ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "screenshot is not a PNG"
  if [ -n "$PY" ]; then
    # A rendered page has many colours; a blank or error page has few.
    "$PY" - shot.png <<'EOF' || fail "screenshot looks blank"
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
w, h = struct.unpack(">II", data[16:24])
idat = b"".join(data[i + 8:i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                for i in range(8, len(data)) if data[i + 4:i + 8] == b"IDAT")
raw = zlib.decompress(idat)
sys.exit(0 if w == 1200 and h == 2000 and len(set(raw[::97])) > 40 else 1)
EOF
  fi
  timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$T/out/report.html" > dom.html 2> chrome2.log ||
    fail "chromium --dump-dom"
  for id in summary confusion scatter languages routing calibration classes worst; do
    grep -qF "<section id=\"$id\">" dom.html || fail "rendered DOM lacks #$id"
  done
  [ "$(grep -o '<table class="cm">' dom.html | wc -l)" = 5 ] || fail "rendered DOM lacks the 5 heat maps"
  [ "$(grep -o '<svg [^>]*class="scatter"' dom.html | wc -l)" = 5 ] || fail "rendered DOM lacks the 5 scatter plots"
  [ "$(grep -o '<polyline ' dom.html | wc -l)" = 5 ] || fail "rendered DOM lacks the 5 cost/quality curves"
fi

cli_done cli_evaluate
