"""The offline course pack: the tutorial's checkpoints by their Hub ids, with no network.

`autotutor pack install` builds it; `autotutor pack list` and `autotutor pack verify` show and check it.
Each entry's manifest says, file by file, what is real and what is a stand-in.
"""

from pathlib import Path

from .store import pack_root

__all__ = ["ensure_installed", "note", "sample_file"]


def sample_file(name: str) -> Path:
    """The path of a sample file of the course pack (`cat.jpg`, `document_fr.png`, `speech_ar.wav`, ...)."""
    path = pack_root() / "media" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"The course pack has no sample '{name}' in {path.parent}. Run `autotutor pack install` first."
        )
    return path


def note(repo_id: str) -> str | None:
    """What the pack says of its copy of `repo_id` ("offline stand-in: random weights, ..."), or None."""
    from .build import read_manifest

    manifest = read_manifest(repo_id)
    return None if manifest is None else str(manifest["summary"])


def ensure_installed() -> bool:
    """Install whatever is missing or outdated (a notebook's set-up cell calls this). True if anything was built."""
    from .build import install

    results = install(log=lambda line: None)
    return any(state == "installed" for state in results.values())
