"""Small HTML pieces the lesson widgets share: translated prose with its inline code kept left to right, the
outer box that carries the language's direction, the style every widget's HTML brings with it, and the box that
gives a control a hover tooltip ipywidgets 8 really shows.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import traitlets

from ..i18n import bdi_code as code
from ..i18n import direction, get_language, isolate_code

__all__ = ["RTL_CLASS", "TooltipBox", "code", "container", "plain", "prose"]

RTL_CLASS = "autotutor-rtl"  # added to a widget box in Arabic: its controls then run right to left too
_INLINE_CODE = re.compile(r"`([^`]+)`")
# A line made for print() in Arabic (i18n.printed): right-to-left isolates around it, code spans isolated left to
# right. In HTML the container's dir does that work, so the isolates go and the code spans become code again.
_PRINTED_LINE = re.compile("^\u2067|\u2069$", re.M)
_PRINTED_CODE = re.compile("\u2066([^\u2066\u2069]+)\u2069")  # the innermost: a run of code may hold fields
# Every widget's HTML carries this <style> (see `container`); once one widget is drawn it applies to the page.
_STYLE = "<style>" + " ".join([
    f".{RTL_CLASS} {{ direction: rtl; }}",
    # A text typed in an Arabic widget may be English: each line is laid out in its own direction, so the
    # full stop of "a hobbit." stays at its end instead of jumping to the left.
    f".{RTL_CLASS} textarea, .{RTL_CLASS} input[type=text] {{ unicode-bidi: plaintext; }}",
    # ipywidgets' HTML box is a flex item, and a flex item is never narrower than its content by default: a wide
    # token table would push the widget past the output area (cutting off its row labels in Arabic) instead of
    # scrolling in its own box.
    ".widget-html-content:has(> .autotutor-widget) { min-width: 0; }",
    # ipywidgets floats each radio button to the left of its label; in Arabic it belongs on the right, where the
    # reader starts the line.
    f".{RTL_CLASS} .widget-radio-box input {{ float: right; margin: 0 1px 0 8px; }}",
    # ipywidgets puts the gap after a control's label on its right; in Arabic the control is on the label's left.
    f".{RTL_CLASS} .widget-inline-hbox > .widget-label {{ margin-right: 0; "
    "margin-left: calc(var(--jp-widgets-inline-margin) * 2); }",
    # A row of toggle buttons has no gap after its label at all: one on the side where the buttons are.
    ".widget-toggle-buttons > .widget-label { margin-inline-end: calc(var(--jp-widgets-inline-margin) * 2); }",
]) + "</style>"


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
    text = _PRINTED_CODE.sub(r"`\1`", _PRINTED_LINE.sub("", text))
    parts = _INLINE_CODE.split(text)  # even indexes: prose, odd indexes: code
    return "".join(code(part) if i % 2 else html.escape(part) for i, part in enumerate(parts))


def plain(text: str) -> str:
    """A translated sentence for a place that shows no HTML (a button, a radio label, a tooltip): the backticks
    go; in Arabic each code span is isolated left to right instead, so `[1, 3, 224, 224]` keeps its order."""
    if direction() == "rtl":
        return isolate_code(text)
    return _INLINE_CODE.sub(r"\1", text)


def container(body: str) -> str:
    """The outer <div> of a widget's HTML, with the current language's `lang` and `dir` (rtl for Arabic)."""
    lang = get_language()
    return f'<div class="autotutor-widget" lang="{lang}" dir="{direction(lang)}">{_STYLE}{body}</div>'


class TooltipBox(widgets.HBox):
    """A row around one control whose `tooltip` becomes the row's `title`: the browser's hover text over the
    control and over its label.

    ipywidgets 8 shows a control's tooltip only while the control has no `description`, and a description is
    what gives a control its visible label and, through a `<label for=...>`, its name for a screen reader (a
    text box, a drop-down or a number box without one is nameless: its `title` does not name it). So every
    control of the lessons has a short translated description, and its tooltip is copied here. A box has no
    `description`, and ipywidgets 8.1 reads it before it sets a widget's title, so a plain HBox with a tooltip is
    never drawn: the empty one below is what that code expects.

        TooltipBox(widgets.BoundedIntText(description="max_length", tooltip="The length ..."))
        TooltipBox(widgets.Textarea(description=_("Texts"), ...), layout=widgets.Layout(width="100%"))
    """

    description = traitlets.Unicode("").tag(sync=True)

    def __init__(self, control: widgets.DOMWidget, **kwargs) -> None:
        super().__init__([control], **kwargs)
        self.control = control
        traitlets.dlink((control, "tooltip"), (self, "tooltip"))  # follows every relabel
        self.add_class("autotutor-tooltip-box")
