#!/bin/bash
# Bench (issue 5): one epoch / five epochs of the reference train.jsonl at the
# distilbert-base-multilingual-cased shape with the seed's settings (batch 32,
# freeze 4, max-length 256, validation on val.jsonl every epoch), 2 threads,
# in one run:
#   (a) the seed's train.py in plain PyTorch (bench/seed_train.py), padded to
#       256: a few steps timed and extrapolated
#   (b) the same with dynamic padding; (b') its trainable part only
#   (c) ours: `complexity train --base DIR`, 1 epoch, then EPOCHS epochs
#   (c') ours with --precision fp32, 1 epoch
# Both sides start from the same random HF-layout checkpoint (N(0, 0.02)) and
# the same token ids (`complexity tokenize`). Prints a markdown table.
# Usage: bench/train_bench.sh [BUILD_DIR] [SEED_STEPS] [EPOCHS]
#   EPOCHS=0 skips the multi-epoch run of ours (the table then extrapolates
#   it from the 1-epoch run: setup + N x the measured epoch, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
STEPS=${2:-3}
EPOCHS=${3:-5}
DYN_STEPS=${CX_BENCH_DYN_STEPS:-12}
SHARED=${CX_SHARED_DIR:-../shared}
TRAIN=$SHARED/reference-data/train.jsonl
VAL=$SHARED/reference-data/val.jsonl
VOCAB=$SHARED/vocab/mbert-cased
PY=/usr/bin/python3
CX=$BUILD/complexity
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT


# Prefixes each line with the seconds since the script's start.
T0=$EPOCHREALTIME
stamp() { while IFS= read -r l; do printf '%.1f %s\n' "$(bc <<< "$EPOCHREALTIME - $T0")" "$l"; done; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ)"
echo "load before: $(uptime)"
"$CX" tokenize --tokenizer "$VOCAB" --jsonl --max-length 256 < "$TRAIN" > "$OUT/train.ids"
"$CX" tokenize --tokenizer "$VOCAB" --jsonl --max-length 256 < "$VAL" > "$OUT/val.ids"
$PY bench/seed_train.py --write-base "$OUT/base" --vocab "$VOCAB"

seed() {
    $PY bench/seed_train.py --data "$TRAIN" --ids "$OUT/train.ids" --val-data "$VAL" \
        --val-ids "$OUT/val.ids" --weights "$OUT/base/model.safetensors" --threads 2 "$@"
}
echo "== (a) PyTorch seed, padded to 256"
seed --steps "$STEPS" --val-steps 2 | tee "$OUT/a.log"
echo "== (b) PyTorch seed, dynamic padding"
seed --steps "$DYN_STEPS" --val-steps 8 --dynamic-padding | tee "$OUT/b.log"
echo "== (b') PyTorch seed, dynamic padding, trainable part only (frozen layers untimed)"
seed --steps "$DYN_STEPS" --val-steps 0 --dynamic-padding --frozen-cached | tee "$OUT/b2.log"

ours() { # ours EPOCHS NAME [extra train options]
    local epochs=$1 name=$2
    shift 2
    echo "== (c) ours, $epochs epoch(s) $*; load: $(uptime | sed 's/.*load/load/')"
    local s=$EPOCHREALTIME
    /usr/bin/time -v -o "$OUT/$name.time" "$CX" train --base "$OUT/base" --data "$TRAIN" --val "$VAL" \
        -o "$OUT/$name" --epochs "$epochs" --batch-size 32 --freeze-layers 4 --max-length 256 --threads 2 \
        "$@" 2> "$OUT/$name.err" | T0=$s stamp | tee "$OUT/$name.log"
    grep -E "Elapsed|Maximum resident" "$OUT/$name.time"
}
ours 1 c1
ours 1 c1f --precision fp32
[ "$EPOCHS" -gt 1 ] && ours "$EPOCHS" c5
echo "load after: $(uptime)"

$PY - "$OUT" "$EPOCHS" "$(awk '{n += NF} END {print n}' "$OUT/train.ids")" <<'EOF'
import json, re, sys
out, epochs, train_tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def result(name):
    return json.loads([l for l in open('%s/%s.log' % (out, name)) if l.startswith('RESULT ')][0][7:])
def timev(name):
    t = open('%s/%s.time' % (out, name)).read()
    w = re.search(r'Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)', t).groups()
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', t).group(1))
    return (int(w[0] or 0) * 3600 + int(w[1]) * 60 + float(w[2])), rss / 1024
def metrics(name):
    return [json.loads(l) for l in open('%s/%s/metrics.jsonl' % (out, name))]
def epoch_walls(name):
    """Seconds of each epoch from the stamped log: training + validation + saving."""
    lines = open('%s/%s.log' % (out, name)).read().splitlines()
    cache = [float(l.split()[0]) for l in lines if re.match(r'[\d.]+ cached frozen', l)]
    marks = cache[-1:] + [float(l.split()[0]) for l in lines if re.match(r'[\d.]+ epoch \d+/\d+:', l)]
    return [b - a for a, b in zip(marks, marks[1:])]
a, b, b2 = result('a'), result('b'), result('b2')
w1, rss1 = timev('c1')
m1 = metrics('c1')
w1f, rss1f = timev('c1f')
m1f, walls1f = metrics('c1f'), epoch_walls('c1f')
if epochs > 1:
    w5, rss5 = timev('c5')
    m5, walls = metrics('c5'), epoch_walls('c5')
    how5 = 'measured'
else:
    epochs = 5
    m5, walls = m1, epoch_walls('c1')
    w5, rss5 = w1 + 4 * walls[0], rss1
    how5 = 'extrapolated: 1-epoch wall + 4 x its epoch wall (training + validation + saving)'
print('epoch walls of ours (training + validation + saving): %s s' % ', '.join('%.1f' % w for w in walls))
ours_train_s = [m['seconds'] for m in m5]
ours_tok = train_tokens / (sum(ours_train_s) / len(ours_train_s))
seed_1, seed_5 = a['epoch_s'], a['epoch_s'] * epochs
print()
print('| run | epoch 1 (s) | %d epochs (s) | peak RSS (MB) |' % epochs)
print('|---|---|---|---|')
print('| (a) PyTorch seed, pad 256 (%.2f s/step x %d steps + validation, extrapolated) | %.0f | %.0f | %.0f |'
      % (a['sec_per_step'], a['steps_per_epoch'], seed_1, seed_5, a['peak_rss_mb']))
print('| (b) PyTorch seed, dynamic padding (%.2f s/step avg, extrapolated) | %.0f | %.0f | %.0f |'
      % (b['sec_per_step'], b['epoch_s'], b['epoch_s'] * epochs, b['peak_rss_mb']))
print('| (c) ours, wall incl. load + cache + validation + saving | %.1f | %.1f (%s) | %.0f / %.0f |'
      % (w1, w5, how5, rss1, rss5))
print('| (c\') ours with --precision fp32 (1 epoch measured, %d extrapolated) | %.1f | %.1f | %.0f |'
      % (epochs, w1f, w1f + (epochs - 1) * walls1f[0], rss1f))
print()
print('epoch training seconds of ours (metrics.jsonl): %s; fp32: %.1f' % (', '.join('%.1f' % s for s in ours_train_s), m1f[0]['seconds']))
print('validation of epoch 1: ours bf16 MAE %.4f tier %.2f%%, ours fp32 MAE %.4f tier %.2f%%'
      % (m1[0]['val_score_mae'], 100 * m1[0]['val_tier_accuracy'], m1f[0]['val_score_mae'], 100 * m1f[0]['val_tier_accuracy']))
print('first-epoch speed-up vs (a): %.1fx (target >= 20x); fp32: %.1fx' % (seed_1 / w1, seed_1 / w1f))
print('%d-epoch speed-up vs (a): %.1fx (target >= 40x; ours %.1f min, target < 15 min)'
      % (epochs, seed_5 / w5, w5 / 60))
print('trainable-part tokens/s: ours %.0f, PyTorch dynamic (b\') %.0f -> %.2fx (target >= 2x)'
      % (ours_tok, b2['real_tokens_per_s'], ours_tok / b2['real_tokens_per_s']))
print('whole-step tokens/s: PyTorch dynamic (b) %.0f, PyTorch pad 256 (a) %.0f (real tokens)'
      % (b['real_tokens_per_s'], a['real_tokens_per_s']))
EOF
