"""The offline course pack: the tutorial's checkpoints by their Hub ids, with no network.

`autotutor pack install` builds it; `autotutor pack list` and `autotutor pack verify` show and check it.
Each entry's manifest says, file by file, what is real and what is a stand-in.
"""

from pathlib import Path

from .store import pack_root

__all__ = ["sample_file"]


def sample_file(name: str) -> Path:
    """The path of a sample file of the course pack (`cat.jpg`, `document_fr.png`, `speech_ar.wav`, ...)."""
    path = pack_root() / "media" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"The course pack has no sample '{name}' in {path.parent}. Run `autotutor pack install` first."
        )
    return path
