# Shared by the CLI tests (tests/cli_*.sh, run by ctest): source it first.
#   cli_workdir NAME      a fresh scratch folder $CX_TMPDIR/NAME, made current; sets T
#   fail MESSAGE...       records a failure
#   expect DESC CODE TEXT COMMAND...
#                         COMMAND (stdin from /dev/null) must exit with CODE and print TEXT
#   cli_done NAME         prints the count of failures; its status is the test's result
set -u
CLI=${CX_CLI:?run through ctest}
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect() {
  local out rc
  out=$("${@:4}" 2>&1 </dev/null); rc=$?
  if [ "$rc" != "$2" ] || ! grep -qF -- "$3" <<<"$out"; then
    fail "$1 (rc=$rc, want $2 and '$3')"
    head -5 <<<"$out"
  fi
}

cli_workdir() {
  T=${CX_TMPDIR:?run through ctest}/$1
  rm -rf "$T" && mkdir -p "$T" && cd "$T" || exit 1
}

cli_done() {
  echo "$1: $fails failures"
  [ "$fails" = 0 ]
}
