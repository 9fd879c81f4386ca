"""BERT's tokenizer (WordPiece) and DistilBERT's, which is the same without segment ids.

The pipeline comes from `tokenizer.json` when the checkpoint has one; older checkpoints have only `vocab.txt`,
from which the pipeline transformers' converter would build is rebuilt here, step by step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece

from .checkpoint import Checkpoint
from .constants import TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, VOCAB_FILE
from .errors import TokenizerError
from .i18n import Text
from .tokenization import PreTrainedTokenizer
from .tokenizer_files import missing_files_error, read_tokenizer_json, token_text

__all__ = ["BertTokenizer", "DistilBertTokenizer"]


class BertTokenizer(PreTrainedTokenizer):
    """BERT's WordPiece tokenizer: lowercase (uncased models), split on spaces and punctuation, then subwords.

    Its options in tokenizer_config.json: `do_lower_case`, `strip_accents` (None: strip when lowercasing),
    `tokenize_chinese_chars` (put spaces around CJK characters). When set there, they override the
    normalizer stored in tokenizer.json, as in transformers.

    Example:
        >>> tok = BertTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
        >>> tok.tokenize("a hobbit")  # doctest: +SKIP
        ['a', 'ho', '##bb', '##it']
    """

    model_input_names: ClassVar[list[str]] = ["input_ids", "token_type_ids", "attention_mask"]
    default_special_tokens: ClassVar[dict[str, str]] = {
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]",
    }
    pipeline_options: ClassVar[tuple[str, ...]] = ("do_lower_case", "strip_accents", "tokenize_chinese_chars")
    # tokenizer_config.json key → the BertNormalizer attribute it sets.
    _NORMALIZER_FIELDS: ClassVar[dict[str, str]] = {
        "do_lower_case": "lowercase", "strip_accents": "strip_accents", "tokenize_chinese_chars": "handle_chinese_chars",
    }

    @classmethod
    def _load_backend(cls, checkpoint: Checkpoint, settings: dict[str, Any]) -> Tokenizer:
        tokenizer_file = checkpoint.get(TOKENIZER_FILE)
        if tokenizer_file is not None:
            backend = read_tokenizer_json(tokenizer_file)
            normalizer = backend.normalizer
            if isinstance(normalizer, normalizers.BertNormalizer):
                # Options written in tokenizer_config.json win over the stored normalizer; options absent there
                # keep the stored value (transformers would reset them to the class defaults instead).
                for key, field in cls._NORMALIZER_FIELDS.items():
                    if key in settings:
                        setattr(normalizer, field, settings[key])
            return backend
        vocab_file = checkpoint.get(VOCAB_FILE)
        if vocab_file is None:
            raise missing_files_error(
                checkpoint, Text("{tokenizer_file} or {vocab_file}", tokenizer_file=TOKENIZER_FILE, vocab_file=VOCAB_FILE)
            )
        return cls._pipeline_from_vocab(vocab_file, settings)

    @classmethod
    def _pipeline_from_vocab(cls, vocab_file: Path, settings: dict[str, Any]) -> Tokenizer:
        """The pipeline transformers' converter builds for BERT, from a vocab.txt with one token per line."""
        try:
            vocab = WordPiece.read_file(str(vocab_file))
        except Exception as err:
            raise TokenizerError("{path} could not be read as a vocabulary (one token per line): {reason}.",
                                 path=vocab_file, reason=str(err)) from err
        special = {name: token_text(settings.get(name, default)) for name, default in cls.default_special_tokens.items()}
        for name in ("unk_token", "cls_token", "sep_token"):
            if special[name] not in vocab:
                raise TokenizerError(
                    "The {key} {value!r} is not in {path}. Set {key} in {config_file} "
                    "to a token the vocabulary has (BERT uses [UNK], [CLS] and [SEP]).",
                    key=name, value=special[name], path=vocab_file, config_file=TOKENIZER_CONFIG_FILE,
                )
        cls_token, sep_token = special["cls_token"], special["sep_token"]

        backend = Tokenizer(WordPiece(vocab, unk_token=special["unk_token"], continuing_subword_prefix="##",
                                      max_input_chars_per_word=100))
        backend.normalizer = normalizers.BertNormalizer(
            clean_text=True,
            handle_chinese_chars=settings.get("tokenize_chinese_chars", True),
            strip_accents=settings.get("strip_accents"),
            lowercase=settings.get("do_lower_case", True),
        )
        backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        # Segment ids ("type ids"): 0 for the first text and its [CLS]/[SEP], 1 for the second text.
        backend.post_processor = processors.TemplateProcessing(
            single=f"{cls_token}:0 $A:0 {sep_token}:0",
            pair=f"{cls_token}:0 $A:0 {sep_token}:0 $B:1 {sep_token}:1",
            special_tokens=[(cls_token, vocab[cls_token]), (sep_token, vocab[sep_token])],
        )
        backend.decoder = decoders.WordPiece(prefix="##")
        return backend

    def _pipeline_settings(self) -> dict[str, Any]:
        normalizer = self._tokenizer.normalizer
        if not isinstance(normalizer, normalizers.BertNormalizer):
            return {}
        return {key: getattr(normalizer, field) for key, field in self._NORMALIZER_FIELDS.items()}

    @property
    def do_lower_case(self) -> bool | None:
        """Whether the pipeline lowercases text (None if its normalizer is not BERT's)."""
        return self._pipeline_settings().get("do_lower_case")


class DistilBertTokenizer(BertTokenizer):
    """DistilBERT uses BERT's tokenizer but was trained without segment ids, so calls return no token_type_ids."""

    model_input_names: ClassVar[list[str]] = ["input_ids", "attention_mask"]
