"""GGUF files (llama.cpp's format) → the files `from_pretrained` reads: a config, float32 weights, a tokenizer.

A GGUF file holds a whole model in one file: metadata (the sizes, the tokenizer's vocabulary and merges, the chat
template) as typed key/value pairs, then every tensor, most of them quantised to a few bits per weight. The `gguf`
package (llama.cpp's own Python reader) parses the file and dequantises the blocks; this module does what is left,
which is what transformers' `from_pretrained(..., gguf_file=...)` does too:

1. **config** — llama.cpp's keys (`llama.block_count`, `llama.embedding_length`, ...) → transformers' names
   (`num_hidden_layers`, `hidden_size`, ...), as a `config.json` dict.
2. **weights** — llama.cpp's tensor names (`blk.0.attn_q.weight`) → the Hub's
   (`model.layers.0.self_attn.q_proj.weight`), dequantised to float32, with one reordering undone: llama.cpp's
   converter permutes the rows of the query and key projections of Llama (see `_undo_rotary_permutation`).
3. **tokenizer** — the vocabulary, merges and token types → a `tokenizers` byte-level BPE, the special tokens,
   and the chat template.

    >>> contents = read_gguf("SmolLM2-135M-Instruct.Q4_1.gguf")  # doctest: +SKIP
    >>> contents.config_dict["num_hidden_layers"], contents.state_dict["model.norm.weight"].shape
    (30, torch.Size([576]))
    >>> write_checkpoint("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2")  # doctest: +SKIP
    PosixPath('smollm2')

Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md. Reading a tensor back in float32
does not undo the quantisation: a Q4_1 weight is 16 levels per block of 32, and stays so once dequantised.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gguf import GGUFReader, GGMLQuantizationType
from gguf.quants import dequantize
from tokenizers import AddedToken, Regex, Tokenizer, decoders, pre_tokenizers, processors
from tokenizers.models import BPE

from .constants import CONFIG_NAME, SAFE_WEIGHTS_NAME, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, autotutor_cache
from .errors import ArgumentError, ConfigError, CorruptWeightsError, TokenizerError, UnknownModelTypeError
from .errors import WeightsNotFoundError

__all__ = ["GGUFContents", "SUPPORTED_ARCHITECTURES", "SUPPORTED_TENSOR_TYPES", "read_gguf", "write_checkpoint"]

GGUF_MAGIC = b"GGUF"  # the first four bytes of every GGUF file
GENERATION_CONFIG_FILE = "generation_config.json"

# general.architecture → (config.json's model_type, its architectures entry).
SUPPORTED_ARCHITECTURES = {
    "llama": ("llama", "LlamaForCausalLM"),
    "qwen2": ("qwen2", "Qwen2ForCausalLM"),
}

# The tensor types read here: plain floats, and llama.cpp's block quantisations that gguf.quants dequantises
# exactly (each block of 32 or 256 weights stores a scale, sometimes a minimum, and small integers).
SUPPORTED_TENSOR_TYPES = frozenset({
    GGMLQuantizationType.F32, GGMLQuantizationType.F16, GGMLQuantizationType.BF16,
    GGMLQuantizationType.Q8_0, GGMLQuantizationType.Q4_0, GGMLQuantizationType.Q4_1,
    GGMLQuantizationType.Q5_0, GGMLQuantizationType.Q5_1,
    GGMLQuantizationType.Q2_K, GGMLQuantizationType.Q3_K, GGMLQuantizationType.Q4_K,
    GGMLQuantizationType.Q5_K, GGMLQuantizationType.Q6_K,
})

# llama.cpp's tensor names → the Hub's. Outside the blocks:
TOP_LEVEL_NAMES = {
    "token_embd": "model.embed_tokens",
    "output_norm": "model.norm",
    "output": "lm_head",
}
# Inside block N (`blk.N.attn_q.weight` → `model.layers.N.self_attn.q_proj.weight`):
BLOCK_NAMES = {
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_norm": "post_attention_layernorm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}

# tokenizer_config.json's special tokens → the metadata key (after "tokenizer.ggml.") of each one's id.
TOKEN_ID_KEYS = {"bos": "bos_token_id", "eos": "eos_token_id", "unk": "unknown_token_id", "pad": "padding_token_id"}
# tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
CONTROL_TOKEN, USER_DEFINED_TOKEN = 3, 4

# tokenizer.ggml.pre → the regular expression that splits text before BPE, for the vocabularies whose merges were
# learned on another split than GPT-2's (None: GPT-2's own, built into the ByteLevel pre-tokenizer).
_LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
PRE_TOKENIZER_SPLITS = {"llama3": _LLAMA3_SPLIT, "llama-v3": _LLAMA3_SPLIT, "llama-bpe": _LLAMA3_SPLIT,
                        "qwen2": _QWEN2_SPLIT}


@dataclass
class GGUFContents:
    """What a GGUF file turns into: the contents of the files a checkpoint folder would hold.

    Fields:
        config_dict: config.json, as transformers names it (`model_type`, `hidden_size`, `rope_parameters`, ...).
        state_dict: parameter name (the Hub's) → float32 tensor, dequantised.
        tokenizer_json: the `tokenizers.Tokenizer` that tokenizer.json would hold.
        tokenizer_config: tokenizer_config.json (special tokens, `chat_template`).
        generation_config: generation_config.json (the special token ids).
        metadata: every key/value pair of the file, as Python values (`"llama.block_count": 30`).
    """

    config_dict: dict[str, Any]
    state_dict: dict[str, torch.Tensor]
    tokenizer_json: Tokenizer
    tokenizer_config: dict[str, Any]
    generation_config: dict[str, Any]
    metadata: dict[str, Any] = field(repr=False, default_factory=dict)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the five files into `folder` (created if needed) and return its path; see `write_checkpoint`."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _write_json(folder / CONFIG_NAME, self.config_dict)
        save_file({name: tensor.contiguous() for name, tensor in self.state_dict.items()},
                  folder / SAFE_WEIGHTS_NAME, metadata={"format": "pt"})
        self.tokenizer_json.save(str(folder / TOKENIZER_FILE))
        _write_json(folder / TOKENIZER_CONFIG_FILE, self.tokenizer_config)
        _write_json(folder / GENERATION_CONFIG_FILE, self.generation_config)
        return folder


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- 0. Opening the file ---------------------------------------------------------------------------------------


def _open(path: Path) -> GGUFReader:
    """The gguf package's reader on `path`, after checking that the file is a GGUF file at all."""
    if not path.is_file():
        raise WeightsNotFoundError("The GGUF file {path} does not exist.", path=path)
    with open(path, "rb") as f:
        magic = f.read(len(GGUF_MAGIC))
    if magic != GGUF_MAGIC:
        raise CorruptWeightsError(
            "{path} is not a GGUF file: it starts with {value!r}, not with the bytes b'GGUF' every GGUF file "
            "starts with. Check that you gave the .gguf file itself and that its download finished.",
            path=path, value=magic,
        )
    try:
        return GGUFReader(path)
    except (ValueError, IndexError, KeyError, OverflowError) as err:  # what the reader raises on short reads
        # The reader slices the file where the header says each value lies: a file cut short fails there.
        raise CorruptWeightsError(
            "{path} could not be read as a GGUF file: it is probably truncated ({size} bytes) or damaged. Delete "
            "it and download it again. (The gguf reader stopped with: {reason})",
            path=path, size=path.stat().st_size, reason=str(err),
        ) from err


def _metadata(reader: GGUFReader) -> dict[str, Any]:
    """Every key/value pair of the file as Python values; the reader's own bookkeeping (`GGUF.*`) left out."""
    return {key: value.contents() for key, value in reader.fields.items() if not key.startswith("GGUF.")}


def _required(metadata: dict[str, Any], key: str, path: Path) -> Any:
    if key not in metadata:
        raise ConfigError(
            "{path} has no '{key}' in its metadata, which a model of this architecture needs. The file was "
            "probably written by an old or unusual converter: convert the model again with llama.cpp.",
            path=path, key=key,
        )
    return metadata[key]


# --- 1. The config -----------------------------------------------------------------------------------------------


def _architecture(metadata: dict[str, Any], path: Path) -> str:
    architecture = _required(metadata, "general.architecture", path)
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise UnknownModelTypeError(
            "{path} holds a '{value}' model (its general.architecture); autotutor reads GGUF files of these "
            "architectures only: {supported}.",
            path=path, key="general.architecture", value=architecture, supported=", ".join(SUPPORTED_ARCHITECTURES),
        )
    return architecture


def _config_dict(metadata: dict[str, Any], tensor_names: set[str], path: Path) -> dict[str, Any]:
    """config.json from llama.cpp's keys, which are prefixed by the architecture (`llama.block_count`)."""
    arch = _architecture(metadata, path)
    model_type, class_name = SUPPORTED_ARCHITECTURES[arch]

    def key(name: str) -> Any:
        return _required(metadata, f"{arch}.{name}", path)

    heads = int(key("attention.head_count"))
    hidden = int(key("embedding_length"))
    tokens = metadata.get("tokenizer.ggml.tokens")
    # The vocabulary size: stated, else the tokenizer's, else the embedding's rows (as transformers reads it).
    vocab_size = metadata.get(f"{arch}.vocab_size", len(tokens) if tokens else None)
    config: dict[str, Any] = {
        "architectures": [class_name],
        "model_type": model_type,
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "intermediate_size": int(key("feed_forward_length")),
        "num_hidden_layers": int(key("block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(metadata.get(f"{arch}.attention.head_count_kv", heads)),
        "hidden_act": "silu",  # both architectures use SwiGLU; llama.cpp does not store it
        "max_position_embeddings": int(key("context_length")),
        # float32 in the file; float() keeps its exact value (9.999999747378752e-06, not 1e-05), as transformers does
        "rms_norm_eps": float(key("attention.layer_norm_rms_epsilon")),
        "rope_parameters": _rope_parameters(metadata, arch, path),
        # An untied model stores its output projection; a tied one reuses the embedding (as transformers decides).
        "tie_word_embeddings": "output.weight" not in tensor_names,
        "dtype": "float32",
    }
    if arch == "llama":
        config["head_dim"] = int(metadata.get("llama.rope.dimension_count", hidden // heads))
        config["attention_bias"] = "blk.0.attn_q.bias" in tensor_names
        config["mlp_bias"] = False
    for name in ("bos", "eos", "pad"):
        token_id = metadata.get(f"tokenizer.ggml.{TOKEN_ID_KEYS[name]}")
        config[f"{name}_token_id"] = int(token_id) if token_id is not None else None
    return config


def _rope_parameters(metadata: dict[str, Any], arch: str, path: Path) -> dict[str, Any]:
    """transformers 5's `rope_parameters`: the base of the rotary frequencies, and how positions are scaled."""
    parameters: dict[str, Any] = {"rope_theta": float(metadata.get(f"{arch}.rope.freq_base", 10000.0)),
                                  "rope_type": "default"}
    scaling_key = f"{arch}.rope.scaling.type"
    scaling = metadata.get(scaling_key, "none")
    if scaling == "linear":
        parameters.update(rope_type="linear", factor=float(metadata[f"{arch}.rope.scaling.factor"]))
    elif scaling != "none":
        raise ConfigError(
            "{path} scales its rotary positions with '{value}' ({key}); autotutor reads GGUF files with no "
            "scaling or linear scaling only.",
            path=path, key=scaling_key, value=scaling,
        )
    return parameters


# --- 2. The weights ----------------------------------------------------------------------------------------------


def _hub_name(gguf_name: str, path: Path) -> str:
    """`blk.3.ffn_up.weight` → `model.layers.3.mlp.up_proj.weight`; `output.weight` → `lm_head.weight`."""
    stem, _, kind = gguf_name.rpartition(".")  # kind: weight or bias
    block = re.fullmatch(r"blk\.(\d+)\.(\w+)", stem)
    if block and block.group(2) in BLOCK_NAMES:
        return f"model.layers.{block.group(1)}.{BLOCK_NAMES[block.group(2)]}.{kind}"
    if stem in TOP_LEVEL_NAMES:
        return f"{TOP_LEVEL_NAMES[stem]}.{kind}"
    raise ConfigError(
        "{path} holds a tensor named {key} that autotutor does not know where to put. Known names: "
        "{known}, each inside blk.N.; and {top}.",
        path=path, key=gguf_name, known=", ".join(BLOCK_NAMES), top=", ".join(TOP_LEVEL_NAMES),
    )


def _dequantized(tensor: Any, path: Path) -> torch.Tensor:
    """A tensor of the file as float32, in PyTorch's (row-major) shape."""
    if tensor.tensor_type not in SUPPORTED_TENSOR_TYPES:
        raise ArgumentError(
            "Tensor {key} of {path} is stored as {value}, a type autotutor cannot dequantise. Supported "
            "types: {supported}. Pick a file of the model quantised another way (Q8_0 or Q4_K_M, for example).",
            path=path, key=tensor.name, value=tensor.tensor_type.name,
            supported=", ".join(sorted(t.name for t in SUPPORTED_TENSOR_TYPES)),
        )
    # GGUF lists dimensions fastest-varying first: a (576 → 1536) projection is stored as [576, 1536],
    # which is PyTorch's (1536, 576) (out_features, in_features) read the other way round.
    shape = tuple(int(d) for d in reversed(tensor.shape.tolist()))
    values = dequantize(tensor.data, tensor.tensor_type)  # numpy, a view of the file for F32
    return torch.from_numpy(np.array(values, dtype=np.float32).reshape(shape))  # a copy: no tensor maps the file


def _undo_rotary_permutation(weight: torch.Tensor, heads: int) -> torch.Tensor:
    """Put back the row order of a Llama query or key projection that llama.cpp's converter changed.

    Rotary embeddings turn pairs of a head's features together. transformers pairs feature i with feature
    i + D/2 ("rotate_half"); llama.cpp, like Meta's original LLaMA code, pairs neighbours 2i and 2i+1. So
    llama.cpp's converter (`convert_hf_to_gguf.py`, LlamaModel.permute) reorders each head's D rows of a Hub
    checkpoint as 0, D/2, 1, D/2+1, ...; this puts them back in the order 0, 1, ..., D-1, as transformers does
    when it loads a GGUF file. Biases (1-D) move the same way. Qwen2 files are not permuted.

    weight: (heads * D, in_features) or (heads * D,).
    """
    half = weight.shape[0] // heads // 2
    rest = weight.shape[1:]
    # (heads, D/2, 2, ...) → (heads, 2, D/2, ...): row 2i+j of a head goes back to row j * D/2 + i
    return weight.reshape(heads, half, 2, *rest).transpose(1, 2).reshape(weight.shape)


def _state_dict(reader: GGUFReader, config: dict[str, Any], path: Path) -> dict[str, torch.Tensor]:
    state_dict = {}
    for tensor in reader.tensors:
        name = _hub_name(tensor.name, path)
        weight = _dequantized(tensor, path)
        if config["model_type"] == "llama" and ".attn_q." in tensor.name:
            weight = _undo_rotary_permutation(weight, config["num_attention_heads"])
        elif config["model_type"] == "llama" and ".attn_k." in tensor.name:
            weight = _undo_rotary_permutation(weight, config["num_key_value_heads"])
        state_dict[name] = weight
    return state_dict


# --- 3. The tokenizer ------------------------------------------------------------------------------------------


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte alphabet: each of the 256 byte values → one printable character.

    Byte-level BPE works on bytes, and spells each byte as a visible character so that vocabularies and merges
    are readable text: printable bytes stand for themselves, the others (a space is 0x20) are moved to
    U+0100 and above — which is why a space reads `Ġ` (U+0120) in the vocabulary.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    spelling = {byte: chr(byte) for byte in printable}
    moved = 0
    for byte in range(256):
        if byte not in spelling:
            spelling[byte] = chr(256 + moved)
            moved += 1
    return spelling


def _tokenizer(metadata: dict[str, Any], path: Path) -> tuple[Tokenizer, dict[str, Any]]:
    """tokenizer.json and tokenizer_config.json from the `tokenizer.*` metadata, as transformers builds them."""
    model = metadata.get("tokenizer.ggml.model")
    if model != "gpt2":
        raise TokenizerError(
            "{path} describes a '{value}' tokenizer (tokenizer.ggml.model); autotutor builds byte-level BPE "
            "tokenizers ('gpt2', as GPT-2, Llama 3, Qwen2 and SmolLM2 use) only.",
            path=path, key="tokenizer.ggml.model", value=model,
        )
    tokens = _required(metadata, "tokenizer.ggml.tokens", path)
    token_types = metadata.get("tokenizer.ggml.token_type") or [1] * len(tokens)
    spelling = _bytes_to_unicode()
    alphabet = set(spelling.values())
    # A token the file spells with other characters (a raw "é") is respelled in the byte alphabet ("Ã©").
    vocab = {token if set(token) <= alphabet else "".join(spelling[b] for b in token.encode("utf-8")): index
             for index, token in enumerate(tokens)}
    merges = [tuple(merge.split(" ")) for merge in _required(metadata, "tokenizer.ggml.merges", path)]
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, dropout=None, continuing_subword_prefix="",
                              end_of_word_suffix="", fuse_unk=False))
    split = PRE_TOKENIZER_SPLITS.get(metadata.get("tokenizer.ggml.pre"))
    if split is None:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:  # split the text first, then only respell its bytes
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tokenizer.decoder = decoders.ByteLevel()

    # Control tokens (<|im_start|>) are special: matched whole, never split, dropped by decode(skip_special_tokens).
    # One that uses characters outside the byte alphabet is a mislabel of llama.cpp's converter, skipped as
    # transformers skips it. User-defined tokens (<think>) are matched whole too, but are not special.
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True)
                                  for token, kind in zip(tokens, token_types)
                                  if kind == CONTROL_TOKEN and set(token) <= alphabet])
    tokenizer.add_tokens([AddedToken(token, normalized=False, special=False)
                          for token, kind in zip(tokens, token_types) if kind == USER_DEFINED_TOKEN and token in vocab])

    config: dict[str, Any] = {"tokenizer_class": "TokenizersBackend"}  # what transformers 5 saves for this tokenizer
    for name, key in TOKEN_ID_KEYS.items():
        token_id = metadata.get(f"tokenizer.ggml.{key}")
        config[f"{name}_token"] = tokens[token_id] if token_id is not None else None
    config["add_bos_token"] = bool(metadata.get("tokenizer.ggml.add_bos_token", False))
    config["add_eos_token"] = bool(metadata.get("tokenizer.ggml.add_eos_token", False))
    tokenizer.post_processor = _post_processor(config, tokenizer)
    if "tokenizer.chat_template" in metadata:
        config["chat_template"] = metadata["tokenizer.chat_template"]
    return tokenizer, config


def _post_processor(config: dict[str, Any], tokenizer: Tokenizer) -> processors.TemplateProcessing:
    """What encode() adds around a text: the BOS and EOS tokens, where the file asks for them."""
    bos = config["bos_token"] if config["add_bos_token"] and config["bos_token"] else None
    eos = config["eos_token"] if config["add_eos_token"] and config["eos_token"] else None
    single = " ".join([*([f"{bos}:0"] if bos else []), "$A:0", *([f"{eos}:0"] if eos else [])])
    pair = " ".join([single, *([f"{bos}:1"] if bos else []), "$B:1", *([f"{eos}:1"] if eos else [])])
    special_tokens = [(token, tokenizer.token_to_id(token)) for token in (bos, eos) if token]
    return processors.TemplateProcessing(single=single, pair=pair, special_tokens=special_tokens)


# --- Putting it together -----------------------------------------------------------------------------------------


def read_gguf(path: str | os.PathLike) -> GGUFContents:
    """Read a GGUF file of a Llama or Qwen2 model into the contents of a checkpoint folder.

    Args:
        path: the .gguf file.

    Returns:
        A `GGUFContents`: config, float32 state dict (the Hub's names), tokenizer, tokenizer and generation config.

    Raises:
        WeightsNotFoundError: the file does not exist.
        CorruptWeightsError: the file is not a GGUF file, or is truncated.
        UnknownModelTypeError: the model is neither Llama nor Qwen2.
        ArgumentError: a tensor is stored in a type autotutor cannot dequantise.

    Example:
        >>> read_gguf("SmolLM2-135M-Instruct.Q4_1.gguf").config_dict["model_type"]  # doctest: +SKIP
        'llama'
    """
    path = Path(path)
    reader = _open(path)
    metadata = _metadata(reader)
    config = _config_dict(metadata, {tensor.name for tensor in reader.tensors}, path)
    state_dict = _state_dict(reader, config, path)
    tokenizer, tokenizer_config = _tokenizer(metadata, path)
    if config["vocab_size"] is None:
        config["vocab_size"] = state_dict["model.embed_tokens.weight"].shape[0]
    generation_config = {f"{name}_token_id": config[f"{name}_token_id"] for name in ("bos", "eos", "pad")
                         if config[f"{name}_token_id"] is not None}
    return GGUFContents(config, state_dict, tokenizer, tokenizer_config, generation_config, metadata)


def write_checkpoint(gguf_path: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Write a GGUF file out as a checkpoint folder that `from_pretrained(folder)` loads.

    The folder gets config.json, model.safetensors (float32), tokenizer.json, tokenizer_config.json (with the
    chat template) and generation_config.json. It is created if needed; files of the same names are replaced.

    Example:
        >>> write_checkpoint("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2")  # doctest: +SKIP
        PosixPath('smollm2')
    """
    return read_gguf(gguf_path).save(folder)


def converted_folder(gguf_path: str | os.PathLike) -> Path:
    """The checkpoint folder `write_checkpoint` makes of `gguf_path`, made once and kept in a cache
    (`$XDG_CACHE_HOME/autotutor/gguf/`, else `~/.cache/autotutor/gguf/`): `from_pretrained(..., gguf_file=...)`
    reads it like any other checkpoint. The folder's name follows the file's path, size and modification time,
    so a changed file is converted again; the folder is written aside and renamed into place when complete."""
    import hashlib
    import shutil
    import uuid

    path = Path(gguf_path).resolve()
    stat = path.stat()
    key = hashlib.sha256(f"{path}\n{stat.st_size}\n{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    cache = autotutor_cache() / "gguf"
    folder = cache / f"{path.stem}-{key}"
    if (folder / SAFE_WEIGHTS_NAME).is_file():
        return folder
    staging = cache / f".staging-{uuid.uuid4().hex}"
    try:
        write_checkpoint(path, staging)
        staging.rename(folder)
    except OSError:  # another process finished first: its folder is as good as ours
        if not (folder / SAFE_WEIGHTS_NAME).is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
