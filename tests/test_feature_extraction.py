"""Wav2Vec2FeatureExtractor: parity with transformers on synthetic clips, loading and saving, and clear errors.

The clips are seeded noise plus sines of different lengths. Values must agree within 1e-5 (float32) and masks
exactly. One deliberate difference is tested as such: transformers normalises a padded clip over its padding
too when no attention mask is returned; autotutor always normalises over the clip's own samples.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
import transformers

import autotutor
from autotutor.errors import ConfigError
from autotutor.feature_extraction import BatchFeature, Wav2Vec2FeatureExtractor

ATOL = 1e-5
SR = 16000
# The published settings of ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition.
SEED_SETTINGS = {"feature_extractor_type": "Wav2Vec2FeatureExtractor", "feature_size": 1, "sampling_rate": 16000,
                 "padding_value": 0.0, "do_normalize": True, "return_attention_mask": True, "padding_side": "right"}


def _clips(lengths=(700, 431, 1000, 64), seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(0.3 * rng.standard_normal(n) + np.sin(np.arange(n) / (2 + i))).astype(np.float32) + 0.1 * i
            for i, n in enumerate(lengths)]


def _pair(**settings):
    return transformers.Wav2Vec2FeatureExtractor(**settings), Wav2Vec2FeatureExtractor(**settings)


def _reference(extractor, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return extractor(*args, **kwargs)


def _assert_same(ours: dict, theirs, *, masks: bool = True) -> None:
    assert set(ours) == set(theirs)
    got, expected = ours["input_values"], theirs["input_values"]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):  # works for 2-D arrays, tensors and lists of 1-D arrays alike
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), atol=ATOL, rtol=0)
    if masks and "attention_mask" in theirs:
        for g, e in zip(ours["attention_mask"], theirs["attention_mask"]):
            np.testing.assert_array_equal(np.asarray(g), np.asarray(e))


PADDINGS = [
    dict(padding=True),
    dict(padding="longest", pad_to_multiple_of=128),
    dict(padding="max_length", max_length=900, truncation=True),
    dict(padding="max_length", max_length=1024),
    dict(padding=True, truncation=True, max_length=500),
    dict(padding="max_length", max_length=500, truncation=True, pad_to_multiple_of=96),
]


@pytest.mark.parametrize("do_normalize", [True, False])
@pytest.mark.parametrize("kwargs", PADDINGS, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
@pytest.mark.parametrize("return_tensors", ["pt", "np"])
def test_padded_batches_match_transformers(do_normalize, kwargs, return_tensors):
    theirs, ours = _pair(do_normalize=do_normalize, return_attention_mask=True)
    expected = _reference(theirs, _clips(), sampling_rate=SR, return_tensors=return_tensors, **kwargs)
    got = ours(_clips(), sampling_rate=SR, return_tensors=return_tensors, **kwargs)
    assert type(got["input_values"]) is type(expected["input_values"])
    assert got["input_values"].dtype == expected["input_values"].dtype  # float32
    assert got["attention_mask"].dtype == expected["attention_mask"].dtype  # int32
    assert tuple(got["input_values"].shape) == tuple(expected["input_values"].shape)
    _assert_same(got, expected)


@pytest.mark.parametrize("do_normalize", [True, False])
@pytest.mark.parametrize("return_attention_mask", [True, False])
def test_single_clips_and_unpadded_batches_match_transformers(do_normalize, return_attention_mask):
    theirs, ours = _pair(do_normalize=do_normalize, return_attention_mask=return_attention_mask)
    clip = _clips()[0]
    same_length = np.stack(_clips((300, 300, 300)))
    for raw in [clip, clip.tolist(), torch.from_numpy(clip), clip.astype(np.float64), _clips(), same_length,
                [c.tolist() for c in _clips()]]:
        expected = _reference(theirs, raw, sampling_rate=SR)
        got = ours(raw, sampling_rate=SR)
        assert isinstance(got["input_values"], list) and got["input_values"][0].dtype == np.float32
        _assert_same(got, expected)
    # Without padding, the option asks for nothing; a batch of equal lengths still stacks into a tensor.
    _assert_same(ours(same_length, sampling_rate=SR, return_tensors="pt"),
                 _reference(theirs, same_length, sampling_rate=SR, return_tensors="pt"))


@pytest.mark.parametrize("do_normalize", [True, False])
def test_no_attention_mask_option_matches_transformers_when_normalisation_cannot_differ(do_normalize):
    theirs, ours = _pair(do_normalize=do_normalize, return_attention_mask=True)
    clips = _clips((500, 500)) if do_normalize else _clips()
    kwargs = dict(sampling_rate=SR, padding=True, return_tensors="pt", return_attention_mask=False)
    got = ours(clips, **kwargs)
    assert list(got) == ["input_values"]
    _assert_same(got, _reference(theirs, clips, **kwargs))


def test_normalisation_never_looks_at_padding():
    """Deliberate difference. Without an attention mask, transformers normalises a padded clip over its padding
    too, so a clip's values depend on its batch-mates and the padding is no longer `padding_value`. autotutor
    normalises each clip over its own samples, then pads with `padding_value`, as the docs of both libraries
    say padded inputs should look."""
    theirs, ours = _pair(do_normalize=True, return_attention_mask=False)
    clips = _clips()
    got = ours(clips, sampling_rate=SR, padding=True, return_tensors="np")["input_values"]
    expected = _reference(theirs, clips, sampling_rate=SR, padding=True, return_tensors="np")["input_values"]
    for i, clip in enumerate(clips):
        alone = ours(clip, sampling_rate=SR, return_tensors="np")["input_values"][0]
        np.testing.assert_allclose(got[i, : len(clip)], alone, atol=ATOL, rtol=0)
        np.testing.assert_allclose(alone, _reference(theirs, clip, sampling_rate=SR)["input_values"][0], atol=ATOL)
        assert (got[i, len(clip):] == 0.0).all()
    assert np.abs(got[1] - expected[1]).max() > 0.1  # transformers' shorter clips differ


def test_normalisation_is_zero_mean_unit_variance():
    clip = 3.0 + 2.0 * _clips()[0]
    values = Wav2Vec2FeatureExtractor()(clip, sampling_rate=SR)["input_values"][0]
    assert abs(values.mean()) < 1e-5 and abs(values.std() - 1.0) < 1e-4
    constant = Wav2Vec2FeatureExtractor()(np.ones(50), sampling_rate=SR)["input_values"][0]
    assert np.isfinite(constant).all() and (constant == 0).all()  # the 1e-7 keeps silence finite


def test_torch_tensors_in_a_list_are_padded():
    """transformers 5.23 fails on a list of tensors of different lengths with padding=True; autotutor pads them."""
    clips = _clips()
    _, ours = _pair(return_attention_mask=True)
    got = ours([torch.from_numpy(c) for c in clips], sampling_rate=SR, padding=True, return_tensors="pt")
    expected = ours(clips, sampling_rate=SR, padding=True, return_tensors="pt")
    torch.testing.assert_close(got["input_values"], expected["input_values"])
    torch.testing.assert_close(got["attention_mask"], expected["attention_mask"])


def test_a_2d_array_is_a_batch_as_in_transformers():
    batch = np.stack(_clips((400, 400)))  # (2, 400): two clips, not one stereo clip
    theirs, ours = _pair(return_attention_mask=True)
    got = ours(batch, sampling_rate=SR, return_tensors="pt")
    assert got["input_values"].shape == (2, 400)
    _assert_same(got, _reference(theirs, batch, sampling_rate=SR, return_tensors="pt"))


def test_stereo_gets_a_clear_error_with_the_fix():
    stereo = np.stack(_clips((400, 400)), axis=1)  # (400, 2): samples × channels, as soundfile returns it
    ours = Wav2Vec2FeatureExtractor()
    with pytest.raises(ValueError, match=r"x\.mean\(axis=1\)") as err:
        ours(stereo, sampling_rate=SR)
    assert "(400, 2)" in str(err.value)
    with pytest.raises(ValueError, match=r"x\.mean\(axis=1\)"):
        ours(np.zeros((3, 2, 400)), sampling_rate=SR)  # (clips, channels, samples)
    with pytest.raises(ValueError, match=r"clip 1 .*clip\.mean\(axis=0\)"):
        ours([np.zeros(400), np.zeros((2, 400))], sampling_rate=SR)
    mono = ours(stereo.mean(axis=1), sampling_rate=SR, return_tensors="pt")["input_values"]
    assert mono.shape == (1, 400)


def test_sampling_rate_is_checked():
    theirs, ours = _pair()
    clip = _clips()[0]
    with pytest.raises(ValueError, match="44100 Hz.*16000 Hz"):
        ours(clip, sampling_rate=44100)
    with pytest.raises(ValueError):  # transformers refuses it too
        _reference(theirs, clip, sampling_rate=44100)
    with pytest.warns(UserWarning, match="sampling_rate"):  # transformers logs a warning; autotutor warns
        ours(clip)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours(clip, sampling_rate=SR)


@pytest.mark.parametrize("raw,kwargs,error,match", [
    ([], {}, ValueError, "empty list"),
    ([np.zeros(10), np.zeros(0)], {}, ValueError, "clip 1 is empty"),
    ("speech.wav", {}, TypeError, "soundfile.read"),
    ([np.zeros(10), ["a", "b"]], {}, TypeError, "clip 1"),
    (np.zeros(10), {"padding": "shortest"}, ValueError, "'longest', 'max_length'"),
    (np.zeros(10), {"padding": "max_length"}, ValueError, "needs max_length"),
    (np.zeros(10), {"truncation": True}, ValueError, "needs max_length"),
    (np.zeros(10), {"padding": True, "max_length": 0}, ValueError, "max_length"),
    (np.zeros(10), {"padding": True, "pad_to_multiple_of": 0}, ValueError, "pad_to_multiple_of"),
    (np.zeros(10), {"return_tensors": "tf"}, ValueError, "'pt'"),
    ([np.zeros(10), np.zeros(7)], {"return_tensors": "pt"}, ValueError, "padding=True"),
    ([np.zeros(10), np.zeros(7)], {"padding": "max_length", "max_length": 8, "return_tensors": "np"}, ValueError,
     "truncation=True"),
])
def test_bad_inputs_get_clear_errors(raw, kwargs, error, match):
    with pytest.raises(error, match=match):
        Wav2Vec2FeatureExtractor()(raw, sampling_rate=SR, **kwargs)


def test_clips_longer_than_max_length_stay_whole_without_truncation():
    """transformers 5.23 crashes here with a numpy error; autotutor returns one array per clip."""
    got = Wav2Vec2FeatureExtractor(return_attention_mask=True)(
        [np.zeros(10), np.ones(5)], sampling_rate=SR, padding="max_length", max_length=8)
    assert [len(v) for v in got["input_values"]] == [10, 8]
    assert [m.tolist() for m in got["attention_mask"]] == [[1] * 10, [1] * 5 + [0] * 3]


@pytest.mark.parametrize("settings,match", [
    ({"padding_side": "left"}, "padding_side='right'"),
    ({"feature_size": 80}, "feature_size must be 1"),
    ({"sampling_rate": 0}, "sampling_rate"),
])
def test_bad_settings_get_clear_errors(settings, match):
    with pytest.raises(ConfigError, match=match):
        Wav2Vec2FeatureExtractor(**settings)


def test_batch_feature_behaves_like_a_dict_with_attributes():
    inputs = Wav2Vec2FeatureExtractor(return_attention_mask=True)(_clips(), sampling_rate=SR, padding=True,
                                                                  return_tensors="pt")
    assert isinstance(inputs, dict) and isinstance(inputs, BatchFeature)
    assert inputs.input_values is inputs["input_values"]
    assert repr(inputs).startswith("{'input_values': tensor(")
    assert inputs.to("cpu") is inputs and inputs.attention_mask.device.type == "cpu"
    half = inputs.to(torch.float16)
    assert half.input_values.dtype == torch.float16 and half.attention_mask.dtype == torch.int32
    with pytest.raises(AttributeError, match="input_values, attention_mask"):
        inputs.pixel_values


def test_transformers_reads_what_autotutor_saves(tmp_path):
    ours = Wav2Vec2FeatureExtractor(do_normalize=False, return_attention_mask=True, padding_value=0.5)
    ours.save_pretrained(tmp_path)
    theirs = transformers.AutoFeatureExtractor.from_pretrained(tmp_path)
    assert type(theirs).__name__ == "Wav2Vec2FeatureExtractor"
    for key in ("feature_size", "sampling_rate", "padding_value", "padding_side", "return_attention_mask",
                "do_normalize"):
        assert getattr(theirs, key) == getattr(ours, key), key
    _assert_same(ours(_clips(), sampling_rate=SR, padding=True, return_tensors="pt"),
                 _reference(theirs, _clips(), sampling_rate=SR, padding=True, return_tensors="pt"))


def test_autofeatureextractor_reads_what_transformers_saves(tmp_path):
    theirs = transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True)
    theirs.save_pretrained(tmp_path)
    ours = autotutor.AutoFeatureExtractor.from_pretrained(tmp_path)
    assert type(ours) is Wav2Vec2FeatureExtractor
    assert json.loads(ours.to_json_string()) == json.loads((tmp_path / "preprocessor_config.json").read_text())
    override = autotutor.AutoFeatureExtractor.from_pretrained(tmp_path, do_normalize=False)
    assert override.do_normalize is False


def test_the_seed_checkpoints_settings(tmp_path):
    """The published preprocessor_config.json of the tutorial's speech-emotion checkpoint, loaded both ways."""
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(SEED_SETTINGS))
    ours = autotutor.AutoFeatureExtractor.from_pretrained(tmp_path)
    theirs = transformers.AutoFeatureExtractor.from_pretrained(tmp_path)
    assert (ours.sampling_rate, ours.do_normalize, ours.return_attention_mask) == (16000, True, True)
    kwargs = dict(sampling_rate=SR, padding=True, return_tensors="pt")
    _assert_same(ours(_clips(), **kwargs), _reference(theirs, _clips(), **kwargs))


def test_model_type_picks_the_extractor_when_the_json_names_no_class(tmp_path):
    settings = {k: v for k, v in SEED_SETTINGS.items() if k != "feature_extractor_type"}
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(settings))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "wav2vec2"}))
    assert type(autotutor.AutoFeatureExtractor.from_pretrained(tmp_path)) is Wav2Vec2FeatureExtractor
