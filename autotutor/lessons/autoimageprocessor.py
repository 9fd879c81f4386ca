"""What lesson 2 (AutoImageProcessor) shows, as plain functions: the notebook's cells and the image explorer call
these, and tests/test_lesson_images.py checks them without a browser.

    steps(image, processor)                  the photo after each step: (name, picture, values, stats)
    tensor_to_image(pixel_values, mean, std) a normalised tensor → the photo again, to look at
    channel_stats(values)                    min / max / mean of each channel
    histogram_image(values, low, high)       where a channel's values lie, drawn with Pillow
    steps_picture(steps), steps_text(steps)  the steps side by side as one picture, and their numbers as text
    settings_rows(a, b)                      two processors' settings side by side, the differences marked
    normalize_question()                     the lesson's check-your-understanding question

The steps are those of `autotutor/image_processing.py` (open, resize, rescale, normalize), called one at a time
so each result can be looked at; their last result is the processor's own `pixel_values`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import PIL.Image
import PIL.ImageDraw

from ..errors import ImageError
from ..i18n import _, direction, printed
from . import marks
from .pictures import encoded, font, png_data_uri
from .quiz import QuizQuestion

__all__ = [
    "CHANNELS",
    "ChannelStats",
    "Step",
    "channel_stats",
    "compare_picture",
    "histogram_image",
    "img_tag",
    "normalize_question",
    "settings_rows",
    "settings_table",
    "show",
    "step_label",
    "steps",
    "steps_picture",
    "steps_text",
    "tensor_to_image",
]

CHANNELS = ("R", "G", "B")
_INK = {"R": (214, 39, 40), "G": (44, 160, 44), "B": (31, 119, 180)}  # one colour per channel in the histograms


class ChannelStats(NamedTuple):
    channel: str  # "R", "G" or "B"
    min: float
    max: float
    mean: float


class Step(NamedTuple):
    """The photo after one step of the processor."""

    name: str  # "open", "resize", "rescale", "normalize": the processor's method (or setting) for this step
    picture: PIL.Image.Image  # what the values look like as a photo
    values: np.ndarray  # (C, H, W): the numbers themselves (uint8 up to resize, float32 after)
    low: float  # the smallest and largest value this step can give (the histogram's range)
    high: float

    @property
    def stats(self) -> list[ChannelStats]:
        return channel_stats(self.values)


def channel_stats(values: Any) -> list[ChannelStats]:
    """Min, max and mean of each channel of a (C, H, W) or (1, C, H, W) array or tensor.

    >>> channel_stats(np.zeros((3, 2, 2)))[0]
    ChannelStats(channel='R', min=0.0, max=0.0, mean=0.0)
    """
    array = _chw(values).astype(np.float64)
    names = CHANNELS if array.shape[0] == 3 else tuple(str(i) for i in range(array.shape[0]))
    return [ChannelStats(name, float(c.min()), float(c.max()), float(c.mean())) for name, c in zip(names, array)]


def _chw(values: Any) -> np.ndarray:
    """A tensor or array of shape (1, C, H, W) or (C, H, W) → a (C, H, W) numpy array."""
    array = values.detach().cpu().numpy() if hasattr(values, "detach") else np.asarray(values)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ImageError("Expected one image, (1, C, H, W); got a batch of shape {value}.",
                             key="pixel_values", value=tuple(array.shape))
        array = array[0]
    if array.ndim != 3:
        raise ImageError("Expected pixel values of shape (C, H, W) or (1, C, H, W); got {value}.",
                         key="pixel_values", value=tuple(array.shape))
    return array


def tensor_to_image(pixel_values: Any, mean: list[float], std: list[float], *,
                    rescale_factor: float = 1 / 255) -> PIL.Image.Image:
    """Undo normalize and rescale, x · std + mean, then ÷ rescale_factor, and make a photo again.

    `pixel_values` is what the processor returned ((1, 3, H, W) or (3, H, W), torch or numpy). The result is the
    resized photo, give or take one level of rounding: the two steps lose nothing.

    Example:
        >>> pv = processor(photo, return_tensors="pt").pixel_values  # doctest: +SKIP
        >>> tensor_to_image(pv, processor.image_mean, processor.image_std).size  # doctest: +SKIP
        (224, 224)
    """
    array = _chw(pixel_values).astype(np.float64)
    m = np.asarray(mean, np.float64)[:, None, None]
    s = np.asarray(std, np.float64)[:, None, None]
    pixels = (array * s + m) / rescale_factor  # (C, H, W), 0..255 again
    return _to_picture(pixels)


def _to_picture(pixels: np.ndarray) -> PIL.Image.Image:
    """(C, H, W) numbers meant as 0..255 → an RGB photo (values outside are clipped)."""
    pixels = np.clip(np.rint(pixels), 0, 255).astype(np.uint8).transpose(1, 2, 0)  # (H, W, C)
    return PIL.Image.fromarray(np.ascontiguousarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels))


def steps(image: Any, processor: Any) -> list[Step]:
    """The photo after each step the processor's settings switch on, ending with its `pixel_values[0]`.

    Example:
        >>> [s.name for s in steps(PIL.Image.open("cat.jpg"), vit_processor)]  # doctest: +SKIP
        ['open', 'resize', 'rescale', 'normalize']
    """
    from ..image_processing import _to_pil

    pil, scale = _to_pil(image)  # scale: 1/255 when float pixels in 0..1 were turned into 0..255
    pil = processor.to_rgb(pil)
    out = [Step("open", pil, np.asarray(pil).transpose(2, 0, 1), 0, 255)]
    if processor.do_resize:
        pil = processor.resize(pil, processor.size, processor.resample)
        out.append(Step("resize", pil, np.asarray(pil).transpose(2, 0, 1), 0, 255))
    if getattr(processor, "do_center_crop", False):
        pil = processor.center_crop(pil, processor.crop_size)
        out.append(Step("center_crop", pil, np.asarray(pil).transpose(2, 0, 1), 0, 255))
    values = np.asarray(pil).transpose(2, 0, 1).astype(np.float32)  # (C, H, W), 0..255
    factor = (processor.rescale_factor if processor.do_rescale else 1.0) * scale
    if processor.do_rescale:
        values = processor.rescale(values, factor)
        out.append(Step("rescale", pil, values, 0.0, 255 * factor))
    if processor.do_normalize:
        values = processor.normalize(values, processor.image_mean, processor.image_std)
        mean, std = np.asarray(processor.image_mean), np.asarray(processor.image_std)
        low, high = float(np.min(-mean / std)), float(np.max((255 * factor - mean) / std))
        picture = tensor_to_image(values, processor.image_mean, processor.image_std, rescale_factor=factor)
        out.append(Step("normalize", picture, values, low, high))
    return out


def step_label(name: str) -> str:
    """What a step does, in one line of the current language."""
    labels = {
        "open": _("The photo as opened, in RGB: whole numbers from 0 to 255."),
        "resize": _("`resize`: every photo becomes the size the model was trained on."),
        "center_crop": _("`center_crop`: the middle of the photo is kept."),
        "rescale": _("`rescale`: each value × 1/255, so 0..255 becomes 0..1. The picture does not change."),
        "normalize": _("`normalize`: (x − mean) / std per channel, so the values are centred on 0."),
    }
    return labels[name]


# ---------------------------------------------------------------------------------------------------------------
# Pictures: histograms and PNGs for HTML
# ---------------------------------------------------------------------------------------------------------------
# Each channel has its own line as well as its own colour (red solid, green dashed, blue dotted), so the three
# curves can be told apart in grey or by colour-blind eyes.
_DASHES = {"R": None, "G": (5.0, 3.0), "B": (1.5, 3.0)}


def _series(draw: PIL.ImageDraw.ImageDraw, points: list[tuple[float, float]], name: str) -> None:
    ink, dashes = _INK.get(name, (0, 0, 0)), _DASHES.get(name)
    if dashes is None:
        draw.line(points, fill=ink, width=1)
    else:
        marks.dashed_polyline(draw, points, ink, dash=dashes[0], gap=dashes[1], width=2)


def histogram_image(values: Any, low: float, high: float, *, width: int = 224, height: int = 90,
                    bins: int = 64) -> PIL.Image.Image:
    """Where each channel's values lie between `low` and `high`: one line per channel (red solid, green dashed,
    blue dotted, with a key), the axis marked at `low`, 0 (when it is inside) and `high`. Drawn with Pillow.
    """
    array = _chw(values).astype(np.float64)
    picture = PIL.Image.new("RGB", (width, height + 14), "white")
    draw = PIL.ImageDraw.Draw(picture)
    span = (high - low) or 1.0
    for name, channel in zip(CHANNELS, array):
        counts, _edges = np.histogram(channel, bins=bins, range=(low, high))
        top = counts.max() or 1
        points = [(i * (width - 1) / (bins - 1), height - 1 - c * (height - 4) / top) for i, c in enumerate(counts)]
        _series(draw, points, name)
    # A small key in the top corner: each channel's letter beside a sample of its line.
    for row, name in enumerate(CHANNELS):
        y = 4 + row * 11
        draw.text((width - 34, y - 5), name, fill=(0, 0, 0))
        _series(draw, [(width - 24, y), (width - 4, y)], name)
    draw.line([(0, height), (width - 1, height)], fill=(80, 80, 80))
    ticks = [low, high] + ([0.0] if low < 0 < high else [])
    for tick in ticks:
        x = (tick - low) / span * (width - 1)
        draw.line([(x, height), (x, height + 3)], fill=(80, 80, 80))
        text = f"{tick:g}" if float(tick).is_integer() else f"{tick:.2f}"
        text_width = draw.textlength(text)
        draw.text((min(max(x - text_width / 2, 0), width - text_width), height + 3), text, fill=(0, 0, 0))
    return picture


def show(picture: PIL.Image.Image, *, fmt: str = "jpeg"):
    """A picture for a notebook cell to display, in one format only (a bare PIL image is stored as both PNG and
    JPEG): JPEG for photos, "png" for sharp drawings such as feature-map tiles."""
    from IPython.display import Image

    return Image(data=encoded(picture, fmt), format=fmt)


def img_tag(picture: PIL.Image.Image, size: int = 160, *, fmt: str = "png") -> str:
    """An <img> of the picture, shrunk to at most `size` pixels high, for a widget's HTML."""
    shown = picture.copy()
    shown.thumbnail((size * 2, size))
    return f'<img src="{png_data_uri(shown, fmt=fmt)}" style="max-width:none" alt="">'


CAPTION_HEIGHT = 22  # one line of caption under each column


def _step_caption(number: int, step: Step) -> str:
    """"2. resize": the step's number and the processor's method (the photo as opened has no method)."""
    name = _("the photo") if step.name == "open" else step.name
    return f"{number}. {name}"


def _fitted(text: str, width: int, size: int) -> str:
    """`text`, cut with an ellipsis where it would be wider than `width` pixels."""
    while text and font(size).getlength(text) > width:
        text = text[:-2] + "…"
    return text


def steps_picture(step_list: list[Step], *, size: int = 180, captions: list[str] | None = None) -> PIL.Image.Image:
    """One column per step, in reading order: the picture (fitted in size × size) above where its values lie,
    and a caption under them (by default the step's number and method: "2. resize").

    Reading order is left to right, and right to left in Arabic, as the lesson's text says. A picture (shown as
    PNG), not HTML: the notebook stores it as an image, and the text goes in `steps_text`.
    """
    gap, hist_height = 12, 70
    captions = captions or [_step_caption(n, step) for n, step in enumerate(step_list, start=1)]
    columns = []
    for step in step_list:
        shown = step.picture.copy()
        shown.thumbnail((size, size))
        columns.append((shown, histogram_image(step.values, step.low, step.high, width=size, height=hist_height)))
    width = len(columns) * size + (len(columns) - 1) * gap
    height = size + gap + hist_height + 14 + CAPTION_HEIGHT
    sheet = PIL.Image.new("RGB", (width, height), "white")
    draw = PIL.ImageDraw.Draw(sheet)
    rtl = direction() == "rtl"
    for i, ((shown, histogram), caption) in enumerate(zip(columns, captions)):
        x = ((len(columns) - 1 - i) if rtl else i) * (size + gap)
        sheet.paste(shown, (x + (size - shown.width) // 2, size - shown.height))
        sheet.paste(histogram, (x, size + gap))
        # centred under its column; Pillow (with raqm) shapes and orders an Arabic caption itself
        draw.text((x + size // 2, height - CAPTION_HEIGHT // 2), _fitted(caption, size, 13), fill="black",
                  font=font(13), anchor="mm")
    return sheet


def steps_text(step_list: list[Step]) -> str:
    """What each step does, its shape and the min / max / mean of each channel, as text (for print)."""
    # In Arabic, printed() lays each line out right to left, each number keeping its own order (and its sign).
    low, high, mean = _("min"), _("max"), _("mean")
    lines = []
    for number, step in enumerate(step_list, start=1):
        shape = "×".join(str(n) for n in step.values.shape)
        lines.append(f"{number}. {step_label(step.name).replace('`', '')}")
        lines.append("   " + _("shape {shape}").format(shape=shape))
        for s in step.stats:
            lines.append(f"   {s.channel}  {low} {s.min:8.3f}   {high} {s.max:8.3f}   {mean} {s.mean:8.3f}")
    return printed("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# Two processors side by side
# ---------------------------------------------------------------------------------------------------------------
def settings_rows(first: Any, second: Any) -> list[tuple[str, str, str, bool]]:
    """(setting, first's value, second's value, differs) for every setting either processor has."""
    a, b = first.settings(), second.settings()
    rows = []
    for name in sorted(set(a) | set(b)):
        left, right = _shown(name, a.get(name)), _shown(name, b.get(name))
        rows.append((name, left, right, left != right))
    return rows


def _shown(name: str, value: Any) -> str:
    from ..image_processing import RESAMPLE_NAMES

    if value is None:
        return "—"
    if name == "resample":
        return f"{value} ({RESAMPLE_NAMES.get(value, '?')})"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
    return str(value)


def compare_picture(image: Any, processors: dict[str, Any], *, size: int = 200) -> PIL.Image.Image:
    """The same photo prepared by each processor, side by side: the `pixel_values` seen as a photo again, and
    where their values lie (one column per processor, in the dict's order)."""
    return steps_picture([steps(image, processor)[-1] for processor in processors.values()], size=size,
                         captions=[name.rsplit("/", 1)[-1] for name in processors])


def settings_table(first: Any, second: Any, names: tuple[str, str]) -> str:
    """The settings of two processors, one line each, with `*` on the lines where they differ (for print)."""
    rows = settings_rows(first, second)
    heading = _("setting")
    widths = [max(len(heading), *(len(r[0]) for r in rows)), max(len(names[0]), *(len(r[1]) for r in rows))]
    lines = [f"  {heading:<{widths[0]}}  {names[0]:<{widths[1]}}  {names[1]}"]
    for name, left, right, differs in rows:
        lines.append(f"{'*' if differs else ' '} {name:<{widths[0]}}  {left:<{widths[1]}}  {right}")
    return printed("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def normalize_question() -> QuizQuestion:
    """Why a Swin photo must be prepared with Swin's own processor (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("You give a Swin model a photo prepared with ViT's processor (mean and std 0.5) instead of its "
                   "own. What goes wrong?"),
        choices=(
            _("Nothing: both give a tensor of shape `[1, 3, 224, 224]`, so the model works the same."),
            _("The numbers are not those Swin was trained on: the same photo gives other values, and the "
              "predictions get worse, without any error."),
            _("The model raises an error because the mean is wrong."),
            _("The photo is cropped differently, so part of the cat is lost."),
        ),
        feedback=(
            _("The shape is the same, and that is the trap: a model checks shapes, not where the numbers come "
              "from. The values differ, and the model reads values."),
            _("The model only knows the numbers it saw in training. Other mean and std (and another resampling "
              "filter) shift every value, and nothing warns you: always load the processor from the same "
              "checkpoint as the model."),
            _("No check can tell: a tensor does not remember how it was made. The model runs and quietly "
              "gives worse answers."),
            _("Neither processor crops: both resize the whole photo to 224×224. What differs is the "
              "resampling filter and the mean and std."),
        ),
        answer=1,
    )
