"""Step 5 of `from_pretrained`, its first half: a checkpoint's weight files → one state dict of tensors.

`model.safetensors` is preferred (it holds only tensors); a sharded checkpoint lists its shards in an index; a
`pytorch_model.bin` is read with `torch.load(weights_only=True)`, which refuses any pickle that would run
code. The model base class (`modeling.py`) then matches these names to its own.
"""

from __future__ import annotations

import os
import pickle
import re
import warnings
from pathlib import Path, PurePosixPath

import torch

from .checkpoint import Checkpoint, read_json
from .constants import (
    PICKLE_WEIGHTS_INDEX_NAME,
    PICKLE_WEIGHTS_NAME,
    SAFE_WEIGHTS_INDEX_NAME,
    SAFE_WEIGHTS_NAME,
)
from .errors import CorruptWeightsError, UnsafeCheckpointError, WeightsNotFoundError

__all__ = ["LEGACY_RENAMES", "read_state_dict"]

# Old TensorFlow-era names still found in some Hub checkpoints (bert-base-uncased among them).
LEGACY_RENAMES = {".gamma": ".weight", ".beta": ".bias"}


def _load_safetensors(path: Path, device: str | torch.device) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    try:
        return load_file(path, device=str(device))
    except Exception as err:  # safetensors raises its own SafetensorError, or OSError for I/O
        raise CorruptWeightsError(
            f"{path} could not be read as safetensors ({err}). The file is probably truncated or damaged: "
            "delete it and download or save it again.",
            path=path,
        ) from err


def _load_pickle(path: Path, device: str | torch.device) -> dict[str, torch.Tensor]:
    """Read a `pytorch_model.bin` with `weights_only=True`: tensors only, never arbitrary objects."""
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols; the refusal below says enough
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as err:
        # torch's message suggests weights_only=False; quote only what it refused.
        named = re.search(r"GLOBAL (\S+)", str(err))
        what = f"it names the function {named.group(1)}" if named else "it holds instructions that build arbitrary objects"
        raise UnsafeCheckpointError(
            f"Refused to load {path}: {what}, not just tensors. Pickle files can execute anything when opened, "
            "which is why they are read here with torch.load(weights_only=True). Ask the checkpoint's author for "
            "a model.safetensors file, which stores only tensors and cannot run code.",
            path=path, value=named.group(1) if named else None,
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise CorruptWeightsError(f"{path} could not be read as a PyTorch file ({err}).", path=path) from err
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CorruptWeightsError(f"{path} does not hold a dict of tensors (a state dict).", path=path)
    return state


def _shard_names(index_path: Path, checkpoint: Checkpoint) -> list[str]:
    """The shard files an index names, refusing any that would lie outside the checkpoint folder."""
    index = read_json(index_path, what="weights index")
    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise CorruptWeightsError(f"{index_path} has no 'weight_map' telling which file holds each tensor.")
    shards = sorted(set(weight_map.values()))
    for shard in shards:
        parts = PurePosixPath(str(shard)).parts
        if (
            not isinstance(shard, str)
            or os.path.isabs(shard)
            or "\\" in shard
            or ".." in parts
            or len(parts) != 1
        ):
            raise CorruptWeightsError(
                f"{index_path} points to {shard!r}, which is not a file inside the checkpoint folder. "
                "Refusing to read it: an index may only name shard files next to it."
            )
    return shards


def read_state_dict(checkpoint: Checkpoint, *, device: str | torch.device = "cpu") -> tuple[dict[str, torch.Tensor], list[str]]:
    """Find the checkpoint's weights and read them: (name → tensor, the files read)."""
    single = checkpoint.get(SAFE_WEIGHTS_NAME)
    if single is not None:
        return _load_safetensors(single, device), [SAFE_WEIGHTS_NAME]

    for index_name, loader in ((SAFE_WEIGHTS_INDEX_NAME, _load_safetensors), (PICKLE_WEIGHTS_INDEX_NAME, _load_pickle)):
        index = checkpoint.get(index_name)
        if index is None:
            continue
        state: dict[str, torch.Tensor] = {}
        shards = _shard_names(index, checkpoint)
        for shard in shards:
            path = checkpoint.get(shard)
            if path is None:
                raise CorruptWeightsError(f"{index_name} names the shard '{shard}', but {checkpoint.describe()} does not have it.")
            state.update(loader(path, device))
        return state, [index_name, *shards]

    pickled = checkpoint.get(PICKLE_WEIGHTS_NAME)
    if pickled is not None:
        return _load_pickle(pickled, device), [PICKLE_WEIGHTS_NAME]

    present = ", ".join(checkpoint.listing()) or "no files"
    raise WeightsNotFoundError(
        f"{checkpoint.describe()} has no weights file: expected {SAFE_WEIGHTS_NAME}, {SAFE_WEIGHTS_INDEX_NAME} or "
        f"{PICKLE_WEIGHTS_NAME} (it contains: {present}). TensorFlow (tf_model.h5) and Flax weights are not "
        "supported. If you only need the tokenizer, use AutoTokenizer.",
        repo_id=checkpoint.name_or_path,
    )
