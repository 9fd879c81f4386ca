"""The file names a checkpoint folder may contain, in one place."""

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
