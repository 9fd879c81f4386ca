"""autotutor: how pretrained models are loaded, re-implemented readably.

    >>> from autotutor import AutoTokenizer, AutoModel
    >>> tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
    >>> model = AutoModel.from_pretrained("google-bert/bert-base-uncased")          # doctest: +SKIP

The same lines run with transformers, and so do the concrete classes a transformers user imports
(`from autotutor import BertConfig, BertModel, BertTokenizer`). Read `autotutor/auto.py` first, then follow a
call from there.
"""

from .auto import (
    AutoBackbone,
    AutoConfig,
    AutoFeatureExtractor,
    AutoImageProcessor,
    AutoModel,
    AutoModelForAudioClassification,
    AutoModelForCausalLM,
    AutoModelForImageClassification,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForSpeechSeq2Seq,
    AutoModelForTokenClassification,
    AutoProcessor,
    AutoTokenizer,
)
from .batch_encoding import BatchEncoding
from .configuration import PretrainedConfig
from .feature_extraction import Wav2Vec2FeatureExtractor
from .feature_extraction_whisper import WhisperFeatureExtractor
from .generation import GenerationConfig, GenerationMixin, TextStreamer
from .image_processing import ViTImageProcessor
from .image_processing_layoutlmv2 import LayoutLMv2ImageProcessor
from .modeling import PreTrainedModel
from .models.bert import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
)
from .models.distilbert import (
    DistilBertConfig,
    DistilBertForMaskedLM,
    DistilBertForSequenceClassification,
    DistilBertForTokenClassification,
    DistilBertModel,
)
from .models.gpt2 import GPT2Config, GPT2LMHeadModel, GPT2Model
from .models.layoutlmv2 import LayoutLMv2Config
from .models.llama import LlamaConfig, LlamaForCausalLM, LlamaModel
from .models.qwen2 import Qwen2Config, Qwen2ForCausalLM, Qwen2Model
from .models.swin import SwinBackbone, SwinConfig, SwinForImageClassification, SwinModel
from .models.vit import ViTConfig, ViTForImageClassification, ViTModel
from .models.wav2vec2 import Wav2Vec2Config, Wav2Vec2ForSequenceClassification, Wav2Vec2Model
from .models.whisper import WhisperConfig, WhisperForConditionalGeneration, WhisperModel
from .processing_layoutlmv2 import LayoutLMv2Processor
from .processing_whisper import WhisperProcessor
from .report import LoadReport
from .tokenization import PreTrainedTokenizer
from .tokenization_bert import BertTokenizer, DistilBertTokenizer
from .tokenization_bpe import GPT2Tokenizer, LlamaTokenizer, Qwen2Tokenizer, TokenizersBackend
from .tokenization_layoutlmv2 import LayoutLMv2Tokenizer
from .tokenization_whisper import WhisperTokenizer

# Every autotutor tokenizer runs on the Rust `tokenizers` library, so, as in transformers 5, the "Fast" names
# are the same classes under a second name.
BertTokenizerFast = BertTokenizer
DistilBertTokenizerFast = DistilBertTokenizer
LayoutLMv2TokenizerFast = LayoutLMv2Tokenizer
PreTrainedTokenizerFast = PreTrainedTokenizer
GPT2TokenizerFast = GPT2Tokenizer
LlamaTokenizerFast = LlamaTokenizer
Qwen2TokenizerFast = Qwen2Tokenizer
WhisperTokenizerFast = WhisperTokenizer

__version__ = "0.1.0"

__all__ = [
    # the Auto classes
    "AutoBackbone",
    "AutoConfig",
    "AutoFeatureExtractor",
    "AutoImageProcessor",
    "AutoModel",
    "AutoModelForAudioClassification",
    "AutoModelForCausalLM",
    "AutoModelForImageClassification",
    "AutoModelForMaskedLM",
    "AutoModelForSequenceClassification",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForTokenClassification",
    "AutoProcessor",
    "AutoTokenizer",
    # the base classes and what loading returns
    "BatchEncoding",
    "GenerationConfig",
    "GenerationMixin",
    "LoadReport",
    "PreTrainedModel",
    "PreTrainedTokenizer",
    "PreTrainedTokenizerFast",
    "PretrainedConfig",
    "TextStreamer",
    # BERT
    "BertConfig",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertModel",
    "BertTokenizer",
    "BertTokenizerFast",
    # DistilBERT
    "DistilBertConfig",
    "DistilBertForMaskedLM",
    "DistilBertForSequenceClassification",
    "DistilBertForTokenClassification",
    "DistilBertModel",
    "DistilBertTokenizer",
    "DistilBertTokenizerFast",
    # the decoders that write text: GPT-2, Llama, Qwen2
    "GPT2Config",
    "GPT2LMHeadModel",
    "GPT2Model",
    "LlamaConfig",
    "LlamaForCausalLM",
    "LlamaModel",
    "Qwen2Config",
    "Qwen2ForCausalLM",
    "Qwen2Model",
    # ViT and Swin
    "SwinBackbone",
    "SwinConfig",
    "SwinForImageClassification",
    "SwinModel",
    "ViTConfig",
    "ViTForImageClassification",
    "ViTImageProcessor",
    "ViTModel",
    # wav2vec2
    "Wav2Vec2Config",
    "Wav2Vec2FeatureExtractor",
    "Wav2Vec2ForSequenceClassification",
    "Wav2Vec2Model",
    # LayoutLMv2 (its processor; the model needs detectron2)
    "LayoutLMv2Config",
    "LayoutLMv2ImageProcessor",
    "LayoutLMv2Processor",
    "LayoutLMv2Tokenizer",
    "LayoutLMv2TokenizerFast",
    # Byte-level BPE tokenizers of the causal models (chat templates: apply_chat_template)
    "TokenizersBackend",
    "GPT2Tokenizer",
    "GPT2TokenizerFast",
    "LlamaTokenizer",
    "LlamaTokenizerFast",
    "Qwen2Tokenizer",
    "Qwen2TokenizerFast",
    # Whisper: the model that writes what it hears, and its preprocessing (audio → log-mel features, text ↔ ids)
    "WhisperConfig",
    "WhisperForConditionalGeneration",
    "WhisperModel",
    "WhisperFeatureExtractor",
    "WhisperProcessor",
    "WhisperTokenizer",
    "WhisperTokenizerFast",
]
