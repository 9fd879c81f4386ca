"""The audio explorer: pick a speech clip, listen to it, and see what the feature extractor makes of it: the
waveform before and after normalisation and the numbers that changed.

    png(image)                          a Pillow picture as PNG bytes, for ipywidgets.Image
    stats_html(extractor, samples, rate)      the extractor's call and the clip's numbers before and after, as HTML
    ClipPlayers({"en": path, ...})            one audio player per clip, with its name
    AudioExplorer(extractor)                  the widget: a clip menu, a player, the two waveforms, the numbers
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..lessons.autofeatureextractor import CLIPS, before_after_image, clip_stats, read_wav
from ..lessons.pictures import png
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["AudioExplorer", "ClipPlayers", "stats_html"]

_CELL = "padding:2px 10px;text-align:right;font-family:monospace;"


def _clip_path(name: str) -> Path:
    from ..pack import sample_file

    return sample_file(name)


def stats_html(extractor: Any, samples: Any, rate: int) -> str:
    """The call the explorer makes and a table of the clip's numbers before and after it, in the current language."""
    inputs = extractor(samples, sampling_rate=rate, return_tensors="np")
    before, after = clip_stats(samples, rate), clip_stats(inputs["input_values"][0], rate)
    rows = [
        (_("samples"), f"{before.samples}", f"{after.samples}"),
        (_("seconds"), f"{before.seconds:.2f}", f"{after.seconds:.2f}"),
        (_("mean"), f"{before.mean:.3f}", f"{after.mean:.3f}".replace("-0.000", "0.000")),
        (_("standard deviation"), f"{before.std:.3f}", f"{after.std:.3f}"),
        (_("smallest value"), f"{before.min:.3f}", f"{after.min:.3f}"),
        (_("largest value"), f"{before.max:.3f}", f"{after.max:.3f}"),
    ]
    head = (f'<tr><th></th><th style="{_CELL}">{html.escape(_("before"))}</th>'
            f'<th style="{_CELL}">{html.escape(_("after"))}</th></tr>')
    body = "".join(f'<tr><th style="padding:2px 10px">{html.escape(label)}</th><td style="{_CELL}" dir="ltr">{a}</td>'
                   f'<td style="{_CELL}" dir="ltr">{b}</td></tr>' for label, a, b in rows)
    return container(
        "<p>" + code(f"extractor(samples, sampling_rate={rate}, return_tensors='pt')") + "</p>"
        + "<p>" + prose(_("Top: the clip as recorded. Bottom: `input_values`, what the model reads. Both are drawn "
                          "on the same scale.")) + "</p>"
        + f"<table>{head}{body}</table>"
    )


class ClipPlayers(widgets.VBox):
    """One audio player per clip, each under its file name.

    Args:
        clips: language code → file name in the course pack (default: the three speech clips).
    """

    def __init__(self, clips: dict[str, str] | None = None) -> None:
        self.clips = dict(clips or CLIPS)
        rows = []
        for name in self.clips.values():
            player = widgets.Audio(value=_clip_path(name).read_bytes(), format="wav", autoplay=False, loop=False)
            rows.append(widgets.HBox([widgets.Label(value=name, layout=widgets.Layout(width="140px")), player]))
        super().__init__(rows)
        self.add_class("autotutor-clip-players")  # a stable hook for the page's tests and styles

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"ClipPlayers({list(self.clips.values())!r})"


class AudioExplorer(widgets.VBox):
    """A clip menu, a player, the waveform before and after the extractor, and the numbers that changed.

    Args:
        extractor: a feature extractor, e.g. `AutoFeatureExtractor.from_pretrained(...)`.
        clips: language code → file name in the course pack (default: the three speech clips).
        clip: the language code of the clip shown first.
    """

    def __init__(self, extractor: Any, clips: dict[str, str] | None = None, *, clip: str = "en") -> None:
        self.extractor = extractor
        self.clips = dict(clips or CLIPS)
        self._prompt = widgets.HTML()
        self._menu = widgets.Dropdown(options=[(name, lang) for lang, name in self.clips.items()], value=clip,
                                      style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self._player = widgets.Audio(format="wav", autoplay=False, loop=False)
        self._picture = widgets.Image(format="png")
        self._numbers = widgets.HTML()
        chooser = widgets.HBox([TooltipBox(self._menu), self._player])
        super().__init__([self._prompt, chooser, self._picture, self._numbers])
        self.add_class("autotutor-audio-explorer")  # a stable hook for the page's tests and styles
        self._menu.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Pick a clip, listen to it, and compare what was recorded with "
                                               "what the model receives.")))
        self._menu.description = _("Clip")
        self._menu.tooltip = _("A speech clip of the course pack")
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        path = _clip_path(self.clips[self._menu.value])
        samples, rate = read_wav(path)
        self._player.value = path.read_bytes()
        inputs = self.extractor(samples, sampling_rate=rate, return_tensors="np")
        self._picture.value = png(before_after_image(samples, inputs["input_values"][0]))
        self._numbers.value = stats_html(self.extractor, samples, rate)

    def html(self) -> str:
        """The numbers shown for the current clip (what a test reads)."""
        return self._numbers.value

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"AudioExplorer({self.clips[self._menu.value]!r})"
