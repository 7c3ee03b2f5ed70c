"""The book's two editions: English (the source) and Korean (Sphinx gettext, locales/ko).

For the Korean build, and one thing for both:

* ``{glue:text}`` inside translated paragraphs. Sphinx's i18n step parses each translated
  paragraph as a small document of its own, which lacks the notebook's glue data, so myst-nb
  1.4 finds no key there ("No key ... found in glue data for this document"). In a translated
  paragraph, ``{glue:text}`key``` is read as ``{glue:text}`/<this notebook>::key```: the same
  value, from the glue cache myst-nb writes for every notebook, resolved after parsing.
* A warning (so an error under ``-W``) for every translation Sphinx did not apply: Sphinx
  silently keeps the English text when a translation parses into another kind of block.
* A warning for Markdown left as text in a translated paragraph (``**``, backticks, roles,
  dollars): a Korean particle right after a closing ``**`` breaks CommonMark's emphasis.
* The parts' captions in the table of contents, the figures' alt texts and the summaries of
  collapsed cells, which Sphinx's i18n step never sees.
* On every page of either edition, a link to the same page in the other edition
  (``_templates/edition-switch.html`` in the article header).
"""

from __future__ import annotations

import re
from os import path

from docutils import nodes
from myst_nb.ext.glue.domain import NbGlueDomain
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

LOGGER = logging.getLogger(__name__)
EDITIONS = {"en": ("English", "Read this page in English"),
            "ko": ("한국어", "이 페이지를 한국어판으로 읽기")}
UNPARSED = re.compile(r"\*\*|`|\{(?:term|doc|ref|glue:text|cite|eq|numref)\}|\$")


class TranslatedPasteTextRole(PasteTextRole):
    def run(self):
        if self.document.current_source.endswith("<translated>") and "::" not in self.text:
            env = self.document.settings.env
            page = env.doc2path(env.docname, base=False)
            # myst-nb splits "key:format" at the last colon, so the format is spelled out
            self.text = f"/{page}::{self.text}:s"
        return super().run()


def _catalog(transform: SphinxTransform):
    """This page's translations (None in the English edition or without a catalog)."""
    if transform.config.language == "en":
        return None
    domain = docname_to_domain(transform.env.docname, transform.config.gettext_compact)
    dirs = [path.join(transform.env.srcdir, d) for d in transform.config.locale_dirs]
    catalog, has_catalog = init_locale(dirs, transform.config.language, domain)
    return catalog if has_catalog else None


class CheckTranslations(SphinxTransform):
    """Runs right after Sphinx's Locale transform (priority 20)."""

    default_priority = 21

    def apply(self, **kwargs) -> None:
        catalog = _catalog(self)
        if catalog is None:
            return
        for node, msgid in extract_messages(self.document):
            msgstr = catalog.gettext(msgid)
            if msgstr == msgid or not msgstr.strip():
                continue
            if not node.get("translated"):
                LOGGER.warning("translation not applied (its Markdown parses differently): %r",
                               msgid[:80], location=node)
                continue
            for text in node.findall(nodes.Text):
                if isinstance(text.parent, (nodes.literal, nodes.math, nodes.literal_block)):
                    continue
                if UNPARSED.search(text):
                    LOGGER.warning("Markdown left unparsed in the translation: %r",
                                   str(text)[:80], location=node)


class TranslateTocCaptions(SphinxTransform):
    """The parts' captions ("Part I: ...") come from _toc.yml: sphinx-external-toc inserts
    their toctrees (priority 100) after Sphinx has translated the page (20), so they are
    translated here, from the root page's catalog, where `catalogs` extracts them."""

    default_priority = 101

    def apply(self, **kwargs) -> None:
        catalog = _catalog(self)
        for toctree in self.document.findall(addnodes.toctree) if catalog else ():
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


class TranslateAltTexts(SphinxPostTransform):
    """A figure's alt text (its cell's ``mystnb: image: alt``) arrives with the image, which
    myst-nb makes after Sphinx has translated the page; its translation is put in here."""

    default_priority = 5  # after myst-nb's SelectMimeType (4) has made the images

    def run(self, **kwargs) -> None:
        catalog = _catalog(self)
        for image in self.document.findall(nodes.image) if catalog else ():
            if image.get("alt"):
                image["alt"] = catalog.gettext(image["alt"])


# The summaries myst-nb puts above collapsed cells ("Show code cell {type}"), in Korean
PROMPTS = {"ko": {"Show code cell content": "셀 전체 보기", "Hide code cell content": "셀 전체 숨기기",
                  "Show code cell source": "코드 보기", "Hide code cell source": "코드 숨기기",
                  "Show code cell output": "출력 보기", "Hide code cell output": "출력 숨기기"}}


class TranslateCellPrompts(SphinxPostTransform):
    """The show/hide summaries of collapsed cells, which myst-nb writes in English."""

    default_priority = 200  # after myst-nb's HideInputCells (199) has made them
    formats = ("html",)

    def run(self, **kwargs) -> None:
        prompts = PROMPTS.get(self.config.language, {})
        for node in self.document.findall(HideCodeCellNode) if prompts else ():
            for key in ("prompt_show", "prompt_hide"):
                node[key] = prompts.get(node[key], node[key])


def add_edition_switch(app, pagename, templatename, context, doctree) -> None:
    other = "en" if app.config.language == "ko" else "ko"
    base = "../" if other == "en" else "ko/"
    text, title = EDITIONS[other]
    context["edition_switch"] = {"url": context["pathto"](f"{base}{pagename}.html", 1),
                                 "language": other, "text": text, "title": title}


def setup(app):
    NbGlueDomain.roles = {**NbGlueDomain.roles, "text": TranslatedPasteTextRole()}
    app.add_transform(CheckTranslations)
    app.add_transform(TranslateTocCaptions)
    app.add_post_transform(TranslateAltTexts)
    app.add_post_transform(TranslateCellPrompts)
    app.connect("html-page-context", add_edition_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
