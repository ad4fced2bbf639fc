"""Fixtures of the binding's tests.

The package is imported from the source tree (bindings/python), which finds
the library through $COMPLEXITY_LIBRARY or the build tree (build/); the CLI
is $CX_CLI or build/complexity. Anything missing fails the test with a message
saying what to build: no test skips.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BINDING_DIR = Path(__file__).resolve().parents[1]
REPO = BINDING_DIR.parents[1]
sys.path.insert(0, str(BINDING_DIR))

import complexity  # noqa: E402  (after the path is set)
from complexity import _lib  # noqa: E402

MODEL = REPO / "models" / "complexity_model_int8.onnx"
TOKENIZER = REPO / "models" / "complexity_tokenizer"
NGRAM = REPO / "models" / "complexity_ngram.safetensors"


@pytest.fixture(scope="session")
def library():
    """The loaded library; a clear failure when it is not built."""
    try:
        return _lib.library()
    except complexity.ComplexityError as e:
        pytest.fail("libcomplexity cannot be loaded (%s); run `ninja -C build` or set COMPLEXITY_LIBRARY" % e)


@pytest.fixture(scope="session")
def model_files():
    missing = [str(p) for p in (MODEL, TOKENIZER, NGRAM) if not p.exists()]
    if missing:
        pytest.fail("the shipped model is missing: %s" % ", ".join(missing))
    return MODEL


@pytest.fixture(scope="session")
def cli():
    path = Path(os.environ.get("CX_CLI", REPO / "build" / "complexity"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail("the CLI %s is not built (ninja -C build) or CX_CLI is wrong" % path)
    return path


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    """Every test runs from the repository root, where the seed's relative
    paths (models/...) resolve, as the CLI's do."""
    monkeypatch.chdir(REPO)


def run_cli(cli, *args):
    """Runs the CLI from the repository root; one parsed JSON object per
    output line."""
    proc = subprocess.run([str(cli), *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "%s failed: %s" % (" ".join(map(str, args)), proc.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def child_env():
    """The environment of a child Python that imports the source tree."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(BINDING_DIR)
    return env


# Ten prompts across tiers, languages and shapes (the CLI parity tests).
PROMPTS = [
    "hi",
    "What is the capital of France?",
    "Write a Python function that checks whether a string is a palindrome.",
    "Design a distributed key-value store with Raft consensus, analyze the trade-offs "
    "between consistency and availability, and outline a migration plan step by step.",
    "你好，请问今天天气怎么样？",
    "请帮我设计一个高并发的分布式交易系统，需要考虑数据一致性、容错和性能优化，并给出详细步骤。",
    "幫我把這段 code 改成 async 的: `def fetch(url): return requests.get(url).text`",
    "```python\nfor i in range(10):\n    print(i)\n```\nWhy does this print 0 to 9 and not 1 to 10?",
    "Prove that there are infinitely many primes, then generalize the argument to primes "
    "of the form 4k+3, and explain where it fails for 4k+1.",
    "Write a short poem about autumn leaves, in the style of Basho, with a twist ending.",
]
