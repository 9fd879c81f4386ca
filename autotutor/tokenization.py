"""Tokenizers: text → the integer ids a model reads, and back.

The real work is done by a `tokenizers.Tokenizer` (Rust), a pipeline of five steps that `tokenizer.json`
describes completely: normalizer ("Héllo" → "hello") → pre-tokenizer (split into words) → model (WordPiece:
"hobbit" → "ho", "##bb", "##it") → post-processor ("[CLS] ... [SEP]") → decoder (ids → text). The Python
class around it adds what the pipeline does not know: the named special tokens, `model_max_length`, and the
per-call options (`padding=`, `truncation=`, `return_tensors=`) of transformers' tokenizers, whose public
API this module follows so the same learner code runs on both.

Loading reads, from the checkpoint (`tokenizer_files.py`):
    tokenizer.json           the whole pipeline; when absent, BERT's is rebuilt from vocab.txt
    tokenizer_config.json    special tokens, do_lower_case, model_max_length, padding_side, added tokens
    special_tokens_map.json  older home of the special tokens (read only when the config lacks
                             `added_tokens_decoder`, as transformers does)

Padding and truncation are decided per call, never by what a file stored: `tokenizer.json` may carry
settings (all-MiniLM-L6-v2's pads every input to 128) and transformers ignores them, so we do too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from tokenizers import AddedToken, Tokenizer

from ._speed import gc_paused
from .batch_encoding import BatchEncoding, as_list, batch_inputs, to_tensor
from .checkpoint import Checkpoint, open_checkpoint
from .constants import SPECIAL_TOKENS_MAP_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, VERY_LARGE_INTEGER
from .errors import TokenizerError
from .tokenizer_files import add_missing_tokens, missing_files_error, read_settings, read_tokenizer_json, token_text

__all__ = ["BatchEncoding", "PreTrainedTokenizer"]

T = TypeVar("T", bound="PreTrainedTokenizer")

# The named special tokens, in the order transformers lists them (all_special_tokens, repr, saved files).
SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")

# The values each per-call option accepts. True and False are translated to the first two strings.
PADDING_CHOICES = ("longest", "max_length", "do_not_pad")
TRUNCATION_CHOICES = ("longest_first", "only_first", "only_second", "do_not_truncate")
TENSOR_CHOICES = (None, "pt", "np")
SIDE_CHOICES = ("right", "left")

# A model_max_length above this means "no limit": transformers then skips the padding or truncation it implies.
_UNLIMITED = int(1e20)

# tokenizer_config.json options every tokenizer understands (subclasses add their own in `pipeline_options`).
_SHARED_OPTIONS = (
    *SPECIAL_TOKEN_NAMES,
    "additional_special_tokens",
    "extra_special_tokens",
    "model_max_length",
    "padding_side",
    "truncation_side",
    "model_input_names",
    "clean_up_tokenization_spaces",
)
# Accepted by transformers' from_pretrained and meaningless here: every autotutor tokenizer is the fast (Rust) one.
_IGNORED_OPTIONS = ("use_fast",)


def _check_choice(option: str, value: Any, choices: tuple[Any, ...], *, also: tuple[Any, ...] = ()) -> None:
    """Raise if `value` is not one of `choices`; `also` lists further accepted values already translated."""
    if value not in choices:
        shown = ", ".join(repr(c) for c in (*also, *choices))
        raise TokenizerError("{key}={value!r} is not valid; choose one of: {choices}.",
                             key=option, value=value, choices=shown)


# ---------------------------------------------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------------------------------------------
def _special_token(name: str) -> property:
    """`tok.cls_token`: the token text, or None when this tokenizer has no such token."""

    def get(self: PreTrainedTokenizer) -> str | None:
        return self._special_tokens.get(name)

    def set(self: PreTrainedTokenizer, value: str | None) -> None:
        self._special_tokens[name] = value

    return property(get, set, doc=f"The {name.replace('_', ' ')} text (None when absent).")


def _special_token_id(name: str) -> property:
    """`tok.cls_token_id`: the id of that token, or None."""

    def get(self: PreTrainedTokenizer) -> int | None:
        token = self._special_tokens.get(name)
        return None if token is None else self.convert_tokens_to_ids(token)

    return property(get, doc=f"The id of the {name.replace('_', ' ')} (None when absent).")


class PreTrainedTokenizer:
    """A `tokenizers.Tokenizer` plus the settings transformers keeps next to it.

    Build one with `from_pretrained` (a folder or Hub id) or directly from a `tokenizers.Tokenizer`.

    Args:
        backend: the Rust pipeline that turns text into `Encoding`s.
        name_or_path: where it was loaded from, shown in `repr` and kept for learners' reference.
        special_tokens: named special tokens, e.g. `{"cls_token": "[CLS]", "pad_token": "[PAD]"}`.
        extra_special_tokens: further special tokens without a name.
        model_max_length: the longest input the model accepts; used by `truncation=True` and
            `padding="max_length"` when no `max_length` is given.
        padding_side, truncation_side: "right" or "left".
        model_input_names: the keys a call returns (and the model's forward accepts).
        clean_up_tokenization_spaces: whether `decode` also removes spaces before punctuation.

    Example:
        >>> from tokenizers import Tokenizer
        >>> from tokenizers.models import WordLevel
        >>> tok = PreTrainedTokenizer(Tokenizer(WordLevel({"hi": 0, "<unk>": 1}, unk_token="<unk>")))
        >>> tok("hi").input_ids
        [0]
    """

    model_input_names: ClassVar[list[str]] = ["input_ids", "attention_mask"]
    # Special tokens used when neither the files nor the caller name them.
    default_special_tokens: ClassVar[dict[str, str]] = {}
    # tokenizer_config.json keys that shape this class's pipeline (BERT: do_lower_case, ...).
    pipeline_options: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        backend: Tokenizer,
        *,
        name_or_path: str = "",
        special_tokens: dict[str, str | None] | None = None,
        extra_special_tokens: list[str] | None = None,
        model_max_length: int | None = None,
        padding_side: str = "right",
        truncation_side: str = "right",
        model_input_names: list[str] | None = None,
        clean_up_tokenization_spaces: bool = False,
    ) -> None:
        _check_choice("padding_side", padding_side, SIDE_CHOICES)
        _check_choice("truncation_side", truncation_side, SIDE_CHOICES)
        unknown = set(special_tokens or {}) - set(SPECIAL_TOKEN_NAMES)
        if unknown:
            raise TokenizerError(
                "Unknown special token name(s) {unknown}; the named ones are {named}. "
                "Pass other special tokens as extra_special_tokens=[...].",
                unknown=sorted(unknown), named=", ".join(SPECIAL_TOKEN_NAMES),
                key="special_tokens", value=sorted(unknown),
            )
        self._tokenizer = backend
        self.name_or_path = name_or_path
        self._special_tokens: dict[str, str | None] = dict.fromkeys(SPECIAL_TOKEN_NAMES)
        self._special_tokens.update(special_tokens or {})
        self.extra_special_tokens: list[str] = list(extra_special_tokens or [])
        self.model_max_length = VERY_LARGE_INTEGER if model_max_length is None else int(model_max_length)
        self.padding_side = padding_side
        self.truncation_side = truncation_side
        if model_input_names is not None:  # otherwise the class attribute is used
            self.model_input_names = list(model_input_names)
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        # Start from a clean pipeline: padding and truncation are chosen per call (see the module docstring).
        backend.no_padding()
        backend.no_truncation()

    # -- loading ------------------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls: type[T],
        name_or_path: str | os.PathLike,
        *,
        revision: str | None = None,
        subfolder: str = "",
        cache_dir: str | os.PathLike | None = None,
        local_files_only: bool = False,
        token: str | bool | None = None,
        trust_remote_code: bool = False,
        **kwargs: Any,
    ) -> T:
        """Load from a folder or a Hub id; `kwargs` override tokenizer_config.json (`model_max_length=128`, ...).

        Example:
            >>> tok = BertTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
            >>> tok("In a hole in the ground there lived a hobbit.").input_ids[:4]  # doctest: +SKIP
            [101, 1999, 1037, 4920]
        """
        checkpoint = open_checkpoint(
            name_or_path, revision=revision, subfolder=subfolder, cache_dir=cache_dir,
            local_files_only=local_files_only, token=token, trust_remote_code=trust_remote_code,
        )
        return cls.from_checkpoint(checkpoint, **kwargs)

    @classmethod
    def from_checkpoint(cls: type[T], checkpoint: Checkpoint, **kwargs: Any) -> T:
        """Build the tokenizer from an opened checkpoint (the Auto class calls this)."""
        allowed = (*_SHARED_OPTIONS, *cls.pipeline_options)
        unknown = sorted(set(kwargs) - set(allowed) - set(_IGNORED_OPTIONS))
        if unknown:
            raise TokenizerError(
                "{tokenizer_class}.from_pretrained() got unknown option(s) {unknown}. "
                "Options it accepts: {accepted}.",
                tokenizer_class=cls.__name__, unknown=unknown, accepted=", ".join(allowed),
                key="options", value=unknown,
            )
        settings = {**read_settings(checkpoint), **kwargs}  # the caller's options win over the files
        backend = cls._load_backend(checkpoint, settings)

        special = {name: token_text(settings.get(name, cls.default_special_tokens.get(name)))
                   for name in SPECIAL_TOKEN_NAMES}
        # transformers 5 calls them extra_special_tokens; older files say additional_special_tokens.
        extras = settings.get("extra_special_tokens") or settings.get("additional_special_tokens") or []
        extras = [token_text(t) for t in (extras.values() if isinstance(extras, dict) else extras)]
        add_missing_tokens(backend, settings.get("added_tokens_decoder") or {},
                            [t for t in [*special.values(), *extras] if t is not None])
        return cls(
            backend,
            name_or_path=checkpoint.name_or_path,
            special_tokens=special,
            extra_special_tokens=extras,
            model_max_length=settings.get("model_max_length"),
            padding_side=settings.get("padding_side") or "right",
            truncation_side=settings.get("truncation_side") or "right",
            model_input_names=settings.get("model_input_names"),
            clean_up_tokenization_spaces=bool(settings.get("clean_up_tokenization_spaces", False)),
        )

    @classmethod
    def _load_backend(cls, checkpoint: Checkpoint, settings: dict[str, Any]) -> Tokenizer:
        """The Rust pipeline; a generic tokenizer can only come from tokenizer.json."""
        path = checkpoint.get(TOKENIZER_FILE)
        if path is None:
            raise missing_files_error(checkpoint, TOKENIZER_FILE)
        return read_tokenizer_json(path)

    # -- vocabulary and special tokens --------------------------------------------------------------------------
    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The `tokenizers.Tokenizer` doing the work (normalizer, pre_tokenizer, model, ...)."""
        return self._tokenizer

    @property
    def vocab_size(self) -> int:
        """Size of the base vocabulary, without added tokens."""
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        """Size of the full vocabulary, added tokens included."""
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def get_vocab(self) -> dict[str, int]:
        """token → id for every token, added tokens included."""
        return self._tokenizer.get_vocab(with_added_tokens=True)

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        """id → AddedToken for the tokens matched before normalization (the special tokens, at least)."""
        return self._tokenizer.get_added_tokens_decoder()

    bos_token = _special_token("bos_token")
    eos_token = _special_token("eos_token")
    unk_token = _special_token("unk_token")
    sep_token = _special_token("sep_token")
    pad_token = _special_token("pad_token")
    cls_token = _special_token("cls_token")
    mask_token = _special_token("mask_token")
    bos_token_id = _special_token_id("bos_token")
    eos_token_id = _special_token_id("eos_token")
    unk_token_id = _special_token_id("unk_token")
    sep_token_id = _special_token_id("sep_token")
    pad_token_id = _special_token_id("pad_token")
    cls_token_id = _special_token_id("cls_token")
    mask_token_id = _special_token_id("mask_token")
    pad_token_type_id = 0  # the segment id of padding positions

    @property
    def special_tokens_map(self) -> dict[str, str]:
        """The named special tokens that are set: `{"unk_token": "[UNK]", ...}`."""
        return {name: token for name, token in self._special_tokens.items() if token is not None}

    @property
    def all_special_tokens(self) -> list[str]:
        """Every special token once: the named ones, then the extra ones."""
        return list(dict.fromkeys([*self.special_tokens_map.values(), *self.extra_special_tokens]))

    @property
    def all_special_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.all_special_tokens)

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> int | list[int]:
        """Token text → id; a token outside the vocabulary maps to the unknown token's id."""
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(token) for token in tokens]

    def _token_to_id(self, token: str) -> int | None:
        index = self._tokenizer.token_to_id(token)
        if index is None and self.unk_token is not None:
            index = self._tokenizer.token_to_id(self.unk_token)
        return index

    def convert_ids_to_tokens(self, ids: int | list[int], skip_special_tokens: bool = False) -> str | list[str]:
        """Id → token text, e.g. 7570 → "ho" and 10322 → "##bb"."""
        ids = as_list(ids)  # a tensor or array of ids works too
        if isinstance(ids, int):
            return self._tokenizer.id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._tokenizer.id_to_token(int(i)) for i in ids if int(i) not in skip]

    # -- text → ids ---------------------------------------------------------------------------------------------
    def __call__(
        self,
        text: str | list[str] | list[list[str]],
        text_pair: str | list[str] | list[list[str]] | None = None,
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
        is_split_into_words: bool = False,
    ) -> BatchEncoding:
        """Tokenize one text, a batch of texts, or (batches of) text pairs.

        A single text gives flat lists; a list of texts gives one list per text. `padding=True` pads to the
        longest text of the batch, `padding="max_length"` to `max_length`; `truncation=True` cuts to
        `max_length` (or `model_max_length`). `return_tensors="pt"` returns int64 torch tensors, shape (B, T).

        Example:
            >>> tok = BertTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
            >>> tok("hello")  # doctest: +SKIP
            {'input_ids': [101, 7592, 102], 'token_type_ids': [0, 0, 0], 'attention_mask': [1, 1, 1]}
        """
        padding, truncation, max_length = self._resolve_strategies(padding, truncation, max_length, pad_to_multiple_of)
        _check_choice("return_tensors", return_tensors, TENSOR_CHOICES)
        if padding_side is not None:
            _check_choice("padding_side", padding_side, SIDE_CHOICES)
        batched, inputs = batch_inputs(text, text_pair, is_split_into_words)

        self._configure_backend(padding, truncation, max_length, pad_to_multiple_of, padding_side)
        try:
            encodings = self._tokenizer.encode_batch(
                inputs, add_special_tokens=add_special_tokens, is_pretokenized=is_split_into_words
            )
        except Exception as err:  # e.g. truncation="only_second" with a second text too short to cut
            raise TokenizerError(
                "The tokenizer could not encode this input (truncation={truncation!r}, max_length={max_length}): "
                "{reason}. Check the input's type; for a truncation error, use truncation='longest_first' or a "
                "larger max_length.",
                truncation=truncation, max_length=max_length, reason=str(err),
            ) from err

        # The lists are read straight off the Rust encodings: this loop is the whole cost of a call in Python.
        if return_token_type_ids is None:
            return_token_type_ids = "token_type_ids" in self.model_input_names
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        with gc_paused():  # thousands of new lists; see _speed.py
            data: dict[str, Any] = {"input_ids": [e.ids for e in encodings]}
            if return_token_type_ids:
                data["token_type_ids"] = [e.type_ids for e in encodings]
            if return_attention_mask:
                data["attention_mask"] = [e.attention_mask for e in encodings]
            if return_special_tokens_mask:
                data["special_tokens_mask"] = [e.special_tokens_mask for e in encodings]
            if return_offsets_mapping:
                data["offset_mapping"] = [e.offsets for e in encodings]
        if return_length:
            data["length"] = [len(e.ids) for e in encodings]

        if return_tensors is not None:
            data = {key: to_tensor(key, value, return_tensors) for key, value in data.items()}
        elif not batched:  # one text in, flat lists out ("length" stays a one-element list, as in transformers)
            data = {key: value[0] if isinstance(value[0], list) else value for key, value in data.items()}
        return BatchEncoding(data, encodings)

    def _resolve_strategies(
        self, padding: bool | str, truncation: bool | str | None, max_length: int | None, pad_to_multiple_of: int | None
    ) -> tuple[str, str, int | None]:
        """Turn the padding/truncation/max_length options into two strategy names and a length."""
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length <= 0):
            raise TokenizerError("max_length={value!r} should be a positive integer, or None for no limit.",
                                 key="max_length", value=max_length)
        # transformers' rule: max_length alone (padding=False, truncation=None) means "truncate to max_length".
        if max_length is not None and padding is False and truncation is None:
            truncation = "longest_first"
        if isinstance(padding, bool):
            padding = "longest" if padding else "do_not_pad"
        if truncation is None or isinstance(truncation, bool):
            truncation = "longest_first" if truncation else "do_not_truncate"
        _check_choice("padding", padding, PADDING_CHOICES, also=(True, False))
        _check_choice("truncation", truncation, TRUNCATION_CHOICES, also=(True, False, None))

        if max_length is None:
            # Without max_length, both fall back to model_max_length; when that is "unlimited" (no value in
            # tokenizer_config.json), transformers quietly pads and truncates nothing, and so do we.
            unlimited = self.model_max_length > _UNLIMITED
            if padding == "max_length":
                padding = "do_not_pad" if unlimited else padding
                max_length = None if unlimited else self.model_max_length
            if truncation != "do_not_truncate":
                truncation = "do_not_truncate" if unlimited else truncation
                max_length = None if unlimited else self.model_max_length

        if padding != "do_not_pad" and self.pad_token_id is None:
            raise TokenizerError(
                "padding={value!r} needs a padding token and this tokenizer has none. Set one, e.g. "
                "`tokenizer.pad_token = tokenizer.unk_token`, or call without padding.",
                key="padding", value=padding,
            )
        if (truncation != "do_not_truncate" and padding != "do_not_pad" and pad_to_multiple_of is not None
                and max_length is not None and max_length % pad_to_multiple_of != 0):
            raise TokenizerError(
                "Truncating to max_length={max_length} and padding to a multiple of {multiple} "
                "contradict each other; make max_length a multiple of pad_to_multiple_of.",
                max_length=max_length, multiple=pad_to_multiple_of,
            )
        return padding, truncation, max_length

    def _configure_backend(
        self, padding: str, truncation: str, max_length: int | None,
        pad_to_multiple_of: int | None = None, padding_side: str | None = None,
    ) -> None:
        """Set the Rust pipeline's padding and truncation for this call, touching it only when they change."""
        backend = self._tokenizer
        if truncation == "do_not_truncate":
            if backend.truncation is not None:
                backend.no_truncation()
        else:
            wanted = {"max_length": max_length, "stride": 0, "strategy": truncation, "direction": self.truncation_side}
            if backend.truncation != wanted:
                backend.enable_truncation(**wanted)
        if padding == "do_not_pad":
            if backend.padding is not None:
                backend.no_padding()
        else:
            wanted = {
                "length": max_length if padding == "max_length" else None,  # None: pad to the batch's longest
                "pad_to_multiple_of": pad_to_multiple_of,
                "pad_id": self.pad_token_id,
                "pad_type_id": self.pad_token_type_id,
                "pad_token": self.pad_token,
                "direction": padding_side or self.padding_side,
            }
            if backend.padding != wanted:
                backend.enable_padding(**wanted)

    def tokenize(self, text: str, pair: str | None = None, *, add_special_tokens: bool = False) -> list[str]:
        """The token strings of `text`, without [CLS]/[SEP] unless asked: "hobbit" → ["ho", "##bb", "##it"]."""
        return self(text, pair, add_special_tokens=add_special_tokens).tokens()

    def encode(
        self,
        text: str | list[str],
        text_pair: str | list[str] | None = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        return_tensors: str | None = None,
        is_split_into_words: bool = False,
    ) -> Any:
        """Only the input ids of `self(text, ...)`."""
        return self(
            text, text_pair, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
            max_length=max_length, return_tensors=return_tensors, is_split_into_words=is_split_into_words,
        )["input_ids"]

    # -- ids → text ---------------------------------------------------------------------------------------------
    def decode(
        self, token_ids: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> str | list[str]:
        """Ids → text. Accepts an int, a list, a tensor; a batch (list of lists, 2-D tensor) gives a list of texts."""
        token_ids = as_list(token_ids)
        if isinstance(token_ids, int):
            token_ids = [token_ids]
        if token_ids and isinstance(token_ids[0], list):
            return [self.decode(ids, skip_special_tokens, clean_up_tokenization_spaces) for ids in token_ids]
        text = self._tokenizer.decode(token_ids, skip_special_tokens=skip_special_tokens)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return _clean_up_spaces(text) if clean_up_tokenization_spaces else text

    def batch_decode(
        self, sequences: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> list[str]:
        """`decode` for each sequence of a batch; one flat list of ids counts as a batch of one."""
        texts = self.decode(sequences, skip_special_tokens, clean_up_tokenization_spaces)
        return [texts] if isinstance(texts, str) else texts

    # -- saving -------------------------------------------------------------------------------------------------
    def save_pretrained(self, save_directory: str | os.PathLike) -> tuple[str, ...]:
        """Write tokenizer_config.json, tokenizer.json and special_tokens_map.json; returns their paths (str).

        transformers' `AutoTokenizer.from_pretrained(save_directory)` reads them back to the same ids.
        """
        folder = Path(save_directory)
        if folder.is_file():
            raise TokenizerError("save_directory '{path}' is a file; pass a folder (it is created if needed).",
                                 key="save_directory", path=folder)
        folder.mkdir(parents=True, exist_ok=True)
        # The last call's padding/truncation live on the backend; they must not end up in the file.
        self._configure_backend("do_not_pad", "do_not_truncate", None)
        self._tokenizer.save(str(folder / TOKENIZER_FILE))

        config: dict[str, Any] = {
            "tokenizer_class": type(self).__name__,
            **self._pipeline_settings(),
            **self.special_tokens_map,
            "model_max_length": self.model_max_length,
            "padding_side": self.padding_side,
            "truncation_side": self.truncation_side,
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
        }
        if self.extra_special_tokens:
            config["extra_special_tokens"] = list(self.extra_special_tokens)
        if self.model_input_names != type(self).model_input_names:
            config["model_input_names"] = list(self.model_input_names)
        special_map: dict[str, Any] = dict(self.special_tokens_map)
        if self.extra_special_tokens:
            special_map["additional_special_tokens"] = list(self.extra_special_tokens)  # the older name
        for name, content in ((TOKENIZER_CONFIG_FILE, config), (SPECIAL_TOKENS_MAP_FILE, special_map)):
            (folder / name).write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        # transformers 5 lists tokenizer_config.json then tokenizer.json; special_tokens_map.json is kept for
        # readers older than transformers 5.
        written = (TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, SPECIAL_TOKENS_MAP_FILE)
        return tuple(str(folder / name) for name in written)

    def _pipeline_settings(self) -> dict[str, Any]:
        """The pipeline_options as saved in tokenizer_config.json (none for a generic tokenizer)."""
        return {}

    def __repr__(self) -> str:
        # Same layout as transformers' repr, so the two can be compared line by line in a lesson.
        added = "".join(f"\n\t{index}: {token!r}," for index, token in self.added_tokens_decoder.items())
        if added:
            added += "\n"
        return (
            f"{type(self).__name__}(name_or_path='{self.name_or_path}', vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, padding_side='{self.padding_side}', "
            f"truncation_side='{self.truncation_side}', special_tokens={self.special_tokens_map}, "
            f"added_tokens_decoder={{{added}}})"
        )


def _clean_up_spaces(text: str) -> str:
    """Undo the spaces a decoder puts before punctuation and English contractions ("do n't" → "don't")."""
    for spaced, joined in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(spaced, joined)
    return text
