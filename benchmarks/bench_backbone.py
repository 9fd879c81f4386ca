"""Backbone forward pass: autotutor's SwinBackbone versus transformers' SwinBackbone, on the same weights.

    .venv/bin/python benchmarks/bench_backbone.py [--repeats 9]

A swin-tiny-sized model with random weights is saved once by transformers and loaded by both libraries; each
then runs a batch of 4 images of 224×224 under torch.no_grad(), taking turns, and the medians are compared.
Target: autotutor ≤ 1.05× transformers' time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time


def bench_backbone(repeats: int = 9, *, batch: int = 4, out_indices: tuple[int, ...] = (1, 2, 3, 4)) -> dict[str, float]:
    """Median seconds per forward pass of each contender, and their ratio ("autotutor / transformers")."""
    import logging

    import torch
    import transformers

    import autotutor

    logging.getLogger("autotutor").setLevel(logging.ERROR)  # the load report (new stage norms) is expected
    transformers.logging.set_verbosity_error()
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        config = transformers.SwinConfig()  # swin-tiny: embed_dim 96, depths [2, 2, 6, 2], window 7
        transformers.SwinForImageClassification(config).save_pretrained(tmp)
        theirs = transformers.SwinBackbone.from_pretrained(tmp, out_indices=list(out_indices)).eval()
        ours = autotutor.AutoBackbone.from_pretrained(tmp, out_indices=out_indices)

    pixels = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for a, b in zip(ours(pixels).feature_maps, theirs(pixels).feature_maps):
            diff = (a - b).abs().max().item()
            assert diff < 1e-4, f"the two backbones disagree by {diff}"

    def timed(model) -> float:
        with torch.no_grad():
            t0 = time.perf_counter()
            model(pixels)
            return time.perf_counter() - t0

    contenders = {"transformers": theirs, "autotutor": ours}
    for model in contenders.values():  # warm-up: caches, allocator, thread pool
        timed(model)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, model in contenders.items():  # alternate, so drift hits both alike
            samples[name].append(timed(model))
    result = {name: statistics.median(times) for name, times in samples.items()}
    result["ratio"] = result["autotutor"] / result["transformers"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    result = bench_backbone(args.repeats)
    print(json.dumps(result, indent=1))
    print(f"SwinBackbone forward, batch 4, 224×224: autotutor {result['autotutor'] * 1000:.0f} ms, "
          f"transformers {result['transformers'] * 1000:.0f} ms, ratio {result['ratio']:.2f}×")


if __name__ == "__main__":
    main()
