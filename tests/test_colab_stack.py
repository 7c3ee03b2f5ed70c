"""The book on Colab's own stack: installing the helpers keeps Colab's GPU JAX, chapters run.

A stand-in for Colab's GPU runtime (``scripts/colab_check.py`` builds it): a fresh virtual
environment with Colab's packages at Colab's versions (``tests/colab-constraints.txt``, from
Google's public record). Installing the helpers' wheel there, as a reader's setup cell would,
must add nothing but the helpers and packages Colab lacks: pip's ``--dry-run --report`` JSON
is read before the real install. Then the chapters that together use every helpers module run
there with ``nbval --nbval-lax`` (every cell runs, every assert holds), from copies outside
the repository: chapter 5 (graph, drawing, plotting, sweep, slider), chapter 11 (data, labs,
nn.fit with optax and dropout) and chapter 12 (cnn, nn.fit with any model).
``python scripts/colab_check.py`` runs all twelve and writes the record that the last test
here reads.

It needs the package index (nothing is cached in the repository): skipped when PyPI cannot
be reached (a failure under CI=true) and when DLJAX_COLAB=0. DLJAX_COLAB_CHAPTERS="01 02"
picks other chapters by number prefix.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import ROOT, load_script, skip_unless_index_reachable

colab_check = load_script("colab_check")

CHAPTERS = os.environ.get("DLJAX_COLAB_CHAPTERS", "05 11 12").split()


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(python, what installing the helpers added, folder) of a fresh Colab stand-in."""
    if os.environ.get("DLJAX_COLAB") == "0":
        pytest.skip("DLJAX_COLAB=0")
    skip_unless_index_reachable("the Colab stand-in")
    folder = tmp_path_factory.mktemp("colab")
    python = colab_check.make_stack(folder)
    added = colab_check.check_install(python, colab_check.build_wheel(folder / "dist"))
    return python, added, folder


def test_the_stand_in_has_colabs_versions(colab):
    python, _, _ = colab
    pins = colab_check.colab_pins()
    got = colab_check.installed(python, colab_check.KEPT)
    assert got == {name: pins[name] for name in colab_check.KEPT}
    assert pins["jax"] == pins["jaxlib"] == "0.7.2"  # the record this file was made from


def test_installing_the_helpers_adds_only_what_colab_lacks(colab):
    _, added, _ = colab
    assert "dljax-helpers" in added
    replaced = set(added) & set(colab_check.colab_pins())
    assert not replaced, f"pip would replace Colab's {sorted(replaced)}"


def test_chapters_on_colabs_stack(colab):
    python, _, folder = colab
    notebooks = sorted(p for prefix in CHAPTERS for p in (ROOT / "chapters").glob(f"{prefix}_*.ipynb"))
    assert len(notebooks) == len(CHAPTERS), f"not one chapter per prefix in {CHAPTERS}"
    result = colab_check.run_notebooks(python, notebooks, folder / "work")
    versions = ", ".join(f"{k} {v}" for k, v in colab_check.installed(python, ["jax", "numpy"]).items())
    assert result.returncode == 0, f"at {versions}:\n{result.stdout[-12000:]}\n{result.stderr[-3000:]}"
    out = subprocess.run([str(python), "-c", "import helpers; print(helpers.__file__)"],
                         capture_output=True, text=True, cwd=folder, check=True).stdout
    assert out.startswith(str(folder / "venv")), f"helpers came from {out}, not the wheel"


def test_the_committed_record_shows_every_chapter_passing():
    record = json.loads(colab_check.RECORD.read_text())
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert [row["chapter"] for row in record["chapters"]] == chapters, (
        "a chapter was added or renamed: run python scripts/colab_check.py")
    failed = [row["chapter"] for row in record["chapters"] if not row["passed"]]
    assert not failed, f"failed on Colab's versions: {failed}"
    pins = colab_check.colab_pins()
    assert record["versions"] == {name: pins[name] for name in colab_check.KEPT}
    assert not set(record["installing_the_helpers_added"]) & set(pins)
