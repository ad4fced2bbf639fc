"""ctypes view of libcomplexity: where the library is found, the C structs
mirrored field for field, and each function's prototype.

The structs must match include/complexity/*.h exactly (same order, same
types, arrays sized by the same CX_N_* constants): ctypes lays them out with
the platform's C rules, so a field out of place silently reads garbage.
tests/test_layout.py compares what these structs read with the JSON the
library writes for the same object, which catches such a mismatch.

The library is opened with ctypes.CDLL, never PyDLL: CDLL releases the GIL
for the duration of every foreign call, which is what lets several Python
threads classify at once.
"""

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path

from ._errors import ComplexityError, CX_ERR_NOMEM, CX_ERR_NOT_FOUND, CX_ERR_UNSUPPORTED

# The ABI this binding was written against (include/complexity/common.h). A
# 0.x minor release may change struct layouts, so MAJOR.MINOR must match.
ABI_MAJOR, ABI_MINOR = 0, 6

# Array sizes from the headers (labels.h, estimator.h, common.h).
CX_N_TIERS, CX_N_DOMAINS, CX_N_INTENTS = 5, 5, 8
CX_N_DIMS, CX_DETAIL_MAX = 9, 200
CX_N_ML_MODES, CX_N_TRIGGER_MODES, CX_N_ML_CHANGES = 3, 3, 6
CX_ERRMSG_MAX, CX_MODEL_NAME_MAX, CX_CONFIG_PATH_MAX = 512, 256, 4096

# cx_log_level
CX_LOG_DEBUG, CX_LOG_INFO, CX_LOG_WARNING, CX_LOG_ERROR, CX_LOG_OFF = range(5)

_c_double, _c_int, _c_char, _c_char_p, _c_void_p = (
    ctypes.c_double, ctypes.c_int, ctypes.c_char, ctypes.c_char_p, ctypes.c_void_p)


class CxError(ctypes.Structure):
    """cx_error (common.h)."""
    _fields_ = [("code", _c_int), ("msg", _c_char * CX_ERRMSG_MAX)]


class CxPrediction(ctypes.Structure):
    """cx_prediction (classifier.h); domains is a bit set."""
    _fields_ = [
        ("score", _c_double),
        ("tier", _c_int),
        ("domains", ctypes.c_uint),
        ("intent", _c_int),
        ("tier_probs", _c_double * CX_N_TIERS),
        ("intent_probs", _c_double * CX_N_INTENTS),
        ("domain_scores", _c_double * CX_N_DOMAINS),
    ]


class CxClassifierOptions(ctypes.Structure):
    """cx_classifier_options (classifier.h); zero means the default."""
    _fields_ = [
        ("tokenizer", _c_char_p),
        ("weights", _c_char_p),
        ("max_length", _c_int),
        ("threads", _c_int),
        ("raw_score", _c_int),
        ("ngram", _c_char_p),
        ("int8", _c_int),
        ("kernel", _c_char_p),
        ("keep_tail", _c_int),  # 0: a long text keeps its head and its last half (-1: the head only)
    ]


class CxDimension(ctypes.Structure):
    """cx_dimension (estimator.h)."""
    _fields_ = [
        ("name", _c_char_p),
        ("score", _c_double),
        ("weight", _c_double),
        ("detail", _c_char * CX_DETAIL_MAX),
    ]


class CxEstimate(ctypes.Structure):
    """cx_estimate (estimator.h)."""
    _fields_ = [
        ("score", _c_double),
        ("tier", _c_int),
        ("heuristic_score", _c_double),
        ("dimensions", CxDimension * CX_N_DIMS),
        ("has_suggested_model", _c_int),
        ("suggested_model", _c_char * CX_MODEL_NAME_MAX),
        ("needs_decomposition", _c_int),
        ("estimation_method", _c_char_p),
        ("estimation_ms", _c_double),
        ("has_ml", _c_int),
        ("ml", CxPrediction),
    ]


class CxEstimatorConfig(ctypes.Structure):
    """cx_estimator_config (estimator.h): a plain value, copied by value."""
    _fields_ = [
        ("enabled", _c_int),
        ("trigger_mode", _c_int),
        ("dimension_weights", _c_double * CX_N_DIMS),
        ("llm_refinement", _c_int),
        ("refinement_model", _c_char * CX_MODEL_NAME_MAX),
        ("ambiguity_low", _c_double),
        ("ambiguity_high", _c_double),
        ("fast_model", _c_char * CX_MODEL_NAME_MAX),
        ("standard_model", _c_char * CX_MODEL_NAME_MAX),
        ("frontier_model", _c_char * CX_MODEL_NAME_MAX),
        ("tier_boundaries", _c_double * (CX_N_TIERS - 1)),
        ("decomposition_enabled", _c_int),
        ("decomposition_threshold", _c_double),
        ("max_subtasks", _c_int),
        ("parallel_subtasks", _c_int),
        ("ml_model_enabled", _c_int),
        ("ml_model_path", _c_char * CX_CONFIG_PATH_MAX),
        ("ml_tokenizer_path", _c_char * CX_CONFIG_PATH_MAX),
        ("ml_estimation_mode", _c_int),
        ("track_accuracy", _c_int),
    ]


class CxEstimatorOptions(ctypes.Structure):
    """cx_estimator_options (estimator.h)."""
    _fields_ = [
        ("config_path", _c_char_p),
        ("ml_backend", _c_void_p),
        ("logger", _c_void_p),
        ("refiner", _c_void_p),  # const cx_refiner *; NULL: llm_refinement is never done
    ]


class CxMlInfo(ctypes.Structure):
    """cx_ml_info (estimator.h)."""
    _fields_ = [
        ("active", _c_int),
        ("model_path", _c_char * CX_CONFIG_PATH_MAX),
        ("tokenizer_path", _c_char * CX_CONFIG_PATH_MAX),
        ("last_change", _c_int),
        ("last_error", _c_char * CX_ERRMSG_MAX),
        ("reloads", ctypes.c_ulong),
    ]


# void (*cx_log_sink)(void *ctx, cx_log_level level, const char *line)
LOG_SINK = ctypes.CFUNCTYPE(None, _c_void_p, _c_int, _c_char_p)

_P = ctypes.POINTER
_ERR = _P(CxError)

# name: (restype, argtypes). Functions returning malloc'd strings are declared
# c_void_p so the pointer can be handed back to free().
_PROTOTYPES = {
    "cx_strerror": (_c_char_p, [_c_int]),
    "cx_version": (_c_char_p, []),
    "cx_version_number": (_c_int, []),
    "cx_classifier_open": (_c_int, [_c_char_p, _P(CxClassifierOptions), _P(_c_void_p), _ERR]),
    "cx_classifier_free": (None, [_c_void_p]),
    "cx_classifier_ctx_open": (_c_int, [_c_void_p, _P(_c_void_p), _ERR]),
    "cx_classifier_ctx_free": (None, [_c_void_p]),
    "cx_classifier_predict": (_c_int, [_c_void_p, _c_char_p, ctypes.c_size_t, _P(CxPrediction), _ERR]),
    "cx_classifier_predict_batch": (_c_int, [_c_void_p, _P(_c_char_p), _P(ctypes.c_size_t), ctypes.c_size_t,
                                             _P(CxPrediction), _ERR]),
    "cx_classifier_backend": (_c_char_p, [_c_void_p]),
    "cx_classifier_model_path": (_c_char_p, [_c_void_p]),
    "cx_classifier_max_length": (_c_int, [_c_void_p]),
    "cx_prediction_to_json": (_c_void_p, [_P(CxPrediction)]),
    "cx_logger_open_sink": (_c_int, [LOG_SINK, _c_void_p, _c_int, _P(_c_void_p), _ERR]),
    "cx_logger_free": (None, [_c_void_p]),
    "cx_estimator_config_defaults": (None, [_P(CxEstimatorConfig)]),
    "cx_estimator_config_parse": (_c_int, [_c_char_p, ctypes.c_size_t, _c_char_p, _P(CxEstimatorConfig), _ERR]),
    "cx_estimator_config_load": (_c_int, [_c_char_p, _P(CxEstimatorConfig), _ERR]),
    "cx_estimator_config_to_json": (_c_void_p, [_P(CxEstimatorConfig)]),
    "cx_ml_backend_native": (_c_void_p, []),
    "cx_estimator_open": (_c_int, [_P(CxEstimatorOptions), _P(_c_void_p), _ERR]),
    "cx_estimator_free": (None, [_c_void_p]),
    "cx_estimator_maybe_reload": (_c_int, [_c_void_p, _P(_c_int), _ERR]),
    "cx_estimator_set_config": (_c_int, [_c_void_p, _P(CxEstimatorConfig), _P(_c_int), _ERR]),
    "cx_estimator_ml_info": (None, [_c_void_p, _P(CxMlInfo)]),
    "cx_estimator_get_config": (None, [_c_void_p, _P(CxEstimatorConfig)]),
    "cx_estimator_ml_active": (_c_int, [_c_void_p]),
    "cx_estimator_estimate": (_c_int, [_c_void_p, _c_char_p, ctypes.c_size_t, _c_int, _P(CxEstimate), _ERR]),
    "cx_estimate_to_json": (_c_void_p, [_P(CxEstimate), _c_int]),
}

# name: length of the exported `const char *const name[]` table.
_NAME_TABLES = {
    "cx_tier_names": CX_N_TIERS,
    "cx_domain_names": CX_N_DOMAINS,
    "cx_intent_names": CX_N_INTENTS,
    "cx_dim_names": CX_N_DIMS,
    "cx_ml_mode_names": CX_N_ML_MODES,
    "cx_trigger_mode_names": CX_N_TRIGGER_MODES,
    "cx_ml_change_names": CX_N_ML_CHANGES,
}

PACKAGE_DIR = Path(__file__).resolve().parent
# Filled by setup.py at install: the library and the shipped model.
BUNDLED_DIR = PACKAGE_DIR / "_data"
# When imported from the source tree (bindings/python/complexity/).
SOURCE_TREE_ROOT = PACKAGE_DIR.parents[2]


class Library:
    """The loaded library: its functions (attributes named as in C), its label
    tables read from the library itself (so the order is the model's), and the
    cx_free for the strings it returns."""

    def __init__(self, path):
        self.path = str(path)
        self.dll = ctypes.CDLL(self.path)
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(self.dll, name)
            fn.restype, fn.argtypes = restype, argtypes
            setattr(self, name, fn)
        self.names = {name: _read_name_table(self.dll, name, n) for name, n in _NAME_TABLES.items()}
        self.version = self.cx_version().decode()
        self._free = self.dll.cx_free
        self._free.argtypes, self._free.restype = [_c_void_p], None

    def take_string(self, ptr):
        """Copies a C string the library returned, then frees it with the
        library's own cx_free (the matching allocator whatever the process's is)."""
        if not ptr:
            raise ComplexityError(CX_ERR_NOMEM, "the library could not allocate the JSON string")
        try:
            return ctypes.string_at(ptr).decode("utf-8")
        finally:
            self._free(ptr)


def _read_name_table(dll, name, n):
    table = (_c_char_p * n).in_dll(dll, name)
    return tuple(s.decode() for s in table)


def candidate_paths():
    """Where the library is looked for, in order: $COMPLEXITY_LIBRARY, the
    copy setup.py bundled into the package, the build tree when imported from
    the source tree, then the system's search path (an installed prefix)."""
    env = os.environ.get("COMPLEXITY_LIBRARY")
    if env:
        return [Path(env)]
    paths = sorted(BUNDLED_DIR.glob("libcomplexity.so*"))
    paths.append(SOURCE_TREE_ROOT / "build" / "libcomplexity.so")
    system = ctypes.util.find_library("complexity")
    if system:
        paths.append(Path(system))
    return paths


def _find_library():
    tried = candidate_paths()
    for path in tried:
        # find_library returns a bare soname ("libcomplexity.so.0.6") that
        # dlopen resolves itself; only real paths must exist here.
        if path.exists() or path.parent == Path("."):
            return path
    raise ComplexityError(CX_ERR_NOT_FOUND,
                          "libcomplexity not found (tried %s); set COMPLEXITY_LIBRARY to its path"
                          % (", ".join(str(p) for p in tried) or "nothing"))


def _check_abi(lib):
    number = lib.cx_version_number()
    major, minor = number // 1000000, number // 1000 % 1000
    if (major, minor) != (ABI_MAJOR, ABI_MINOR):
        raise ComplexityError(CX_ERR_UNSUPPORTED,
                              "%s is version %s; this binding mirrors the structs of %d.%d.x"
                              % (lib.path, lib.version, ABI_MAJOR, ABI_MINOR))


_load_lock = threading.Lock()
_loaded = []  # the one Library, once loaded (a list so no `global` is needed)


def library():
    """The process's Library, loaded on first use. Raises ComplexityError
    when it cannot be found, loaded, or is of another ABI."""
    if _loaded:
        return _loaded[0]
    with _load_lock:
        if not _loaded:
            path = _find_library()
            try:
                lib = Library(path)
            except (OSError, AttributeError) as e:
                raise ComplexityError(CX_ERR_NOT_FOUND, "cannot load %s: %s" % (path, e)) from e
            _check_abi(lib)
            _loaded.append(lib)
    return _loaded[0]


def check(rc, err):
    """Raises ComplexityError carrying the C status and message when rc fails."""
    if rc != 0:
        raise ComplexityError(rc, err.msg.decode("utf-8", "replace") or library().cx_strerror(rc).decode())


def encode_text(text):
    """UTF-8 bytes of a prompt. Lone surrogates pass through (the library
    reads any byte that does not start valid UTF-8 as U+FFFD) instead of
    raising, so no user text can make a prediction fail."""
    if isinstance(text, bytes):
        return text
    return str(text).encode("utf-8", "surrogatepass")
