"""Lesson 9's exercises (AutoModelForSpeechSeq2Seq), with `openai/whisper-base`.

    09.to_english      a French or Arabic clip → English text: the language's code, task="translate"
    09.speech_frames   how many of the 3000 frames hold a clip recorded at another rate than 16 kHz

Whisper's encoder reads 30 seconds whatever the clip, so a transcription costs about a second on a laptop's
CPU. The model is loaded once (`functools.lru_cache`), the task asks for 12 tokens, and 09.to_english runs
Whisper only once per check, in your function: the model it hands you notes what `generate()` was asked and
wrote (`_Noted`). Each check draws its clip afresh: which dictation, how much silence before it, which locale,
at which rate it was recorded.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

import numpy as np

from ...i18n import N_
from ...generation_whisper import LANGUAGES, TO_LANGUAGE_CODE
from ..automodelforspeechseq2seq import SAMPLING_RATE, SPEECH_CHECKPOINT, dictation
from .base import Exercise, Verdict, _quietly, attempt, not_yet, right

__all__ = ["EXERCISES"]

TOKENS = 12  # the task's max_new_tokens: enough words to tell English from French, few enough to be quick
# Recordings tagged with their locale (language_COUNTRY), as phones and computers name them.
_LOCALES = {"fr": ("fr_FR", "fr_CA", "fr_BE", "fr_SN"), "ar": ("ar_EG", "ar_MA", "ar_SA", "ar_LB")}


@functools.lru_cache(maxsize=1)
def _whisper():
    from ...auto import AutoModelForSpeechSeq2Seq, AutoProcessor

    with _quietly():
        model = AutoModelForSpeechSeq2Seq.from_pretrained(SPEECH_CHECKPOINT).eval()
    return model, AutoProcessor.from_pretrained(SPEECH_CHECKPOINT)


@functools.lru_cache(maxsize=1)
def _processor():
    from ...auto import AutoProcessor

    return AutoProcessor.from_pretrained(SPEECH_CHECKPOINT)


# ---------------------------------------------------------------------------------------------------------------
# 09.to_english
# ---------------------------------------------------------------------------------------------------------------
def _clip(name: str, silence: int) -> np.ndarray:
    """The pack's dictation `name` after `silence` twentieths of a second of silence."""
    return np.concatenate([np.zeros(silence * SAMPLING_RATE // 20, dtype=np.float32), dictation(name)])


class _Noted:
    """The lesson's Whisper as the check hands it to your function: the real model in every way, except that each
    call of `generate()` is noted (its features, its options, the ids it wrote). The check then reads what you
    asked for, and compares your text with those ids, instead of transcribing the clip a second time."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.calls: list[tuple[Any, dict[str, Any], Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def __repr__(self) -> str:
        return repr(self._model)

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        ids = self._model.generate(*args, **kwargs)
        features = args[0] if args else kwargs.get("input_features")
        self.calls.append((features, kwargs, ids))
        return ids


def _language_code(language: Any) -> str | None:
    """"fr", "French" or "<|fr|>" → "fr", as generate() reads a language; None when it is none of these."""
    name = str(language).lower().removeprefix("<|").removesuffix("|>")
    return TO_LANGUAGE_CODE.get(name, name if name in LANGUAGES else None)


def check_to_english(answer: object) -> Verdict:
    import torch

    model, processor = _whisper()
    rng = random.Random()
    name = rng.choice(sorted(_LOCALES))
    locale, clip = rng.choice(_LOCALES[name]), _clip(name, rng.randint(0, 7))
    noted = _Noted(model)
    run = attempt(answer, noted, processor, clip, locale)
    if run.verdict is not None:
        key = getattr(run.error, "key", None)
        if key == "language":
            return not_yet("wrong_language_code", N_("Not yet: Whisper does not know the language {value!r}. Its "
                                                     "codes are two letters, the part of the locale before the "
                                                     "underscore: \"{language}\" for {locale}."),
                           value=getattr(run.error, "value", None), language=name, locale=locale)
        if key == "task":
            return not_yet("wrong_task", N_("Not yet: Whisper has two tasks, \"transcribe\" and \"translate\"; "
                                            "the one that writes English is \"translate\"."))
        return run.verdict
    if not noted.calls:
        return not_yet("no_generate", N_("Not yet: your function never asked the model to write: call "
                                         "`model.generate(...)` on the clip's features."))
    features, options, ids = noted.calls[-1]
    expected = processor(clip, sampling_rate=SAMPLING_RATE, return_tensors="pt")["input_features"]
    if not isinstance(features, torch.Tensor) or features.shape != expected.shape or not torch.allclose(
            features, expected, atol=1e-4):
        return not_yet("wrong_features", N_("Not yet: `generate()` did not get the features of this clip. Give it "
                                            "`processor(samples, sampling_rate=16000, "
                                            "return_tensors=\"pt\")[\"input_features\"]`."))
    if options.get("language") is None:
        return not_yet("language_missing", N_("Not yet: `generate()` was not told the language, so Whisper guessed "
                                              "it from this synthetic voice, and such guesses often go wrong. Tell "
                                              "it: the locale {locale} gives the code \"{language}\"."),
                       locale=locale, language=name)
    if _language_code(options["language"]) != name:
        return not_yet("wrong_language", N_("Not yet: `generate()` was told the language is {value!r}, but this "
                                            "clip was recorded as {locale}."),
                       value=options["language"], locale=locale)
    if options.get("task") != "translate":
        return not_yet("transcribed", N_("Not yet: Whisper wrote the clip down in its own language. "
                                         "`task=\"transcribe\"` (the default) keeps the language spoken; "
                                         "`task=\"translate\"` asks Whisper for English."))
    if options.get("max_new_tokens") is not None and options["max_new_tokens"] < TOKENS:
        return not_yet("too_few_tokens", N_("Not yet: the text stops early. Let `generate()` write {tokens} "
                                            "tokens: `max_new_tokens={tokens}`."), tokens=TOKENS)
    got = run.value
    if not isinstance(got, str):
        return not_yet("not_text", N_("Not yet: return the text itself, a string: "
                                      "`processor.batch_decode(ids, skip_special_tokens=True)[0]`."))
    written = processor.batch_decode(ids[:, :TOKENS], skip_special_tokens=True)[0].rstrip("\ufffd").strip()
    if "<|" in got:
        return not_yet("special_tokens_kept", N_("Not yet: the text still has Whisper's special tokens. Decode "
                                                 "with `skip_special_tokens=True`."))
    if not got.strip().startswith(written):
        return not_yet("not_decoded", N_("Not yet: `generate()` wrote “{written}”, but your function returned "
                                         "“{got}”. Return the decoded ids: "
                                         "`processor.batch_decode(ids, skip_special_tokens=True)[0]`."),
                       written=written, got=got.strip()[:200])
    if run.warned("sampling_rate"):
        return not_yet("no_sampling_rate", N_("Not yet: the text is right, but the processor was not told the "
                                              "clip's rate. It assumed 16 kHz, which was true this time; a clip at "
                                              "another rate would give wrong text without an error. Pass "
                                              "`sampling_rate=16000`, so that it can check."))
    return right(N_("Right: “{text}”, the first {tokens} tokens of Whisper's English for the clip recorded as "
                    "{locale}."), text=written, tokens=TOKENS, locale=locale)


TO_ENGLISH = Exercise(
    id="09.to_english",
    lesson="09_automodelforspeechseq2seq",
    title=N_("Whisper, in English"),
    task=N_("A clip comes with the locale of the phone that recorded it: `fr_CA`, `ar_EG`… (language, "
            "underscore, country). Write `english_text(model, processor, samples, locale)`: it returns the "
            "English text Whisper writes for the clip (`samples`: 16 kHz, mono), told which language is "
            "spoken. Let `generate()` write 12 tokens (`max_new_tokens=12`): enough for the check, and quick.\n\n"
            "The check gives your function the pack's French or Arabic dictation, after a moment of silence, "
            "with a locale it picks."),
    hint=N_("`processor(samples, sampling_rate=16000, return_tensors=\"pt\")` gives `input_features`; "
            "`model.generate(features, language=..., task=..., max_new_tokens=12)` writes; "
            "`processor.batch_decode(ids, skip_special_tokens=True)[0]` reads. Whisper's language codes are two "
            "letters, and one of its two tasks writes English whatever the language spoken."),
    solution='''\
import torch

def english_text(model, processor, samples, locale):
    features = processor(samples, sampling_rate=16000, return_tensors="pt")["input_features"]
    with torch.no_grad():
        ids = model.generate(features, language=locale.split("_")[0], task="translate", max_new_tokens=12)
    return processor.batch_decode(ids, skip_special_tokens=True)[0]
''',
    check=check_to_english,
    wrong_example='''\
import torch

def english_text(model, processor, samples, locale):
    features = processor(samples, sampling_rate=16000, return_tensors="pt")["input_features"]
    with torch.no_grad():
        ids = model.generate(features, language=locale.split("_")[0], task="transcribe", max_new_tokens=12)
    return processor.batch_decode(ids, skip_special_tokens=True)[0]
''',
    wrong_code="transcribed",
)


# ---------------------------------------------------------------------------------------------------------------
# 09.speech_frames
# ---------------------------------------------------------------------------------------------------------------
_RATES = (8000, 11025, 22050, 44100, 48000)


def _judge_frames(processor: Any, samples: np.ndarray, rate: int, value: Any, warned: bool) -> Verdict | None:
    """What is wrong with `value` as the number of frames holding `samples` (recorded at `rate`), or None."""
    hop = processor.feature_extractor.hop_length  # 160 samples: one frame every 10 ms
    resampled = int(len(samples) * SAMPLING_RATE / rate)  # the length `as_model_input` gives, without resampling
    expected = math.ceil(resampled / hop)
    try:
        got = float(value)
    except (TypeError, ValueError, RuntimeError):
        return not_yet("not_a_number", N_("Not yet: return one number, the count of frames (`int(...)` turns a "
                                          "one-number tensor into one)."))
    if abs(got - expected) <= 1:
        if warned:
            return not_yet("no_sampling_rate", N_("Not yet: the count is right, but the processor was not told "
                                                  "the clip's rate, and warned. Once the clip is at 16 kHz, say "
                                                  "so: `sampling_rate=16000`."))
        return None
    if abs(got - math.ceil(len(samples) / hop)) <= 1:
        return not_yet("not_resampled", N_("Not yet: {got} frames would be right for a 16 kHz clip, but this one "
                                           "was recorded at {rate} Hz: {seconds} seconds, so {frames} frames "
                                           "of 10 ms. Resample it to 16 kHz first (`as_model_input` from the "
                                           "lesson's module)."),
                       got=int(got), rate=rate, seconds=round(len(samples) / rate, 2), frames=expected)
    if got == processor.feature_extractor.nb_max_frames:
        return not_yet("padding_counted", N_("Not yet: 3000 is every frame, the padding included: every clip is "
                                             "padded to 30 seconds. Count the frames that hold the clip: the "
                                             "processor's `attention_mask` (`return_attention_mask=True`) marks "
                                             "them with 1."))
    if abs(got - len(samples) / rate) < 0.05:
        return not_yet("seconds_not_frames", N_("Not yet: {got} is the clip's length in seconds. Whisper makes a "
                                                "frame every 10 milliseconds: 100 per second."), got=round(got, 2))
    if abs(got - resampled / processor.feature_extractor.n_fft) <= 1:
        return not_yet("window_not_hop", N_("Not yet: you counted windows of 400 samples laid end to end, but "
                                            "the windows overlap: a new one starts every 160 samples (10 ms)."))
    if abs(got - resampled) <= 2 or got == len(samples):
        return not_yet("samples_not_frames", N_("Not yet: {got} is a number of samples. At 16 kHz a new frame "
                                                "starts every 160 of them."), got=int(got))
    return not_yet("wrong_frames", N_("Not yet: a clip of {seconds} seconds at {rate} Hz fills {frames} frames; "
                                      "your function gave {got}."),
                   seconds=round(len(samples) / rate, 2), rate=rate, frames=expected, got=round(got, 2))


def check_speech_frames(answer: object) -> Verdict:
    processor, rng = _processor(), random.Random()
    for rate in rng.sample(_RATES, 2):  # never 16 kHz: a clip that needs no resampling would hide a mistake
        noise = np.random.default_rng(rng.randrange(2**32)).standard_normal(int(rng.uniform(1.5, 8.0) * rate))
        samples = (0.1 * noise).astype(np.float32)  # a few seconds of quiet noise: the count needs no words
        run = attempt(answer, processor, samples, rate)
        if run.verdict is not None:
            if getattr(run.error, "key", None) == "sampling_rate":
                return not_yet("rate_refused", N_("Not yet: the processor refused a clip at {rate} Hz: Whisper "
                                                  "takes 16 kHz only. Resample the clip first "
                                                  "(`as_model_input(samples, rate)` from the lesson's module), "
                                                  "then pass `sampling_rate=16000`."), rate=rate)
            return run.verdict
        verdict = _judge_frames(processor, samples, rate, run.value, run.warned("sampling_rate"))
        if verdict is not None:
            return verdict
    return right(N_("Right: resampled to 16 kHz, a clip fills one frame every 10 ms, and the rest of the "
                    "3000 frames is padding."))


SPEECH_FRAMES = Exercise(
    id="09.speech_frames",
    lesson="09_automodelforspeechseq2seq",
    title=N_("How many frames hold the clip?"),
    task=N_("Whisper always reads 3000 frames, a clip padded to 30 seconds. Write `speech_frames(processor, "
            "samples, rate)`: it returns how many of them hold the clip `samples` (mono) recorded at `rate` Hz, "
            "once it is made ready for Whisper.\n\n"
            "The check gives your function clips of a few seconds, at rates other than 16 kHz."),
    hint=N_("`as_model_input(samples, rate)` from `autotutor.lessons.automodelforspeechseq2seq` resamples to "
            "16 kHz (it returns the clip and a list of what changed). Then "
            "`processor(clip, sampling_rate=16000, return_attention_mask=True)[\"attention_mask\"]` marks each "
            "frame that holds the clip with 1: sum it. Or count: one frame every 160 samples, rounded up."),
    solution='''\
from autotutor.lessons.automodelforspeechseq2seq import as_model_input

def speech_frames(processor, samples, rate):
    clip, changes = as_model_input(samples, rate)
    inputs = processor(clip, sampling_rate=16000, return_attention_mask=True)
    return int(inputs["attention_mask"].sum())
''',
    check=check_speech_frames,
    wrong_example='''\
def speech_frames(processor, samples, rate):
    inputs = processor(samples, sampling_rate=16000, return_attention_mask=True)
    return int(inputs["attention_mask"].sum())
''',
    wrong_code="not_resampled",
)

EXERCISES = [TO_ENGLISH, SPEECH_FRAMES]
