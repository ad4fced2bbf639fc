#!/bin/bash
# Regenerates tests/data/onnx: the micro model and our export of it (written
# by test_onnx itself), then ONNX Runtime's outputs on a padded batch
# (expected.json). Run after changing the exporter, then review the diff.
# usage: tools/onnx_check/make_fixture.sh [BUILD_DIR]   (default build)
# env: ORT_DIR as in run.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
ORT_DIR=${ORT_DIR:-/tmp/cx_onnxruntime_node}
OUT=$ROOT/tests/data/onnx
if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ORT_DIR"
  (cd "$ORT_DIR" && npm init -y > /dev/null && npm install --ignore-scripts onnxruntime-node > npm.log 2>&1)
fi
mkdir -p "$OUT"
CX_SOURCE_DIR=$ROOT CX_SHARED_DIR=${CX_SHARED_DIR:-/work/shared} CX_TMPDIR=$(mktemp -d) \
  CX_ONNX_FIXTURE_DIR=$OUT "$BUILD/test_onnx"
node "$HERE/fixture.js" "$ORT_DIR/node_modules/onnxruntime-node" "$OUT"
/usr/bin/python3 "$HERE/check_onnx.py" "$OUT/micro_fp32.onnx" "$OUT/micro_int8.onnx"
echo "wrote $OUT"
