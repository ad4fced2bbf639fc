#!/usr/bin/python3
"""Trains the n-gram part of the default model: hashed character n-grams
(tools/ngram_features.py) into logistic regressions for tier, intent and each
domain and a ridge regression for the score, on the default model's own
training file. Writes NGRAM.safetensors for the runtime (src/infer/ngram.c):

  idf           F32 [2^bits]
  weight        I8  [19, 2^bits]  rows: 5 tier, 8 intent, 5 domain, 1 score
  weight_scale  F32 [19]          weight = int8 * scale (symmetric, per row)
  bias          F32 [19]
  keep_count        U8  [2^bits]  version 2: kept n-grams per bucket
  keep_fingerprint  I16 [sum]     version 2: their hashes' top 16 bits, bucket by bucket
  __metadata__  {"format": "complexity-ngram", "version": "2", "bits": ..., "ngram_min": "1",
                 "ngram_max": "4", "min_df": ..., "word_ngrams": "0" | "2", "blend_tier": ...,
                 "blend_intent": ..., "blend_domain": ..., "blend_score": ...}

With --min-df K > 1 (the default 2, as the n-gram baseline's scikit-learn
vectorizer) only n-grams found in at least K training texts count, at training
and at inference: the file holds the kept set (version 2). --min-df 1 keeps
every n-gram and writes version 1, which has no kept set. --word-ngrams 2 (the
default; version 2 only) adds the words and pairs of words to the character
n-grams (tools/ngram_features.py).

blend_HEAD is the weight of the neural model's output for that head when the
two are mixed (the n-gram part gets 1 - blend): probabilities for tier, intent
and domains, the value for the score. Each is chosen on the validation file
given with --val and --val-pred (the neural model's `classify --no-ngram
--raw-score` output on it): tier and intent by accuracy, domains by micro-F1,
the score by mean absolute error.

--extra FILE:K adds a further training file whose records count K times (as
`complexity train --data FILE --weight NAME=K`: one's own labelled prompts).

usage: train_ngram.py --train T.jsonl --out NGRAM.safetensors [--bits 17] [--c 10] [--min-df 2]
                      [--word-ngrams 0|2] [--extra FILE:K ...]
                      [--val V.jsonl --val-pred V.pred.jsonl] [--predict D.jsonl --pred-out D.pred.jsonl]
Needs Debian's python3-sklearn (run with /usr/bin/python3).
"""
import argparse
import json
import os
import struct

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from ngram_features import NGRAM_MAX, NGRAM_MIN, fit_idf, fit_keep, keep_tables, matrix

from labels import DOMAINS, INTENTS, TIERS, load_jsonl as load


def fit(x, recs, c):
    """(weight [19, B] float, bias [19]) of the four heads."""
    tier = LogisticRegression(C=c, max_iter=3000).fit(x, [TIERS.index(r["tier"]) for r in recs])
    intent = LogisticRegression(C=c, max_iter=3000).fit(x, [INTENTS.index(r["intent"]) for r in recs])
    rows, bias = [tier.coef_, intent.coef_], [tier.intercept_, intent.intercept_]
    for d in DOMAINS:
        m = LogisticRegression(C=c, max_iter=3000).fit(x, [d in r["domains"] for r in recs])
        rows.append(m.coef_)
        bias.append(m.intercept_)
    score = Ridge(alpha=1.0).fit(x, [r["score"] for r in recs])
    rows.append(score.coef_.reshape(1, -1))
    bias.append(np.array([score.intercept_]))
    return np.vstack(rows), np.concatenate(bias)


def fit_part(recs, bits, c, min_df=1, word_ngrams=0):
    """(idf, weight, bias, keep) of the n-gram part fitted on recs; keep is the
    kept set, None when min_df is 1."""
    texts = [r["text"] for r in recs]
    keep = fit_keep(texts, bits, min_df, word_ngrams) if min_df > 1 else None
    idf = fit_idf(matrix(texts, bits, keep=keep, word_ngrams=word_ngrams))
    w, bias = fit(matrix(texts, bits, idf, keep, word_ngrams), recs, c)
    return idf, w, bias, keep


def quantize(w):
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def heads(x, q, scale, bias):
    """Probabilities of the quantized model: tier [n,5], intent [n,8], domains [n,5], score [n]."""
    z = np.asarray(x @ (q.astype(np.float32) * scale[:, None]).T) + bias
    return softmax(z[:, :5]), softmax(z[:, 5:13]), 1 / (1 + np.exp(-z[:, 13:18])), z[:, 18]


def neural_probs(preds):
    tier = np.array([[p["tier_probs"][t] for t in TIERS] for p in preds])
    intent = np.array([[p["intent_probs"][i] for i in INTENTS] for p in preds])
    dom = np.array([[p["domain_scores"][d] for d in DOMAINS] for p in preds])
    return tier, intent, dom, np.array([p["score"] for p in preds])


def domain_f1(dom, recs):
    tp = fp = fn = 0
    for row, r in zip(dom, recs):
        g = {DOMAINS.index(d) for d in r["domains"]}
        p = set(np.flatnonzero(row))
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return 2 * tp / max(1, 2 * tp + fp + fn)


def head_quality(head, a, ng, nn, recs):
    """The validation figure of one head mixed with neural weight a (higher is better)."""
    if head == "tier":
        pred = np.argmax(a * nn[0] + (1 - a) * ng[0], axis=1)
        return np.mean([TIERS[k] == r["tier"] for k, r in zip(pred, recs)])
    if head == "intent":
        pred = np.argmax(a * nn[1] + (1 - a) * ng[1], axis=1)
        return np.mean([INTENTS[k] == r["intent"] for k, r in zip(pred, recs)])
    if head == "domain":
        return domain_f1((a * nn[2] + (1 - a) * ng[2]) > 0.5, recs)
    score = a * nn[3] + (1 - a) * np.clip(ng[3], 0, 1)
    return -np.mean([abs(s - r["score"]) for s, r in zip(score, recs)])


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, arr in tensors:
        dt = {np.float32: "F32", np.int8: "I8", np.uint8: "U8", np.int16: "I16"}[arr.dtype.type]
        b = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bits", type=int, default=17)
    ap.add_argument("--c", type=float, default=10.0)
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--word-ngrams", type=int, choices=(0, 2), default=2)
    ap.add_argument("--extra", action="append", default=[], metavar="FILE:K")
    ap.add_argument("--val")
    ap.add_argument("--val-pred")
    ap.add_argument("--predict")
    ap.add_argument("--pred-out")
    a = ap.parse_args()
    recs = load(a.train)
    for item in a.extra:
        path, _, k = item.rpartition(":")
        if not path or not k.isdigit() or not 1 <= int(k) <= 100:
            ap.error(f"--extra {item}: expected FILE:K with K in 1..100")
        recs += load(path) * int(k)
    if a.min_df < 1:
        ap.error("--min-df must be at least 1")
    if a.min_df == 1:
        a.word_ngrams = 0  # version 1 files have character n-grams only
    idf, w, bias, keep = fit_part(recs, a.bits, a.c, a.min_df, a.word_ngrams)
    q, scale = quantize(w)
    blend = {h: 0.5 for h in ("tier", "intent", "domain", "score")}
    if a.val and a.val_pred:
        vrecs = load(a.val)
        ng = heads(matrix([r["text"] for r in vrecs], a.bits, idf, keep, a.word_ngrams), q, scale, bias)
        nn = neural_probs(load(a.val_pred))
        for h in blend:
            figs = [(head_quality(h, b / 20, ng, nn, vrecs), b / 20) for b in range(21)]
            best = max(figs)
            blend[h] = best[1]
            print(f"{h}: blend {best[1]:.2f} -> {abs(best[0]):.4f} (n-gram alone {abs(figs[0][0]):.4f}, "
                  f"neural alone {abs(figs[-1][0]):.4f}) on {a.val}")
    meta = {"format": "complexity-ngram", "version": "1", "bits": str(a.bits), "ngram_min": str(NGRAM_MIN),
            "ngram_max": str(NGRAM_MAX), "heads": "tier:5,intent:8,domain:5,score:1"}
    meta.update({f"blend_{h}": f"{v:.2f}" for h, v in blend.items()})
    tensors = [("idf", idf.astype(np.float32)), ("weight", q), ("weight_scale", scale),
               ("bias", bias.astype(np.float32))]
    if keep is not None:
        meta.update({"version": "2", "min_df": str(a.min_df), "word_ngrams": str(a.word_ngrams)})
        tensors += list(zip(("keep_count", "keep_fingerprint"), keep_tables(keep, a.bits)))
    write_safetensors(a.out, tensors, meta)
    kept = f", {len(keep)} n-grams kept (min_df {a.min_df})" if keep is not None else ""
    print(f"{a.out}: {os.path.getsize(a.out)} bytes, {1 << a.bits} buckets{kept}, blend {blend}")
    if a.predict and a.pred_out:
        prec = load(a.predict)
        t, i, d, s = heads(matrix([r["text"] for r in prec], a.bits, idf, keep, a.word_ngrams), q, scale, bias)
        with open(a.pred_out, "w", encoding="utf-8") as f:
            for k in range(len(prec)):
                f.write(json.dumps({"score": float(np.clip(s[k], 0, 1)), "tier": TIERS[int(np.argmax(t[k]))],
                                    "intent": INTENTS[int(np.argmax(i[k]))],
                                    "domains": [DOMAINS[j] for j in range(5) if d[k, j] > 0.5],
                                    "tier_probs": dict(zip(TIERS, map(float, t[k]))),
                                    "intent_probs": dict(zip(INTENTS, map(float, i[k]))),
                                    "domain_scores": dict(zip(DOMAINS, map(float, d[k])))}) + "\n")


if __name__ == "__main__":
    main()
