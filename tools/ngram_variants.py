#!/usr/bin/python3
"""Variants of the n-gram part compared on the validation prompts (never the
dev set): each variant is fitted on TRAIN.jsonl as tools/train_ngram.py fits
it, then scored on VAL.jsonl alone and mixed with the encoder's predictions on
it (VAL.pred.jsonl, `classify --no-ngram --raw-score`), with the best mixing
weight per head as train_ngram.py picks it. Prints per variant:
"head alone/mixed@weight" for tier, intent, domain F1 and score MAE.

Variants (docs/QUALITY.md, "Ablations"): chars (character n-grams, kept set),
words (+ words and word pairs: the shipped part), first (words + the first
one, two and three words as features of their own), tri (words + word
triples); ":c=X" after any of them sets the regularisation C (default 10),
e.g. chars:c=3.

usage: ngram_variants.py --train T.jsonl --val V.jsonl --val-pred V.pred.jsonl VARIANT...
Needs Debian's python3-sklearn (run with /usr/bin/python3); ~4 minutes a variant on one core.
"""
import argparse
import time

import ngram_features as nf
import train_ngram as tn
from labels import load_jsonl as load


def extra_hashes(kind):
    """text_hashes plus the variant's own features."""
    base = nf.text_hashes

    def hashes(text, word_ngrams=0):
        out = base(text, word_ngrams)
        ws = [w for w in map(nf.strip_marks, nf.words(nf.lower(text))) if w]
        if kind == "first":
            out += [nf.ngram_hash("\x02" + " ".join(ws[:k])) for k in (1, 2, 3) if len(ws) >= k]
        elif kind == "tri":
            out += [nf.ngram_hash("\x01" + a + " " + b + " " + c) for a, b, c in zip(ws, ws[1:], ws[2:])]
        return out
    return hashes


def run(variant, recs, val, nn):
    kind, _, opt = variant.partition(":")
    c = float(opt[2:]) if opt.startswith("c=") else 10.0
    words, base = (0 if kind == "chars" else 2), nf.text_hashes
    if kind not in ("chars", "words", "first", "tri") or (opt and not opt.startswith("c=")):
        raise SystemExit(f"unknown variant {variant}")
    if kind in ("first", "tri"):
        nf.text_hashes = extra_hashes(kind)
    t0 = time.time()
    idf, w, b, keep = tn.fit_part(recs, 16, c, 2, words)
    q, s = tn.quantize(w)
    ng = tn.heads(nf.matrix([r["text"] for r in val], 16, idf, keep, words), q, s, b)
    nf.text_hashes = base
    out = []
    for h in ("tier", "intent", "domain", "score"):
        alone = tn.head_quality(h, 0.0, ng, nn, val)
        best = max((tn.head_quality(h, k / 20, ng, nn, val), k / 20) for k in range(21))
        out.append(f"{h} {abs(alone):.4f}/{abs(best[0]):.4f}@{best[1]:.2f}")
    print(f"{variant}: " + "  ".join(out) + f"  kept {len(keep)} ({time.time() - t0:.0f}s)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--val-pred", required=True)
    ap.add_argument("variants", nargs="+")
    a = ap.parse_args()
    recs, val = load(a.train), load(a.val)
    nn = tn.neural_probs(load(a.val_pred))
    for v in a.variants:
        run(v, recs, val, nn)


if __name__ == "__main__":
    main()
