"""The pages around the chapters: glossary, references, appendix notebooks, offline search."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

GLOSSARY = ROOT / "glossary.md"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
APPENDIX_NOTEBOOKS = sorted((ROOT / "appendix").glob("*.ipynb"))
HANGUL_RUN = re.compile(r"[가-힣]+(?:[ \t]+[가-힣]+)*")
PARENTHESES = re.compile(r"\(([^()]*)\)")


def _normalize(text: str) -> str:
    """Drop Markdown emphasis and collapse white space, so that phrases compare as read."""
    return re.sub(r"\s+", " ", text.replace("*", "").replace("$", ""))


def glossary_entries() -> dict[tuple[str, ...], str]:
    """The {glossary} directive of glossary.md as {(term, alias, ...): definition}."""
    block = re.search(r"```\{glossary\}\n(.*?)\n```", GLOSSARY.read_text(), re.S).group(1)
    entries: dict[tuple[str, ...], str] = {}
    terms: list[str] = []
    definition: list[str] = []
    for line in block.splitlines() + [""]:
        if line.startswith(":"):  # an option such as :sorted:
            continue
        if line.strip() and not line[0].isspace():
            if definition:
                entries[tuple(terms)] = " ".join(definition)
                terms, definition = [], []
            terms.append(line.strip())
        elif line.strip():
            definition.append(line.strip())
    if terms:
        entries[tuple(terms)] = " ".join(definition)
    return entries


def korean_in_parentheses(text: str) -> list[str]:
    """Every run of Hangul words inside (...) in some Markdown text."""
    return [run for inner in PARENTHESES.findall(text) for run in HANGUL_RUN.findall(inner)]


def chapter_prose(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_glossary_has_entries_each_with_a_definition_and_a_chapter_link():
    entries = glossary_entries()
    assert len(entries) >= 40
    for terms, definition in entries.items():
        assert definition, f"glossary: {terms} has no definition"
        assert "{doc}`" in definition, f"glossary: {terms} links to no chapter"
    assert len({t for terms in entries for t in terms}) == sum(map(len, entries)), "duplicate term"


def test_korean_term_extraction():
    text = "the error (L2 오류함수, L2 error) and the (*w*를 조절하는 것 = 학습) and (no Korean)"
    assert korean_in_parentheses(text) == ["오류함수", "를 조절하는 것", "학습"]


def test_every_korean_term_of_the_chapters_is_in_the_glossary():
    glossary = _normalize(GLOSSARY.read_text())
    missing = {}
    for path in CHAPTERS:
        absent = sorted({run for run in korean_in_parentheses(_normalize(chapter_prose(path)))
                         if run not in glossary})
        if absent:
            missing[path.name] = absent
    assert not missing, f"Korean terms of the chapters missing from glossary.md: {missing}"


# ------------------------------------------------------------------ glossary links in the chapters
TERM_ROLE = re.compile(r"\{term\}`([^`]*)`")


def term_targets(text: str) -> list[str]:
    """The glossary term each {term} role of some Markdown names: {term}`text <term>` or
    {term}`term`."""
    targets = []
    for content in TERM_ROLE.findall(text):
        explicit = re.fullmatch(r"(.+?)\s*<([^<>]*)>", content, re.S)
        targets.append((explicit.group(2) if explicit else content).strip())
    return targets


def teaching_chapters(definition: str) -> list[str]:
    """The chapters a glossary definition sends the reader to: "See {doc}`/chapters/NN_name`"."""
    return re.findall(r"\{doc\}`/chapters/(\w+)`", definition)


def test_term_role_extraction():
    text = "the {term}`weight`, two {term}`biases <bias>` and {term}`deep\nnets <deep neural network>`"
    assert term_targets(text) == ["weight", "bias", "deep neural network"]
    assert teaching_chapters("See {doc}`/chapters/08_mnist` and {doc}`/intro`.") == ["08_mnist"]


def test_every_chapter_teaches_a_glossary_term():
    taught = {ch for definition in glossary_entries().values() for ch in teaching_chapters(definition)}
    chapters = {p.stem for p in CHAPTERS}
    assert taught <= chapters, f"glossary.md links chapters that do not exist: {taught - chapters}"
    assert chapters <= taught, f"chapters that no glossary entry names: {chapters - taught}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_links_the_glossary_terms_it_teaches(path):
    """Every {term} role names a glossary term (case aside, as Sphinx matches them), and every
    entry whose definition says "See" this chapter is linked from it at least once."""
    entries = glossary_entries()
    known = {t.lower() for terms in entries for t in terms}
    linked = {t.lower() for t in term_targets(chapter_prose(path))}
    assert linked <= known, f"{path.name}: {{term}} roles name no glossary term: {linked - known}"
    unlinked = [terms[0] for terms, definition in entries.items()
                if path.stem in teaching_chapters(definition)
                and not linked & {t.lower() for t in terms}]
    assert not unlinked, (f"{path.name} teaches these glossary terms but never links them; "
                          f"link the first use of each with {{term}}`...`: {unlinked}")


def test_the_bibliography_holds_the_works_the_book_cites():
    pybtex = pytest.importorskip("pybtex.database")
    entries = pybtex.parse_file(str(ROOT / "references.bib")).entries
    for key in ["rumelhart1986backprop", "lecun1998mnist", "hinton2006dbn",
                "glorot2010understanding", "nair2010relu", "glorot2011relu",
                "srivastava2014dropout", "kingma2015adam", "he2015delving", "prechelt1998early",
                "byun2026lecture", "byun_myml"]:
        assert key in entries, key
        assert entries[key].fields.get("title"), key
    cited = set()
    for path in [*ROOT.glob("*.md"), *ROOT.glob("appendix/*.md"), *CHAPTERS, *APPENDIX_NOTEBOOKS]:
        for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(k.strip() for k in group.split(","))
    assert cited <= set(entries), f"cited but not in references.bib: {cited - set(entries)}"


def test_pending_markers_name_only_chapters_not_yet_in_the_book():
    """Pages mark what waits for a chapter ("pending: chapters/NN_name"); once the chapter is in
    the table of contents, the mark must go and the page link the chapter instead."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    texts = {"glossary.md": GLOSSARY.read_text()}
    texts.update({p.name: "\n".join(c.source for c in nbformat.read(p, as_version=4).cells
                                    if c.cell_type == "markdown") for p in APPENDIX_NOTEBOOKS})
    stale = sorted({(name, chapter) for name, text in texts.items()
                    for chapter in re.findall(r"pending: (chapters/\w+)", text) if chapter in listed})
    assert not stale, (f"these chapters are in the book now; link them where the pages mark them "
                       f"pending (and re-execute the notebook): {stale}")


# ------------------------------------------------------------------ appendix notebooks
# The checks of tests/test_notebooks.py that apply to pages which are not chapters
# (nbval itself runs them when `pytest` collects appendix/, see pyproject's testpaths).


def _code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_appendix_notebooks():
    assert {p.name for p in APPENDIX_NOTEBOOKS} >= {"jax_primer.ipynb", "errata.ipynb"}


@pytest.mark.parametrize("path", APPENDIX_NOTEBOOKS, ids=lambda p: p.name)
def test_appendix_notebook_opens_with_a_title(path):
    """(Its setup cell is checked with the chapters' in tests/test_setup_cell.py.)"""
    nb = nbformat.read(path, as_version=4)
    assert re.match(r"# \S", nb.cells[0].source), "first cell: '# Title'"


def test_appendix_pages_are_in_the_toc():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for path in [*APPENDIX_NOTEBOOKS, *(ROOT / "appendix").glob("*.md")]:
        assert f"appendix/{path.stem}" in files, f"{path.name} is not in _toc.yml"
    assert "glossary" in files


# ------------------------------------------------------------------ the lecture against the book
LECTURE_VS_BOOK = ROOT / "appendix" / "lecture_vs_book.ipynb"
GLUE_PREFIX = "application/papermill.record/"


def _stored_glue(path: Path) -> dict[str, str]:
    """{name: text/plain} of the glue outputs stored in a notebook."""
    glued = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                glued[meta["name"]] = output["data"][meta.get("mime_prefix", "") + "text/plain"]
    return glued


@pytest.fixture(scope="module")
def page_code():
    """Run the page's code (its code cells after the setup cell) here, without a kernel.

    Returns (namespace, glued): the page's functions, and what it glued this time.
    """
    import os

    first, *rest = _code_cells(LECTURE_VS_BOOK)[1:]
    namespace: dict = {}
    glued: dict[str, str] = {}
    cwd = os.getcwd()
    os.chdir(ROOT / "appendix")  # the page runs in appendix/, as nbval runs it
    try:
        exec(compile(first.source, str(LECTURE_VS_BOOK), "exec"), namespace)  # its functions
        namespace["glue"] = lambda name, value: glued.__setitem__(
            name, value if isinstance(value, str) else repr(value))
        for cell in rest:
            exec(compile(cell.source, str(LECTURE_VS_BOOK), "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace, glued


def test_lecture_vs_book_page_agrees_with_the_chapters_outputs(page_code):
    """Re-reading the chapters now gives exactly what the page stored: else re-execute it."""
    _, fresh = page_code
    stored = _stored_glue(LECTURE_VS_BOOK)
    assert fresh, "the page glued nothing"
    changed = {k: (stored.get(k), v) for k, v in fresh.items() if stored.get(k) != v}
    assert not changed, (
        "appendix/lecture_vs_book.ipynb disagrees with the chapters (stored, now): "
        f"{changed}; re-run: python scripts/execute.py appendix/lecture_vs_book.ipynb")


def test_lecture_vs_book_table_pastes_only_values_the_page_glues():
    text = "\n".join(c.source for c in nbformat.read(LECTURE_VS_BOOK, as_version=4).cells
                     if c.cell_type == "markdown")
    pasted = set(re.findall(r"\{glue:text\}`(\w+)`", text))
    stored = _stored_glue(LECTURE_VS_BOOK)
    assert pasted and pasted <= set(stored), f"pasted but never glued: {pasted - set(stored)}"
    for key in ("lab_21", "lab_22", "lab_23", "lab_24"):
        assert "%" in stored[f"{key}_book"], f"{key}: no measurement from its chapter"


def test_lecture_vs_book_reads_glued_results_before_printed_lines(page_code, tmp_path):
    """The contract for chapters: a glue output named lab_NN wins over printed lines."""
    namespace, _ = page_code
    nb = nbformat.v4.new_notebook()
    printed = nbformat.v4.new_code_cell("")
    printed.outputs = [nbformat.v4.new_output(
        "stream", name="stdout",
        text="lab 22, seed 0: test accuracy 94.74 %  (0.55 s per epoch)\n"
             "lab 22, seed 1: test accuracy 94.93 %  (0.57 s per epoch)\n")]
    nb.cells = [printed]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    assert namespace["chapter_results"](path) == {
        "lab_22": {"accuracy": [94.74, 94.93], "epoch_seconds": 0.56}}
    glued = nbformat.v4.new_code_cell("")
    glued.outputs = [nbformat.v4.new_output(
        "display_data", data={GLUE_PREFIX + "text/plain": "{'solved': 731, 'starts': 1000, "
                                                           "'sweep_seconds': 2.5}"},
        metadata={"scrapbook": {"name": "lab_19", "mime_prefix": GLUE_PREFIX}})]
    nb.cells.append(glued)
    nbformat.write(nb, path)
    result = namespace["chapter_results"](path)
    assert result == {"lab_19": {"solved": 731, "starts": 1000, "sweep_seconds": 2.5}}
    assert namespace["book_figure"](result["lab_19"]) == "solves XOR from 731 of 1,000 random starts"
    assert namespace["time_figure"](result["lab_19"]) == "2.5 s for all starts"
