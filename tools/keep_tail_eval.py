#!/usr/bin/python3
"""How the classifier's cut of long texts changes its answers on a labelled
file (docs/SERVE.md, "Long inputs: head and tail"): for each --keep-tail
setting, tier / within-one / intent accuracy on the texts longer than the
model's length, and tier accuracy on all of them.

usage: tools/keep_tail_eval.py [--cli build/complexity] [--model M] [--data data/dev/dev.jsonl] [--length 128]
"""
import argparse
import json
import subprocess

TIERS = ["trivial", "simple", "moderate", "complex", "expert"]


def classify(cli, model, data, keep):
    out = subprocess.run([cli, "classify", "--model", model, "--jsonl", "--keep-tail", keep], stdin=open(data),
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def token_counts(cli, tokenizer, data):
    out = subprocess.run([cli, "tokenize", "--tokenizer", tokenizer, "--max-length", "1000000", "--jsonl"],
                         stdin=open(data), capture_output=True, text=True, check=True).stdout
    return [len(line.split()) for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default="build/complexity")
    ap.add_argument("--model", default="models/complexity_model_int8.onnx")
    ap.add_argument("--tokenizer", default="models/complexity_tokenizer")
    ap.add_argument("--data", default="data/dev/dev.jsonl")
    ap.add_argument("--length", type=int, default=128)
    a = ap.parse_args()
    gold = [json.loads(line) for line in open(a.data, encoding="utf-8") if line.strip()]
    long = [i for i, n in enumerate(token_counts(a.cli, a.tokenizer, a.data)) if n > a.length]
    print(f"{len(gold)} prompts, {len(long)} longer than {a.length} tokens")
    for keep in ["none", "32", "64", "96"]:
        pred = classify(a.cli, a.model, a.data, keep)
        tier = sum(pred[i]["tier"] == gold[i]["tier"] for i in long) / len(long)
        near = sum(abs(TIERS.index(pred[i]["tier"]) - TIERS.index(gold[i]["tier"])) <= 1 for i in long) / len(long)
        intent = sum(pred[i]["intent"] == gold[i]["intent"] for i in long) / len(long)
        every = sum(p["tier"] == g["tier"] for p, g in zip(pred, gold)) / len(gold)
        print(f"--keep-tail {keep:4s}  long: tier {100 * tier:.1f}%  within one {100 * near:.1f}%  "
              f"intent {100 * intent:.1f}%  |  all: tier {100 * every:.1f}%")


if __name__ == "__main__":
    main()
