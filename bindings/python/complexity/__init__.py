"""complexity: how hard is a prompt to an AI assistant, and where to route it.

The Python face of libcomplexity (a C library, called through ctypes; nothing
to compile). A drop-in for the seed runtime Kuro used:

    from complexity import MLComplexityClassifier, ComplexityEstimator

    clf = MLComplexityClassifier()            # the shipped INT8 model, lazily loaded
    p = clf.predict("Write a Python function to sort a list")
    p.score, p.tier, p.intent, p.domains      # 0.19 'simple' 'code_gen' ['code']

    est = ComplexityEstimator()               # or ComplexityEstimator("config.yaml")
    r = est.estimate("Design a distributed database ...")
    r.tier, r.suggested_model, r.to_dict()

Both are safe to share between threads. See docs/PYTHON.md.
"""

from ._errors import ComplexityError
from .classifier import MLComplexityClassifier, MLPrediction
from .estimator import ComplexityEstimator, ComplexityResult, Dimension

__version__ = "0.6.0"

__all__ = [
    "ComplexityError",
    "ComplexityEstimator",
    "ComplexityResult",
    "Dimension",
    "MLComplexityClassifier",
    "MLPrediction",
    "library_path",
    "library_version",
]


def library_path():
    """Path of the libcomplexity this process loaded (loading it if needed)."""
    from ._lib import library
    return library().path


def library_version():
    """The loaded library's version string, e.g. "0.6.0"."""
    from ._lib import library
    return library().version
