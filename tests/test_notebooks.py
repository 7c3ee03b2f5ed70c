"""Checks on the committed chapters that nbval alone would not catch.

nbval (run by `pytest` on chapters/*.ipynb) re-executes every notebook and
compares outputs; these tests make sure there is something real to compare.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTEBOOKS = CHAPTERS + sorted((ROOT / "appendix").glob("*.ipynb"))  # the chapters and the appendix


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_in_one_fresh_kernel(path):
    cells = code_cells(path)
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; "
        f"re-run: python scripts/execute.py {path.relative_to(ROOT)}")
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} has stored errors: {[e.ename for e in errors]}"
    assert sum(bool(c.outputs) for c in cells) >= len(cells) // 2, "most cells show nothing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_warnings_in_outputs(path):
    for c in code_cells(path):
        for o in c.outputs:
            assert not (o.output_type == "stream" and o.name == "stderr"), (
                f"{path.name}, cell {c.execution_count} wrote to stderr: {o.text[:300]}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_has_a_slider(path):
    """At least one helpers.slider_figure, stored with its static HTML (it moves in the book)."""
    html = ["".join(o.get("data", {}).get("text/html", "")) for c in code_cells(path) for o in c.outputs]
    assert any('class="helpers-slider"' in h for h in html), f"{path.name}: no slider_figure"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    for c in code_cells(path):
        if any("image/png" in o.get("data", {}) for o in c.outputs):
            alt = c.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"{path.name}, cell {c.execution_count}: figure without alt text"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_are_opaque_for_dark_mode(path):
    """Black text on a transparent background would vanish in the theme's dark mode."""
    for c in code_cells(path):
        for o in c.outputs:
            if "image/png" in o.get("data", {}):
                image = Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"])))
                if "A" in image.getbands():
                    assert image.getchannel("A").getextrema()[0] == 255, (
                        f"{path.name}, cell {c.execution_count}: a figure is (partly) transparent")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_opens_with_a_numbered_title_and_has_exercises(path):
    nb = nbformat.read(path, as_version=4)
    number = int(path.name[:2])
    assert re.match(rf"# {number}\. \S", nb.cells[0].source), "first cell: '# N. Title'"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Summary" in text and "## Exercises" in text
    assert any("hide-cell" in c.metadata.get("tags", []) for c in nb.cells), "no hidden solutions"


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [ch["file"] for part in toc["parts"] for ch in part["chapters"]]


# Characters of code the book's page shows without scrolling sideways: measured in
# Chromium at a 1280-pixel-wide window (the narrowest of the common laptop widths;
# wider windows and phones in landscape show 85-89).
PAGE_CODE_WIDTH = 77


def lines_wider_than(path, width):
    """(cell number, line) for every code line longer than `width` characters."""
    return [(i, line) for i, c in enumerate(code_cells(path), 1)
            for line in c.source.splitlines() if len(line) > width]


def test_width_check_finds_a_long_line(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n" + "y" * 78)])
    nbformat.write(nb, tmp_path / "wide.ipynb")
    assert lines_wider_than(tmp_path / "wide.ipynb", PAGE_CODE_WIDTH) == [(1, "y" * 78)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_fits_the_page_without_scrolling(path):
    wide = lines_wider_than(path, PAGE_CODE_WIDTH)
    assert not wide, (f"{path.name}: {len(wide)} code lines longer than {PAGE_CODE_WIDTH} "
                      f"characters, the first in code cell {wide[0][0]}: {wide[0][1]!r}")


def test_toc_lists_every_chapter_in_order():
    listed = [f for f in toc_files() if f.startswith("chapters/")]
    assert listed == sorted(listed)
    assert listed == [f"chapters/{p.stem}" for p in CHAPTERS]


def test_ruff_is_clean_on_code_tests_and_notebooks():
    ruff = Path(sys.executable).with_name("ruff")
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    result = subprocess.run([ruff, "check", "src", "tests", "chapters", "appendix", "scripts"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
