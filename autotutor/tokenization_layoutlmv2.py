"""LayoutLMv2's tokenizer: BERT's WordPiece over words that each come with a box on the page.

A document model reads words already split (by OCR, or by the dataset) and one box per word, on a 0–1000
scale. The tokenizer cuts each word into word pieces as BERT does and gives every piece its word's box:

    words  ["Invoice",        "12345"]                     boxes [[23,104,176,192], [410,104,560,192]]
    tokens [CLS] in ##vo ##ice 123 ##45 [SEP]
    bbox   [0,0,0,0] [23,104,176,192] ×3 [410,104,560,192] ×2 [1000,1000,1000,1000]

[CLS] gets `cls_token_box`, [SEP] `sep_token_box`, padding `pad_token_box`. For question answering the call
takes a question as `text` and the words as `text_pair`; the question's tokens get `pad_token_box` (they are
not on the page). With `word_labels` (one class per word, e.g. FUNSD's "question"/"answer"), only a word's first
piece carries the label and the others get -100, which the loss ignores.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from tokenizers import Encoding

from .batch_encoding import BatchEncoding
from .checkpoint import Checkpoint, read_json
from .constants import TOKENIZER_CONFIG_FILE
from .errors import TokenizerError
from .i18n import Text
from .tokenization import to_tensor
from .tokenization_bert import BertTokenizer

__all__ = ["LayoutLMv2Tokenizer"]

# Box settings a LayoutLMv2 tokenizer_config.json holds, with the values used when it does not.
_BOX_DEFAULTS: dict[str, Any] = {
    "cls_token_box": [0, 0, 0, 0],
    "sep_token_box": [1000, 1000, 1000, 1000],
    "pad_token_box": [0, 0, 0, 0],
    "pad_token_label": -100,
    "only_label_first_subword": True,
}
# transformers' LayoutLMv2Tokenizer assumes this when tokenizer_config.json has no model_max_length.
_DEFAULT_MODEL_MAX_LENGTH = 512


class LayoutLMv2Tokenizer(BertTokenizer):
    """BERT's tokenizer for pre-split words with boxes; its call also returns `bbox` (and `labels`).

    Example:
        >>> tok = LayoutLMv2Tokenizer.from_pretrained("microsoft/layoutlmv2-base-uncased")  # doctest: +SKIP
        >>> enc = tok(["hello", "world"], boxes=[[1, 2, 3, 4], [5, 6, 7, 8]])  # doctest: +SKIP
        >>> enc.input_ids, enc.bbox  # doctest: +SKIP
        ([101, 7592, 2088, 102], [[0, 0, 0, 0], [1, 2, 3, 4], [5, 6, 7, 8], [1000, 1000, 1000, 1000]])
    """

    pipeline_options: ClassVar[tuple[str, ...]] = (*BertTokenizer.pipeline_options, *_BOX_DEFAULTS)

    cls_token_box: list[int] = _BOX_DEFAULTS["cls_token_box"]
    sep_token_box: list[int] = _BOX_DEFAULTS["sep_token_box"]
    pad_token_box: list[int] = _BOX_DEFAULTS["pad_token_box"]
    pad_token_label: int = _BOX_DEFAULTS["pad_token_label"]
    only_label_first_subword: bool = _BOX_DEFAULTS["only_label_first_subword"]

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> LayoutLMv2Tokenizer:
        tokenizer = super().from_checkpoint(checkpoint, **kwargs)
        config_file = checkpoint.get(TOKENIZER_CONFIG_FILE)
        settings = read_json(config_file, what=Text("tokenizer config")) if config_file is not None else {}
        settings.update(kwargs)
        for key, default in _BOX_DEFAULTS.items():
            setattr(tokenizer, key, settings.get(key, default))
        if settings.get("model_max_length") is None:
            tokenizer.model_max_length = _DEFAULT_MODEL_MAX_LENGTH
        return tokenizer

    def _pipeline_settings(self) -> dict[str, Any]:
        return {**super()._pipeline_settings(), **{key: getattr(self, key) for key in _BOX_DEFAULTS}}

    # -- words and boxes → ids and boxes ----------------------------------------------------------------------
    def __call__(  # type: ignore[override]  (boxes and word_labels come after text and text_pair)
        self,
        text: str | list[str] | list[list[str]],
        text_pair: list[str] | list[list[str]] | None = None,
        boxes: list[list[int]] | list[list[list[int]]] | None = None,
        word_labels: list[int] | list[list[int]] | None = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
    ) -> BatchEncoding:
        """Tokenize words with their boxes: one document (a list of words) or a batch (a list of lists).

        `text` is the words, or, with `text_pair`, a question (a string; a list of strings for a batch) and
        `text_pair` the words. `boxes` gives one [x0, y0, x1, y1] per word on the 0–1000 scale. The other options
        work as for BERT's tokenizer; `return_tensors="pt"` gives `bbox` as an int64 tensor (B, T, 4).
        """
        batched, questions, words, boxes, word_labels = _check_inputs(text, text_pair, boxes, word_labels)
        # LayoutLMv2 always encodes pre-split words; a question is split on whitespace, as transformers does.
        first = [q.split() for q in questions] if questions is not None else words
        second = words if questions is not None else None
        encoded = super().__call__(
            first, second, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
            max_length=max_length, pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
            return_token_type_ids=return_token_type_ids, return_attention_mask=return_attention_mask,
            return_special_tokens_mask=return_special_tokens_mask, return_offsets_mapping=return_offsets_mapping,
            return_length=return_length, is_split_into_words=True,
        )
        encodings = encoded.encodings
        is_pair = questions is not None
        data = dict(encoded.data)
        data["bbox"] = [self._token_boxes(e, doc_boxes, is_pair) for e, doc_boxes in zip(encodings, boxes)]
        if word_labels is not None:
            data["labels"] = [self._token_labels(e, labels, is_pair) for e, labels in zip(encodings, word_labels)]

        if return_tensors is not None:
            data = {key: to_tensor(key, value, return_tensors) for key, value in data.items()}
        elif not batched:  # one document in, flat lists out
            data = {key: value[0] if isinstance(value[0], list) else value for key, value in data.items()}
        return BatchEncoding(data, encodings)

    def _token_boxes(self, encoding: Encoding, boxes: list[list[int]], is_pair: bool) -> list[list[int]]:
        """One box per token: its word's box, or the box of its special token."""
        special = {self.cls_token_id: self.cls_token_box, self.sep_token_id: self.sep_token_box,
                   self.pad_token_id: self.pad_token_box}
        out = []
        for token_id, sequence, word in zip(encoding.ids, encoding.sequence_ids, encoding.word_ids):
            if word is None:  # [CLS], [SEP] or padding
                if token_id not in special:
                    raise TokenizerError("Token id {token_id} has no word and is not [CLS], [SEP] or [PAD].",
                                         token_id=token_id)
                out.append(special[token_id])
            elif is_pair and sequence == 0:  # a question word: not on the page
                out.append(self.pad_token_box)
            else:
                out.append(boxes[word])
        return out

    def _token_labels(self, encoding: Encoding, labels: list[int], is_pair: bool) -> list[int]:
        """One label per token: the word's label on its first piece (offset 0 inside the word), else -100."""
        out = []
        for (start, _), sequence, word in zip(encoding.offsets, encoding.sequence_ids, encoding.word_ids):
            if word is None or (is_pair and sequence == 0):
                out.append(self.pad_token_label)
            elif start == 0 or not self.only_label_first_subword:
                out.append(labels[word])
            else:
                out.append(self.pad_token_label)
        return out

    def tokenize(self, text: str, pair: str | None = None, *, add_special_tokens: bool = False) -> list[str]:
        """The word pieces of a plain string (no boxes needed): "invoice" → ["in", "##vo", "##ice"]."""
        return super().__call__(text, pair, add_special_tokens=add_special_tokens).tokens()

    def encode(  # type: ignore[override]
        self, text: Any, text_pair: Any = None, boxes: Any = None, **kwargs: Any
    ) -> Any:
        """Only the input ids of `self(text, text_pair, boxes, ...)`."""
        return self(text, text_pair, boxes, **kwargs)["input_ids"]


# ---------------------------------------------------------------------------------------------------------------
# Checking what the caller passed
# ---------------------------------------------------------------------------------------------------------------
# A whole sentence, given to the errors below as their field {hint}.
_WORDS_HINT = Text(
    "LayoutLMv2 reads words already split, each with its box: tokenizer(['Invoice', '12345'], "
    "boxes=[[23, 104, 176, 192], [410, 104, 560, 192]]), or a batch of such lists."
)


def _is_words(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value)


def _check_inputs(
    text: Any, text_pair: Any, boxes: Any, word_labels: Any
) -> tuple[bool, list[str] | None, list[list[str]], list[list[list[int]]], list[list[int]] | None]:
    """Validate and shape the inputs as batches: (batched, questions or None, words, boxes, labels or None)."""
    if text_pair is not None:  # text = question(s), text_pair = words
        if isinstance(text, str):
            batched, questions, words = False, [text], [text_pair]
        elif isinstance(text, (list, tuple)) and all(isinstance(q, str) for q in text):
            batched, questions, words = True, list(text), text_pair
            if not isinstance(words, (list, tuple)) or len(words) != len(questions):
                raise TokenizerError(
                    "For a batch of {count} questions, text_pair should hold {count} lists of "
                    "words, one per question; got {got_type} of length {got_length}.",
                    count=len(questions), got_type=type(text_pair).__name__, got_length=len(text_pair),
                    key="text_pair",
                )
        else:
            raise TokenizerError(
                "With text_pair (the words), text should be a question (a string) or a list of questions; got "
                "{got_type}: {value!r:.80}.",
                got_type=type(text).__name__, key="text", value=text,
            )
    else:
        questions = None
        if isinstance(text, str):
            raise TokenizerError("text is one string ({value!r:.60}). {hint} For a string, use text.split().",
                                 hint=_WORDS_HINT, key="text", value=text)
        if not isinstance(text, (list, tuple)):
            raise TokenizerError("text should be a list of words; got {got_type}. {hint}",
                                 got_type=type(text).__name__, hint=_WORDS_HINT, key="text", value=text)
        batched = len(text) > 0 and isinstance(text[0], (list, tuple))
        words = text if batched else [text]
    for index, example in enumerate(words):
        if not _is_words(example):
            if batched:
                raise TokenizerError(
                    "The words (document {index} of the batch) should be a list of strings; got {value!r:.80}. {hint}",
                    index=index, hint=_WORDS_HINT, key="text", value=example,
                )
            raise TokenizerError("The words should be a list of strings; got {value!r:.80}. {hint}",
                                 hint=_WORDS_HINT, key="text", value=example)
    if not words:
        raise TokenizerError("The batch is empty: there are no documents to tokenize. {hint}", hint=_WORDS_HINT)

    if boxes is None:
        raise TokenizerError("boxes is missing: every word needs its box. {hint}", hint=_WORDS_HINT, key="boxes")
    boxes = [boxes] if not batched else boxes
    if len(boxes) != len(words):
        raise TokenizerError(
            "There are {documents} documents of words but {box_lists} of boxes; give one list each.",
            documents=len(words), box_lists=len(boxes), key="boxes",
        )
    boxes = [_check_boxes(doc_boxes, doc_words, index if batched else None)
             for index, (doc_words, doc_boxes) in enumerate(zip(words, boxes))]

    if word_labels is not None:
        word_labels = [word_labels] if not batched else word_labels
        if len(word_labels) != len(words) or any(
            not isinstance(labels, (list, tuple)) or len(labels) != len(doc) for labels, doc in zip(word_labels, words)
        ):
            raise TokenizerError(
                "word_labels should hold one integer label per word ({word_counts} words); got {value!r:.120}.",
                word_counts=[len(doc) for doc in words], key="word_labels", value=word_labels,
            )
    return batched, questions, [list(doc) for doc in words], boxes, word_labels


def _check_boxes(boxes: Any, words: list[str], index: int | None) -> list[list[int]]:
    """One [x0, y0, x1, y1] per word, each coordinate in 0–1000 (the range the model's embeddings cover)."""
    # Each error has two sentences: one for a single document, one naming the document of a batch.
    if not isinstance(boxes, (list, tuple)) or len(boxes) != len(words):
        count = len(boxes) if isinstance(boxes, (list, tuple)) else type(boxes).__name__
        if index is None:
            raise TokenizerError("The {n_words} words need {n_words} boxes, one per word; got {got}.",
                                 n_words=len(words), got=count, key="boxes")
        raise TokenizerError("The {n_words} words of document {index} need {n_words} boxes, one per word; got {got}.",
                             n_words=len(words), index=index, got=count, key="boxes")
    if not boxes:
        return []
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.zeros(0)
    if array.shape != (len(words), 4):
        if index is None:
            raise TokenizerError("Each box should be 4 numbers [x0, y0, x1, y1]; got {value!r:.120}.",
                                 key="boxes", value=boxes)
        raise TokenizerError("Each box of document {index} should be 4 numbers [x0, y0, x1, y1]; got {value!r:.120}.",
                             index=index, key="boxes", value=boxes)
    if array.min() < 0 or array.max() > 1000:
        bad = int(np.argmax((array < 0).any(axis=1) | (array > 1000).any(axis=1)))
        if index is None:
            raise TokenizerError(
                "The box of word {word_index} ({word!r}) is {box}: coordinates must be on the "
                "0–1000 scale. Normalize pixel boxes with autotutor.ocr.normalize_box(box, width, height).",
                word_index=bad, word=words[bad], box=list(boxes[bad]), key="boxes", value=list(boxes[bad]),
            )
        raise TokenizerError(
            "The box of word {word_index} ({word!r}) of document {index} is {box}: coordinates must be on the "
            "0–1000 scale. Normalize pixel boxes with autotutor.ocr.normalize_box(box, width, height).",
            word_index=bad, word=words[bad], index=index, box=list(boxes[bad]), key="boxes", value=list(boxes[bad]),
        )
    return [list(box) for box in boxes]
