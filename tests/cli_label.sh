#!/bin/bash
# complexity label: the plain (scripted) mode, and the screen driven through a
# real pty (tmux: send-keys, capture-pane): accept, change tier / intent /
# domains, the rules on '?', skip, undo, quit, a label outside LABELING.md
# refused, a killed terminal losing nothing, resume.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
MODEL=$SRC/models/complexity_model_int8.onnx
cli_workdir cli_label
command -v tmux >/dev/null || { fail "tmux is missing (scripts/debian-packages.txt installs it)"; cli_done cli_label; exit; }

cat > log.txt <<'EOF'
hello there
{"text": "design a chat backend for 20M daily users across 3 regions, end-to-end encrypted"}
{"model": "router", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "why does my flask app return 500 only when the form has an emoji"}]}
hello there

把這句翻成英文：我們下週再約
{"prompt": "what's 12 x 7"}
EOF
L=("$CLI" label --in log.txt --model "$MODEL")

# ---- Plain mode: one JSON line per prompt out, one decision per line in.
printf 'accept\ntier=complex score=0.95\ntier=complex score=0.7 intent=planning domains=code,system lang=en\nskip\nundo\nquit\n' \
  | "${L[@]}" --out p.jsonl --order input > p.out 2> p.err || fail "plain run: $(tail -2 p.err)"
# hello, design, design again after the refusal, flask (skipped), the next one, flask again after the undo
[ "$(wc -l < p.out)" = 6 ] || fail "plain: expected 6 prompts shown, got $(wc -l < p.out)"
grep -q '"count": 2, .*"text": "hello there"' p.out || fail "plain: repeats should be merged with their count"
[ "$(grep -c '"text": "why does my flask app return 500' p.out)" = 2 ] || fail "plain: the chat request's user message, shown twice"
grep -q "refused: score: 0.95 is outside complex's range 0.62-0.82" p.err || fail "plain: out-of-range score not refused"
grep -q "undone: this prompt again" p.err || fail "plain: undo"
[ "$(wc -l < p.jsonl)" = 2 ] || fail "plain: expected 2 labels, got $(wc -l < p.jsonl)"
sed -n 2p p.jsonl | grep -q '"score": 0.7, "tier": "complex", "domains": \["code", "system"\], "intent": "planning", "lang": "en"' \
  || fail "plain: the edited label: $(sed -n 2p p.jsonl)"
[ -s p.jsonl.skipped ] && fail "plain: the undone skip is still in the .skipped file"
"$CLI" data-stats p.jsonl > /dev/null || fail "plain: the labelled file does not load as training data"
# Resume: the two labelled prompts are not shown again; --limit stops.
printf 'tier=simple\naccept\n' | "${L[@]}" --out p.jsonl --order input --limit 1 > p2.out 2> p2.err
grep -q "2 already labelled or skipped" p2.err || fail "resume: $(head -1 p2.err)"
[ "$(wc -l < p2.out)" = 1 ] || fail "--limit 1 showed $(wc -l < p2.out) prompts"
grep -q '"text": "why does my flask app return 500 only when the form has an emoji".*"tier": "simple"' p.jsonl \
  || fail "resume: the third prompt (the chat request's user message) should be labelled simple"
# --lang keeps the languages asked for; the default order puts the least sure first.
printf 'quit\n' | "${L[@]}" --out q.jsonl --lang zh > q.out 2>/dev/null
grep -q '"lang": "zh"' q.out && ! grep -q '"lang": "en"' q.out || fail "--lang zh: $(cut -c1-80 q.out)"
printf '' | "${L[@]}" --out r.jsonl > r.out 2>/dev/null
awk -F'"margin": ' '{split($2, a, ","); print a[1]}' r.out | sort -c -g 2>/dev/null || fail "--order uncertain: margins not ascending"
# Bad decisions are explained and asked again.
printf 'tier=hard\ndomains=cooking\naccept\n' | "${L[@]}" --out s.jsonl --limit 1 > /dev/null 2> s.err
grep -q "stdin:1: 'tier=hard'" s.err && grep -q "stdin:2: 'domains=cooking'" s.err || fail "bad decisions: $(cat s.err)"
[ "$(wc -l < s.jsonl)" = 1 ] || fail "bad decisions: the accept after them should label"

# ---- Errors name the problem.
printf 'ok\n{"text": 3}\n' > bad.txt
expect "bad JSON line" 1 "bad.txt:2: no prompt" "$CLI" label --in bad.txt --out x.jsonl --model "$MODEL"
printf 'ok\n\xff\xfe\n' > badutf.txt
expect "invalid UTF-8" 1 "badutf.txt:2: invalid UTF-8 at byte 0" "$CLI" label --in badutf.txt --out x.jsonl --model "$MODEL"
expect "same file" 2 "--in and --out are the same file" "$CLI" label --in log.txt --out log.txt
expect "no out" 2 "--in and --out are required" "$CLI" label --in log.txt
expect "bad lang" 2 "'fr' is not one of en, zh, mixed, other" "$CLI" label --in log.txt --out x.jsonl --lang en,fr
echo '{"text": "x", "score": 0.9, "tier": "trivial", "domains": [], "intent": "greeting"}' > foreign.jsonl
expect "resume a file that breaks LABELING.md" 1 "foreign.jsonl:1: score: 0.9 is outside trivial's range" \
  "$CLI" label --in log.txt --out foreign.jsonl --model "$MODEL"

# ---- The screen, through a real pty.
# A tmux server of our own (its own socket), kept alive by a session that
# outlives the ones under test: a server whose last session was killed exits,
# and a new-session racing that exit fails with "server exited unexpectedly".
S=cxlabel$$
SOCK=/tmp/$S.tmux   # short: a unix socket's path is limited to 107 bytes
tm() { tmux -S "$SOCK" "$@"; }
tm new-session -d -s keeper "sleep 600" || fail "tmux: cannot start a server"
trap 'tm kill-server 2>/dev/null; rm -f "$SOCK"' EXIT
screen() { tm capture-pane -p -t "$S"; }
wait_for() {  # TEXT: until the screen shows it (10 s)
  for _ in $(seq 1 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
  fail "screen never showed '$1'"; screen | head -30; return 1
}
lines_of() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
wait_lines() {  # FILE N: until FILE has N lines (10 s)
  for _ in $(seq 1 100); do [ "$(lines_of "$1")" = "$2" ] && return 0; sleep 0.1; done
  fail "$1 has $(lines_of "$1") lines, want $2"; return 1
}
tm kill-session -t "$S" 2>/dev/null
tm new-session -d -s "$S" -x 120 -y 40 "cd '$T' && '$CLI' label --in log.txt --out t.jsonl --model '$MODEL' --order input; echo EXITED \$?; sleep 30"
wait_for "complexity label · 0 labelled · 5 left"
wait_for "hello there"
wait_for "model: trivial"
screen | grep -q "2 times in the log" || fail "screen: the repeat count"
tm send-keys -t "$S" Enter                     # accept the guess for "hello there"
wait_lines t.jsonl 1
wait_for "end-to-end encrypted"
tm send-keys -t "$S" 4 i 6 d 0 1 4 Enter       # complex, planning, domains code+system
wait_for "label: complex 0.72 · intent planning · domains code,system"
tm send-keys -t "$S" + +                       # the score up 0.02
wait_for "label: complex 0.74"
tm send-keys -t "$S" ?                         # LABELING.md's rule for the tier
wait_for "Tier and score: the work a good answer needs"
tm send-keys -t "$S" x i ?                     # back; the intent menu's rules
wait_for "Intent: one label, the first rule that applies wins"
tm send-keys -t "$S" x Escape Enter            # back, leave the menu, accept
wait_lines t.jsonl 2
sed -n 2p t.jsonl | grep -q '"score": 0.74, "tier": "complex", "domains": \["code", "system"\], "intent": "planning"' \
  || fail "screen: the edited label: $(sed -n 2p t.jsonl)"
wait_for "why does my flask app"
tm send-keys -t "$S" s                         # skip
wait_for "把這句翻成英文"
tm send-keys -t "$S" u                         # undo the skip
wait_for "undone: this prompt again"
screen | grep -q "why does my flask app" || fail "screen: undo should show the skipped prompt again"
tm send-keys -t "$S" 3 Enter                   # moderate
wait_lines t.jsonl 3
wait_for "把這句翻成英文"
tm send-keys -t "$S" q
wait_for "EXITED 0"
tm kill-session -t "$S"
[ -s t.jsonl.skipped ] && fail "screen: the undone skip stayed in the .skipped file"

# A killed terminal (SIGHUP) after one more label: nothing lost, and resume
# starts at the next prompt.
tm new-session -d -s "$S" -x 100 -y 30 "cd '$T' && '$CLI' label --in log.txt --out t.jsonl --model '$MODEL' --order input"
wait_for "3 labelled · 2 left"
tm send-keys -t "$S" 2 Enter
wait_lines t.jsonl 4
wait_for "4 labelled · 1 left"
tm kill-session -t "$S"
"$CLI" data-stats t.jsonl > /dev/null || fail "after the kill the labelled file is not valid"
printf 'quit\n' | "$CLI" label --in log.txt --out t.jsonl --model "$MODEL" --order input > t.out 2>&1
grep -q "4 already labelled or skipped in t.jsonl; 1 to go" t.out || fail "resume after the kill: $(head -1 t.out)"
grep -q "what's 12 x 7" t.out || fail "resume after the kill should show the last prompt"

cli_done cli_label
