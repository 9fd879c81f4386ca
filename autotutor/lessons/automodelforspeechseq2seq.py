"""What lesson 9 (AutoModelForSpeechSeq2Seq: from speech to text with Whisper) shows, as plain functions: the
notebook's cells and the speech explorer call these, and tests/test_lesson_automodelforspeechseq2seq.py checks them.

    DICTATIONS, dictation(name)             the pack's spoken sentences: what was said, and the clip's samples
    draw_log_mel(features, seconds=...)     a log-mel spectrogram as a picture: time × mel bands, a colour scale
    features_facts(features, samples)       from samples to frames: the numbers behind the picture
    long_clip_error(processor)              what the processor says of a clip longer than 30 seconds
    model_facts(model)                      class, parameters, encoder and decoder layers: the model in a few lines
    prompt_tokens(processor, ...)           the decoder's first tokens, and `prompt_text` to print them
    transcribe(model, processor, samples)   samples → text, through the processor and `generate()`
    written_pieces(tokenizer, ids)          the text of each token `generate()` wrote, spaces shown as ␣
    detected_language(model, processor, …)  the language Whisper hears, when it is not told
    transcriptions(model, processor, names) what was said and what Whisper heard, clip by clip
    as_model_input(samples, rate)           a clip in any WAV shape → mono 16 kHz float32, saying what changed
    resample(samples, rate, target)         band-limited resampling (the pack's clips and the learner's own)
    prompt_question(), padding_question()   the lesson's check-your-understanding questions

Pictures carry numbers, not words, so they are the same in every language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from PIL import Image, ImageDraw

from ..i18n import _, direction, display_width, number, printed
from .pictures import font
from .quiz import QuizQuestion
from .refusals import error_line

__all__ = [
    "DICTATIONS",
    "SPEECH_CHECKPOINT",
    "Dictation",
    "PromptToken",
    "Transcription",
    "as_model_input",
    "detected_language",
    "dictation",
    "draw_log_mel",
    "features_facts",
    "long_clip_error",
    "model_facts",
    "padding_question",
    "prompt_question",
    "prompt_text",
    "prompt_tokens",
    "resample",
    "same_words",
    "transcribe",
    "transcriptions",
    "transcriptions_text",
    "written_pieces",
]

# OpenAI's Whisper base: 74 million parameters, 99 languages. The course pack holds its published weights.
SPEECH_CHECKPOINT = "openai/whisper-base"
SAMPLING_RATE = 16_000  # Whisper's feature extractor takes 16 kHz audio, as it was trained on


@dataclass(frozen=True)
class Dictation:
    """A sentence the course pack has spoken with espeak-ng's synthetic voice, at `words_per_minute`."""

    file: str
    language: str
    voice: str
    words_per_minute: int
    text: str


# The pack's clips for this lesson (`autotutor pack install` speaks them). 100 to 120 words per minute is slow
# and clear; the fast English clip says the same sentence at 250, faster than most people speak.
DICTATIONS = {
    "en": Dictation("dictation_en.wav", "en", "en-us", 120, "I am learning how a speech model turns sound into text."),
    "fr": Dictation("dictation_fr.wav", "fr", "fr-fr", 100,
                    "J'apprends comment un modèle transforme la parole en texte."),
    "ar": Dictation("dictation_ar.wav", "ar", "ar", 120, "أتعلم كيف يحول النموذج الكلام إلى نص."),
    "en_fast": Dictation("dictation_en_fast.wav", "en", "en-us", 250,
                         "I am learning how a speech model turns sound into text."),
}


def dictation(name: str) -> np.ndarray:
    """The samples of one of the pack's dictations (float32 in [-1, 1], 16 kHz mono)."""
    from ..pack import sample_file
    from .autofeatureextractor import read_wav

    samples, rate = read_wav(sample_file(DICTATIONS[name].file))
    assert rate == SAMPLING_RATE, rate  # the pack writes 16 kHz clips
    return samples


# ---------------------------------------------------------------------------------------------------------------
# Samples → log-mel spectrogram
# ---------------------------------------------------------------------------------------------------------------
# viridis, sampled at six points: dark blue for quiet, yellow for loud. It stays readable in grey and for
# every common colour-vision deficiency, because its lightness rises steadily.
_VIRIDIS = np.array([[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]],
                    dtype=np.float32)


def _colour(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] → RGB, by linear interpolation between the six viridis colours. (..., ) → (..., 3) uint8."""
    position = np.clip(values, 0, 1) * (len(_VIRIDIS) - 1)
    low = np.floor(position).astype(int).clip(0, len(_VIRIDIS) - 2)
    weight = (position - low)[..., None]
    return ((1 - weight) * _VIRIDIS[low] + weight * _VIRIDIS[low + 1]).astype(np.uint8)


def draw_log_mel(features: Any, *, seconds: float | None = None, frames_per_second: int = 100) -> Image.Image:
    """A log-mel spectrogram as a picture: time left to right, mel bands from low (bottom) to high (top), each
    value a colour from the scale on the right.

    Args:
        features: one clip's `input_features`, (80, 3000) — a tensor or an array.
        seconds: show only the first `seconds` (the whole 30 s window when None).
        frames_per_second: 100 for Whisper (one frame every 10 ms).
    """
    values = np.asarray(features.detach().cpu() if hasattr(features, "detach") else features, dtype=np.float32)
    bands, frames = values.shape  # (80, 3000)
    if seconds is not None:
        frames = min(frames, max(1, int(round(seconds * frames_per_second))))
        values = values[:, :frames]
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / max(high - low, 1e-6)
    heat = Image.fromarray(_colour(scaled[::-1]))  # flipped: low bands at the bottom, as on a musical staff
    plot_w, plot_h = 720, 240
    heat = heat.resize((plot_w, plot_h), Image.Resampling.BILINEAR)

    left, top, bar_w = 56, 16, 18
    width, height = left + plot_w + 24 + bar_w + 64, top + plot_h + 44
    image = Image.new("RGB", (width, height), "white")
    image.paste(heat, (left, top))
    draw = ImageDraw.Draw(image)
    draw.rectangle((left - 1, top - 1, left + plot_w, top + plot_h), outline="#333333")
    small = font(13)
    # Time ticks, in seconds, under the plot.
    total = frames / frames_per_second
    step = next(s for s in (0.5, 1, 2, 5, 10) if total / s <= 8)
    for tick in np.arange(0, total + 1e-9, step):
        x = left + plot_w * tick / total
        draw.line((x, top + plot_h, x, top + plot_h + 5), fill="#333333")
        label = number(float(tick), 1 if step < 1 else 0) + " s"
        draw.text((x - draw.textlength(label, font=small) / 2, top + plot_h + 8), label, fill="black", font=small)
    # Mel band ticks, on the left.
    for band in range(0, bands + 1, 20):
        y = top + plot_h - plot_h * band / bands
        draw.line((left - 5, y, left, y), fill="#333333")
        label = str(band)
        draw.text((left - 9 - draw.textlength(label, font=small), y - 8), label, fill="black", font=small)
    # The colour scale: the highest value on top.
    bar_left = left + plot_w + 24
    ramp = _colour(np.linspace(1, 0, plot_h)[:, None].repeat(bar_w, axis=1))
    image.paste(Image.fromarray(ramp), (bar_left, top))
    draw.rectangle((bar_left - 1, top - 1, bar_left + bar_w, top + plot_h), outline="#333333")
    for value, y in ((high, top), ((low + high) / 2, top + plot_h / 2), (low, top + plot_h)):
        draw.text((bar_left + bar_w + 6, y - 8), number(value, 1), fill="black", font=small)
    return image


def features_facts(features: Any, samples: np.ndarray, *, sampling_rate: int = SAMPLING_RATE,
                   hop_length: int = 160, window: int = 400) -> str:
    """From samples to frames, in numbers: how long the clip is, how the feature extractor slices it, and the
    shape it gives the model."""
    shape = tuple(features.shape)
    seconds = len(samples) / sampling_rate
    spoken_frames = min(shape[-1], int(np.ceil(len(samples) / hop_length)))
    rows = [
        [_("samples in the clip"), number(len(samples))],
        [_("seconds in the clip"), number(seconds, 2)],
        [_("one window, in samples"), number(window)],
        [_("one window, in milliseconds"), number(1000 * window / sampling_rate)],
        [_("one step between windows, in samples"), number(hop_length)],
        [_("one step between windows, in milliseconds"), number(1000 * hop_length / sampling_rate)],
        [_("frames that hold the clip"), number(spoken_frames)],
        [_("frames of padding (silence up to 30 s)"), number(shape[-1] - spoken_frames)],
        [_("input_features shape"), str(shape)],
    ]
    return _table([_("what"), _("value")], rows)


def long_clip_error(processor: Any, *, seconds: float = 35.0) -> str:
    """Give the processor a clip of `seconds` of silence and return what it says (an empty string if it took it)."""
    try:
        processor(np.zeros(int(seconds * SAMPLING_RATE), dtype=np.float32), sampling_rate=SAMPLING_RATE)
    except ValueError as err:  # AudioError is a ValueError
        return error_line(err)
    return ""


def model_facts(model: Any) -> str:
    """The model in a few lines: its class, how many parameters, the encoder's and the decoder's layers."""
    config = model.config
    parameters = sum(p.numel() for p in model.parameters())
    rows = [
        [_("class"), type(model).__name__],
        [_("parameters"), number(parameters)],
        [_("encoder layers (they read the sound)"), number(config.encoder_layers)],
        [_("decoder layers (they write the text)"), number(config.decoder_layers)],
        [_("vector size"), number(config.d_model)],
        [_("attention heads"), number(config.encoder_attention_heads)],
        [_("mel bands in each frame"), number(config.num_mel_bins)],
        [_("tokens in the vocabulary"), number(config.vocab_size)],
    ]
    return _table([_("what"), _("value")], rows)


# ---------------------------------------------------------------------------------------------------------------
# The decoder's prompt
# ---------------------------------------------------------------------------------------------------------------
class PromptToken(NamedTuple):
    position: int
    token: str
    id: int
    meaning: str


def _meaning(token: str) -> str:
    if token == "<|startoftranscript|>":
        return _("start of the transcript")
    if token == "<|transcribe|>":
        return _("task: write down what is said, in its language")
    if token == "<|translate|>":
        return _("task: translate what is said into English")
    if token == "<|notimestamps|>":
        return _("text only, without timestamps")
    return _("the language spoken")


def prompt_tokens(processor: Any, *, language: str, task: str = "transcribe") -> list[PromptToken]:
    """The tokens the decoder starts from, before it writes a word: the start token, then those
    `get_decoder_prompt_ids` forces (language, task, no timestamps)."""
    tokenizer = processor.tokenizer
    start = tokenizer.convert_tokens_to_ids("<|startoftranscript|>")
    forced = [token_id for _position, token_id in processor.get_decoder_prompt_ids(language=language, task=task)]
    ids = [start, *forced]
    tokens = tokenizer.convert_ids_to_tokens(ids)
    return [PromptToken(i, token, token_id, _meaning(token)) for i, (token, token_id) in enumerate(zip(tokens, ids))]


def prompt_text(rows: list[PromptToken]) -> str:
    return _table([_("position"), _("token"), _("id"), _("what it tells the decoder")],
                  [[str(r.position), r.token, str(r.id), r.meaning] for r in rows])


# ---------------------------------------------------------------------------------------------------------------
# Transcribing
# ---------------------------------------------------------------------------------------------------------------
def transcribe(model: Any, processor: Any, samples: np.ndarray, *, language: str | None = None,
               task: str = "transcribe", max_new_tokens: int = 60) -> str:
    """Samples (16 kHz mono) → the text Whisper writes: features, then greedy `generate()`, then decode."""
    import torch

    inputs = processor(samples, sampling_rate=SAMPLING_RATE, return_tensors="pt")
    with torch.no_grad():
        ids = model.generate(inputs["input_features"], language=language, task=task, max_new_tokens=max_new_tokens)
    return processor.batch_decode(ids, skip_special_tokens=True)[0].strip()


def written_pieces(tokenizer: Any, ids: Any) -> str:
    """Each id decoded on its own, a leading space shown as `␣`, separated by `|`: one piece per token."""
    pieces = [tokenizer.decode([int(token_id)]).replace(" ", "␣") for token_id in ids]
    return printed(" | ".join(pieces))


def detected_language(model: Any, processor: Any, samples: np.ndarray) -> str:
    """The language token Whisper finds most likely after <|startoftranscript|>, e.g. "<|en|>"."""
    import torch

    inputs = processor(samples, sampling_rate=SAMPLING_RATE, return_tensors="pt")
    with torch.no_grad():
        token_id = int(model.detect_language(inputs["input_features"]).reshape(-1)[0])
    return processor.tokenizer.convert_ids_to_tokens(token_id)


def _words(text: str) -> list[str]:
    """Lower-case words without punctuation or accents' variants (NFC), for a fair comparison."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    return re.findall(r"[\w']+", text)


def same_words(said: str, heard: str) -> bool:
    """True when the transcription has the same words as the sentence, ignoring case and punctuation."""
    return _words(said) == _words(heard)


class Transcription(NamedTuple):
    name: str
    said: str
    heard: str
    same: bool


def transcriptions(model: Any, processor: Any, names: tuple[str, ...] = ("en", "fr", "ar"), *,
                   task: str = "transcribe") -> list[Transcription]:
    """Each dictation transcribed in its own language (`task="transcribe"`), or into English ("translate")."""
    rows = []
    for name in names:
        said = DICTATIONS[name]
        heard = transcribe(model, processor, dictation(name), language=said.language, task=task)
        rows.append(Transcription(name, said.text, heard, same_words(said.text, heard)))
    return rows


def transcriptions_text(rows: list[Transcription]) -> str:
    """One block per clip: what was said, what Whisper wrote, and whether the words are the same."""
    blocks = []
    for row in rows:
        dictated = DICTATIONS[row.name]
        verdict = _("the same words") if row.same else _("different words")
        pace = _("{count} words per minute").format(count=number(dictated.words_per_minute))
        said, heard = _("said:"), _("heard:")  # with the colon: French puts a space before it
        width = max(len(said), len(heard))  # the two texts start in the same column
        name, said_text, heard_text, arrow = row.name, row.said, row.heard, "→"
        if direction() == "rtl":
            # In an Arabic line each sentence keeps its own direction (FSI: its full stop stays at its end), the
            # clip's name stays beside its number (LRI), and the arrow points at the verdict, on its left.
            name, arrow = f"\u2066{row.name}\u2069", "←"
            said_text, heard_text = f"\u2068{row.said}\u2069", f"\u2068{row.heard}\u2069"
        blocks.append("\n".join([
            f"{name} · {pace}",
            f"  {said:<{width}} {said_text}",
            f"  {heard:<{width}} {heard_text}",
            f"  {arrow} {verdict}",
        ]))
    return printed("\n\n".join(blocks))


def as_model_input(samples: np.ndarray, rate: int) -> tuple[np.ndarray, list[str]]:
    """A clip as Whisper's feature extractor needs it: mono, 16 kHz, float32. Returns the clip and what was
    changed, in words (an empty list when nothing was).

    `samples` is (L,) or (L, channels).
    """
    changes = []
    clip = np.asarray(samples, dtype=np.float32)
    if clip.ndim == 2:
        changes.append(_("{channels} channels averaged into one").format(channels=clip.shape[1]))
        clip = clip.mean(axis=1)
    if rate != SAMPLING_RATE:
        changes.append(_("resampled from {rate} Hz to {target} Hz").format(rate=number(rate),
                                                                            target=number(SAMPLING_RATE)))
        clip = resample(clip, rate, SAMPLING_RATE)
    return clip, changes


def resample(samples: np.ndarray, rate: int, target: int, *, half_width: int = 32) -> np.ndarray:
    """`samples` at `rate` Hz → the same sound at `target` Hz, by band-limited interpolation.

    Each new sample is a weighted sum of the 2 × `half_width` old samples around its instant, the weights a sinc
    (the ideal interpolator) under a Hann window. When going down, the sinc is widened so that it also removes
    what lies above half the new rate: such a frequency would otherwise fold back as a false, lower one
    (aliasing), which Whisper, trained on clean recordings, hears as noise. torchaudio and librosa do the same,
    faster.
    """
    samples = np.asarray(samples, dtype=np.float64)
    ratio = target / rate
    cutoff = 0.95 * min(1.0, ratio)  # as a fraction of the old rate's half: a little below the new half-rate
    offsets = np.arange(-half_width + 1, half_width + 1)  # (2W,)
    out = np.empty(int(len(samples) * ratio), dtype=np.float32)
    for start in range(0, len(out), 50_000):  # in chunks, so that a long clip needs little memory
        times = np.arange(start, min(start + 50_000, len(out))) / ratio  # (N,) instants, in old samples
        index = np.floor(times).astype(int)[:, None] + offsets  # (N, 2W) the old samples around each
        distance = times[:, None] - index
        weights = cutoff * np.sinc(cutoff * distance) * (0.5 + 0.5 * np.cos(np.pi * distance / half_width))
        inside = (index >= 0) & (index < len(samples))
        out[start:start + len(times)] = (np.where(inside, samples[index.clip(0, len(samples) - 1)], 0) * weights).sum(1)
    return out


def _table(head: list[str], body: list[list[str]]) -> str:
    # Widths as shown: an Arabic short vowel is a character that takes no column.
    widths = [max(display_width(row[i]) for row in [head, *body]) + 2 for i in range(len(head))]
    lines = ["".join(cell + " " * (w - display_width(cell)) for cell, w in zip(row, widths)).rstrip()
             for row in [head, *body]]
    return printed("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def prompt_question() -> QuizQuestion:
    """What changes when the prompt's task token changes (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("A French clip goes through `generate(input_features, language=\"fr\", task=\"translate\")`. "
                   "What does Whisper write?"),
        choices=(
            _("English text: `<|translate|>` in the prompt asks the decoder for an English translation."),
            _("French text: the language token `<|fr|>` decides the language of the answer."),
            _("Nothing: a French clip can only be transcribed."),
        ),
        feedback=(
            _("Right. `<|fr|>` says which language is spoken; `<|translate|>` asks for English. The same weights do "
              "both: only the prompt tokens differ."),
            _("`<|fr|>` tells the decoder which language it hears, not which one to write. With `<|translate|>` "
              "Whisper writes English."),
            _("Whisper was trained to translate from its 99 languages into English: `task=\"translate\"` asks for "
              "just that."),
        ),
        answer=0,
    )


def padding_question() -> QuizQuestion:
    """Why every clip becomes 3000 frames (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("A 4-second clip and a 20-second clip go through the feature extractor. What are the shapes of "
                   "their `input_features`?"),
        choices=(
            _("Both `(1, 80, 3000)`: every clip is padded with silence, or cut, to 30 seconds."),
            _("`(1, 80, 400)` and `(1, 80, 2000)`: one frame every 10 milliseconds."),
            _("`(1, 80, 4)` and `(1, 80, 20)`: one frame per second."),
        ),
        feedback=(
            _("Right. Whisper's encoder was trained on 30-second segments: 3000 frames of 10 ms, each with 80 mel "
              "bands. Shorter clips are padded with silence."),
            _("That would be true without padding. Whisper pads every clip to 30 seconds, so the shape is always "
              "`(1, 80, 3000)`."),
            _("A frame covers 25 milliseconds, and a new one starts every 10 milliseconds: 100 frames per second, "
              "padded to 3000."),
        ),
        answer=0,
    )
