"""Step 3: `config.json`'s `model_type` → the classes that implement it. One table, read top to bottom.

To add an architecture: write `models/<name>.py`, import its classes here and add one entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from .configuration import PretrainedConfig
from .errors import TokenizerError, UnknownModelTypeError, UnsupportedTaskError
from .feature_extraction import Wav2Vec2FeatureExtractor
from .feature_extraction_whisper import WhisperFeatureExtractor
from .i18n import Text
from .image_processing import ViTImageProcessor
from .image_processing_layoutlmv2 import LayoutLMv2ImageProcessor
from .modeling import PreTrainedModel
from .models import bert, distilbert, gpt2, layoutlmv2, llama, qwen2, swin, vit, wav2vec2, whisper
from .processing_layoutlmv2 import LayoutLMv2Processor
from .processing_whisper import WhisperProcessor
from .tokenization import PreTrainedTokenizer
from .tokenization_bert import BertTokenizer, DistilBertTokenizer
from .tokenization_bpe import GPT2Tokenizer, LlamaTokenizer, Qwen2Tokenizer, TokenizersBackend
from .tokenization_layoutlmv2 import LayoutLMv2Tokenizer
from .tokenization_whisper import WhisperTokenizer

__all__ = ["Architecture", "PREPROCESSORS", "REGISTRY", "TASKS", "TOKENIZERS", "architecture_for", "tokenizer_class_for"]


@dataclass(frozen=True)
class Architecture:
    config: type[PretrainedConfig]
    models: dict[str, type[PreTrainedModel]]  # task → class; "base" is the bare model without a head
    tokenizer: type[PreTrainedTokenizer] | None = None
    image_processor: type | None = None
    feature_extractor: type | None = None
    processor: type | None = None
    # Why there is no model at all, when that is a deliberate choice (said instead of "no such head").
    # A `Text`, so that it is translated with the error that gives it.
    no_model_because: Text | None = None

    def model_for(self, task: str, *, source: str | Text) -> type[PreTrainedModel]:
        if task in self.models:
            return self.models[task]
        if self.no_model_because:
            raise UnsupportedTaskError("{source}: {reason}", source=source, reason=self.no_model_because,
                                       key="task", value=task)
        have = ", ".join(TASKS[t] for t in self.models)
        raise UnsupportedTaskError(
            "{source} is a '{model_type}' checkpoint, and autotutor's "
            "{model_type} has no {value} head. Auto classes that work with it: {auto_classes}.",
            source=source, model_type=self.config.model_type, auto_classes=have,
            key="task", value=task,
        )


# The Auto class that asks for each task (used in messages).
TASKS = {
    "base": "AutoModel",
    "sequence-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "masked-lm": "AutoModelForMaskedLM",
    "causal-lm": "AutoModelForCausalLM",
    "image-classification": "AutoModelForImageClassification",
    "audio-classification": "AutoModelForAudioClassification",
    "speech-seq2seq": "AutoModelForSpeechSeq2Seq",
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
    "gpt2": Architecture(
        config=gpt2.GPT2Config,
        models={"base": gpt2.GPT2Model, "causal-lm": gpt2.GPT2LMHeadModel},
        tokenizer=GPT2Tokenizer,
    ),
    "llama": Architecture(
        config=llama.LlamaConfig,
        models={"base": llama.LlamaModel, "causal-lm": llama.LlamaForCausalLM},
        tokenizer=LlamaTokenizer,
    ),
    "qwen2": Architecture(
        config=qwen2.Qwen2Config,
        models={"base": qwen2.Qwen2Model, "causal-lm": qwen2.Qwen2ForCausalLM},
        tokenizer=Qwen2Tokenizer,
    ),
    "vit": Architecture(
        config=vit.ViTConfig,
        models={"base": vit.ViTModel, "image-classification": vit.ViTForImageClassification},
        image_processor=ViTImageProcessor,
    ),
    "swin": Architecture(
        config=swin.SwinConfig,
        models={
            "base": swin.SwinModel,
            "image-classification": swin.SwinForImageClassification,
            "backbone": swin.SwinBackbone,
        },
        image_processor=ViTImageProcessor,
    ),
    "wav2vec2": Architecture(
        config=wav2vec2.Wav2Vec2Config,
        models={"base": wav2vec2.Wav2Vec2Model, "audio-classification": wav2vec2.Wav2Vec2ForSequenceClassification},
        feature_extractor=Wav2Vec2FeatureExtractor,
    ),
    "whisper": Architecture(
        config=whisper.WhisperConfig,
        models={"base": whisper.WhisperModel, "speech-seq2seq": whisper.WhisperForConditionalGeneration},
        tokenizer=WhisperTokenizer,
        feature_extractor=WhisperFeatureExtractor,
        processor=WhisperProcessor,
    ),
    "layoutlmv2": Architecture(
        config=layoutlmv2.LayoutLMv2Config,
        models={},
        tokenizer=LayoutLMv2Tokenizer,
        image_processor=LayoutLMv2ImageProcessor,
        processor=LayoutLMv2Processor,
        no_model_because=Text(
            "the LayoutLMv2 model needs detectron2 (a large C++/CUDA vision library) for its visual backbone, "
            "which autotutor does not include; its processor (AutoProcessor) works fully."
        ),
    ),
}


# Class names found in preprocessor_config.json / processor_config.json ("image_processor_type",
# "feature_extractor_type", "processor_class") → autotutor's class. Old "...FeatureExtractor" names of image
# preprocessing map to the image processor that replaced them.
PREPROCESSORS: dict[str, type] = {
    "ViTImageProcessor": ViTImageProcessor,
    "ViTFeatureExtractor": ViTImageProcessor,
    "ViTImageProcessorFast": ViTImageProcessor,
    "ViTImageProcessorPil": ViTImageProcessor,
    "Wav2Vec2FeatureExtractor": Wav2Vec2FeatureExtractor,
    "LayoutLMv2Processor": LayoutLMv2Processor,
    "LayoutLMv2ImageProcessor": LayoutLMv2ImageProcessor,
    "LayoutLMv2ImageProcessorPil": LayoutLMv2ImageProcessor,
    "LayoutLMv2ImageProcessorFast": LayoutLMv2ImageProcessor,
    "LayoutLMv2FeatureExtractor": LayoutLMv2ImageProcessor,
    "WhisperFeatureExtractor": WhisperFeatureExtractor,
    "WhisperProcessor": WhisperProcessor,
}

# tokenizer_config.json's "tokenizer_class" → autotutor's class. Every one is a fast, Rust-backed tokenizer:
# the "...Fast" names transformers 4 wrote are, as in transformers 5, the same classes.
TOKENIZERS: dict[str, type[PreTrainedTokenizer]] = {
    "BertTokenizer": BertTokenizer,
    "BertTokenizerFast": BertTokenizer,
    "DistilBertTokenizer": DistilBertTokenizer,
    "DistilBertTokenizerFast": DistilBertTokenizer,
    "LayoutLMv2Tokenizer": LayoutLMv2Tokenizer,
    "LayoutLMv2TokenizerFast": LayoutLMv2Tokenizer,
    # Byte-level BPE (causal models). transformers 5 writes TokenizersBackend; PreTrainedTokenizerFast is its v4 name.
    "TokenizersBackend": TokenizersBackend,
    "PreTrainedTokenizerFast": TokenizersBackend,
    "GPT2Tokenizer": GPT2Tokenizer,
    "GPT2TokenizerFast": GPT2Tokenizer,
    "LlamaTokenizer": LlamaTokenizer,
    "LlamaTokenizerFast": LlamaTokenizer,
    "Qwen2Tokenizer": Qwen2Tokenizer,
    "Qwen2TokenizerFast": Qwen2Tokenizer,
    "WhisperTokenizer": WhisperTokenizer,
    "WhisperTokenizerFast": WhisperTokenizer,
}


def tokenizer_class_for(name: str) -> type[PreTrainedTokenizer]:
    """The class for a `tokenizer_class` name from tokenizer_config.json.

    Example:
        >>> tokenizer_class_for("BertTokenizerFast").__name__
        'BertTokenizer'
    """
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise TokenizerError(
            "tokenizer_class {value!r} is not one autotutor implements; known: {supported}. "
            "Remove the key from tokenizer_config.json to let the model type decide.",
            supported=", ".join(TOKENIZERS), key="tokenizer_class", value=name,
        ) from None


def architecture_for(model_type: str | None, *, source: str | Text) -> Architecture:
    """Look `model_type` up, with an error that lists what is supported."""
    supported = ", ".join(sorted(REGISTRY))
    if model_type is None:
        raise UnknownModelTypeError(
            "config.json of {source} has no 'model_type' key, so the architecture cannot be chosen. "
            "Add one of: {supported}.",
            source=source, supported=supported, key="model_type",
        )
    if model_type not in REGISTRY:
        raise UnknownModelTypeError(
            "{source} is a '{value}' checkpoint; autotutor implements: {supported}.",
            source=source, supported=supported, key="model_type", value=model_type,
        )
    return REGISTRY[model_type]
