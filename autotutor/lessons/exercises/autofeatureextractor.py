"""Lesson 4's exercises (AutoFeatureExtractor), with the feature extractor of
`ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition` (16 kHz) and one made up by the check at 8 kHz.

    04.normalise_clip   one clip → `input_values` [1, samples], at the extractor's own rate, said out loud
    04.batch            several clips → one batch in which each clip reads as it does alone, with its mask

The clips are drawn afresh at each check: tones and noise, of random loudness and length, off centre.
"""

from __future__ import annotations

import functools
import random

from ...i18n import N_
from .base import Attempt, Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

CHECKPOINT = "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition"
_TOLERANCE = 1e-4


@functools.lru_cache(maxsize=1)
def _lesson_extractor():
    from ...auto import AutoFeatureExtractor

    return AutoFeatureExtractor.from_pretrained(CHECKPOINT)


def _extractors() -> list:
    """The lesson's extractor (16 kHz) and one for 8 kHz audio: a rate written as 16000 fails on the second."""
    from ...feature_extraction import Wav2Vec2FeatureExtractor

    return [_lesson_extractor(), Wav2Vec2FeatureExtractor(sampling_rate=8000, return_attention_mask=True)]


def _clip(rng: random.Random, rate: int):
    """A clip of 0.2–0.6 s: two tones and some noise, loud or soft, with an offset (so normalising shows)."""
    import numpy as np

    gen = np.random.default_rng(rng.getrandbits(32))
    t = np.arange(int(rate * gen.uniform(0.2, 0.6))) / rate
    clip = sum(gen.uniform(0.1, 0.5) * np.sin(2 * np.pi * gen.uniform(100, 900) * t) for _ in range(2))
    clip = gen.uniform(0.05, 0.9) * (clip + gen.normal(0, 0.05, t.shape)) + gen.uniform(-0.1, 0.1)
    return clip.astype(np.float32)


def _as_tensor(value: object, key: str):
    """`value[key]` (or `value` itself, a tensor or array) as a float tensor; None if it is neither."""
    import numpy as np
    import torch

    if hasattr(value, "keys"):
        value = value[key] if key in value else None
    if isinstance(value, list) and value and all(isinstance(row, np.ndarray) for row in value):
        value = np.stack(value) if len({len(row) for row in value}) == 1 else None
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    return value.float() if isinstance(value, torch.Tensor) else None


def _rate_verdict(run: Attempt, extractor) -> Verdict | None:
    """The sampling-rate mistakes: none given (the extractor warned), or another than the extractor's."""
    from ...errors import AudioError

    if isinstance(run.error, AudioError) and run.error.key == "sampling_rate":
        return not_yet("wrong_sampling_rate", N_("Not yet: the extractor refused sampling_rate={rate}; this one "
                                                 "expects {expected} Hz. Read the rate from the extractor, "
                                                 "`extractor.sampling_rate`, instead of writing a number."),
                       rate=run.error.value, expected=extractor.sampling_rate)
    if run.verdict is None and run.warned("sampling_rate"):
        return not_yet("no_sampling_rate", N_("Not yet: the extractor warned that no `sampling_rate` was given. "
                                              "Say the clip's rate on every call: "
                                              "`sampling_rate=extractor.sampling_rate`."))
    return None


def _normalised(clip):
    """What do_normalize gives one clip: mean 0, standard deviation 1, over its own samples."""
    import numpy as np

    return (clip - clip.mean()) / np.sqrt(clip.var() + 1e-7)


# ---------------------------------------------------------------------------------------------------------------
# 04.normalise_clip
# ---------------------------------------------------------------------------------------------------------------
def check_normalise_clip(answer: object) -> Verdict:
    import torch

    rng = random.Random()
    for extractor in _extractors():
        clip = _clip(rng, extractor.sampling_rate)
        expected = torch.from_numpy(_normalised(clip)).float()[None]  # (1, L)
        run = attempt(answer, extractor, clip.copy())
        verdict = _rate_verdict(run, extractor) or run.verdict
        if verdict is not None:
            return verdict
        values = _as_tensor(run.value, "input_values")
        if values is None:
            return not_yet("not_a_tensor", N_("Not yet: return the `input_values` tensor (shape [1, number of "
                                              "samples]); your function returned a {kind}."),
                           kind=type(run.value).__name__)
        if list(values.shape) == [len(clip)]:
            return not_yet("no_batch_dimension", N_("Not yet: the shape is {shape}; the model reads a batch, "
                                                    "[1, {samples}]. Ask the extractor for `return_tensors=\"pt\"`: "
                                                    "it always returns a batch."),
                           shape=list(values.shape), samples=len(clip))
        if list(values.shape) != [1, len(clip)]:
            return not_yet("wrong_shape", N_("Not yet: the shape is {shape}; one clip of {samples} samples gives "
                                             "[1, {samples}]."), shape=list(values.shape), samples=len(clip))
        if torch.allclose(values, torch.from_numpy(clip)[None], atol=_TOLERANCE):
            return not_yet("not_normalised", N_("Not yet: these are the clip's own samples, unchanged. The "
                                                "extractor normalises them (mean 0, standard deviation 1): "
                                                "return its `input_values`."))
        if not torch.allclose(values, expected, atol=_TOLERANCE):
            return not_yet("wrong_normalisation", N_("Not yet: the values have mean {mean} and standard deviation "
                                                     "{std}; the extractor gives each clip mean 0 and standard "
                                                     "deviation 1."),
                           mean=round(float(values.mean()), 3), std=round(float(values.std()), 3))
    return right(N_("Right: normalised by the extractor, with the rate read from it: the same function works "
                    "for a model trained on 16 kHz audio and for one trained on 8 kHz."))


NORMALISE_CLIP = Exercise(
    id="04.normalise_clip",
    lesson="04_autofeatureextractor",
    title=N_("One clip, the way the model hears it"),
    task=N_("Write `normalise(extractor, clip)`: `clip` is a list of samples recorded at the extractor's own "
            "sampling rate; your function returns the `input_values` the model reads, a tensor of shape [1, "
            "number of samples]. Say the rate, so the extractor can check it.\n\n"
            "The check tries your function on clips it makes up, with the lesson's extractor (16 kHz) and with "
            "one for a model trained on 8 kHz audio."),
    hint=N_("`extractor(clip, sampling_rate=…, return_tensors=\"pt\")[\"input_values\"]`; the extractor knows "
            "its own rate: `extractor.sampling_rate`."),
    solution='''\
def normalise(extractor, clip):
    inputs = extractor(clip, sampling_rate=extractor.sampling_rate, return_tensors="pt")
    return inputs["input_values"]
''',
    check=check_normalise_clip,
    wrong_example='''\
def normalise(extractor, clip):
    return extractor(clip, return_tensors="pt")["input_values"]
''',
    wrong_code="no_sampling_rate",
)


# ---------------------------------------------------------------------------------------------------------------
# 04.batch
# ---------------------------------------------------------------------------------------------------------------
def check_batch(answer: object) -> Verdict:
    import torch

    from ...errors import AudioError

    rng = random.Random()
    for extractor in _extractors():
        clips = [_clip(rng, extractor.sampling_rate) for _ in range(3)]
        longest = max(len(clip) for clip in clips)
        run = attempt(answer, extractor, [clip.copy() for clip in clips])
        verdict = _rate_verdict(run, extractor)
        if verdict is not None:
            return verdict
        if isinstance(run.error, AudioError) and "padding=True" in run.error.english:
            return not_yet("not_padded", N_("Not yet: clips of different lengths cannot be stacked into one "
                                            "tensor. Pass `padding=True`: the shorter clips are lengthened with "
                                            "`padding_value`."))
        if run.verdict is not None:
            return run.verdict
        values = _as_tensor(run.value, "input_values")
        if values is None or values.ndim != 2:
            return not_yet("not_a_batch", N_("Not yet: return what the extractor returns for the whole list, with "
                                             "`input_values` of shape [number of clips, longest clip] "
                                             "(`return_tensors=\"pt\"`)."))
        if list(values.shape) != [len(clips), longest]:
            return not_yet("wrong_shape", N_("Not yet: `input_values` has the shape {shape}; {clips} clips padded "
                                             "to the longest give {expected}."),
                           shape=list(values.shape), clips=len(clips), expected=[len(clips), longest])
        for row, clip in zip(values, clips):
            alone = torch.from_numpy(_normalised(clip)).float()
            if not torch.allclose(row[:len(clip)], alone, atol=_TOLERANCE):
                return not_yet("normalised_with_padding", N_("Not yet: a clip does not read in the batch as it "
                                                             "does alone. Was it padded before the extractor "
                                                             "normalised it? Give the extractor the clips as they "
                                                             "are, and let it pad (`padding=True`): it normalises "
                                                             "first."))
            if row[len(clip):].abs().sum() > _TOLERANCE:
                return not_yet("padding_not_zero", N_("Not yet: the padding after a clip is not "
                                                      "`padding_value` (0.0)."))
        mask = _as_tensor(run.value, "attention_mask")
        if mask is None:
            return not_yet("no_attention_mask", N_("Not yet: the batch has no `attention_mask`, so the model "
                                                   "cannot tell the padding from silence. Return the whole batch "
                                                   "the extractor gives."))
        lengths = [len(clip) for clip in clips]
        if mask.sum(dim=1).tolist() != lengths or any(mask[i, :n].min() != 1 for i, n in enumerate(lengths)):
            return not_yet("wrong_mask", N_("Not yet: `attention_mask` should hold a 1 for each real sample and a "
                                            "0 for each added one: {lengths} ones."), lengths=lengths)
    return right(N_("Right: one rectangle of clips, each normalised on its own samples before the padding, and a "
                    "mask that marks the real ones."))


BATCH = Exercise(
    id="04.batch",
    lesson="04_autofeatureextractor",
    title=N_("A batch in which every clip reads as it does alone"),
    task=N_("Write `prepare_batch(extractor, clips)`: `clips` is a list of clips of different lengths, at the "
            "extractor's rate. Your function returns the batch the model reads: `input_values` of shape "
            "[number of clips, longest clip], in which each clip has exactly the values it would have alone, "
            "followed by zeros, and an `attention_mask` that marks its real samples.\n\n"
            "The check tries your function on clips it makes up, at 16 kHz and at 8 kHz."),
    hint=N_("Give the extractor the whole list with `padding=True`, `sampling_rate=extractor.sampling_rate` and "
            "`return_tensors=\"pt\"`; padding the clips yourself first changes their mean and standard "
            "deviation."),
    solution='''\
def prepare_batch(extractor, clips):
    return extractor(clips, sampling_rate=extractor.sampling_rate, padding=True, return_attention_mask=True,
                     return_tensors="pt")
''',
    check=check_batch,
    wrong_example='''\
import numpy as np

def prepare_batch(extractor, clips):
    longest = max(len(clip) for clip in clips)
    padded = [np.pad(clip, (0, longest - len(clip))) for clip in clips]
    return extractor(padded, sampling_rate=extractor.sampling_rate, return_tensors="pt")
''',
    wrong_code="normalised_with_padding",
)

EXERCISES = [NORMALISE_CLIP, BATCH]
