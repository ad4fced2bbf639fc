#!/bin/bash
# estimate through the CLI: arguments, stdin lines, JSONL, config errors with key
# and line, usage errors, a missing model, and hot reload in a running process.
. "$(dirname "$0")/testlib.sh"
cli_workdir cli_estimate

# Arguments: one JSON line each, the seed's fields and rounding.
out=$("$CLI" estimate "Debug this Python code, it will crash when processing large datasets" "你好") || fail "two texts"
[ "$(wc -l <<<"$out")" = 2 ] || fail "two texts gave $(wc -l <<<"$out") lines"
grep -qF '{"score": 0.14, "tier": "trivial", "suggested_model": null, "needs_decomposition": false, "estimation_method": "heuristic", "estimation_ms": ' <<<"$out" || fail "fields of the first result: $out"
grep -qF '{"name": "domain_count", "score": 0.667, "weight": 0.13, "detail": "2 domains: code, data"}' <<<"$out" || fail "domain dimension"
# --precise and --prior-messages.
out=$("$CLI" estimate --precise --prior-messages 30 "hi") || fail "precise"
grep -qF '"name": "context_dependency", "score": 0.5,' <<<"$out" || fail "prior messages: $out"
grep -qF '"heuristic_score": ' <<<"$out" || fail "precise adds heuristic_score"
# stdin lines (blank lines skipped) and JSONL.
out=$(printf 'hello\n\nanalyze and compare\n' | "$CLI" estimate) || fail "stdin"
[ "$(wc -l <<<"$out")" = 2 ] || fail "stdin lines"
out=$(printf '{"text": "The earlier file mentioned above"}\n{"text": "hi", "prior_user_messages": 60}\n' |
      "$CLI" estimate --jsonl) || fail "jsonl"
[ "$(grep -c '"name": "context_dependency", "score": 1.0,' <<<"$out")" = 2 ] || fail "jsonl context: $out"
out=$(printf '{"text": 5}\n{"text": "ok"}\n' | "$CLI" estimate --jsonl 2>err.txt); rc=$?
[ "$rc" = 1 ] || fail "bad JSONL line exits 1 (got $rc)"
grep -qF 'stdin:1: expected a JSON object with a "text" string' err.txt || fail "bad JSONL message"
[ "$(wc -l <<<"$out")" = 1 ] || fail "the good JSONL line is still scored"
# Config: routing from the file; errors name file, line and key.
printf 'task_complexity:\n  fast_model: fast/x\n  frontier_model: big/y\n' > c.yaml
"$CLI" estimate --config c.yaml "hi" | grep -qF '"suggested_model": "fast/x"' || fail "fast_model routing"
printf 'task_complexity:\n  fast_model: a\n  ml_estimation_mode: turbo\n' > bad.yaml
expect "unknown mode" 1 "bad.yaml:3: task_complexity.ml_estimation_mode: unknown mode 'turbo'" \
  "$CLI" estimate --config bad.yaml hi
printf 'task_complexity:\n  dimension_weights:\n    ambiguity: -1\n' > bad2.yaml
expect "negative weight" 1 "bad2.yaml:3: task_complexity.dimension_weights.ambiguity: -1 is outside" \
  "$CLI" estimate --config bad2.yaml hi
expect "missing config" 1 "nope.yaml" "$CLI" estimate --config nope.yaml hi
# ML enabled, model missing: heuristic, and the seed's log line.
printf 'task_complexity:\n  ml_model_enabled: true\n  ml_model_path: %s/none.onnx\n' "$T" > ml.yaml
out=$("$CLI" estimate --config ml.yaml --log-file log.txt hi) || fail "missing model run"
grep -qF '"estimation_method": "heuristic"' <<<"$out" || fail "missing model -> heuristic"
grep -qF "level=warning event=ml_classifier_model_not_found path=$T/none.onnx" log.txt || fail "model_not_found log line"
# Usage errors exit 2.
expect "unknown option" 2 "unknown option" "$CLI" estimate --frobnicate
expect "bad prior" 2 "--prior-messages" "$CLI" estimate --prior-messages -3 hi
expect "bad level" 2 "unknown level 'loud'" "$CLI" estimate --log-level loud hi
expect "jsonl with texts" 2 "--jsonl reads stdin" "$CLI" estimate --jsonl hi
"$CLI" estimate --help | grep -qF -- "--prior-messages" || fail "--help"
printf 'hello\nanalyze this\n' | "$CLI" estimate --bench 3 2>&1 >/dev/null | grep -qF "2 messages" || fail "--bench"
expect "bench without input" 1 "no messages on stdin" "$CLI" estimate --bench 2
# Hot reload in a running process: the config changes between two stdin lines.
printf 'task_complexity:\n  fast_model: first/model\n' > live.yaml
coproc EST { "$CLI" estimate --config live.yaml --log-level info --log-file live.log; }
echo "hello" >&"${EST[1]}"
read -r -t 10 line1 <&"${EST[0]}"
printf 'task_complexity:\n  fast_model: second/model\n' > live.tmp && mv live.tmp live.yaml
echo "hello" >&"${EST[1]}"
read -r -t 10 line2 <&"${EST[0]}"
printf 'task_complexity:\n  fast_model: [broken\n' > live.tmp && mv live.tmp live.yaml
echo "hello" >&"${EST[1]}"
read -r -t 10 line3 <&"${EST[0]}"
exec {EST[1]}>&-
wait "$EST_PID"
grep -qF '"suggested_model": "first/model"' <<<"${line1:-}" || fail "before reload: ${line1:-}"
grep -qF '"suggested_model": "second/model"' <<<"${line2:-}" || fail "after reload: ${line2:-}"
grep -qF '"suggested_model": "second/model"' <<<"${line3:-}" || fail "a broken file keeps the config: ${line3:-}"
grep -qF 'event=config_reloaded' live.log || fail "config_reloaded logged"
grep -qF 'event=config_reload_failed' live.log || fail "config_reload_failed logged"

# End to end with the native classifier: a tiny model trained for one epoch.
SRC=${CX_SOURCE_DIR:?}
head -300 "$SRC/tests/data/reference/train.jsonl" > train.jsonl
if "$CLI" train --data train.jsonl --base none --arch tiny --vocab "$SRC/tests/data/vocab_small" --batch-size 16 \
     --lr 1e-3 --freeze-layers 1 --threads 2 --epochs 1 -o model > train.log 2>&1; then
  printf 'task_complexity:\n  ml_model_enabled: true\n  ml_model_path: model\n  ml_estimation_mode: ml_only\n' > m.yaml
  out=$("$CLI" estimate --config m.yaml --precise --log-level info --log-file m.log "design a multi-region database")
  grep -qF '"estimation_method": "ml"' <<<"$out" || fail "ml_only with a model: $out"
  grep -qF '"ml_intent": ' <<<"$out" || fail "ml_intent reported"
  grep -qF 'event=ml_classifier_loaded model=model size_mb=' m.log || fail "ml_classifier_loaded logged"
  ours=$(sed 's/^{"score": \([0-9.e-]*\),.*/\1/' <<<"$out")
  theirs=$("$CLI" classify --model model "design a multi-region database" | sed 's/^{"score":\([0-9.e-]*\),.*/\1/')
  awk -v a="$ours" -v b="$theirs" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' ||
    fail "ml_only score $ours differs from classify's $theirs"
  printf 'task_complexity:\n  ml_model_enabled: true\n  ml_model_path: model\n  ml_estimation_mode: hybrid\n' > h.yaml
  "$CLI" estimate --config h.yaml hi | grep -qF '"estimation_method": "hybrid_ml"' || fail "hybrid with a model"
  printf 'task_complexity:\n  ml_model_path: model\n' > d.yaml
  "$CLI" estimate --config d.yaml hi | grep -qF '"estimation_method": "ml"' || fail "the default mode is ml_only, on"
else
  fail "could not train the tiny model for the ML checks (see below; not an estimator failure)"; tail -5 train.log
fi

cli_done cli_estimate
