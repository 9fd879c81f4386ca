"""WhisperFeatureExtractor against transformers' on the same clips: log-mel features, masks, files, errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from autotutor import AutoFeatureExtractor, WhisperFeatureExtractor
from autotutor.errors import AudioError
from autotutor.feature_extraction_whisper import mel_filter_bank

transformers = pytest.importorskip("transformers")

SR = 16000
ATOL = 1e-5


def _clip(seconds: float, seed: int = 0) -> np.ndarray:
    """Speech-like test audio: a gliding tone with harmonics, an envelope and some noise, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2)
    return (0.3 * voiced + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def _theirs(**settings):
    return transformers.WhisperFeatureExtractor(**settings)


def _reference(extractor, raw, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return extractor(raw, **kwargs)


def test_mel_filter_bank_is_transformers_one():
    from transformers.audio_utils import mel_filter_bank as theirs

    for n_fft, n_mels in ((400, 80), (400, 128)):
        expected = theirs(num_frequency_bins=1 + n_fft // 2, num_mel_filters=n_mels, min_frequency=0.0,
                          max_frequency=8000.0, sampling_rate=SR, norm="slaney", mel_scale="slaney")
        got = mel_filter_bank(num_frequency_bins=1 + n_fft // 2, num_mel_filters=n_mels, sampling_rate=SR)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert WhisperFeatureExtractor().mel_filters.shape == (201, 80)


CLIPS = {
    "short 1 s": lambda: _clip(1.0),
    "exactly 30 s": lambda: _clip(30.0, seed=1),
    "35 s, cut to 30": lambda: _clip(35.0, seed=2),
    "batch of 2 s and 7.3 s": lambda: [_clip(2.0, seed=3), _clip(7.3, seed=4)],
    "silence": lambda: np.zeros(SR * 3, dtype=np.float32),
    "a list of floats": lambda: [float(x) for x in _clip(0.5, seed=5)],
}


@pytest.mark.parametrize("name", list(CLIPS))
@pytest.mark.parametrize("return_tensors", ["pt", "np", None])
def test_log_mel_features_match_transformers(name, return_tensors):
    raw = CLIPS[name]()
    expected = _reference(_theirs(), raw, sampling_rate=SR, return_tensors=return_tensors)["input_features"]
    # transformers cuts a clip over 30 s by default; autotutor only when asked (see the test below).
    cut = {"truncation": True} if name == "35 s, cut to 30" else {}
    got = WhisperFeatureExtractor()(raw, sampling_rate=SR, return_tensors=return_tensors, **cut)["input_features"]
    assert type(got) is type(expected)
    batch = 2 if isinstance(raw, list) and isinstance(raw[0], np.ndarray) else 1
    assert tuple(got.shape) == tuple(expected.shape) == (batch, 80, 3000)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=0, atol=ATOL)


def test_a_longer_clip_is_refused_unless_truncation_is_asked_for():
    # A deliberate difference: transformers' default cuts a 35 s clip to 30 s without a word, so the end of a
    # learner's recording would vanish from the transcript. autotutor says so and how to cut it.
    ours = WhisperFeatureExtractor()
    long = _clip(35.0, seed=2)
    with pytest.raises(AudioError, match=r"Clip 1 lasts 35.0 s; Whisper hears at most 30.0 s.*480000 samples.*"
                                         r"truncation=True") as caught:
        ours([_clip(1.0), long], sampling_rate=SR)
    assert caught.value.key == "truncation"
    assert ours(_clip(30.0), sampling_rate=SR, return_tensors="np")["input_features"].shape == (1, 80, 3000)


def test_a_longer_clip_is_cut_to_its_first_30_seconds_with_truncation():
    ours = WhisperFeatureExtractor()
    long = _clip(35.0, seed=2)
    features = ours(long, sampling_rate=SR, truncation=True, return_tensors="np")["input_features"]
    first_30_s = ours(long[: 30 * SR], sampling_rate=SR, return_tensors="np")["input_features"]
    np.testing.assert_array_equal(features, first_30_s)
    whole = ours(long, sampling_rate=SR, truncation=False, return_tensors="np")["input_features"]
    assert whole.shape == (1, 80, 3500)
    expected = _reference(_theirs(), long, sampling_rate=SR, truncation=False, return_tensors="np")["input_features"]
    np.testing.assert_allclose(whole, expected, rtol=0, atol=ATOL)


@pytest.mark.parametrize("kwargs", [
    {},
    {"padding": "longest"},
    {"padding": True, "pad_to_multiple_of": 1000},
    {"do_normalize": True},
    {"max_length": 5 * SR},
    {"padding": "max_length", "max_length": 20 * SR, "pad_to_multiple_of": 3 * SR},
])
def test_options_and_attention_mask_match_transformers(kwargs):
    clips = [_clip(2.0, seed=6), _clip(7.31, seed=7), _clip(0.02, seed=8)]
    expected = _reference(_theirs(), clips, sampling_rate=SR, return_attention_mask=True, return_tensors="pt", **kwargs)
    kwargs = {"truncation": True, **kwargs}  # max_length=5 s cuts the 7.31 s clip; transformers cuts by default
    got = WhisperFeatureExtractor()(clips, sampling_rate=SR, return_attention_mask=True, return_tensors="pt", **kwargs)
    assert set(got) == set(expected) == {"input_features", "attention_mask"}
    assert got["attention_mask"].dtype == expected["attention_mask"].dtype == torch.int32
    assert torch.equal(got["attention_mask"], expected["attention_mask"])
    torch.testing.assert_close(got["input_features"], expected["input_features"], rtol=0, atol=ATOL)


def test_the_mask_is_per_frame_also_when_the_setting_asks_for_it():
    # transformers returns a per-sample (B, 480000) mask when return_attention_mask comes from the settings;
    # autotutor gives the per-frame mask transformers returns when the call asks for it.
    clip = _clip(4.0, seed=9)
    got = WhisperFeatureExtractor(return_attention_mask=True)(clip, sampling_rate=SR, return_tensors="pt")
    expected = _reference(_theirs(), clip, sampling_rate=SR, return_attention_mask=True, return_tensors="pt")
    assert torch.equal(got["attention_mask"], expected["attention_mask"])
    assert got["attention_mask"].sum().item() == 400  # 4 s = 400 frames of 10 ms
    assert "attention_mask" not in WhisperFeatureExtractor()(clip, sampling_rate=SR, return_tensors="pt")


def test_128_mel_bins_as_whisper_large_v3():
    clip = _clip(3.0, seed=10)
    expected = _reference(_theirs(feature_size=128), clip, sampling_rate=SR, return_tensors="np")["input_features"]
    got = WhisperFeatureExtractor(feature_size=128)(clip, sampling_rate=SR, return_tensors="np")["input_features"]
    assert got.shape == (1, 128, 3000)
    np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)


def test_dither_adds_the_same_noise_as_transformers_for_the_same_seed():
    clip = np.zeros(SR, dtype=np.float32)  # digital silence: the case dithering is for
    torch.manual_seed(0)
    expected = _reference(_theirs(dither=1e-4), clip, sampling_rate=SR, return_tensors="np")["input_features"]
    torch.manual_seed(0)
    got = WhisperFeatureExtractor(dither=1e-4)(clip, sampling_rate=SR, return_tensors="np")["input_features"]
    np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)
    plain = WhisperFeatureExtractor()(clip, sampling_rate=SR, return_tensors="np")["input_features"]
    assert np.unique(plain).size == 1 and np.unique(got).size > 1


def test_torch_and_numpy_inputs_give_the_same_features():
    ours = WhisperFeatureExtractor()
    clips = [_clip(1.0, seed=11), _clip(1.5, seed=12)]
    from_numpy = ours(clips, sampling_rate=SR, return_tensors="pt")["input_features"]
    from_torch = ours([torch.from_numpy(c) for c in clips], sampling_rate=SR, return_tensors="pt")["input_features"]
    assert torch.equal(from_numpy, from_torch)
    alone = ours(clips[1], sampling_rate=SR, return_tensors="pt")["input_features"]
    assert torch.equal(from_numpy[1:], alone)  # a clip's features do not depend on its batch-mates


# --- errors ----------------------------------------------------------------------------------------------------
def test_a_wrong_sampling_rate_is_refused_with_the_resampling_fix():
    ours = WhisperFeatureExtractor()
    with pytest.raises(ValueError, match=r"44100 Hz.*16000 Hz.*resample") as err:
        ours(_clip(1.0), sampling_rate=44100)
    assert err.value.key == "sampling_rate" and err.value.value == 44100
    with pytest.raises(ValueError):  # transformers refuses it too
        _reference(_theirs(), _clip(1.0), sampling_rate=44100)
    with pytest.warns(UserWarning, match="sampling_rate"):
        ours(_clip(0.5))


def test_stereo_is_refused_with_the_fix():
    ours = WhisperFeatureExtractor()
    stereo = np.stack([_clip(1.0, seed=1), _clip(1.0, seed=2)])  # (2, samples)
    with pytest.raises(ValueError, match=r"clip 0 .*\(2, 16000\).*clip\.mean\(axis=0\)"):
        ours([stereo], sampling_rate=SR)
    with pytest.raises(ValueError, match=r"channels.*x\.mean\(axis=1\)"):
        ours(stereo.T, sampling_rate=SR)  # (samples, 2), as soundfile returns it
    mono = ours(stereo.mean(axis=0), sampling_rate=SR, return_tensors="pt")["input_features"]
    assert mono.shape == (1, 80, 3000)


@pytest.mark.parametrize("raw,kwargs,match", [
    (np.zeros(0, dtype=np.float32), {}, "is empty"),
    ([_clip(0.1), np.zeros(0)], {}, "clip 1 is empty"),
    ([], {}, "empty list"),
    (np.zeros(150, dtype=np.float32), {"padding": False}, "150 samples, too few"),
    (_clip(0.5), {"padding": "sideways"}, "padding='sideways'"),
    (_clip(0.5), {"return_tensors": "tf"}, "return_tensors='tf'"),
    ([_clip(0.5), _clip(0.7)], {"padding": False, "return_tensors": "pt"}, "different lengths"),
])
def test_bad_input_gets_a_clear_error(raw, kwargs, match):
    with pytest.raises(ValueError, match=match):
        WhisperFeatureExtractor()(raw, sampling_rate=SR, **kwargs)


def test_unpadded_clips_of_different_lengths_come_back_as_a_list():
    clips = [_clip(0.5, seed=1), _clip(0.7, seed=2)]
    got = WhisperFeatureExtractor()(clips, sampling_rate=SR, padding=False)["input_features"]
    assert [f.shape for f in got] == [(80, 50), (80, 70)]
    for clip, features in zip(clips, got):
        expected = _reference(_theirs(), clip, sampling_rate=SR, padding=False)["input_features"][0]
        np.testing.assert_allclose(features, expected, rtol=0, atol=ATOL)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="hop_length must be a positive integer"):
        WhisperFeatureExtractor(hop_length=0)


# --- files -----------------------------------------------------------------------------------------------------
def test_settings_round_trip_with_transformers(tmp_path):
    theirs = _theirs(chunk_length=10, return_attention_mask=True)
    theirs.save_pretrained(tmp_path / "theirs")
    loaded = AutoFeatureExtractor.from_pretrained(tmp_path / "theirs")
    assert type(loaded) is WhisperFeatureExtractor
    assert (loaded.n_samples, loaded.nb_max_frames, loaded.return_attention_mask) == (160000, 1000, True)
    saved_by_them = json.loads((tmp_path / "theirs" / "preprocessor_config.json").read_text())
    assert loaded.to_dict() == saved_by_them  # the same keys and values, mel_filters not among them

    loaded.save_pretrained(tmp_path / "ours")
    back = transformers.AutoFeatureExtractor.from_pretrained(tmp_path / "ours")
    assert type(back).__name__ == "WhisperFeatureExtractor"
    assert back.to_dict() == theirs.to_dict()
    clip = _clip(12.0, seed=13)
    np.testing.assert_allclose(loaded(clip, sampling_rate=SR, truncation=True, return_tensors="np")["input_features"],
                               _reference(back, clip, sampling_rate=SR, return_tensors="np")["input_features"],
                               rtol=0, atol=ATOL)


def test_an_older_file_with_mel_filters_loads_and_recomputes_them(tmp_path):
    # The Hub's openai/whisper-* preprocessor_config.json lists the filters and names the processor class.
    theirs = _theirs()
    settings = {**theirs.to_dict(), "mel_filters": theirs.mel_filters.tolist(), "processor_class": "WhisperProcessor"}
    settings["mel_filters"][5][3] = 99.0  # a stale copy is not read
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(settings))
    loaded = WhisperFeatureExtractor.from_pretrained(tmp_path)
    np.testing.assert_allclose(loaded.mel_filters, theirs.mel_filters, rtol=0, atol=1e-12)
    loaded.save_pretrained(tmp_path / "again")
    assert "mel_filters" not in json.loads((tmp_path / "again" / "preprocessor_config.json").read_text())


def test_without_truncation_a_long_clip_keeps_its_length_and_the_others_are_padded():
    clips = [_clip(31.0, seed=14), _clip(5.0, seed=15)]
    got = WhisperFeatureExtractor()(clips, sampling_rate=SR, truncation=False, return_attention_mask=True)
    assert [f.shape for f in got["input_features"]] == [(80, 3100), (80, 3000)]
    assert [int(m.sum()) for m in got["attention_mask"]] == [3100, 500]
    for clip, features in zip(clips, got["input_features"]):
        expected = _reference(_theirs(), clip, sampling_rate=SR, truncation=False)["input_features"][0]
        np.testing.assert_allclose(features, expected, rtol=0, atol=ATOL)
