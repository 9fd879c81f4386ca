"""Whisper's processor: audio → the encoder's `input_features`, text ↔ the decoder's token ids, in one object.

    audio (16 kHz) ──► WhisperFeatureExtractor ──► input_features (B, 80, 3000)
    text ────────────► WhisperTokenizer ─────────► input_ids, or `labels` when audio is given too (training)
    generated ids ───► WhisperTokenizer.decode ──► text

transformers 5 saves it as processor_config.json (`{"processor_class": "WhisperProcessor", "feature_extractor":
{...}}`) next to the tokenizer files; the Hub's openai/whisper-* checkpoints have the older
preprocessor_config.json (`"feature_extractor_type": "WhisperFeatureExtractor"`, `"processor_class":
"WhisperProcessor"`). Both load with `AutoProcessor.from_pretrained`.
"""

from __future__ import annotations

import inspect
from typing import Any

from .batch_encoding import BatchEncoding
from .checkpoint import Checkpoint
from .errors import ProcessorError
from .feature_extraction_whisper import WhisperFeatureExtractor
from .preprocessing import BatchFeature
from .processing import Processor
from .tokenization_whisper import WhisperTokenizer

__all__ = ["WhisperProcessor"]


def _keyword_options(function: Any) -> set[str]:
    return {name for name, p in inspect.signature(function).parameters.items()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"}


class WhisperProcessor(Processor):
    """A WhisperFeatureExtractor and a WhisperTokenizer, loaded and saved together.

    Example:
        >>> processor = AutoProcessor.from_pretrained("openai/whisper-base")  # doctest: +SKIP
        >>> inputs = processor(audio=clip, sampling_rate=16000, return_tensors="pt")  # doctest: +SKIP
        >>> inputs.input_features.shape  # doctest: +SKIP
        torch.Size([1, 80, 3000])
        >>> processor.batch_decode(model.generate(**inputs), skip_special_tokens=True)  # doctest: +SKIP
        [' The quick brown fox jumps over the lazy dog.']
    """

    first_part = "feature_extractor"
    feature_extractor_class = WhisperFeatureExtractor
    tokenizer_class = WhisperTokenizer

    def __init__(self, feature_extractor: WhisperFeatureExtractor, tokenizer: WhisperTokenizer) -> None:
        self._keep(feature_extractor, tokenizer)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> WhisperProcessor:
        """Build from an opened checkpoint. Feature extractor settings (`chunk_length=...`) go to it; the others
        (`language="fr"`, `task="translate"`) to the tokenizer."""
        audio_options = {name for name, p in inspect.signature(cls.feature_extractor_class).parameters.items()
                         if p.kind is p.KEYWORD_ONLY}
        for_audio = {key: kwargs.pop(key) for key in sorted(audio_options & set(kwargs))}
        feature_extractor = cls.feature_extractor_class.from_checkpoint(checkpoint, **for_audio)
        tokenizer = cls.tokenizer_class.from_checkpoint(checkpoint, **kwargs)
        return cls(feature_extractor, tokenizer)

    def __call__(self, audio: Any = None, *, sampling_rate: int | None = None, text: Any = None,
                 return_tensors: str | None = None, **options: Any) -> BatchFeature | BatchEncoding:
        """Audio → `input_features`; text → `input_ids`; both → `input_features` and `labels` (the text's ids).

        Other options go, as in transformers, to each part that has them: `padding=`, `truncation=`,
        `max_length=` and `return_attention_mask=` to both (samples for the audio, tokens for the text),
        `do_normalize=` to the feature extractor, `add_special_tokens=` to the tokenizer.
        """
        if audio is None and text is None:
            raise ProcessorError("WhisperProcessor needs audio=... (a 16 kHz clip or a list of clips), text=..., "
                                 "or both (for training: the text becomes the labels).")
        audio_options = _keyword_options(self.feature_extractor.__call__) - {"raw_speech", "sampling_rate",
                                                                             "return_tensors"}
        text_options = _keyword_options(self.tokenizer.__call__) - {"text", "text_pair", "return_tensors"}
        unknown = sorted(set(options) - audio_options - text_options)
        if unknown:
            raise ProcessorError(
                "WhisperProcessor got unknown option(s) {unknown}. Options of the feature extractor: "
                "{audio_options}; of the tokenizer: {text_options}.",
                unknown=", ".join(unknown), audio_options=", ".join(sorted(audio_options)),
                text_options=", ".join(sorted(text_options)), key="options", value=unknown,
            )
        if audio is not None:
            inputs = self.feature_extractor(
                audio, sampling_rate=sampling_rate, return_tensors=return_tensors,
                **{key: value for key, value in options.items() if key in audio_options},
            )
        if text is None:
            return inputs
        encodings = self.tokenizer(text, return_tensors=return_tensors,
                                   **{key: value for key, value in options.items() if key in text_options})
        if audio is None:
            return encodings
        inputs["labels"] = encodings["input_ids"]
        return inputs

    # -- the tokenizer's side ----------------------------------------------------------------------------------
    def decode(self, token_ids: Any, skip_special_tokens: bool = False, **kwargs: Any) -> str | list[str]:
        """The tokenizer's `decode`."""
        return self.tokenizer.decode(token_ids, skip_special_tokens, **kwargs)

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False, **kwargs: Any) -> list[str]:
        """The tokenizer's `batch_decode`: the generated ids of a batch → one text per clip."""
        return self.tokenizer.batch_decode(sequences, skip_special_tokens, **kwargs)

    def get_decoder_prompt_ids(self, task: str | None = None, language: str | None = None,
                               no_timestamps: bool = True) -> list[tuple[int, int]]:
        """The tokenizer's `get_decoder_prompt_ids`: (position, id) of the tokens to force when generating."""
        return self.tokenizer.get_decoder_prompt_ids(task=task, language=language, no_timestamps=no_timestamps)

    def get_prompt_ids(self, text: str, return_tensors: str | None = "np") -> Any:
        """The tokenizer's `get_prompt_ids`."""
        return self.tokenizer.get_prompt_ids(text, return_tensors=return_tensors)
