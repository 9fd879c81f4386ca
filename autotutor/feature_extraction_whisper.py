"""Whisper's feature extractor: a waveform → the log-mel spectrogram (80 × 3000) the Whisper encoder reads.

wav2vec 2.0 reads the samples themselves; Whisper reads a picture of the sound: how much energy each band of
pitch holds in each 10 ms step. For each clip, as OpenAI's `whisper/audio.py` and transformers compute it:

    1. pad with silence (or cut) to 30 s, 480 000 samples at 16 kHz: Whisper was trained on 30 s windows only;
    2. short-time Fourier transform: a 400-sample (25 ms) Hann window slides in hops of 160 samples (10 ms)
       → 201 frequency bins × 3000 frames; keep the power |X|²;
    3. mel filter bank: 80 triangular filters, narrow at low pitch and wide at high pitch as the ear hears
       them (Slaney's mel scale and area normalisation, as librosa), (80, 201) @ (201, 3000) → (80, 3000);
    4. log10 of the power (clamped at 1e-10), floored at the clip's maximum − 8 (an 80 dB range), then
       (x + 4) / 4, which brings the values to roughly [-1, 1].

A clip longer than 30 s is refused with an error that says how to cut it, unless `truncation=True` is passed:
then it is cut to its first 30 s, which transformers does by default without a word. autotutor does not
transcribe long recordings in one call (no long-form): split them into pieces of at most 30 s.

Its settings come from `preprocessor_config.json` (`"feature_extractor_type": "WhisperFeatureExtractor"`).
The mel filters are rebuilt from them; an older file's `mel_filters` list is ignored, as transformers does.

Links: the paper, https://arxiv.org/abs/2212.04356 (section 2.2); OpenAI's code,
https://github.com/openai/whisper/blob/main/whisper/audio.py; transformers'
`models/whisper/feature_extraction_whisper.py`.

Shapes: B = clips in the batch, L = samples, F = n_fft // 2 + 1 frequency bins, M = mel bins (feature_size),
T = frames (L // hop_length).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import torch

from .errors import AudioError, ConfigError
from .feature_extraction import FeatureExtractor, _as_clips, _round_up
from .preprocessing import BatchFeature

__all__ = ["WhisperFeatureExtractor", "mel_filter_bank"]


# ---------------------------------------------------------------------------------------------------------------
# The mel scale (Slaney's, as librosa and transformers' audio_utils use it)
# ---------------------------------------------------------------------------------------------------------------
_MIN_LOG_HERTZ = 1000.0  # below 1 kHz the scale is linear (3 mels per 200 Hz), above it logarithmic
_MIN_LOG_MEL = 15.0  # = 3 * 1000 / 200


def _hertz_to_mel(freq: np.ndarray | float) -> np.ndarray:
    freq = np.asarray(freq, dtype=np.float64)
    linear = 3.0 * freq / 200.0
    logarithmic = _MIN_LOG_MEL + np.log(np.maximum(freq, _MIN_LOG_HERTZ) / _MIN_LOG_HERTZ) * (27.0 / np.log(6.4))
    return np.where(freq >= _MIN_LOG_HERTZ, logarithmic, linear)


def _mel_to_hertz(mels: np.ndarray) -> np.ndarray:
    linear = 200.0 * mels / 3.0
    logarithmic = _MIN_LOG_HERTZ * np.exp((np.log(6.4) / 27.0) * (np.maximum(mels, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mels >= _MIN_LOG_MEL, logarithmic, linear)


def mel_filter_bank(*, num_frequency_bins: int, num_mel_filters: int, sampling_rate: int,
                    min_frequency: float = 0.0, max_frequency: float = 8000.0) -> np.ndarray:
    """The (F, M) matrix that turns a power spectrum into mel bands: Slaney's scale and normalisation.

    The same numbers as transformers' `audio_utils.mel_filter_bank(norm="slaney", mel_scale="slaney")`.

    Example:
        >>> mel_filter_bank(num_frequency_bins=201, num_mel_filters=80, sampling_rate=16000).shape
        (201, 80)
    """
    # M + 2 edges, evenly spaced in mels: filter m rises from edge m to edge m + 1 and falls to edge m + 2.
    edges = _mel_to_hertz(np.linspace(_hertz_to_mel(min_frequency), _hertz_to_mel(max_frequency), num_mel_filters + 2))
    bin_freqs = np.linspace(0, sampling_rate // 2, num_frequency_bins)  # (F,) the frequency of each STFT bin, Hz
    widths = np.diff(edges)  # (M + 1,)
    slopes = edges[None, :] - bin_freqs[:, None]  # (F, M + 2)
    rising = -slopes[:, :-2] / widths[:-1]  # (F, M): 0 at the left edge, 1 at the centre
    falling = slopes[:, 2:] / widths[1:]  # (F, M): 1 at the centre, 0 at the right edge
    filters = np.maximum(0.0, np.minimum(rising, falling))
    # Slaney's normalisation: divide each triangle by its width, so wide high-pitch bands do not weigh more.
    return filters * (2.0 / (edges[2:] - edges[:-2]))


# ---------------------------------------------------------------------------------------------------------------
# The feature extractor
# ---------------------------------------------------------------------------------------------------------------
class WhisperFeatureExtractor(FeatureExtractor):
    """Mono 16 kHz waveforms → `input_features` (B, 80, 3000) float32, the log-mel spectrograms Whisper reads.

    Args:
        feature_size: mel bins (80; 128 for whisper-large-v3).
        sampling_rate: the rate the model was trained on, in Hz.
        hop_length: samples between two frames (160 = 10 ms).
        chunk_length: seconds every clip is padded or cut to (30).
        n_fft: samples in each Fourier window (400 = 25 ms).
        padding_value: the sample value of the padding (silence).
        dither: the standard deviation of Gaussian noise added to the samples (0.0: none), which keeps the log
            of exact digital silence from dominating the floor.
        return_attention_mask: the default of `__call__`'s option (False for Whisper).
        n_samples, nb_max_frames: written to the file for readers and computed on loading: chunk_length ×
            sampling_rate and n_samples // hop_length. `mel_filters`, which older files hold, is recomputed too.

    The STFT runs in torch (`torch.stft`), the faster of the two ways measured (benchmarks/
    bench_whisper_features.py, 2 CPU cores): 3.4 ms for a 5 s clip and 3.5 ms for a 30 s one, against 8.0 and
    7.9 ms for the same steps in numpy (`np.fft.rfft` over strided frames), and 62 ms against 99 ms for eight clips.

    Example:
        >>> extractor = WhisperFeatureExtractor()
        >>> clip = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)  # 1 s of A4
        >>> extractor(clip, sampling_rate=16000, return_tensors="pt").input_features.shape
        torch.Size([1, 80, 3000])
    """

    model_input_names: ClassVar[list[str]] = ["input_features"]

    def __init__(
        self,
        *,
        feature_size: int = 80,
        sampling_rate: int = 16000,
        hop_length: int = 160,
        chunk_length: int = 30,
        n_fft: int = 400,
        padding_value: float = 0.0,
        dither: float = 0.0,
        return_attention_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        for key, value in (("feature_size", feature_size), ("hop_length", hop_length),
                           ("chunk_length", chunk_length), ("n_fft", n_fft)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ConfigError("{key} must be a positive integer, got {value!r}.", key=key, value=value)
        # Computed from the settings below, as transformers does: the saved values are not read (so that
        # from_pretrained(..., chunk_length=10) works on a file that says n_samples=480000).
        for derived in ("mel_filters", "window", "n_samples", "nb_max_frames"):
            kwargs.pop(derived, None)
        super().__init__(feature_size=feature_size, sampling_rate=sampling_rate, padding_value=padding_value,
                         return_attention_mask=return_attention_mask, **kwargs)
        self.hop_length = int(hop_length)
        self.chunk_length = int(chunk_length)
        self.n_fft = int(n_fft)
        self.dither = dither
        self.n_samples = self.chunk_length * self.sampling_rate  # 480 000: every clip is padded or cut to this
        self.nb_max_frames = self.n_samples // self.hop_length  # 3000 frames
        self.mel_filters = mel_filter_bank(num_frequency_bins=1 + n_fft // 2, num_mel_filters=feature_size,
                                           sampling_rate=sampling_rate)  # (F, M) float64, as transformers keeps it
        self._mel_matrix = torch.from_numpy(self.mel_filters.T).float()  # (M, F), ready for the matmul

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "hop_length": self.hop_length, "chunk_length": self.chunk_length,
                "n_fft": self.n_fft, "dither": self.dither, "n_samples": self.n_samples,
                "nb_max_frames": self.nb_max_frames}

    def __call__(
        self,
        raw_speech: Any,
        *,
        sampling_rate: int | None = None,
        truncation: bool | None = None,
        padding: bool | str = "max_length",
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        do_normalize: bool = False,
        return_tensors: str | None = None,
        device: str | torch.device = "cpu",
    ) -> BatchFeature:
        """Turn one clip or a batch of clips into log-mel spectrograms.

        Args:
            raw_speech: one mono clip (a 1-D list of floats, numpy array or torch tensor), or a batch: a list of
                clips, or a 2-D array with one clip per row (so a (2, samples) stereo array reads as two clips,
                as in transformers: mix it down first with `clip.mean(axis=0)`).
            sampling_rate: the clips' rate in Hz; another rate than the extractor's is an error. Leaving it out
                works but warns.
            truncation: True cuts clips longer than `max_length` (default 30 s), False keeps them whole. None
                (the default) refuses a longer clip with an error that says how to cut it. Here autotutor
                differs on purpose: transformers' default is True, and the end of a long clip is lost without a
                word.
            padding: "max_length" (default: every clip padded to `max_length`, 30 s → 3000 frames, what Whisper
                models need), True or "longest" (to the longest clip), False or "do_not_pad".
            max_length: samples to pad or cut to; default `n_samples` (480 000).
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_attention_mask: also return `attention_mask` (B, T) int32, 1 for the frames that hold audio;
                None uses the extractor's setting. (transformers returns a per-sample (B, L) mask when the
                setting, not the call, asks for it; autotutor always gives the per-frame one.)
            do_normalize: scale each clip to zero mean and unit variance before the spectrogram (off for the
                published Whisper models).
            return_tensors: "pt" (torch tensors), "np" or None (numpy arrays).
            device: where the spectrogram is computed ("cpu", "cuda"); the result comes back on the CPU.

        Returns:
            A `BatchFeature` with `input_features` (B, M, T) float32, and maybe `attention_mask` (B, T) int32.
        """
        self._check_sampling_rate(sampling_rate)
        if return_tensors not in (None, "pt", "np"):
            raise AudioError("return_tensors={value!r} is not supported; use 'pt' (torch), 'np' (numpy) or None.",
                             key="return_tensors", value=return_tensors)
        max_length = max_length or self.n_samples
        clips = _as_clips(raw_speech)  # a list of 1-D float32 arrays; refuses stereo and empty clips

        # 1. Cut, normalise, pad with silence: (B, L) samples.
        if truncation is None:
            limit = _round_up(max_length, pad_to_multiple_of)
            for index, clip in enumerate(clips):
                if len(clip) > limit:
                    raise AudioError(
                        "Clip {index} lasts {seconds} s; Whisper hears at most {limit_seconds} s at a time, and "
                        "autotutor does not transcribe longer clips in one call. Cut it into pieces of at most "
                        "{limit} samples and transcribe each: `[clip[i:i + {limit}] for i in range(0, len(clip), "
                        "{limit})]`. Or pass truncation=True to keep only the first {limit_seconds} s.",
                        index=index, seconds=round(len(clip) / self.sampling_rate, 1), limit=limit,
                        limit_seconds=round(limit / self.sampling_rate, 1), key="truncation", value=None,
                    )
            truncation = True
        if truncation:
            clips = [clip[:_round_up(max_length, pad_to_multiple_of)] for clip in clips]
        if do_normalize:
            clips = [(clip - clip.mean()) / np.sqrt(clip.var() + 1e-7) for clip in clips]
        lengths = [len(clip) for clip in clips]
        if padding is True or padding == "longest":
            target = _round_up(max(lengths), pad_to_multiple_of)
        elif padding == "max_length":
            target = _round_up(max_length, pad_to_multiple_of)
        elif padding is False or padding is None or padding == "do_not_pad":
            target = 0  # each clip keeps its own length
        else:
            raise AudioError("padding={value!r} is not one of 'max_length', True, 'longest', False or 'do_not_pad'.",
                             key="padding", value=padding)
        padded_lengths = [max(n, target) for n in lengths]
        for index, length in enumerate(padded_lengths):
            if length <= self.n_fft // 2:  # torch.stft reflects n_fft // 2 samples at each end
                raise AudioError(
                    "Clip {index} has {length} samples, too few for a {n_fft}-sample Fourier window (it needs "
                    "more than {minimum}). Pad it: padding='max_length' (the default) pads every clip to 30 s.",
                    index=index, length=length, n_fft=self.n_fft, minimum=self.n_fft // 2,
                    key="padding", value=padding,
                )
        if len(set(padded_lengths)) > 1:  # only without padding, or when a clip is longer than max_length
            if return_tensors is not None:
                raise AudioError(
                    "The clips have different lengths ({lengths} samples), so their spectrograms cannot be stacked "
                    "into one {return_tensors!r} tensor. Pad them to one length (padding='max_length', the default, "
                    "or padding=True) and keep truncation=True, so that no clip is longer than 30 s.",
                    lengths=", ".join(map(str, lengths)), return_tensors=return_tensors, key="padding", value=padding,
                )
            # One spectrogram per clip, returned as a list of (M, T_i) arrays.
            padded = [np.pad(clip, (0, n - len(clip)), constant_values=self.padding_value)
                      for clip, n in zip(clips, padded_lengths)]
            features = [self._log_mel_spectrogram(torch.from_numpy(clip)[None], device)[0].numpy() for clip in padded]
            batch: dict[str, Any] = {"input_features": features}
            if self.return_attention_mask if return_attention_mask is None else return_attention_mask:
                batch["attention_mask"] = [(np.arange(f.shape[-1]) * self.hop_length < n).astype(np.int32)
                                           for f, n in zip(features, lengths)]
            return BatchFeature(batch)
        waveforms = np.full((len(clips), padded_lengths[0]), self.padding_value, dtype=np.float32)  # (B, L)
        for row, clip in zip(waveforms, clips):
            row[: len(clip)] = clip

        # 2-4. The spectrograms, in one batched call.
        features = self._log_mel_spectrogram(torch.from_numpy(waveforms), device)  # (B, M, T)
        batch = {"input_features": features if return_tensors == "pt" else features.numpy()}
        if self.return_attention_mask if return_attention_mask is None else return_attention_mask:
            # Frame t is centred on sample t × hop_length: it holds audio when that sample is a real one.
            starts = np.arange(features.shape[-1]) * self.hop_length  # (T,)
            mask = (starts[None, :] < np.array(lengths)[:, None]).astype(np.int32)  # (B, T)
            batch["attention_mask"] = torch.from_numpy(mask) if return_tensors == "pt" else mask
        return BatchFeature(batch)

    def _log_mel_spectrogram(self, waveforms: torch.Tensor, device: str | torch.device) -> torch.Tensor:
        """(B, L) float32 samples → (B, M, L // hop_length) log-mel features, on the CPU."""
        waveforms = waveforms.to(device)
        if self.dither:
            waveforms = waveforms + self.dither * torch.randn_like(waveforms)
        window = torch.hann_window(self.n_fft, device=waveforms.device)  # periodic, as OpenAI's code
        # center=True: n_fft // 2 reflected samples at each end, so frame t is centred on sample t × hop_length.
        stft = torch.stft(waveforms, self.n_fft, self.hop_length, window=window, return_complex=True)  # (B, F, T + 1)
        # The last frame is dropped (OpenAI's code does it), so 30 s give exactly 3000 frames. contiguous(): a
        # matmul on the strided slice is much slower on some CPUs.
        power = (stft[..., :-1].abs() ** 2).contiguous()  # (B, F, T)
        mel = self._mel_matrix.to(waveforms.device) @ power  # (M, F) @ (B, F, T) → (B, M, T)
        log_spec = mel.clamp(min=1e-10).log10()
        # Each clip's floor is its own loudest value − 8: a quiet clip is not judged against a loud batch-mate.
        log_spec = torch.maximum(log_spec, log_spec.amax(dim=(1, 2), keepdim=True) - 8.0)
        return ((log_spec + 4.0) / 4.0).cpu()
