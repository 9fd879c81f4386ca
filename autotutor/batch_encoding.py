"""What a tokenizer call returns: `BatchEncoding`, a dict of ids, masks and type ids with the Rust encodings behind.

    >>> enc = BatchEncoding({"input_ids": [101, 102]})
    >>> enc.input_ids
    [101, 102]
"""

from __future__ import annotations

from collections import UserDict
from typing import Any

from tokenizers import Encoding

from .errors import TokenizerError

__all__ = ["BatchEncoding"]


class BatchEncoding(UserDict):
    """The output of a tokenizer call: a dict of lists (or tensors), plus the Rust `Encoding`s behind them.

    It prints like a dict, keys are also attributes (`enc.input_ids`), and `model(**enc)` passes the tensors
    as keyword arguments. The encodings answer alignment questions: `word_ids()`, `tokens()`.

    Example:
        >>> enc = BatchEncoding({"input_ids": [101, 102]})
        >>> enc.input_ids, list(enc.keys())
        ([101, 102], ['input_ids'])
    """

    def __init__(self, data: dict[str, Any] | None = None, encodings: list[Encoding] | None = None) -> None:
        super().__init__(data)
        self._encodings = encodings

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails; read `data` through __dict__ so a half-built object cannot recurse.
        data = self.__dict__.get("data", {})
        if name in data:
            return data[name]
        raise AttributeError(f"BatchEncoding has no attribute or key {name!r}; its keys are {list(data)}.")

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, int):  # enc[0]: the Rust Encoding of the first sequence, as in transformers
            return self._encoding(key)
        return self.data[key]

    @property
    def encodings(self) -> list[Encoding] | None:
        """The `tokenizers.Encoding` of each sequence (offsets, word ids, tokens, ...)."""
        return self._encodings

    def _encoding(self, batch_index: int) -> Encoding:
        if not self._encodings:
            raise TokenizerError("This BatchEncoding was built from plain lists and has no encodings to look into.")
        try:
            return self._encodings[batch_index]
        except IndexError:
            raise TokenizerError(
                f"batch_index={batch_index} is out of range: the batch holds {len(self._encodings)} sequence(s)."
            ) from None

    def tokens(self, batch_index: int = 0) -> list[str]:
        """The token strings of sequence `batch_index`, special tokens and padding included."""
        return self._encoding(batch_index).tokens

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """For each token, the index of the word it came from; None for special and padding tokens."""
        return self._encoding(batch_index).word_ids

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """For each token, 0 (first text) or 1 (text_pair); None for special and padding tokens."""
        return self._encoding(batch_index).sequence_ids

    def to(self, device: Any) -> BatchEncoding:
        """Move every tensor to `device` (`"cuda"`, `torch.device("cpu")`, ...); returns self."""
        self.data = {key: value.to(device) if hasattr(value, "to") else value for key, value in self.data.items()}
        return self
