"""The file names a checkpoint folder may contain, and the environment variables autotutor reads, in one place."""

import os
from pathlib import Path

CONFIG_NAME = "config.json"

# Weights, in the order they are looked for.
SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
PICKLE_WEIGHTS_NAME = "pytorch_model.bin"
PICKLE_WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"

# Tokenizer files.
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
VOCAB_FILE = "vocab.txt"

# transformers stores "no limit" as this very large integer; kept so saved files read the same.
VERY_LARGE_INTEGER = int(1e30)

# Preprocessing: image processors and feature extractors (old and new homes of their settings).
PREPROCESSOR_CONFIG_FILE = "preprocessor_config.json"
PROCESSOR_CONFIG_FILE = "processor_config.json"


# Environment variables. Those of huggingface_hub keep its names and meanings; autotutor's start AUTOTUTOR_.
ENV_HUB_OFFLINE = "HF_HUB_OFFLINE"  # 1: never touch the network; files come from the cache (or the course pack)
ENV_LANG = "AUTOTUTOR_LANG"  # en, fr or ar: the language of every message, lesson and widget
ENV_PACK_DIR = "AUTOTUTOR_PACK_DIR"  # where the offline course pack lives (default: ~/.cache/autotutor/pack)
ENV_USE_PACK = "AUTOTUTOR_USE_PACK"  # 1: the course pack answers for its Hub ids even when the Hub is reachable

_TRUE = {"1", "on", "yes", "true"}


def env_flag(name: str) -> bool:
    """Whether the environment variable `name` is set to a true value: 1, on, yes or true (any case)."""
    return os.environ.get(name, "").strip().lower() in _TRUE


def env_text(name: str) -> str:
    """The environment variable `name`, stripped; "" when it is not set."""
    return os.environ.get(name, "").strip()


def autotutor_cache() -> Path:
    """Where autotutor keeps what it builds for you (the course pack, converted GGUF files):
    `$XDG_CACHE_HOME/autotutor`, else `~/.cache/autotutor`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autotutor"
