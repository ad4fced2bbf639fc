#!/usr/bin/env python3
"""Checks labelled JSONL files against ../shared/spec/LABELING.md.

Each line: {"text", "score", "tier", "domains", "intent"} and, where --lang is
given (evaluation sets), "lang" in en/zh/mixed/other. Prints FILE:LINE: what is
wrong for every bad record, then per-file counts by tier, intent, language and
domain; exits 1 if any record is bad or a text repeats within or across files.
"""
import json
import sys
from collections import Counter

from labels import DOMAINS, INTENTS, LANGS, TIER_RANGES


def record_errors(rec, need_lang):
    if not isinstance(rec, dict):
        return ["not a JSON object"]
    errs = []
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        errs.append("text: missing or empty")
    tier = rec.get("tier")
    score = rec.get("score")
    if tier not in TIER_RANGES:
        errs.append(f"tier: {tier!r} is not one of {sorted(TIER_RANGES)}")
    elif not isinstance(score, (int, float)) or isinstance(score, bool):
        errs.append("score: missing or not a number")
    else:
        lo, hi = TIER_RANGES[tier]
        if not lo <= score <= hi:
            errs.append(f"score: {score} outside {tier}'s range {lo}-{hi}")
    if rec.get("intent") not in INTENTS:
        errs.append(f"intent: {rec.get('intent')!r} is not one of {sorted(INTENTS)}")
    doms = rec.get("domains")
    if not isinstance(doms, list) or any(d not in DOMAINS for d in doms):
        errs.append(f"domains: {doms!r} must be a list drawn from {sorted(DOMAINS)}")
    elif len(set(doms)) != len(doms):
        errs.append("domains: repeated entry")
    if need_lang and rec.get("lang") not in LANGS:
        errs.append(f"lang: {rec.get('lang')!r} is not one of {sorted(LANGS)}")
    return errs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    need_lang = "--lang" in sys.argv
    if not args:
        sys.exit("usage: check_labels.py [--lang] FILE.jsonl...")
    seen = {}
    bad = 0
    for path in args:
        counts = {k: Counter() for k in ("tier", "intent", "lang", "domain")}
        n = 0
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    print(f"{path}:{lineno}: invalid JSON: {e}")
                    bad += 1
                    continue
                errs = record_errors(rec, need_lang)
                key = rec.get("text", "").strip() if isinstance(rec, dict) else ""
                if key and key in seen:
                    errs.append(f"text repeats {seen[key]}")
                seen.setdefault(key, f"{path}:{lineno}")
                for e in errs:
                    print(f"{path}:{lineno}: {e}")
                bad += bool(errs)
                if errs:
                    continue
                n += 1
                counts["tier"][rec["tier"]] += 1
                counts["intent"][rec["intent"]] += 1
                counts["lang"][rec.get("lang", "-")] += 1
                for d in rec["domains"] or ["[]"]:
                    counts["domain"][d] += 1
        print(f"{path}: {n} valid records")
        for k, c in counts.items():
            print(f"  {k}: " + ", ".join(f"{a} {b}" for a, b in c.most_common()))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
