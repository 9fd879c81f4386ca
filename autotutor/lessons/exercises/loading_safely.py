"""Lesson 7's exercises (loading safely): a `.bin` opened without obeying it, a safetensors header read by hand,
a checkpoint's files checked against their fingerprints.

    07.load_safely       the tensors of a pytorch_model.bin, and a refusal for one whose pickle would run code
    07.count_parameters  the number of parameters of a model.safetensors file, from its header alone
    07.changed_files     which files of a folder no longer match the sha256 a manifest recorded

The checks write their files afresh in a temporary folder at each check. The booby-trapped file of
07.load_safely is harmless by construction: its pickle asks for `_payload_ran(token)`, a function of this module
that only notes the token in `_RAN`, so the check can tell whether your loader obeyed the file. Nothing else runs.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import tempfile
from pathlib import Path
from typing import Any

from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

_NAMES = ("embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight",
          "encoder.layer.0.attention.self.query.bias", "encoder.layer.0.output.dense.weight",
          "encoder.layer.1.intermediate.dense.bias", "pooler.dense.weight", "classifier.weight", "classifier.bias",
          "embeddings.position_ids", "embeddings.LayerNorm.weight")


# ---------------------------------------------------------------------------------------------------------------
# 07.load_safely
# ---------------------------------------------------------------------------------------------------------------
_RAN: set[str] = set()  # the tokens of the booby-trapped files whose payload a loader ran


def _payload_ran(token: str) -> None:
    """What the booby-trapped file's pickle asks its loader to call: it notes `token`, and does nothing else."""
    _RAN.add(token)


class _Trap:
    """Pickles as "call _payload_ran(token)", the way a malicious file would name any other function."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _payload_ran, (self.token,)


def _state(rng: random.Random) -> dict[str, Any]:
    import torch

    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    return {name: torch.randn(rng.randint(1, 6), rng.randint(1, 6), generator=generator)
            for name in rng.sample(_NAMES, rng.randint(2, 4))}


def check_load_safely(answer: object) -> Verdict:
    import torch

    rng = random.Random()
    with tempfile.TemporaryDirectory() as folder:
        clean, trapped = Path(folder, "clean", "pytorch_model.bin"), Path(folder, "trapped", "pytorch_model.bin")
        clean.parent.mkdir()
        trapped.parent.mkdir()
        state = _state(rng)
        torch.save(state, clean)
        token = f"{rng.randrange(10**12):012d}"
        torch.save({**_state(rng), "note": _Trap(token)}, trapped)

        run = attempt(answer, str(clean))
        if run.verdict is not None:
            return run.verdict
        got = run.value
        if not isinstance(got, dict) or set(got) != set(state) or not all(
                isinstance(got[name], torch.Tensor) and torch.equal(got[name], state[name]) for name in state):
            return not_yet("wrong_tensors", N_("Not yet: for a file holding {names}, your function should return "
                                               "a dictionary of these tensors, as `torch.load` gives it."),
                           names=", ".join(sorted(state)))

        run = attempt(answer, str(trapped))
    if token in _RAN:
        _RAN.discard(token)
        return not_yet("code_ran", N_("Not yet: opening the booby-trapped file ran the function its pickle "
                                      "names. Here it was harmless, but it could have been any function. Load "
                                      "with `torch.load(path, weights_only=True)`: it refuses every function "
                                      "but those that build tensors."))
    if run.error is None:
        return not_yet("refusal_swallowed", N_("Not yet: nothing ran, but your function returned {kind} for the "
                                               "booby-trapped file, as if all were well. Let the loader's error "
                                               "reach the caller, so that nobody uses that file."),
                       kind=type(run.value).__name__)
    return right(N_("Right: the tensors of the clean file came back, and the booby-trapped one was refused "
                    "({error}) before anything in it ran."), error=type(run.error).__name__)


LOAD_SAFELY = Exercise(
    id="07.load_safely",
    lesson="07_loading_safely",
    title=N_("Open a .bin without obeying it"),
    task=N_("Write `load_state_dict(path)`: it returns the dictionary of tensors stored in the PyTorch file "
            "`path` (a `pytorch_model.bin`), and raises an error, without running anything, when the file's "
            "pickle asks for anything but tensors.\n\n"
            "The check writes two files for your function: a clean one, with tensors it makes up, and a "
            "booby-trapped one whose pickle names a harmless function that only tells the check it was called."),
    hint=N_("`torch.load(path, weights_only=True)` rebuilds tensors and refuses anything else with an "
            "`UnpicklingError`. Do not catch that error: the caller must know the file was refused."),
    solution='''\
import torch

def load_state_dict(path):
    return torch.load(path, weights_only=True)
''',
    check=check_load_safely,
    wrong_example='''\
import torch

def load_state_dict(path):
    return torch.load(path, weights_only=False)
''',
    wrong_code="code_ran",
)


# ---------------------------------------------------------------------------------------------------------------
# 07.count_parameters
# ---------------------------------------------------------------------------------------------------------------
_DTYPES = ("float32", "float16", "bfloat16", "int64")


def _safetensors_file(rng: random.Random, path: Path) -> dict[str, tuple[int, ...]]:
    """A model.safetensors with tensors of 0 to 3 dimensions and several dtypes; returns name → shape."""
    import torch
    from safetensors.torch import save_file

    shapes = [(), (rng.randint(2, 40),), (rng.randint(2, 30), rng.randint(2, 30)),
              (rng.randint(2, 9), rng.randint(2, 9), rng.randint(2, 9))]
    names = rng.sample(_NAMES, len(shapes))
    tensors = {name: torch.zeros(shape, dtype=getattr(torch, rng.choice(_DTYPES)))
               for name, shape in zip(names, shapes)}
    save_file(tensors, str(path), metadata={"format": "pt", "note": f"made for a check, {rng.randrange(10**6)}"})
    return {name: tuple(shape) for name, shape in zip(names, shapes)}


_SCALAR = N_("Not yet: one tensor is a single number: its `shape` is `[]`, and the product of no sizes is 1. "
             "`math.prod([])` gives it.")


def _count(shape: tuple[int, ...]) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def check_count_parameters(answer: object) -> Verdict:
    rng = random.Random()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "model.safetensors")
        shapes = _safetensors_file(rng, path)
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(length))
        run = attempt(answer, str(path))
    if run.verdict is not None:
        if isinstance(run.error, (json.JSONDecodeError, UnicodeDecodeError, OverflowError, MemoryError, struct.error)):
            return not_yet("header_misread", N_("Not yet: the bytes read as the header are not its JSON ({error}). "
                                                "The first 8 bytes are the header's length, an unsigned "
                                                "little-endian integer (`struct.unpack(\"<Q\", first_8_bytes)`); "
                                                "the JSON is exactly that many bytes after them."),
                           error=type(run.error).__name__)
        if isinstance(run.error, KeyError) and run.error.args == ("shape",):
            return not_yet("metadata_as_tensor", N_("Not yet: your function looked for the `shape` of an entry "
                                                    "that is not a tensor. The header's `__metadata__` holds text "
                                                    "about the file: skip it."))
        if isinstance(run.error, TypeError) and "empty" in str(run.error):
            return not_yet("scalar_missed", _SCALAR)
        return run.verdict
    expected = sum(_count(shape) for shape in shapes.values())
    try:
        got = float(run.value)
    except (TypeError, ValueError, RuntimeError):
        return not_yet("not_a_number", N_("Not yet: return one whole number, the count of parameters."))
    if got == expected:
        return right(N_("Right: {count} parameters in {tensors} tensors, read from the header without loading "
                        "a single one."), count=expected, tensors=len(shapes))
    stored = sum(end - start for name, info in header.items() if name != "__metadata__"
                 for start, end in [info["data_offsets"]])
    if got == stored:
        return not_yet("counted_bytes", N_("Not yet: {count} is the number of bytes the tensors take. A "
                                           "parameter is one number; a float32 takes 4 bytes, a float16 2, an "
                                           "int64 8. Multiply the sizes in each `shape`."), count=int(got))
    if got == len(shapes):
        return not_yet("counted_tensors", N_("Not yet: {count} is the number of tensors. Each one holds as many "
                                             "parameters as the product of its `shape`."), count=int(got))
    if got == expected - 1:
        return not_yet("scalar_missed", _SCALAR)
    return not_yet("wrong_count", N_("Not yet: the file's tensors have the shapes {shapes}, which make {expected} "
                                     "parameters; your function gave {got}."),
                   shapes=", ".join(str(list(shape)) for shape in shapes.values()), expected=expected,
                   got=run.value)


COUNT_PARAMETERS = Exercise(
    id="07.count_parameters",
    lesson="07_loading_safely",
    title=N_("Count the parameters from the header"),
    task=N_("Write `count_parameters(path)`: it returns how many numbers (parameters) the tensors of the "
            "`model.safetensors` file `path` hold, read from the file's header alone, without loading a "
            "tensor.\n\n"
            "The check writes a file with tensors of different shapes and dtypes; one of them is a single "
            "number."),
    hint=N_("Read the first 8 bytes, `struct.unpack(\"<Q\", ...)` gives the header's length N; `json.loads` the "
            "next N bytes. Each entry but `__metadata__` has a `shape`; the product of its sizes is the number "
            "of parameters (`math.prod`, which gives 1 for `[]`)."),
    solution='''\
import json, math, struct

def count_parameters(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return sum(math.prod(info["shape"]) for name, info in header.items() if name != "__metadata__")
''',
    check=check_count_parameters,
    wrong_example='''\
import json, struct

def count_parameters(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return sum(info["data_offsets"][1] - info["data_offsets"][0]
               for name, info in header.items() if name != "__metadata__")
''',
    wrong_code="counted_bytes",
)


# ---------------------------------------------------------------------------------------------------------------
# 07.changed_files
# ---------------------------------------------------------------------------------------------------------------
_FILES = ("config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "tokenizer_config.json",
          "generation_config.json")


def check_changed_files(answer: object) -> Verdict:
    rng = random.Random()
    with tempfile.TemporaryDirectory() as folder:
        names = rng.sample(_FILES, rng.randint(4, 6))
        manifest = {}
        for name in names:
            data = rng.randbytes(rng.randint(200, 5000))
            Path(folder, name).write_bytes(data)
            manifest[name] = hashlib.sha256(data).hexdigest()
        changed = set(rng.sample(names, rng.randint(1, len(names) - 2)))
        for name in changed:  # one byte changes, the size stays
            data = bytearray(Path(folder, name).read_bytes())
            where = rng.randrange(len(data))
            data[where] = (data[where] + 1) % 256
            Path(folder, name).write_bytes(bytes(data))
        run = attempt(answer, folder, dict(manifest))
    if run.verdict is not None:
        return run.verdict
    try:
        got = set(run.value)
    except TypeError:
        got = None
    if got is None or not all(isinstance(name, str) for name in got):
        return not_yet("not_a_list", N_("Not yet: return a list of file names (strings), e.g. "
                                        "`[\"model.safetensors\"]`."))
    if got == changed:
        return right(N_("Right: {changed} changed; the other files match their fingerprints."),
                     changed=", ".join(sorted(changed)))
    if got == set(names) - changed:
        return not_yet("inverted", N_("Not yet: you returned the files that match their fingerprint; the task "
                                      "asks for those that do not."))
    if got == set(names):
        return not_yet("nothing_matches", N_("Not yet: your function finds every file changed, so no fingerprint "
                                             "ever matched. Hash the file's bytes (`open(path, \"rb\").read()`), "
                                             "not its name or path, and compare `hexdigest()` with the "
                                             "manifest."))
    if not got:
        return not_yet("nothing_found", N_("Not yet: your function found no changed file, but {count} of them "
                                           "differ from their fingerprint by one byte."), count=len(changed))
    return not_yet("wrong_files", N_("Not yet: the files that changed are {changed}; your function gave {got}."),
                   changed=", ".join(sorted(changed)), got=", ".join(sorted(got)))


CHANGED_FILES = Exercise(
    id="07.changed_files",
    lesson="07_loading_safely",
    title=N_("Which files were changed?"),
    task=N_("A manifest you trust maps each file of a checkpoint to its sha256, as 64 hex digits. Write "
            "`changed_files(folder, manifest)`: it returns the names of the files in `folder` whose sha256 no "
            "longer matches the manifest.\n\n"
            "The check writes a folder of files it makes up, records their fingerprints, then changes one "
            "byte in some of them."),
    hint=N_("`hashlib.sha256(data).hexdigest()` gives the 64 hex digits of the bytes `data`; read each file "
            "with `Path(folder, name).read_bytes()`, or use `sha256_of` from the lesson."),
    solution='''\
import hashlib
from pathlib import Path

def changed_files(folder, manifest):
    return [name for name, recorded in manifest.items()
            if hashlib.sha256(Path(folder, name).read_bytes()).hexdigest() != recorded]
''',
    check=check_changed_files,
    wrong_example='''\
import hashlib

def changed_files(folder, manifest):
    return [name for name, recorded in manifest.items()
            if hashlib.sha256(name.encode()).hexdigest() != recorded]
''',
    wrong_code="nothing_matches",
)

EXERCISES = [LOAD_SAFELY, COUNT_PARAMETERS, CHANGED_FILES]
