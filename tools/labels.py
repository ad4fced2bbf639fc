"""The label lists and score ranges of SPEC §1-2 and LABELING.md, in contract
order (the same as include/complexity/labels.h), for the Python tools."""
TIERS = ["trivial", "simple", "moderate", "complex", "expert"]
INTENTS = ["greeting", "question", "code_gen", "analysis", "debug", "planning", "creative", "multi_step"]
DOMAINS = ["code", "math", "data", "system", "creative"]
LANGS = ["en", "zh", "mixed", "other"]
# score range of each tier, inclusive
TIER_RANGES = {"trivial": (0.00, 0.12), "simple": (0.15, 0.32), "moderate": (0.38, 0.58),
               "complex": (0.62, 0.82), "expert": (0.86, 0.98)}
