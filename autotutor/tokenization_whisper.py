"""Whisper's tokenizer: GPT-2's byte-level BPE, plus the special tokens that tell the decoder what to write.

The text part is ordinary byte-level BPE read from `tokenizer.json` (see `tokenization_bpe.py`). What makes
Whisper's tokenizer its own is the *prompt* in front of every transcript, the instructions the decoder is
trained to follow:

    <|startoftranscript|> <|fr|> <|transcribe|> <|notimestamps|>  Bonjour à tous. <|endoftext|>
    start                 language  task         no timestamps     the text        end

    language      one of 99 tokens, <|en|> … <|su|> (whisper-large-v3 adds <|yue|>)
    task          <|transcribe|> (write what is said) or <|translate|> (write it in English)
    timestamps    <|notimestamps|>, or timestamp tokens <|0.00|> … <|30.00|> around each segment when the
                  tokenizer has them and predict_timestamps=True
    others        <|startoflm|>, <|startofprev|> (text of the previous window, as a hint),
                  <|nospeech|> (older files: <|nocaptions|>)

Calling the tokenizer adds that prompt as transformers' WhisperTokenizer does: `<|startoftranscript|>`, then
the language and task set with `set_prefix_tokens` (or `language=` / `task=` in tokenizer_config.json or
`from_pretrained`), then `<|notimestamps|>` unless `predict_timestamps=True`, and `<|endoftext|>` at the end.
`add_special_tokens=False` gives the text's tokens only. For generation, `get_decoder_prompt_ids` gives the
tokens to force after `<|startoftranscript|>`.

Links: the paper, https://arxiv.org/abs/2212.04356 (figure 1: the multitask format); OpenAI's code,
https://github.com/openai/whisper/blob/main/whisper/tokenizer.py; transformers'
`models/whisper/tokenization_whisper.py`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
import torch
from tokenizers import Tokenizer, processors

from .batch_encoding import as_list
from .checkpoint import Checkpoint
from .errors import TokenizerError
from .tokenization_bpe import TokenizersBackend, _byte_level_steps
from .tokenizer_files import read_settings

__all__ = ["LANGUAGES", "TO_LANGUAGE_CODE", "WhisperTokenizer"]

_ENDOFTEXT = "<|endoftext|>"

# Language code → English name, in the order of the language tokens: <|en|> comes right after
# <|startoftranscript|>, then <|zh|>, ... (the order of OpenAI's tokenizer.py and transformers).
LANGUAGES: dict[str, str] = {
    "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian", "ko": "korean",
    "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
    "nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian", "id": "indonesian", "hi": "hindi",
    "fi": "finnish", "vi": "vietnamese", "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
    "cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
    "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
    "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak", "te": "telugu", "fa": "persian",
    "lv": "latvian", "bn": "bengali", "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
    "et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian",
    "ne": "nepali", "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
    "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer", "sn": "shona",
    "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
    "tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic", "yi": "yiddish", "lo": "lao",
    "uz": "uzbek", "fo": "faroese", "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
    "mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan", "tl": "tagalog",
    "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala", "ha": "hausa",
    "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
}

# English name (and a few other names) → code: language="french" works as well as language="fr".
TO_LANGUAGE_CODE: dict[str, str] = {
    **{name: code for code, name in LANGUAGES.items()},
    "burmese": "my", "valencian": "ca", "flemish": "nl", "haitian": "ht", "letzeburgesch": "lb", "pushto": "ps",
    "panjabi": "pa", "moldavian": "ro", "moldovan": "ro", "sinhalese": "si", "castilian": "es", "mandarin": "zh",
}

TASKS = ("translate", "transcribe")

# A timestamp token's text, e.g. "<|1.08|>": decode removes it from the text, as transformers does.
_TIMESTAMP = re.compile(r"<\|(\d+\.\d+)\|>")


class WhisperTokenizer(TokenizersBackend):
    """Whisper's byte-level BPE tokenizer, with its prompt of special tokens (see the module docstring).

    Options (tokenizer_config.json, or `from_pretrained(..., language="fr")`):
        language: the language of the text, a code ("fr") or an English name ("french"); None leaves it out.
        task: "transcribe" or "translate"; None leaves it out.
        predict_timestamps: False (default) puts <|notimestamps|> in the prompt.
        add_prefix_space: read "Hello" as " Hello" (False for Whisper).

    Example:
        >>> tok = WhisperTokenizer.from_pretrained(  # doctest: +SKIP
        ...     "openai/whisper-base", language="fr", task="transcribe")
        >>> tok.convert_ids_to_tokens(tok("Bonjour").input_ids)  # doctest: +SKIP
        ['<|startoftranscript|>', '<|fr|>', '<|transcribe|>', '<|notimestamps|>', 'Bon', 'jour', '<|endoftext|>']
        >>> tok.decode(tok("Bonjour").input_ids, skip_special_tokens=True)  # doctest: +SKIP
        'Bonjour'
    """

    default_special_tokens: ClassVar[dict[str, str]] = {
        "unk_token": _ENDOFTEXT, "bos_token": _ENDOFTEXT, "eos_token": _ENDOFTEXT,
    }
    pipeline_options: ClassVar[tuple[str, ...]] = ("add_prefix_space", "language", "task", "predict_timestamps")
    sets_add_prefix_space: ClassVar[bool] = True

    def __init__(self, backend: Tokenizer, *, language: str | None = None, task: str | None = None,
                 predict_timestamps: bool = False, **options: Any) -> None:
        # The prompt needs <|endoftext|>: built directly from a backend, the tokenizer gets the defaults.
        options["special_tokens"] = {**self.default_special_tokens, **(options.get("special_tokens") or {})}
        super().__init__(backend, **options)
        self.language: str | None = None
        self.task: str | None = None
        self.predict_timestamps = False
        self.set_prefix_tokens(language=language, task=task, predict_timestamps=predict_timestamps)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> WhisperTokenizer:
        tokenizer = super().from_checkpoint(checkpoint, **kwargs)
        settings = {**read_settings(checkpoint), **kwargs}  # the caller's options win over the file
        tokenizer.set_prefix_tokens(language=settings.get("language"), task=settings.get("task"),
                                    predict_timestamps=bool(settings.get("predict_timestamps", False)))
        return tokenizer

    # -- the prompt ---------------------------------------------------------------------------------------------
    def set_prefix_tokens(self, language: str | None = None, task: str | None = None,
                          predict_timestamps: bool | None = None) -> None:
        """Choose the prompt that calls with `add_special_tokens=True` put in front of the text.

        An argument left as None keeps the current value, as in transformers.

        Example:
            >>> tok.set_prefix_tokens(language="french", task="translate")  # doctest: +SKIP
            >>> tok.convert_ids_to_tokens(tok.prefix_tokens)  # doctest: +SKIP
            ['<|startoftranscript|>', '<|fr|>', '<|translate|>', '<|notimestamps|>']
        """
        if language is not None:
            self._language_token(language)  # refuse an unknown language before changing anything
        if task is not None and task not in TASKS:
            raise TokenizerError("task={value!r} is not a Whisper task; choose 'transcribe' (write down what is "
                                 "said) or 'translate' (write it in English).", key="task", value=task)
        self.language = language.lower() if language is not None else self.language
        self.task = task if task is not None else self.task
        self.predict_timestamps = predict_timestamps if predict_timestamps is not None else self.predict_timestamps

        # The backend's post-processor writes the prompt and <|endoftext|> around the text's tokens.
        ids = self.prefix_tokens
        tokens = self.convert_ids_to_tokens(ids)
        prefix = " ".join(f"{token}:0" for token in tokens)
        eos = self.eos_token
        self._tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{prefix} $A:0 {eos}:0",
            pair=f"{prefix} $A:0 $B:1 {eos}:1",
            special_tokens=[(eos, self.eos_token_id), *zip(tokens, ids)],
        )

    @property
    def prefix_tokens(self) -> list[int]:
        """The ids of the prompt: <|startoftranscript|>, the language, the task, <|notimestamps|> (as set)."""
        prompt = ["<|startoftranscript|>"]
        if self.language is not None:
            prompt.append(self._language_token(self.language))
        if self.task is not None:
            prompt.append(f"<|{self.task}|>")
        if not self.predict_timestamps:
            prompt.append("<|notimestamps|>")
        return [self._special_id(token) for token in prompt]

    def get_decoder_prompt_ids(self, task: str | None = None, language: str | None = None,
                               no_timestamps: bool = True) -> list[tuple[int, int]]:
        """(position, id) of the prompt tokens to force after <|startoftranscript|> when generating.

        Sets the prefix tokens as a side effect, as transformers does.

        Example:
            >>> tok.get_decoder_prompt_ids(language="fr", task="transcribe")  # doctest: +SKIP
            [(1, 50265), (2, 50359), (3, 50363)]
        """
        self.set_prefix_tokens(task=task, language=language, predict_timestamps=not no_timestamps)
        return [(position, token) for position, token in enumerate(self.prefix_tokens[1:], start=1)]

    def get_prompt_ids(self, text: str, return_tensors: str | None = "np") -> Any:
        """The ids of `<|startofprev|>` + " " + text: earlier words given to `generate(prompt_ids=...)` as a hint."""
        ids = [self._special_id("<|startofprev|>")] + self(" " + text.strip(), add_special_tokens=False).input_ids
        special = set(self.added_tokens_decoder)
        found = [self.convert_ids_to_tokens(i) for i in ids[1:] if i in special]
        if found:
            raise TokenizerError("The prompt text contains the special token {value}; a prompt is plain text only.",
                                 key="text", value=found[0])
        if return_tensors == "pt":
            return torch.tensor(ids)
        return np.array(ids) if return_tensors == "np" else ids

    def _language_token(self, language: str) -> str:
        """"fr", "FR" or "french" → "<|fr|>", if this tokenizer has that token."""
        lowered = language.lower()
        code = TO_LANGUAGE_CODE.get(lowered, lowered)
        token = f"<|{code}|>"
        if code not in LANGUAGES or self._tokenizer.token_to_id(token) is None:
            known = [c for c in LANGUAGES if self._tokenizer.token_to_id(f"<|{c}|>") is not None]
            if code in LANGUAGES:  # a Whisper language this checkpoint was not trained on (Cantonese before v3)
                raise TokenizerError(
                    "language={value!r} ({token}) is a Whisper language, but this tokenizer has no {token} token: "
                    "its model was trained without it. Use one of its {count} language codes: {codes}.",
                    token=token, count=len(known), codes=", ".join(known), key="language", value=language,
                )
            raise TokenizerError(
                "language={value!r} is not one this Whisper tokenizer knows. Use one of its {count} language "
                "codes: {codes} (or the English name, e.g. 'french' for 'fr').",
                count=len(known), codes=", ".join(known), key="language", value=language,
            )
        return token

    def _special_id(self, token: str) -> int:
        index = self._tokenizer.token_to_id(token)
        if index is None:
            raise TokenizerError("This tokenizer has no {value} token, so it is not a Whisper tokenizer: check "
                                 "that tokenizer.json comes from a Whisper checkpoint.", key="token", value=token)
        return index

    # -- ids → text ---------------------------------------------------------------------------------------------
    def decode(self, token_ids: Any, skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: bool | None = None) -> str | list[str]:
        """Ids → text, as transformers' WhisperTokenizer: timestamp tokens ("<|1.08|>") never appear in the text.

        With `skip_special_tokens=True` the prompt tokens go, and so does a previous-text hint (everything from
        <|startofprev|> up to <|startoftranscript|>). `clean_up_tokenization_spaces` is accepted and ignored, as
        transformers 5 ignores it for BPE tokenizers (it would remove real spaces before punctuation).
        A batch is decoded row by row (transformers only strips the hint when given a single sequence).
        """
        ids = as_list(token_ids)
        if isinstance(ids, int):
            ids = [ids]
        if ids and isinstance(ids[0], list):
            return [self.decode(row, skip_special_tokens) for row in ids]
        if skip_special_tokens and ids and ids[0] == self._tokenizer.token_to_id("<|startofprev|>"):
            start = self._tokenizer.token_to_id("<|startoftranscript|>")
            ids = ids[ids.index(start):] if start in ids else []
        return _TIMESTAMP.sub("", self._tokenizer.decode(ids, skip_special_tokens=skip_special_tokens))

    # -- saving -------------------------------------------------------------------------------------------------
    def _pipeline_settings(self) -> dict[str, Any]:
        steps = _byte_level_steps(self._tokenizer.pre_tokenizer)
        return {
            "add_prefix_space": bool(steps and steps[0].add_prefix_space),
            "language": self.language,
            "task": self.task,
            "predict_timestamps": self.predict_timestamps,
        }
