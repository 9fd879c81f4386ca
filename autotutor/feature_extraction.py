"""Audio feature extractors: raw samples → the `input_values` a speech model reads.

A speech model such as wav2vec 2.0 reads the waveform itself, one number per sample. The feature extractor
only has to put the samples in the form the model was trained on:

    1. check the sampling rate (a model trained on 16 kHz audio misreads 44.1 kHz audio without any error);
    2. cut clips longer than `max_length` (`truncation=True`);
    3. normalise each clip to zero mean and unit variance (`do_normalize`), over its own samples only;
    4. pad the clips of a batch to one length with `padding_value`, and say which samples are real in
       `attention_mask` (1 = sample, 0 = padding).

Its settings come from `preprocessor_config.json` (`"feature_extractor_type": "Wav2Vec2FeatureExtractor"`).

Shapes: B = clips in the batch, L = samples (16 000 per second at 16 kHz).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
import torch

from .errors import AudioError, ConfigError, UsageError
from .i18n import Text
from .preprocessing import BatchFeature, Preprocessor

__all__ = ["FeatureExtractor", "Wav2Vec2FeatureExtractor"]

# A 2-D array is a batch, one clip per row. If its rows hold this few samples and there are more rows than
# columns, it is almost surely one multi-channel clip laid out (samples, channels), as soundfile returns it.
_MAX_CHANNELS = 8


class FeatureExtractor(Preprocessor):
    """Base class of audio feature extractors: the settings every one shares, read from the JSON file.

    Args:
        feature_size: numbers per time step (1 for a raw waveform).
        sampling_rate: samples per second the model was trained on, in Hz.
        padding_value: the value written into padding.
        padding_side: where padding goes; only "right" (after the samples), which the models assume.
        return_attention_mask: whether `__call__` returns `attention_mask` unless told otherwise.
    """

    section = "feature_extractor"
    type_key = "feature_extractor_type"
    model_input_names: ClassVar[list[str]] = ["input_values", "attention_mask"]

    def __init__(
        self,
        *,
        feature_size: int = 1,
        sampling_rate: int = 16000,
        padding_value: float = 0.0,
        padding_side: str = "right",
        return_attention_mask: bool = True,
        **kwargs: Any,
    ) -> None:
        if not isinstance(sampling_rate, numbers.Integral) or sampling_rate <= 0:
            raise ConfigError("sampling_rate must be a positive number of samples per second, got {value!r}.",
                              key="sampling_rate", value=sampling_rate)
        if padding_side != "right":
            raise ConfigError(
                "padding_side={value!r} is not supported: speech models find the real frames from the "
                "number of samples, which only works when padding comes after them. Use padding_side='right'.",
                key="padding_side", value=padding_side,
            )
        self.feature_size = feature_size
        self.sampling_rate = int(sampling_rate)
        self.padding_value = padding_value
        self.padding_side = padding_side
        self.return_attention_mask = return_attention_mask
        super().__init__(**kwargs)

    def _check_sampling_rate(self, sampling_rate: int | None) -> None:
        """Refuse clips at another rate than the model's, with the resampling fix; warn when none is given."""
        if sampling_rate is None:
            warnings.warn(
                str(Text("No sampling_rate given: the clips are assumed to be {rate} Hz, the rate the model "
                         "was trained on. Pass sampling_rate={rate} to say so, and resample audio recorded at "
                         "another rate: a wrong rate gives wrong predictions without any error.",
                         rate=self.sampling_rate)),
                UserWarning,
                stacklevel=3,  # the line that called the feature extractor
            )
        elif sampling_rate != self.sampling_rate:
            raise AudioError(
                "The audio is sampled at {rate} Hz, but this feature extractor's model was trained on "
                "{expected} Hz audio. Resample it first, e.g. torchaudio.functional.resample(waveform, "
                "{rate}, {expected}) or librosa.resample(y, orig_sr={rate}, target_sr={expected}).",
                rate=sampling_rate, expected=self.sampling_rate, key="sampling_rate", value=sampling_rate,
            )

    def settings(self) -> dict[str, Any]:
        return {
            "feature_size": self.feature_size,
            "sampling_rate": self.sampling_rate,
            "padding_value": self.padding_value,
            "padding_side": self.padding_side,
            "return_attention_mask": self.return_attention_mask,
        }


class Wav2Vec2FeatureExtractor(FeatureExtractor):
    """Mono waveforms → `input_values` (B, L) and, if asked, `attention_mask` (B, L) for wav2vec 2.0 models.

    Args:
        do_normalize: scale each clip to zero mean and unit variance, `(x - mean) / sqrt(var + 1e-7)`, computed
            over the clip's own samples (never over padding).
        return_attention_mask: the default of `__call__`'s option. Models with `feat_extract_norm="layer"`
            (large, XLSR) were trained with a mask; base models (`"group"`) were not: pad with zeros and pass none.
        The other settings are `FeatureExtractor`'s.

    Example:
        >>> extractor = Wav2Vec2FeatureExtractor(return_attention_mask=True)
        >>> clips = [np.sin(np.arange(800) / 5), np.sin(np.arange(500) / 3)]
        >>> inputs = extractor(clips, sampling_rate=16000, padding=True, return_tensors="pt")
        >>> inputs.input_values.shape, inputs.attention_mask.sum(dim=1).tolist()
        (torch.Size([2, 800]), [800, 500])
    """

    def __init__(
        self,
        *,
        feature_size: int = 1,
        sampling_rate: int = 16000,
        padding_value: float = 0.0,
        return_attention_mask: bool = False,
        do_normalize: bool = True,
        **kwargs: Any,
    ) -> None:
        if feature_size != 1:
            raise ConfigError("Wav2Vec2FeatureExtractor reads raw waveforms, one number per sample: feature_size "
                              "must be 1, got {value!r}.", key="feature_size", value=feature_size)
        super().__init__(feature_size=feature_size, sampling_rate=sampling_rate, padding_value=padding_value,
                         return_attention_mask=return_attention_mask, **kwargs)
        self.do_normalize = do_normalize

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "do_normalize": self.do_normalize}

    def __call__(
        self,
        raw_speech: Any,
        *,
        sampling_rate: int | None = None,
        padding: bool | str = False,
        max_length: int | None = None,
        truncation: bool = False,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
    ) -> BatchFeature:
        """Prepare one clip or a batch of clips for the model.

        Args:
            raw_speech: one mono clip (a 1-D list of floats, numpy array or torch tensor), or a batch: a list of
                clips, or a 2-D array with one clip per row. A stereo clip must be mixed down first:
                `clip.mean(axis=0)` for (channels, samples). Note that a (2, samples) array is read as a batch of
                two clips, as in transformers.
            sampling_rate: the clips' rate in Hz; a rate other than the extractor's is an error. Leaving it out
                works but warns, since a wrong rate would go unnoticed.
            padding: True or "longest" (to the longest clip), "max_length" (to `max_length`), False (none).
            max_length: the length for `padding="max_length"` and `truncation=True`.
            truncation: cut clips longer than `max_length`.
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_attention_mask: return `attention_mask`; None uses the extractor's setting.
            return_tensors: "pt" (torch tensors), "np" (numpy arrays), or None (a list of 1-D numpy arrays).

        Returns:
            A `BatchFeature` with `input_values` (float32) and maybe `attention_mask` (int32), always batched.
        """
        # 1. The sampling rate.
        self._check_sampling_rate(sampling_rate)
        if return_tensors not in (None, "pt", "np"):
            raise AudioError("return_tensors={value!r} is not supported; use 'pt' (torch), 'np' (numpy) or None.",
                             key="return_tensors", value=return_tensors)
        target = self._padded_length(padding, max_length, pad_to_multiple_of)
        clips = _as_clips(raw_speech)

        # 2. Truncation. transformers rounds max_length up to pad_to_multiple_of here too.
        if truncation:
            if max_length is None:
                raise AudioError("truncation=True needs max_length, the number of samples to keep (e.g. 16000 * 10 for 10 s).")
            limit = _round_up(max_length, pad_to_multiple_of)
            clips = [clip[:limit] for clip in clips]

        # 3. Normalisation, per clip, before any padding: a clip's values never depend on its batch-mates.
        if self.do_normalize:
            clips = [(clip - clip.mean()) / np.sqrt(clip.var() + 1e-7) for clip in clips]

        # 4. Padding, to the longest clip or to max_length; clips already longer stay whole.
        lengths = [len(clip) for clip in clips]
        if target == "longest":
            target = _round_up(max(lengths), pad_to_multiple_of)
        values = [np.pad(clip, (0, max(0, (target or 0) - len(clip))), constant_values=self.padding_value)
                  for clip in clips]
        batch = {"input_values": [v.astype(np.float32, copy=False) for v in values]}  # one 1-D array per clip
        if self.return_attention_mask if return_attention_mask is None else return_attention_mask:
            batch["attention_mask"] = [(np.arange(len(v)) < n).astype(np.int32) for v, n in zip(values, lengths)]
        if return_tensors is None:
            return BatchFeature(batch)
        if len({len(v) for v in values}) > 1:
            raise AudioError(
                "The clips have different lengths ({lengths} samples), so they cannot be stacked into one "
                "{return_tensors!r} tensor. Pass padding=True to pad them to the longest, or truncation=True with "
                "max_length to cut them.",
                lengths=", ".join(map(str, lengths)), return_tensors=return_tensors,
            )
        stacked = {key: np.stack(arrays) for key, arrays in batch.items()}  # (B, L)
        if return_tensors == "pt":
            stacked = {key: torch.from_numpy(array) for key, array in stacked.items()}
        return BatchFeature(stacked)

    def _padded_length(self, padding: bool | str, max_length: int | None, multiple: int | None) -> int | str | None:
        """The length every clip is padded to: a number, "longest" (known once the clips are read), or None."""
        if multiple is not None and (not isinstance(multiple, numbers.Integral) or multiple < 1):
            raise AudioError("pad_to_multiple_of must be a positive integer, got {value!r}.",
                             key="pad_to_multiple_of", value=multiple)
        if max_length is not None and (not isinstance(max_length, numbers.Integral) or max_length < 1):
            raise AudioError("max_length must be a positive number of samples, got {value!r}.",
                             key="max_length", value=max_length)
        if padding is True or padding == "longest":
            return "longest"
        if padding is False or padding is None or padding == "do_not_pad":
            return None
        if padding == "max_length":
            if max_length is None:
                raise AudioError("padding='max_length' needs max_length, the number of samples to pad to.")
            return _round_up(max_length, multiple)
        raise AudioError("padding={value!r} is not one of True, False, 'longest', 'max_length' or 'do_not_pad'.",
                         key="padding", value=padding)


def _round_up(length: int, multiple: int | None) -> int:
    return length if not multiple else -(-length // multiple) * multiple


def _as_clips(raw_speech: Any) -> list[np.ndarray]:
    """One clip or a batch, in any accepted form → a list of 1-D float32 arrays."""
    if isinstance(raw_speech, torch.Tensor):
        raw_speech = raw_speech.detach().cpu().numpy()
    if isinstance(raw_speech, np.ndarray):
        if raw_speech.ndim == 1:
            return [_one_clip(raw_speech, None)]
        if raw_speech.ndim == 2:
            rows, cols = raw_speech.shape
            if cols <= _MAX_CHANNELS and rows > cols:
                raise AudioError(
                    "A 2-D array is read as a batch, one clip per row; yours has shape {shape}, i.e. "
                    "{rows} clips of {columns} samples. It looks like one clip with {columns} channels laid out "
                    "(samples, channels), as soundfile returns it. Mix it down to mono first: x.mean(axis=1).",
                    shape=raw_speech.shape, rows=rows, columns=cols,
                )
            return [_one_clip(row, i) for i, row in enumerate(raw_speech)]
        raise AudioError(
            "Expected one clip (1-D) or a batch of mono clips (2-D: clips × samples), got an array of shape "
            "{shape}. A batch of multi-channel clips (clips, channels, samples) must be mixed down "
            "to mono first: x.mean(axis=1).",
            shape=raw_speech.shape,
        )
    if isinstance(raw_speech, (list, tuple)):
        if len(raw_speech) == 0:
            raise AudioError("raw_speech is an empty list: pass one clip (a list of samples) or a list of clips.")
        if all(isinstance(x, numbers.Real) for x in raw_speech):
            return [_one_clip(raw_speech, None)]
        return [_one_clip(clip, i) for i, clip in enumerate(raw_speech)]
    raise UsageError(
        "raw_speech must be a list of floats, a numpy array, a torch tensor, or a list of those; got "
        "{type_name}. To read an audio file, use e.g. soundfile.read(path) or torchaudio.load(path).",
        type_name=type(raw_speech).__name__, key="raw_speech",
    )


def _one_clip(clip: Any, index: int | None) -> np.ndarray:
    which = Text("the clip") if index is None else Text("clip {index}", index=index)  # what the errors name
    if isinstance(clip, torch.Tensor):
        clip = clip.detach().cpu().numpy()
    try:
        array = np.asarray(clip, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise UsageError("{which} is not a sequence of numbers ({type_name}: {error}).",
                         which=which, type_name=type(clip).__name__, error=err) from err
    if array.ndim != 1:
        raise AudioError(
            "{which} has shape {shape}, but each clip must be mono: one number per sample (1-D). "
            "Mix a stereo clip down first: clip.mean(axis=0) for (channels, samples).",
            which=which, shape=array.shape,
        )
    if array.size == 0:
        raise AudioError("{which} is empty: it has no samples.", which=which)
    return array
