"""Whisper feature extraction speed: autotutor's WhisperFeatureExtractor versus transformers', side by side.

    .venv/bin/python benchmarks/bench_whisper_features.py [--repeats 25]

Three contenders turn the same clips into (B, 80, 3000) log-mel features; the two libraries take turns:

    autotutor      WhisperFeatureExtractor()(clips, sampling_rate=16000, return_tensors="pt")   (torch.stft)
    transformers   transformers.WhisperFeatureExtractor, the same call (its torch path, used when torch is there)
    numpy          the same steps written with numpy (strided frames, np.fft.rfft): the alternative autotutor
                   measured before choosing torch

on a 5 s clip, a 30 s clip, and a batch of eight 5 s clips. Every clip is padded to 30 s first, so the 5 s and
30 s rows differ only by the padding. Medians of `repeats` timings, in ms, and ratios to transformers; the
fastest of the timings is shown too, since on a shared machine other work stretches some of them.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

SR = 16000


def _clip(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def numpy_log_mel(clips: list[np.ndarray], mel_filters: np.ndarray, *, n_fft: int = 400, hop: int = 160,
                  n_samples: int = 30 * SR) -> np.ndarray:
    """The log-mel features with numpy only: (B, L) → (B, 80, 3000)."""
    x = np.stack([np.pad(c[:n_samples], (0, n_samples - min(len(c), n_samples))) for c in clips])  # (B, L)
    x = np.pad(x, ((0, 0), (n_fft // 2, n_fft // 2)), mode="reflect")  # as torch.stft(center=True)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)  # periodic Hann
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=1)[:, ::hop][:, :-1]  # (B, T, n_fft)
    spectrum = np.fft.rfft(frames * window, axis=-1)  # (B, T, F)
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
    log_spec = np.log10(np.maximum(power @ mel_filters.astype(np.float32), 1e-10))  # (B, T, M)
    log_spec = np.maximum(log_spec, log_spec.max(axis=(1, 2), keepdims=True) - 8.0)
    return ((log_spec + 4.0) / 4.0).transpose(0, 2, 1)


def bench_whisper_features(repeats: int = 25) -> dict[str, dict[str, list[float]]]:
    """Seconds per call, every timing: {case: {contender: [seconds, ...]}}."""
    import torch
    import transformers

    from autotutor import WhisperFeatureExtractor

    ours, theirs = WhisperFeatureExtractor(), transformers.WhisperFeatureExtractor()
    cases = {"5 s clip": [_clip(5, 0)], "30 s clip": [_clip(30, 1)], "8 × 5 s clips": [_clip(5, s) for s in range(8)]}
    results: dict[str, dict[str, list[float]]] = {}
    for case, clips in cases.items():
        contenders = {
            "autotutor": lambda: ours(clips, sampling_rate=SR, return_tensors="pt")["input_features"],
            "transformers": lambda: theirs(clips, sampling_rate=SR, return_tensors="pt")["input_features"],
            "numpy": lambda: torch.from_numpy(numpy_log_mel(clips, ours.mel_filters)),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = {name: fn() for name, fn in contenders.items()}  # warm up, and check they agree
            for name, values in outputs.items():
                diff = (values - outputs["transformers"]).abs().max().item()
                assert values.shape == (len(clips), 80, 3000) and diff < 1e-4, (case, name, diff)
            samples: dict[str, list[float]] = {name: [] for name in contenders}
            # The two libraries take turns; numpy runs on its own afterwards, since whoever follows its large
            # temporary arrays (200 MB for the batch) pays for fresh memory pages.
            for group in (["autotutor", "transformers"], ["numpy"]):
                for _ in range(repeats):
                    for name in group:
                        t0 = time.perf_counter()
                        contenders[name]()
                        samples[name].append(time.perf_counter() - t0)
        results[case] = samples
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    import torch

    print(f"Whisper log-mel features (B, 80, 3000), median (fastest) of {args.repeats}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads:")
    for case, samples in bench_whisper_features(args.repeats).items():
        base = statistics.median(samples["transformers"])
        row = "  ".join(f"{name} {statistics.median(times) * 1000:6.1f} ms ({min(times) * 1000:5.1f}) "
                        f"{statistics.median(times) / base:4.2f}×" for name, times in samples.items())
        print(f"  {case:<14} {row}")


if __name__ == "__main__":
    main()
