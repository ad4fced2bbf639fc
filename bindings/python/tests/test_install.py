"""The package installs offline with the documented command and works from
outside the source tree with what it bundled (library and model)."""

import json
import os
import subprocess
import sys

from conftest import BINDING_DIR, REPO

# Run by the venv's Python from an unrelated directory: which library and
# model it found, and one prediction.
CHECK = """
import json, complexity
clf = complexity.MLComplexityClassifier(strict=True)
p = clf.predict("Write a Python function to sort a list")
est = complexity.ComplexityEstimator()
print(json.dumps({"package": complexity.__file__, "library": complexity.library_path(),
                  "model": clf.get_info()["model_path"], "prediction": p.to_dict(),
                  "estimate_method": est.estimate("hi").estimation_method}))
"""


def clean_env():
    """No hint of the source tree: the venv must find everything itself."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COMPLEXITY_LIBRARY", "VIRTUAL_ENV")}
    env["PIP_NO_INPUT"] = "1"
    return env


def test_venv_install_and_use(library, model_files, tmp_path):
    venv = tmp_path / "v"
    # the documented command: python3 -m venv --system-site-packages v && v/bin/pip install bindings/python
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                   env=clean_env(), timeout=120)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "bindings/python"], cwd=REPO, env=clean_env(),
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK], cwd=elsewhere, env=clean_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    site = str(venv / "lib")
    assert found["package"].startswith(site) and not found["package"].startswith(str(BINDING_DIR))
    assert found["library"].startswith(site), found["library"]
    assert found["model"].startswith(site), found["model"]
    assert found["prediction"]["tier"] == "simple" and found["prediction"]["intent"] == "code_gen"
    assert found["estimate_method"] == "ml"
