"""The book's two editions: English (the source) and Korean (Sphinx gettext, locales/ko).

Three things for the Korean build, one for both:

* ``{glue:text}`` inside translated paragraphs. Sphinx's i18n step parses each translated
  paragraph as a small document of its own, which lacks the notebook's glue data, so myst-nb
  1.4 finds no key there ("No key ... found in glue data for this document"). In a translated
  paragraph, ``{glue:text}`key``` is read as ``{glue:text}`/<this notebook>::key```: the same
  value, from the glue cache myst-nb writes for every notebook, resolved after parsing.
* A warning (so an error under ``-W``) for every translation Sphinx did not apply: Sphinx
  silently keeps the English text when a translation parses into another kind of block.
* A warning for Markdown left as text in a translated paragraph (``**``, backticks, roles,
  dollars): a Korean particle right after a closing ``**`` breaks CommonMark's emphasis.
* On every page of either edition, a link to the same page in the other edition
  (``_templates/edition-switch.html`` in the article header).
"""

from __future__ import annotations

import re
from os import path

from docutils import nodes
from myst_nb.ext.glue.domain import NbGlueDomain
from myst_nb.ext.glue.roles import PasteTextRole
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
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


class CheckTranslations(SphinxTransform):
    """Runs right after Sphinx's Locale transform (priority 20)."""

    default_priority = 21

    def apply(self, **kwargs) -> None:
        if self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
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


def add_edition_switch(app, pagename, templatename, context, doctree) -> None:
    other = "en" if app.config.language == "ko" else "ko"
    base = "../" if other == "en" else "ko/"
    text, title = EDITIONS[other]
    context["edition_switch"] = {"url": context["pathto"](f"{base}{pagename}.html", 1),
                                 "language": other, "text": text, "title": title}


def setup(app):
    NbGlueDomain.roles = {**NbGlueDomain.roles, "text": TranslatedPasteTextRole()}
    app.add_transform(CheckTranslations)
    app.connect("html-page-context", add_edition_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
