"""Installs the complexity package: pure Python (ctypes), nothing to compile.

    python3 -m venv --system-site-packages v && v/bin/pip install bindings/python

No pyproject.toml on purpose: with one, pip would build in an isolated
environment and try to download setuptools; without, it uses the system's
setuptools and works offline.

At build time the package gets a copy of the runtime library
(what build/libcomplexity.so links to, named by its SONAME) and of the shipped model
(models/complexity_model_int8.onnx, complexity_ngram.safetensors,
complexity_tokenizer/) under complexity/_data/, so an installed package works
from any directory. COMPLEXITY_BUILD_DIR names another build tree.
"""

import os
import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MODEL_FILES = ("complexity_model_int8.onnx", "complexity_ngram.safetensors")
TOKENIZER_DIR = "complexity_tokenizer"


def package_version():
    text = (HERE / "complexity" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def built_library():
    """The runtime library of the build tree: (its real file, the name to give
    the copy: its SONAME, e.g. libcomplexity.so.0.6), or None. The development
    link libcomplexity.so names the SONAME link of the build just made; a build
    tree that has seen earlier versions also holds their files."""
    build_dir = Path(os.environ.get("COMPLEXITY_BUILD_DIR", REPO / "build"))
    dev = build_dir / "libcomplexity.so"
    if not dev.is_symlink() or not dev.exists():
        return None
    return dev.resolve(), os.readlink(dev)


class BuildWithBundledFiles(build_py):
    """build_py, plus the library and the model copied into complexity/_data
    of the build directory (the source tree is left alone)."""

    def run(self):
        super().run()
        data = Path(self.build_lib) / "complexity" / "_data"
        self.bundle_library(data)
        self.bundle_model(data / "models")

    def bundle_library(self, data):
        lib = built_library()
        if lib is None:
            self.warn("no build/libcomplexity.so: the package will look for the library "
                      "through COMPLEXITY_LIBRARY or the system's search path")
            return
        real, name = lib
        data.mkdir(parents=True, exist_ok=True)
        for old in data.glob("libcomplexity.so*"):  # an earlier version's copy in a reused build directory
            old.unlink()
        shutil.copyfile(real, data / name)
        os.chmod(data / name, 0o755)

    def bundle_model(self, models):
        src = REPO / "models"
        if not (src / MODEL_FILES[0]).exists():
            self.warn("no models/%s: the package will use models/ under the working directory" % MODEL_FILES[0])
            return
        models.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            if (src / name).exists():
                shutil.copyfile(src / name, models / name)
        if (models / TOKENIZER_DIR).exists():
            shutil.rmtree(models / TOKENIZER_DIR)
        shutil.copytree(src / TOKENIZER_DIR, models / TOKENIZER_DIR)


setup(
    name="complexity",
    version=package_version(),
    description="How hard is a prompt to an AI assistant: score, tier, domains, intent and routing "
                "(Python binding of libcomplexity)",
    packages=["complexity"],
    python_requires=">=3.8",
    cmdclass={"build_py": BuildWithBundledFiles},
    zip_safe=False,
)
