"""autotutor: how pretrained models are loaded, re-implemented readably.

    >>> from autotutor import AutoTokenizer, AutoModel
    >>> tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
    >>> model = AutoModel.from_pretrained("google-bert/bert-base-uncased")          # doctest: +SKIP

The same lines run with transformers. Read `autotutor/auto.py` first, then follow a call from there.
"""

from .auto import (
    AutoBackbone,
    AutoConfig,
    AutoFeatureExtractor,
    AutoImageProcessor,
    AutoModel,
    AutoModelForAudioClassification,
    AutoModelForImageClassification,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoProcessor,
    AutoTokenizer,
)
from .loading import LoadReport

__version__ = "0.1.0"

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
    "AutoModelForTokenClassification",
    "AutoProcessor",
    "AutoTokenizer",
    "LoadReport",
]
