"""What lesson 3 (AutoBackbone) shows, as plain functions: the notebook's cells and the backbone explorer call
these, and tests/test_lesson_backbone.py checks them without a browser.

    select(stage_names, out_indices=..., out_features=...)   the stages a backbone would return, or why not
    stage_table(stage_names, maps)                           each stage's name, index and shape (for print)
    feature_grid(feature_map)                                a feature map's channels as grayscale tiles
    stage_question()                                         the lesson's check-your-understanding question

`select` applies the rule `AutoBackbone.from_pretrained` applies (`autotutor.backbone.resolve_stages`), so what
the explorer says is what loading would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import PIL.Image

from ..backbone import resolve_stages
from ..errors import ArgumentError, ConfigError
from ..i18n import _, direction, printed
from .quiz import QuizQuestion

__all__ = ["Selection", "feature_grid", "select", "stage_question", "stage_table"]


class Selection(NamedTuple):
    """The stages chosen by out_indices / out_features, or the error loading would raise and what it means."""

    names: list[str]  # e.g. ["stage1"]; empty when the choice is refused
    indices: list[int]  # e.g. [1]
    error: str | None  # the ConfigError's message, as autotutor raises it (None: the choice is valid)
    explanation: str | None  # what the error means, in the current language


def select(stage_names: Sequence[str], *, out_indices: Sequence[int] | None = None,
           out_features: Sequence[str] | None = None) -> Selection:
    """The stages `AutoBackbone.from_pretrained(..., out_indices=..., out_features=...)` would return.

    An empty tuple or list counts as "not given", as a cleared selection in the explorer does.

    Example:
        >>> select(["stem", "stage1", "stage2"], out_indices=(1,)).names
        ['stage1']
        >>> select(["stem", "stage1", "stage2"], out_indices=(1,), out_features=["stage2"]).error is not None
        True
    """
    out_indices = tuple(out_indices) if out_indices else None
    out_features = list(out_features) if out_features else None
    try:
        names, indices = resolve_stages(stage_names, out_features, out_indices)
    except ConfigError as err:
        return Selection([], [], str(err), _explain(stage_names, out_indices, out_features))
    return Selection(names, indices, None, None)


def _explain(stage_names: Sequence[str], out_indices: Sequence[int] | None,
             out_features: Sequence[str] | None) -> str:
    if out_indices and out_features and _alone_ok(stage_names, out_indices, None) and _alone_ok(
            stage_names, None, out_features):
        wanted = ", ".join(stage_names[i] for i in out_indices if -len(stage_names) <= i < len(stage_names))
        return printed(_("`out_indices` points to {by_index} and `out_features` names {by_name}: two answers to one "
                 "question. Give only one of them, or make both name the same stages.").format(
                     by_index=wanted, by_name=", ".join(out_features)))
    return printed(_("The stages must exist and be listed once each, in the order of the backbone: {stages}.").format(
        stages=", ".join(f"{i} {name}" for i, name in enumerate(stage_names))))


def _alone_ok(stage_names: Sequence[str], out_indices: Any, out_features: Any) -> bool:
    try:
        resolve_stages(stage_names, out_features, out_indices)
    except ConfigError:
        return False
    return True


def stage_table(stage_names: Sequence[str], maps: Sequence[Any], *, indices: Sequence[int] | None = None) -> str:
    """One line per feature map: the stage's index, its name and the map's shape (for print).

    `maps` are (B, C, H, W) tensors; `indices` says which stage each one is (default: 0, 1, 2, ...).
    """
    indices = list(range(len(maps))) if indices is None else list(indices)
    # Two Arabic headings side by side would run right to left and swap places: a left-to-right mark after each
    # keeps them above their columns.
    mark = "\u200e" if direction() == "rtl" else ""
    head_index, head_name, head_shape = _("index") + mark, _("stage") + mark, _("shape") + mark
    index_width = max(len(head_index), 5) + 2
    width = max(len(head_name), *(len(stage_names[i]) for i in indices)) + 2
    lines = [f"{head_index:<{index_width}}{head_name:<{width}}{head_shape}"]
    for i, tensor in zip(indices, maps):
        lines.append(f"{i:<{index_width}}{stage_names[i]:<{width}}{list(tensor.shape)}")
    return "\n".join(lines)


def feature_grid(feature_map: Any, *, channels: int = 16, columns: int = 8, tile: int = 56,
                 gap: int = 2) -> PIL.Image.Image:
    """The first `channels` channels of one feature map ((C, H, W) or (1, C, H, W)) as grayscale tiles.

    Each channel is stretched on its own from its minimum (black) to its maximum (white), and scaled to
    `tile` × `tile` pixels without smoothing, so each square is one position of the map.
    """
    array = feature_map.detach().cpu().numpy() if hasattr(feature_map, "detach") else np.asarray(feature_map)
    if array.ndim == 4:
        array = array[0]
    if array.ndim != 3:
        raise ArgumentError("Expected a feature map of shape (C, H, W) or (1, C, H, W); got {value}.",
                            key="feature_map", value=tuple(array.shape))
    shown = array[:channels].astype(np.float64)
    rows = -(-len(shown) // columns)
    sheet = PIL.Image.new("L", (columns * tile + (columns - 1) * gap, rows * tile + (rows - 1) * gap), 255)
    for n, channel in enumerate(shown):
        low, high = channel.min(), channel.max()
        scaled = (channel - low) / (high - low) if high > low else np.zeros_like(channel)
        picture = PIL.Image.fromarray(np.rint(scaled * 255).astype(np.uint8), mode="L")
        picture = picture.resize((tile, tile), resample=PIL.Image.NEAREST)
        sheet.paste(picture, ((n % columns) * (tile + gap), (n // columns) * (tile + gap)))
    return sheet


def stage_question() -> QuizQuestion:
    """What `out_indices=(1,)` returns for swin-tiny (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("With `out_indices=(1,)`, the Swin backbone returns one feature map of shape "
                   "`[1, 96, 56, 56]`. What does 56 count?"),
        choices=(
            _("The positions along each side: 224 pixels cut into patches of 4 give a grid of 56."),
            _("The number of stages of the backbone."),
            _("The channels: 56 numbers for each position."),
            _("The photos in the batch."),
        ),
        feedback=(
            _("Swin cuts the photo into 4 × 4 patches: 224 / 4 = 56 along each side. Each later stage halves "
              "the grid (28, 14, 7) and doubles the channels."),
            _("Swin-tiny has a stem and four stages: 5 in all, and they are listed in `stage_names`."),
            _("The channels are the 96: the second number. The last two are the height and width of the grid."),
            _("The batch is the first number, 1: a single photo."),
        ),
        answer=0,
    )
