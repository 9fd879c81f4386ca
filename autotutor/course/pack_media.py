"""Sample media for the lessons: photos, document images and speech clips, with their licences.

Photos ship with autotutor (course/pack_data/, CC0). Document images are drawn with Pillow and speech clips are
spoken by espeak-ng when the pack is installed, so nothing here needs the network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

from ..errors import ArgumentError, AudioError
from ..lessons.automodelforspeechseq2seq import DICTATIONS, resample

__all__ = ["build_media", "media_dir", "FONT_CANDIDATES"]

DATA = Path(__file__).parent / "pack_data"

PHOTOS = {
    "cat.jpg": "Chelsea the cat, by Stéfan van der Walt, CC0 (from scikit-image's sample data)",
    "coffee.jpg": "Coffee cup, by Rachel Michetti, courtesy of Pikolo Espresso Bar, CC0 (from scikit-image's sample data)",
}

# Sample content drawn into the document images and spoken in the clips (data, not interface text).
DOCUMENTS = {
    "en": ["INVOICE 2041", "Date: 12 March 2026", "Customer: Ada Lovelace", "Total due: 128.50 EUR"],
    "fr": ["FACTURE 2041", "Date : 12 mars 2026", "Client : Hélène Dupré", "Total à payer : 128,50 EUR"],
    "ar": ["فاتورة رقم 2041", "التاريخ: 12 مارس 2026", "العميل: ليلى حسن", "المبلغ المستحق: 128.50 يورو"],
}
SPEECH = {
    "en": ("en-us", "I am so happy to learn how models are loaded."),
    "fr": ("fr-fr", "Je suis très contente d'apprendre comment on charge un modèle."),
    "ar": ("ar", "أنا سعيد جدا بتعلم كيفية تحميل النماذج."),
}
SAMPLING_RATE = 16_000  # what wav2vec2's feature extractor expects

# Fonts with Latin and Arabic glyphs, from Debian's fonts-noto-core and fonts-dejavu-core.
FONT_CANDIDATES = {
    "latin": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"],
    "arabic": ["/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
}


def media_dir(root: Path) -> Path:
    return root / "media"


def _font(kind: str, size: int):
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES[kind]:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    raise ArgumentError(
        "No font with {kind} glyphs found (looked for {candidates}). Install Debian's fonts-noto-core and "
        "fonts-dejavu-core (`make system-deps`).",
        kind=kind, candidates=", ".join(FONT_CANDIDATES[kind]))


def draw_document(lang: str, path: Path) -> None:
    """A plain white 'invoice' with four lines of text, right-aligned for Arabic."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(image)
    font = _font("arabic" if lang == "ar" else "latin", 36)
    for i, line in enumerate(DOCUMENTS[lang]):
        y = 60 + i * 100
        if lang == "ar":  # raqm shapes and orders the letters; anchor at the right edge
            draw.text((740, y), line, fill="black", font=font, anchor="ra", direction="rtl", language="ar")
        else:
            draw.text((60, y), line, fill="black", font=font)
    image.save(path)


def _resample(samples: np.ndarray, rate: int, target: int, *, anti_alias: bool = False) -> np.ndarray:
    """Another sampling rate: linear interpolation (lesson 4's clips), or band-limited with `anti_alias`."""
    if anti_alias:
        return resample(samples, rate, target)
    duration = len(samples) / rate
    times = np.arange(int(duration * target)) / target
    return np.interp(times, np.arange(len(samples)) / rate, samples).astype(np.float32)


def speak(lang: str, path: Path) -> None:
    """Speak the sample sentence with espeak-ng and store it as 16 kHz mono 16-bit WAV."""
    voice, text = SPEECH[lang]
    say(text, voice=voice, words_per_minute=150, path=path)


def say(text: str, *, voice: str, words_per_minute: int, path: Path, anti_alias: bool = False) -> None:
    """Speak `text` with espeak-ng's `voice` at `words_per_minute`; store it as 16 kHz mono 16-bit WAV.

    `anti_alias` resamples from espeak-ng's 22,050 Hz down to 16,000 Hz without aliasing. Lesson 9's dictations
    need it (Whisper hears "I'm" instead of "I am" without it); lesson 4's clips keep the samples its stored
    outputs print."""
    if shutil.which("espeak-ng") is None:
        raise AudioError("espeak-ng is needed to make the speech clips: install Debian's espeak-ng (`make system-deps`).")
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text], check=True,
                   capture_output=True)
    with wave.open(str(raw), "rb") as f:
        rate = f.getframerate()
        samples = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    raw.unlink()
    clip = _resample(samples, rate, SAMPLING_RATE, anti_alias=anti_alias)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLING_RATE)
        f.writeframes((np.clip(clip, -1, 1) * 32767).astype(np.int16).tobytes())


def build_media(target: Path) -> dict[str, str]:
    """Fill `target` with every sample file; returns file name → licence / origin."""
    licences = {}
    for name, licence in PHOTOS.items():
        shutil.copyfile(DATA / name, target / name)
        licences[name] = licence
    for lang in DOCUMENTS:
        draw_document(lang, target / f"document_{lang}.png")
        licences[f"document_{lang}.png"] = "drawn by autotutor with Pillow; fonts: Noto / DejaVu (SIL OFL / free licence)"
    for lang in SPEECH:
        speak(lang, target / f"speech_{lang}.wav")
        licences[f"speech_{lang}.wav"] = f"spoken by espeak-ng (GPL-3, output free to use), voice {SPEECH[lang][0]}"
    for dictated in DICTATIONS.values():  # lesson 9's clips: slower, for Whisper
        say(dictated.text, voice=dictated.voice, words_per_minute=dictated.words_per_minute,
            path=target / dictated.file, anti_alias=True)
        licences[dictated.file] = (f"spoken by espeak-ng (GPL-3, output free to use), voice {dictated.voice}, "
                                   f"{dictated.words_per_minute} words per minute")
    (target / "LICENSES.json").write_text(json.dumps(licences, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return licences
