"""The course pack's real Whisper base: autotutor writes the same tokens as transformers on the pack's clips, in
every language and task the lesson uses, and with language detection."""

from __future__ import annotations

import pytest
import torch
import transformers

import autotutor
from autotutor.lessons.automodelforspeechseq2seq import DICTATIONS, SPEECH_CHECKPOINT, dictation


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a shared 2-core machine two threads waiting for each other slow Whisper tenfold."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def both():
    from autotutor.pack.store import installed_entry

    folder = installed_entry(SPEECH_CHECKPOINT)  # the course pack's copy, which transformers reads too
    assert folder is not None, "the course pack is not installed: `autotutor pack install`"
    ours = (autotutor.AutoProcessor.from_pretrained(folder),
            autotutor.AutoModelForSpeechSeq2Seq.from_pretrained(folder).eval())
    theirs = (transformers.AutoProcessor.from_pretrained(folder),
              transformers.AutoModelForSpeechSeq2Seq.from_pretrained(folder).eval())
    return ours, theirs


def _run(pair, samples, **options):
    processor, model = pair
    features = processor(samples, sampling_rate=16000, return_tensors="pt")["input_features"]
    with torch.no_grad():
        ids = model.generate(features, max_new_tokens=40, **options)
    return features, ids.tolist(), processor.batch_decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize("name, options", [
    ("en", {"language": "en", "task": "transcribe"}),
    ("fr", {"language": "fr", "task": "transcribe"}),
    ("ar", {"language": "ar", "task": "transcribe"}),
    ("en_fast", {"language": "en", "task": "transcribe"}),
    ("fr", {"language": "fr", "task": "translate"}),
    ("ar", {}),  # no language: both detect it first
])
def test_the_same_transcription_as_transformers(both, name, options):
    ours, theirs = both
    samples = dictation(name)
    our_features, our_ids, our_text = _run(ours, samples, **options)
    their_features, their_ids, their_text = _run(theirs, samples, **options)
    torch.testing.assert_close(our_features, their_features, rtol=0, atol=1e-4)
    assert our_ids == their_ids and our_text == their_text


def test_the_same_detected_languages_as_transformers(both):
    ours, theirs = both
    for name in DICTATIONS:
        features = ours[0](dictation(name), sampling_rate=16000, return_tensors="pt")["input_features"]
        with torch.no_grad():
            assert ours[1].detect_language(features).tolist() == theirs[1].detect_language(features).tolist()
