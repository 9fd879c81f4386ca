"""Signals besides colour for the lessons' pictures: stripes, dashes, ticks and crosses.

A learner who does not see colours, or prints a lesson in black and white, must still tell two kinds of thing
apart. Every picture that colours things by kind also draws them differently, with these helpers (all plain
Pillow), and `tests/test_colour_signals.py` checks each picture with every colour made the same.

    hatch(draw, box, ink)                 diagonal stripes over a box ("new", "padding")
    dotted_box(draw, box, ink)            a dotted outline ("unused", "never reached")
    dashed_polyline(draw, points, ...)    a line drawn in dashes (or dots) instead of solid
    tick(draw, box, ink)                  ✓ drawn with two strokes (no font needed)
    cross(draw, box, ink)                 ✗ drawn with two strokes
"""

from __future__ import annotations

import math
from typing import Sequence

from PIL import ImageDraw

__all__ = ["cross", "dashed_polyline", "dotted_box", "hatch", "tick"]

Box = tuple[float, float, float, float]  # left, top, right, bottom (inclusive), in pixels
Ink = str | tuple[int, int, int]


def hatch(draw: ImageDraw.ImageDraw, box: Box, ink: Ink, *, spacing: int = 7, width: int = 2) -> None:
    """Stripes at 45° across `box`, `spacing` pixels apart, clipped to the box."""
    left, top, right, bottom = (int(round(v)) for v in box)
    height = bottom - top
    # Each stripe goes up and to the right: from (x, bottom) to (x + height, top); clip both ends to the box.
    for x in range(left - height, right + 1, spacing):
        x0, y0 = x, bottom
        x1, y1 = x + height, top
        if x0 < left:  # enters through the left edge
            y0 -= left - x0
            x0 = left
        if x1 > right:  # leaves through the right edge
            y1 += x1 - right
            x1 = right
        if x0 <= x1:
            draw.line([(x0, y0), (x1, y1)], fill=ink, width=width)


def dotted_box(draw: ImageDraw.ImageDraw, box: Box, ink: Ink, *, step: int = 6, size: int = 2) -> None:
    """An outline made of small squares every `step` pixels."""
    left, top, right, bottom = (int(round(v)) for v in box)
    for x in range(left, right - size + 2, step):
        draw.rectangle([x, top, x + size - 1, top + size - 1], fill=ink)
        draw.rectangle([x, bottom - size + 1, x + size - 1, bottom], fill=ink)
    for y in range(top, bottom - size + 2, step):
        draw.rectangle([left, y, left + size - 1, y + size - 1], fill=ink)
        draw.rectangle([right - size + 1, y, right, y + size - 1], fill=ink)


def dashed_polyline(draw: ImageDraw.ImageDraw, points: Sequence[tuple[float, float]], ink: Ink, *,
                    dash: float = 6.0, gap: float = 4.0, width: int = 1) -> None:
    """`points` joined by a line that is drawn for `dash` pixels, then skipped for `gap` pixels, and so on.

    With a short dash (1–2 px) and a wider gap the line becomes dotted.
    """
    period = dash + gap
    walked = 0.0  # length along the line so far: decides whether a piece falls in a dash or in a gap
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while done < length:
            phase = (walked + done) % period
            piece = min((dash - phase) if phase < dash else (period - phase), length - done)
            if phase < dash:
                a, b = done / length, (done + piece) / length
                draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                          fill=ink, width=width)
            done += max(piece, 1e-6)
        walked += length


def tick(draw: ImageDraw.ImageDraw, box: Box, ink: Ink, *, width: int = 3) -> None:
    """A check mark filling `box`: a short stroke down, then a long one up."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    draw.line([(left, top + h * 0.55), (left + w * 0.38, bottom), (right, top)], fill=ink, width=width,
              joint="curve")


def cross(draw: ImageDraw.ImageDraw, box: Box, ink: Ink, *, width: int = 3) -> None:
    """An × filling `box`."""
    left, top, right, bottom = box
    draw.line([(left, top), (right, bottom)], fill=ink, width=width)
    draw.line([(left, bottom), (right, top)], fill=ink, width=width)
