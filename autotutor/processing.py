"""Processors: the preprocessing of a multimodal model, several steps behind one call.

A document model such as LayoutLMv2 needs three inputs that come from one page image: its pixels, and the
words and boxes the OCR reads, tokenized (`processing_layoutlmv2.py` shows the whole path). A checkpoint
stores a processor as processor_config.json (`{"processor_class": ..., "image_processor": {...}}`) next to
the tokenizer files; older checkpoints (microsoft/layoutlmv2-base-uncased on the Hub) have preprocessor_config.json instead
(`"feature_extractor_type": "LayoutLMv2FeatureExtractor"`). Both load.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any, ClassVar

from .checkpoint import Checkpoint, open_checkpoint, pop_checkpoint_options
from .constants import PROCESSOR_CONFIG_FILE
from .errors import ProcessorError, TokenizerError
from .preprocessing import Preprocessor
from .tokenization import PreTrainedTokenizer

__all__ = ["Processor"]


# ---------------------------------------------------------------------------------------------------------------
# What every processor shares: two preprocessors, loaded and saved together
# ---------------------------------------------------------------------------------------------------------------
class Processor:
    """A preprocessor (an image processor, or an audio feature extractor) and a tokenizer, loaded from (and saved
    to) one checkpoint folder.

    A subclass names the two classes and defines `__call__`; an audio one sets `first_part = "feature_extractor"`
    and names `feature_extractor_class`.
    """

    first_part: ClassVar[str] = "image_processor"  # the attribute that holds the part before the tokenizer
    image_processor_class: ClassVar[type[Preprocessor]]
    tokenizer_class: ClassVar[type[PreTrainedTokenizer]]

    def __init__(self, image_processor: Preprocessor, tokenizer: PreTrainedTokenizer) -> None:
        self._keep(image_processor, tokenizer)

    def _keep(self, first: Preprocessor, tokenizer: PreTrainedTokenizer) -> None:
        """Check that each part is of its class, then keep them as `self.<first_part>` and `self.tokenizer`."""
        for name, value, cls in ((self.first_part, first, getattr(self, f"{self.first_part}_class")),
                                 ("tokenizer", tokenizer, self.tokenizer_class)):
            if not isinstance(value, cls):
                raise ProcessorError(
                    "{processor_class} needs a {expected} as {argument}; got {got_type}.",
                    processor_class=type(self).__name__, expected=cls.__name__, argument=name,
                    got_type=type(value).__name__, key=name,
                )
        setattr(self, self.first_part, first)
        self.tokenizer = tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike | Checkpoint, **kwargs: Any) -> Processor:
        """Load both parts from a folder or Hub id. Options of the image processor (`apply_ocr=False`, ...)
        go to it; the others (`model_max_length=...`) go to the tokenizer."""
        return cls.from_checkpoint(open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs)), **kwargs)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> Processor:
        """Build from an opened checkpoint (AutoProcessor calls this)."""
        image_options = [name for name, p in inspect.signature(cls.image_processor_class).parameters.items()
                         if p.kind is p.KEYWORD_ONLY]
        for_images = {key: kwargs.pop(key) for key in image_options if key in kwargs}
        image_processor = cls.image_processor_class.from_checkpoint(checkpoint, **for_images)
        try:
            tokenizer = cls.tokenizer_class.from_checkpoint(checkpoint, **kwargs)
        except TokenizerError as err:
            if err.key != "options":  # only an option neither part knows is reported here
                raise
            raise ProcessorError(
                "{problem} Options of the image processor: {image_options}.",
                problem=err.text, image_options=", ".join(image_options), key=err.key, value=err.value,
            ) from err
        return cls(image_processor, tokenizer)

    def save_pretrained(self, save_directory: str | os.PathLike) -> list[str]:
        """Write processor_config.json (the first part nested inside, under its name) and the tokenizer's files.

        Returns `[processor_config.json's path]`, as transformers does (the tokenizer's files are not listed).
        """
        folder = Path(save_directory)
        self.tokenizer.save_pretrained(folder)
        content = {self.first_part: getattr(self, self.first_part).to_dict(), "processor_class": type(self).__name__}
        path = folder / PROCESSOR_CONFIG_FILE
        path.write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return [str(path)]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}:\n- {self.first_part}: {getattr(self, self.first_part)!r}\n"
                f"- tokenizer: {self.tokenizer!r}")
