#!/usr/bin/python3
"""Writes tests/data/ngram/: a small n-gram file (2^10 buckets, random weights)
and the logits tools/ngram_features.py computes for a set of texts, the
reference that tests/test_ngram.c holds src/infer/ngram.c to; in two versions:
tiny.safetensors / expected.jsonl (version 1, every n-gram counts) and
tiny_v2.safetensors / expected_v2.jsonl (version 2 with word n-grams: a kept
set of the n-grams and words found in at least two of KEEP_TEXTS, so each test
text has kept and dropped ones).

usage: make_ngram_fixture.py [OUT_DIR]   (default tests/data/ngram)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngram_features import fit_keep, keep_tables, matrix  # noqa: E402
from train_ngram import quantize, write_safetensors  # noqa: E402

TEXTS = [
    "hello world",
    "Hello   World\tTAB\nnew line",
    "幫我把公司整個機房搬上雲",
    "幫我 check 一下這段 SQL：SELECT * FROM t;",
    "ÄÖÜ ΣΑΣ straße İstanbul",
    "cool👍 🙏🙏",
    "全形　空白（U+3000）與 ＡＢＣ",
    "a",
    "x" * 300,
    "",
    "   ",
    "(hello), world! -- hello world?!",
    "「你好」 world …… 你好 world",
]

KEEP_TEXTS = TEXTS[:7] + ["hello there, world", "a new world", "幫我寫 SQL", "全形空白", "cool cool 🙏", "x" * 20,
                         "hello world", "你好 world"]


def write_expected(path, bits, idf, q, scale, bias, keep, word_ngrams=0):
    x = matrix(TEXTS, bits, idf.astype(np.float32).astype(np.float64), keep, word_ngrams)
    z = np.asarray(x @ (q.astype(np.float64) * scale.astype(np.float64)[:, None]).T) + bias.astype(np.float32)
    with open(path, "w", encoding="utf-8") as f:
        for t, row in zip(TEXTS, z):
            f.write(json.dumps({"text": t, "logits": [round(float(v), 7) for v in row]}, ensure_ascii=False) + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/ngram"
    os.makedirs(out, exist_ok=True)
    bits = 10
    rng = np.random.default_rng(3)
    idf = rng.uniform(1.0, 5.0, 1 << bits)
    w = rng.normal(0.0, 1.0, (19, 1 << bits))
    bias = rng.normal(0.0, 0.5, 19)
    q, scale = quantize(w)
    meta = {"format": "complexity-ngram", "version": "1", "bits": str(bits), "ngram_min": "1", "ngram_max": "4",
            "blend_tier": "0.60", "blend_intent": "0.40", "blend_domain": "0.25", "blend_score": "1.00", "heads": "tier:5,intent:8,domain:5,score:1"}
    tensors = [("idf", idf.astype(np.float32)), ("weight", q), ("weight_scale", scale), ("bias", bias.astype(np.float32))]
    write_safetensors(os.path.join(out, "tiny.safetensors"), tensors, meta)
    write_expected(os.path.join(out, "expected.jsonl"), bits, idf, q, scale, bias, None)
    keep = fit_keep(KEEP_TEXTS, bits, 2, word_ngrams=2)
    meta.update({"version": "2", "min_df": "2", "word_ngrams": "2"})
    write_safetensors(os.path.join(out, "tiny_v2.safetensors"),
                      tensors + list(zip(("keep_count", "keep_fingerprint"), keep_tables(keep, bits))), meta)
    write_expected(os.path.join(out, "expected_v2.jsonl"), bits, idf, q, scale, bias, keep, word_ngrams=2)
    print(f"{len(keep)} n-grams kept in tiny_v2.safetensors")


if __name__ == "__main__":
    main()
