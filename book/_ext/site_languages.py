"""A tiny Sphinx extension: each page links to itself in the site's other languages, and right-to-left
languages get `dir="rtl"` on their <html> element.

The site is built once per language into sibling folders (`en/`, `fr/`, `ar/`) from the same page names, so
the same page in another language is `../<lang>/<pagename>.html`, whatever the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel import Locale
from sphinx.application import Sphinx

from autotutor.i18n import LANGUAGES, direction, translate

_HTML_TAG = re.compile(r"<html\b[^>]*>")


def language_name(lang: str) -> str:
    """The language's own name for itself, as a reader looks for it: "English", "Français", "العربية"."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def language_links(pagename: str, current: str, languages: list[str]) -> list[dict[str, Any]]:
    """One link per language to `pagename` in that language's folder, relative to the page itself."""
    up = "../" * (pagename.count("/") + 1)  # from <lang>/<pagename>.html up to the site's root
    return [
        {"lang": lang, "name": language_name(lang), "dir": direction(lang), "current": lang == current,
         "href": f"{up}{lang}/{pagename}.html"}
        for lang in languages
    ]


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    context["site_language_links"] = language_links(pagename, app.config.language, app.config.site_languages)
    context["site_languages_label"] = translate("This page in another language", app.config.language)


def _with_dir(tag: str, text_direction: str) -> str:
    """`<html lang="ar" ...>` with `dir="rtl"` added (once: a page written by an earlier build keeps its own)."""
    if re.search(r"\sdir=", tag):
        return tag
    return tag[:-1].rstrip() + f' dir="{text_direction}">'


def _mark_direction(app: Sphinx, exception: Exception | None) -> None:
    """The theme's template writes `<html lang="ar">` and offers no hook for `dir`, so it is added to every
    written page. Browsers then mirror the layout, and the theme's `[dir=rtl]` styles apply, before any script."""
    if exception is not None or app.builder.format != "html" or direction(app.config.language) != "rtl":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        marked = _HTML_TAG.sub(lambda m: _with_dir(m.group(0), "rtl"), text, count=1)
        if marked != text:
            page.write_text(marked, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("site_languages", list(LANGUAGES), "html")
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _mark_direction)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
