"""Where the shipped model is: the seed's paths relative to the working
directory (Kuro runs from its project root), else the copies setup.py
bundled into the package, so an installed package works from anywhere."""

import os

from . import _lib

# The seed's defaults (SPEC §8), relative to the working directory.
DEFAULT_MODEL_PATH = "models/complexity_model_int8.onnx"
DEFAULT_TOKENIZER_PATH = "models/complexity_tokenizer"

BUNDLED_MODEL_PATH = _lib.BUNDLED_DIR / "models" / "complexity_model_int8.onnx"
BUNDLED_TOKENIZER_PATH = _lib.BUNDLED_DIR / "models" / "complexity_tokenizer"


def default_model_path():
    """The seed's relative default when it exists under the cwd, else the
    bundled model (returned even when absent, so errors name a real place)."""
    if os.path.exists(DEFAULT_MODEL_PATH) or not BUNDLED_MODEL_PATH.exists():
        return DEFAULT_MODEL_PATH
    return str(BUNDLED_MODEL_PATH)


def default_tokenizer_path():
    """As default_model_path, for the tokenizer folder."""
    if os.path.isdir(DEFAULT_TOKENIZER_PATH) or not BUNDLED_TOKENIZER_PATH.is_dir():
        return DEFAULT_TOKENIZER_PATH
    return str(BUNDLED_TOKENIZER_PATH)
