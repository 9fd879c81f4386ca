"""Exceptions a learner can read.

Every error says what happened, the offending file, key or value, and how to fix it. Each class also
subclasses the builtin exception a user would naturally catch, so `except FileNotFoundError:` keeps working.

Besides its message, an error carries what it is about as fields, as huggingface_hub's errors do, so that code
(a lesson, a tool) reads them and never parses the text:

    >>> try:
    ...     AutoConfig.from_pretrained("./no/such/folder")  # doctest: +SKIP
    ... except CheckpointNotFoundError as err:
    ...     err.repo_id, err.path
    ('./no/such/folder', PosixPath('/home/me/no/such/folder'))

The message is written in English with named fields, `ConfigError("{source} has no {name}.", source=..., name=...)`,
never as an f-string: the English sentence is the message id of the catalogs (`locales/`), so `str(err)` reads in
the learner's language (`AUTOTUTOR_LANG`, a lesson's language switch) and `err.english` keeps the English original,
the words to search the web with. The fields `repo_id`, `path`, `key` and `value` can be named in the sentence too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .i18n import Text, direction, get_language, printed


class AutotutorError(Exception):
    """Base class of every error autotutor raises on purpose.

    Fields (None when they do not apply):
        repo_id: the checkpoint as the caller named it (a Hub id or a folder).
        path: the file or folder the error is about.
        key: the JSON key, option or argument at fault (`"model_type"`, `"trust_remote_code"`, ...).
        value: the offending value.
    """

    def __init__(self, message: str = "", /, *, repo_id: str | None = None, path: str | Path | None = None,
                 key: str | None = None, value: Any = None, **fields: Any) -> None:
        self.text = Text(message, repo_id=repo_id, path=path, key=key, value=value, **fields)
        super().__init__(self.text.english)  # args[0]: the English text, as a log or a pickle keeps it
        self.repo_id = repo_id
        self.path = Path(path) if path is not None else None
        self.key = key
        self.value = value

    @property
    def english(self) -> str:
        """The message in English, whatever the learner's language: the words a web search finds."""
        return self.text.english

    def __str__(self) -> str:
        lang = get_language()
        # A traceback prints left to right: an Arabic message is isolated right to left line by line.
        return printed(self.text.render(lang), lang) if direction(lang) == "rtl" else self.text.render(lang)


class CheckpointNotFoundError(AutotutorError, FileNotFoundError):
    """The folder or Hub id does not exist, or its files are not available offline."""


class RevisionNotFoundError(AutotutorError, ValueError):
    """The requested branch, tag or commit is not known for that repository."""


class ConfigError(AutotutorError, ValueError):
    """`config.json` (or another JSON file of the checkpoint) is missing, malformed or inconsistent."""


class UnknownModelTypeError(AutotutorError, ValueError):
    """The checkpoint's `model_type` is missing or not one autotutor implements."""


class UnsupportedTaskError(AutotutorError, ValueError):
    """The architecture has no head for the task that was asked for."""


class RemoteCodeError(AutotutorError, ValueError):
    """The checkpoint asks to run Python code shipped with it; autotutor never does."""


class WeightsNotFoundError(AutotutorError, FileNotFoundError):
    """No weights file (`model.safetensors`, a sharded index, or `pytorch_model.bin`) was found."""


class CorruptWeightsError(AutotutorError, OSError):
    """A weights file is truncated, malformed or points outside the checkpoint."""


class UnsafeCheckpointError(AutotutorError, OSError):
    """A pickle-based `.bin` file would execute code when loaded; it was refused."""


class ShapeMismatchError(AutotutorError, ValueError):
    """Checkpoint tensors do not have the shapes the model expects."""


class TokenizerError(AutotutorError, ValueError):
    """The tokenizer files are missing, malformed or an option is invalid."""


class TesseractNotFoundError(AutotutorError, FileNotFoundError):
    """The `tesseract` program (OCR) is not installed, or not on PATH."""


class OCRLanguageError(AutotutorError, ValueError):
    """Tesseract has no trained data for a requested language."""


class OCRError(AutotutorError, RuntimeError):
    """Tesseract ran and failed (a bad option, an unreadable image, ...)."""


class ProcessorError(AutotutorError, ValueError):
    """The inputs given to a processor do not fit together (words without boxes, boxes with OCR, ...)."""


class ImageError(AutotutorError, ValueError):
    """An image could not be read, or has a shape or values no image processor or vision model can use."""


class AudioError(AutotutorError, ValueError):
    """An audio clip has a sampling rate, shape or length the feature extractor or model cannot use."""


class UsageError(AutotutorError, TypeError):
    """A class or function was called the wrong way: an Auto class built directly, an unknown keyword argument."""


class ArgumentError(AutotutorError, ValueError):
    """An argument's value is one no option accepts, and no more specific error above fits."""


class ChatTemplateError(TokenizerError):
    """A chat template is missing, is not valid Jinja, reached outside its sandbox, or refused the conversation."""
