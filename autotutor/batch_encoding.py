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

__all__ = ["BatchEncoding", "as_list", "batch_inputs", "to_tensor"]


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
                "batch_index={value} is out of range: the batch holds {count} sequence(s).",
                count=len(self._encodings), key="batch_index", value=batch_index,
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


# What a call was given (one text or a batch, pairs, words) and what it returns (lists, or tensors).
def batch_inputs(text: Any, text_pair: Any, is_split_into_words: bool) -> tuple[bool, list[Any]]:
    """Decide whether `text` is one input or a batch, and shape it as the list `encode_batch` wants."""
    if text is None:
        raise TokenizerError("The tokenizer needs a text: call it with a string, or a list of strings for a batch.")
    if isinstance(text, str):
        batched = False
    elif isinstance(text, (list, tuple)):
        # With is_split_into_words, a list of strings is ONE pre-split text; a batch is a list of such lists.
        batched = not is_split_into_words or (len(text) > 0 and isinstance(text[0], (list, tuple)))
    else:
        raise TokenizerError(
            "text should be a string, a list of strings (a batch) or, with is_split_into_words=True, a list of "
            "words; got {got_type}: {value!r:.80}.",
            got_type=type(text).__name__, key="text", value=text,
        )
    if not batched:
        # transformers drops an empty text_pair ("") for a single input, but keeps it inside a batch; we follow.
        return False, [(text, text_pair)] if text_pair else [text]
    if text_pair is None:
        return True, list(text)
    if isinstance(text_pair, str) or len(text_pair) != len(text):
        raise TokenizerError(
            "For a batch of {count} texts, text_pair should be a list of {count} texts, one per text; "
            "got {got_type} of length {got_length}.",
            count=len(text), got_type=type(text_pair).__name__, got_length=len(text_pair), key="text_pair",
        )
    return True, list(zip(text, text_pair))


def as_list(values: Any) -> Any:
    """Tensors and arrays → Python lists (so ids can come straight from a model's output)."""
    return values.tolist() if hasattr(values, "tolist") else values


def to_tensor(key: str, rows: list[Any], kind: str) -> Any:
    """A list of equally long rows → an int64 tensor (B, T); torch is imported only when asked for."""
    lengths = {len(row) for row in rows} if rows and isinstance(rows[0], list) else set()
    if len(lengths) > 1:
        raise TokenizerError(
            "Cannot make one tensor of '{key}': the sequences have lengths {lengths}. "
            "Pass padding=True (and truncation=True for long texts) so they all have the same length.",
            key=key, lengths=sorted(lengths),
        )
    import numpy as np

    array = np.array(rows, dtype=np.int64)  # one C-level pass over the nested lists; offsets give (B, T, 2)
    if kind == "np":
        return array
    import torch

    return torch.from_numpy(array)
