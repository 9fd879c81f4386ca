"""What lesson 7 (loading safely) shows, as plain functions: the notebook's cells and the header browser call
these, and tests/test_lesson_safety.py checks them without a browser.

    safetensors_header(path)              the JSON header of a model.safetensors file: every tensor's dtype, shape
                                          and byte offsets (read by hand: 8-byte length, then JSON)
    tensor_rows(header)                   that header as rows, in the order the bytes are stored
    header_table(rows, limit=...)         the rows as an aligned table (for print)
    write_booby_trapped_bin(folder, marker)   a pytorch_model.bin whose unpickling WOULD create `marker`
    pickle_calls(path)                    the functions a PyTorch file's pickle asks its loader to call (read, not run)
    file_layout_image(path)               a safetensors file drawn as a bar: length, header, then each tensor's bytes
    try_to_load(folder)                   load a checkpoint folder with AutoModel and report what happened
    sha256_of(path)                       a file's fingerprint, read in blocks
    pack_weights(repo_id)                 the course pack's model.safetensors for a checkpoint
    pack_fingerprints(repo_id)            each file of a course-pack entry: recorded sha256, actual, same or not
    fingerprint_table(prints)             those fingerprints, one line per file (for print)
    pickle_question(), header_question(), pin_question()   the lesson's check-your-understanding questions

The booby-trapped file is a harmless, contained demonstration: its payload would only create an empty file in a
folder the caller chooses, and this module never unpickles it. autotutor reads .bin files only through
`torch.load(weights_only=True)`, which refuses to call anything but the few functions tensors are made of.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AutotutorError, CheckpointNotFoundError, CorruptWeightsError, WeightsNotFoundError
from ..i18n import _, ngettext, number, printed
from .refusals import error_line
from .quiz import QuizQuestion

__all__ = [
    "Fingerprint",
    "fingerprint_table",
    "TensorRow",
    "header_question",
    "header_table",
    "pack_fingerprints",
    "pack_weights",
    "file_layout_image",
    "pickle_calls",
    "pickle_question",
    "pin_question",
    "safetensors_header",
    "sha256_of",
    "tensor_rows",
    "try_to_load",
    "write_booby_trapped_bin",
]

_TENSOR_COLOURS = ((0, 114, 178), (86, 180, 233), (0, 158, 115))  # Okabe-Ito blue, sky blue, bluish green
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MAX_HEADER = 100_000_000  # the spec's limit: a larger "length" means the file is not safetensors


def safetensors_header(path: str | Path) -> dict[str, Any]:
    """Read the header of a `.safetensors` file without reading its tensors.

    The format is: 8 bytes, an unsigned little-endian integer N; then N bytes of JSON; then the tensors' raw
    bytes, one after another. The JSON maps each tensor name to its `dtype`, `shape` and `data_offsets` (start
    and end, counted from the first byte after the header), plus an optional `__metadata__` of strings.

    Example:
        >>> header = safetensors_header(folder / "model.safetensors")  # doctest: +SKIP
        >>> header["bert.embeddings.word_embeddings.weight"]  # doctest: +SKIP
        {'dtype': 'F32', 'shape': [30522, 384], 'data_offsets': [0, 46881792]}
    """
    with open(path, "rb") as f:
        start = f.read(8)
        if len(start) < 8:
            raise CorruptWeightsError("{path} is too short to be a safetensors file ({size} bytes).",
                                      path=path, size=len(start))
        (length,) = struct.unpack("<Q", start)  # '<Q': little-endian unsigned 64-bit integer
        if length > _MAX_HEADER:
            raise CorruptWeightsError(
                "{path} does not start with a safetensors header (it announces {size} bytes of JSON).",
                path=path, size=length)
        raw = f.read(length)
    if len(raw) < length:
        raise CorruptWeightsError(
            "{path} is truncated: its header announces {size} bytes, the file has {left} after it.",
            path=path, size=length, left=len(raw))
    return json.loads(raw.decode("utf-8"))


@dataclass(frozen=True)
class TensorRow:
    """One tensor as the header describes it."""

    name: str
    dtype: str  # safetensors' name: "F32", "F16", "BF16", "I64", ...
    shape: tuple[int, ...]
    start: int  # first byte, counted from the end of the header
    end: int  # one past the last byte

    @property
    def nbytes(self) -> int:
        return self.end - self.start


def tensor_rows(header: dict[str, Any]) -> list[TensorRow]:
    """The header's tensors in the order their bytes are stored (`__metadata__` left out)."""
    rows = [TensorRow(name, info["dtype"], tuple(info["shape"]), *info["data_offsets"])
            for name, info in header.items() if name != "__metadata__"]
    return sorted(rows, key=lambda row: (row.start, row.name))


def header_table(rows: list[TensorRow], *, limit: int | None = None) -> str:
    """The tensors as an aligned table: name, dtype, shape, byte offsets; the first `limit` rows only if given.

    Example:
        >>> print(header_table(tensor_rows(header), limit=2))  # doctest: +SKIP
        tensor                                    dtype  shape         bytes
        bert.embeddings.word_embeddings.weight    F32    [30522, 384]  0 – 46881792
        ...
    """
    shown = rows if limit is None else rows[:limit]
    head = (_("tensor"), "dtype", "shape", _("bytes"))
    lines = [(r.name, r.dtype, str(list(r.shape)), f"{r.start} – {r.end}") for r in shown]
    widths = [max(len(line[c]) for line in [head, *lines]) + 2 for c in range(3)]
    # In Arabic, printed() lays each row out right to left, each cell in its own order.
    out = ["".join(f"{cell}{' ' * (widths[c] - len(cell))}" for c, cell in enumerate(line[:3])) + line[3]
           for line in [head, *lines]]
    if len(shown) < len(rows):
        hidden = len(rows) - len(shown)
        out.append(ngettext("… and {count} more tensor", "… and {count} more tensors", hidden).format(count=hidden))
    return printed("\n".join(out))


LABEL_BAND = 32  # the height of the names under the bar: two lines


def file_layout_image(path: str | Path, *, width: int = 720, height: int = 70, labels: bool = True) -> Any:
    """The bytes of a safetensors file as one bar, left to right: the 8-byte length (black), the JSON header
    (orange), then each tensor's bytes in blues and green, one after another, in proportion to their sizes.
    Next to the tensors the length and the header are a sliver, so they are drawn wider than their share
    (a tenth of the bar together), and the names under the bar give their real sizes.
    """
    from PIL import Image, ImageDraw

    from .pictures import font

    header = safetensors_header(path)
    rows = tensor_rows(header)
    length = Path(path).stat().st_size - 8  # header + data
    data_start = length - (rows[-1].end if rows else 0)  # = the header's size N
    image = Image.new("RGB", (width, height + (LABEL_BAND if labels else 0)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    top, bottom = 10, height - 10
    fixed = (0, max(6, width // 30), max(12, width // 10))  # not to scale: readable
    draw.rectangle([fixed[0], top, fixed[1] - 1, bottom], fill=(0, 0, 0))
    draw.rectangle([fixed[1], top, fixed[2] - 1, bottom], fill=(230, 159, 0))
    span = max(1, rows[-1].end if rows else 1)
    room = width - fixed[2]
    for index, row in enumerate(rows):
        x0 = fixed[2] + round(row.start / span * room)
        x1 = fixed[2] + round(row.end / span * room) - 1
        draw.rectangle([x0, top, max(x0, x1), bottom], fill=_TENSOR_COLOURS[index % len(_TENSOR_COLOURS)])
        if x1 - x0 >= 3:  # a white edge between tensors wide enough to see
            draw.line([(x0, top), (x0, bottom)], fill=(255, 255, 255))
    if labels:
        # under the length and the header, one line each (they are narrow); the tensors' name ends with the bar
        draw.text((fixed[0] + 2, height + 2), _("N: {size} bytes").format(size=number(8)), fill=(0, 0, 0),
                  font=font(12))
        draw.text((fixed[1] + 2, height + 14), _("header: {size} bytes").format(size=number(data_start)),
                  fill=(0, 0, 0), font=font(12))
        draw.text((width - 2, height + 4), _("tensors: {size} bytes").format(size=number(length - data_start)),
                  fill=(0, 0, 0), font=font(13), anchor="ra")
    return image


# ---------------------------------------------------------------------------------------------------------------
# A pickle that would run code
# ---------------------------------------------------------------------------------------------------------------
class _TouchOnUnpickle:
    """Pickles as "call pathlib.Path.touch(marker)": what any object's __reduce__ may ask an unpickler to do.

    Pickling it runs nothing: pickle only writes down the function's name and its argument. Only a loader that
    obeys the file (`pickle.load`, or `torch.load(weights_only=False)`) would call it.
    """

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return pathlib.Path.touch, (pathlib.Path(self.marker),)


def write_booby_trapped_bin(folder: str | Path, marker: str | Path) -> Path:
    """Write `folder/pytorch_model.bin`: a real PyTorch file, with a tensor, whose unpickling would also call
    `Path(marker).touch()`, i.e. create an empty file. Nothing is unpickled here. Returns the file's path.

    The payload is deliberately harmless (an empty file in a folder you chose); a real attack would put any
    other function in its place.
    """
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pytorch_model.bin"
    state = {"embeddings.weight": torch.zeros(2, 2), "note": _TouchOnUnpickle(Path(marker))}
    torch.save(state, path)
    return path


def pickle_calls(path: str | Path) -> list[str]:
    """The functions and classes a PyTorch file's pickle names (`module name`), in order, each once.

    The pickle is only disassembled with `pickletools`, never run. Example:
        >>> pickle_calls(folder / "pytorch_model.bin")  # doctest: +SKIP
        ['torch._utils _rebuild_tensor_v2', 'torch FloatStorage', 'collections OrderedDict', ...]
    """
    import pickletools
    import zipfile

    with zipfile.ZipFile(path) as archive:  # torch.save writes a zip: <name>/data.pkl plus one file per storage
        name = next(n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl")
        data = archive.read(name)
    found: list[str] = []
    strings: list[str] = []  # STACK_GLOBAL (protocol 4+) takes its module and name from the two last strings
    for opcode, argument, _position in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            call = str(argument)
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            call = f"{strings[-2]} {strings[-1]}"
        else:
            if isinstance(argument, str):
                strings.append(argument)
            continue
        if call not in found:
            found.append(call)
    return found


def try_to_load(folder: str | Path) -> str:
    """Load the checkpoint in `folder` with `AutoModel.from_pretrained` and say what happened: the error's type
    and message if it was refused, else the model's class name.
    """
    from .. import AutoModel

    try:
        model = AutoModel.from_pretrained(folder)
    except AutotutorError as err:
        # torch's own message, quoted inside autotutor's, may carry terminal colour codes: a notebook shows
        # them as garbage
        return _ANSI.sub("", error_line(err))
    return type(model).__name__


# ---------------------------------------------------------------------------------------------------------------
# Where did a checkpoint come from?
# ---------------------------------------------------------------------------------------------------------------
def sha256_of(path: str | Path) -> str:
    """The sha256 of a file, as 64 hex digits, read 1 MiB at a time (a model file can be gigabytes).

    Example:
        >>> sha256_of(folder / "config.json")  # doctest: +SKIP
        '3a9c…'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """One file of a course-pack entry: the sha256 its manifest recorded and the sha256 of the file now."""

    name: str
    recorded: str
    actual: str

    @property
    def same(self) -> bool:
        return self.recorded == self.actual


def pack_weights(repo_id: str) -> Path:
    """The course pack's `model.safetensors` for `repo_id` (the pack's copy, never a download)."""
    from ..pack.store import installed_entry

    folder = installed_entry(repo_id)
    if folder is None or not (folder / "model.safetensors").is_file():
        raise WeightsNotFoundError(
            "The course pack has no model.safetensors for {repo_id}. Run `autotutor pack install`.", repo_id=repo_id)
    return folder / "model.safetensors"


def pack_fingerprints(repo_id: str) -> list[Fingerprint]:
    """For each file the course pack's manifest lists for `repo_id`: recorded and actual sha256."""
    from ..pack.store import installed_entry, read_manifest

    manifest, folder = read_manifest(repo_id), installed_entry(repo_id)
    if manifest is None or folder is None:
        raise CheckpointNotFoundError(
            "The course pack has no entry for {repo_id}. Run `autotutor pack install` first.", repo_id=repo_id)
    return [Fingerprint(name, info["sha256"], sha256_of(folder / name)) for name, info in manifest["files"].items()]


def fingerprint_table(prints: list[Fingerprint]) -> str:
    """One line per file: its name, the first 16 hex digits of its recorded sha256, and whether the file matches."""
    width = max(len(p.name) for p in prints) + 2
    return printed("\n".join(f"{p.name:<{width}}{p.recorded[:16]}…  " + (_("matches") if p.same else _("DIFFERENT"))
                     for p in prints))


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def pickle_question() -> QuizQuestion:
    """Why a pickle checkpoint can be dangerous (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("Why can opening a `pytorch_model.bin` from an unknown source run code on your machine?"),
        choices=(
            _("It is a pickle file, and a pickle may ask the loader to call any function, with any arguments."),
            _("PyTorch runs the model's forward pass once while loading it."),
            _("The weights are compressed, and decompressing runs a program stored in the file."),
        ),
        feedback=(
            _("Pickle stores objects as instructions for rebuilding them, and one instruction is “call this "
              "function”. `weights_only=True` allows only the functions that build tensors."),
            _("Loading only fills tensors; nothing is computed. The danger is in reading the file itself."),
            _("PyTorch's file is a zip archive of tensors plus a pickle; the zip part is harmless. The risk is the "
              "pickle, which can name functions to call."),
        ),
        answer=0,
    )


def header_question() -> QuizQuestion:
    """What a safetensors file can hold (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("What can a `model.safetensors` file contain?"),
        choices=(
            _("A JSON header (names, dtypes, shapes, byte offsets, and optional text metadata) followed by the "
              "tensors' raw bytes."),
            _("Tensors, and Python objects such as the model's class, pickled."),
            _("Only the tensors: the names and shapes are read from `config.json`."),
        ),
        feedback=(
            _("Nothing in it is executable: a reader only parses JSON and copies bytes, which is why it cannot run "
              "code."),
            _("No Python object is ever stored: that is the whole point of the format. The class comes from "
              "`config.json` and the registry."),
            _("The header names every tensor and gives its dtype and shape: you just read it yourself, without "
              "`config.json`."),
        ),
        answer=0,
    )


def pin_question() -> QuizQuestion:
    """What pinning a revision protects against (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("You load a checkpoint with `revision=` set to a commit hash (40 hex digits). What does that "
                   "guarantee?"),
        choices=(
            _("You get exactly the files of that commit, even if the repository changes later."),
            _("The files have been checked for malware."),
            _("The weights are in safetensors format."),
        ),
        feedback=(
            _("A commit hash names one fixed state of the repository; a branch such as `main` can move. Pinning "
              "means an update, good or bad, never reaches you unnoticed."),
            _("Pinning says which files, not whether they are good: a pinned commit can hold a malicious pickle. "
              "Check the source, and prefer safetensors."),
            _("The format depends on what the author uploaded at that commit, not on how you name it."),
        ),
        answer=0,
    )
