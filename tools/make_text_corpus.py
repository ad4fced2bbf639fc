#!/usr/bin/env python3
"""Writes unlabelled English + code text for learning the default vocabulary's
word pieces: the paragraphs of Python's documentation sources (Debian
python3.11-doc / python3.11-dev, reStructuredText under html/_sources), which mix
prose, identifiers and code as users' technical prompts do.

Output: JSONL records {"text", placeholder labels} that `complexity build-vocab`
reads; at most MAX_BYTES of text, in a stable order.
"""
import glob
import json
import os
import sys

MAX_BYTES = 12_000_000
SOURCES = "/usr/share/doc/python3.11*/html/_sources/**/*.txt"


def paragraphs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        block = []
        for line in f:
            if line.strip():
                block.append(line.strip())
            elif block:
                yield " ".join(block)
                block = []
        if block:
            yield " ".join(block)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_text_corpus.py OUT.jsonl [MAX_BYTES]")
    max_bytes = int(sys.argv[2]) if len(sys.argv) == 3 else MAX_BYTES
    files = sorted(glob.glob(SOURCES, recursive=True))
    if not files:
        sys.exit(f"make_text_corpus.py: no files match {SOURCES} (apt-get install python3-doc)")
    tmp, total, n = sys.argv[1] + ".tmp", 0, 0
    with open(tmp, "w", encoding="utf-8") as out:
        for path in files:
            for p in paragraphs(path):
                if len(p) < 20 or total > max_bytes:
                    continue
                rec = {"text": p[:2000], "score": 0.05, "tier": "trivial", "domains": [], "intent": "question"}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                total += len(rec["text"])
                n += 1
    os.replace(tmp, sys.argv[1])
    print(f"{sys.argv[1]}: {n} paragraphs, {total} characters from {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
