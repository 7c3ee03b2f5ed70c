"""The chapters at the lowest dependency versions that pyproject.toml allows.

pyproject.toml gives the helpers loose lower bounds (jax >= ..., matplotlib >= ...), so that
installing them in Colab never replaces Colab's own GPU build of jax. This test holds those
bounds to account: it pins every direct dependency at its lower bound (and jaxlib at jax's),
installs the helpers' wheel with those pins into a fresh virtual environment in a temporary
folder, and runs chapters there with nbval in its lax mode: every cell runs and every assert
(each number the prose states) must hold, while printed text that legitimately differs
between versions (a jaxpr, a tracer's repr) is compared in the main run only. A bound that is
too low fails here: raise it in pyproject.toml.

It needs the package index (about 1 GB of downloads, nothing is cached in the repository)
and takes minutes: it is skipped when PyPI cannot be reached (a failure under CI=true) and
when DLJAX_LOWEST=0. By default it runs chapters 1 and 3 (jax.grad, jit and vmap, the graph
engine and its drawings, float64, a live slider) and the unit tests of ``helpers.nn.fit``
(optax, dropout); tests/test_colab_stack.py runs more chapters on Colab's versions, which
are the lower bound of jax. DLJAX_LOWEST_CHAPTERS="01 02" picks chapters by number prefix;
DLJAX_LOWEST_TRY="jax>=0.7.2 numpy>=2.0" tries other bounds before writing them in pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

from conftest import ROOT, load_script, skip_unless_index_reachable

colab_check = load_script("colab_check")  # its install plumbing
run = colab_check.run

CHAPTERS = os.environ.get("DLJAX_LOWEST_CHAPTERS", "01 03").split()
UNIT_TESTS = ["tests/test_nn.py::test_fit_trains_a_tiny_problem_to_near_zero_loss",
              "tests/test_nn.py::test_fit_with_dropout_a_custom_optimizer_and_no_eval_data"]
TEST_TOOLS = ["nbval", "pytest", "ipykernel", "nbclient", "nbformat"]  # at this run's versions


def lower_bounds() -> dict[str, str]:
    """{distribution: lowest allowed version} for every dependency in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for line in project["dependencies"]:
        req = Requirement(line)
        lows = [s.version for s in req.specifier if s.operator in (">=", "==", "~=")]
        assert len(lows) == 1, f"{line!r}: give exactly one lower bound (>=) to test"
        bounds[req.name] = lows[0]
    for line in os.environ.get("DLJAX_LOWEST_TRY", "").split():
        req = Requirement(line)
        bounds[req.name] = next(s.version for s in req.specifier)
    return bounds


def test_every_dependency_has_a_lower_bound():
    bounds = lower_bounds()
    assert {"jax", "optax", "numpy", "matplotlib", "ipywidgets"} <= set(bounds), bounds


@pytest.fixture(scope="module")
def lowest_env(tmp_path_factory):
    """A fresh venv with the helpers' wheel and every direct dependency at its lower bound."""
    if os.environ.get("DLJAX_LOWEST") == "0":
        pytest.skip("DLJAX_LOWEST=0")
    skip_unless_index_reachable("the lowest-versions test")
    tmp = tmp_path_factory.mktemp("lowest")
    wheel = colab_check.build_wheel(tmp / "dist")
    pins = lower_bounds()
    pins["jaxlib"] = pins["jax"]  # jax and jaxlib are released together
    (tmp / "constraints.txt").write_text("".join(f"{k}=={v}\n" for k, v in pins.items()))
    tools = [f"{t}=={importlib.metadata.version(t)}" for t in TEST_TOOLS]

    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    uv = shutil.which("uv")  # much faster than pip where it is installed; same result
    installer = [uv, "pip", "install", "--python", python] if uv else [python, "-m", "pip", "install"]
    run(*installer, "-c", tmp / "constraints.txt", wheel, "jaxlib", *tools)
    return python, pins


def test_the_lower_bounds_are_what_got_installed(lowest_env):
    python, pins = lowest_env
    out = run(python, "-c", "import importlib.metadata as m, sys\n"
              "for name in sys.argv[1:]: print(name, m.version(name))", *pins)
    installed = {name: Version(v) for name, v in (line.split() for line in out.splitlines())}
    assert installed == {name: Version(v) for name, v in pins.items()}


def test_live_slider_widget_at_the_lower_bounds(lowest_env):
    """slider_figure falls back to static HTML when ipywidgets fails: check the widget itself."""
    python, _ = lowest_env
    out = run(python, "-c",
              "import matplotlib; matplotlib.use('Agg')\n"
              "import ipywidgets, helpers\n"
              "s = helpers.slider_figure(lambda fig, i: fig.add_subplot().plot([0, i]), [0, 1],"
              " label='i', alt='a line whose end moves with i')\n"
              "box = s.widget()\n"
              "print(type(box).__name__, len(box.children), helpers.__file__)",
              cwd=python.parent)
    kind, children, source = out.split()
    assert (kind, children) == ("VBox", "2"), out
    assert source.startswith(str(python.parent.parent)), f"helpers came from {source}, not the wheel"


def test_chapters_at_the_lower_bounds(lowest_env):
    """nbval --nbval-lax on the chapters in the lowest-versions venv (cells run, asserts hold),
    and the unit tests of the training loop, with the helpers from the wheel."""
    python, pins = lowest_env
    notebooks = sorted(p for prefix in CHAPTERS for p in (ROOT / "chapters").glob(f"{prefix}_*.ipynb"))
    assert notebooks, f"no chapters match {CHAPTERS}"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "--nbval-cell-timeout=1200", *notebooks, *UNIT_TESTS],
        cwd=ROOT, capture_output=True, text=True, timeout=3600, env=env)
    versions = ", ".join(f"{k} {v}" for k, v in pins.items())
    assert result.returncode == 0, f"at {versions}:\n{result.stdout[-12000:]}\n{result.stderr[-3000:]}"
