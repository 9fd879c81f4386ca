"""autotutor.tokenization_bpe against transformers 5.23: byte-level BPE tokenizers give the same ids, text, padding.

The checkpoints are tiny byte-level BPE tokenizers trained here with `tokenizers` on a few sentences and saved by
transformers itself (`PreTrainedTokenizerFast(tokenizer_object=...).save_pretrained`); tokenizer_config.json's
`tokenizer_class` is then set to each name a real checkpoint may carry. Two pre-tokenizers, as on the Hub:
    gpt2   ByteLevel with GPT-2's regex (GPT-2, SmolLM2, Llama 3)
    qwen   NFC, then Qwen2's regex (digits one by one), then ByteLevel without a regex
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from autotutor import AutoTokenizer
from autotutor.errors import TokenizerError
from autotutor.registry import REGISTRY, TOKENIZERS
from autotutor.tokenization_bpe import GPT2Tokenizer, LlamaTokenizer, Qwen2Tokenizer, TokenizersBackend

CORPUS = [
    "In a hole in the ground there lived a hobbit.",
    "Le garçon a mangé une crème brûlée à l'hôtel.",
    "Hello world! 12345 numbers and   spaces\nand new lines.",
    "The quick brown fox jumps over the lazy dog; don't you'll we've.",
] * 5
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>"]
QWEN_REGEX = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
              r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
TEXTS = [
    "In a hole in the ground there lived a hobbit.",
    " leading space and trailing space ",
    "Numbers 2024 and 12345, two  spaces\n\nand lines",
    "<|im_start|>user\nhi<|im_end|>",
    "émoji 🤗 café, مرحبا, 北京",
    "don't you'll",
    "",
]

# variant → (pre-tokenizer style, tokenizer_config.json changes)
VARIANTS = {
    "TokenizersBackend": ("gpt2", {"tokenizer_class": "TokenizersBackend"}),
    "PreTrainedTokenizerFast": ("gpt2", {"tokenizer_class": "PreTrainedTokenizerFast"}),
    "GPT2Tokenizer": ("gpt2", {"tokenizer_class": "GPT2Tokenizer"}),
    "GPT2TokenizerFast": ("gpt2", {"tokenizer_class": "GPT2TokenizerFast"}),
    "GPT2Tokenizer-prefix-space": ("gpt2", {"tokenizer_class": "GPT2Tokenizer", "add_prefix_space": True}),
    "LlamaTokenizer": ("gpt2", {"tokenizer_class": "LlamaTokenizer"}),
    "LlamaTokenizerFast-llama3": ("llama3", {"tokenizer_class": "LlamaTokenizerFast",
                                             "bos_token": "<|begin_of_text|>"}),
    "Qwen2Tokenizer": ("qwen", {"tokenizer_class": "Qwen2Tokenizer"}),
    "Qwen2TokenizerFast-left": ("qwen", {"tokenizer_class": "Qwen2TokenizerFast", "padding_side": "left"}),
    "qwen-TokenizersBackend": ("qwen", {"tokenizer_class": "TokenizersBackend"}),
}


def train_bpe(style: str):
    """A byte-level BPE of 300 tokens, trained on CORPUS, with the special tokens of chat models."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    if style == "qwen":
        tokenizer.normalizer = normalizers.NFC()
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS, trainer)
    if style == "llama3":  # Llama 3 adds <|begin_of_text|> in its post-processor
        bos = tokenizer.token_to_id("<|begin_of_text|>")
        tokenizer.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                          pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                          special_tokens=[("<|begin_of_text|>", bos)]),
        ])
    else:
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    return tokenizer


def save_bpe(folder: Path, style: str, changes: dict, *, config: dict | None = None) -> Path:
    """Save a trained BPE the way transformers does, then edit tokenizer_config.json as a Hub checkpoint reads."""
    from transformers import PreTrainedTokenizerFast

    PreTrainedTokenizerFast(tokenizer_object=train_bpe(style), bos_token="<|endoftext|>",
                            eos_token="<|endoftext|>").save_pretrained(folder)
    path = folder / "tokenizer_config.json"
    settings = {**json.loads(path.read_text()), **changes}
    path.write_text(json.dumps({key: value for key, value in settings.items() if value is not None}))
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="session")
def saved(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bpe")
    return {name: save_bpe(root / name, style, changes) for name, (style, changes) in VARIANTS.items()}


@pytest.fixture(scope="session")
def loaded(saved):
    """variant → (ours, transformers'), both from the same folder through AutoTokenizer."""
    import transformers

    transformers.logging.set_verbosity_error()  # "tokenizer_class is LlamaTokenizer but tokenizer.json is ByteLevel"
    return {name: (AutoTokenizer.from_pretrained(folder), transformers.AutoTokenizer.from_pretrained(folder))
            for name, folder in saved.items()}


@pytest.fixture(params=list(VARIANTS))
def pair(request, loaded):
    return loaded[request.param]


# ---------------------------------------------------------------------------------------------------------------
# Same tokenizer, same ids, same text
# ---------------------------------------------------------------------------------------------------------------
def test_class_special_tokens_and_sizes_are_transformers(pair):
    ours, theirs = pair
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.special_tokens_map == theirs.special_tokens_map
    assert (ours.bos_token_id, ours.eos_token_id, ours.pad_token_id) == \
           (theirs.bos_token_id, theirs.eos_token_id, theirs.pad_token_id)
    assert (len(ours), ours.vocab_size) == (len(theirs), theirs.vocab_size)
    assert ours.padding_side == theirs.padding_side


@pytest.mark.parametrize("text", TEXTS)
def test_ids_and_tokens_are_transformers(pair, text):
    ours, theirs = pair
    assert ours(text).input_ids == theirs(text).input_ids
    assert ours(text).attention_mask == theirs(text).attention_mask
    assert ours.tokenize(text) == theirs.tokenize(text)
    assert ours.encode(text, add_special_tokens=False) == theirs.encode(text, add_special_tokens=False)


@pytest.mark.parametrize("skip", [False, True])
def test_decode_is_transformers(pair, skip):
    ours, theirs = pair
    for text in TEXTS:
        ids = theirs(text).input_ids
        assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(ids, skip_special_tokens=skip)
    batch = theirs(TEXTS).input_ids
    assert ours.batch_decode(batch, skip_special_tokens=skip) == theirs.batch_decode(batch, skip_special_tokens=skip)


def test_byte_level_round_trip_keeps_every_character(loaded):
    ours, _ = loaded["GPT2Tokenizer"]
    for text in TEXTS:
        without_specials = text.replace("<|im_start|>", "").replace("<|im_end|>", "")
        assert ours.decode(ours(text).input_ids, skip_special_tokens=True) == without_specials


def test_llama3_post_processor_adds_begin_of_text(loaded):
    ours, theirs = loaded["LlamaTokenizerFast-llama3"]
    assert type(ours) is TokenizersBackend  # byte-level Llama 3 file: transformers' AutoTokenizer does the same
    assert ours("hello").input_ids[0] == ours.convert_tokens_to_ids("<|begin_of_text|>")
    assert ours("hello").input_ids == theirs("hello").input_ids


def test_add_prefix_space_reads_a_first_word_as_inside_a_sentence(loaded):
    ours, _ = loaded["GPT2Tokenizer-prefix-space"]
    plain_gpt2, _ = loaded["GPT2Tokenizer"]
    assert ours("hobbit").input_ids == plain_gpt2(" hobbit").input_ids


# ---------------------------------------------------------------------------------------------------------------
# Padding: left for generation, and the missing pad token
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["left", "right"])
def test_padding_is_transformers(pair, side):
    ours, theirs = pair
    batch = TEXTS[:4]
    before = ours.pad_token, theirs.pad_token  # the fixtures are shared: put them back afterwards
    for tok in (ours, theirs):
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
    try:
        mine = ours(batch, padding=True, padding_side=side, return_tensors="pt")
        ref = theirs(batch, padding=True, padding_side=side, return_tensors="pt")
        assert torch.equal(mine["input_ids"], ref["input_ids"])
        assert torch.equal(mine["attention_mask"], ref["attention_mask"])
        assert mine["input_ids"].dtype == torch.int64
    finally:
        ours.pad_token, theirs.pad_token = before


def test_left_padding_from_the_config_is_used_by_padding_true(loaded):
    ours, theirs = loaded["Qwen2TokenizerFast-left"]
    assert ours.padding_side == "left"
    mine = ours(["hi", "a longer text here"], padding=True)
    assert mine.input_ids == theirs(["hi", "a longer text here"], padding=True).input_ids
    assert mine.attention_mask[0][0] == 0 and mine.attention_mask[0][-1] == 1  # padding on the left
    assert mine.input_ids[0][0] == ours.pad_token_id


def test_padding_side_set_on_the_tokenizer_is_honoured(saved):
    ours = AutoTokenizer.from_pretrained(saved["GPT2Tokenizer"])
    ours.pad_token = ours.eos_token
    ours.padding_side = "left"
    ids = ours(["hi", "a longer text here"], padding=True).input_ids
    assert ids[0][0] == ours.pad_token_id and ids[0][-1] != ours.pad_token_id


def test_no_pad_token_says_to_use_the_eos_token(saved):
    ours = AutoTokenizer.from_pretrained(saved["GPT2Tokenizer"])
    assert ours.pad_token is None
    with pytest.raises(TokenizerError, match=r"tokenizer\.pad_token = tokenizer\.eos_token") as info:
        ours(["hi", "a longer text"], padding=True)
    assert info.value.key == "padding"
    ours(["hi", "a longer text"])  # without padding it works
    ours.pad_token = ours.eos_token
    assert ours(["hi", "a longer text"], padding=True).input_ids[0][-1] == ours.eos_token_id


def test_qwen2_pads_with_endoftext_without_setup(loaded):
    ours, theirs = loaded["Qwen2Tokenizer"]
    assert ours.pad_token == theirs.pad_token == "<|endoftext|>"


# ---------------------------------------------------------------------------------------------------------------
# Which class: tokenizer_config.json, else config.json's model_type
# ---------------------------------------------------------------------------------------------------------------
def test_every_name_is_registered():
    for name, cls in [("TokenizersBackend", TokenizersBackend), ("PreTrainedTokenizerFast", TokenizersBackend),
                      ("GPT2Tokenizer", GPT2Tokenizer), ("GPT2TokenizerFast", GPT2Tokenizer),
                      ("LlamaTokenizer", LlamaTokenizer), ("LlamaTokenizerFast", LlamaTokenizer),
                      ("Qwen2Tokenizer", Qwen2Tokenizer), ("Qwen2TokenizerFast", Qwen2Tokenizer)]:
        assert TOKENIZERS[name] is cls


@pytest.mark.parametrize(("model_type", "style", "expected"), [
    ("gpt2", "gpt2", GPT2Tokenizer), ("qwen2", "qwen", Qwen2Tokenizer), ("llama", "gpt2", TokenizersBackend),
])
def test_model_type_decides_when_the_config_names_no_class(tmp_path, model_type, style, expected):
    if model_type not in REGISTRY:
        pytest.skip(f"{model_type} is not registered yet")
    import transformers

    folder = save_bpe(tmp_path / model_type, style, {"tokenizer_class": None}, config={"model_type": model_type})
    ours, theirs = AutoTokenizer.from_pretrained(folder), transformers.AutoTokenizer.from_pretrained(folder)
    assert type(ours) is expected
    assert type(ours).__name__ == type(theirs).__name__
    for text in TEXTS:
        assert ours(text).input_ids == theirs(text).input_ids


def test_the_class_loads_directly(saved):
    ours = GPT2Tokenizer.from_pretrained(saved["GPT2Tokenizer"])
    assert ours("hello").input_ids == AutoTokenizer.from_pretrained(saved["GPT2Tokenizer"])("hello").input_ids


def test_a_folder_without_tokenizer_json_is_refused_clearly(tmp_path, saved):
    folder = tmp_path / "no-json"
    shutil.copytree(saved["GPT2Tokenizer"], folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(TokenizerError, match="tokenizer.json"):
        AutoTokenizer.from_pretrained(folder)


def test_tokenizer_json_options_are_accepted_as_keywords(saved):
    ours = AutoTokenizer.from_pretrained(saved["GPT2Tokenizer"], add_prefix_space=True, padding_side="left")
    assert ours.padding_side == "left"
    assert ours("hobbit").input_ids == AutoTokenizer.from_pretrained(saved["GPT2Tokenizer"])(" hobbit").input_ids
