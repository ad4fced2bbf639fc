#!/usr/bin/env python3
"""How often the model's tier survives the perturbations of tools/perturb.py
(lower case, polite prefix, trailing thanks, typos, other punctuation width),
measured through `complexity classify` on every record of a file.

usage: perturb_check.py --model MODEL --data FILE.jsonl [--bin build/complexity] [--seed S] [--min PCT]
Prints the share of unchanged tiers per perturbation and overall; with --min,
exits 1 when the overall share is below PCT.
"""
import argparse
import json
import random
import subprocess
import sys

from perturb import PERTURBATIONS


def classify(binary, model, texts):
    inp = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run([binary, "classify", "--model", model, "--jsonl"], input=inp, capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(line)["tier"] for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--bin", default="build/complexity")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min", type=float)
    a = ap.parse_args()
    with open(a.data, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    base = classify(a.bin, a.model, texts)
    rng = random.Random(a.seed)
    same = total = 0
    for name, fn in PERTURBATIONS:
        changed = [fn(t, rng) for t in texts]
        idx = [i for i, (t, c) in enumerate(zip(texts, changed)) if t != c]
        tiers = classify(a.bin, a.model, [changed[i] for i in idx])
        s = sum(base[i] == t for i, t in zip(idx, tiers))
        same, total = same + s, total + len(idx)
        print(f"{name:8s} {s}/{len(idx)} tier unchanged ({100 * s / max(1, len(idx)):.1f}%)")
    pct = 100 * same / max(1, total)
    print(f"all      {same}/{total} tier unchanged ({pct:.1f}%)")
    if a.min is not None and pct < a.min:
        sys.exit(f"perturb_check: {pct:.1f}% < {a.min}%")


if __name__ == "__main__":
    main()
