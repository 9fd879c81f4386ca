"""What lesson 4 (AutoFeatureExtractor) shows, as plain functions: the notebook's cells and the audio explorer
call these, and tests/test_lesson_audio.py checks them without a browser.

    read_wav(path)                        a 16-bit PCM WAV file → (samples in [-1, 1], sampling rate)
    clip_stats(samples, rate)             length, duration, mean, standard deviation, smallest and largest value
    stats_table(before, after)            two ClipStats side by side, as an aligned table (for print)
    waveform_image(samples)               one waveform drawn with Pillow, on a fixed vertical scale
    before_after_image(raw, normalised)   the same clip before and after normalisation, one above the other
    mask_image(attention_mask)            a padded batch: real samples and padding, one bar per clip
    sampling_rate_error(extractor, ...)   the error a wrong sampling rate raises, caught, as text
    normalise_question(), rate_question(), mask_question()   the lesson's check-your-understanding questions

Pictures carry no words (only numbers), so they are the same in every language; what they show is said in the
notebook's prose and in the widgets' captions, which come from the catalogs through `_()`.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..errors import AudioError
from ..i18n import _, direction, printed
from .refusals import error_line
from . import marks
from .pictures import font
from .quiz import QuizQuestion

__all__ = [
    "CLIPS",
    "ClipStats",
    "before_after_image",
    "clip_stats",
    "mask_image",
    "mask_question",
    "normalise_question",
    "rate_question",
    "read_wav",
    "sampling_rate_error",
    "stats_table",
    "waveform_image",
]

# The course pack's speech clips, by language code (autotutor.pack.sample_file(name)).
CLIPS = {"en": "speech_en.wav", "fr": "speech_fr.wav", "ar": "speech_ar.wav"}

WAVE_COLOUR = (0, 114, 178)  # Okabe-Ito blue: the samples
PADDING_COLOUR = (217, 217, 217)  # light grey: padding, which the attention mask hides
AXIS_COLOUR = (120, 120, 120)
_BACKGROUND = (255, 255, 255)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a mono or multi-channel 16-bit PCM WAV file with the standard library's `wave` module.

    Returns:
        (samples, rate): float32 samples in [-1, 1], channels mixed down to mono, and samples per second.

    Example:
        >>> samples, rate = read_wav(autotutor.pack.sample_file("speech_en.wav"))  # doctest: +SKIP
        >>> rate, samples.dtype
        (16000, dtype('float32'))
    """
    with wave.open(str(path), "rb") as f:
        if f.getsampwidth() != 2:
            raise AudioError("{path}: read_wav reads 16-bit PCM WAV files; this one has {bits}-bit samples.",
                             path=path, bits=8 * f.getsampwidth())
        channels, rate = f.getnchannels(), f.getframerate()
        data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    samples = data.astype(np.float32) / 32768  # (L * channels,) interleaved
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)  # (L, channels) → (L,)
    return samples, rate


@dataclass(frozen=True)
class ClipStats:
    """A few numbers that say what a clip looks like to the model."""

    samples: int  # how many numbers the model reads
    seconds: float
    mean: float
    std: float
    min: float
    max: float


def clip_stats(samples: Any, rate: int) -> ClipStats:
    """The statistics of one clip (a list, numpy array or torch tensor of samples)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    return ClipStats(len(x), len(x) / rate, float(x.mean()), float(x.std()), float(x.min()), float(x.max()))


def stats_table(before: ClipStats, after: ClipStats) -> str:
    """The statistics of a clip before and after the feature extractor, in two aligned columns.

    Example:
        >>> print(stats_table(clip_stats(raw, 16000), clip_stats(inputs.input_values[0], 16000)))  # doctest: +SKIP
                      before     after
        samples        48322     48322
        ...
    """
    rows = [
        (_("samples"), f"{before.samples}", f"{after.samples}"),
        (_("seconds"), f"{before.seconds:.2f}", f"{after.seconds:.2f}"),
        (_("mean"), _number(before.mean), _number(after.mean)),
        (_("standard deviation"), _number(before.std), _number(after.std)),
        (_("smallest value"), _number(before.min), _number(after.min)),
        (_("largest value"), _number(before.max), _number(after.max)),
    ]
    head = ("", _("before"), _("after"))
    width = max(len(row[0]) for row in [head, *rows]) + 2
    col = max(len(cell) for row in [head, *rows] for cell in row[1:]) + 2
    # In Arabic, printed() lays each row out right to left, each number under its heading.
    return printed("\n".join(f"{label:<{width}}{a:>{col}}{b:>{col}}" for label, a, b in [head, *rows]))


def _number(value: float) -> str:
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text  # a mean of -1e-9 is zero, not "minus zero"


# ---------------------------------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------------------------------
def waveform_image(samples: Any, *, scale: float = 1.0, width: int = 720, height: int = 140,
                   colour: tuple[int, int, int] = WAVE_COLOUR) -> Image.Image:
    """The waveform of one clip: for each column of pixels, a line from the smallest to the largest sample.

    Args:
        samples: one clip (list, numpy array or torch tensor).
        scale: the value at the top edge (and minus it at the bottom); the same scale for two pictures makes them
            comparable. Values beyond it are clipped to the edge.
        width, height: the picture's size in pixels.

    The left margin shows the scale: `+scale`, `0` and `-scale`.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 44  # room for the scale's numbers
    plot = width - margin - 4
    middle = height // 2
    half = middle - 6

    def y_of(value: float) -> int:
        return int(round(middle - max(-1.0, min(1.0, value / scale)) * half))

    for value, label in ((scale, f"{scale:+g}"), (0.0, "0"), (-scale, f"{-scale:+g}")):
        y = y_of(value)
        draw.line([(margin - 4, y), (width - 4, y)], fill=(235, 235, 235) if value else AXIS_COLOUR)
        draw.text((2, y - 6), label, fill=AXIS_COLOUR)
    if len(x):
        edges = np.linspace(0, len(x), plot + 1).astype(int)
        for column in range(plot):
            chunk = x[edges[column]:max(edges[column + 1], edges[column] + 1)]
            if len(chunk):
                draw.line([(margin + column, y_of(float(chunk.max()))), (margin + column, y_of(float(chunk.min())))],
                          fill=colour)
    return image


def before_after_image(raw: Any, normalised: Any, *, width: int = 720, height: int = 140) -> Image.Image:
    """A clip before (top, "1. as recorded") and after (bottom, "2. normalised") normalisation, both drawn on the
    scale of the larger one, so the change of size is visible: a quiet recording grows, a loud one shrinks.
    """
    a = np.asarray(raw, dtype=np.float32).reshape(-1)
    b = np.asarray(normalised, dtype=np.float32).reshape(-1)
    peak = max(float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)), 1e-6)
    scale = float(np.ceil(peak))  # a round number for the scale's labels
    top = waveform_image(a, scale=scale, width=width, height=height)
    bottom = waveform_image(b, scale=scale, width=width, height=height, colour=(213, 94, 0))  # vermilion
    # Each panel is named in words too, in the top corner where a reader of its language starts.
    for panel, label in ((top, _("1. as recorded")), (bottom, _("2. normalised"))):
        draw = ImageDraw.Draw(panel)
        rtl = direction() == "rtl"
        text_width = draw.textlength(label, font=font(13), direction="rtl" if rtl else None)
        x = width - 8 - text_width if rtl else 50
        draw.rectangle((x - 3, 1, x + text_width + 3, 18), fill=_BACKGROUND)
        draw.text((x, 2), label, fill=(0, 0, 0), font=font(13), direction="rtl" if rtl else None)
    image = Image.new("RGB", (width, 2 * height + 8), _BACKGROUND)
    image.paste(top, (0, 0))
    image.paste(bottom, (0, height + 8))
    return image


def speech_clip_names() -> list[str]:
    """The names of the course pack's three speech clips, in the lesson's order, in the current language."""
    return [_("English"), _("French"), _("Arabic")]


def mask_image(attention_mask: Any, *, labels: list[str] | None = None, width: int = 720,
               row_height: int = 26) -> Image.Image:
    """A padded batch as bars, one per clip, each named by `labels` (default: its index): solid blue where
    `attention_mask` is 1 (real samples), grey stripes where it is 0 (padding). Each bar is as long as the batch,
    so a short clip shows a long striped tail.
    """
    mask = np.asarray(attention_mask).reshape(len(attention_mask), -1)  # (B, L)
    rows, length = mask.shape
    labels = labels or [str(row) for row in range(rows)]
    gap = 8
    image = Image.new("RGB", (width, rows * (row_height + gap) + gap), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 12 + max(int(font(13).getlength(label)) for label in labels)  # the names, then the bars
    plot = width - margin - 4
    for row in range(rows):
        top = gap + row * (row_height + gap)
        draw.text((4, top + row_height // 2), labels[row], fill=AXIS_COLOUR, font=font(13), anchor="lm")
        edges = np.linspace(0, length, plot + 1).astype(int)
        padding_from = None  # the first column of this clip's padding, if it has any
        for column in range(plot):
            cell = mask[row, edges[column]:max(edges[column + 1], edges[column] + 1)]
            real = len(cell) and cell.max() > 0
            draw.line([(margin + column, top), (margin + column, top + row_height - 1)],
                      fill=WAVE_COLOUR if real else PADDING_COLOUR)
            if not real and padding_from is None:
                padding_from = column
        if padding_from is not None:  # stripes as well as grey: padding is told apart without colour
            marks.hatch(draw, (margin + padding_from, top, margin + plot - 1, top + row_height - 1), AXIS_COLOUR,
                        spacing=6, width=1)
        draw.rectangle([margin, top, margin + plot - 1, top + row_height - 1], outline=AXIS_COLOUR)
    return image


def sampling_rate_error(extractor: Any, samples: Any, sampling_rate: int) -> str:
    """Call the extractor with a sampling rate it was not trained on and return what it says (the error's type
    and message), or an empty string if it accepted the clip.
    """
    try:
        extractor(samples, sampling_rate=sampling_rate)
    except ValueError as err:  # AudioError is a ValueError
        return error_line(err)
    return ""


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def normalise_question() -> QuizQuestion:
    """What normalisation does to a clip (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("After the feature extractor, the clip has a mean of 0 and a standard deviation of 1. "
                   "What did `do_normalize` do?"),
        choices=(
            _("It subtracted the clip's mean and divided by its standard deviation, computed over that clip alone."),
            _("It removed the silence at the start and the end of the clip."),
            _("It resampled the clip to 16,000 samples per second."),
            _("It divided every sample by the loudest sample of the whole batch."),
        ),
        feedback=(
            _("Each clip is shifted and scaled with its own numbers, so a quiet recording and a loud one reach the "
              "model at the same size. The number of samples does not change."),
            _("Nothing is cut: the clip has exactly as many samples before as after. Only their values change."),
            _("The extractor never resamples: it checks the rate and raises an error when it is not 16,000 Hz. "
              "Resampling is your job, before the call."),
            _("The statistics of a clip never depend on its batch-mates: each clip is normalised on its own, "
              "before any padding is added."),
        ),
        answer=0,
    )


def rate_question() -> QuizQuestion:
    """Why a wrong sampling rate is an error (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("Your clip was recorded at 22,050 Hz. Why does the extractor refuse it instead of "
                   "processing it?"),
        choices=(
            _("The model learned from 16,000 samples per second: at another rate the same sounds look faster or "
              "slower, and the predictions are wrong without any warning."),
            _("22,050 Hz clips are too long to fit in memory."),
            _("The extractor only reads WAV files, and 22,050 Hz files are MP3."),
            _("Any rate above 16,000 Hz is refused, but lower rates are accepted."),
        ),
        feedback=(
            _("A clip is just a list of numbers: nothing in it says how fast it was recorded. That is why you pass "
              "`sampling_rate`, and resample first when it is not the model's rate."),
            _("Memory is not the issue: a few seconds of audio are small at any rate. The issue is that the model "
              "would read the sounds at the wrong speed."),
            _("The extractor reads numbers, not files: the file format plays no part here."),
            _("Any rate other than the model's is refused, lower or higher: 8,000 Hz audio would be read twice "
              "as fast."),
        ),
        answer=0,
    )


def mask_question() -> QuizQuestion:
    """What padding and the attention mask do for a batch of clips (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("Three clips of different lengths are padded into one batch. What do the 0s of "
                   "`attention_mask` mark?"),
        choices=(
            _("The silent moments inside each clip."),
            _("The samples added after a shorter clip to make it as long as the longest one."),
            _("The samples that normalisation set to zero."),
        ),
        feedback=(
            _("Silence inside a clip is real audio, so its mask is 1. The mask knows only what was added."),
            _("Padding makes the batch rectangular, and the 0s tell the model to ignore those samples, so a clip "
              "gives the same result alone or in a batch."),
            _("Normalisation changes values but adds nothing; the mask counts the samples the clip really has."),
        ),
        answer=1,
    )
