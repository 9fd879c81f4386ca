"""Step 3: `config.json`'s `model_type` → the classes that implement it. One table, read top to bottom.

To add an architecture: write `models/<name>.py`, import its classes here and add one entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from .configuration import PretrainedConfig
from .errors import UnknownModelTypeError, UnsupportedTaskError
from .loading import PreTrainedModel
from .models import bert, distilbert
from .tokenization import BertTokenizer, DistilBertTokenizer, PreTrainedTokenizer

__all__ = ["Architecture", "PREPROCESSORS", "REGISTRY", "TASKS", "architecture_for"]


@dataclass(frozen=True)
class Architecture:
    config: type[PretrainedConfig]
    models: dict[str, type[PreTrainedModel]]  # task → class; "base" is the bare model without a head
    tokenizer: type[PreTrainedTokenizer] | None = None
    image_processor: type | None = None
    feature_extractor: type | None = None
    processor: type | None = None
    # Why there is no model at all, when that is a deliberate choice (said instead of "no such head").
    no_model_because: str | None = None

    def model_for(self, task: str, *, source: str) -> type[PreTrainedModel]:
        if task in self.models:
            return self.models[task]
        if self.no_model_because:
            raise UnsupportedTaskError(f"{source}: {self.no_model_because}")
        have = ", ".join(TASKS[t] for t in self.models)
        raise UnsupportedTaskError(
            f"{source} is a '{self.config.model_type}' checkpoint, and autotutor's "
            f"{self.config.model_type} has no {task} head. Auto classes that work with it: {have}."
        )


# The Auto class that asks for each task (used in messages).
TASKS = {
    "base": "AutoModel",
    "sequence-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "masked-lm": "AutoModelForMaskedLM",
    "image-classification": "AutoModelForImageClassification",
    "audio-classification": "AutoModelForAudioClassification",
    "backbone": "AutoBackbone",
}

REGISTRY: dict[str, Architecture] = {
    "bert": Architecture(
        config=bert.BertConfig,
        models={
            "base": bert.BertModel,
            "sequence-classification": bert.BertForSequenceClassification,
            "token-classification": bert.BertForTokenClassification,
            "masked-lm": bert.BertForMaskedLM,
        },
        tokenizer=BertTokenizer,
    ),
    "distilbert": Architecture(
        config=distilbert.DistilBertConfig,
        models={
            "base": distilbert.DistilBertModel,
            "sequence-classification": distilbert.DistilBertForSequenceClassification,
            "token-classification": distilbert.DistilBertForTokenClassification,
            "masked-lm": distilbert.DistilBertForMaskedLM,
        },
        tokenizer=DistilBertTokenizer,
    ),
}


# Class names found in preprocessor_config.json / processor_config.json ("image_processor_type",
# "feature_extractor_type", "processor_class") → autotutor's class. Old "...FeatureExtractor" names of image
# preprocessing map to the image processor that replaced them.
PREPROCESSORS: dict[str, type] = {
}


def architecture_for(model_type: str | None, *, source: str) -> Architecture:
    """Look `model_type` up, with an error that lists what is supported."""
    supported = ", ".join(sorted(REGISTRY))
    if model_type is None:
        raise UnknownModelTypeError(
            f"config.json of {source} has no 'model_type' key, so the architecture cannot be chosen. "
            f"Add one of: {supported}."
        )
    if model_type not in REGISTRY:
        raise UnknownModelTypeError(
            f"{source} is a '{model_type}' checkpoint; autotutor implements: {supported}."
        )
    return REGISTRY[model_type]
