"""The ML classifier: the seed's MLComplexityClassifier on the native runtime.

The seed ran the ONNX file with onnxruntime and a transformers tokenizer; here
libcomplexity runs it (INT8 engine, n-gram part mixed in). One cx_classifier
is loaded lazily and shared read-only by every thread; each thread gets its
own cx_classifier_ctx (working memory) through a threading.local, so threads
predict in parallel without a lock while ctypes has released the GIL.
"""

import ctypes
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Dict, List

from . import _lib, _paths
from ._errors import ComplexityError, CX_ERR_NOT_FOUND
from ._log import log_event


def _c_round(x):
    """C's round(): half away from zero (not Python's half-to-even)."""
    if not math.isfinite(x):
        return x
    whole = math.floor(abs(x))
    if abs(x) - whole >= 0.5:  # exact: the fractional part of a double is a double
        whole += 1
    return math.copysign(whole, x)


def _round6(x):
    """The rounding cx_prediction_to_json applies: round(v * 1e6) / 1e6."""
    return _c_round(x * 1e6) / 1e6


@dataclass
class MLPrediction:
    """What the seed's MLComplexityClassifier.predict returns: the score in
    [0,1], the tier / intent argmax, the domains above 0.5, and every
    probability keyed by its label name."""

    score: float
    tier: str
    domains: List[str]
    intent: str
    tier_probs: Dict[str, float] = field(default_factory=dict)
    intent_probs: Dict[str, float] = field(default_factory=dict)
    domain_scores: Dict[str, float] = field(default_factory=dict)

    def to_dict(self):
        """The seed's MLPrediction JSON object (probabilities to 6 places),
        equal to what cx_prediction_to_json and `complexity classify` write."""
        return {
            "score": _round6(self.score),
            "tier": self.tier,
            "domains": list(self.domains),
            "intent": self.intent,
            "tier_probs": {k: _round6(v) for k, v in self.tier_probs.items()},
            "intent_probs": {k: _round6(v) for k, v in self.intent_probs.items()},
            "domain_scores": {k: _round6(v) for k, v in self.domain_scores.items()},
        }

    @classmethod
    def from_c(cls, p):
        """From a cx_prediction (domains is a bit set)."""
        names = _lib.library().names
        tiers, intents, domains = names["cx_tier_names"], names["cx_intent_names"], names["cx_domain_names"]
        return cls(
            score=p.score,
            tier=tiers[p.tier],
            domains=[name for d, name in enumerate(domains) if p.domains >> d & 1],
            intent=intents[p.intent],
            tier_probs=dict(zip(tiers, p.tier_probs)),
            intent_probs=dict(zip(intents, p.intent_probs)),
            domain_scores=dict(zip(domains, p.domain_scores)),
        )


class _LoadedModel:
    """Owns one cx_classifier. Freed when the last reference goes: the
    classifier object and every thread's _Context hold one, so a context
    never outlives the model it points into."""

    def __init__(self, model_path, tokenizer_path, max_length):
        lib = _lib.library()
        self._free = lib.cx_classifier_free
        opts = _lib.CxClassifierOptions()
        opts.tokenizer = os.fsencode(tokenizer_path) if tokenizer_path else None
        opts.max_length = max_length or 0
        self.ptr, err = ctypes.c_void_p(), _lib.CxError()
        _lib.check(lib.cx_classifier_open(os.fsencode(model_path), ctypes.byref(opts), ctypes.byref(self.ptr),
                                          ctypes.byref(err)), err)
        self.backend = lib.cx_classifier_backend(self.ptr).decode()
        self.max_length = lib.cx_classifier_max_length(self.ptr)

    def __del__(self):
        if getattr(self, "ptr", None):
            self._free(self.ptr)
            self.ptr = None


class _Context:
    """One thread's cx_classifier_ctx on a _LoadedModel."""

    def __init__(self, model):
        lib = _lib.library()
        self.model = model
        self._free = lib.cx_classifier_ctx_free
        self._predict = lib.cx_classifier_predict
        self._predict_batch = lib.cx_classifier_predict_batch
        self.ptr, err = ctypes.c_void_p(), _lib.CxError()
        _lib.check(lib.cx_classifier_ctx_open(model.ptr, ctypes.byref(self.ptr), ctypes.byref(err)), err)

    def predict(self, text):
        out, err = _lib.CxPrediction(), _lib.CxError()
        _lib.check(self._predict(self.ptr, text, len(text), ctypes.byref(out), ctypes.byref(err)), err)
        return out

    def predict_batch(self, texts):
        n = len(texts)
        ptrs = (ctypes.c_char_p * n)(*texts)
        lens = (ctypes.c_size_t * n)(*(len(t) for t in texts))
        out, err = (_lib.CxPrediction * n)(), _lib.CxError()
        _lib.check(self._predict_batch(self.ptr, ptrs, lens, n, out, ctypes.byref(err)), err)
        return out

    def __del__(self):
        if getattr(self, "ptr", None):
            self._free(self.ptr)
            self.ptr = None


def _size_mb(path):
    """Size of a model file, or of the files directly inside a model folder
    (what the C estimator logs as size_mb)."""
    if os.path.isdir(path):
        total = sum(e.stat().st_size for e in os.scandir(path) if e.is_file())
    else:
        total = os.path.getsize(path)
    return "%.1f" % (total / (1024.0 * 1024.0))


class MLComplexityClassifier:
    """The seed's ML classifier, loaded lazily on first use.

    model_path: the INT8 ONNX file (default: models/complexity_model_int8.onnx
    under the cwd, else the copy bundled in the package), a training output
    folder, or a weights file. tokenizer_path: the tokenizer folder (default:
    the seed's models/complexity_tokenizer with the default model; with a
    model_path of your own, the tokenizer beside that model). max_length: the
    token limit; None (default) = the model's own (the tokenizer's
    model_max_length: 128 for the shipped model), what `complexity classify`
    and the estimator use. The seed passed 256, its model's length; ours was
    trained on 128 tokens, so 256 reads positions it never learned and changes
    the result of long prompts. strict: failures raise ComplexityError instead
    of the seed's None + load_error + log line.
    """

    def __init__(self, model_path=None, tokenizer_path=None, max_length=None, strict=False):
        self.model_path = str(model_path) if model_path is not None else self.get_default_model_path()
        if tokenizer_path is None and model_path is None:
            tokenizer_path = self.get_default_tokenizer_path()
        self.tokenizer_path = str(tokenizer_path) if tokenizer_path is not None else None
        self.max_length = max_length
        self.strict = strict
        self.load_error = None  # why the model is unavailable, as the seed reports it
        self._load_exc = None
        self._model = None
        self._load_attempted = False
        self._load_lock = threading.Lock()
        self._local = threading.local()

    @staticmethod
    def get_default_model_path():
        return _paths.default_model_path()

    @staticmethod
    def get_default_tokenizer_path():
        return _paths.default_tokenizer_path()

    # ---- loading ---------------------------------------------------------

    def _ensure_loaded(self, raise_on_failure):
        """The loaded model, or None. The load is tried once (as the seed
        does): a broken model is not re-read on every message."""
        if not self._load_attempted:
            with self._load_lock:
                if not self._load_attempted:
                    self._model = self._load()
                    self._load_attempted = True
        if self._model is None and raise_on_failure:
            # a fresh exception each time: re-raising one object grows its traceback
            raise ComplexityError(self._load_exc.code, self._load_exc.message)
        return self._model

    def _load(self):
        self.load_error = self._load_exc = None
        if not os.path.exists(self.model_path):
            log_event(logging.WARNING, "ml_classifier_model_not_found", path=self.model_path)
            return self._fail_load(ComplexityError(CX_ERR_NOT_FOUND, "model not found: %s" % self.model_path))
        try:
            _lib.library()
        except ComplexityError as e:
            log_event(logging.WARNING, "ml_classifier_unavailable", reason=e.message)
            return self._fail_load(e)
        try:
            model = _LoadedModel(self.model_path, self.tokenizer_path, self.max_length)
        except ComplexityError as e:
            log_event(logging.ERROR, "ml_classifier_load_failed", error=e.message)
            return self._fail_load(e)
        log_event(logging.INFO, "ml_classifier_loaded", model=self.model_path, size_mb=_size_mb(self.model_path))
        log_event(logging.INFO, "ml_tokenizer_loaded", path=self.tokenizer_path or "(beside the model)")
        return model

    def _fail_load(self, exc):
        self.load_error = exc.message
        self._load_exc = exc
        return None

    @property
    def is_available(self):
        """True when the model loads (loading it now if not yet tried)."""
        return self._ensure_loaded(raise_on_failure=False) is not None

    def _context(self, model):
        ctx = getattr(self._local, "ctx", None)
        if ctx is None or ctx.model is not model:
            ctx = self._local.ctx = _Context(model)
        return ctx

    # ---- prediction ------------------------------------------------------

    def predict(self, text):
        """MLPrediction for one prompt; None when the model is unavailable or
        the prediction fails (strict: ComplexityError)."""
        model = self._ensure_loaded(self.strict)
        if model is None:
            return None
        try:
            raw = self._context(model).predict(_lib.encode_text(text))
        except ComplexityError as e:
            return self._predict_failed(e)
        return MLPrediction.from_c(raw)

    def predict_batch(self, texts):
        """MLPredictions for many prompts in one call into the library (the
        INT8 engine packs them so each weight is read once per batch); the
        same values as predict() one by one. None when unavailable or failing
        (strict: ComplexityError)."""
        model = self._ensure_loaded(self.strict)
        if model is None:
            return None
        encoded = [_lib.encode_text(t) for t in texts]
        if not encoded:
            return []
        try:
            raw = self._context(model).predict_batch(encoded)
        except ComplexityError as e:
            return self._predict_failed(e)
        return [MLPrediction.from_c(p) for p in raw]

    def _predict_failed(self, exc):
        log_event(logging.WARNING, "ml_predict_failed", error=exc.message)
        if self.strict:
            raise exc
        return None

    # ---- introspection ---------------------------------------------------

    def get_info(self):
        """What is loaded and from where (loads the model if not yet tried)."""
        model = self._ensure_loaded(raise_on_failure=False)
        try:
            version = _lib.library().version
        except ComplexityError:
            version = None
        return {
            "model_path": self.model_path,
            "tokenizer_path": self.tokenizer_path,
            "backend": model.backend if model else None,
            "max_length": model.max_length if model else self.max_length,
            "available": model is not None,
            "load_error": self.load_error,
            "library_version": version,
        }

    def close(self):
        """Drops the model. The memory is freed once no thread is still
        predicting with it (each in-flight call holds a reference)."""
        with self._load_lock:
            self._model = None
            self._local = threading.local()
            self._load_attempted = False
