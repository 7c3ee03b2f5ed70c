"""The Colab path: the helpers as a wheel, installed outside the repository, run chapter 1.

Catches a package-data file left out of the wheel or an import that only works
from the source tree. The fresh virtual environment gets the helpers from the
wheel only; the other dependencies (jax, matplotlib, ...) come from the test's
own environment through PYTHONPATH, so nothing is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat

from conftest import ROOT

DRIVER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "print('HELPERS', helpers.__file__)\\n"
    "m = helpers.load_mnist()\\n"
    "print('MNIST', m.x_train.shape, m.x_test.shape)"))
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
print("".join(o.get("text", "") for o in nb.cells[-1].outputs))
"""


def run(*args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_chapter_1_runs_from_the_installed_wheel(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", dist, ROOT)
    wheel = next(dist.glob("dljax_helpers-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "helpers/data/mnist.npz" in names, names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", site, wheel)

    work = tmp_path / "reader"  # outside the repository, like a Colab session
    work.mkdir()
    notebook = work / "01_neuron.ipynb"
    notebook.write_text((ROOT / "chapters" / "01_neuron.ipynb").read_text())
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "JUPYTER_PLATFORM_DIRS": "1"}
    out = run(python, "-c", DRIVER, notebook, work, cwd=work, env=env)
    helpers_file = out.split("HELPERS", 1)[1].split()[0]
    assert Path(helpers_file).is_relative_to(venv), f"helpers came from {helpers_file}"
    assert "MNIST (60000, 28, 28) (10000, 28, 28)" in out
    assert nbformat.read(notebook, as_version=4).cells  # the reader's copy is intact
