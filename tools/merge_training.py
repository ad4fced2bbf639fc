#!/usr/bin/env python3
"""Builds the default model's training and validation files.

usage: merge_training.py --generated GEN.jsonl --out-train T.jsonl --out-val V.jsonl
                         [--out-val-real R.jsonl] [--realistic FILE ...] [--copies K] [--val-every N]
                         [--seed S] [--perturb-generated P] [--max-real N]

- Hand-written realistic prompts (data/realistic/*.jsonl): every N-th record
  (default 10) goes to validation (best_model selection), the rest to training
  once as written plus K-1 perturbed copies (tools/perturb.py: lower case, polite
  prefix, trailing thanks, typos, other punctuation width), so that these few
  thousand prompts weigh against the generated ones and the model learns that
  such changes do not change the labels.
  --out-val-real also writes those validation records alone: the n-gram
  part's mixing weights are chosen on them (tools/train_ngram.py), as real
  traffic looks like them rather than like the generated prompts.
- Generated prompts: the last 5% go to validation, the rest to training, a
  share of them (--perturb-generated, default 0.3) with one perturbation.
Both outputs are shuffled with a fixed seed; "lang" is dropped from training
records (the trainer does not read it). The data/dev/ set never enters here,
and a record whose text equals a dev prompt's (--exclude, default
data/dev/*.jsonl) is dropped: the generator's templates can write a short
greeting ("好喔", "收到") that a dev prompt also is.
"""
import argparse
import glob
import json
import os
import random

from labels import load_jsonl as load
from perturb import PERTURBATIONS

KEYS = ("text", "score", "tier", "domains", "intent")


def write(path, recs):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps({k: r[k] for k in KEYS}, ensure_ascii=False) + "\n")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", required=True)
    ap.add_argument("--realistic", nargs="*", default=[])
    ap.add_argument("--out-train", required=True)
    ap.add_argument("--out-val", required=True)
    ap.add_argument("--out-val-real")
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--val-every", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--perturb-generated", type=float, default=0.3)
    ap.add_argument("--max-real", type=int, default=0, help="use only the first N records of each file (0: all)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--exclude", nargs="*", default=sorted(glob.glob(os.path.join(root, "data/dev/*.jsonl"))),
                    help="drop records whose text equals one of these files' texts (default: data/dev/*.jsonl)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    train, val = [], []
    gen = load(a.generated)
    n_gen_val = len(gen) // 20
    for r in gen[:len(gen) - n_gen_val]:
        if rng.random() < a.perturb_generated:
            name, fn = PERTURBATIONS[rng.randrange(len(PERTURBATIONS))]
            r = dict(r, text=fn(r["text"], rng))
        train.append(r)
    val += gen[len(gen) - n_gen_val:]
    n_real = 0
    val_real = []
    for path in a.realistic:
        recs = load(path)
        for i, r in enumerate(recs[:a.max_real] if a.max_real else recs):
            if i % a.val_every == a.val_every - 1:
                val.append(r)
                val_real.append(r)
                continue
            n_real += 1
            train.append(r)
            for k in range(a.copies - 1):
                name, fn = PERTURBATIONS[rng.randrange(len(PERTURBATIONS))]
                train.append(dict(r, text=fn(r["text"], rng)))
    rng.shuffle(train)
    rng.shuffle(val)
    # Filtered last, so that every other record is the same as without the exclusion.
    held_out = {r["text"].strip() for path in a.exclude for r in load(path)}
    n_before = len(train) + len(val)
    train = [r for r in train if r["text"].strip() not in held_out]
    val = [r for r in val if r["text"].strip() not in held_out]
    val_real = [r for r in val_real if r["text"].strip() not in held_out]
    write(a.out_train, train)
    write(a.out_val, val)
    if a.out_val_real:
        write(a.out_val_real, val_real)
    print(f"train {len(train)} ({len(gen) - n_gen_val} generated, {n_real} realistic x{a.copies}), val {len(val)}; "
          f"{n_before - len(train) - len(val)} dropped as equal to a held-out text")


if __name__ == "__main__":
    main()
