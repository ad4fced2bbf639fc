#!/usr/bin/env python3
"""The shipped tokenizer maps nothing a user can type to [UNK] (issue 14).

For every Unicode block in use (tools/make_coverage_corpus.py's BLOCKS) and
for the hanzi of GB 2312 and Big5, random words are built from the block's
characters (alone, and glued to Latin letters, as "cool👍" or "v2ℹ" are typed)
and run through `complexity tokenize --stats`; the [UNK] count must be 0.
Text from each block is also checked as a whole line so that a regression
names the block.

usage: vocab_coverage.py COMPLEXITY_BIN TOKENIZER_DIR
"""
import os
import random
import subprocess
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from make_coverage_corpus import BLOCKS, hanzi_big5, hanzi_gb2312  # noqa: E402

SKIP = ("Cn", "Cc", "Cs", "Co", "Zs", "Zl", "Zp")


def unk_count(binary, tok, lines):
    r = subprocess.run([binary, "tokenize", "--tokenizer", tok, "--stats"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, check=True)
    # --stats: "texts N tokens N (...) unk K unk_rate R ..." on stderr
    words = r.stderr.split()
    return int(words[words.index("unk") + 1])


def main():
    binary, tok = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    blocks = [(f"U+{lo:04X}..U+{hi:04X}", [chr(c) for c in range(lo, hi + 1)
                                              if unicodedata.category(chr(c)) not in SKIP]) for lo, hi in BLOCKS]
    blocks.append(("GB 2312 hanzi", sorted(hanzi_gb2312())))
    blocks.append(("Big5 hanzi", sorted(hanzi_big5())))
    bad = 0
    total = 0
    for name, chars in blocks:
        lines = []
        for _ in range(40):
            words = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 6))) for _ in range(8)]
            glued = [rng.choice(["ok", "v2", "x", "Hi", "the"]) + w for w in words[:3]]
            lines.append(" ".join(words + glued))
        lines.append(" ".join(chars))  # every character of the block once
        n = unk_count(binary, tok, lines)
        total += len(lines)
        if n:
            bad += 1
            print(f"FAIL {name}: {n} [UNK] tokens in {len(lines)} lines")
    print(f"{len(blocks)} blocks, {total} lines: {bad} blocks with [UNK]")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
