"""The seed runtime's surface (SPEC §8), as Kuro calls it, plus ours."""

import logging
import os
import re
import time

import pytest

from conftest import MODEL, PROMPTS, REPO, TOKENIZER

import complexity
from complexity import _lib

SEED_PREDICTION_KEYS = ["score", "tier", "domains", "intent", "tier_probs", "intent_probs", "domain_scores"]
SEED_RESULT_KEYS = ["score", "tier", "suggested_model", "needs_decomposition", "estimation_method",
                    "estimation_ms", "dimensions"]
DIMENSIONS = ["token_length", "reasoning_markers", "domain_count", "step_indicators", "code_complexity",
              "context_dependency", "constraint_count", "ambiguity", "external_tool_need"]


# ---- versions ---------------------------------------------------------------

def test_versions_agree(library):
    header = (REPO / "include" / "complexity" / "common.h").read_text()
    version = re.search(r'#define CX_VERSION_STRING "([^"]+)"', header).group(1)
    assert complexity.__version__ == version == complexity.library_version()
    assert os.path.exists(complexity.library_path())


# ---- MLComplexityClassifier -------------------------------------------------

def test_default_paths_are_the_seeds_under_the_cwd(library):
    assert complexity.MLComplexityClassifier.get_default_model_path() == "models/complexity_model_int8.onnx"
    assert complexity.MLComplexityClassifier.get_default_tokenizer_path() == "models/complexity_tokenizer"
    clf = complexity.MLComplexityClassifier()
    assert (clf.model_path, clf.tokenizer_path) == ("models/complexity_model_int8.onnx", "models/complexity_tokenizer")


def test_prediction_has_the_seeds_fields(library, model_files):
    p = complexity.MLComplexityClassifier().predict("Write a Python function to sort a list")
    assert isinstance(p, complexity.MLPrediction)
    assert 0.0 <= p.score <= 1.0
    assert (p.tier, p.intent, p.domains) == ("simple", "code_gen", ["code"])
    assert list(p.tier_probs) == list(library.names["cx_tier_names"])
    assert list(p.intent_probs) == list(library.names["cx_intent_names"])
    assert list(p.domain_scores) == list(library.names["cx_domain_names"])
    assert sum(p.tier_probs.values()) == pytest.approx(1.0)
    assert list(p.to_dict()) == SEED_PREDICTION_KEYS


def test_loads_lazily_and_logs_like_the_seed(library, model_files, caplog):
    caplog.set_level(logging.INFO, logger="complexity")
    clf = complexity.MLComplexityClassifier()
    assert caplog.records == []  # nothing loaded yet
    assert clf.is_available
    messages = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"ml_classifier_loaded model=models/complexity_model_int8\.onnx size_mb=\d+\.\d", messages[0])
    assert messages[1] == "ml_tokenizer_loaded path=models/complexity_tokenizer"
    assert all(r.name == "complexity" for r in caplog.records)


def test_get_info(library, model_files):
    clf = complexity.MLComplexityClassifier(str(MODEL), str(TOKENIZER))
    info = clf.get_info()
    assert info == {
        "model_path": str(MODEL),
        "tokenizer_path": str(TOKENIZER),
        "backend": library.cx_classifier_backend(clf._model.ptr).decode(),
        "max_length": 128,  # the shipped tokenizer's model_max_length
        "available": True,
        "load_error": None,
        "library_version": complexity.library_version(),
    }
    assert info["backend"].startswith("int8/")


def test_max_length_is_passed_to_the_library(library, model_files):
    clf = complexity.MLComplexityClassifier(max_length=64)
    assert clf.get_info()["max_length"] == 64


def test_tokenizer_beside_a_given_model(library, model_files):
    clf = complexity.MLComplexityClassifier(str(MODEL))
    assert clf.tokenizer_path is None and clf.is_available


def test_texts_of_every_kind(library, model_files):
    clf = complexity.MLComplexityClassifier(strict=True)
    for text in ["", " ", "\x00embedded nul", "lone surrogate \udc80", b"raw bytes \xff\xfe", "🙂" * 500,
                 "x" * 100_000]:
        assert 0.0 <= clf.predict(text).score <= 1.0, repr(text[:20])
    assert clf.predict_batch([]) == []


def test_predict_batch_equals_predict(library, model_files):
    clf = complexity.MLComplexityClassifier()
    assert [p.to_dict() for p in clf.predict_batch(PROMPTS)] == [clf.predict(t).to_dict() for t in PROMPTS]


def test_strict_error_carries_code_and_message(library, tmp_path):
    clf = complexity.MLComplexityClassifier(str(MODEL), str(tmp_path / "no-tokenizer"), strict=True)
    with pytest.raises(complexity.ComplexityError) as caught:
        clf.predict("x")
    err = caught.value
    assert isinstance(err, Exception) and err.code < 0 and "no-tokenizer" in err.message
    assert str(err) == err.message


def test_close_then_use_reloads(library, model_files):
    clf = complexity.MLComplexityClassifier()
    first = clf.predict("hello").to_dict()
    clf.close()
    assert clf.predict("hello").to_dict() == first


# ---- ComplexityEstimator ----------------------------------------------------

def test_result_has_the_seeds_fields(library, model_files):
    est = complexity.ComplexityEstimator()
    r = est.estimate("Design a distributed database with consensus and analyze the trade-offs")
    assert isinstance(r, complexity.ComplexityResult)
    assert [d.name for d in r.dimensions] == DIMENSIONS
    assert all(isinstance(d, complexity.Dimension) and d.detail for d in r.dimensions)
    assert r.estimation_method == "ml" and r.ml_intent in library.names["cx_intent_names"]
    assert set(r.ml_domains) <= set(library.names["cx_domain_names"])
    assert r.ml_prediction.intent == r.ml_intent
    assert list(r.to_dict()) == SEED_RESULT_KEYS + ["ml_intent", "ml_domains"]


def test_heuristic_only_without_ml(library, caplog):
    caplog.set_level(logging.WARNING, logger="complexity")
    est = complexity.ComplexityEstimator(use_ml=False)
    r = est.estimate("Design a compiler")
    assert r.estimation_method == "heuristic" and r.ml_intent is None and r.ml_domains is None
    assert "ml_intent" not in r.to_dict()
    assert "no ML runtime" in est.ml_info()["last_error"]
    assert [m.getMessage().split(" ")[0] for m in caplog.records] == ["ml_classifier_unavailable"]


def test_config_dict_and_routing(library, model_files):
    est = complexity.ComplexityEstimator(config={"fast_model": "small", "frontier_model": "big",
                                                 "ml_estimation_mode": "hybrid"})
    assert est.get_config()["ml_estimation_mode"] == "hybrid"
    assert est.estimate("hi").suggested_model == "small"
    r = est.estimate(PROMPTS[3])
    assert r.tier in ("complex", "expert") and r.suggested_model == "big"


def test_config_and_path_together_are_refused(library, tmp_path):
    with pytest.raises(ValueError):
        complexity.ComplexityEstimator(config_path=str(tmp_path / "c.yaml"), config={})


def test_bad_config_raises(library, tmp_path):
    with pytest.raises(complexity.ComplexityError) as caught:
        complexity.ComplexityEstimator(config={"ml_estimation_mode": "turbo"})
    assert caught.value.code == -2 and "unknown mode 'turbo'" in caught.value.message
    missing = tmp_path / "absent.yaml"
    with pytest.raises(complexity.ComplexityError) as caught:
        complexity.ComplexityEstimator(str(missing))
    assert str(missing) in caught.value.message


def test_reload_returns_the_seeds_strings(library, model_files, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="complexity")
    est = complexity.ComplexityEstimator()
    copy = tmp_path / "complexity_model_int8.onnx"
    copy.write_bytes(MODEL.read_bytes())
    ngram = MODEL.parent / "complexity_ngram.safetensors"
    (tmp_path / ngram.name).write_bytes(ngram.read_bytes())
    steps = [
        ({"fast_model": "small"}, "ml_unchanged"),
        ({"ml_model_enabled": False}, "ml_disabled"),
        ({"ml_model_enabled": True}, "ml_enabled"),
        ({"ml_model_path": str(copy)}, "ml_reloaded"),
        ({"ml_model_path": str(tmp_path / "gone.onnx")}, "ml_model_not_found"),
    ]
    for change, expected in steps:
        assert est.reload(change) == expected, change
    config = est.get_config()
    assert config["fast_model"] == "small" and config["ml_model_enabled"]  # partial: merged over the config in force
    events = [r.getMessage().split(" ")[0] for r in caplog.records]
    for event in ("ml_classifier_unloaded", "ml_classifier_loaded", "ml_classifier_reloaded",
                  "ml_classifier_model_not_found"):
        assert event in events


def test_reload_merges_maps_and_refuses_bad_values(library):
    est = complexity.ComplexityEstimator(use_ml=False)
    est.reload({"dimension_weights": {"ambiguity": 0.5}})
    weights = est.get_config()["dimension_weights"]
    assert weights["ambiguity"] == 0.5 and weights["token_length"] == 0.08
    before = est.get_config()
    with pytest.raises(complexity.ComplexityError) as caught:
        est.reload({"tier_boundaries": {"simple": 0.01}})
    assert "must increase" in caught.value.message
    assert est.get_config() == before


def write(path, text):
    """Writes a config so that its stamp (mtime, size) surely changes."""
    path.write_text(text)
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_maybe_reload_follows_the_file(library, model_files, tmp_path):
    config = tmp_path / "config.yaml"
    write(config, "task_complexity:\n  fast_model: a\n")
    est = complexity.ComplexityEstimator(str(config))
    assert est.maybe_reload() is False
    write(config, "task_complexity:\n  fast_model: bb\n  ml_model_enabled: false\n")
    assert est.maybe_reload() is True
    assert est.get_config()["fast_model"] == "bb" and not est.ml_info()["active"]
    write(config, "task_complexity:\n  fast_model: [\n")
    with pytest.raises(complexity.ComplexityError) as caught:
        est.maybe_reload()
    assert str(config) in caught.value.message
    assert est.maybe_reload() is False  # reported once per change
    assert est.get_config()["fast_model"] == "bb"


def test_estimator_logs_lines_as_the_seed(library, model_files, caplog):
    caplog.set_level(logging.INFO, logger="complexity")
    est = complexity.ComplexityEstimator()
    caplog.clear()
    est.estimate("hi")
    (line,) = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"complexity_estimated score=\S+ tier=trivial method=ml model=None decompose=False ms=\S+",
                        line)


def test_quiet_logger_drops_lines_in_c(library, model_files, caplog):
    """At WARNING the C logger is opened at warning: info lines never reach Python."""
    caplog.set_level(logging.WARNING, logger="complexity")
    est = complexity.ComplexityEstimator()
    est.estimate("hi")
    assert caplog.records == []


def test_prior_messages_feed_context_dependency(library):
    est = complexity.ComplexityEstimator(use_ml=False)
    dims = {d.name: d for d in est.estimate("and the previous one?", prior_messages=20).dimensions}
    assert dims["context_dependency"].detail.startswith("20 prior user messages")


def test_closed_estimator_refuses_calls(library):
    with complexity.ComplexityEstimator(use_ml=False) as est:
        est.estimate("hi")
    with pytest.raises(ValueError):
        est.estimate("hi")


def test_library_search_order(library, monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLEXITY_LIBRARY", str(tmp_path / "libx.so"))
    assert _lib.candidate_paths() == [tmp_path / "libx.so"]
    monkeypatch.delenv("COMPLEXITY_LIBRARY")
    paths = _lib.candidate_paths()
    assert REPO / "build" / "libcomplexity.so" in paths
