"""What a tokenizer reads from a checkpoint, before any text is tokenized.

    tokenizer_config.json    special tokens, do_lower_case, model_max_length, padding_side, added tokens
    special_tokens_map.json  older home of the special tokens (read only when the config lacks
                             `added_tokens_decoder`, as transformers does)
    tokenizer.json           the whole Rust pipeline
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Tokenizer

from .checkpoint import Checkpoint, read_json
from .constants import SPECIAL_TOKENS_MAP_FILE, TOKENIZER_CONFIG_FILE
from .errors import TokenizerError
from .i18n import Text

__all__ = ["add_missing_tokens", "missing_files_error", "read_settings", "read_tokenizer_json", "token_text"]


def token_text(value: Any) -> str | None:
    """A special token as written in the JSON files: a string, or an AddedToken dict with its text in 'content'."""
    if isinstance(value, dict):
        return value.get("content")
    return value


def read_settings(checkpoint: Checkpoint) -> dict[str, Any]:
    """tokenizer_config.json, with special_tokens_map.json's tokens on top when the config is an old one."""
    config_file = checkpoint.get(TOKENIZER_CONFIG_FILE)
    settings = read_json(config_file, what=Text("tokenizer config")) if config_file is not None else {}
    # Since transformers 4.34 the config lists `added_tokens_decoder` and special_tokens_map.json is a leftover
    # that transformers no longer reads; before that, the map was the authority for special tokens.
    if "added_tokens_decoder" not in settings:
        map_file = checkpoint.get(SPECIAL_TOKENS_MAP_FILE)
        if map_file is not None:
            settings.update(read_json(map_file, what=Text("special tokens map")))
    return settings


def read_tokenizer_json(path: Path) -> Tokenizer:
    try:
        return Tokenizer.from_file(str(path))
    except Exception as err:  # the Rust side raises a bare Exception whose text says what is wrong
        raise TokenizerError(
            "{path} could not be read as a tokenizers pipeline: {reason}. The file is damaged or was written by a "
            "newer `tokenizers`; download it again, or upgrade with `pip install -U tokenizers`.",
            reason=str(err), path=path,
        ) from err


def missing_files_error(checkpoint: Checkpoint, needed: str | Text) -> TokenizerError:
    """The error to raise when no tokenizer file is there; `needed` names the files (a `Text` if in words)."""
    return TokenizerError(
        "{source} has no tokenizer: it needs {needed}, and it holds: {present}. "
        "Tokenizer files usually sit next to config.json; copy them from the model's Hub page, or load the "
        "tokenizer from the checkpoint it was trained with.",
        source=checkpoint.describe(), needed=needed, present=", ".join(checkpoint.listing()) or Text("nothing"),
        repo_id=checkpoint.name_or_path,
    )


def add_missing_tokens(backend: Tokenizer, added_tokens_decoder: dict[str, Any], special: list[str]) -> None:
    """Register added tokens and special tokens the pipeline lacks, so "[MASK]" in a text stays one token.

    tokenizer.json normally lists them already; a pipeline rebuilt from vocab.txt does not.
    """
    present = {token.content for token in backend.get_added_tokens_decoder().values()}
    new: list[AddedToken] = []
    for _, spec in sorted(added_tokens_decoder.items(), key=lambda item: int(item[0])):
        fields = {key: spec[key] for key in ("single_word", "lstrip", "rstrip", "normalized", "special") if key in spec}
        new.append(AddedToken(spec["content"], **fields))
    # Special tokens are matched on the raw text (normalized=False): lowercasing must not turn [CLS] into [cls].
    new += [AddedToken(token, special=True, normalized=False) for token in special]
    to_add = []
    for token in new:
        if token.content not in present:
            present.add(token.content)
            to_add.append(token)
    if to_add:
        backend.add_tokens(to_add)
