"""The runtime estimator (SPEC §8): what Kuro calls for every user message.

Heuristic dimensions, the ML blend, tier, routing and the decomposition flag
all happen in libcomplexity's cx_estimator, which is safe to call from many
threads at once (its ML predictions run concurrently from a pool of
classifier contexts), so one ComplexityEstimator serves every thread.
"""

import ctypes
import json
import os
from dataclasses import dataclass, field
from typing import List, Optional

from . import _lib, _paths
from ._log import LogBridge
from .classifier import MLPrediction

# Fields of the config that are maps: a partial map in reload() overrides only
# the keys it names, as the config file parser does.
_MAP_FIELDS = ("dimension_weights", "tier_boundaries")


@dataclass
class Dimension:
    """One heuristic dimension: its score in [0,1], its weight, and a
    human-readable detail ("3 markers: analyze, compare, design")."""

    name: str
    score: float
    weight: float
    detail: str

    def to_dict(self):
        return {"name": self.name, "score": round(self.score, 3), "weight": self.weight, "detail": self.detail}


@dataclass
class ComplexityResult:
    """The seed's ComplexityResult. heuristic_score and ml_prediction (the
    whole MLPrediction behind ml_intent / ml_domains) are ours."""

    score: float
    tier: str
    dimensions: List[Dimension] = field(default_factory=list)
    suggested_model: Optional[str] = None
    needs_decomposition: bool = False
    estimation_method: str = "heuristic"
    estimation_ms: float = 0.0
    ml_intent: Optional[str] = None
    ml_domains: Optional[List[str]] = None
    heuristic_score: Optional[float] = None
    ml_prediction: Optional[MLPrediction] = None

    def to_dict(self):
        """The seed's to_dict: score to 4 places, dimension scores to 3,
        estimation_ms to 1; ml_intent / ml_domains only when ML ran. Equal to
        cx_estimate_to_json(e, 0) and to `complexity estimate`'s output."""
        d = {
            "score": round(self.score, 4),
            "tier": self.tier,
            "suggested_model": self.suggested_model,
            "needs_decomposition": self.needs_decomposition,
            "estimation_method": self.estimation_method,
            "estimation_ms": round(self.estimation_ms, 1),
            "dimensions": [dim.to_dict() for dim in self.dimensions],
        }
        if self.ml_intent is not None:
            d["ml_intent"] = self.ml_intent
            d["ml_domains"] = list(self.ml_domains or [])
        return d

    @classmethod
    def from_c(cls, e):
        """From a cx_estimate."""
        ml = MLPrediction.from_c(e.ml) if e.has_ml else None
        return cls(
            score=e.score,
            tier=_lib.library().names["cx_tier_names"][e.tier],
            dimensions=[Dimension(d.name.decode(), d.score, d.weight, d.detail.decode("utf-8", "replace"))
                        for d in e.dimensions],
            suggested_model=e.suggested_model.decode() if e.has_suggested_model else None,
            needs_decomposition=bool(e.needs_decomposition),
            estimation_method=e.estimation_method.decode(),
            estimation_ms=e.estimation_ms,
            ml_intent=ml.intent if ml else None,
            ml_domains=list(ml.domains) if ml else None,
            heuristic_score=e.heuristic_score,
            ml_prediction=ml,
        )


def merge_config(current, changes):
    """changes (task_complexity fields) over current; a map field given
    partially keeps the keys it does not name."""
    merged = dict(current)
    for key, value in changes.items():
        if key in _MAP_FIELDS and isinstance(value, dict) and isinstance(current.get(key), dict):
            merged[key] = {**current[key], **value}
        else:
            merged[key] = value
    return merged


def with_bundled_model(config):
    """The config with the package's bundled model where it names none and
    the seed's relative default is absent from the cwd, so that an installed
    package has its model wherever the host runs."""
    if config.get("ml_model_path") or os.path.exists(_paths.DEFAULT_MODEL_PATH):
        return config
    if not _paths.BUNDLED_MODEL_PATH.exists():
        return config
    out = dict(config, ml_model_path=str(_paths.BUNDLED_MODEL_PATH))
    if not config.get("ml_tokenizer_path"):
        out["ml_tokenizer_path"] = str(_paths.BUNDLED_TOKENIZER_PATH)
    return out


def parse_config(config):
    """A cx_estimator_config from a dict of task_complexity fields, read by
    the library's own YAML parser (JSON is YAML), so every rule and message is
    the config file's. Fields not given are the defaults."""
    lib = _lib.library()
    text = json.dumps({"task_complexity": config}).encode()
    cfg, err = _lib.CxEstimatorConfig(), _lib.CxError()
    _lib.check(lib.cx_estimator_config_parse(text, len(text), b"config dict", ctypes.byref(cfg), ctypes.byref(err)),
               err)
    return cfg


def config_to_dict(cfg):
    """A cx_estimator_config as the library writes it (the YAML keys)."""
    lib = _lib.library()
    return json.loads(lib.take_string(lib.cx_estimator_config_to_json(ctypes.byref(cfg))))


class _EstimatorHandle:
    """Owns a cx_estimator and the logger it borrows; frees the estimator
    first. Held by each call in flight, so close() during a call is safe."""

    def __init__(self, config_path, use_ml, mute_open):
        lib = _lib.library()
        self._free = lib.cx_estimator_free
        self.ptr = ctypes.c_void_p()
        self.log = LogBridge()
        self.log.muted = mute_open
        opts = _lib.CxEstimatorOptions(
            config_path=os.fsencode(config_path) if config_path is not None else None,
            ml_backend=lib.cx_ml_backend_native() if use_ml else None,
            logger=self.log.handle,
        )
        err = _lib.CxError()
        _lib.check(lib.cx_estimator_open(ctypes.byref(opts), ctypes.byref(self.ptr), ctypes.byref(err)), err)
        self.log.muted = False

    def __del__(self):
        if getattr(self, "ptr", None):
            self._free(self.ptr)
            self.ptr = None
        if getattr(self, "log", None):
            self.log.close()


class ComplexityEstimator:
    """Scores user messages: heuristic + ML blend, tier, routing.

    config_path: Kuro's config.yaml (section task_complexity), re-read by
    maybe_reload() when it changes; its relative model paths are relative to
    the cwd, as in the seed. config: a dict of task_complexity fields instead
    (fields not given are the defaults; a model path left empty means the
    seed's models/... under the cwd, else the model bundled in the package).
    Not both. use_ml=False attaches no ML runtime: the heuristic alone, as the
    seed without onnxruntime. Raises ComplexityError for a bad config.
    """

    def __init__(self, config_path=None, config=None, use_ml=True):
        if config_path is not None and config is not None:
            raise ValueError("pass config_path or config, not both")
        self.config_path = str(config_path) if config_path is not None else None
        self.use_ml = use_ml
        # Without a file the binding owns the config: the library opens with
        # its defaults for a moment (silenced) and gets ours right after.
        self._handle = _EstimatorHandle(self.config_path, use_ml, mute_open=self.config_path is None)
        if self.config_path is None:
            self._apply(merge_config(self.get_config(), config or {}))

    def _live_handle(self):
        if self._handle is None:
            raise ValueError("the estimator is closed")
        return self._handle

    def estimate(self, text, prior_messages=0):
        """ComplexityResult for one message; prior_messages = user turns
        before it (context_dependency)."""
        return ComplexityResult.from_c(self._estimate_raw(text, prior_messages))

    def _estimate_raw(self, text, prior_messages=0):
        """The raw cx_estimate (the tests compare it with the library's JSON)."""
        handle, lib = self._live_handle(), _lib.library()
        data = _lib.encode_text(text)
        out, err = _lib.CxEstimate(), _lib.CxError()
        _lib.check(lib.cx_estimator_estimate(handle.ptr, data, len(data), int(prior_messages), ctypes.byref(out),
                                             ctypes.byref(err)), err)
        return out

    def to_json(self, text, prior_messages=0, precise=False):
        """The library's own JSON of an estimate (precise: unrounded, with
        heuristic_score), as `complexity estimate [--precise]` prints it."""
        lib = _lib.library()
        raw = self._estimate_raw(text, prior_messages)
        return lib.take_string(lib.cx_estimate_to_json(ctypes.byref(raw), int(bool(precise))))

    def _config_raw(self):
        """The config in force as a cx_estimator_config."""
        cfg = _lib.CxEstimatorConfig()
        _lib.library().cx_estimator_get_config(self._live_handle().ptr, ctypes.byref(cfg))
        return cfg

    def get_config(self):
        """The config in force as a dict of task_complexity fields."""
        return config_to_dict(self._config_raw())

    def reload(self, config):
        """Applies task_complexity fields over the config in force (the Web UI
        path) and returns what it did to the model, as the seed's reload():
        "ml_unchanged", "ml_disabled", "ml_enabled", "ml_reloaded",
        "ml_model_not_found", or "ml_load_failed" (the file exists but does
        not load; ml_info() says why). Invalid values raise ComplexityError
        and the config in force stays."""
        return self._apply(merge_config(self.get_config(), config))

    def _apply(self, config):
        if self.config_path is None:
            config = with_bundled_model(config)
        lib = _lib.library()
        cfg = parse_config(config)
        change, err = ctypes.c_int(0), _lib.CxError()
        _lib.check(lib.cx_estimator_set_config(self._live_handle().ptr, ctypes.byref(cfg), ctypes.byref(change),
                                               ctypes.byref(err)), err)
        return lib.names["cx_ml_change_names"][change.value]

    def maybe_reload(self):
        """Re-reads config_path when the file changed (one stat): True when a
        new config was applied. An invalid or vanished file raises
        ComplexityError once per change; the previous config stays."""
        reloaded, err = ctypes.c_int(0), _lib.CxError()
        _lib.check(_lib.library().cx_estimator_maybe_reload(self._live_handle().ptr, ctypes.byref(reloaded),
                                                            ctypes.byref(err)), err)
        return bool(reloaded.value)

    def ml_info(self):
        """The ML side as it stands: whether a model is active, which, the
        last transition and why no model is loaded."""
        lib = _lib.library()
        info = _lib.CxMlInfo()
        lib.cx_estimator_ml_info(self._live_handle().ptr, ctypes.byref(info))
        return {
            "active": bool(info.active),
            "model_path": os.fsdecode(info.model_path),
            "tokenizer_path": os.fsdecode(info.tokenizer_path),
            "last_change": lib.names["cx_ml_change_names"][info.last_change],
            "last_error": info.last_error.decode("utf-8", "replace"),
            "reloads": info.reloads,
        }

    def close(self):
        """Releases the estimator (once no call is still running on it)."""
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
