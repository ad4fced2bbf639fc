#!/usr/bin/env python3
"""The dev-set table of issue 14: every predictor's figures on a labelled
file, overall, per language and re-weighted to a realistic traffic mix.

usage: dev_table.py --data DEV.jsonl NAME=PRED.jsonl [NAME=PRED.jsonl ...] [--json OUT.json]

Records without "lang" get one guessed (guess_lang). Each PRED file has one JSON object per line of DATA, in order, with "score" and
"tier" and, where the predictor has them, "intent" and "domains" (as
`complexity classify` prints) or "ml_intent" / "ml_domains" (as `complexity
estimate` prints). Figures: tier exact, within one tier, score MAE, intent
accuracy, domain micro-F1, routing accuracy (trivial/simple -> fast,
moderate -> standard, complex/expert -> frontier), the share of frontier-needed
prompts sent to fast (f->fast) and of fast-enough prompts sent to frontier
(fast->f). Languages: en, zh-TW, zh-CN (Chinese records told apart by
OpenCC's character tables: more Simplified-only than Traditional-only
characters), mixed, other. "realistic mix" re-weights the records so the tiers
weigh as real traffic does (20/50/28/1.5/0.5 %, trivial..expert).

Then ordering checks, as AUC of the predicted score per language: math prompts
of moderate tier or above against math prompts of simple or below ("math"),
and frontier-needed prompts (complex, expert) against fast-enough ones
(trivial, simple) ("route").
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from labels import TIERS, load_jsonl as load
ROUTE = {"trivial": 0, "simple": 0, "moderate": 1, "complex": 2, "expert": 2}
REAL_MIX = {"trivial": 0.20, "simple": 0.50, "moderate": 0.28, "complex": 0.015, "expert": 0.005}
HEADS = ["tier", "within1", "mae", "intent", "domF1", "route", "f->fast", "fast->f"]


def opencc_keys(name):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "d.txt")
        subprocess.run(["opencc_dict", "-i", f"/usr/share/opencc/{name}.ocd2", "-o", out,
                        "-f", "ocd2", "-t", "text"], check=True)
        with open(out, encoding="utf-8") as f:
            return {line.split("\t")[0] for line in f if len(line.split("\t")[0]) == 1}


def guess_lang(text):
    """For files without "lang" (the seed's reference data): Chinese with two or
    more English words is mixed, Chinese alone zh, the rest en."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "en"
    words = [w for w in re.findall(r"[A-Za-z]{2,}", text)]
    return "mixed" if len(words) >= 2 else "zh"


def language_groups(recs):
    try:
        simp, trad = opencc_keys("STCharacters"), opencc_keys("TSCharacters")
    except (OSError, subprocess.CalledProcessError):
        simp = trad = set()
    groups = []
    for r in recs:
        lang = r.get("lang") or guess_lang(r["text"])
        if lang == "zh":
            s = sum(ch in simp for ch in r["text"])
            t = sum(ch in trad for ch in r["text"])
            lang = "zh-CN" if s > t else "zh-TW"
        groups.append(lang)
    return groups


def figures(gold, pred, weights):
    acc = {k: [0.0, 0.0] for k in HEADS}  # weighted sum, weight

    def add(k, v, w):
        acc[k][0] += v * w
        acc[k][1] += w

    tp = fp = fn = 0.0
    for g, p, w in zip(gold, pred, weights):
        gt, pt = TIERS.index(g["tier"]), TIERS.index(p["tier"])
        add("tier", gt == pt, w)
        add("within1", abs(gt - pt) <= 1, w)
        add("mae", abs(g["score"] - p["score"]), w)
        add("route", ROUTE[g["tier"]] == ROUTE[p["tier"]], w)
        if ROUTE[g["tier"]] == 2:
            add("f->fast", ROUTE[p["tier"]] == 0, w)
        if ROUTE[g["tier"]] == 0:
            add("fast->f", ROUTE[p["tier"]] == 2, w)
        intent = p.get("intent", p.get("ml_intent"))
        if intent is not None:
            add("intent", intent == g["intent"], w)
        doms = p.get("domains", p.get("ml_domains"))
        if doms is not None:
            gs, ps = set(g["domains"]), set(doms)
            tp += w * len(gs & ps)
            fp += w * len(ps - gs)
            fn += w * len(gs - ps)
    out = {k: (s / n if n else None) for k, (s, n) in acc.items()}
    has_domains = any(p.get("domains", p.get("ml_domains")) is not None for p in pred)
    out["domF1"] = (2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0) if has_domains else None
    out["n"] = len(gold)
    return out


def auc(pos, neg):
    """P(score of a positive > score of a negative), ties counting half."""
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def ordering(gold, pred, mask):
    out = {}
    idx = [i for i, m in enumerate(mask) if m]
    math = [i for i in idx if "math" in gold[i]["domains"]]
    out["math"] = auc([pred[i]["score"] for i in math if TIERS.index(gold[i]["tier"]) >= 2],
                      [pred[i]["score"] for i in math if TIERS.index(gold[i]["tier"]) <= 1])
    out["route"] = auc([pred[i]["score"] for i in idx if ROUTE[gold[i]["tier"]] == 2],
                       [pred[i]["score"] for i in idx if ROUTE[gold[i]["tier"]] == 0])
    return out


def fmt(k, v):
    if v is None:
        return "-"
    return f"{v:.3f}" if k in ("mae", "auc") else f"{100 * v:.1f}"


def main():
    args = sys.argv[1:]
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    if len(args) < 3 or args[0] != "--data":
        sys.exit(__doc__)
    gold = load(args[1])
    preds = []
    for spec in args[2:]:
        name, _, path = spec.partition("=")
        p = load(path)
        if len(p) != len(gold):
            sys.exit(f"{path}: {len(p)} predictions for {len(gold)} records in {args[1]}")
        preds.append((name, p))
    langs = language_groups(gold)
    slices = [("all", [True] * len(gold))]
    for lang in ("en", "zh-TW", "zh-CN", "mixed", "other"):
        mask = [l == lang for l in langs]
        if any(mask):
            slices.append((lang, mask))
    tier_n = {t: sum(g["tier"] == t for g in gold) for t in TIERS}
    real_w = [REAL_MIX[g["tier"]] / tier_n[g["tier"]] for g in gold]
    result = {}
    print("| predictor | slice | n | " + " | ".join(HEADS) + " |")
    print("|---|---|---|" + "---|" * len(HEADS))
    for name, p in preds:
        result[name] = {}
        rows = [(s, m, [1.0] * len(gold)) for s, m in slices] + [("realistic mix", [True] * len(gold), real_w)]
        for sname, mask, w in rows:
            sel = [i for i, m in enumerate(mask) if m]
            f = figures([gold[i] for i in sel], [p[i] for i in sel], [w[i] for i in sel])
            result[name][sname] = f
            print(f"| {name} | {sname} | {f['n']} | " + " | ".join(fmt(k, f[k]) for k in HEADS) + " |")
    print()
    print("| predictor | " + " | ".join(f"{s} math AUC | {s} route AUC" for s, _ in slices) + " |")
    print("|---|" + "---|---|" * len(slices))
    for name, p in preds:
        cells = []
        for sname, mask in slices:
            o = ordering(gold, p, mask)
            result[name][sname]["auc_math"], result[name][sname]["auc_route"] = o["math"], o["route"]
            cells += [fmt("auc", o["math"]), fmt("auc", o["route"])]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if json_out:
        with open(json_out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(json_out + ".tmp", json_out)


if __name__ == "__main__":
    main()
