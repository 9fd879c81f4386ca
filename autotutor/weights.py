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
from .i18n import Text

__all__ = ["LEGACY_RENAMES", "read_state_dict"]

# Old TensorFlow-era names still found in some Hub checkpoints (bert-base-uncased among them).
LEGACY_RENAMES = {".gamma": ".weight", ".beta": ".bias"}


def _load_safetensors(path: Path, device: str | torch.device) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    try:
        return load_file(path, device=str(device))
    except Exception as err:  # safetensors raises its own SafetensorError, or OSError for I/O
        raise CorruptWeightsError(
            "{path} could not be read as safetensors ({reason}). The file is probably truncated or damaged: "
            "delete it and download or save it again.",
            reason=str(err), path=path,
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
        if named:
            raise UnsafeCheckpointError(
                "Refused to load {path}: it names the function {value}, not just tensors. Pickle files can execute "
                "anything when opened, which is why they are read here with torch.load(weights_only=True). Ask the "
                "checkpoint's author for a model.safetensors file, which stores only tensors and cannot run code.",
                path=path, value=named.group(1),
            ) from err
        raise UnsafeCheckpointError(
            "Refused to load {path}: it holds instructions that build arbitrary objects, not just tensors. Pickle "
            "files can execute anything when opened, which is why they are read here with "
            "torch.load(weights_only=True). Ask the checkpoint's author for a model.safetensors file, which stores "
            "only tensors and cannot run code.",
            path=path,
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise CorruptWeightsError("{path} could not be read as a PyTorch file ({reason}).", reason=str(err),
                                  path=path) from err
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CorruptWeightsError("{path} does not hold a dict of tensors (a state dict).", path=path)
    return state


def _shard_names(index_path: Path, checkpoint: Checkpoint) -> list[str]:
    """The shard files an index names, refusing any that would lie outside the checkpoint folder."""
    index = read_json(index_path, what=Text("weights index"))
    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise CorruptWeightsError("{path} has no 'weight_map' telling which file holds each tensor.",
                                  path=index_path, key="weight_map")
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
                "{path} points to {value!r}, which is not a file inside the checkpoint folder. "
                "Refusing to read it: an index may only name shard files next to it.",
                path=index_path, value=shard,
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
                raise CorruptWeightsError("{index} names the shard '{value}', but {source} does not have it.",
                                          index=index_name, source=checkpoint.describe(),
                                          repo_id=checkpoint.name_or_path, path=index, value=shard)
            state.update(loader(path, device))
        return state, [index_name, *shards]

    pickled = checkpoint.get(PICKLE_WEIGHTS_NAME)
    if pickled is not None:
        return _load_pickle(pickled, device), [PICKLE_WEIGHTS_NAME]

    raise WeightsNotFoundError(
        "{source} has no weights file: expected {safetensors}, {safetensors_index} or "
        "{pickle} (it contains: {present}). TensorFlow (tf_model.h5) and Flax weights are not "
        "supported. If you only need the tokenizer, use AutoTokenizer.",
        source=checkpoint.describe(), present=checkpoint.contents(), safetensors=SAFE_WEIGHTS_NAME,
        safetensors_index=SAFE_WEIGHTS_INDEX_NAME, pickle=PICKLE_WEIGHTS_NAME, repo_id=checkpoint.name_or_path,
    )
