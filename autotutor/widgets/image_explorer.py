"""The image explorer: pick a sample photo or upload one, choose a checkpoint's processor, and see the photo
after each step, with the shape and the per-channel statistics of the `pixel_values` the model would read.

    explorer_html(image, processor, checkpoint)          the picture, as HTML in the current language
    steps_html(steps(image, processor))                  one column per step: what it does, picture, values
    ImageExplorer({"google/vit-base-patch16-224": vit}, {"cat.jpg": path, ...})   the widget around it
"""

from __future__ import annotations

import html
import os
from typing import Any

import ipywidgets as widgets

from ..errors import ImageError
from ..i18n import _, bdi_code, on_language_change
from ..lessons.autoimageprocessor import ChannelStats, Step, channel_stats, histogram_image, img_tag, step_label, steps
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["ImageExplorer", "explorer_html", "stats_html", "steps_html", "uploaded_bytes"]


def stats_html(stats: list[ChannelStats]) -> str:
    """Min, max and mean of each channel as a small table (always left to right, like the numbers)."""
    cell = 'style="padding:1px 6px;text-align:right;font-family:monospace"'
    head = "".join(f"<th {cell}>{html.escape(h)}</th>" for h in (_("channel"), _("min"), _("max"), _("mean")))
    rows = "".join(
        f"<tr><td {cell}>{s.channel}</td><td {cell}>{s.min:.3f}</td><td {cell}>{s.max:.3f}</td>"
        f"<td {cell}>{s.mean:.3f}</td></tr>"
        for s in stats
    )
    return f'<table dir="ltr" style="border-collapse:collapse">{head and "<tr>" + head + "</tr>"}{rows}</table>'


def steps_html(step_list: list[Step]) -> str:
    """One column per step: what it does, the picture, where the values lie, and their statistics."""
    shape_word = html.escape(_("shape"))
    columns = []
    for step in step_list:
        shape = "×".join(str(n) for n in step.values.shape)
        histogram = histogram_image(step.values, step.low, step.high)
        columns.append(
            '<td style="vertical-align:top;padding:4px 8px;max-width:240px">'
            f"<p>{prose(step_label(step.name))}</p>{img_tag(step.picture, fmt='jpeg')}<br>{img_tag(histogram, 100)}"
            f"<p>{shape_word} {bdi_code(shape)}</p>{stats_html(step.stats)}</td>"
        )
    return container('<table style="border-collapse:collapse"><tr>' + "".join(columns) + "</tr></table>")


def explorer_html(image: Any, processor: Any, checkpoint: str) -> str:
    """What the explorer shows for `image` prepared by `processor`: the call, the shape and statistics of
    `pixel_values`, then every step as a picture. An image the processor cannot read gives its error, explained.
    """
    try:
        pixel_values = processor(image, return_tensors="pt").pixel_values  # (1, 3, H, W)
        step_list = steps(image, processor)
    except ImageError as err:
        return container("<p>" + html.escape(_("This file cannot be read as an image:")) + "</p><p>"
                         + html.escape(str(err)) + "</p>")
    shape = list(pixel_values.shape)
    parts = [
        "<p>" + code(f'AutoImageProcessor.from_pretrained("{checkpoint}")(image, return_tensors="pt")') + "</p>",
        "<p>" + prose(_("`pixel_values` has the shape `{shape}`: a batch of one photo, 3 channels (red, green, "
                        "blue), height × width.")).format(shape=shape) + "</p>",
        stats_html(channel_stats(pixel_values)),
        steps_html(step_list),
    ]
    return container("".join(parts))


def uploaded_bytes(value: Any) -> tuple[str, bytes] | None:
    """(name, content) of the last file of a FileUpload's `value` (ipywidgets 8: a tuple of dicts), or None."""
    if not value:
        return None
    item = value[-1] if isinstance(value, (list, tuple)) else list(value.values())[-1]  # ipywidgets 7: a dict
    content = item["content"]
    return str(item.get("name", "upload")), bytes(content.tobytes() if hasattr(content, "tobytes") else content)


class ImageExplorer(widgets.VBox):
    """A photo chooser, an upload button, a processor chooser, and what the processor makes of the photo.

    Args:
        processors: checkpoint name → its image processor (`AutoImageProcessor.from_pretrained(name)`).
        samples: file name → path of the sample photos (`autotutor.pack.sample_file("cat.jpg")`).
    """

    def __init__(self, processors: dict[str, Any], samples: dict[str, str | os.PathLike]) -> None:
        self.processors = dict(processors)
        self.images: dict[str, Any] = {name: os.fspath(path) for name, path in samples.items()}
        self._prompt = widgets.HTML()
        self._photo = widgets.Dropdown(options=list(self.images), style={"description_width": "initial"},
                                       layout=widgets.Layout(width="auto"))
        self._upload = widgets.FileUpload(accept="image/*", multiple=False)
        # Each button is named by its checkpoint, shown whole; the description labels the row, beside the buttons
        # (a flex row: ipywidgets puts the buttons of a ToggleButtons on a line of their own).
        self._checkpoint = widgets.ToggleButtons(options=list(self.processors),
                                                 style={"description_width": "initial", "button_width": "auto"},
                                                 layout=widgets.Layout(display="flex", flex_flow="row wrap",
                                                                       align_items="center"))
        self._picture = widgets.HTML()
        controls = widgets.HBox([TooltipBox(self._photo), self._upload], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([self._prompt, controls, self._checkpoint, self._picture])
        self.add_class("autotutor-image-explorer")  # a stable hook for the page's tests and styles
        self._photo.observe(self._redraw, names="value")
        self._checkpoint.observe(self._redraw, names="value")
        self._upload.observe(self._uploaded, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Choose a sample photo or upload your own, then a checkpoint: "
                                               "its processor prepares the photo.")))
        self._upload.description = _("Upload")
        self._upload.tooltip = _("A photo from your computer (PNG, JPEG, ...): it stays in this notebook")
        self._photo.description = _("Photo")
        self._photo.tooltip = _("The photo to prepare")
        self._checkpoint.description = _("Checkpoint")
        self._checkpoint.tooltip = _("Prepare the photo the way this checkpoint was trained")
        self._checkpoint.tooltips = [self._checkpoint.tooltip] * len(self.processors)
        follow_direction(self)
        self._redraw()

    def _uploaded(self, change: dict) -> None:
        found = uploaded_bytes(change["new"])
        if found is None:
            return
        name, content = found
        self.add_image(name, content)

    def add_image(self, name: str, image: Any) -> None:
        """Add a photo (a path, bytes or a PIL image) to the chooser and show it, as an upload does."""
        self.images[name] = image
        self._photo.options = list(self.images)
        self._photo.value = name  # redraws

    def select(self, *, photo: str | None = None, checkpoint: str | None = None) -> None:
        """Choose a photo and/or a checkpoint, as a click would."""
        if photo is not None:
            self._photo.value = photo
        if checkpoint is not None:
            self._checkpoint.value = checkpoint

    def _redraw(self, change: dict | None = None) -> None:
        self._picture.value = self.html()

    def html(self) -> str:
        """The picture for the current photo and checkpoint (what the widget shows)."""
        name = self._checkpoint.value
        return explorer_html(self.images[self._photo.value], self.processors[name], name)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"ImageExplorer({list(self.processors)!r})"
