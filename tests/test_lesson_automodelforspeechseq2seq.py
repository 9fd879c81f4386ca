"""Lesson 9 (AutoModelForSpeechSeq2Seq, speech to text with Whisper): the log-mel picture, the numbers behind it,
the prompt tokens, transcription of the pack's clips with the real Whisper base, language detection, translation,
the long-clip refusal, the upload path of the speech explorer, and the quiz, in each language."""

from __future__ import annotations

import datetime
import io
import wave

import numpy as np
import pytest
import torch
from PIL import Image

from autotutor import AutoModelForSpeechSeq2Seq, AutoProcessor
from autotutor.errors import AudioError
from autotutor.i18n import set_language
from autotutor.lessons.automodelforspeechseq2seq import (
    DICTATIONS,
    SPEECH_CHECKPOINT,
    as_model_input,
    detected_language,
    dictation,
    draw_log_mel,
    features_facts,
    long_clip_error,
    model_facts,
    padding_question,
    prompt_question,
    prompt_text,
    prompt_tokens,
    same_words,
    transcribe,
    transcriptions,
    transcriptions_text,
    written_pieces,
)
from autotutor.widgets.speech_explorer import SpeechExplorer, read_upload


@pytest.fixture(scope="module")
def whisper():
    return AutoModelForSpeechSeq2Seq.from_pretrained(SPEECH_CHECKPOINT).eval(), AutoProcessor.from_pretrained(
        SPEECH_CHECKPOINT)


def _wav_bytes(samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        if width == 2:
            f.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        else:
            f.writeframes((np.clip(samples, -1, 1) * 127 + 128).astype(np.uint8).tobytes())
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> tuple[dict, ...]:
    """What a FileUpload's value holds after a learner picked a file (ipywidgets 8)."""
    return ({"name": name, "type": "audio/wav", "size": len(content), "content": memoryview(content),
             "last_modified": datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)},)


# -- samples → log-mel -----------------------------------------------------------------------------------------
def test_the_picture_puts_loud_bands_in_yellow_and_low_bands_at_the_bottom():
    features = np.zeros((80, 3000), dtype=np.float32)
    features[:10, :100] = 1.0  # a loud, low sound during the first second
    picture = draw_log_mel(features, seconds=2)
    assert isinstance(picture, Image.Image)
    pixels = np.asarray(picture)
    # The plot starts at (56, 16) and is 720 × 240: the loud patch is the bottom-left quarter of its width.
    loud = pixels[16 + 230, 56 + 100]
    quiet = pixels[16 + 10, 56 + 100]
    assert tuple(loud) == (253, 231, 37) and tuple(quiet) == (68, 1, 84)
    assert tuple(pixels[16 + 230, 56 + 600]) == (68, 1, 84)  # the second second is quiet


def test_the_whole_window_and_a_zoom_have_the_same_size():
    features = torch.randn(80, 3000)
    assert draw_log_mel(features).size == draw_log_mel(features, seconds=5).size


def test_features_facts_count_frames_of_speech_and_of_padding(whisper):
    _model, processor = whisper
    samples = dictation("en")
    features = processor(samples, sampling_rate=16000, return_tensors="pt")["input_features"][0]
    text = features_facts(features, samples)
    speech_frames = int(np.ceil(len(samples) / 160))
    assert f"{speech_frames:,}" in text and f"{3000 - speech_frames:,}" in text
    assert "(80, 3000)" in text
    values = [line.split()[-1] for line in text.splitlines()[1:] if "shape" not in line]
    assert values[2:6] == ["400", "25", "160", "10"]  # a window and a step, in samples and in milliseconds


# -- the model and its prompt -----------------------------------------------------------------------------------
def test_model_facts_name_whisper_base(whisper):
    text = model_facts(whisper[0])
    assert "WhisperForConditionalGeneration" in text and "51,865" in text
    parameters = sum(p.numel() for p in whisper[0].parameters())
    assert f"{parameters:,}" in text and 70_000_000 < parameters < 75_000_000


@pytest.mark.parametrize("language, task, expected", [
    ("fr", "transcribe", ["<|startoftranscript|>", "<|fr|>", "<|transcribe|>", "<|notimestamps|>"]),
    ("ar", "translate", ["<|startoftranscript|>", "<|ar|>", "<|translate|>", "<|notimestamps|>"]),
])
def test_prompt_tokens_are_the_ones_generate_forces(whisper, language, task, expected):
    model, processor = whisper
    rows = prompt_tokens(processor, language=language, task=task)
    assert [r.token for r in rows] == expected
    assert [r.id for r in rows] == processor.tokenizer.convert_tokens_to_ids(expected)
    assert "<|notimestamps|>" in prompt_text(rows)
    # generate() starts the decoder from exactly these ids: the scores of its first written token are the
    # model's scores after them.
    features = processor(dictation("en"), sampling_rate=16000, return_tensors="pt")["input_features"]
    written = model.generate(features, language=language, task=task, max_new_tokens=1)
    with torch.no_grad():
        logits = model(input_features=features, decoder_input_ids=torch.tensor([[r.id for r in rows]])).logits
    suppressed = set(model.generation_config.suppress_tokens) | set(model.generation_config.begin_suppress_tokens)
    scores = logits[0, -1].clone()
    scores[list(suppressed)] = -float("inf")
    assert written[0, 0].item() == scores.argmax().item()


def test_written_pieces_show_one_piece_per_token(whisper):
    model, processor = whisper
    features = processor(dictation("en"), sampling_rate=16000, return_tensors="pt")["input_features"]
    ids = model.generate(features, language="en", max_new_tokens=40)[0]
    pieces = written_pieces(processor.tokenizer, ids).split(" | ")
    assert len(pieces) == len(ids) and pieces[:3] == ["␣I", "␣am", "␣learning"]


# -- transcription with the real model ---------------------------------------------------------------------------
def test_the_slow_english_clip_is_transcribed_word_for_word(whisper):
    model, processor = whisper
    heard = transcribe(model, processor, dictation("en"), language="en")
    assert same_words(DICTATIONS["en"].text, heard), heard


def test_transcriptions_report_each_clip_with_a_verdict(whisper):
    rows = transcriptions(*whisper, ("en", "en_fast"))
    assert [r.name for r in rows] == ["en", "en_fast"]
    assert rows[0].same and rows[0].said == DICTATIONS["en"].text
    text = transcriptions_text(rows)
    assert "120 words per minute" in text and "250 words per minute" in text and "the same words" in text


def test_language_detection_hears_english_and_answers_a_language_for_every_clip(whisper):
    model, processor = whisper
    assert detected_language(model, processor, dictation("en")) == "<|en|>"
    languages = model.generation_config.lang_to_id
    assert all(detected_language(model, processor, dictation(name)) in languages for name in ("fr", "ar"))


def test_translate_writes_english_for_the_french_clip(whisper):
    model, processor = whisper
    english = transcribe(model, processor, dictation("fr"), language="fr", task="translate")
    french = transcribe(model, processor, dictation("fr"), language="fr", task="transcribe")
    assert english != french
    assert english.isascii(), english  # English words, without the French clip's accents


def test_arabic_transcription_blocks_keep_each_sentence_in_its_own_direction(whisper):
    rows = transcriptions(*whisper, ("en",))
    set_language("ar")
    text = transcriptions_text(rows)
    assert f"\u2068{DICTATIONS['en'].text}\u2069" in text  # the English sentence isolated (first strong: LTR)
    assert "\u2066en\u2069 · " in text and "←" in text and "→" not in text
    set_language("en")
    assert "\u2068" not in transcriptions_text(rows) and "→" in transcriptions_text(rows)


def test_same_words_ignores_case_and_punctuation_only():
    assert same_words("I am learning how a speech model turns sound into text.",
                      " I am learning how a speech model turns sound into text")
    assert same_words("J'apprends comment", "j’apprends comment")
    assert not same_words("turns sound into text", "turns sound into texts")


def test_a_clip_longer_than_thirty_seconds_is_refused_with_the_way_out(whisper):
    line = long_clip_error(whisper[1])
    assert line.startswith("AudioError:") and "30" in line
    assert long_clip_error(whisper[1], seconds=29.0) == ""


# -- a clip of the learner's own --------------------------------------------------------------------------------
def test_as_model_input_mixes_channels_and_resamples():
    stereo = np.stack([np.sin(np.linspace(0, 100, 44100)), np.zeros(44100)], axis=1).astype(np.float32)
    clip, changes = as_model_input(stereo, 44100)
    assert clip.shape == (16000,) and clip.dtype == np.float32
    assert changes == ["2 channels averaged into one", "resampled from 44,100 Hz to 16,000 Hz"]
    same, nothing = as_model_input(clip, 16000)
    assert nothing == [] and np.array_equal(same, clip)


def test_read_upload_reads_a_wav_and_refuses_what_it_cannot():
    samples = np.linspace(-0.5, 0.5, 800, dtype=np.float32)
    read, rate = read_upload(_upload("me.wav", _wav_bytes(samples, 8000)))
    assert rate == 8000 and np.allclose(read, samples, atol=1e-4)
    with pytest.raises(AudioError, match="No file was uploaded"):
        read_upload(())
    with pytest.raises(AudioError, match="me.mp3 is not a WAV file"):
        read_upload(_upload("me.mp3", b"ID3\x03\x00not a wave file"))
    with pytest.raises(AudioError, match="8-bit samples"):
        read_upload(_upload("old.wav", _wav_bytes(samples, 8000, width=1)))


def test_the_explorer_transcribes_an_upload_and_says_what_it_changed(whisper):
    explorer = SpeechExplorer(*whisper)
    stereo = np.stack([dictation("en")] * 2, axis=1)
    explorer._upload.value = _upload("mine.wav", _wav_bytes(stereo.reshape(-1), 16000, 2))
    assert explorer._clip.value == "upload"
    explorer._language.value = "en"
    text = explorer.run()
    assert same_words(DICTATIONS["en"].text, text), text
    assert "2 channels averaged into one" in explorer._result.value and "<img" in explorer._result.value


def test_the_explorer_opens_with_the_english_clip_transcribed(whisper):
    explorer = SpeechExplorer(*whisper)
    assert explorer._clip.value == "en" and explorer._language.value is None
    assert "I am learning how a speech model turns sound into text." in explorer._result.value
    assert "&lt;|notimestamps|&gt;" in explorer._result.value and "<img" in explorer._result.value


def test_the_explorer_detects_the_language_when_none_is_given(whisper):
    explorer = SpeechExplorer(*whisper, clip="fr")
    explorer._language.value = None
    explorer.run()
    assert "Detected language" in explorer._result.value
    assert detected_language(explorer.model, explorer.processor, dictation("fr")).strip("<|>") in explorer._result.value


def test_the_explorer_speaks_arabic_right_to_left(whisper):
    explorer = SpeechExplorer(*whisper)
    set_language("ar")
    assert "autotutor-rtl" in explorer._dom_classes and 'dir="rtl"' in explorer._intro.value
    assert explorer._run.description != "Transcribe"


# -- check your understanding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_questions_exist_in_every_language(lang):
    set_language(lang)
    for make in (prompt_question, padding_question):
        question = make()
        assert len(question.choices) == len(question.feedback) == 3 and question.answer == 0
