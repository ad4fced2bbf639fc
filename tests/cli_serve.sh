#!/bin/bash
# complexity serve over real HTTP (curl): every endpoint; the same results as
# the CLI; a PUT of the config validated, written atomically with Kuro's other
# sections kept, and applied; a hand edit of the file hot-reloaded; approvals
# inheriting the plan's tier (en, zh); errors (404, 405, 413, bad JSON, bad
# fields); metrics; concurrent requests; the settings page rendered by
# headless Chromium (screenshot kept in the test folder); a clean stop.
. "$(dirname "$0")/testlib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
cli_workdir cli_serve
command -v curl > /dev/null || { fail "curl is not installed (scripts/setup.sh installs it)"; cli_done cli_serve; exit; }
PY=/usr/bin/python3
ln -s "$SRC/models" models

# Fake OpenAI-compatible upstreams for the router (tests/fake_openai.py).
$PY "$SRC/tests/fake_openai.py" upstream.log > fake.out 2> fake.err &
FAKE=$!
for _ in $(seq 50); do [ -s fake.out ] && break; sleep 0.1; done
FP=$(head -1 fake.out)
[ -n "$FP" ] || fail "the fake upstream did not start: $(cat fake.err)"
trap 'kill $FAKE 2> /dev/null' EXIT
# router_section FAST_PREFIX FALLBACK TIMEOUT: the router section, last in the file
router_section() {
  cat <<EOF
router:
  model_name: kuro-router
  timeout_s: $3
  connect_timeout_s: 1
  fallback: $2
  upstreams:
    fast: {base_url: "http://127.0.0.1:$FP/$1/v1", api_key_env: CX_TEST_FAST_KEY, model: small-model}
    standard: {base_url: "http://127.0.0.1:$FP/standard/v1/", model: mid-model}
    frontier: {base_url: "http://127.0.0.1:$FP/frontier/v1", api_key_env: CX_TEST_FRONTIER_KEY}
EOF
}
set_router() { sed -i '/^router:/,$d' config.yaml; router_section "$@" >> config.yaml; }

# A Kuro config: other sections and comments the service must keep.
cat > config.yaml <<'EOF'
# Kuro settings
assistant:
  name: Kuro   # shown in the UI
  language: zh-TW

task_complexity:
  ml_model_enabled: true
  ml_estimation_mode: ml_only
  fast_model: fast/small
  frontier_model: frontier/large

# logging
logging:
  level: info
EOF
router_section fast true 2 >> config.yaml
cp config.yaml config.orig
export CX_TEST_FAST_KEY=fastkey CX_TEST_FRONTIER_KEY=frontierkey

"$CLI" serve --config config.yaml --port 0 --max-connections 32 --max-body 4096 --log-file serve.log \
  --request-log requests.jsonl > serve.out 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' serve.out)
[ -n "$PORT" ] || { fail "the service did not start: $(cat serve.out)"; kill $PID; cli_done cli_serve; exit; }
U=http://127.0.0.1:$PORT

# request METHOD PATH [BODY]: the body on stdout, the status in $code
request() {
  code=$(curl -s -o resp.json -w '%{http_code}' -X "$1" "$U$2" ${3:+-H 'Content-Type: application/json' --data-binary "$3"})
  cat resp.json
}
# json FILE EXPR: a Python expression over the JSON in FILE (as j)
json() { $PY -c "import json,sys; j=json.load(open('$1')); print($2)"; }

request GET /healthz > /dev/null
[ "$code" = 200 ] && [ "$(json resp.json "j['status'], j['ml_active']")" = "ok True" ] || fail "healthz: $code $(cat resp.json)"

# The same prompts through the service and the CLI give the same results.
prompts=("hi" "Write a Python function that merges two sorted lists" "幫我設計一個分散式快取系統，要考慮一致性和容錯"
         "帮我解这个方程 x^2 - 5x + 6 = 0")
for p in "${prompts[@]}"; do
  body=$($PY -c 'import json,sys; print(json.dumps({"text": sys.argv[1]}))' "$p")
  request POST /v1/estimate "$body" > est.json
  "$CLI" estimate --config config.yaml "$p" > cli.json 2> /dev/null
  same=$($PY - est.json cli.json <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for j in (a, b): j.pop("estimation_ms")
a.pop("heuristic_score"); a.pop("ml")
print(a == b)
EOF
)
  [ "$code" = 200 ] && [ "$same" = True ] || fail "estimate '$p': service and CLI differ: $(cat est.json) vs $(cat cli.json)"
  request POST /v1/classify "$body" > cls.json
  "$CLI" classify --model models/complexity_model_int8.onnx "$p" > cli.json 2> /dev/null
  [ "$code" = 200 ] && [ "$(json cls.json "j == json.load(open('cli.json'))")" = True ] ||
    fail "classify '$p': service and CLI differ: $(cat cls.json) vs $(cat cli.json)"
done
request POST /v1/classify '{"texts": ["hi", "写一个快速排序", "hello"]}' > batch.json
[ "$code" = 200 ] && [ "$(json batch.json "[p['intent'] for p in j['predictions']][0]")" = greeting ] &&
  [ "$(json batch.json "len(j['predictions'])")" = 3 ] || fail "classify batch: $(cat batch.json)"
request GET /v1/model > /dev/null
[ "$(json resp.json "j['active'], j['mode'], j['last_change']")" = "True ml_only ml_enabled" ] || fail "model: $(cat resp.json)"

# Errors: each a JSON error naming what is wrong, and the service stays up.
request GET /nope > /dev/null; [ "$code" = 404 ] || fail "unknown path gives $code"
request GET /v1/estimate > /dev/null; [ "$code" = 405 ] || fail "GET estimate gives $code"
request POST /v1/estimate '{"text": ' > /dev/null; [ "$code" = 400 ] || fail "bad JSON gives $code"
request POST /v1/estimate '{"text": 5}' > /dev/null
[ "$code" = 400 ] && [ "$(json resp.json "j['error']['field']")" = text ] || fail "text not a string: $code $(cat resp.json)"
request POST /v1/estimate "{\"text\": \"$(head -c 5000 /dev/zero | tr '\0' a)\"}" > /dev/null
[ "$code" = 413 ] || fail "a body over --max-body gives $code"
request POST /v1/route '{"messages": []}' > /dev/null
[ "$code" = 400 ] && [ "$(json resp.json "j['error']['field']")" = messages ] || fail "empty messages: $code"

# PUT /v1/config: an invalid value is refused naming its field; the file is untouched.
request PUT /v1/config '{"ambiguity_low": 1.5}' > /dev/null
[ "$code" = 400 ] && [ "$(json resp.json "j['error']['field']")" = ambiguity_low ] || fail "bad PUT: $code $(cat resp.json)"
grep -q "outside \[0, 1\]" resp.json || fail "bad PUT message: $(cat resp.json)"
request PUT /v1/config '{"tier_boundaries": {"simple": 0.1}}' > /dev/null
[ "$code" = 400 ] && grep -q "must increase" resp.json || fail "boundaries PUT: $code $(cat resp.json)"
request PUT /v1/config '{"turbo": true}' > /dev/null
[ "$code" = 400 ] && [ "$(json resp.json "j['error']['field']")" = turbo ] || fail "unknown key PUT: $code $(cat resp.json)"
cmp -s config.yaml config.orig || fail "a refused PUT changed config.yaml"
# A valid PUT: written (other sections byte for byte), applied at once.
request PUT /v1/config '{"fast_model": "fast/new", "tier_boundaries": {"trivial": 0.1}, "ml_estimation_mode": "hybrid"}' > put.json
[ "$code" = 200 ] && [ "$(json put.json "j['ml_change'], j['task_complexity']['fast_model']")" = "ml_unchanged fast/new" ] ||
  fail "PUT: $code $(cat put.json)"
head -6 config.orig | cmp -s - <(head -6 config.yaml) || fail "PUT changed the sections before task_complexity"
tail -3 config.orig | cmp -s - <(tail -3 config.yaml) || fail "PUT changed the sections after task_complexity"
grep -q '^  fast_model: "fast/new"$' config.yaml && grep -q '^    trivial: 0.1$' config.yaml || fail "PUT not in the file"
ls config.yaml.tmp* > /dev/null 2>&1 && fail "a temp file was left beside config.yaml"
request POST /v1/estimate '{"text": "hi"}' > /dev/null
[ "$(json resp.json "j['suggested_model'], j['estimation_method']")" = "fast/new hybrid_ml" ] || fail "PUT not applied: $(cat resp.json)"
request GET /v1/config > /dev/null
[ "$(json resp.json "j['task_complexity']['tier_boundaries']['trivial']")" = 0.1 ] || fail "GET after PUT: $(cat resp.json)"
# Turning the model off and on through the API: the seed's transitions.
request PUT /v1/config '{"ml_model_enabled": false}' > /dev/null
[ "$(json resp.json "j['ml_change']")" = ml_disabled ] || fail "disable: $(cat resp.json)"
request PUT /v1/config '{"ml_model_enabled": true, "ml_model_path": "models/none.onnx"}' > /dev/null
[ "$(json resp.json "j['ml_change'], j['ml_active']")" = "ml_model_not_found False" ] || fail "missing model: $(cat resp.json)"
request POST /v1/classify '{"text": "hi"}' > /dev/null; [ "$code" = 503 ] || fail "classify without a model gives $code"
request PUT /v1/config '{"ml_model_path": ""}' > /dev/null
[ "$(json resp.json "j['ml_change'], j['ml_active']")" = "ml_enabled True" ] || fail "re-enable: $(cat resp.json)"

# A hand edit of the file applies at the next request (hot reload).
sleep 1.1 # a new mtime, even on a coarse clock
sed 's/^  ml_model_enabled: true$/  ml_model_enabled: false/' config.yaml > edit.yaml && mv edit.yaml config.yaml
request POST /v1/estimate '{"text": "hi"}' > /dev/null
[ "$(json resp.json "j['estimation_method']")" = heuristic ] || fail "hand edit not reloaded: $(cat resp.json)"
request PUT /v1/config '{"ml_model_enabled": true, "ml_estimation_mode": "ml_only"}' > /dev/null
[ "$code" = 200 ] || fail "back to ml_only: $code"

# /v1/route: a bare go-ahead after a plan inherits the plan's tier.
plan_en='Design a sharded, replicated key-value store with linearizable reads, then plan the zero-downtime migration from our Postgres cluster, with a rollback strategy and a load-testing plan'
for approval in "ok do it" "Yes, go ahead!" "sounds good, thanks"; do
  body=$($PY -c 'import json,sys; print(json.dumps({"model": "router", "messages": [
    {"role": "system", "content": "You are Kuro."}, {"role": "user", "content": sys.argv[1]},
    {"role": "assistant", "content": "Here is the plan: 1. ... 2. ... Shall I start?"},
    {"role": "user", "content": sys.argv[2]}]}))' "$plan_en" "$approval")
  request POST /v1/route "$body" > route.json
  [ "$code" = 200 ] && [ "$(json route.json "j['approval']['inherited'], j['tier'] == j['approval']['plan_tier'], j['approval']['own_tier']")" = "True True trivial" ] ||
    fail "route '$approval': $(cat route.json)"
done
json route.json "j['tier'] in ('complex', 'expert')" | grep -q True || fail "the plan is hard: $(cat route.json)"
body=$($PY -c 'import json; print(json.dumps({"messages": [
  {"role": "user", "content": "幫我規劃把整個後端從單體架構遷移到微服務，包括資料庫拆分、零停機部署和回滾方案"},
  {"role": "assistant", "content": "計畫如下……要開始嗎？"}, {"role": "user", "content": [{"type": "text", "text": "好 就這樣做"}]}]}))')
request POST /v1/route "$body" > route.json
[ "$(json route.json "j['approval']['inherited'], j['approval']['own_tier']")" = "True trivial" ] || fail "route zh: $(cat route.json)"
# ... not when switched off per request, and not for a real new question.
body=$($PY -c 'import json; print(json.dumps({"inherit_approval": False, "messages": [
  {"role": "user", "content": "幫我規劃把整個後端從單體架構遷移到微服務"}, {"role": "assistant", "content": "好的"},
  {"role": "user", "content": "好 就這樣做"}]}))')
request POST /v1/route "$body" > route.json
[ "$(json route.json "j['tier'], 'approval' in j")" = "trivial False" ] || fail "inherit_approval false: $(cat route.json)"
body=$($PY -c 'import json; print(json.dumps({"messages": [{"role": "user", "content": "Plan a migration to microservices"},
  {"role": "assistant", "content": "Plan: ..."}, {"role": "user", "content": "ok, and what is the capital of France?"}]}))')
request POST /v1/route "$body" > route.json
[ "$(json route.json "'approval' in j")" = False ] || fail "a new question is not an approval: $(cat route.json)"
[ "$(json route.json "j['route'], j['suggested_model']")" = "fast fast/new" ] || fail "route fields: $(cat route.json)"
# The request log: a line per decision with the text estimated, what `label` reads.
grep -q '"endpoint":"route","text":"ok do it","tier":"[a-z]*","score":[0-9.]*,"inherited":true' requests.jsonl ||
  fail "request log: no inherited 'ok do it' line: $(head -2 requests.jsonl)"
grep -q '"text":"好 就這樣做"' requests.jsonl || fail "request log: the zh approval (content parts)"
printf 'quit\n' | "$CLI" label --in requests.jsonl --out labelled.jsonl > label.out 2> label.err ||
  fail "label on the request log: $(cat label.err)"
grep -q "distinct prompts in requests.jsonl" label.err || fail "label on the request log: $(cat label.err)"
mv requests.jsonl requests.1.jsonl
reloads=$(grep -c config_reloaded serve.log)
kill -HUP $PID
for _ in $(seq 50); do [ "$(grep -c config_reloaded serve.log)" -gt "$reloads" ] && break; sleep 0.1; done
request POST /v1/estimate '{"text": "after the rotation"}' > /dev/null
grep -q '"endpoint":"estimate","text":"after the rotation"' requests.jsonl 2>/dev/null ||
  fail "SIGHUP should reopen the request log"
json route.json "[d['name'] for d in j['why']['dimensions']]" | grep -q context_dependency || fail "why: $(cat route.json)"

# Explanations: the words that moved the model's score, how much it read.
request POST /v1/estimate '{"text": "Design a distributed rate limiter in Go with Redis and analyze its failure modes", "explain": true}' > x.json
[ "$(json x.json "[(e['tokens_seen'] == e['tokens_total'] > 10, e['truncated'], 2 <= e['predictions'] <= 25, len(e['words'])) for e in [j['explanation']]][0]")" = "(True, False, True, 8)" ] ||
  fail "explanation: $(cat x.json)"
long=$($PY -c 'import json; print(json.dumps({"text": "explain the code please. " * 200, "explain": True}))')
request POST /v1/estimate "$long" > /dev/null
[ "$code" = 413 ] || fail "a 5 kB body over --max-body: $code"
long=$($PY -c 'import json; print(json.dumps({"messages": [{"role": "user", "content": "why " * 600}], "explain": True}))')
curl -s -o x.json -X POST "$U/v1/route" --data-binary "$long" -H 'Content-Type: application/json' > /dev/null 2>&1
[ "$(json x.json "[(e['tokens_seen'] < e['tokens_total'], e['truncated'], e['predictions']) for e in [j['why']['explanation']]][0]")" = "(True, True, 25)" ] ||
  fail "explanation of a long message: $(head -c 400 x.json)"

# Concurrent requests: all answered.
pids=()
for i in $(seq 16); do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$U/v1/estimate" --data-binary "{\"text\": \"request number $i: explain recursion\"}" >> codes.txt &
  pids+=($!)
done
wait "${pids[@]}"
[ "$(grep -c '^200$' codes.txt)" = 16 ] || fail "16 concurrent requests: $(sort codes.txt | uniq -c | tr '\n' ' ')"

# Metrics: Prometheus text with what happened above.
request GET /metrics > metrics.txt
grep -q '^complexity_requests_total{endpoint="/v1/config",code="400"} 3$' metrics.txt || fail "metrics: config 400s"
grep -q '^complexity_requests_total{endpoint="/v1/estimate",code="413"} 2$' metrics.txt || fail "metrics: 413"
grep -q '^complexity_request_duration_seconds_count{endpoint="/v1/route"} ' metrics.txt || fail "metrics: latency"
grep -q '^complexity_model_loaded 1$' metrics.txt || fail "metrics: model loaded"
grep -Eq '^complexity_route_inherited_total [4-9]$' metrics.txt || fail "metrics: inherited routes"
grep -Eq '^complexity_config_reloads_total [0-9]+$' metrics.txt || fail "metrics: reloads"

# The settings page, as a browser shows it: the config filled in, the model's state.
CHROMIUM=${CX_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  fail "$CHROMIUM not installed (scripts/setup.sh installs chromium): the settings page check cannot run"
else
  CH=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/chrome" --virtual-time-budget=5000)
  timeout 60 "$CHROMIUM" "${CH[@]}" --dump-dom "$U/" > page.html 2> chrome.log || fail "chromium --dump-dom: $(tail -2 chrome.log)"
  grep -q '>model loaded · ml_only</span>' page.html || fail "page: model status not shown"
  grep -q 'Saved to config.yaml' page.html || fail "page: config path not shown"
  grep -q 'title="trivial: 0 – 0.1"' page.html ||
    fail "page: the tier bar does not show the boundaries from the config"
  timeout 60 "$CHROMIUM" "${CH[@]}" --window-size=1100,1500 --screenshot="$T/settings.png" "$U/" > /dev/null 2>&1 ||
    fail "chromium screenshot"
  [ -s settings.png ] || fail "no screenshot"
fi

# The forwarding router: POST /v1/chat/completions to the tier's upstream.
# chat BODY: the reply body in chat.json, headers in chat.hdr, status in $code
chat() {
  code=$(curl -s -D chat.hdr -o chat.json -w '%{http_code}' -X POST "$U/v1/chat/completions" \
         -H 'Content-Type: application/json' --data-binary "$1")
}
hdr() { sed -n "s/^$1: \(.*\)\r$/\1/Ip" chat.hdr; }
easy='{"model": "kuro-router", "messages": [{"role": "user", "content": "hi there"}], "inherit_approval": true}'
hard=$($PY -c 'import json,sys; print(json.dumps({"model": "kuro-router", "messages": [{"role": "user", "content": sys.argv[1]}]}))' "$plan_en")
chat "$easy"
[ "$code" = 200 ] && [ "$(json chat.json "j['choices'][0]['message']['content']")" = "fast model=small-model auth=Bearer fastkey" ] ||
  fail "router, easy prompt: $code $(cat chat.json)"
[ "$(hdr X-Complexity-Route) $(hdr X-Complexity-Model) $(hdr X-Complexity-Attempts)" = "fast small-model fast:200" ] ||
  fail "router headers: $(tr -d '\r' < chat.hdr | tr '\n' ' ')"
case "$(hdr X-Complexity-Tier)" in trivial|simple) ;; *) fail "router tier header: $(hdr X-Complexity-Tier)";; esac
tail -1 upstream.log | grep -q 'inherit_approval' && fail "our own field was forwarded: $(tail -1 upstream.log)"
chat "$hard"
[ "$code" = 200 ] && [ "$(json chat.json "j['choices'][0]['message']['content']")" = "frontier model=frontier/large auth=Bearer frontierkey" ] ||
  fail "router, hard prompt: $code $(cat chat.json)"
[ "$(hdr X-Complexity-Route)" = frontier ] || fail "router route header for a hard prompt: $(hdr X-Complexity-Route)"
# a go-ahead after a plan goes where the plan would
body=$($PY -c 'import json,sys; print(json.dumps({"model": "auto", "messages": [{"role": "user", "content": sys.argv[1]},
  {"role": "assistant", "content": "Plan: ... Shall I start?"}, {"role": "user", "content": "ok do it"}]}))' "$plan_en")
chat "$body"
[ "$code $(hdr X-Complexity-Route) $(hdr X-Complexity-Inherited)" = "200 frontier true" ] || fail "router, approval: $code $(cat chat.hdr)"
# streaming: SSE passed through chunk by chunk as the upstream sends it
stream=$($PY -c 'import json,sys; b=json.loads(sys.argv[1]); b["stream"]=True; print(json.dumps(b))' "$hard")
$PY - "$U" "$stream" > stream.txt 2>&1 <<'PYEOF'
import sys, time, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/chat/completions", data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json"})
t0 = time.time()
with urllib.request.urlopen(req) as r:
    print("type", r.headers["Content-Type"], "route", r.headers["X-Complexity-Route"])
    for line in r:
        if line.startswith(b"data: "):
            print("at %.2f %s" % (time.time() - t0, line.decode().strip()[:60]))
PYEOF
grep -q '^type text/event-stream route frontier$' stream.txt || fail "stream headers: $(cat stream.txt)"
[ "$(grep -c '^at ' stream.txt)" = 4 ] && grep -q 'data: \[DONE\]' stream.txt || fail "stream chunks: $(cat stream.txt)"
first=$(grep -m1 '^at ' stream.txt | cut -d' ' -f2); last=$(grep '^at ' stream.txt | tail -1 | cut -d' ' -f2)
# sent 0.4 s apart over 1.2 s: passed through as they come, they arrive spread out too; held back, all at once
$PY -c "import sys; sys.exit(not (${last:-0} - ${first:-9} > 0.8))" ||
  fail "the stream was not passed through as it came (first chunk at $first s, last at $last s)"
# fallback: a broken, a busy, a down and a slow fast tier -> the standard tier answers
for broken in broken:500 busy:429 down:502 slow:504 nonjson:502; do
  set_router "${broken%%:*}" true 1
  [ "${broken%%:*}" = down ] && sed -i "s|http://127.0.0.1:$FP/down/v1|http://127.0.0.1:9/v1|" config.yaml
  chat "$easy"
  [ "$code" = 200 ] && [ "$(hdr X-Complexity-Route) $(hdr X-Complexity-Attempts)" = "standard fast:${broken#*:} standard:200" ] ||
    fail "fallback from a ${broken%%:*} fast tier: $code $(hdr X-Complexity-Attempts) $(cat chat.json)"
done
[ "$(json chat.json "j['choices'][0]['message']['content']")" = "standard model=mid-model auth=None" ] ||
  fail "the standard tier got: $(cat chat.json)"
# no fallback: the upstream's own error comes back as it was
set_router broken false 2
chat "$easy"
[ "$code $(hdr X-Complexity-Attempts)" = "500 fast:500" ] && grep -q "upstream exploded" chat.json ||
  fail "no fallback: $code $(cat chat.json)"
# a request the upstream refuses (400) is not retried elsewhere
set_router badreq true 2
chat "$easy"
[ "$code $(hdr X-Complexity-Attempts)" = "400 fast:400" ] || fail "upstream 400: $code $(hdr X-Complexity-Attempts)"
# a model this service does not route; a router section with an error
chat '{"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}'
[ "$code" = 200 ] && fail "an unrouted model was forwarded"
[ "$(json chat.json "j['error']['field']")" = model ] || fail "unrouted model: $code $(cat chat.json)"
set_router fast true 2
sed -i 's/  timeout_s: 2/  timeout_s: never/' config.yaml
chat "$easy"
[ "$code" = 500 ] && grep -q 'router.timeout_s: expected seconds' chat.json || fail "bad router section: $code $(cat chat.json)"
set_router fast true 2
# PUT /v1/router: merged, checked by the section's reader, written in block style, used at once.
cp config.yaml before_router.yaml
request PUT /v1/router '{"upstreams": {"frontier": {"base_url": "ftp://nope"}}}' > /dev/null
[ "$code" = 400 ] && [ "$(json resp.json "j['error']['field']")" = upstreams.frontier.base_url ] || fail "bad URL PUT: $code $(cat resp.json)"
request PUT /v1/router '{"upstreams": {"standard": {"api_key_env": "sk-live-123"}}}' > /dev/null
[ "$code" = 400 ] && grep -q "not an environment variable's name" resp.json || fail "a key instead of a variable: $code $(cat resp.json)"
cmp -s config.yaml before_router.yaml || fail "a refused router PUT changed config.yaml"
request PUT /v1/router '{"upstreams": {"standard": {"model": "mid-2"}, "fast": {"base_url": ""}}, "fallback": true}' > /dev/null
[ "$code" = 200 ] && [ "$(json resp.json "j['upstreams']['standard']['model'], j['upstreams']['fast']['base_url']")" = "mid-2 " ] ||
  fail "router PUT: $code $(cat resp.json)"
grep -q '^    standard: {base_url: "http://127.0.0.1:'"$FP"'/standard/v1/", api_key_env: "", model: "mid-2"}$' config.yaml ||
  fail "router section not written: $(sed -n '/^router:/,$p' config.yaml)"
sed -n '/^router:/q;p' config.yaml | cmp -s - <(sed -n '/^router:/q;p' before_router.yaml) || fail "a router PUT changed other sections"
chat "$easy" # no fast upstream now: the next tier up
[ "$code $(hdr X-Complexity-Route) $(hdr X-Complexity-Model)" = "200 standard mid-2" ] || fail "after the router PUT: $code $(cat chat.hdr)"
set_router fast true 2

# llm_refinement: the heuristic alone and unsure -> the LLM's rating, blended.
echo "  refinement: {base_url: \"http://127.0.0.1:$FP/rater/v1\"}" >> config.yaml
request PUT /v1/config '{"ml_model_enabled": false, "llm_refinement": true, "refinement_model": "rater-model", "ambiguity_low": 0}' > /dev/null
request POST /v1/estimate '{"text": "hi"}' > /dev/null
[ "$code $(json resp.json "j['estimation_method'], abs(j['score'] - round(0.6 * 6 / 9 + 0.4 * j['heuristic_score'], 4)) < 2e-4")" = "200 hybrid True" ] ||
  fail "llm_refinement: $code $(cat resp.json)"
tail -1 upstream.log | grep -q '"path": "/rater/v1/chat/completions", "model": "rater-model"' || fail "the rater was not asked: $(tail -1 upstream.log)"
set_router fast true 2 # no refinement endpoint left: the standard upstream answers no rating
request POST /v1/estimate '{"text": "hi"}' > /dev/null
[ "$(json resp.json "j['estimation_method']")" = heuristic ] && grep -q 'event=llm_refinement_failed model=rater-model' serve.log ||
  fail "a failed rating: $(cat resp.json)"
request PUT /v1/config '{"ml_model_enabled": true, "refinement_model": "", "ambiguity_low": 0.35}' > /dev/null
[ "$code" = 200 ] || fail "back from llm_refinement: $code $(cat resp.json)"

# Bodies that are not UTF-8 are refused, and the service stays up.
printf '{"text": "caf\xe9 \xff"}' > bad_utf8.json
code=$(curl -s -o resp.json -w '%{http_code}' -X POST "$U/v1/estimate" --data-binary @bad_utf8.json)
[ "$code" = 400 ] && grep -q "not valid UTF-8 (byte 13)" resp.json || fail "non-UTF-8 body: $code $(cat resp.json)"

# Faults: the model file replaced by garbage while serving, then SIGHUP: the
# heuristic takes over, the reason is logged and shown, the service stays up.
cp "$SRC/models/complexity_model_int8.onnx" own_model.onnx
request PUT /v1/config "{\"ml_model_path\": \"$T/own_model.onnx\", \"ml_tokenizer_path\": \"$SRC/models/complexity_tokenizer\"}" > /dev/null
[ "$(json resp.json "j['ml_change'], j['ml_active']")" = "ml_reloaded True" ] || fail "own model: $(cat resp.json)"
head -c 100000 /dev/urandom > garbage && mv garbage own_model.onnx
kill -HUP $PID
for _ in $(seq 50); do grep -q 'event=config_reloaded.*ml=ml_load_failed' serve.log && break; sleep 0.1; done
grep -q 'event=ml_classifier_load_failed' serve.log || fail "no load_failed line after the model became garbage"
request POST /v1/estimate '{"text": "hi"}' > /dev/null
[ "$code $(json resp.json "j['estimation_method']")" = "200 heuristic" ] || fail "garbage model: $code $(cat resp.json)"
request GET /v1/model > /dev/null
[ "$(json resp.json "j['active'], j['last_change'], j['last_error'] != ''")" = "False ml_load_failed True" ] ||
  fail "model state after garbage: $(cat resp.json)"
rm own_model.onnx
request PUT /v1/config '{"ml_model_path": "", "ml_tokenizer_path": ""}' > /dev/null
[ "$(json resp.json "j['ml_change'], j['ml_active']")" = "ml_enabled True" ] || fail "back to the shipped model: $(cat resp.json)"

# A token: PUT /v1/config and the router need it; reading does not.
CX_TEST_TOKEN=s3cret "$CLI" serve --config config.yaml --port 0 --token-env CX_TEST_TOKEN > serve2.out 2>&1 &
PID2=$!
for _ in $(seq 100); do grep -q 'listening on' serve2.out && break; sleep 0.1; done
U2=http://127.0.0.1:$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' serve2.out)
put2() { curl -s -o resp.json -w '%{http_code}' -X PUT "$U2/v1/config" --data-binary '{"max_subtasks": 6}' "$@"; }
[ "$(put2)" = 401 ] && grep -q 'Authorization: Bearer' resp.json || fail "PUT without the token: $(cat resp.json)"
[ "$(put2 -H 'Authorization: Bearer wrong')" = 401 ] || fail "PUT with a wrong token"
[ "$(put2 -H 'Authorization: Bearer s3cret')" = 200 ] || fail "PUT with the token: $(cat resp.json)"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U2/v1/chat/completions" --data-binary "$easy")" = 401 ] ||
  fail "router without the token"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U2/v1/config")" = 200 ] || fail "GET config needs no token"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$U2/v1/router" --data-binary '{"fallback": false}')" = 401 ] ||
  fail "router PUT without the token"
kill -TERM $PID2; wait $PID2 || fail "second service exit status"
expect "token variable unset" 2 "--token-env: the variable CX_NOPE is not set" "$CLI" serve --token-env CX_NOPE

# A clean stop on SIGTERM.
kill -TERM $PID
for _ in $(seq 50); do kill -0 $PID 2> /dev/null || break; sleep 0.1; done
kill -0 $PID 2> /dev/null && { fail "still running after SIGTERM"; kill -9 $PID; }
wait $PID; rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
grep -q 'event=serve_stopping signal=SIGTERM' serve.log || fail "no stop line in the log"
grep -q 'event=config_updated' serve.log || fail "no config_updated line in the log"
cli_done cli_serve
