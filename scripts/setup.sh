#!/bin/sh
# Installs the Debian packages listed in scripts/debian-packages.txt that are
# missing (with --tools, also those of debian-packages-tools.txt and the npm
# tool tools/check_settings_page.sh drives chromium with: tools/browser's
# playwright-core, at the version its package-lock.json pins). Needs root or
# sudo for the packages.
set -eu
cd "$(dirname "$0")"
lists=debian-packages.txt
[ "${1:-}" = "--tools" ] && lists="$lists debian-packages-tools.txt"
# shellcheck disable=SC2086
pkgs=$(cat $lists | sed -e 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$')
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
  # a Node.js from elsewhere (NodeSource's package bundles npm) serves as well
  # as Debian's, and Debian's npm would fight it
  case $p in nodejs | npm) command -v "${p%js}" > /dev/null && continue ;; esac
  missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "setup: all packages present"
else
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi
if [ "${1:-}" = "--tools" ] && [ ! -d ../tools/browser/node_modules/playwright-core ]; then
  echo "setup: npm ci in tools/browser (playwright-core, a test tool)"
  (cd ../tools/browser && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "setup: npm could not fetch playwright-core; tools/check_settings_page.sh will not run"
fi
