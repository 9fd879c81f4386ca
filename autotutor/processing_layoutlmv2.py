"""LayoutLMv2's processor: a page image (and words, or a question) → every input the document model reads.

    page image ──► LayoutLMv2ImageProcessor ──► image (B, 3, 224, 224) uint8, BGR
         │               └─ Tesseract OCR ────► words + boxes (0–1000)
         └───────────────────────────────────────────► LayoutLMv2Tokenizer ──► input_ids, bbox, token_type_ids,
                                                                                attention_mask
"""

from __future__ import annotations

from typing import Any, ClassVar

from .batch_encoding import BatchEncoding
from .errors import ProcessorError
from .i18n import Text
from .image_processing_layoutlmv2 import LayoutLMv2ImageProcessor
from .processing import Processor
from .tokenization_layoutlmv2 import LayoutLMv2Tokenizer

__all__ = ["LayoutLMv2Processor"]


class LayoutLMv2Processor(Processor):
    """Page image(s) → `input_ids`, `bbox`, `token_type_ids`, `attention_mask` and `image`.

    With `apply_ocr=True` (the checkpoint's default) the words and boxes come from Tesseract; a `text` is then
    a question about the page (document question answering). With `apply_ocr=False` the caller gives the words
    (`text`, or `text_pair` after a question) and their `boxes` on the 0–1000 scale, and optionally
    `word_labels` for token classification.

    Example:
        >>> processor = LayoutLMv2Processor.from_pretrained("microsoft/layoutlmv2-base-uncased")  # doctest: +SKIP
        >>> enc = processor(Image.open("invoice.png").convert("RGB"), return_tensors="pt")  # doctest: +SKIP
        >>> sorted(enc.keys())  # doctest: +SKIP
        ['attention_mask', 'bbox', 'image', 'input_ids', 'token_type_ids']
    """

    image_processor_class = LayoutLMv2ImageProcessor
    tokenizer_class = LayoutLMv2Tokenizer
    model_input_names: ClassVar[list[str]] = ["input_ids", "bbox", "token_type_ids", "attention_mask", "image"]

    def __call__(
        self,
        images: Any,
        text: str | list[str] | list[list[str]] | None = None,
        text_pair: list[str] | list[list[str]] | None = None,
        boxes: list[list[int]] | list[list[list[int]]] | None = None,
        word_labels: list[int] | list[list[int]] | None = None,
        *,
        return_tensors: str | None = None,
        **tokenizer_options: Any,
    ) -> BatchEncoding:
        """Tokenizer options (`padding=`, `truncation=`, `max_length=`, ...) are those of LayoutLMv2Tokenizer."""
        ocr = self.image_processor.apply_ocr
        if ocr:
            for name, value in (("boxes", boxes), ("word_labels", word_labels), ("text_pair", text_pair)):
                if value is not None:
                    raise ProcessorError(
                        "This processor runs OCR (apply_ocr=True), so the words and their boxes come from the image "
                        "and {key}= cannot be used. To give your own words, boxes and labels, load it with "
                        "apply_ocr=False: AutoProcessor.from_pretrained(name, apply_ocr=False).",
                        key=name,
                    )
        elif text is None or boxes is None:
            if text is None and boxes is None:
                missing = Text("the words (text=...) and their boxes (boxes=...)")
            elif text is None:
                missing = Text("the words (text=...)")
            else:
                missing = Text("their boxes (boxes=...)")
            raise ProcessorError(
                "This processor does not run OCR (apply_ocr=False), so it needs {missing}: "
                "processor(image, ['Invoice', '12345'], boxes=[[23, 104, 176, 192], [410, 104, 560, 192]]). "
                "Or load it with apply_ocr=True to read the words from the image with Tesseract.",
                missing=missing, key="text" if text is None else "boxes",
            )

        features = self.image_processor(images, return_tensors=return_tensors)
        n_images = len(features["pixel_values"])
        if ocr:
            words, boxes = features["words"], features["boxes"]
            if text is not None:  # a question (or one per image) about the OCR'd words
                questions = [text] if isinstance(text, str) else text
                _check_count(len(questions), n_images, questions=True)
                text, text_pair = questions, words
            else:
                text = words
        else:
            batched = isinstance(text, (list, tuple)) and (
                text_pair is not None or (len(text) > 0 and isinstance(text[0], (list, tuple))))
            _check_count(len(text) if batched else 1, n_images, questions=False)

        encoded = self.tokenizer(text, text_pair, boxes, word_labels, return_tensors=return_tensors,
                                 **tokenizer_options)
        encoded["image"] = features["pixel_values"]
        return encoded


def _check_count(count: int, n_images: int, *, questions: bool) -> None:
    """One question, or one document of words, per image (each case has its own sentence, translated whole)."""
    if count == n_images:
        return
    if questions:
        raise ProcessorError(
            "There are {n_images} image(s) but {count} questions; give one per image (a list for a batch).",
            n_images=n_images, count=count, key="text",
        )
    raise ProcessorError(
        "There are {n_images} image(s) but {count} documents of words; give one per image (a list for a batch).",
        n_images=n_images, count=count, key="text",
    )
