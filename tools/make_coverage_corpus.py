#!/usr/bin/env python3
"""Writes the character-coverage corpus for the default vocabulary.

Every character a user of Kuro can type should have its own vocabulary entry
(a WordPiece word with one unknown character becomes [UNK] whole). Output: a
JSONL file whose records carry those characters as space-separated "words";
`complexity build-vocab` adds every character it sees (and the "##" form of
those that continue words), so feeding it this file alongside the training
text gives the vocabulary its alphabet. The labels are placeholders
(build-vocab reads only "text").

Sources, all offline:
- the mainland's GB 2312 hanzi (6,763: levels 1 and 2) and Big5's 常用字 and
  次常用字 (5,401 + 7,650, Taiwan's standard lists as Big5 encodes them), from
  Python's codecs;
- OpenCC's STCharacters / TSCharacters (Debian libopencc-data, via
  opencc_dict): the other script's form of each of those characters;
- Unicode blocks people type: ASCII, Latin-1 and Latin Extended-A, Greek,
  Cyrillic, general punctuation, currency, letterlike, arrows, math operators,
  technical, box drawing, shapes, dingbats, CJK symbols and punctuation,
  Bopomofo (注音文), Hiragana, Katakana, full-width forms, and the emoji blocks.
"""
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

# (first, last) code points of the non-Han blocks in use; unassigned and
# control code points inside them are dropped below.
BLOCKS = [
    (0x0021, 0x007E),  # ASCII printable
    (0x00A1, 0x017F),  # Latin-1 Supplement, Latin Extended-A
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x045F),  # Cyrillic (basic)
    (0x2010, 0x205E),  # General Punctuation
    (0x20A0, 0x20C0),  # Currency Symbols
    (0x2100, 0x214F),  # Letterlike Symbols
    (0x2150, 0x218B),  # Number Forms (Ⅰ Ⅱ ½)
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators
    (0x2300, 0x23FF),  # Miscellaneous Technical (⌘ ⏰)
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① ②)
    (0x2500, 0x257F),  # Box Drawing (tree output, tables)
    (0x2580, 0x25FF),  # Block Elements, Geometric Shapes
    (0x2600, 0x27BF),  # Miscellaneous Symbols, Dingbats (☀ ✅ ❤)
    (0x2B00, 0x2BFF),  # Miscellaneous Symbols and Arrows (⭐)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3105, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),  # Bopomofo Extended
    (0x3200, 0x32FF),  # Enclosed CJK (㈱ ㊣)
    (0x3300, 0x33FF),  # CJK Compatibility (㎡ ㎏)
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms (︵ ﹏)
    (0xFE50, 0xFE6F),  # Small Form Variants
    (0xFF01, 0xFFEE),  # Halfwidth and Fullwidth Forms
    (0x1F000, 0x1F02F),  # Mahjong tiles (🀄)
    (0x1F100, 0x1F1FF),  # Enclosed Alphanumeric Supplement (🆗, regional indicators)
    (0x1F300, 0x1F64F),  # Misc Symbols and Pictographs, Emoticons
    (0x1F680, 0x1F6FF),  # Transport and Map
    (0x1F900, 0x1F9FF),  # Supplemental Symbols and Pictographs
    (0x1FA70, 0x1FAFF),  # Symbols and Pictographs Extended-A
]


def hanzi_gb2312():
    out = set()
    for a in range(0xB0, 0xF8):
        for b in range(0xA1, 0xFF):
            try:
                out.add(bytes([a, b]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def hanzi_big5():
    out = set()
    for a in range(0xA4, 0xFA):
        for b in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                c = bytes([a, b]).decode("big5")
            except UnicodeDecodeError:
                continue
            if len(c) == 1 and 0x4E00 <= ord(c) <= 0x9FFF:
                out.add(c)
    return out


def opencc_pairs(name):
    """(from, [to...]) of an OpenCC character dictionary, via opencc_dict."""
    src = f"/usr/share/opencc/{name}.ocd2"
    with tempfile.TemporaryDirectory() as tmp:
        txt = os.path.join(tmp, name + ".txt")
        subprocess.run(["opencc_dict", "-i", src, "-o", txt, "-f", "ocd2", "-t", "text"], check=True)
        with open(txt, encoding="utf-8") as f:
            for line in f:
                key, _, vals = line.rstrip("\n").partition("\t")
                yield key, vals.split()


def han_characters():
    han = hanzi_gb2312() | hanzi_big5()
    for name in ("STCharacters", "TSCharacters"):
        for key, vals in opencc_pairs(name):
            if key in han:
                han.update(v for v in vals if len(v) == 1 and ord(v) <= 0xFFFF)
    return han


def typed_symbols():
    out = set()
    for lo, hi in BLOCKS:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if unicodedata.category(ch) in ("Cn", "Cc", "Cs", "Co", "Zs", "Zl", "Zp"):
                continue
            out.add(ch)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_coverage_corpus.py OUT.jsonl")
    chars = sorted(han_characters() | typed_symbols())
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(0, len(chars), 64):
            rec = {"text": " ".join(chars[i:i + 64]), "score": 0.05, "tier": "trivial",
                   "domains": [], "intent": "question"}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, sys.argv[1])
    print(f"{sys.argv[1]}: {len(chars)} characters", file=sys.stderr)


if __name__ == "__main__":
    main()
