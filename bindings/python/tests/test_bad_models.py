"""A missing, truncated or foreign model file is an error, never a crash:
None + load_error (the seed's behaviour), ComplexityError in strict mode.
Each case also runs in a child interpreter, so a segfault would show as a
failed test instead of killing the suite."""

import logging
import os
import shutil
import subprocess
import sys

import pytest

from conftest import MODEL, NGRAM, TOKENIZER, child_env

import complexity

# What a child interpreter runs: load one model, print the outcome.
CHILD = """
import sys, complexity
clf = complexity.MLComplexityClassifier(sys.argv[1])
assert clf.predict("Write a sorting function") is None
assert not clf.is_available
print("load_error:", clf.load_error)
try:
    complexity.MLComplexityClassifier(sys.argv[1], strict=True).predict("x")
except complexity.ComplexityError as e:
    print("strict:", e.code, e.message)
"""


def model_folder(tmp_path, name, content):
    """tmp/NAME/complexity_model_int8.onnx holding `content`, the tokenizer
    beside it (so the model file is what fails), and no n-gram part."""
    folder = tmp_path / name
    folder.mkdir()
    shutil.copytree(TOKENIZER, folder / "complexity_tokenizer")
    model = folder / "complexity_model_int8.onnx"
    model.write_bytes(content)
    return model


def bad_models(tmp_path):
    """name -> path of each broken model."""
    data = MODEL.read_bytes()
    cases = {"truncated_%d" % n: data[:n] for n in (0, 7, 100, 4096, len(data) // 2, len(data) - 1)}
    cases["random_bytes"] = os.urandom(200_000)
    cases["text_file"] = b"this is not a model\n" * 50
    paths = {name: model_folder(tmp_path, name, content) for name, content in cases.items()}
    # a good model with a broken n-gram part beside it
    ngram_case = model_folder(tmp_path, "truncated_ngram", data)
    (ngram_case.parent / NGRAM.name).write_bytes(NGRAM.read_bytes()[:5000])
    paths["truncated_ngram"] = ngram_case
    paths["missing"] = tmp_path / "absent" / "complexity_model_int8.onnx"
    paths["a_directory"] = tmp_path
    return paths


def test_bad_model_gives_none_and_load_error(library, model_files, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="complexity")
    for name, path in bad_models(tmp_path).items():
        caplog.clear()
        clf = complexity.MLComplexityClassifier(str(path))
        assert clf.predict("Write a sorting function") is None, name
        assert clf.predict_batch(["a", "b"]) is None, name
        assert clf.is_available is False, name
        assert clf.load_error, name
        info = clf.get_info()
        assert info["available"] is False and info["load_error"] == clf.load_error, name
        events = [r.getMessage().split(" ", 1)[0] for r in caplog.records]
        expected = "ml_classifier_model_not_found" if name == "missing" else "ml_classifier_load_failed"
        assert events == [expected], (name, events)


def test_bad_model_raises_in_strict_mode(library, model_files, tmp_path):
    for name, path in bad_models(tmp_path).items():
        clf = complexity.MLComplexityClassifier(str(path), strict=True)
        with pytest.raises(complexity.ComplexityError) as caught:
            clf.predict("x")
        assert caught.value.code < 0 and caught.value.message, name
        assert caught.value.message == clf.load_error, name
        with pytest.raises(complexity.ComplexityError):
            clf.predict_batch(["x"])


def test_missing_model_error_names_the_path(library, tmp_path):
    path = tmp_path / "nothing.onnx"
    clf = complexity.MLComplexityClassifier(str(path), strict=True)
    with pytest.raises(complexity.ComplexityError) as caught:
        clf.predict("x")
    assert caught.value.code == -6  # CX_ERR_NOT_FOUND
    assert str(path) in caught.value.message


def test_bad_model_in_child_interpreter(library, model_files, tmp_path):
    for name, path in bad_models(tmp_path).items():
        proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=tmp_path, env=child_env(),
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, "%s: exit %d\n%s" % (name, proc.returncode, proc.stderr)
        assert "load_error: " in proc.stdout and "strict: -" in proc.stdout, (name, proc.stdout)


def test_estimator_survives_a_bad_model(library, model_files, tmp_path):
    """The estimator's hot reload onto a broken file: ml_load_failed, then the
    heuristic, and back to ML with the good model."""
    est = complexity.ComplexityEstimator()
    bad = model_folder(tmp_path, "bad", MODEL.read_bytes()[:4096])
    assert est.reload({"ml_model_path": str(bad)}) == "ml_load_failed"
    info = est.ml_info()
    assert not info["active"] and "truncated" in info["last_error"]
    assert est.estimate("Design a compiler").estimation_method == "heuristic"
    assert est.reload({"ml_model_path": str(MODEL)}) == "ml_enabled"
    assert est.estimate("Design a compiler").estimation_method == "ml"
