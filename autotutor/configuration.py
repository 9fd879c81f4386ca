"""Step 2: `config.json` → a config object.

A config holds the numbers that decide an architecture's shape (hidden size, number of layers, ...) plus a few
keys every model shares (labels, dtype, tied embeddings). Each architecture subclasses `PretrainedConfig` in
its own model file with an explicit, documented signature. Keys a class does not know are kept as plain
attributes, so a config read and saved again loses nothing.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, ClassVar

from .checkpoint import Checkpoint, open_checkpoint, pop_checkpoint_options, read_json
from .constants import CONFIG_NAME
from .errors import ConfigError
from .i18n import Text

__all__ = ["PretrainedConfig", "load_config_dict"]

# Keys that only describe the file, never the model.
_FILE_ONLY_KEYS = {"_name_or_path", "name_or_path"}


class PretrainedConfig:
    """Base class of every model config.

    Args:
        id2label: index → label name of a classification head (`{0: "NEGATIVE", 1: "POSITIVE"}`).
        label2id: the reverse mapping; derived from `id2label` when not given.
        num_labels: number of labels, used when `id2label` is not given (labels are then `LABEL_0`, ...).
        dtype: the dtype the weights were saved in (`"float32"`, ...), used by `dtype="auto"`.
        tie_word_embeddings: share the input embedding matrix with the output projection of a language head.
        **kwargs: any other key; kept as an attribute and written back by `save_pretrained`.

    Example:
        >>> from autotutor.models.bert import BertConfig
        >>> BertConfig(num_labels=3).id2label
        {0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2'}
    """

    model_type: ClassVar[str] = ""
    # Alternative names some architectures use for common attributes (DistilBERT calls hidden_size "dim").
    attribute_map: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        *,
        architectures: list[str] | None = None,
        id2label: dict[int | str, str] | None = None,
        label2id: dict[str, int] | None = None,
        num_labels: int | None = None,
        problem_type: str | None = None,
        pad_token_id: int | None = None,
        tie_word_embeddings: bool = True,
        dtype: str | None = None,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        return_dict: bool = True,
        **kwargs: Any,
    ) -> None:
        self.architectures = architectures
        self.problem_type = problem_type
        self.pad_token_id = pad_token_id
        self.tie_word_embeddings = tie_word_embeddings
        # Older files say "torch_dtype"; transformers 5 writes "dtype".
        self.dtype = kwargs.pop("torch_dtype", None) if dtype is None else dtype
        self.output_hidden_states = output_hidden_states
        self.output_attentions = output_attentions
        self.return_dict = return_dict
        self.name_or_path = kwargs.pop("_name_or_path", kwargs.pop("name_or_path", ""))
        if id2label is not None:
            self.id2label = id2label
            if label2id is not None:
                self.label2id = {str(k): int(v) for k, v in label2id.items()}
            if num_labels is not None and num_labels != len(self.id2label):
                self.num_labels = num_labels
        else:
            self.num_labels = 2 if num_labels is None else num_labels
        kwargs.pop("model_type", None)  # a class attribute, not an instance one
        for key, value in kwargs.items():
            setattr(self, key, value)

    # -- alternative attribute names ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(self.attribute_map.get(name, name), value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails.
        mapped = type(self).attribute_map.get(name)
        if mapped is not None:
            return getattr(self, mapped)
        raise AttributeError(f"'{type(self).__name__}' has no attribute '{name}'")

    # -- labels ---------------------------------------------------------------------------------------------
    @property
    def id2label(self) -> dict[int, str]:
        return self._id2label

    @id2label.setter
    def id2label(self, mapping: dict[int | str, str]) -> None:
        try:
            # JSON keys are always strings; the head indexes them as integers.
            self._id2label = {int(k): str(v) for k, v in mapping.items()}
        except (TypeError, ValueError, AttributeError) as err:
            raise ConfigError(
                "id2label must map class indices to names, like {{0: 'NEG', 1: 'POS'}}; got {value!r}.",
                key="id2label", value=mapping,
            ) from err
        self.label2id = {v: k for k, v in self._id2label.items()}

    @property
    def num_labels(self) -> int:
        return len(self._id2label)

    @num_labels.setter
    def num_labels(self, n: int) -> None:
        if not isinstance(n, int) or n < 1:
            raise ConfigError("num_labels must be a positive integer, got {value!r}.", key="num_labels", value=n)
        if getattr(self, "_id2label", None) is None or len(self._id2label) != n:
            self.id2label = {i: f"LABEL_{i}" for i in range(n)}

    # -- reading and writing ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, config_dict: dict[str, Any], **overrides: Any) -> "PretrainedConfig":
        """Build a config from a dict (as read from `config.json`), then apply `overrides`."""
        config = cls(**copy.deepcopy(config_dict))
        for key, value in overrides.items():
            setattr(config, key, value)
        return config

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild this config, in the form `config.json` uses."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key.startswith("_") or key in _FILE_ONLY_KEYS:
                continue
            out[key] = value
        out["id2label"] = {str(k): v for k, v in self._id2label.items()}
        out["label2id"] = dict(self.label2id)
        if out.get("dtype") is not None:
            out["dtype"] = str(out["dtype"]).replace("torch.", "")
        out["model_type"] = self.model_type
        return dict(sorted(out.items()))

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save_pretrained(self, save_directory: str | os.PathLike) -> None:
        """Write `config.json` into `save_directory` (created if needed). Returns None, as in transformers."""
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CONFIG_NAME
        path.write_text(self.to_json_string(), encoding="utf-8")

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> "PretrainedConfig":
        """Read `config.json` from a folder or Hub id; keyword arguments override its values."""
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        config_dict = load_config_dict(checkpoint)
        if cls.model_type and config_dict.get("model_type") not in (None, cls.model_type):
            raise ConfigError(
                "{source} holds a '{value}' config, not '{expected}'. Use AutoConfig.from_pretrained to get the "
                "right class.",
                source=checkpoint.describe(), expected=cls.model_type,
                repo_id=checkpoint.name_or_path, key="model_type", value=config_dict["model_type"],
            )
        config = cls.from_dict(config_dict, **kwargs)
        config.name_or_path = str(name_or_path)
        return config

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PretrainedConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"


def load_config_dict(checkpoint: Checkpoint) -> dict[str, Any]:
    """Read the checkpoint's `config.json`, with a clear error when it is missing."""
    path = checkpoint.get(CONFIG_NAME)
    if path is None:
        raise ConfigError(
            "{source} has no {key} (it contains: {present}). Every checkpoint needs one: it names the "
            "architecture (model_type) and its sizes. Is this the right folder?",
            source=checkpoint.describe(), present=checkpoint.contents(),
            repo_id=checkpoint.name_or_path, key=CONFIG_NAME,
        )
    return read_json(path, what=Text("model configuration"))
