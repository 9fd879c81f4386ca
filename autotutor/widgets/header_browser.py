"""The safetensors header browser: pick a checkpoint of the course pack, filter its tensors by name, and read
what its header says of each one: dtype, shape, where its bytes are. No tensor is read, only the header.

    SAFETENSORS_CHECKPOINTS                  the course pack's checkpoints that have a model.safetensors
    header_html(path, filter_text="")        the file's bar, a summary and the (filtered) table, as HTML
    HeaderBrowser()                          the widget around it
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets

from ..i18n import _, ngettext, on_language_change
from ..lessons.loading_safely import pack_weights, safetensors_header, tensor_rows
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["MAX_ROWS", "SAFETENSORS_CHECKPOINTS", "HeaderBrowser", "header_html"]

SAFETENSORS_CHECKPOINTS = (
    "google-bert/bert-base-uncased",
    "distilbert/distilbert-base-uncased",
    "google/vit-base-patch16-224",
    "microsoft/swin-tiny-patch4-window7-224",
    "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition",
)
MAX_ROWS = 40  # a long table hides the point; the filter finds the rest
_CELL = "padding:1px 8px;font-family:monospace;white-space:nowrap;"


def header_html(path: str | Path, filter_text: str = "") -> str:
    """What the browser shows for one file: how many tensors and bytes, the metadata, and the tensors whose name
    contains `filter_text` (at most MAX_ROWS), in the current language."""
    header = safetensors_header(path)
    rows = tensor_rows(header)
    chosen = [r for r in rows if filter_text.strip().lower() in r.name.lower()]
    size = sum(r.nbytes for r in rows) / 1e6
    parts = [
        "<p>" + html.escape(ngettext("{count} tensor, {size} MB of numbers.", "{count} tensors, {size} MB of numbers.",
                                     len(rows)).format(count=len(rows), size=f"{size:.1f}")) + "</p>",
        "<p>" + prose(_("Metadata (`__metadata__`):")) + " "
        + code(repr(header.get("__metadata__", {}))) + "</p>",
    ]
    if filter_text.strip():
        matches = ngettext("{count} tensor matches “{text}”.", "{count} tensors match “{text}”.", len(chosen))
        parts.append("<p>" + html.escape(matches.format(count=len(chosen), text=filter_text.strip())) + "</p>")
    head = "".join(f'<th style="{_CELL}">{html.escape(t)}</th>' for t in (_("tensor"), "dtype", "shape", _("bytes")))
    body = "".join(f'<tr><td style="{_CELL}">{html.escape(r.name)}</td><td style="{_CELL}">{r.dtype}</td>'
                   f'<td style="{_CELL}">{list(r.shape)}</td><td style="{_CELL}">{r.start} – {r.end}</td></tr>'
                   for r in chosen[:MAX_ROWS])
    parts.append(f'<div dir="ltr" style="overflow-x:auto"><table><tr>{head}</tr>{body}</table></div>')
    if len(chosen) > MAX_ROWS:
        parts.append("<p>" + html.escape(_("Only the first {count} are shown: type part of a name to find the "
                                           "others.").format(count=MAX_ROWS)) + "</p>")
    return container("".join(parts))


class HeaderBrowser(widgets.VBox):
    """A checkpoint menu, a filter box, and the header of the checkpoint's model.safetensors.

    Args:
        repo_id: the checkpoint shown first (one of SAFETENSORS_CHECKPOINTS).
        filter_text: the filter's first value, e.g. "layer.0." or "attention".
    """

    def __init__(self, repo_id: str = SAFETENSORS_CHECKPOINTS[0], *, filter_text: str = "") -> None:
        self._prompt = widgets.HTML()
        self._menu = widgets.Dropdown(options=list(SAFETENSORS_CHECKPOINTS), value=repo_id,
                                      style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self._filter = widgets.Text(value=filter_text, style={"description_width": "initial"},
                                    layout=widgets.Layout(width="auto"))
        self._table = widgets.HTML()
        controls = widgets.HBox([TooltipBox(self._menu), TooltipBox(self._filter)],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([self._prompt, controls, self._table])
        self.add_class("autotutor-header-browser")  # a stable hook for the page's tests and styles
        self._menu.observe(self._redraw, names="value")
        self._filter.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Pick a checkpoint and type part of a tensor name (`layer.0.`, "
                                               "`attention`, `classifier`): the header answers without reading a "
                                               "single weight.")))
        self._menu.description = _("Checkpoint")
        self._menu.tooltip = _("A checkpoint of the course pack")
        self._filter.description = _("Filter")
        self._filter.placeholder = _("part of a tensor name")
        self._filter.tooltip = _("Show only the tensors whose name contains this text")
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        self._table.value = header_html(pack_weights(self._menu.value), self._filter.value)

    def html(self) -> str:
        """What the widget shows now (what a test reads)."""
        return self._table.value

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"HeaderBrowser({self._menu.value!r})"
