"""Image preprocessing speed: ViTImageProcessor on 64 photos, side by side with a plain Pillow baseline.

    .venv/bin/python benchmarks/bench_images.py [--repeats 9]

Three contenders prepare the same 64 photos (astronaut 512×512, coffee 400×600, chelsea 300×451, rocket
427×640, in turn) into a (64, 3, 224, 224) float32 tensor, alternating so drift hits each alike:

    baseline      for each photo: Pillow convert("RGB") + resize(224×224, BILINEAR) → numpy → torch, /255,
                  normalise; then torch.stack. What one would write by hand.
    autotutor     ViTImageProcessor()(photos, return_tensors="pt")                       target ≤ 1.1× baseline
    transformers  transformers.ViTImageProcessorPil (its Pillow backend), the same call

Ratios are medians of `repeats` timings, each divided by the baseline's.
"""

from __future__ import annotations

import argparse
import statistics
import time

N_PHOTOS = 64
SIZE = 224


def load_photos(n: int = N_PHOTOS) -> list:
    import PIL.Image
    from skimage import data

    sources = [PIL.Image.fromarray(f()) for f in (data.astronaut, data.coffee, data.chelsea, data.rocket)]
    return [sources[i % len(sources)].copy() for i in range(n)]


def bench_images(repeats: int = 9) -> dict[str, float]:
    """Median seconds per call for each contender (keys: baseline, autotutor, transformers)."""
    import numpy as np
    import PIL.Image
    import torch
    import transformers

    from autotutor.image_processing import ViTImageProcessor

    photos = load_photos()
    mean = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
    std = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)

    def baseline() -> torch.Tensor:
        out = []
        for photo in photos:
            pixels = np.asarray(photo.convert("RGB").resize((SIZE, SIZE), PIL.Image.BILINEAR))
            x = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float() / 255
            out.append((x - mean) / std)
        return torch.stack(out)

    ours = ViTImageProcessor()
    # The Pillow backend by name: with torchvision installed, ViTImageProcessor would pick torchvision's.
    theirs = transformers.ViTImageProcessorPil()
    contenders = {
        "baseline": baseline,
        "autotutor": lambda: ours(photos, return_tensors="pt")["pixel_values"],
        "transformers": lambda: theirs(photos, return_tensors="pt")["pixel_values"],
    }
    results = {name: fn() for name, fn in contenders.items()}  # warm up, and check they agree
    for name, values in results.items():
        diff = (values - results["baseline"]).abs().max().item()
        assert values.shape == (N_PHOTOS, 3, SIZE, SIZE) and diff < 1e-5, (name, diff)

    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {name: statistics.median(times) for name, times in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    times = bench_images(args.repeats)
    base = times["baseline"]
    print(f"image preprocessing, {N_PHOTOS} photos → ({N_PHOTOS}, 3, {SIZE}, {SIZE}), median of {args.repeats}:")
    for name, seconds in times.items():
        print(f"  {name:<13} {seconds * 1000:7.1f} ms  {seconds / base:5.2f}× baseline")
    print(f"autotutor / baseline = {times['autotutor'] / base:.2f}× (target ≤ 1.10×); "
          f"transformers / baseline = {times['transformers'] / base:.2f}×")


if __name__ == "__main__":
    main()
