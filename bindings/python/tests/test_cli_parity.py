"""The binding and the CLI give the same results for the same prompts."""

import json

from conftest import PROMPTS, run_cli

import complexity


def without_timing(d):
    """An estimate's dict without estimation_ms (wall time differs per run)."""
    return {k: v for k, v in d.items() if k != "estimation_ms"}


def test_classify_matches_cli(library, model_files, cli):
    expected = run_cli(cli, "classify", "--model", str(model_files), *PROMPTS)
    clf = complexity.MLComplexityClassifier(str(model_files))
    assert [clf.predict(p).to_dict() for p in PROMPTS] == expected


def test_classify_batch_matches_cli(library, model_files, cli):
    expected = run_cli(cli, "classify", "--model", str(model_files), *PROMPTS)
    clf = complexity.MLComplexityClassifier()
    assert [p.to_dict() for p in clf.predict_batch(PROMPTS)] == expected


def test_estimate_default_config_matches_cli(library, model_files, cli):
    expected = run_cli(cli, "estimate", *PROMPTS)
    est = complexity.ComplexityEstimator()
    got = [est.estimate(p).to_dict() for p in PROMPTS]
    assert [without_timing(d) for d in got] == [without_timing(d) for d in expected]
    assert any(d["estimation_method"] == "ml" for d in got), "the default config runs the shipped model"


def write_routing_config(path, mode):
    path.write_text(
        "task_complexity:\n"
        "  ml_model_enabled: true\n"
        "  ml_estimation_mode: %s\n"
        "  fast_model: small-model\n"
        "  standard_model: mid-model\n"
        "  frontier_model: big-model\n"
        "  decomposition_threshold: 0.7\n"
        "  dimension_weights: {reasoning_markers: 0.25}\n" % mode)
    return path


def test_estimate_config_file_matches_cli(library, model_files, cli, tmp_path):
    for mode in ("hybrid", "ml_refine", "ml_only"):
        config = write_routing_config(tmp_path / ("%s.yaml" % mode), mode)
        expected = run_cli(cli, "estimate", "--config", str(config), "--prior-messages", "3", *PROMPTS)
        est = complexity.ComplexityEstimator(str(config))
        got = [est.estimate(p, prior_messages=3).to_dict() for p in PROMPTS]
        assert [without_timing(d) for d in got] == [without_timing(d) for d in expected], mode


def test_estimate_precise_json_matches_cli(library, model_files, cli):
    expected = run_cli(cli, "estimate", "--precise", *PROMPTS)
    est = complexity.ComplexityEstimator()
    got = [json.loads(est.to_json(p, precise=True)) for p in PROMPTS]
    assert [without_timing(d) for d in got] == [without_timing(d) for d in expected]
