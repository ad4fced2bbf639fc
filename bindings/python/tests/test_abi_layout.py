"""The ctypes structs read what the C library wrote.

Each test fills a C struct through the library, reads it field by field with
the binding's ctypes mirror, and compares with the JSON the library itself
writes for the same struct. A field out of place, of the wrong type or an
array of the wrong size reads a neighbour's bytes, and the comparison fails.
Values are chosen to differ from each other and from zero, so that a shifted
field cannot match by accident. The first test checks that the library
writes nothing past the end of our structs (a mirror smaller than the C
struct would let it corrupt the heap); this file's name sorts first so that
it runs before the other tests use the structs. The last compiles a small
C program against include/ and compares every offset and size directly.
"""

import ctypes
import json
import shutil
import subprocess

import pytest

from conftest import PROMPTS, REPO

import complexity
from complexity import _lib
from complexity.classifier import MLPrediction, _Context, _LoadedModel
from complexity.estimator import ComplexityResult

# Every field of the config, none at its default, all distinct.
DISTINCT_CONFIG = {
    "enabled": False,
    "trigger_mode": "auto_silent",
    "dimension_weights": {
        "token_length": 0.11, "reasoning_markers": 0.12, "domain_count": 0.13, "step_indicators": 0.14,
        "code_complexity": 0.15, "context_dependency": 0.16, "constraint_count": 0.17, "ambiguity": 0.18,
        "external_tool_need": 0.19,
    },
    "llm_refinement": False,
    "refinement_model": "refine-model",
    "ambiguity_low": 0.21,
    "ambiguity_high": 0.71,
    "fast_model": "fast-model",
    "standard_model": "standard-model",
    "frontier_model": "frontier-model",
    "tier_boundaries": {"trivial": 0.11, "simple": 0.31, "moderate": 0.51, "complex": 0.81},
    "decomposition_enabled": False,
    "decomposition_threshold": 0.77,
    "max_subtasks": 7,
    "parallel_subtasks": False,
    "ml_model_enabled": True,
    "ml_model_path": "models/complexity_model_int8.onnx",
    "ml_tokenizer_path": "models/complexity_tokenizer",
    "ml_estimation_mode": "ml_refine",
    "track_accuracy": False,
}


GUARD = 0xAB
GUARD_BYTES = 256


def guarded(struct_type):
    """A struct_type placed at the start of a larger buffer filled with GUARD
    bytes: a C struct larger than our mirror writes into the tail."""
    size = ctypes.sizeof(struct_type)
    buf = (ctypes.c_ubyte * (size + GUARD_BYTES))(*([GUARD] * (size + GUARD_BYTES)))
    return buf, struct_type.from_buffer(buf), size


def assert_tail_untouched(buf, size, what):
    tail = bytes(buf[size:])
    assert tail == bytes([GUARD]) * GUARD_BYTES, "%s: the library wrote past our struct's end" % what


def raw_estimator(library):
    """A cx_estimator opened with the library's calls alone (no binding class
    touches a struct before this test has checked their sizes)."""
    opts = _lib.CxEstimatorOptions(config_path=None, ml_backend=library.cx_ml_backend_native(), logger=None)
    handle, err = ctypes.c_void_p(), _lib.CxError()
    assert library.cx_estimator_open(ctypes.byref(opts), ctypes.byref(handle), ctypes.byref(err)) == 0, err.msg
    return handle


def raw_classifier_ctx(library, model_path):
    classifier, ctx, err = ctypes.c_void_p(), ctypes.c_void_p(), _lib.CxError()
    assert library.cx_classifier_open(str(model_path).encode(), None, ctypes.byref(classifier),
                                      ctypes.byref(err)) == 0, err.msg
    assert library.cx_classifier_ctx_open(classifier, ctypes.byref(ctx), ctypes.byref(err)) == 0, err.msg
    return classifier, ctx


def test_c_writes_nothing_past_our_structs(library, model_files):
    text = _lib.encode_text(PROMPTS[3])
    err = _lib.CxError()
    est = raw_estimator(library)
    try:
        buf, cfg, size = guarded(_lib.CxEstimatorConfig)
        library.cx_estimator_get_config(est, ctypes.byref(cfg))
        assert_tail_untouched(buf, size, "cx_estimator_config")

        buf, info, size = guarded(_lib.CxMlInfo)
        library.cx_estimator_ml_info(est, ctypes.byref(info))
        assert_tail_untouched(buf, size, "cx_ml_info")
        assert info.active, "the default config runs the shipped model"

        buf, out, size = guarded(_lib.CxEstimate)
        assert library.cx_estimator_estimate(est, text, len(text), 2, ctypes.byref(out), ctypes.byref(err)) == 0
        assert_tail_untouched(buf, size, "cx_estimate")
    finally:
        library.cx_estimator_free(est)

    classifier, ctx = raw_classifier_ctx(library, model_files)
    try:
        buf, pred, size = guarded(_lib.CxPrediction)
        assert library.cx_classifier_predict(ctx, text, len(text), ctypes.byref(pred), ctypes.byref(err)) == 0
        assert_tail_untouched(buf, size, "cx_prediction")
    finally:
        library.cx_classifier_ctx_free(ctx)
        library.cx_classifier_free(classifier)

    # a message longer than CX_ERRMSG_MAX fills the whole array (the name is its prefix)
    buf, cerr, size = guarded(_lib.CxError)
    name = b"bad-config-" + b"x" * 2 * _lib.CX_ERRMSG_MAX
    cfg = _lib.CxEstimatorConfig()
    assert library.cx_estimator_config_parse(b"x: [", 4, name, ctypes.byref(cfg), ctypes.byref(cerr)) != 0
    assert cerr.code < 0 and len(cerr.msg) == _lib.CX_ERRMSG_MAX - 1 and cerr.msg.startswith(b"bad-config-")
    assert_tail_untouched(buf, size, "cx_error")


def c_prediction_json(library, raw):
    return json.loads(library.take_string(library.cx_prediction_to_json(ctypes.byref(raw))))


def test_prediction_fields_match_c_json(library, model_files):
    ctx = _Context(_LoadedModel(str(model_files), None, 0))
    for text in PROMPTS:
        raw = ctx.predict(_lib.encode_text(text))
        expected = c_prediction_json(library, raw)
        pred = MLPrediction.from_c(raw)
        assert pred.to_dict() == expected
        # and the unrounded fields agree with the JSON to its 6 places
        assert pred.score == pytest.approx(expected["score"], abs=5e-7)
        for name in ("tier_probs", "intent_probs", "domain_scores"):
            got = getattr(pred, name)
            assert list(got) == list(expected[name])
            assert all(got[k] == pytest.approx(v, abs=5e-7) for k, v in expected[name].items())


def test_batch_prediction_array_stride(library, model_files):
    """An array of cx_prediction: a wrong struct size shifts every element after the first."""
    ctx = _Context(_LoadedModel(str(model_files), None, 0))
    raws = ctx.predict_batch([_lib.encode_text(t) for t in PROMPTS])
    assert [c_prediction_json(library, r) for r in raws] == \
        [c_prediction_json(library, ctx.predict(_lib.encode_text(t))) for t in PROMPTS]


def estimator_with_distinct_config():
    est = complexity.ComplexityEstimator(config=dict(DISTINCT_CONFIG, ml_estimation_mode="hybrid"))
    assert est.ml_info()["active"]
    return est


def test_estimate_fields_match_precise_c_json(library, model_files):
    est = estimator_with_distinct_config()
    for prior, text in enumerate(PROMPTS):
        raw = est._estimate_raw(text, prior)
        expected = json.loads(library.take_string(library.cx_estimate_to_json(ctypes.byref(raw), 1)))
        result = ComplexityResult.from_c(raw)
        assert result.score == expected["score"]
        assert result.heuristic_score == expected["heuristic_score"]
        assert result.tier == expected["tier"]
        assert result.suggested_model == expected["suggested_model"]
        assert result.suggested_model in ("fast-model", "standard-model", "frontier-model")
        assert result.needs_decomposition is expected["needs_decomposition"]
        assert result.estimation_method == expected["estimation_method"] == "hybrid_ml"
        assert result.estimation_ms == expected["estimation_ms"]
        assert [(d.name, d.score, d.weight, d.detail) for d in result.dimensions] == \
            [(d["name"], d["score"], d["weight"], d["detail"]) for d in expected["dimensions"]]
        assert result.ml_intent == expected["ml_intent"]
        assert result.ml_domains == expected["ml_domains"]
        # the rounded form is the library's cx_estimate_to_json(e, 0)
        rounded = json.loads(library.take_string(library.cx_estimate_to_json(ctypes.byref(raw), 0)))
        assert result.to_dict() == rounded


def test_estimate_ml_prediction_matches_classifier(library, model_files):
    """cx_estimate.ml (a cx_prediction at the end of the struct) holds what the
    classifier predicts for the same text."""
    est = estimator_with_distinct_config()
    clf = complexity.MLComplexityClassifier()
    for text in PROMPTS:
        assert est.estimate(text).ml_prediction.to_dict() == clf.predict(text).to_dict()


def read_config_struct(library, cfg):
    """Every field of a cx_estimator_config, read through the ctypes mirror
    into the JSON's shape."""
    names = library.names
    return {
        "enabled": bool(cfg.enabled),
        "trigger_mode": names["cx_trigger_mode_names"][cfg.trigger_mode],
        "dimension_weights": dict(zip(names["cx_dim_names"], cfg.dimension_weights)),
        "llm_refinement": bool(cfg.llm_refinement),
        "refinement_model": cfg.refinement_model.decode(),
        "ambiguity_low": cfg.ambiguity_low,
        "ambiguity_high": cfg.ambiguity_high,
        "fast_model": cfg.fast_model.decode(),
        "standard_model": cfg.standard_model.decode(),
        "frontier_model": cfg.frontier_model.decode(),
        "tier_boundaries": dict(zip(names["cx_tier_names"], cfg.tier_boundaries)),
        "decomposition_enabled": bool(cfg.decomposition_enabled),
        "decomposition_threshold": cfg.decomposition_threshold,
        "max_subtasks": cfg.max_subtasks,
        "parallel_subtasks": bool(cfg.parallel_subtasks),
        "ml_model_enabled": bool(cfg.ml_model_enabled),
        "ml_model_path": cfg.ml_model_path.decode(),
        "ml_tokenizer_path": cfg.ml_tokenizer_path.decode(),
        "ml_estimation_mode": names["cx_ml_mode_names"][cfg.ml_estimation_mode],
        "track_accuracy": bool(cfg.track_accuracy),
    }


def test_config_fields_match_c_json(library, model_files):
    est = complexity.ComplexityEstimator(config=DISTINCT_CONFIG)
    c_json = est.get_config()
    assert c_json == DISTINCT_CONFIG
    assert read_config_struct(library, est._config_raw()) == c_json


def test_ml_info_fields(library, model_files, tmp_path):
    """cx_ml_info: the fields after the 4 KiB path arrays read right."""
    est = complexity.ComplexityEstimator()
    before = est.ml_info()
    missing = str(tmp_path / "absent.onnx")
    assert est.reload({"ml_model_path": missing}) == "ml_model_not_found"
    info = est.ml_info()
    assert info == {"active": False, "model_path": "", "tokenizer_path": "", "last_change": "ml_model_not_found",
                    "last_error": "model not found: %s" % missing, "reloads": before["reloads"] + 1}
    assert est.reload({"ml_model_path": str(model_files),
                       "ml_tokenizer_path": "models/complexity_tokenizer"}) == "ml_enabled"
    info = est.ml_info()
    assert info == {"active": True, "model_path": str(model_files), "tokenizer_path": "models/complexity_tokenizer",
                    "last_change": "ml_enabled", "last_error": "", "reloads": before["reloads"] + 2}


def test_classifier_options_fields(library, model_files, tmp_path):
    """cx_classifier_options: max_length and tokenizer land where C reads them."""
    assert _LoadedModel(str(model_files), None, 100).max_length == 100
    with pytest.raises(complexity.ComplexityError) as caught:
        _LoadedModel(str(model_files), str(tmp_path / "no-tokenizer"), 0)
    assert "no-tokenizer" in caught.value.message


def test_estimator_options_fields(library, model_files, tmp_path, caplog):
    """cx_estimator_options: the config path, backend and logger are each used."""
    config = tmp_path / "config.yaml"
    config.write_text("task_complexity:\n  max_subtasks: 9\n  ml_estimation_mode: hybrid\n")
    caplog.set_level("INFO", logger="complexity")
    est = complexity.ComplexityEstimator(str(config))
    assert est.get_config()["max_subtasks"] == 9
    assert est.ml_info()["active"]
    assert est.estimate("hi").estimation_method == "hybrid_ml"
    assert any(r.getMessage().startswith("ml_classifier_loaded model=") for r in caplog.records)


# Each mirror and the C type it mirrors.
C_TYPES = {
    _lib.CxError: "cx_error",
    _lib.CxPrediction: "cx_prediction",
    _lib.CxClassifierOptions: "cx_classifier_options",
    _lib.CxDimension: "cx_dimension",
    _lib.CxEstimate: "cx_estimate",
    _lib.CxEstimatorConfig: "cx_estimator_config",
    _lib.CxEstimatorOptions: "cx_estimator_options",
    _lib.CxMlInfo: "cx_ml_info",
}


def offsets_program():
    """C source printing `type.field offset` and `type.sizeof size` for every
    field of every mirror, from the headers in include/."""
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <complexity/classifier.h>",
             "#include <complexity/estimator.h>", "int main(void) {"]
    for struct, c_name in C_TYPES.items():
        lines.append('printf("%s.sizeof %%zu\\n", sizeof(%s));' % (c_name, c_name))
        for name, _ in struct._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (c_name, name, c_name, name))
    return "\n".join(lines + ["return 0;", "}"])


def test_offsets_match_the_headers(tmp_path):
    """Every field's offset and every struct's size, as the C compiler lays
    them out from include/complexity/*.h, equal the ctypes mirror's."""
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler (cc) is needed to read the headers' layout"
    src, exe = tmp_path / "offsets.c", tmp_path / "offsets"
    src.write_text(offsets_program())
    subprocess.run([cc, "-I", str(REPO / "include"), str(src), "-o", str(exe)], check=True, timeout=60)
    c_layout = dict(line.split() for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                            check=True).stdout.splitlines())
    ours = {}
    for struct, c_name in C_TYPES.items():
        ours["%s.sizeof" % c_name] = str(ctypes.sizeof(struct))
        for name, _ in struct._fields_:
            ours["%s.%s" % (c_name, name)] = str(getattr(struct, name).offset)
    assert {k: v for k, v in ours.items() if c_layout.get(k) != v} == {}, "ctypes vs C: see c_layout"
    assert c_layout == ours
