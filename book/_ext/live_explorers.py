"""A tiny Sphinx extension: a page with a live explorer gets the script and the style that draw it.

book/build.py puts a placeholder, `<div class="autotutor-live" data-live="..." ...>`, after the explorer cell of
the lessons that have a live explorer; this adds `_static/live/live.js` (deferred) and `live.css` to those pages
only, so the other pages load nothing more. live.js then loads the rest from its own folder (book/README.md).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

PLACEHOLDER_CLASS = "autotutor-live"  # the placeholder's class, as book/build.py writes it


def has_live_explorer(doctree: nodes.Node | None) -> bool:
    """True when the page holds a live explorer's placeholder (a raw HTML block that build.py wrote)."""
    if doctree is None:
        return False
    return any(f'class="{PLACEHOLDER_CLASS}"' in node.astext() for node in doctree.findall(nodes.raw))


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    # Called during this page's html-page-context, add_js_file / add_css_file add to this page alone.
    if has_live_explorer(doctree):
        app.add_js_file("live/live.js", loading_method="defer")
        app.add_css_file("live/live.css")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
