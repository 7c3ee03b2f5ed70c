"""Give the bibliography's entries a role that screen readers and WCAG checkers accept.

docutils writes a citation list as ``<div role="list">`` whose entries carry
``role="doc-biblioentry"``: a role that ARIA 1.2 deprecates, and not a list item, so
the list has no item a screen reader can count (axe-core: ``aria-deprecated-role``,
and the critical ``aria-required-children``). Each entry becomes ``role="listitem"``.
tests/test_browser.py runs axe-core over every page.
"""

from __future__ import annotations

DEPRECATED = ' role="doc-biblioentry"'


def _fix_roles(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and DEPRECATED in body:
        context["body"] = body.replace(DEPRECATED, ' role="listitem"')


def setup(app):
    app.connect("html-page-context", _fix_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
