#!/usr/bin/python3
"""OUR re-implementation (not the seed's code) of the seed heuristic of SPEC §8, in
Python, so the exact Python semantics (str.lower, re with IGNORECASE on str) produce
expected values for adversarial inputs the reference file does not cover.

usage: tools/heuristic_ref.py check   # compare with ../shared/reference-data/heuristic_expected.jsonl
       tools/heuristic_ref.py gen OUT # write tests/data/estimate/heuristic_adversarial.jsonl
The generated file is committed; CI does not run this script.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
KW = json.load(open(os.path.join(SHARED, "spec", "heuristic_keywords.json"), encoding="utf-8"))
DIMS = list(KW["dimension_weights"])


def count(words, low):
    return sum(1 for w in words if w.lower() in low)


def dims(text, prior=0):
    low = text.lower()
    cjk = sum(1 for c in text if 0x4E00 <= ord(c) <= 0x9FFF or 0x3400 <= ord(c) <= 0x4DBF)
    est = cjk * 1.5 + (len(text) - cjk) / 4
    d = {"token_length": min(est / 2000, 1.0)}
    d["reasoning_markers"] = min(count(KW["reasoning_markers"], low) / 5, 1.0)
    n = sum(1 for ws in KW["domain_keywords"].values() if any(w.lower() in low for w in ws))
    d["domain_count"] = min(n / 3, 1.0)
    steps = sum(1 for p in KW["step_patterns_regex_ignorecase"] if re.search(p, text, re.IGNORECASE))
    d["step_indicators"] = min(steps / 3, 1.0)
    fences = text.count("```")
    inline = len(re.findall(r"`[^`]+`", text))
    d["code_complexity"] = min((fences + inline * 0.3) / 4, 1.0)
    d["context_dependency"] = min((count(KW["context_refs"], low) + prior / 20) / 3, 1.0)
    d["constraint_count"] = min(count(KW["constraint_words"], low) / 4, 1.0)
    v, s = count(KW["vague_markers"], low), count(KW["specificity_markers"], low)
    d["ambiguity"] = max(0, min((v - s + 1) / 3, 1.0))
    d["external_tool_need"] = min(count(KW["external_tool_signals"], low) / 3, 1.0)
    return d


def total(d):
    return min(sum(d[k] * KW["dimension_weights"][k] for k in DIMS), 1.0)


def tier(score):
    b = KW["tier_boundaries"]
    for name in ["trivial", "simple", "moderate", "complex"]:
        if score < b[name]:
            return name
    return "expert"


def check():
    bad = 0
    rows = [json.loads(l) for l in open(os.path.join(SHARED, "reference-data", "heuristic_expected.jsonl"), encoding="utf-8")]
    for r in rows:
        d = dims(r["text"])
        if any(abs(d[k] - r["dimensions"][k]) > 1e-12 for k in DIMS) or abs(total(d) - r["score"]) > 1e-12 \
                or tier(total(d)) != r["tier"]:
            bad += 1
            print("MISMATCH", repr(r["text"][:80]), d, r["dimensions"])
    print("%d of %d texts match the seed exactly" % (len(rows) - bad, len(rows)))
    return bad == 0


CASES = [
    ("İNSTALL it", 0), ("INSTALL it", 0), ("\u212a線", 0), ("\u212aLINE", 0), ("fırst do it, then stop", 0), ("FİRST x THEN y", 0),
    ("ſtep 2 now", 0), ("STEP\u30002", 0), ("1.\x1cgo", 0), ("1)\x85go", 0), ("１. fullwidth digit", 0),
    ("٣. arabic-indic digit", 0), ("first\nthen", 0), ("first\r then", 0), ("then first", 0),
    ("首先\n然後", 0), ("首先做A然後做B", 0), ("第十章", 0), ("第0章", 0), ("FINALLY", 0), ("最後", 0),
    ("``", 0), ("`a``b`", 0), ("````", 0), ("``````", 0), ("`\n`", 0), ("`unclosed", 0),
    ("x ``` y ``` `z` ```", 0), ("a `b` c `d` e `f` g `h` i `j` k `l`", 0),
    ("the earlier one mentioned above", 7), ("hi", 20), ("hi", 60), ("hi", 1),
    ("Maybe something somehow, whatever, anything, some kind of", 0),
    ("exactly specifically precisely in particular 具體 明確 特別是 the file at", 0),
    ("MUST SHOULD CANNOT REQUIREMENT CONSTRAINT AT MOST AT LEAST ENSURE REQUIRED", 0),
    ("ANALYZE Analyse COMPARE design EXPLAIN reason evaluate plan", 0),
    ("what's happening with BTC price today? latest news, forecast, real-time, up-to-date", 0),
    ("股票 台股 美股 加密貨幣 幣 漲跌 k線", 0), ("Σίσυφος ΣΟΦΟΣ", 0), ("straße STRASSE", 0),
    ("\u00e9\u0301 combining", 0), ("emoji 😀 and 𠀀 (CJK ext B)", 0), ("㐀 ext A 一 丁", 0),
    ("tab\tseparated\tstep\t3", 0), ("2.\u00a0nbsp", 0), ("2.\u2028line sep", 0), ("2.\u200bzwsp", 0),
    ("def main(): return 1", 0), ("DEF main(): RETURN 1", 0), ("Import json; data = JSON.loads(x)", 0),
    ("", 3), (" ", 0), ("a" * 9000, 0), ("分析" * 1500, 0),
]


def gen(out):
    with open(out, "w", encoding="utf-8") as f:
        for text, prior in CASES:
            d = dims(text, prior)
            s = total(d)
            f.write(json.dumps({"text": text, "prior_user_messages": prior, "dimensions": d, "score": s,
                                "tier": tier(s)}, ensure_ascii=False) + "\n")
    print("wrote %d cases to %s" % (len(CASES), out))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "check":
        sys.exit(0 if check() else 1)
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        if not check():
            sys.exit("the re-implementation does not match the seed; not generating")
        gen(sys.argv[2])
        sys.exit(0)
    sys.exit(__doc__)
