"""Speech to text: autotutor's Whisper (processor + generate + decode) versus transformers', on the course pack's
openai/whisper-base, side by side in one run.

    .venv/bin/python benchmarks/bench_whisper.py [--repeats 5]

1. transcription: a 5 s clip (the pack's English dictation, 4.7 s) and a 30 s clip (the three dictations and the
   fast one, repeated to fill 30 s), language="en", greedy, up to 120 new tokens; the whole call a learner makes:
   features, generate(), batch_decode. Seconds per clip; the ids must be equal.      target: autotutor ≥ 1.0× as fast
2. feature extraction: WhisperFeatureExtractor on a 5 s and a 30 s clip (bench_whisper_features.py).
3. pack conversion: a fresh process builds the openai/whisper-base entry from the two PyPI wheels into an empty
   folder (CTranslate2 file read, fused attention split, safetensors and JSON written): wall time and size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ID = "openai/whisper-base"
MAX_NEW_TOKENS = 120
SR = 16_000


def pack_folder() -> Path:
    os.environ.setdefault("AUTOTUTOR_USE_PACK", "1")
    from autotutor.checkpoint import open_checkpoint

    folder = open_checkpoint(REPO_ID).folder
    if folder is None:
        raise SystemExit(f"{REPO_ID} is not in the course pack: run `autotutor pack install` first.")
    return Path(folder)


def clips() -> dict[str, np.ndarray]:
    from autotutor.lessons.automodelforspeechseq2seq import dictation

    five = dictation("en")
    pieces, filled = [], 0
    while filled < 30 * SR:
        for name in ("en", "fr", "ar", "en_fast"):
            piece = np.concatenate([dictation(name), np.zeros(SR // 2, dtype=np.float32)])  # half a second apart
            pieces.append(piece)
            filled += len(piece)
    return {"5 s": five, "30 s": np.concatenate(pieces)[: 30 * SR]}


def bench_transcription(repeats: int) -> dict[str, dict]:
    import torch
    import transformers

    import autotutor

    folder = pack_folder()
    libraries = {
        "autotutor": (autotutor.AutoProcessor.from_pretrained(folder),
                      autotutor.AutoModelForSpeechSeq2Seq.from_pretrained(folder).eval()),
        "transformers": (transformers.AutoProcessor.from_pretrained(folder),
                         transformers.AutoModelForSpeechSeq2Seq.from_pretrained(folder).eval()),
    }

    def transcribe(name: str, clip: np.ndarray) -> tuple[list[int], str]:
        processor, model = libraries[name]
        with torch.no_grad():
            features = processor(clip, sampling_rate=SR, return_tensors="pt")["input_features"]
            ids = model.generate(features, language="en", task="transcribe", max_new_tokens=MAX_NEW_TOKENS)
        return ids[0].tolist(), processor.batch_decode(ids, skip_special_tokens=True)[0]

    results = {}
    for case, clip in clips().items():
        outputs = {name: transcribe(name, clip) for name in libraries}  # warm up, and the ids to compare
        seconds: dict[str, list[float]] = {name: [] for name in libraries}
        for _ in range(repeats):
            for name in libraries:  # alternating, so both meet the same machine
                t0 = time.perf_counter()
                transcribe(name, clip)
                seconds[name].append(time.perf_counter() - t0)
        results[case] = {
            "seconds": {name: statistics.median(times) for name, times in seconds.items()},
            "tokens": len(outputs["autotutor"][0]),
            "same_ids": outputs["autotutor"][0] == outputs["transformers"][0],
            "text": outputs["autotutor"][1],
        }
    return results


_CONVERT = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from autotutor.course.pack_whisper import write_whisper_base
write_whisper_base(Path(sys.argv[1]))
print(time.perf_counter() - t0)
"""


def bench_conversion() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", _CONVERT, tmp], check=True, capture_output=True)  # warm the caches
        for leftover in Path(tmp).iterdir():
            leftover.unlink()
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _CONVERT, tmp], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return {"inside": float(done.stdout.split()[-1]), "wall": wall, "megabytes": size / 1e6}


def bench_whisper(repeats: int) -> dict:
    from bench_whisper_features import bench_whisper_features

    features = bench_whisper_features(max(5 * repeats, 15))
    return {"transcription": bench_transcription(repeats),
            "features": {case: {name: statistics.median(times) for name, times in samples.items()}
                         for case, samples in features.items()},
            "conversion": bench_conversion()}


def rows(result: dict) -> list[tuple[str, str, float, float, str]]:
    """RESULTS.md rows: (measure, target, autotutor, transformers, times), as run.py writes them."""
    out = []
    for case, r in result["transcription"].items():
        ours, theirs = r["seconds"]["autotutor"], r["seconds"]["transformers"]
        same = "same ids" if r["same_ids"] else "ids DIFFER"
        out.append((f"transcription, Whisper base, {case} clip, {r['tokens']} tokens: features + generate + decode "
                    f"(speed vs transformers; higher is better)", "≥ 1.00×", theirs / ours, 1.0,
                    f"autotutor {ours * 1000:.0f} ms, transformers {theirs * 1000:.0f} ms ({same})"))
    for case in ("5 s clip", "30 s clip"):
        times = result["features"][case]
        out.append((f"Whisper log-mel features, {case} → (1, 80, 3000) (vs transformers)", "—",
                    times["autotutor"] / times["transformers"], 1.0,
                    f"autotutor {times['autotutor'] * 1000:.1f} ms, transformers {times['transformers'] * 1000:.1f} ms, "
                    f"numpy {times['numpy'] * 1000:.1f} ms"))
    return out


def conversion_row(result: dict) -> str:
    c = result["conversion"]
    return (f"| openai/whisper-base from the two PyPI wheels (CTranslate2 → safetensors), fresh process | — | "
            f"**{c['wall']:.1f} s** ({c['inside']:.1f} s after imports), {c['megabytes']:.0f} MB |")


def main() -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    result = bench_whisper(args.repeats)
    for row in rows(result):
        print(" | ".join(str(x) if not isinstance(x, float) else f"{x:.2f}×" for x in row))
    print(conversion_row(result))
    for case, r in result["transcription"].items():
        print(f"{case}: {r['text']!r}")


if __name__ == "__main__":
    main()
