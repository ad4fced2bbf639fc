"""Hashed character n-gram features, the same bits as src/infer/ngram.c.

A text is lower-cased code point by code point (one-to-one mappings only),
split on whitespace, each word padded with a space on both sides, and every
n-gram of 1..4 code points of the padded word (as scikit-learn's "char_wb"
analyzer takes them) hashed with 32-bit FNV-1a over its UTF-8 bytes into one
of 2^bits buckets. Features: (1 + ln count) * idf, L2-normalised. With a
kept set (format version 2) an n-gram counts only when the set holds its
bucket and the top 16 bits of its hash: those seen in fewer than min_df
training texts, and those never seen, are left out. With word_ngrams = 2
(format version 2's metadata word_ngrams) the words count too: each
whitespace-separated word of the lower-cased text with the punctuation and
symbols (Unicode categories P* and S*) at its ends stripped, and each pair of
consecutive such words, hashed as "\x01" + word or "\x01" + word + " " + next
(the \x01 keeps them apart from the character n-grams) into the same buckets.
"""
import math
import unicodedata

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


def strip_marks(word):
    """The word without the punctuation and symbols at its ends."""
    i, j = 0, len(word)
    while i < j and unicodedata.category(word[i])[0] in "PS":
        i += 1
    while j > i and unicodedata.category(word[j - 1])[0] in "PS":
        j -= 1
    return word[i:j]


def text_hashes(text, word_ngrams=0):
    """The 32-bit hash of every n-gram of the text, repeats included: the
    character n-grams of each word, then (word_ngrams 2) its words and pairs."""
    out, ws = [], words(lower(text))
    for w in ws:
        w = " " + w + " "
        for n in range(NGRAM_MIN, NGRAM_MAX + 1):
            if len(w) < n:
                break
            out.extend(ngram_hash(w[i:i + n]) for i in range(len(w) - n + 1))
    if word_ngrams:
        ws = [w for w in map(strip_marks, ws) if w]
        out.extend(ngram_hash("\x01" + w) for w in ws)
        out.extend(ngram_hash("\x01" + a + " " + b) for a, b in zip(ws, ws[1:]))
    return out


def keep_key(h, bits):
    """What the runtime's kept set can tell apart: the bucket and the hash's top 16 bits."""
    return (h & ((1 << bits) - 1), h >> 16)


def fit_keep(texts, bits, min_df, word_ngrams=0):
    """The kept set: keys of the n-grams found in at least min_df of the texts
    (scikit-learn's min_df: an n-gram seen in one text is noise to the heads)."""
    df = {}
    for t in texts:
        for k in {keep_key(h, bits) for h in text_hashes(t, word_ngrams)}:
            df[k] = df.get(k, 0) + 1
    return {k for k, c in df.items() if c >= min_df}


def keep_tables(keep, bits):
    """The kept set as the file stores it: keep_count U8 [2^bits] (kept n-grams
    per bucket) and keep_fingerprint I16 [sum] (their top 16 bits, bucket by
    bucket, ascending)."""
    count = np.zeros(1 << bits, dtype=np.int64)
    for b, _ in keep:
        count[b] += 1
    if count.max(initial=0) > 255:
        raise ValueError(f"{count.max()} kept n-grams share one bucket; use more bits")
    fps = np.array([fp for _, fp in sorted(keep)], dtype=np.uint16).view(np.int16)
    return count.astype(np.uint8), fps


def ngram_counts(text, bits, keep=None, word_ngrams=0):
    mask = (1 << bits) - 1
    counts = {}
    for h in text_hashes(text, word_ngrams):
        if keep is not None and keep_key(h, bits) not in keep:
            continue
        b = h & mask
        counts[b] = counts.get(b, 0) + 1
    return counts


def matrix(texts, bits, idf=None, keep=None, word_ngrams=0):
    """CSR (data, indices, indptr) of sublinear tf (times idf when given, then
    L2-normalised), counting only the n-grams in keep when given."""
    from scipy.sparse import csr_matrix
    data, indices, indptr = [], [], [0]
    for t in texts:
        c = ngram_counts(t, bits, keep, word_ngrams)
        for b, k in sorted(c.items()):
            indices.append(b)
            data.append(1.0 + math.log(k))
        indptr.append(len(indices))
    m = csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
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
