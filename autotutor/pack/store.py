"""Where the course pack lives on disk, and how to find an entry in it.

The pack is a folder of its own (never the user's Hugging Face cache, which it must not overwrite or
shadow): `$AUTOTUTOR_PACK_DIR`, else `$XDG_CACHE_HOME/autotutor/pack`, else `~/.cache/autotutor/pack`.

    <root>/models/google-bert--bert-base-uncased/   config.json, model.safetensors, ..., pack_manifest.json
    <root>/media/                                   photos, document images, speech clips
    <root>/.lock                                    held while installing

An entry counts as installed once its manifest exists: it is written last, inside a folder that is moved
into place in one step, so a half-built entry is never seen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..constants import ENV_PACK_DIR, ENV_USE_PACK, autotutor_cache, env_flag, env_text

MANIFEST_NAME = "pack_manifest.json"


def pack_root() -> Path:
    if env_text(ENV_PACK_DIR):
        return Path(env_text(ENV_PACK_DIR)).expanduser()
    return autotutor_cache() / "pack"


def entry_dir(repo_id: str) -> Path:
    return pack_root() / "models" / repo_id.replace("/", "--")


def installed_entry(repo_id: str) -> Path | None:
    """The entry's folder when it is fully installed, else None."""
    folder = entry_dir(repo_id)
    return folder if (folder / MANIFEST_NAME).is_file() else None


def pack_first() -> bool:
    """True when the user asked for the pack even if the Hub can be reached (AUTOTUTOR_USE_PACK=1)."""
    return env_flag(ENV_USE_PACK)


def read_manifest(repo_id: str) -> dict[str, Any] | None:
    """The manifest of an installed entry (what each file is, real or stand-in), or None if not installed."""
    folder = installed_entry(repo_id)
    if folder is None:
        return None
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
