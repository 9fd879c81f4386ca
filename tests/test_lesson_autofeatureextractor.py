"""Lesson 4 (AutoFeatureExtractor): the helpers behind its cells and the audio explorer, in each language."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from autotutor.feature_extraction import Wav2Vec2FeatureExtractor
from autotutor.i18n import set_language
from autotutor.lessons.autofeatureextractor import (
    PADDING_COLOUR,
    WAVE_COLOUR,
    before_after_image,
    clip_stats,
    mask_image,
    mask_question,
    normalise_question,
    rate_question,
    read_wav,
    sampling_rate_error,
    stats_table,
    waveform_image,
)
from autotutor.widgets.audio_explorer import AudioExplorer, ClipPlayers, stats_html

RATE = 16_000


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture
def extractor():
    """The published settings of the lesson's checkpoint (16 kHz, normalised, with an attention mask)."""
    return Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True)


def write_wav(path, samples, *, rate=RATE, channels=1):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((np.asarray(samples) * 32767).astype("<i2").tobytes())
    return path


def tone(seconds=0.5, amplitude=0.1, freq=220.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_read_wav_gives_samples_in_range_and_the_rate(tmp_path):
    clip = tone()
    samples, rate = read_wav(write_wav(tmp_path / "a.wav", clip))
    assert rate == RATE and samples.dtype == np.float32 and samples.shape == clip.shape
    np.testing.assert_allclose(samples, clip, atol=1e-4)


def test_read_wav_mixes_stereo_down(tmp_path):
    left, right = tone(amplitude=0.2), np.zeros(RATE // 2, dtype=np.float32)
    interleaved = np.stack([left, right], axis=1).reshape(-1)
    samples, _ = read_wav(write_wav(tmp_path / "s.wav", interleaved, channels=2))
    np.testing.assert_allclose(samples, left / 2, atol=1e-4)


def test_read_wav_refuses_8_bit_files(tmp_path):
    path = tmp_path / "b.wav"
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(1)
        f.setframerate(RATE)
        f.writeframes(bytes(100))
    with pytest.raises(ValueError, match="16-bit"):
        read_wav(path)


def test_normalisation_seen_in_the_stats(extractor):
    clip = tone(amplitude=0.05) + 0.01
    after = extractor(clip, sampling_rate=RATE, return_tensors="np")["input_values"][0]
    before, normalised = clip_stats(clip, RATE), clip_stats(after, RATE)
    assert before.samples == normalised.samples == len(clip) and before.seconds == pytest.approx(0.5)
    assert before.mean == pytest.approx(0.01, abs=1e-4) and normalised.mean == pytest.approx(0, abs=1e-5)
    assert normalised.std == pytest.approx(1, abs=1e-3)
    table = stats_table(before, normalised)
    lines = table.splitlines()
    assert lines[0].split() == ["before", "after"]
    assert lines[1].split() == ["samples", "8000", "8000"]
    assert "-0.000" not in table


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_stats_table_is_translated(lang):
    set_language(lang)
    table = stats_table(clip_stats([0.0, 1.0], RATE), clip_stats([-1.0, 1.0], RATE))
    assert "before" not in table and "samples" not in table
    assert ("\u2067" in table) == (lang == "ar")  # each row isolated right to left, numbers under their headings


def test_waveform_image_draws_the_samples_on_the_scale():
    image = waveform_image(np.ones(1000), scale=1.0, width=200, height=100)
    assert image.size == (200, 100)
    assert image.getpixel((100, 44)) != WAVE_COLOUR  # a constant signal is a thin line at +1, not a band
    assert WAVE_COLOUR in {image.getpixel((100, y)) for y in range(0, 12)}
    assert waveform_image([], width=50, height=40).size == (50, 40)  # an empty clip is an empty picture


def test_before_after_image_stacks_two_panels():
    image = before_after_image(tone(), tone(amplitude=3.0), width=300, height=80)
    assert image.size == (300, 168)


def test_mask_image_shows_padding_in_grey():
    mask = np.array([[1] * 100 + [0] * 100, [1] * 200])
    image = mask_image(mask, width=228, row_height=20)
    assert image.size == (228, 2 * 28 + 8)
    assert image.getpixel((50, 18)) == WAVE_COLOUR  # clip 0, real samples
    assert image.getpixel((200, 18)) == PADDING_COLOUR  # clip 0, padding
    assert image.getpixel((200, 46)) == WAVE_COLOUR  # clip 1 has no padding


def test_sampling_rate_error_is_caught_and_explained(extractor):
    message = sampling_rate_error(extractor, tone(), 22050)
    assert message.startswith("AudioError: ") and "22050" in message and "16000" in message
    assert "resample" in message.lower()
    assert sampling_rate_error(extractor, tone(), RATE) == ""


@pytest.mark.parametrize("make", [normalise_question, rate_question, mask_question])
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_questions_have_feedback_for_every_choice(make, lang):
    set_language(lang)
    question = make()
    assert len(question.choices) == len(question.feedback) >= 3
    assert 0 <= question.answer < len(question.choices)
    if lang != "en":
        set_language("en")
        assert make().question != question.question  # translated


def test_explorer_shows_the_clip_and_follows_the_language(extractor):
    explorer = AudioExplorer(extractor, clip="fr")
    assert repr(explorer) == "AudioExplorer('speech_fr.wav')"
    assert explorer._player.value[:4] == b"RIFF" and explorer._picture.value[:4] == b"\x89PNG"
    assert "sampling_rate=16000" in explorer.html() and "standard deviation" in explorer.html()
    explorer._menu.value = "ar"
    assert repr(explorer) == "AudioExplorer('speech_ar.wav')"
    set_language("ar")
    assert 'dir="rtl"' in explorer.html() and "standard deviation" not in explorer.html()
    assert "autotutor-rtl" in explorer._dom_classes


def test_stats_html_has_both_columns(extractor):
    page = stats_html(extractor, tone(), RATE)
    assert page.count("<tr>") == 7 and "1.000" in page


def test_clip_players_one_per_clip():
    players = ClipPlayers()
    assert len(players.children) == 3
    assert repr(players) == "ClipPlayers(['speech_en.wav', 'speech_fr.wav', 'speech_ar.wav'])"
