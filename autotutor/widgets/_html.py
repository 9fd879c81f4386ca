"""Small HTML pieces the lesson widgets share: translated prose with its inline code kept left to right, and
the outer box that carries the language's direction.
"""

from __future__ import annotations

import html
import re

from ..i18n import bdi_code as code
from ..i18n import direction, get_language

__all__ = ["RTL_CLASS", "code", "container", "plain", "prose"]

RTL_CLASS = "autotutor-rtl"  # added to a widget box in Arabic: its controls then run right to left too
_INLINE_CODE = re.compile(r"`([^`]+)`")
_STYLE = f"<style>.{RTL_CLASS} {{ direction: rtl; }}</style>"


def follow_direction(widget) -> None:
    """Lay a widget box out right to left in Arabic, left to right otherwise (called on each language change)."""
    if direction() == "rtl":
        widget.add_class(RTL_CLASS)
    else:
        widget.remove_class(RTL_CLASS)


def prose(text: str) -> str:
    """A translated sentence as HTML: escaped, with each `inline code` span turned into `code(...)`.

    >>> prose("Pad with `[PAD]` <here>")
    'Pad with <bdi dir="ltr"><code>[PAD]</code></bdi> &lt;here&gt;'
    """
    parts = _INLINE_CODE.split(text)  # even indexes: prose, odd indexes: code
    return "".join(code(part) if i % 2 else html.escape(part) for i, part in enumerate(parts))


def plain(text: str) -> str:
    """A translated sentence for a place that shows no HTML (a button, a radio label): the backticks go."""
    return _INLINE_CODE.sub(r"\1", text)


def container(body: str) -> str:
    """The outer <div> of a widget's HTML, with the current language's `lang` and `dir` (rtl for Arabic)."""
    lang = get_language()
    return f'<div class="autotutor-widget" lang="{lang}" dir="{direction(lang)}">{_STYLE}{body}</div>'
