"""The label lists and score ranges of SPEC §1-2 and LABELING.md, in contract
order (the same as include/complexity/labels.h), and the reader of labelled
JSONL files, for the Python tools."""
import json

TIERS = ["trivial", "simple", "moderate", "complex", "expert"]
INTENTS = ["greeting", "question", "code_gen", "analysis", "debug", "planning", "creative", "multi_step"]
DOMAINS = ["code", "math", "data", "system", "creative"]
LANGS = ["en", "zh", "mixed", "other"]
# score range of each tier, inclusive
TIER_RANGES = {"trivial": (0.00, 0.12), "simple": (0.15, 0.32), "moderate": (0.38, 0.58),
               "complex": (0.62, 0.82), "expert": (0.86, 0.98)}


def load_jsonl(path):
    """The records of a JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
