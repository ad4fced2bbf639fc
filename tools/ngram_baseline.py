#!/usr/bin/python3
"""The bag-of-n-grams baseline the default model must beat (issue 14).

Character n-gram TF-IDF (1-4, within word boundaries, sublinear tf) with
logistic regression for tier and intent, one-vs-rest logistic regression for
the domains and ridge regression for the score, trained on exactly the
default model's training file. Writes one prediction per input line, in the
shape `complexity classify` prints: {"score", "tier", "intent", "domains"}.

usage: ngram_baseline.py --train TRAIN.jsonl [--train MORE.jsonl] --predict DATA.jsonl --out PRED.jsonl
Needs Debian's python3-sklearn (run with /usr/bin/python3).
"""
import argparse
import json
import os

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge

from labels import DOMAINS, load_jsonl


def load(paths):
    return [r for p in paths for r in load_jsonl(p)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", action="append", required=True)
    ap.add_argument("--predict", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--c", type=float, default=10.0, help="inverse regularisation of the classifiers")
    a = ap.parse_args()
    train, test = load(a.train), load([a.predict])
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2,
                          max_features=400_000, dtype=np.float32)
    x = vec.fit_transform([r["text"] for r in train])
    xt = vec.transform([r["text"] for r in test])
    tier = LogisticRegression(C=a.c, max_iter=2000).fit(x, [r["tier"] for r in train]).predict(xt)
    intent = LogisticRegression(C=a.c, max_iter=2000).fit(x, [r["intent"] for r in train]).predict(xt)
    score = np.clip(Ridge(alpha=1.0).fit(x, [r["score"] for r in train]).predict(xt), 0.0, 1.0)
    dom = np.zeros((len(test), len(DOMAINS)), dtype=bool)
    for k, d in enumerate(DOMAINS):
        ys = [d in r["domains"] for r in train]
        if any(ys) and not all(ys):
            dom[:, k] = LogisticRegression(C=a.c, max_iter=2000).fit(x, ys).predict(xt)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(len(test)):
            rec = {"score": round(float(score[i]), 4), "tier": tier[i], "intent": intent[i],
                   "domains": [d for k, d in enumerate(DOMAINS) if dom[i, k]]}
            f.write(json.dumps(rec) + "\n")
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
