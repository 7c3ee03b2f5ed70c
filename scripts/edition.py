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
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LOCALES = ROOT / "locales"
LANGUAGES = ("en", "ko")


def sphinx(builder: str, outdir: Path, *, language: str = "en", toc: Path | None = None,
           quiet: bool = True) -> None:
    """One Sphinx build of the book, warnings as errors and nitpicky (as the README's build)."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {"external_toc_path": str(toc or ROOT / "_toc.yml"),
                 "latex_individualpages": False, "nitpicky": True, "language": language}
    doctrees = BUILD / ".doctrees-editions" / f"{builder}-{language}-{outdir.name}"
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=overrides, doctreedir=doctrees, builder=builder,
                          warningiserror=True, keep_going=True, quiet=quiet)
    if result:
        sys.exit(f"the {builder} build ({language}) failed: see the messages above")


WORDLESS = re.compile(r"\$[^$]*\$|`[^`]*`")  # math and code: the same in both editions


def catalogs() -> None:
    """Extract the English messages and merge them into locales/ko: a changed message comes
    back untranslated or fuzzy. Messages without a word outside math and code (a table's
    numbers, a glossary's Korean term) are their own translation and are filled in."""
    import polib

    pot = BUILD / "gettext"
    sphinx("gettext", pot)
    subprocess.run([Path(sys.executable).with_name("sphinx-intl"), "update", "-p", str(pot),
                    "-d", str(LOCALES), "-l", "ko", "-w", "0"], check=True)
    for path in sorted(LOCALES.rglob("*.po")):
        catalog = polib.pofile(str(path), wrapwidth=0)
        for entry in catalog:
            if not entry.msgstr and not re.search(r"[A-Za-z]{2,}", WORDLESS.sub("", entry.msgid)):
                entry.msgstr = entry.msgid
        catalog.save()


TITLE_NUMBER = re.compile(r"^(\d+)\. ")  # "1. A neuron": a heading's number in the msgid


def _markdown():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    import yaml

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
                if name == "term":
                    marks["role term"] += 1
                    marks[f"term target {(target[1] if target else child.content).strip().lower()}"] += 0
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
    found = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        where = f"{path.relative_to(ROOT)}: {entry.msgid[:70]!r}"
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
        (blocks, marks), (blocks_ko, marks_ko) = _shape(md, source), _shape(md, translated)
        if blocks != blocks_ko:
            found.append(f"{where}: parses as {blocks_ko}, the English as {blocks}")
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
    out = BUILD / "html" if language == "en" else BUILD / "html" / language
    sphinx("html", out, language=language)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("catalogs", help="update locales/ko from the English pages")
    check_parser = commands.add_parser("check", help="check catalogs (default: all)")
    check_parser.add_argument("po", nargs="*", type=Path)
    for name in ("html", "pdf"):
        command = commands.add_parser(name)
        command.add_argument("language", choices=LANGUAGES)
    args = parser.parse_args()
    start = time.perf_counter()
    if args.command == "catalogs":
        catalogs()
    elif args.command == "check":
        paths = [p.resolve() for p in args.po] or sorted(LOCALES.rglob("*.po"))
        sys.exit(1 if check(paths) else 0)
    elif args.command == "html":
        print(html(args.language) / "index.html")
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
