#!/bin/sh
# Regenerates src/text/bert_unicode_overrides.h from the Rust library (see run_parity.sh).
# usage: tools/tokenizer_parity/gen_overrides.sh CLI
exec "$(dirname "$0")/run_parity.sh" "$1" --regen-overrides
