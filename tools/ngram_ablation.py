#!/usr/bin/python3
"""What separates the runtime's n-gram part from the n-gram baseline
(docs/QUALITY.md, Ablations): the part alone (tools/train_ngram.py's fit, 2^bits
hashed buckets) on a labelled file, with int8 weights as shipped, with float
weights, and with every n-gram seen in fewer than --min-df training texts left
out (the baseline's min_df=2; tools/train_ngram.py's default since).

usage: ngram_ablation.py --train TRAIN.jsonl --data DEV.jsonl [--bits 16] [--min-df 2]
Needs Debian's python3-sklearn (run with /usr/bin/python3); a few minutes per fit.
"""
import argparse

import numpy as np

import ngram_features as nf
from labels import DOMAINS, INTENTS, TIERS, load_jsonl as load
from train_ngram import fit_part, heads, quantize, softmax


def figures(name, probs, recs):
    t, i, d = probs
    tier = np.mean([TIERS[k] == r["tier"] for k, r in zip(np.argmax(t, 1), recs)])
    intent = np.mean([INTENTS[k] == r["intent"] for k, r in zip(np.argmax(i, 1), recs)])
    tp = fp = fn = 0
    for row, r in zip(d > 0.5, recs):
        g = {DOMAINS.index(x) for x in r["domains"]}
        p = set(np.flatnonzero(row))
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    print(f"{name}: tier {100 * tier:.1f} intent {100 * intent:.1f} domain F1 {100 * 2 * tp / (2 * tp + fp + fn):.1f}",
          flush=True)


def float_probs(x, w, b):
    z = np.asarray(x @ w.T) + b
    return softmax(z[:, :5]), softmax(z[:, 5:13]), 1 / (1 + np.exp(-z[:, 13:18]))


def fit_and_score(recs, dev, bits, min_df=1):
    idf, w, b, keep = fit_part(recs, bits, 10.0, min_df)
    return nf.matrix([r["text"] for r in dev], bits, idf, keep), w, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--bits", type=int, default=16)
    ap.add_argument("--min-df", type=int, default=2)
    a = ap.parse_args()
    recs, dev = load(a.train), load(a.data)
    xd, w, b = fit_and_score(recs, dev, a.bits)
    q, scale = quantize(w)
    figures(f"2^{a.bits} buckets, int8 weights (as shipped)", heads(xd, q, scale, b)[:3], dev)
    figures(f"2^{a.bits} buckets, float weights", float_probs(xd, w, b), dev)
    xd, w, b = fit_and_score(recs, dev, a.bits, a.min_df)
    figures(f"2^{a.bits} buckets, min_df={a.min_df}, float weights", float_probs(xd, w, b), dev)
    q, scale = quantize(w)
    figures(f"2^{a.bits} buckets, min_df={a.min_df}, int8 weights (the runtime's kept set)",
            heads(xd, q, scale, b)[:3], dev)


if __name__ == "__main__":
    main()
