"""Perturbations that must not change a prompt's tier (issue 14): lower case,
a polite prefix, a trailing thanks, typos, the other punctuation width.

Used twice: tools/merge_training.py adds perturbed copies of the hand-written
training prompts (augmentation), and tools/perturb_check.py measures how often
the shipped model's tier survives them on the dev set. Deterministic for a
given random.Random.
"""
import random

PREFIX_EN = ["please ", "hey, ", "hi! ", "quick question: ", "could you help me? ", "pls ", "hello, "]
PREFIX_ZH = ["請問", "麻煩你，", "你好，", "不好意思，", "嗨～", "请问", "想問一下，"]
SUFFIX_EN = [" thanks", " thank you!", " thx", " thanks in advance", " 🙏", " cheers"]
SUFFIX_ZH = ["，謝謝", " 謝謝！", "，感謝", "～謝啦", " 🙏", "，谢谢"]
# ASCII punctuation and its full-width twin.
WIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}
WIDTH_BACK = {v: k for k, v in WIDTH.items()}


def has_cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def lower(text, rng):
    return text.lower()


def polite_prefix(text, rng):
    return rng.choice(PREFIX_ZH if has_cjk(text) else PREFIX_EN) + text


def trailing_thanks(text, rng):
    return text.rstrip() + rng.choice(SUFFIX_ZH if has_cjk(text) else SUFFIX_EN)


def typos(text, rng):
    """Two adjacent-letter swaps or drops inside Latin words (Chinese text is
    typed through an input method: a typo there is a wrong character, which
    this does not model)."""
    chars = list(text)
    spots = [i for i in range(len(chars) - 1) if chars[i].isascii() and chars[i].isalpha() and chars[i + 1].isalpha()]
    for i in rng.sample(spots, min(2, len(spots))):
        if rng.random() < 0.5:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = ""
    return "".join(chars)


def other_width(text, rng):
    if any(ch in WIDTH_BACK for ch in text):
        return "".join(WIDTH_BACK.get(ch, ch) for ch in text)
    return "".join(WIDTH.get(ch, ch) for ch in text)


PERTURBATIONS = [("lower", lower), ("prefix", polite_prefix), ("thanks", trailing_thanks),
                 ("typos", typos), ("width", other_width)]
