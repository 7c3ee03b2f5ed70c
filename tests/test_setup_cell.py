"""The setup cell and the repository address: nothing is installed from an unset address.

``_config.yml``'s ``repository: url:`` is empty until the book has a public home. While it
is, every chapter's first code cell installs nothing and says how to install the helpers,
and the built pages show no Colab button. Once it is set, the cell pins a tag or commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ROOT, load_script

setup_cell = load_script("setup_cell")

NOTEBOOKS = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("appendix/*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def write_config(tmp_path: Path, url: str, branch: str) -> Path:
    config = tmp_path / "_config.yml"
    config.write_text(yaml.safe_dump({"repository": {"url": url, "branch": branch}}))
    return config


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_shared_setup_cell(path):
    """The setup cell comes first; only a cell that sets the environment for JAX may precede
    it (XLA_FLAGS must be set before JAX starts: appendix/many_devices.ipynb)."""
    nb = nbformat.read(path, as_version=4)
    first = setup_cell.setup_cell_of(nb)
    before = [c for c in nb.cells if c.cell_type == "code"][0]
    if before is not first:
        assert "import" not in before.source.replace("import os", ""), (
            f"{path.name}: the cell before the setup cell may only set os.environ")
    assert first.source == setup_cell.setup_cell_source(), (
        f"{path.name}: run python scripts/setup_cell.py --write {path.relative_to(ROOT)}")
    # it prints this machine's devices, which nbval must not compare
    assert "nbval-ignore-output" in first.metadata.get("tags", []), path.name


def test_unset_address_installs_nothing_and_says_how_to_install(tmp_path, monkeypatch):
    source = setup_cell.setup_cell_source(write_config(tmp_path, "", ""))
    assert "%pip" not in source and "http" not in source and "git+" not in source
    monkeypatch.setitem(sys.modules, "helpers", None)  # as in Colab: no helpers installed
    with pytest.raises(ImportError, match=r"pip install -e \.") as info:
        exec(compile(source, "setup-cell", "exec"), {})
    assert "README.md" in str(info.value)


def test_set_address_pins_a_tag_or_commit(tmp_path):
    url = "https://github.com/someone/some-book"
    source = setup_cell.setup_cell_source(write_config(tmp_path, url, "v1.2"))
    assert f'%pip install --quiet "dljax-helpers @ git+{url}@v1.2"' in source
    commit = "0123456789abcdef0123456789abcdef01234567"
    assert f"git+{url}@{commit}" in setup_cell.setup_cell_source(write_config(tmp_path, url, commit))


@pytest.mark.parametrize(("url", "branch", "problem"), [
    ("https://github.com/someone/some-book", "main", "moving branch"),
    ("https://github.com/someone/some-book", "", "moving branch"),
    ("https://example.com/book.git", "v1.0", "OWNER/REPO"),
    ("github.com/someone/some-book", "v1.0", "OWNER/REPO"),
])
def test_a_malformed_address_is_refused(tmp_path, url, branch, problem):
    with pytest.raises(ValueError, match=problem):
        setup_cell.setup_cell_source(write_config(tmp_path, url, branch))


def test_config_buttons_agree_with_the_address():
    unset = setup_cell.repository() is None
    assert bool(CONFIG["launch_buttons"].get("colab_url")) is not unset, (
        "launch_buttons.colab_url must be empty exactly while repository.url is unset")
    assert bool(CONFIG["html"].get("use_repository_button")) is not unset


def test_built_pages_offer_colab_only_with_an_address(built_book):
    html, _ = built_book
    pages = sorted((html / "chapters").glob("*.html"))
    assert pages
    with_colab = [p.name for p in pages if "colab.research.google.com" in p.read_text()]
    if setup_cell.repository() is None:
        assert not with_colab, f"Colab buttons while the address is unset: {with_colab}"
    else:
        assert len(with_colab) == len(pages)
