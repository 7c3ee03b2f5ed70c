"""The setup cell that opens every chapter, built from the repository entry in _config.yml.

Usage: ``python scripts/setup_cell.py`` prints the cell;
``python scripts/setup_cell.py --write chapters/*.ipynb`` puts it in place as
the first code cell of each notebook (after the repository's address is set or moves).
tests/test_setup_cell.py checks every chapter against :func:`setup_cell_source`.

Two states, chosen by ``repository: url:`` in _config.yml:

- **unset** (``url: ""``, the state until the book has a public home): the cell installs
  nothing. Outside a clone it stops with a message saying how to install the helpers.
  No address that the project does not control is ever written into a chapter.
- **set** (``url: https://github.com/OWNER/REPO`` and ``branch:`` a release tag such as
  ``v1.0`` or a 40-digit commit, never a moving branch): the cell installs the helpers
  from exactly that tag or commit when they are missing (Colab).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GITHUB_URL = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
PINNED_REF = re.compile(r"v\d+(\.\d+)*|[0-9a-f]{40}")

UNSET = """\
# Setup, the same in every chapter: the book's helpers and figure style.
try:
    import helpers
except ImportError:
    raise ImportError(
        "This chapter needs the book's `helpers` package. The book has no "
        "public address yet, so nothing is installed from the internet: "
        "clone the book's repository, run `pip install -e .` in it (see "
        "README.md), and restart the kernel."
    ) from None

helpers.set_style()
helpers.show_devices()  # what JAX computes on: CPU, GPU or TPU"""

SET = """\
# Setup, the same in every chapter. Outside the book's repository
# (e.g. in Colab) it first installs the book's helpers package, at {ref};
# it keeps the JAX that is there (Colab's GPU build).
try:
    import helpers
except ImportError:
    %pip install --quiet "dljax-helpers @ git+{url}@{ref}"
    import helpers

helpers.set_style()
helpers.show_devices()  # what JAX computes on: CPU, GPU or TPU"""


def repository(config: Path = ROOT / "_config.yml") -> tuple[str, str] | None:
    """``(url, ref)`` from _config.yml's ``repository:`` entry, or None while it is unset.

    Raises ValueError when the entry is malformed: a url that is not a GitHub repository,
    or a ref that is a branch name rather than a release tag or a commit.
    """
    entry = (yaml.safe_load(config.read_text()) or {}).get("repository") or {}
    url, ref = str(entry.get("url") or "").strip(), str(entry.get("branch") or "").strip()
    if not url:
        return None
    if not GITHUB_URL.fullmatch(url):
        raise ValueError(f"{config}: repository url must be https://github.com/OWNER/REPO, got {url!r}")
    if not PINNED_REF.fullmatch(ref):
        raise ValueError(
            f"{config}: with a repository url set, repository branch must pin a release tag "
            f"(v1.0) or a 40-digit commit, not a moving branch; got {ref!r}")
    return url, ref


def setup_cell_of(nb):
    """The notebook's setup cell: its first code cell, or its second when the first only sets
    environment variables that JAX reads when it starts (XLA_FLAGS)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0]
    sets_environment = "os.environ" in first.source and "import helpers" not in first.source
    return code[1] if sets_environment else first


def setup_cell_source(config: Path = ROOT / "_config.yml") -> str:
    repo = repository(config)
    return UNSET if repo is None else SET.format(url=repo[0], ref=repo[1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        import nbformat

        for name in sys.argv[2:]:
            nb = nbformat.read(name, as_version=4)
            first = setup_cell_of(nb)
            first.source = setup_cell_source()
            # its output names this machine's devices: compared by nbval nowhere
            tags = first.metadata.setdefault("tags", [])
            if "nbval-ignore-output" not in tags:
                tags.append("nbval-ignore-output")
            nbformat.write(nb, name)
            print(f"{name}: setup cell written")
    else:
        print(setup_cell_source())
