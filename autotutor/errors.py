"""Exceptions a learner can read.

Every error says what happened, the offending file, key or value, and how to fix it. Each class also
subclasses the builtin exception a user would naturally catch, so `except FileNotFoundError:` keeps working.
"""

from __future__ import annotations


class AutotutorError(Exception):
    """Base class of every error autotutor raises on purpose."""


class CheckpointNotFoundError(FileNotFoundError, AutotutorError):
    """The folder or Hub id does not exist, or its files are not available offline."""


class RevisionNotFoundError(ValueError, AutotutorError):
    """The requested branch, tag or commit is not known for that repository."""


class ConfigError(ValueError, AutotutorError):
    """`config.json` (or another JSON file of the checkpoint) is missing, malformed or inconsistent."""


class UnknownModelTypeError(ValueError, AutotutorError):
    """The checkpoint's `model_type` is missing or not one autotutor implements."""


class UnsupportedTaskError(ValueError, AutotutorError):
    """The architecture has no head for the task that was asked for."""


class RemoteCodeError(ValueError, AutotutorError):
    """The checkpoint asks to run Python code shipped with it; autotutor never does."""


class WeightsNotFoundError(FileNotFoundError, AutotutorError):
    """No weights file (`model.safetensors`, a sharded index, or `pytorch_model.bin`) was found."""


class CorruptWeightsError(OSError, AutotutorError):
    """A weights file is truncated, malformed or points outside the checkpoint."""


class UnsafeCheckpointError(OSError, AutotutorError):
    """A pickle-based `.bin` file would execute code when loaded; it was refused."""


class ShapeMismatchError(ValueError, AutotutorError):
    """Checkpoint tensors do not have the shapes the model expects."""


class TokenizerError(ValueError, AutotutorError):
    """The tokenizer files are missing, malformed or an option is invalid."""


class TesseractNotFoundError(FileNotFoundError, AutotutorError):
    """The `tesseract` program (OCR) is not installed, or not on PATH."""


class OCRLanguageError(ValueError, AutotutorError):
    """Tesseract has no trained data for a requested language."""


class OCRError(RuntimeError, AutotutorError):
    """Tesseract ran and failed (a bad option, an unreadable image, ...)."""


class ProcessorError(ValueError, AutotutorError):
    """The inputs given to a processor do not fit together (words without boxes, boxes with OCR, ...)."""


class ImageError(ValueError, AutotutorError):
    """An image could not be read, or has a shape or values no image processor or vision model can use."""


class AudioError(ValueError, AutotutorError):
    """An audio clip has a sampling rate, shape or length the feature extractor or model cannot use."""
