"""Hashed character n-gram features, the same bits as src/infer/ngram.c.

A text is lower-cased code point by code point (one-to-one mappings only),
split on whitespace, each word padded with a space on both sides, and every
n-gram of 1..4 code points of the padded word (as scikit-learn's "char_wb"
analyzer takes them) hashed with 32-bit FNV-1a over its UTF-8 bytes into one
of 2^bits buckets. Features: (1 + ln count) * idf, L2-normalised.
"""
import math

import numpy as np

NGRAM_MIN, NGRAM_MAX = 1, 4
# Whitespace as Python's str.split() knows it; src/infer/ngram.c has the same list.
WHITESPACE = set("\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def fnv1a(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def lower(text):
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def words(text):
    out, cur = [], []
    for c in text:
        if c in WHITESPACE:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


_HASHES = {}


def ngram_hash(gram):
    h = _HASHES.get(gram)
    if h is None:
        h = _HASHES[gram] = fnv1a(gram.encode("utf-8"))
    return h


def ngram_counts(text, bits):
    mask = (1 << bits) - 1
    counts = {}
    for w in words(lower(text)):
        w = " " + w + " "
        for n in range(NGRAM_MIN, NGRAM_MAX + 1):
            if len(w) < n:
                break
            for i in range(len(w) - n + 1):
                b = ngram_hash(w[i:i + n]) & mask
                counts[b] = counts.get(b, 0) + 1
    return counts


def matrix(texts, bits, idf=None):
    """CSR (data, indices, indptr) of sublinear tf (times idf when given, then L2-normalised)."""
    from scipy.sparse import csr_matrix
    data, indices, indptr = [], [], [0]
    for t in texts:
        c = ngram_counts(t, bits)
        for b, k in sorted(c.items()):
            indices.append(b)
            data.append(1.0 + math.log(k))
        indptr.append(len(indices))
    m = csr_matrix((np.array(data, dtype=np.float64), np.array(indices), np.array(indptr)),
                   shape=(len(texts), 1 << bits))
    if idf is not None:
        m = m.multiply(idf.reshape(1, -1)).tocsr()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        m = csr_matrix(m.multiply(1.0 / norms.reshape(-1, 1)))
    return m


def fit_idf(m):
    """Smooth idf as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    df = np.bincount(m.indices, minlength=m.shape[1])
    return np.log((1.0 + m.shape[0]) / (1.0 + df)) + 1.0
