"""The backbone explorer: choose `out_indices` and/or `out_features` and see which stages a backbone returns, the
shape of each feature map, and its first channels as grayscale tiles; a choice loading would refuse shows the
error and what it means.

    explorer_html(stage_names, maps, out_indices=(1,), out_features=None)   the picture, as HTML
    BackboneExplorer(every_stage_backbone, pixel_values)                     the widget around it

The feature maps come from a backbone loaded with every stage (`out_features=stage_names`), run once; the choice
is checked with the rule `from_pretrained` applies (`autotutor.lessons.autobackbone.select`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from ..errors import ArgumentError
from ..i18n import _, on_language_change
from ..lessons.autobackbone import feature_grid, select
from ..lessons.pictures import png_data_uri
from ._html import TooltipBox, code, container, follow_direction, plain, prose

__all__ = ["BackboneExplorer", "call_text", "explorer_html"]


def call_text(out_indices: Sequence[int] | None, out_features: Sequence[str] | None) -> str:
    """The call the picture shows: `AutoBackbone.from_pretrained(checkpoint, out_indices=(1,))`."""
    args = ["checkpoint"]
    if out_indices:
        args.append(f"out_indices={tuple(out_indices)!r}")
    if out_features:
        args.append(f"out_features={list(out_features)!r}")
    return f"AutoBackbone.from_pretrained({', '.join(args)})"


def explorer_html(stage_names: Sequence[str], maps: Sequence[Any], *, out_indices: Sequence[int] | None = None,
                  out_features: Sequence[str] | None = None, channels: int = 16) -> str:
    """What the explorer shows: the call, then each selected stage's shape and tiles, or the error explained.

    `maps` holds one (1, C, H, W) feature map per stage, in the order of `stage_names`.
    """
    parts = ["<p>" + code(call_text(out_indices, out_features)) + "</p>"]
    chosen = select(stage_names, out_indices=out_indices, out_features=out_features)
    if chosen.error is not None:
        parts.append('<p style="color:#c62828;font-weight:bold">' + html.escape(_("Loading would fail with:")) + "</p>"
                     + f'<pre dir="ltr" style="white-space:pre-wrap">ConfigError: {html.escape(chosen.error)}</pre>')
        parts.append("<p>" + prose(chosen.explanation or "") + "</p>")
        return container("".join(parts))
    if not out_indices and not out_features:
        parts.append("<p>" + prose(_("Neither `out_indices` nor `out_features` given: the backbone returns the "
                                     "last stage.")) + "</p>")
    for name, index in zip(chosen.names, chosen.indices):
        shape = list(maps[index].shape)
        # the name and the shape are code: each kept left to right inside Arabic prose
        heading = html.escape(_("Stage {index}, {name}: feature map of shape {shape}")).format(
            index=index, name=code(name), shape=code(str(shape)))
        caption = _("Its first {count} channels, one tile each (black: the smallest value, white: the largest).")
        caption = caption.format(count=min(channels, shape[1]))
        parts.append(f"<h4>{heading}</h4><p>{html.escape(caption)}</p>"
                     f'<img src="{png_data_uri(feature_grid(maps[index], channels=channels))}" alt="">')
    return container("".join(parts))


class BackboneExplorer(widgets.VBox):
    """Two choosers, `out_indices` (numbers) and `out_features` (names), and what the backbone would return.

    Args:
        backbone: a backbone loaded with every stage, e.g.
            `AutoBackbone.from_pretrained(checkpoint, out_features=["stem", "stage1", ..., "stage4"])`.
        pixel_values: the (1, 3, H, W) photo it reads (`processor(photo, return_tensors="pt").pixel_values`).
        out_indices, out_features: the first choice shown.
    """

    def __init__(self, backbone: Any, pixel_values: Any, *, out_indices: Sequence[int] | None = (1,),
                 out_features: Sequence[str] | None = None) -> None:
        import torch

        self.stage_names = list(backbone.config.stage_names)
        if list(backbone.config.out_features) != self.stage_names:
            raise ArgumentError("Load the backbone with every stage: out_features=config.stage_names.",
                                key="out_features", value=list(backbone.config.out_features))
        with torch.no_grad():
            self.maps = list(backbone(pixel_values).feature_maps)  # one (1, C, H, W) per stage
        self._prompt = widgets.HTML()
        self._indices = widgets.SelectMultiple(options=[(str(i), i) for i in range(len(self.stage_names))],
                                               value=tuple(out_indices or ()), rows=len(self.stage_names),
                                               description="out_indices", style={"description_width": "initial"})
        self._features = widgets.SelectMultiple(options=self.stage_names, value=tuple(out_features or ()),
                                                rows=len(self.stage_names), description="out_features",
                                                style={"description_width": "initial"})
        self._picture = widgets.HTML()
        # Each list keeps its description (its visible label and its name for a screen reader); the box around it
        # shows the tooltip, which ipywidgets 8 drops from a described select list.
        choosers = widgets.HBox([TooltipBox(self._indices), TooltipBox(self._features)])
        super().__init__([self._prompt, choosers, self._picture])
        self.add_class("autotutor-backbone-explorer")  # a stable hook for the page's tests and styles
        for control in (self._indices, self._features):
            control.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Choose stages by number (`out_indices`), by name "
                                               "(`out_features`), or both (Ctrl+click to choose several).")))
        self._indices.tooltip = plain(_("The positions of the stages in `stage_names`: 0 is the stem"))
        self._features.tooltip = _("The names of the stages")
        follow_direction(self)
        self._redraw()

    def select(self, *, out_indices: Sequence[int] = (), out_features: Sequence[str] = ()) -> str:
        """Choose, as clicks would; returns the picture's HTML."""
        self._indices.value, self._features.value = tuple(out_indices), tuple(out_features)
        return self.html()

    def _redraw(self, change: dict | None = None) -> None:
        self._picture.value = self.html()

    def html(self) -> str:
        return explorer_html(self.stage_names, self.maps, out_indices=self._indices.value,
                             out_features=self._features.value)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"BackboneExplorer({self.stage_names!r})"
