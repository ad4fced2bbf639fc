#!/bin/bash
# The settings page in Debian's chromium driven by playwright-core (npm, a
# test tool: `scripts/setup.sh --tools` installs it into tools/browser/
# node_modules at the version package-lock.json pins): tools/browser/
# settings_page.js against a `complexity serve` of BUILD_DIR. Prints one "ok"
# line per check; screenshots (desktop, phone) go to OUT_DIR to be looked at.
# Not part of ctest: npm's registry is not reachable from every machine that
# runs the tests (tests/cli_serve.sh checks the page in headless chromium
# without npm); docs/SERVE.md records the last run.
#
# usage: tools/check_settings_page.sh BUILD_DIR [OUT_DIR]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: check_settings_page.sh BUILD_DIR [OUT_DIR]}" && pwd)
OUT=$(mkdir -p "${2:-$BUILD/settings-page}" && cd "${2:-$BUILD/settings-page}" && pwd)
PW=$ROOT/tools/browser/node_modules/playwright-core
if [ ! -d "$PW" ] || ! command -v node > /dev/null; then
  echo "playwright-core or node is missing: scripts/setup.sh --tools installs nodejs, npm and tools/browser's packages"
  exit 2
fi
W=$(mktemp -d)
trap 'kill $PID 2> /dev/null; rm -rf "$W"' EXIT
cd "$W" || exit 2
ln -s "$ROOT/models" models
printf '# Kuro\nassistant:\n  name: Kuro\ntask_complexity:\n  ml_model_enabled: true\n  ml_estimation_mode: ml_only\n' > config.yaml
"$BUILD/complexity" serve --config config.yaml --port 0 --log-file serve.log > serve.out 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
U=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*/\).*|\1|p' serve.out)
[ -n "$U" ] || { echo "the service did not start: $(cat serve.out)"; exit 1; }
echo "$(date -u +%FT%TZ), commit $(git -C "$ROOT" rev-parse --short HEAD), $(/usr/bin/chromium --version 2>/dev/null),"\
     "playwright-core $(node -p "require('$PW/package.json').version")"
NODE_PATH=$ROOT/tools/browser/node_modules timeout 120 node "$ROOT/tools/browser/settings_page.js" "$U" "$W/config.yaml" "$OUT"
rc=$?
kill -TERM $PID
wait $PID
[ $rc = 0 ] && echo "screenshots: $OUT/settings_desktop.png, $OUT/settings_phone.png"
exit $rc
