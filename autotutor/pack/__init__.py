"""The offline course pack: the tutorial's checkpoints by their Hub ids, with no network.

`autotutor pack install` builds it (`autotutor.course.pack_build`); `autotutor pack list` and `autotutor pack
verify` show and check it. Each entry's manifest says, file by file, what is real and what is a stand-in.
This package only finds and reads the pack: `store.py` (where it is), `catalog.py` (what it holds).
"""

from pathlib import Path

from ..errors import CheckpointNotFoundError
from .store import pack_root, read_manifest

__all__ = ["note", "sample_file"]


def sample_file(name: str) -> Path:
    """The path of a sample file of the course pack (`cat.jpg`, `document_fr.png`, `speech_ar.wav`, ...)."""
    path = pack_root() / "media" / name
    if not path.is_file():
        raise CheckpointNotFoundError(
            "The course pack has no sample '{value}' in {folder}. Run `autotutor pack install` first.",
            folder=path.parent, path=path, value=name,
        )
    return path


def note(repo_id: str) -> str | None:
    """What the pack says of its copy of `repo_id` ("offline stand-in: random weights, ..."), or None."""
    manifest = read_manifest(repo_id)
    return None if manifest is None else str(manifest["summary"])
