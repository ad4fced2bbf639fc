#!/usr/bin/env python3
"""Drives `complexity label --plain` as a person who knows the answers: each
prompt it shows is answered from a labelled reference file (accept when the
model's guess already agrees, else the reference's tier, score, intent,
domains and lang). This is how the 200-label run of docs/LABELING-YOUR-LOGS.md
is reproduced without a person at the keyboard; it also counts how often the
guess was already right, which is what a person saves.

usage: label_oracle.py --bin build/complexity --in POOL.jsonl --answers REF.jsonl --out LABELLED.jsonl
                       [--model M] [--limit N] [--order uncertain|input|random]
Prints a JSON summary on stdout.
"""
import argparse
import json
import subprocess
import sys
import time


def agrees(guess, ref):
    return (guess["tier"] == ref["tier"] and guess["intent"] == ref["intent"]
            and sorted(guess["domains"]) == sorted(ref["domains"]))


def decision(shown, ref):
    """The answer line, and whether it is a plain accept. The reference's score
    is given whenever the guess's differs, so the labelled file equals the
    reference; `agrees` counts the guesses that were right on every label."""
    same_score = abs(shown["guess"]["score"] - ref["score"]) < 0.005
    if agrees(shown["guess"], ref) and same_score and shown["lang"] == ref.get("lang", shown["lang"]):
        return "accept", True
    fields = [f"tier={ref['tier']}", f"score={ref['score']}", f"intent={ref['intent']}",
              "domains=" + (",".join(ref["domains"]) or "none")]
    if "lang" in ref:
        fields.append(f"lang={ref['lang']}")
    return " ".join(fields), False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/complexity")
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--answers", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--order", default="uncertain")
    a = ap.parse_args()
    answers = {}
    with open(a.answers, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            answers[r["text"]] = r
    cmd = [a.bin, "label", "--plain", "--in", a.inp, "--out", a.out, "--order", a.order]
    if a.model:
        cmd += ["--model", a.model]
    if a.limit:
        cmd += ["--limit", str(a.limit)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    counts = {"shown": 0, "accepted": 0, "changed": 0, "guess_agrees": 0, "tier_changed": 0,
              "intent_changed": 0, "domains_changed": 0}
    t0 = time.monotonic()
    for line in p.stdout:
        shown = json.loads(line)
        ref = answers.get(shown["text"])
        if ref is None:
            sys.exit(f"label_oracle: no answer for {shown['text'][:60]!r}")
        answer, accepted = decision(shown, ref)
        g = shown["guess"]
        counts["shown"] += 1
        counts["accepted" if accepted else "changed"] += 1
        counts["guess_agrees"] += agrees(g, ref)
        counts["tier_changed"] += g["tier"] != ref["tier"]
        counts["intent_changed"] += g["intent"] != ref["intent"]
        counts["domains_changed"] += sorted(g["domains"]) != sorted(ref["domains"])
        p.stdin.write(answer + "\n")
        p.stdin.flush()
    p.stdin.close()
    rc = p.wait()
    counts["seconds"] = round(time.monotonic() - t0, 1)
    json.dump(counts, sys.stdout)
    print()
    sys.exit(rc)


if __name__ == "__main__":
    main()
