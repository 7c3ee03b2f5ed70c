"""The book builds with warnings as errors, offline, and its pages stay light."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT

CDN = re.compile(r"""<(?:script|link)[^>]+(?:src|href)="(https?:)?//[^"]+""")
MAX_PAGE_BYTES = 4_000_000


def test_book_builds_without_warnings(built_book):
    html, log = built_book
    assert (html / "intro.html").exists()
    assert "WARNING" not in log and "ERROR" not in log, log[-4000:]


def test_every_chapter_has_a_page(built_book):
    html, _ = built_book
    for path in (ROOT / "chapters").glob("*.ipynb"):
        assert (html / "chapters" / f"{path.stem}.html").exists(), path.name


def test_no_page_loads_scripts_or_styles_from_the_network(built_book):
    html, _ = built_book
    for page in html.rglob("*.html"):
        remote = CDN.findall(page.read_text(encoding="utf-8"))
        assert not remote, f"{page.relative_to(html)} loads from the network"
    chapter = (html / "chapters" / "01_neuron.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in chapter
    assert "embed-amd.js" not in chapter, "a widget manager is loaded: a chapter stores widget state"


def test_execution_errors_would_fail_the_build():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True


def test_pages_stay_light(built_book):
    html, _ = built_book
    sizes = {p.relative_to(html).as_posix(): p.stat().st_size for p in html.rglob("*.html")}
    largest = max(sizes, key=sizes.get)
    print(f"largest page: {largest}, {sizes[largest]:,} bytes")
    assert sizes[largest] < MAX_PAGE_BYTES, f"{largest} weighs {sizes[largest]:,} bytes"


def test_one_search_field_per_page(built_book):
    """pydata-sphinx-theme 0.16+ adds a second search field in a full-width header bar unless
    html_theme_options sets navbar_persistent: [] (the sidebar keeps the book's search field)."""
    html, _ = built_book
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "navbar-persistent--container" not in text, f"{page.relative_to(html)}: header search bar"


def test_no_directive_is_left_as_text(built_book):
    """A fence whose first line cannot open a directive (a backtick fence with backticks in
    its title) shows its Markdown as text: ```{admonition} and :class: on the page."""
    html, _ = built_book
    for page in html.rglob("*.html"):
        text = re.sub(r"<pre.*?</pre>", "", page.read_text(encoding="utf-8"), flags=re.S)
        left = re.findall(r"(?:```|:::)\{[a-z-]+\}|^:class: \w+", text, flags=re.M)
        assert not left, f"{page.relative_to(html)} shows directive markup as text: {left}"
