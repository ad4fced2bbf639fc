#!/bin/sh
# Installs the Debian packages listed in scripts/debian-packages.txt that are
# missing (with --tools, also those of debian-packages-tools.txt), and nothing
# else. Needs root or sudo; Debian's registry only.
set -eu
cd "$(dirname "$0")"
lists=debian-packages.txt
[ "${1:-}" = "--tools" ] && lists="$lists debian-packages-tools.txt"
# shellcheck disable=SC2086
pkgs=$(cat $lists | sed -e 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$')
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && { echo "setup: all packages present"; exit 0; }
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
