"""Let ``{glue:text}`` work inside translated paragraphs (the Korean edition).

Sphinx's i18n step parses each translated paragraph as a small document of its own, which
lacks the notebook's glue data, so myst-nb 1.4 finds no key there ("No key ... found in glue
data for this document"). In a translated paragraph, this role reads ``{glue:text}`key```
as ``{glue:text}`/<this notebook>::key```: the same value, taken from the glue cache that
myst-nb writes for every notebook and resolved after parsing. Untranslated pages keep
myst-nb's own role.
"""

from __future__ import annotations

from myst_nb.ext.glue.domain import NbGlueDomain
from myst_nb.ext.glue.roles import PasteTextRole


class TranslatedPasteTextRole(PasteTextRole):
    def run(self):
        translated = self.document.current_source.endswith("<translated>")
        if translated and "::" not in self.text:
            env = self.document.settings.env
            page = env.doc2path(env.docname, base=False)
            # myst-nb splits "key:format" at the last colon, so the format is spelled out
            self.text = f"/{page}::{self.text}:s"
        return super().run()


def setup(app):
    NbGlueDomain.roles = {**NbGlueDomain.roles, "text": TranslatedPasteTextRole()}
    return {"parallel_read_safe": True, "parallel_write_safe": True}
