"""What image processors and feature extractors share: settings read from a JSON file.

A checkpoint describes its preprocessing in one of two places:

    preprocessor_config.json   the older home, one object: {"feature_extractor_type": "ViTFeatureExtractor",
                               "size": 224, "image_mean": [...], ...} or {"image_processor_type": ...}
    processor_config.json      the newer one, written by a processor: {"processor_class": "...",
                               "image_processor": {...}, "feature_extractor": {...}}

`Preprocessor` reads either, keeps keys it does not know (so saving loses nothing), and lets keyword
arguments override values, like the config classes do for models.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch

from .checkpoint import Checkpoint, open_checkpoint, pop_checkpoint_options, read_json
from .constants import PREPROCESSOR_CONFIG_FILE, PROCESSOR_CONFIG_FILE
from .errors import AutotutorError, ConfigError
from .i18n import Text

__all__ = ["BatchFeature", "Preprocessor", "read_preprocessor_dict"]

P = TypeVar("P", bound="Preprocessor")



class BatchFeature(dict):
    """What image processors and feature extractors return: a dict (`inputs["pixel_values"]`) that also allows
    `inputs.pixel_values`, and `inputs.to(device)` to move every tensor at once. `model(**inputs)` passes them
    as keyword arguments.

    Example:
        >>> inputs = BatchFeature({"input_values": torch.zeros(1, 4)})
        >>> inputs.input_values.shape
        torch.Size([1, 4])
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"this BatchFeature has no {name!r}; it holds {', '.join(self) or 'nothing'}.") from None

    def to(self, *args: Any, **kwargs: Any) -> "BatchFeature":
        """Move the tensors to a device, or cast them to a dtype (floating-point ones only: the attention mask
        stays an integer mask). Changes this BatchFeature and returns it, as in transformers."""
        cast = (args and isinstance(args[0], torch.dtype)) or isinstance(kwargs.get("dtype"), torch.dtype)
        for key, value in self.items():
            if isinstance(value, torch.Tensor) and (value.is_floating_point() or not cast):
                self[key] = value.to(*args, **kwargs)
        return self


def read_preprocessor_dict(checkpoint: Checkpoint, section: str) -> tuple[dict[str, Any], Path] | None:
    """The settings of `section` ("image_processor" or "feature_extractor") and the file they came from.

    processor_config.json's nested section wins over preprocessor_config.json, as in transformers 5.
    Returns None when the checkpoint has neither.
    """
    nested = checkpoint.get(PROCESSOR_CONFIG_FILE)
    if nested is not None:
        data = read_json(nested, what=Text("processor configuration"))
        if isinstance(data.get(section), dict):
            return data[section], nested
    flat = checkpoint.get(PREPROCESSOR_CONFIG_FILE)
    if flat is not None:
        return read_json(flat, what=Text("preprocessing configuration")), flat
    return None


class Preprocessor:
    """Base class of image processors and feature extractors.

    A subclass sets `section` (its key inside processor_config.json), `type_key` (the key naming its class)
    and `model_input_names`, and declares its settings as keyword arguments of `__init__`, calling
    `super().__init__(**kwargs)` with the rest so unknown keys are kept.
    """

    section: ClassVar[str] = ""
    type_key: ClassVar[str] = ""
    model_input_names: ClassVar[list[str]] = []

    def __init__(self, **kwargs: Any) -> None:
        # Keys describing the file, not the preprocessing.
        for key in ("image_processor_type", "feature_extractor_type", "processor_class", "_processor_class"):
            kwargs.pop(key, None)
        self.extra = kwargs  # unknown keys, written back by save_pretrained

    # -- reading ------------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls: type[P], settings: dict[str, Any], **overrides: Any) -> P:
        merged = {**copy.deepcopy(settings), **overrides}
        return cls(**merged)

    @classmethod
    def from_checkpoint(cls: type[P], checkpoint: Checkpoint, **overrides: Any) -> P:
        found = read_preprocessor_dict(checkpoint, cls.section)
        if found is None:
            raise ConfigError(
                "{source} has neither {preprocessor_file} nor {processor_file} "
                "(it contains: {present}), so its {preprocessor_class} settings are unknown.",
                source=checkpoint.describe(), preprocessor_file=PREPROCESSOR_CONFIG_FILE,
                processor_file=PROCESSOR_CONFIG_FILE, present=checkpoint.contents(),
                preprocessor_class=cls.__name__, repo_id=checkpoint.name_or_path,
            )
        settings, path = found
        try:
            return cls.from_dict(settings, **overrides)
        except (TypeError, ValueError) as err:
            # The problem is the error's own sentence (translated) when autotutor raised it, else Python's words.
            problem = err.text if isinstance(err, AutotutorError) else str(err)
            raise ConfigError("{path}: {problem}", path=path, problem=problem) from err

    @classmethod
    def from_pretrained(cls: type[P], name_or_path: str | os.PathLike | Checkpoint, **kwargs: Any) -> P:
        """Read the preprocessing settings of a folder or Hub id; keyword arguments override them."""
        return cls.from_checkpoint(open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs)), **kwargs)

    # -- writing ------------------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The subclass's own settings (the keyword arguments of its __init__)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out = {**self.extra, **self.settings(), self.type_key: type(self).__name__}
        return dict(sorted(out.items()))

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save_pretrained(self, save_directory: str | os.PathLike) -> list[str]:
        """Write preprocessor_config.json (the form both libraries read); returns `[its path]`, as transformers."""
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / PREPROCESSOR_CONFIG_FILE
        path.write_text(self.to_json_string(), encoding="utf-8")
        return [str(path)]

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"
