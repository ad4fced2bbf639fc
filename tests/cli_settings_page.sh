#!/bin/bash
# The settings page in Debian's chromium driven by playwright-core (npm, a test
# tool installed by scripts/setup.sh into tests/browser/node_modules):
# tests/browser/settings_page.js against a running `complexity serve`.
# Screenshots (desktop, phone) stay in the test folder to be looked at.
. "$(dirname "$0")/testlib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
cli_workdir cli_settings_page
PW=$SRC/tests/browser/node_modules/playwright-core
if [ ! -d "$PW" ] || ! command -v node > /dev/null; then
  fail "playwright-core or node is missing: scripts/setup.sh installs nodejs, npm and tests/browser's packages"
  cli_done cli_settings_page
  exit
fi
ln -s "$SRC/models" models
printf '# Kuro\nassistant:\n  name: Kuro\ntask_complexity:\n  ml_model_enabled: true\n  ml_estimation_mode: ml_only\n' > config.yaml
"$CLI" serve --config config.yaml --port 0 --log-file serve.log > serve.out 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
U=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*/\).*|\1|p' serve.out)
[ -n "$U" ] || fail "the service did not start: $(cat serve.out)"
if [ -n "$U" ]; then
  NODE_PATH=$SRC/tests/browser/node_modules timeout 120 node "$SRC/tests/browser/settings_page.js" "$U" "$T/config.yaml" "$T" \
    > browser.log 2>&1 || fail "browser checks: $(grep -m1 FAIL browser.log || tail -3 browser.log)"
  cat browser.log
  [ -s settings_desktop.png ] && [ -s settings_phone.png ] || fail "screenshots missing"
fi
kill -TERM $PID; wait $PID || fail "service exit status"
cli_done cli_settings_page
