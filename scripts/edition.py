"""Build the book's editions: the Korean catalogs, the Korean HTML book, and PDFs.

    python scripts/edition.py catalogs        # after editing a page: update locales/ko
    python scripts/edition.py html ko         # the Korean book into _build/html/ko/
    python scripts/edition.py pdf en          # _build/pdf/book-en.pdf (also: pdf ko)
    python scripts/edition.py check [PO ...]  # every entry translated, its Markdown intact

The English HTML book is `jupyter-book build .` (README). Every build here goes through
Jupyter Book's own Sphinx entry point with the book's _config.yml and _toc.yml; only the
builder, the language and the output folder change, and each build keeps its own doctree
folder (Sphinx refuses to share one between builders).
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LOCALES = ROOT / "locales"
LANGUAGES = ("en", "ko")
TITLES = {"ko": "JAX로 배우는 딥러닝: 뉴런 하나에서 드롭아웃까지"}


def sphinx(builder: str, outdir: Path, *, language: str = "en", toc: Path | None = None,
           strict: bool = True) -> None:
    """One Sphinx build of the book; ``strict``: warnings as errors and nitpicky (as the
    README's build), else warnings are not shown."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {"external_toc_path": str(toc or ROOT / "_toc.yml"),
                 "latex_individualpages": False, "nitpicky": strict, "language": language}
    if language in TITLES:
        overrides["html_title"] = TITLES[language]
    doctrees = BUILD / ".doctrees-editions" / f"{builder}-{language}-{outdir.name}"
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=overrides, doctreedir=doctrees, builder=builder,
                          warningiserror=strict, keep_going=True, quiet=True,
                          really_quiet=not strict)  # a short book's links to the rest fail
    if result:
        sys.exit(f"the {builder} build ({language}) failed: see the messages above")


WORDLESS = re.compile(r"\$[^$]*\$|`[^`]*`")  # math and code: the same in both editions


def catalogs() -> None:
    """Extract the English messages and merge them into locales/ko: a changed message comes
    back untranslated or fuzzy (with the old translation to start from). Messages without a
    word outside math and code (a table's numbers, a glossary's Korean term) are their own
    translation and are filled in; a message whose only change is in its numbers keeps its
    translation with the new numbers (:func:`renumbered`)."""
    import polib

    pot = BUILD / "gettext"
    sphinx("gettext", pot)
    before = {path: {NUMBER.sub("#", e.msgid): e  # by the English with its numbers masked
                     for e in polib.pofile(str(path)).translated_entries()}
              for path in LOCALES.rglob("*.po")}
    subprocess.run([Path(sys.executable).with_name("sphinx-intl"), "update", "-p", str(pot),
                    "-d", str(LOCALES), "-l", "ko", "-w", "0"], check=True)
    for path in sorted(LOCALES.rglob("*.po")):
        catalog = polib.pofile(str(path), wrapwidth=0)
        for entry in catalog.obsolete_entries():  # the merge has used them for fuzzy matches
            catalog.remove(entry)
        for entry in catalog:
            if entry.translated():  # translated, and not fuzzy
                continue
            if not re.search(r"[A-Za-z]{2,}", WORDLESS.sub("", entry.msgid)):
                msgstr = entry.msgid
            else:
                old = before.get(path, {}).get(NUMBER.sub("#", entry.msgid))
                msgstr = old and renumbered(entry.msgid, old.msgid, old.msgstr)
            if msgstr:
                entry.msgstr = msgstr
                if entry.fuzzy:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = None
        catalog.save()


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def renumbered(msgid: str, previous: str, msgstr: str) -> str:
    """The translation of ``previous`` carried over to ``msgid`` when the two differ only in
    their numbers (a benchmark page re-rendered from a new record): each old number becomes
    the new one in the same place of the English. Empty, so that the entry stays fuzzy for a
    translator, unless the old numbers map one to one onto the new and the translation holds
    exactly the old English's numbers."""
    if NUMBER.sub("#", msgid) != NUMBER.sub("#", previous):
        return ""
    new_for = {}
    for old, new in zip(NUMBER.findall(previous), NUMBER.findall(msgid), strict=True):
        if new_for.setdefault(old, new) != new:
            return ""
    if collections.Counter(NUMBER.findall(msgstr)) != collections.Counter(NUMBER.findall(previous)):
        return ""
    return NUMBER.sub(lambda m: new_for[m.group()], msgstr)


TITLE_NUMBER = re.compile(r"^(\d+)\. ")  # "1. A neuron": a heading's number in the msgid


def _markdown():
    import yaml
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = set(config["parse"]["myst_enable_extensions"])
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


def _shape(md, text: str) -> tuple[list[str], collections.Counter]:
    """The blocks a message parses into, and what its text may not lose in translation:
    emphasis, math, code, links and roles (a {term} may name another glossary entry, a
    {doc} or {ref} may get new link text, but must keep its target)."""
    blocks, marks = [], collections.Counter()
    for token in md.parse(text):
        if token.type != "inline":
            blocks.append(token.type)
            continue
        for child in token.children or []:
            if child.type == "myst_role":
                name = child.meta["name"]
                target = re.search(r"<([^<>]+)>\s*$", child.content)
                if name == "term":  # counted; its target is listed (count 0) to be looked up
                    marks["role term"] += 1
                    term = (target[1] if target else child.content).strip().lower()
                    marks[f"term target {term}"] += 0
                elif name in ("doc", "ref", "numref", "download"):
                    marks[f"role {name} {(target[1] if target else child.content).strip()}"] += 1
                else:
                    marks[f"role {name} {child.content}"] += 1
            elif child.type in ("math_inline", "code_inline", "math_inline_double"):
                marks[f"{child.type} {child.content}"] += 1
            elif child.type == "link_open":
                marks[f"link {child.attrs.get('href')}"] += 1
            elif child.type.endswith("_open") or child.type in ("image", "hardbreak"):
                marks[child.type] += 1
    return blocks, marks


def glossary_terms() -> set[str]:
    """Every term of glossary.md's glossary (each entry's lines before its definition)."""
    text = (ROOT / "glossary.md").read_text(encoding="utf-8").split("```{glossary}")[1]
    lines = text.split("```")[0].splitlines()
    return {line.strip().lower() for line in lines
            if line.strip() and not line.startswith((" ", ":"))}


def problems(path: Path, md=None) -> list[str]:
    """What is wrong with one catalog: untranslated or fuzzy entries, and translations whose
    Markdown would not render as the English does (Sphinx silently keeps the English text
    when a translation parses into other blocks, and shows stray ** when emphasis breaks)."""
    import polib

    md = md or _markdown()
    terms = glossary_terms()
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        where = f"{name}: {entry.msgid[:70]!r}"
        if not entry.msgstr.strip():
            found.append(f"{where}: untranslated")
            continue
        if entry.fuzzy:
            found.append(f"{where}: fuzzy (check the translation, then remove the flag)")
        source, translated = entry.msgid, entry.msgstr
        number = TITLE_NUMBER.match(source)
        if number:  # a numbered heading: its translation must escape the dot ("1\\. ...")
            if not translated.startswith(f"{number[1]}\\. "):
                found.append(f"{where}: write the heading's number as {number[1]}\\. ")
                continue
            source, translated = source[number.end():], translated[number.end() + 1:]
        (_, marks), (blocks_ko, marks_ko) = _shape(md, source), _shape(md, translated)
        if blocks_ko != ["paragraph_open", "paragraph_close"] and translated != source:
            # Sphinx applies a translation only if it parses as one paragraph
            found.append(f"{where}: parses as {blocks_ko}, not as one paragraph")
        unknown = [t[12:] for t in marks_ko if t.startswith("term target ") and t[12:] not in terms]
        if unknown:
            found.append(f"{where}: {{term}} names no glossary term: {unknown}")
        if marks != marks_ko:
            lost, added = marks - marks_ko, marks_ko - marks
            found.append(f"{where}: markup differs; missing {dict(lost)}, extra {dict(added)}")
    return found


def check(paths: list[Path]) -> int:
    md = _markdown()
    found = [p for path in paths for p in problems(path, md)]
    print("\n".join(found) or f"{len(paths)} catalogs: every entry translated, markup intact")
    return len(found)


def html(language: str) -> Path:
    """A translated edition into _build/html/<language>/, beside the English book."""
    out = BUILD / "html" / language
    sphinx("html", out, language=language)
    return out


def pdf(language: str, pages: list[str] | None = None) -> Path:
    """Print the book (or, with ``pages``, a short book of those pages) to one PDF: Sphinx's
    single-page HTML build, served locally and printed by Chromium through Playwright, after
    MathJax has typeset every formula."""
    import threading

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("printing needs Chromium: apt-get install chromium fonts-nanum (Debian)")
    name = f"book-{language}" + ("-short" if pages else "")
    site = BUILD / "singlehtml" / name
    with tempfile.TemporaryDirectory() as folder:
        toc = None
        if pages:  # a table of contents of just these pages (links to others go unresolved)
            toc = Path(folder) / "_toc.yml"
            toc.write_text(f"format: jb-book\nroot: {pages[0]}\nchapters:\n"
                           + "".join(f"  - file: {p}\n" for p in pages[1:]), encoding="utf-8")
        sphinx("singlehtml", site, language=language, toc=toc, strict=not pages)
    out = BUILD / "pdf" / f"{name}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            root = pages[0] if pages else "intro"  # the single page is named after the root
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{root}.html",
                      wait_until="load", timeout=300_000)
            page.wait_for_function("() => !window.MathJax || (MathJax.startup &&"
                                   " MathJax.startup.promise)", timeout=60_000)
            page.evaluate("() => window.MathJax && MathJax.startup.promise")
            page.emulate_media(media="print")
            page.pdf(path=str(out), format="A4", print_background=False,
                     margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                     display_header_footer=True, header_template="<span></span>",
                     footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                                     '<span class="pageNumber"></span></div>')
            browser.close()
    finally:
        server.shutdown()
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("catalogs", help="update locales/ko from the English pages")
    check_parser = commands.add_parser("check", help="check catalogs (default: all)")
    check_parser.add_argument("po", nargs="*", type=Path)
    commands.add_parser("html", help="build the Korean book (the English one: README)"
                        ).add_argument("language", choices=LANGUAGES[1:])
    pdf_parser = commands.add_parser("pdf", help="print one edition to _build/pdf/")
    pdf_parser.add_argument("language", choices=LANGUAGES)
    pdf_parser.add_argument("--pages", nargs="+", metavar="PAGE",
                            help="a short book of these pages (the first is its root)")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.command == "catalogs":
        catalogs()
    elif args.command == "check":
        paths = [p.resolve() for p in args.po] or sorted(LOCALES.rglob("*.po"))
        sys.exit(1 if check(paths) else 0)
    elif args.command == "html":
        print(html(args.language) / "index.html")
    elif args.command == "pdf":
        print(pdf(args.language, args.pages))
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
