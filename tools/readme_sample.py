#!/usr/bin/env python3
"""Prints 30 generated samples as the README shows them (tier, intent, domains, score, lang, text).

Usage: build/complexity generate-data -q -n 3000 -s 2026 --with-lang -o /tmp/sample.jsonl
       python3 tools/readme_sample.py /tmp/sample.jsonl
"""
import json
import random
import sys

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
random.seed(5)
for r in random.sample(rows, 30):
    text = r["text"].replace("\n", "⏎")
    if len(text) > 90:
        text = text[:88] + "…"
    domains = ",".join(r["domains"]) or "[]"
    print(f"{r['tier']:<9}{r['intent']:<11}{domains:<18}{r['score']:<7}{r['lang']:<6}{text}")
