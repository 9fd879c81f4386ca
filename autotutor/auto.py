"""The Auto classes: read the checkpoint's JSON, ask the registry which class fits, build that class.

They hold no logic of their own beyond that choice, which is the whole idea: `AutoModel` does not know
what BERT is; `config.json` says "model_type": "bert" and the registry answers `BertModel`.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from .checkpoint import Checkpoint, open_checkpoint, pop_checkpoint_options, read_json
from .configuration import PretrainedConfig, load_config_dict
from .constants import (
    PREPROCESSOR_CONFIG_FILE,
    PROCESSOR_CONFIG_FILE,
    TOKENIZER_CONFIG_FILE,
    TOKENIZER_FILE,
    VOCAB_FILE,
)
from .errors import ConfigError, RemoteCodeError, TokenizerError, UsageError
from .i18n import Text
from .modeling import PreTrainedModel
from .preprocessing import read_preprocessor_dict
from .registry import PREPROCESSORS, REGISTRY, TOKENIZERS, Architecture, architecture_for
from .tokenization import PreTrainedTokenizer

__all__ = [
    "AutoBackbone",
    "AutoConfig",
    "AutoFeatureExtractor",
    "AutoImageProcessor",
    "AutoModel",
    "AutoModelForAudioClassification",
    "AutoModelForImageClassification",
    "AutoModelForMaskedLM",
    "AutoModelForSequenceClassification",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForTokenClassification",
    "AutoProcessor",
    "AutoTokenizer",
]


def _architecture(config_dict: dict[str, Any], checkpoint: Checkpoint, *,
                  source: str | Text | None = None) -> Architecture:
    """The registry entry for this config; custom code (`auto_map`) is explained, never run.

    `source` is how an error names the checkpoint (by default, where its files are on this machine).
    """
    source = source or checkpoint.describe()
    model_type = config_dict.get("model_type")
    if "auto_map" in config_dict and model_type not in REGISTRY:
        code = sorted({str(v).split(".")[0] + ".py" for v in config_dict["auto_map"].values() if isinstance(v, str)})
        raise RemoteCodeError(
            "{source} asks to run its own Python code ({code}) to build "
            "a '{value}' model. autotutor never executes code that comes with a checkpoint: it could do "
            "anything on your machine. Supported architectures: {supported}.",
            source=source, code=", ".join(code) or "auto_map", supported=", ".join(sorted(REGISTRY)),
            repo_id=checkpoint.name_or_path, key="auto_map", value=model_type,
        )
    return architecture_for(model_type, source=source)


class AutoConfig:
    """`AutoConfig.from_pretrained(name)` → the config class its `model_type` names.

    Example:
        >>> from autotutor import AutoConfig
        >>> AutoConfig.for_model("bert", num_hidden_layers=2).num_hidden_layers
        2
    """

    def __init__(self) -> None:
        raise UsageError("Use AutoConfig.from_pretrained(name_or_path) or AutoConfig.for_model(model_type).")

    @staticmethod
    def for_model(model_type: str, **kwargs: Any) -> PretrainedConfig:
        return architecture_for(model_type, source=f"model_type={model_type!r}").config(**kwargs)

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any) -> PretrainedConfig:
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        config_dict = load_config_dict(checkpoint)
        config_cls = _architecture(config_dict, checkpoint).config
        config = config_cls.from_dict(config_dict)
        for key, value in kwargs.items():
            if not hasattr(config, key):
                # transformers drops such keys silently; a typo here would otherwise go unnoticed.
                raise UsageError("AutoConfig.from_pretrained() got {key!r}, which is not a key of {config_class}.",
                                 config_class=config_cls.__name__, key=key, value=value)
            setattr(config, key, value)
        config.name_or_path = os.fspath(name_or_path)
        return config


class _AutoModelBase:
    task: ClassVar[str] = "base"

    def __init__(self) -> None:
        raise UsageError("Use {auto_class}.from_pretrained(name_or_path) or .from_config(config).",
                         auto_class=type(self).__name__)

    @classmethod
    def model_class(cls, config_dict: dict[str, Any], checkpoint: Checkpoint, *,
                    source: str | Text | None = None) -> type[PreTrainedModel]:
        """Which class `from_pretrained` would build for this checkpoint (the lessons show this choice).

        `source` is how a refusal names the checkpoint; by default, where its files are on this machine.
        """
        source = source or checkpoint.describe()
        return _architecture(config_dict, checkpoint, source=source).model_for(cls.task, source=source)

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> PreTrainedModel:
        """Load a checkpoint into the architecture its config.json names, with this class's task head.

        Takes the same keyword arguments as `PreTrainedModel.from_pretrained`.
        """
        # 1. checkpoint: the name becomes files, once (the Hub options and the refusal of remote code are there)
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        # 2. configuration: config.json read once, or the caller's config (copied: theirs stays as it was)
        config = kwargs.pop("config", None)
        config_dict = config.to_dict() if config is not None else load_config_dict(checkpoint)
        # 3. registry: model_type and this class's task → the model class
        model_cls = cls.model_class(config_dict, checkpoint)
        # 4-6. that class builds itself, reads the weights and reports, from what is already open
        return model_cls._from_checkpoint(checkpoint, model_cls.config_class.from_dict(config_dict), **kwargs)

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


class AutoModelForCausalLM(_AutoModelBase):
    """A model that predicts the next token, and writes text with `generate()`."""

    task = "causal-lm"


class AutoModelForImageClassification(_AutoModelBase):
    """A model with one label per image."""

    task = "image-classification"


class AutoModelForAudioClassification(_AutoModelBase):
    """A model with one label per audio clip (speech emotion, keyword, ...)."""

    task = "audio-classification"


class AutoModelForSpeechSeq2Seq(_AutoModelBase):
    """A model that hears speech and writes text (Whisper): transcription and translation with `generate()`."""

    task = "speech-seq2seq"


class AutoBackbone(_AutoModelBase):
    """A model that returns feature maps from chosen stages (`out_indices` or `out_features`), for detection
    or segmentation heads built on top. Unlike transformers 5.23, it works from a folder and offline."""

    task = "backbone"


class AutoTokenizer:
    """`AutoTokenizer.from_pretrained(name)` → the tokenizer the checkpoint was trained with.

    The class comes from `tokenizer_config.json`'s `tokenizer_class`, else from config.json's `model_type`.
    """

    def __init__(self) -> None:
        raise UsageError("Use AutoTokenizer.from_pretrained(name_or_path).")

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any) -> PreTrainedTokenizer:
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        tokenizer_cls = _tokenizer_class(checkpoint)
        return tokenizer_cls.from_checkpoint(checkpoint, **kwargs)


def _tokenizer_class(checkpoint: Checkpoint) -> type[PreTrainedTokenizer]:
    config_path = checkpoint.get(TOKENIZER_CONFIG_FILE)
    if config_path is not None:
        name = read_json(config_path, what=Text("tokenizer configuration")).get("tokenizer_class")
        if name is not None:
            if name not in TOKENIZERS:
                raise TokenizerError(
                    "{path} asks for tokenizer_class '{value}'; autotutor has {supported}.",
                    supported=", ".join(sorted(TOKENIZERS)),
                    repo_id=checkpoint.name_or_path, path=config_path, key="tokenizer_class", value=name,
                )
            return TOKENIZERS[name]
    config_dict = load_config_dict(checkpoint)
    arch = _architecture(config_dict, checkpoint)
    if arch.tokenizer is None:
        raise TokenizerError("{source} is a '{model_type}' checkpoint, which has no tokenizer.",
                             source=checkpoint.describe(), model_type=config_dict.get("model_type"),
                             repo_id=checkpoint.name_or_path)
    return arch.tokenizer


# ---------------------------------------------------------------------------------------------------------------
# Preprocessing: images, audio, and processors that combine several
# ---------------------------------------------------------------------------------------------------------------
def _named_class(name: str, path: Any) -> type:
    if name not in PREPROCESSORS:
        raise ConfigError("{path} names the class '{value}'; autotutor has {supported}.",
                          supported=", ".join(sorted(PREPROCESSORS)), path=path, value=name)
    return PREPROCESSORS[name]


def _preprocessor_class(checkpoint: Checkpoint, section: str) -> type:
    """The class for `section` ("image_processor" / "feature_extractor"): named in the JSON, else by model_type."""
    found = read_preprocessor_dict(checkpoint, section)
    if found is not None:
        settings, path = found
        name = settings.get("image_processor_type") or settings.get("feature_extractor_type")
        if name:
            return _named_class(name, path)
    if checkpoint.get("config.json") is not None:
        arch = _architecture(load_config_dict(checkpoint), checkpoint)
        cls = getattr(arch, section)
        if cls is not None:
            return cls
    if section == "image_processor":
        raise ConfigError(
            "{source} has no image preprocessing settings ({preprocessor_config} or {processor_config}) "
            "that autotutor can use (it contains: {present}).",
            source=checkpoint.describe(), present=checkpoint.contents(), preprocessor_config=PREPROCESSOR_CONFIG_FILE,
            processor_config=PROCESSOR_CONFIG_FILE, repo_id=checkpoint.name_or_path,
        )
    raise ConfigError(
        "{source} has no feature extraction settings ({preprocessor_config} or {processor_config}) "
        "that autotutor can use (it contains: {present}).",
        source=checkpoint.describe(), present=checkpoint.contents(), preprocessor_config=PREPROCESSOR_CONFIG_FILE,
        processor_config=PROCESSOR_CONFIG_FILE, repo_id=checkpoint.name_or_path,
    )


class AutoImageProcessor:
    """`AutoImageProcessor.from_pretrained(name)` → the image processor the checkpoint's model expects.

    The class comes from `image_processor_type` (or the older `feature_extractor_type`) in
    preprocessor_config.json / processor_config.json, else from config.json's `model_type`.
    """

    def __init__(self) -> None:
        raise UsageError("Use AutoImageProcessor.from_pretrained(name_or_path).")

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any):
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        cls = _preprocessor_class(checkpoint, "image_processor")
        return cls.from_checkpoint(checkpoint, **kwargs)


class AutoFeatureExtractor:
    """`AutoFeatureExtractor.from_pretrained(name)` → the feature extractor (audio: raw samples → model inputs)."""

    def __init__(self) -> None:
        raise UsageError("Use AutoFeatureExtractor.from_pretrained(name_or_path).")

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any):
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        cls = _preprocessor_class(checkpoint, "feature_extractor")
        return cls.from_checkpoint(checkpoint, **kwargs)


class AutoProcessor:
    """`AutoProcessor.from_pretrained(name)` → everything that prepares the model's inputs.

    A multimodal checkpoint gets its processor (an image processor and a tokenizer together). A checkpoint
    with a single kind of preprocessing gets just that, as in transformers: its tokenizer, else its image
    processor, else its feature extractor.
    """

    def __init__(self) -> None:
        raise UsageError("Use AutoProcessor.from_pretrained(name_or_path).")

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs: Any):
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        options = kwargs  # what is left after the checkpoint options: the preprocessing's own
        cls = _processor_class(checkpoint)
        if cls is not None:
            return cls.from_checkpoint(checkpoint, **options)
        if checkpoint.get(TOKENIZER_FILE) is not None or checkpoint.get(VOCAB_FILE) is not None:
            return AutoTokenizer.from_pretrained(checkpoint, **options)
        for section in ("image_processor", "feature_extractor"):
            if read_preprocessor_dict(checkpoint, section) is not None:
                return _preprocessor_class(checkpoint, section).from_checkpoint(checkpoint, **options)
        raise ConfigError(
            "{source} has no preprocessing files (tokenizer, {preprocessor_config} or {processor_config}); "
            "it contains: {present}.",
            source=checkpoint.describe(), present=checkpoint.contents(), preprocessor_config=PREPROCESSOR_CONFIG_FILE,
            processor_config=PROCESSOR_CONFIG_FILE, repo_id=checkpoint.name_or_path,
        )


def _processor_class(checkpoint: Checkpoint) -> type | None:
    """A multimodal processor class, if the checkpoint names one or its model_type has one."""
    for filename in (PROCESSOR_CONFIG_FILE, PREPROCESSOR_CONFIG_FILE, TOKENIZER_CONFIG_FILE):
        path = checkpoint.get(filename)
        if path is not None:
            name = read_json(path).get("processor_class")
            if name:
                return _named_class(name, path)
    if checkpoint.get("config.json") is not None:
        return _architecture(load_config_dict(checkpoint), checkpoint).processor
    return None
