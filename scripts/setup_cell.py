"""The setup cell that opens every chapter, built from the repository URL in _config.yml.

Usage: ``python scripts/setup_cell.py`` prints the cell;
``python scripts/setup_cell.py --write chapters/*.ipynb`` puts it in place as
the first code cell of each notebook (e.g. after the repository moves).
tests/test_notebooks.py checks every chapter against :func:`setup_cell_source`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = """\
# Setup, the same in every chapter. Outside the book's repository
# (e.g. in Colab) it first installs the book's helpers package.
try:
    import helpers
except ImportError:
    %pip install --quiet "dljax-helpers @ git+{url}"
    import helpers

helpers.set_style()"""


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository URL, read from ``repository: url:`` in _config.yml."""
    match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", config.read_text(), re.MULTILINE)
    if not match:
        raise ValueError(f"{config} has no 'repository: url:' entry")
    return match.group(1)


def setup_cell_source() -> str:
    return TEMPLATE.format(url=repository_url())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        import nbformat

        for name in sys.argv[2:]:
            nb = nbformat.read(name, as_version=4)
            first = next(c for c in nb.cells if c.cell_type == "code")
            first.source = setup_cell_source()
            nbformat.write(nb, name)
            print(f"{name}: setup cell written")
    else:
        print(setup_cell_source())
