"""autotutor.tokenization against transformers 5.23, the reference: same ids, same offsets, same printout.

Four checkpoints, loaded once per session by both libraries:
    minilm          the real all-MiniLM-L6-v2 folder (tokenizer.json + vocab.txt + both JSON configs)
    vocab-uncased   only vocab.txt + tokenizer_config.json: the pipeline is rebuilt from the vocabulary
    vocab-cased     the same with do_lower_case=false
    distilbert      a DistilBertTokenizer saved by transformers itself (no model_max_length: "unlimited")
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from autotutor.batch_encoding import BatchEncoding
from autotutor.errors import ConfigError, TokenizerError
from autotutor.registry import TOKENIZERS, tokenizer_class_for
from autotutor.tokenization import PreTrainedTokenizer
from autotutor.tokenization_bert import BertTokenizer, DistilBertTokenizer

HOBBIT = "In a hole in the ground there lived a hobbit."
FRENCH = "Le garçon a mangé une crème brûlée à l'hôtel."
ARABIC = "مرحبا بكم في درس المُجزّئ"
EMOJI = "I love 🤗 and 🍕, don't you?"
CASED = "Hello World from Paris"
SPECIAL = "hello [MASK] world [SEP] again"
CJK_AND_ODD = "北京欢迎你 " + "x" * 120 + " tab\there\x00"  # CJK split per character, a word too long for WordPiece
LONG = " ".join(["tokenization"] * 300)  # 600+ tokens: longer than MiniLM's model_max_length of 512
TEXTS = [HOBBIT, FRENCH, ARABIC, EMOJI, "", CASED, SPECIAL, CJK_AND_ODD]

TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints, each loaded by both libraries once
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def checkpoints(minilm_dir: Path, tmp_path_factory) -> dict[str, tuple[type[PreTrainedTokenizer], Path]]:
    import transformers

    root = tmp_path_factory.mktemp("tokenizers")
    folders = {"minilm": (BertTokenizer, minilm_dir)}
    for name, lower in (("vocab-uncased", True), ("vocab-cased", False)):
        folder = root / name
        folder.mkdir()
        shutil.copy(minilm_dir / "vocab.txt", folder)
        config = json.loads((minilm_dir / "tokenizer_config.json").read_text())
        (folder / "tokenizer_config.json").write_text(json.dumps({**config, "do_lower_case": lower}))
        folders[name] = (BertTokenizer, folder)
    distilbert = root / "distilbert"
    transformers.DistilBertTokenizer(vocab=str(minilm_dir / "vocab.txt")).save_pretrained(distilbert)
    folders["distilbert"] = (DistilBertTokenizer, distilbert)
    return folders


@pytest.fixture(scope="session")
def loaded(checkpoints) -> dict[str, tuple[PreTrainedTokenizer, object]]:
    """name → (ours, transformers'), both from the same folder."""
    from transformers import AutoTokenizer

    return {name: (cls.from_pretrained(folder), AutoTokenizer.from_pretrained(folder))
            for name, (cls, folder) in checkpoints.items()}


@pytest.fixture(params=["minilm", "vocab-uncased", "vocab-cased", "distilbert"])
def pair(request, loaded):
    return loaded[request.param]


def plain(value):
    """Tensors → nested lists, so values compare with ==."""
    return value.tolist() if hasattr(value, "tolist") else value


def assert_same_encoding(ours: BatchEncoding, theirs, *, batch_size: int) -> None:
    assert list(ours.keys()) == list(theirs.keys())
    for key in theirs.keys():
        if torch.is_tensor(theirs[key]):
            assert torch.is_tensor(ours[key]) and ours[key].dtype == theirs[key].dtype == torch.int64, key
            assert ours[key].shape == theirs[key].shape, key
        assert plain(ours[key]) == plain(theirs[key]), key
    for index in range(batch_size):
        assert ours.word_ids(index) == theirs.word_ids(index)
        assert ours.tokens(index) == theirs.tokens(index)
        assert ours.sequence_ids(index) == theirs.sequence_ids(index)


# ---------------------------------------------------------------------------------------------------------------
# Calls: same output as transformers, key for key
# ---------------------------------------------------------------------------------------------------------------
# (id, text, text_pair, options, batch size)
CALLS = [
    ("english", HOBBIT, None, {}, 1),
    ("french-accents", FRENCH, None, {}, 1),
    ("arabic", ARABIC, None, {}, 1),
    ("emoji", EMOJI, None, {}, 1),
    ("empty", "", None, {}, 1),
    ("special-tokens-in-text", SPECIAL, None, {}, 1),
    ("pair", HOBBIT, FRENCH, {}, 1),
    ("pair-empty-second", HOBBIT, "", {}, 1),  # transformers drops an empty single text_pair
    ("batch-longest", TEXTS, None, {"padding": True}, len(TEXTS)),
    ("batch-max-length", TEXTS, None, {"padding": "max_length", "max_length": 16, "truncation": True}, len(TEXTS)),
    ("batch-pairs", TEXTS[:3], TEXTS[3:6], {"padding": "longest"}, 3),
    ("batch-pairs-empty-second", [HOBBIT, EMOJI], ["", FRENCH], {}, 2),
    ("max-length-alone-truncates", HOBBIT, None, {"max_length": 6}, 1),
    ("truncation-longest-first", HOBBIT, FRENCH, {"truncation": "longest_first", "max_length": 12}, 1),
    ("truncation-only-first", HOBBIT, "short", {"truncation": "only_first", "max_length": 9}, 1),
    ("truncation-only-second", "short", FRENCH, {"truncation": "only_second", "max_length": 9}, 1),
    ("truncation-true-with-max-length", HOBBIT, None, {"truncation": True, "max_length": 7}, 1),
    ("truncation-true-model-max", LONG, None, {"truncation": True}, 1),
    ("padding-max-length-model-max", HOBBIT, None, {"padding": "max_length"}, 1),
    ("pad-to-multiple", [HOBBIT, "a"], None, {"padding": True, "pad_to_multiple_of": 8}, 2),
    ("padding-left", [HOBBIT, "a"], None, {"padding": True, "padding_side": "left"}, 2),
    ("padding-off-string", [HOBBIT, "a"], None, {"padding": "do_not_pad", "truncation": "do_not_truncate"}, 2),
    ("no-special-tokens", HOBBIT, None, {"add_special_tokens": False}, 1),
    ("split-words", ["In", "a", "hôle", "🤗"], None, {"is_split_into_words": True}, 1),
    ("split-words-batch", [["In", "a"], ["hobbit", "hole", "!"]], None,
     {"is_split_into_words": True, "padding": True}, 2),
    ("split-words-pair", ["In", "a"], ["hobbit", "hole"], {"is_split_into_words": True}, 1),
    ("tensors-pt-batch", TEXTS, None, {"padding": True, "return_tensors": "pt"}, len(TEXTS)),
    ("tensors-pt-single", HOBBIT, None, {"return_tensors": "pt"}, 1),
    ("tensors-pt-all-outputs", [HOBBIT, ARABIC], None,
     {"padding": True, "return_tensors": "pt", "return_offsets_mapping": True,
      "return_special_tokens_mask": True, "return_length": True}, 2),
    ("offsets", FRENCH, EMOJI, {"return_offsets_mapping": True}, 1),
    ("offsets-batch", TEXTS, None, {"return_offsets_mapping": True, "padding": True}, len(TEXTS)),
    ("extra-outputs-single", HOBBIT, None, {"return_special_tokens_mask": True, "return_length": True}, 1),
    ("fewer-outputs", [HOBBIT], None, {"return_token_type_ids": False, "return_attention_mask": False}, 1),
    ("more-outputs", [HOBBIT], None, {"return_token_type_ids": True}, 1),
]


@pytest.mark.parametrize(("text", "text_pair", "options", "batch_size"),
                         [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_call_matches_transformers(pair, text, text_pair, options, batch_size):
    ours, theirs = pair
    assert_same_encoding(ours(text, text_pair, **options), theirs(text, text_pair, **options), batch_size=batch_size)


def test_truncation_side_left_matches_transformers(checkpoints):
    from transformers import AutoTokenizer

    cls, folder = checkpoints["minilm"]
    ours = cls.from_pretrained(folder, truncation_side="left", padding_side="left", model_max_length=8)
    theirs = AutoTokenizer.from_pretrained(folder, truncation_side="left", padding_side="left", model_max_length=8)
    for options in ({"truncation": True}, {"padding": "max_length", "truncation": True}):
        assert_same_encoding(ours([HOBBIT, "a"], **options), theirs([HOBBIT, "a"], **options), batch_size=2)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("text", TEXTS + [LONG], ids=lambda t: t[:12] or "empty")
def test_tokenize_and_decode_match_transformers(pair, text):
    ours, theirs = pair
    assert ours.tokenize(text) == theirs.tokenize(text)
    assert ours.tokenize(text, "second text") == theirs.tokenize(text, "second text")
    ids = theirs(text).input_ids
    assert ours.encode(text) == ids
    for skip in (False, True):
        assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(ids, skip_special_tokens=skip)
        assert ours.convert_ids_to_tokens(ids, skip_special_tokens=skip) == theirs.convert_ids_to_tokens(
            ids, skip_special_tokens=skip)


def test_decode_forms_match_transformers(pair):
    ours, theirs = pair
    batch = theirs(TEXTS, padding=True, return_tensors="pt").input_ids
    assert ours.batch_decode(batch, skip_special_tokens=True) == theirs.batch_decode(batch, skip_special_tokens=True)
    assert ours.decode(batch) == theirs.decode(batch)  # a 2-D input decodes to one text per row
    assert ours.decode(batch[0]) == theirs.decode(batch[0])
    assert ours.batch_decode(batch[0]) == theirs.batch_decode(batch[0])  # one sequence: a batch of one
    assert ours.decode(7592) == theirs.decode(7592)
    assert ours.decode([7592, 1012], clean_up_tokenization_spaces=True) == theirs.decode(
        [7592, 1012], clean_up_tokenization_spaces=True)


ATTRIBUTES = [
    "vocab_size", "model_max_length", "padding_side", "truncation_side", "model_input_names", "name_or_path",
    "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "bos_token", "eos_token",
    "unk_token_id", "sep_token_id", "pad_token_id", "cls_token_id", "mask_token_id", "bos_token_id",
    "eos_token_id", "all_special_tokens", "all_special_ids", "special_tokens_map", "clean_up_tokenization_spaces",
]


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_attributes_match_transformers(pair, attribute):
    ours, theirs = pair
    assert getattr(ours, attribute) == getattr(theirs, attribute)


def test_vocabulary_matches_transformers(pair):
    ours, theirs = pair
    assert len(ours) == len(theirs)
    assert ours.get_vocab() == theirs.get_vocab()
    assert ours.convert_tokens_to_ids(["hello", "##bb", "notawordatall"]) == theirs.convert_tokens_to_ids(
        ["hello", "##bb", "notawordatall"])
    assert ours.convert_tokens_to_ids("[CLS]") == theirs.convert_tokens_to_ids("[CLS]")
    assert ours.convert_ids_to_tokens(7570) == theirs.convert_ids_to_tokens(7570)
    assert repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__


# ---------------------------------------------------------------------------------------------------------------
# Golden outputs and the printed form
# ---------------------------------------------------------------------------------------------------------------
def test_golden_hobbit_ids(minilm_dir):
    tok = BertTokenizer.from_pretrained(minilm_dir)
    assert tok(HOBBIT).input_ids == [101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183,
                                     1012, 102]
    assert tok.tokenize("hobbit") == ["ho", "##bb", "##it"]


def test_stored_padding_in_tokenizer_json_is_ignored(minilm_dir):
    # MiniLM's tokenizer.json stores truncation to 128 and Fixed(128) padding; transformers ignores both.
    assert json.loads((minilm_dir / "tokenizer.json").read_text())["padding"]["strategy"] == {"Fixed": 128}
    tok = BertTokenizer.from_pretrained(minilm_dir)
    assert tok.backend_tokenizer.padding is None and tok.backend_tokenizer.truncation is None
    assert len(tok("hi").input_ids) == 3


def test_batch_encoding_prints_like_transformers(loaded):
    ours, theirs = loaded["minilm"]
    expected = "{'input_ids': [101, 7592, 102], 'token_type_ids': [0, 0, 0], 'attention_mask': [1, 1, 1]}"
    assert str(ours("hello")) == repr(ours("hello")) == str(theirs("hello")) == expected
    assert str(ours(["hello", "hi there"], padding=True, return_tensors="pt")) == str(
        theirs(["hello", "hi there"], padding=True, return_tensors="pt"))


def test_batch_encoding_api(loaded):
    ours, _ = loaded["minilm"]
    enc = ours([HOBBIT, "hello"], padding=True, return_tensors="pt")
    assert enc.input_ids is enc["input_ids"]
    assert list(enc.keys()) == ["input_ids", "token_type_ids", "attention_mask"]
    assert enc.to("cpu") is enc and enc.input_ids.device.type == "cpu"
    assert enc.word_ids(1) == [None, 0, None] + [None] * 12
    assert enc[1].ids == enc.input_ids[1].tolist()  # an int index gives the Rust Encoding
    assert dict(**enc).keys() == enc.keys()  # model(**enc) works
    with pytest.raises(AttributeError, match="input_ids"):
        enc.labels
    with pytest.raises(TokenizerError, match="batch_index=5"):
        enc.word_ids(5)
    with pytest.raises(TokenizerError, match="no encodings"):
        BatchEncoding({"input_ids": [1]}).tokens()


def test_numpy_tensors(loaded):
    ours, theirs = loaded["minilm"]
    enc = ours(TEXTS, padding=True, return_tensors="np")
    ref = theirs(TEXTS, padding=True, return_tensors="np")
    assert isinstance(enc.input_ids, np.ndarray) and enc.input_ids.dtype == np.int64
    assert all((enc[k] == ref[k]).all() for k in ref.keys())


def test_distilbert_returns_no_token_type_ids(loaded):
    ours, _ = loaded["distilbert"]
    assert isinstance(ours, DistilBertTokenizer)
    assert list(ours("hello").keys()) == ["input_ids", "attention_mask"]


# ---------------------------------------------------------------------------------------------------------------
# Options from the files and from the caller
# ---------------------------------------------------------------------------------------------------------------
def test_from_pretrained_overrides_match_transformers(checkpoints):
    from transformers import AutoTokenizer

    overrides = [
        {"model_max_length": 10, "padding_side": "left", "do_lower_case": False},
        {"strip_accents": False, "tokenize_chinese_chars": False},
    ]
    for name in ("minilm", "vocab-uncased"):
        cls, folder = checkpoints[name]
        for options in overrides:
            ours, theirs = cls.from_pretrained(folder, **options), AutoTokenizer.from_pretrained(folder, **options)
            for call in ({"truncation": True}, {"padding": "max_length"}):
                texts = [CASED, FRENCH, CJK_AND_ODD, "a"]
                assert_same_encoding(ours(texts, **call), theirs(texts, **call), batch_size=len(texts))


def test_added_tokens_from_tokenizer_config(checkpoints, tmp_path):
    from transformers import AutoTokenizer

    _, source = checkpoints["vocab-uncased"]
    shutil.copy(source / "vocab.txt", tmp_path)
    config = json.loads((source / "tokenizer_config.json").read_text())
    config["added_tokens_decoder"] = {
        "30522": {"content": "<ent>", "lstrip": False, "rstrip": False, "normalized": False, "single_word": False,
                  "special": False},
        "30523": {"content": "<sep2>", "lstrip": False, "rstrip": False, "normalized": False, "single_word": False,
                  "special": True},
    }
    config["additional_special_tokens"] = ["<sep2>"]
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    ours, theirs = BertTokenizer.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path)
    text = "an <ent> here <sep2> there [MASK]"
    assert_same_encoding(ours(text), theirs(text), batch_size=1)
    assert ours(text).input_ids[2] == 30522
    assert len(ours) == len(theirs) == 30524
    assert ours.all_special_tokens == theirs.all_special_tokens
    assert ours.decode(ours(text).input_ids, skip_special_tokens=True) == theirs.decode(
        theirs(text).input_ids, skip_special_tokens=True)


def test_explicit_config_overrides_tokenizer_json_normalizer(minilm_dir, tmp_path):
    from transformers import AutoTokenizer

    for name in TOKENIZER_FILES:
        shutil.copy(minilm_dir / name, tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, "do_lower_case": False}))
    ours, theirs = BertTokenizer.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path)
    assert ours.tokenize(CASED) == theirs.tokenize(CASED) == ["[UNK]", "[UNK]", "from", "[UNK]"]
    assert ours.do_lower_case is False


def test_deliberate_difference_silent_config_keeps_tokenizer_json_normalizer(minilm_dir, tmp_path):
    # A tokenizer.json that does not lowercase, next to a tokenizer_config.json that says nothing about case.
    # autotutor trusts tokenizer.json, the file that describes the whole pipeline. transformers 5 rebuilds
    # BERT's normalizer from its class defaults (do_lower_case=True) and lowercases anyway.
    from transformers import AutoTokenizer

    pipeline = json.loads((minilm_dir / "tokenizer.json").read_text())
    pipeline["normalizer"]["lowercase"] = False
    (tmp_path / "tokenizer.json").write_text(json.dumps(pipeline))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer"}))
    assert BertTokenizer.from_pretrained(tmp_path).tokenize("Hello world") == ["[UNK]", "world"]
    assert AutoTokenizer.from_pretrained(tmp_path).tokenize("Hello world") == ["hello", "world"]


# ---------------------------------------------------------------------------------------------------------------
# Saving: ours → transformers, transformers → ours
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["minilm", "vocab-cased", "distilbert"])
def test_our_save_loads_in_transformers(loaded, name, tmp_path):
    from transformers import AutoTokenizer

    ours, theirs = loaded[name]
    ours(TEXTS, padding="max_length", max_length=9, truncation=True)  # leaves padding set on the backend
    files = ours.save_pretrained(tmp_path)
    assert sorted(Path(f).name for f in files) == ["special_tokens_map.json", "tokenizer.json",
                                                   "tokenizer_config.json"]
    assert json.loads((tmp_path / "tokenizer.json").read_text())["padding"] is None
    reloaded_theirs = AutoTokenizer.from_pretrained(tmp_path)
    reloaded_ours = type(ours).from_pretrained(tmp_path)
    assert type(reloaded_theirs).__name__ == type(ours).__name__
    for tok in (reloaded_theirs, reloaded_ours):
        assert_same_encoding(ours(TEXTS, padding=True), tok(TEXTS, padding=True), batch_size=len(TEXTS))
        assert tok.model_max_length == theirs.model_max_length
        assert tok.special_tokens_map == theirs.special_tokens_map


def test_transformers_save_loads_in_autotutor(loaded, tmp_path):
    _, theirs = loaded["minilm"]
    theirs.save_pretrained(tmp_path)
    ours = BertTokenizer.from_pretrained(tmp_path)
    assert_same_encoding(ours(TEXTS, padding=True), theirs(TEXTS, padding=True), batch_size=len(TEXTS))
    assert repr(ours).replace(str(tmp_path), "") == repr(theirs).replace(theirs.name_or_path, "")


def test_hub_id_from_offline_cache(minilm_dir, hub_cache, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in TOKENIZER_FILES:  # only the tokenizer files: the cache copies whatever the folder holds
        shutil.copy(minilm_dir / name, source)
    hub_cache("google-bert/bert-base-uncased", source)
    tok = BertTokenizer.from_pretrained("google-bert/bert-base-uncased")
    assert tok.name_or_path == "google-bert/bert-base-uncased"
    assert tok(HOBBIT).input_ids[:4] == [101, 1999, 1037, 4920]


def test_tokenizer_classes():
    assert tokenizer_class_for("BertTokenizerFast") is BertTokenizer
    assert tokenizer_class_for("DistilBertTokenizer") is DistilBertTokenizer
    bpe = {f"{family}Tokenizer{fast}" for family in ("GPT2", "Llama", "Qwen2") for fast in ("", "Fast")}
    assert set(TOKENIZERS) == {"BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer",
                               "DistilBertTokenizerFast", "LayoutLMv2Tokenizer", "LayoutLMv2TokenizerFast",
                               "TokenizersBackend", "PreTrainedTokenizerFast", "WhisperTokenizer",
                               "WhisperTokenizerFast"} | bpe
    with pytest.raises(TokenizerError, match="'T5Tokenizer'.*BertTokenizer"):
        tokenizer_class_for("T5Tokenizer")


# ---------------------------------------------------------------------------------------------------------------
# Errors a learner can act on
# ---------------------------------------------------------------------------------------------------------------
def test_missing_tokenizer_files_lists_folder(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(TokenizerError, match=r"tokenizer\.json or vocab\.txt.*holds: config\.json"):
        BertTokenizer.from_pretrained(tmp_path)
    with pytest.raises(TokenizerError, match=r"needs tokenizer\.json,"):
        PreTrainedTokenizer.from_pretrained(tmp_path)


def test_malformed_tokenizer_json_names_the_file(tmp_path):
    (tmp_path / "tokenizer.json").write_text('{"version": "1.0", "model": ')
    with pytest.raises(TokenizerError, match=str(tmp_path / "tokenizer.json")):
        BertTokenizer.from_pretrained(tmp_path)


def test_malformed_tokenizer_config_names_the_file(minilm_dir, tmp_path):
    shutil.copy(minilm_dir / "vocab.txt", tmp_path)
    (tmp_path / "tokenizer_config.json").write_text("{'do_lower_case': true}")
    with pytest.raises(ConfigError, match=r"tokenizer_config\.json is not valid JSON"):
        BertTokenizer.from_pretrained(tmp_path)


def test_special_token_missing_from_vocab(minilm_dir, tmp_path):
    shutil.copy(minilm_dir / "vocab.txt", tmp_path)
    with pytest.raises(TokenizerError, match=r"cls_token '<s>' is not in .*vocab\.txt"):
        BertTokenizer.from_pretrained(tmp_path, cls_token="<s>")


@pytest.mark.parametrize(("options", "message"), [
    ({"padding": "longestt"}, r"padding='longestt' is not valid; choose one of: True, False, 'longest'"),
    ({"truncation": "first"}, r"truncation='first' is not valid; choose one of: .*'only_first'"),
    ({"return_tensors": "tf"}, r"return_tensors='tf' is not valid; choose one of: None, 'pt', 'np'"),
    ({"padding_side": "top"}, r"padding_side='top' is not valid"),
    ({"max_length": -3}, r"max_length=-3 should be a positive integer"),
    ({"padding": True, "truncation": True, "max_length": 10, "pad_to_multiple_of": 4},
     r"max_length=10 and padding to a multiple of 4"),
])
def test_invalid_call_options(loaded, options, message):
    ours, _ = loaded["minilm"]
    with pytest.raises(TokenizerError, match=message):
        ours(HOBBIT, **options)


def test_call_errors(loaded, checkpoints):
    ours, _ = loaded["minilm"]
    with pytest.raises(TokenizerError, match=r"lengths \[3, 15\].*padding=True"):
        ours(["hi", HOBBIT], return_tensors="pt")
    with pytest.raises(TokenizerError, match=r"truncation='only_second'.*Truncation error"):
        ours(HOBBIT, "a", truncation="only_second", max_length=5)
    with pytest.raises(TokenizerError, match="got int"):
        ours(42)
    with pytest.raises(TokenizerError, match="list of 2 texts"):
        ours(["a", "b"], "c")
    with pytest.raises(TokenizerError, match=r"unknown option\(s\) \['do_lowercase'\]"):
        BertTokenizer.from_pretrained(checkpoints["minilm"][1], do_lowercase=False)
    no_pad = BertTokenizer.from_pretrained(checkpoints["minilm"][1], pad_token=None)
    with pytest.raises(TokenizerError, match="needs a padding token"):
        no_pad(["a", "b c"], padding=True)
