"""The Auto classes: read the checkpoint's JSON, ask the registry which class fits, build that class.

They hold no logic of their own beyond that choice, which is the whole idea: `AutoModel` does not know
what BERT is; `config.json` says "model_type": "bert" and the registry answers `BertModel`.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from .configuration import PretrainedConfig, load_config_dict
from .constants import TOKENIZER_CONFIG_FILE
from .errors import RemoteCodeError, TokenizerError
from .files import Checkpoint, open_checkpoint, read_json
from .loading import PreTrainedModel
from .registry import REGISTRY, Architecture, architecture_for
from .tokenization import TOKENIZER_CLASSES, PreTrainedTokenizer

__all__ = [
    "AutoConfig",
    "AutoModel",
    "AutoModelForMaskedLM",
    "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification",
    "AutoTokenizer",
]

_HUB_OPTIONS = ("revision", "subfolder", "cache_dir", "local_files_only", "token")


def _split_hub_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: kwargs[k] for k in _HUB_OPTIONS if k in kwargs}


def _refuse_remote_code(kwargs: dict[str, Any]) -> None:
    if kwargs.pop("trust_remote_code", False):
        raise RemoteCodeError(
            "trust_remote_code=True is not supported: autotutor never runs Python code shipped with a "
            "checkpoint. It loads only the architectures it implements itself."
        )


def _architecture(config_dict: dict[str, Any], checkpoint: Checkpoint) -> Architecture:
    """The registry entry for this config; custom code (`auto_map`) is explained, never run."""
    model_type = config_dict.get("model_type")
    if "auto_map" in config_dict and model_type not in REGISTRY:
        code = sorted({str(v).split(".")[0] + ".py" for v in config_dict["auto_map"].values() if isinstance(v, str)})
        raise RemoteCodeError(
            f"{checkpoint.describe()} asks to run its own Python code ({', '.join(code) or 'auto_map'}) to build "
            f"a '{model_type}' model. autotutor never executes code that comes with a checkpoint: it could do "
            f"anything on your machine. Supported architectures: {', '.join(sorted(REGISTRY))}."
        )
    return architecture_for(model_type, source=checkpoint.describe())


class AutoConfig:
    """`AutoConfig.from_pretrained(name)` → the config class its `model_type` names.

    Example:
        >>> from autotutor import AutoConfig
        >>> AutoConfig.for_model("bert", num_hidden_layers=2).num_hidden_layers
        2
    """

    def __init__(self) -> None:
        raise TypeError("Use AutoConfig.from_pretrained(name_or_path) or AutoConfig.for_model(model_type).")

    @staticmethod
    def for_model(model_type: str, **kwargs: Any) -> PretrainedConfig:
        return architecture_for(model_type, source=f"model_type={model_type!r}").config(**kwargs)

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any) -> PretrainedConfig:
        _refuse_remote_code(kwargs)
        checkpoint = open_checkpoint(name_or_path, **_split_hub_options(kwargs))
        for key in _HUB_OPTIONS:
            kwargs.pop(key, None)
        config_dict = load_config_dict(checkpoint)
        config_cls = _architecture(config_dict, checkpoint).config
        config = config_cls.from_dict(config_dict)
        for key, value in kwargs.items():
            if not hasattr(config, key):
                # transformers drops such keys silently; a typo here would otherwise go unnoticed.
                raise TypeError(f"AutoConfig.from_pretrained() got {key!r}, which is not a key of {config_cls.__name__}.")
            setattr(config, key, value)
        config.name_or_path = os.fspath(name_or_path)
        return config


class _AutoModelBase:
    task: ClassVar[str] = "base"

    def __init__(self) -> None:
        raise TypeError(f"Use {type(self).__name__}.from_pretrained(name_or_path) or .from_config(config).")

    @classmethod
    def model_class(cls, config_dict: dict[str, Any], checkpoint: Checkpoint) -> type[PreTrainedModel]:
        """Which class `from_pretrained` would build for this checkpoint (the lessons show this choice)."""
        return _architecture(config_dict, checkpoint).model_for(cls.task, source=checkpoint.describe())

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> PreTrainedModel:
        """Load a checkpoint into the architecture its config.json names, with this class's task head.

        Takes the same keyword arguments as `PreTrainedModel.from_pretrained`.
        """
        _refuse_remote_code(kwargs)
        checkpoint = open_checkpoint(name_or_path, **_split_hub_options(kwargs))
        config = kwargs.pop("config", None)
        if config is None:
            config_dict = load_config_dict(checkpoint)
            model_cls = cls.model_class(config_dict, checkpoint)
            config = model_cls.config_class.from_dict(config_dict)
        else:
            model_cls = cls.model_class(config.to_dict(), checkpoint)
        for key in _HUB_OPTIONS:  # already used to resolve `checkpoint`
            kwargs.pop(key, None)
        return model_cls.from_pretrained(checkpoint, config=config, **kwargs)

    @classmethod
    def from_config(cls, config: PretrainedConfig) -> PreTrainedModel:
        """A randomly initialised model of the architecture `config` describes (no weights are read)."""
        arch = architecture_for(config.model_type, source=f"{type(config).__name__}")
        return arch.model_for(cls.task, source=type(config).__name__).from_config(config)


class AutoModel(_AutoModelBase):
    """The bare model: hidden states, no task head."""

    task = "base"


class AutoModelForSequenceClassification(_AutoModelBase):
    """A model with one label per sequence (sentiment, topic, ...)."""

    task = "sequence-classification"


class AutoModelForTokenClassification(_AutoModelBase):
    """A model with one label per token (named entities, ...)."""

    task = "token-classification"


class AutoModelForMaskedLM(_AutoModelBase):
    """A model that fills in [MASK] tokens."""

    task = "masked-lm"


class AutoTokenizer:
    """`AutoTokenizer.from_pretrained(name)` → the tokenizer the checkpoint was trained with.

    The class comes from `tokenizer_config.json`'s `tokenizer_class`, else from config.json's `model_type`.
    """

    def __init__(self) -> None:
        raise TypeError("Use AutoTokenizer.from_pretrained(name_or_path).")

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any) -> PreTrainedTokenizer:
        _refuse_remote_code(kwargs)
        checkpoint = open_checkpoint(name_or_path, **_split_hub_options(kwargs))
        tokenizer_cls = _tokenizer_class(checkpoint)
        for key in _HUB_OPTIONS:
            kwargs.pop(key, None)
        return tokenizer_cls.from_checkpoint(checkpoint, **kwargs)


def _tokenizer_class(checkpoint: Checkpoint) -> type[PreTrainedTokenizer]:
    config_path = checkpoint.get(TOKENIZER_CONFIG_FILE)
    if config_path is not None:
        name = read_json(config_path, what="tokenizer configuration").get("tokenizer_class")
        if name is not None:
            if name not in TOKENIZER_CLASSES:
                raise TokenizerError(
                    f"{config_path} asks for tokenizer_class '{name}'; autotutor has "
                    f"{', '.join(sorted(TOKENIZER_CLASSES))}."
                )
            return TOKENIZER_CLASSES[name]
    config_dict = load_config_dict(checkpoint)
    arch = _architecture(config_dict, checkpoint)
    if arch.tokenizer is None:
        raise TokenizerError(f"{checkpoint.describe()} is a '{config_dict.get('model_type')}' checkpoint, which has no tokenizer.")
    return arch.tokenizer
