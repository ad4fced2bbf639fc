#!/usr/bin/python3
"""Writes tests/data/estimate/kuro_config.yaml: a config.yaml as Kuro's save_config writes it
(yaml.dump(model_dump(), default_flow_style=False, allow_unicode=True, sort_keys=False)), with the
task_complexity section at the seed's defaults plus a few non-default values, and other sections
around it. The dict below is our transcription of the seed's TaskComplexityConfig defaults (SPEC §8).
usage: tools/make_kuro_config.py [OUT]
"""
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "estimate", "kuro_config.yaml")

task_complexity = {
    "enabled": True,
    "trigger_mode": "auto",
    "dimension_weights": {"token_length": 0.08, "reasoning_markers": 0.18, "domain_count": 0.13,
                          "step_indicators": 0.12, "code_complexity": 0.13, "context_dependency": 0.08,
                          "constraint_count": 0.08, "ambiguity": 0.05, "external_tool_need": 0.15},
    "llm_refinement": True,
    "refinement_model": "",
    "ambiguity_low": 0.35,
    "ambiguity_high": 0.65,
    "fast_model": "gemini/gemini-2.5-flash",   # non-default
    "standard_model": "",
    "frontier_model": "anthropic/claude-opus-4.6",  # non-default
    "tier_boundaries": {"trivial": 0.15, "simple": 0.35, "moderate": 0.6, "complex": 0.85},
    "decomposition_enabled": True,
    "decomposition_threshold": 0.8,
    "max_subtasks": 5,
    "parallel_subtasks": True,
    "ml_model_enabled": False,
    "ml_model_path": "",
    "ml_tokenizer_path": "",
    "ml_estimation_mode": "ml_refine",             # non-default
    "track_accuracy": True,
}
config = {
    "models": {"default": "anthropic/claude-sonnet-4.5", "providers": {"ollama": {"base_url": "http://localhost:11434"}}},
    "web_ui": {"enabled": True, "port": 7860},
    "task_complexity": task_complexity,
    "delegation_complexity": {"enabled": False, "tier_boundaries": {"trivial": 0.15}},
    "system_prompt": "You are Kuro, a personal AI assistant.\n多語言 — respond in the user's language.",
    "max_tool_rounds": 10,
}
with open(OUT, "w", encoding="utf-8") as f:
    yaml.dump(config, f, default_flow_style=False, allow_unicode=True, sort_keys=False)
print("wrote", OUT)
