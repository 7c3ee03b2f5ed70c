"""Drop repeated inline <script> blocks from every page.

With Jupyter Book 1.0.4, sphinx-thebe and sphinx-togglebutton each add their
inline configuration script twice per page. The second
`const THEBE_JS_URL = ...` is a JavaScript error in every browser console
(tests/test_browser.py checks for console errors). Keeping the first of each
identical inline script fixes that without touching the extensions.
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files") or []
    seen, kept = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body")
        if body and body in seen:
            continue
        seen.add(body)
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
