"""The speech explorer of lesson 9: transcribe one of the pack's clips, or a WAV file of your own, and see what
Whisper was given (the log-mel spectrogram, the prompt tokens) and what it wrote.

    read_upload(value)                  what a FileUpload holds → (samples, rate), with a clear error otherwise
    SpeechExplorer(model, processor)    the widget: a clip menu or an upload, the language and the task, a button,
                                        then the picture, the prompt and the text

The model runs only when the button is pressed: a transcription takes a few seconds on a laptop.
"""

from __future__ import annotations

import html
import io
import wave
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..errors import AudioError
from ..i18n import _, on_language_change
from ..lessons.automodelforspeechseq2seq import (
    DICTATIONS,
    as_model_input,
    detected_language,
    dictation,
    draw_log_mel,
    prompt_tokens,
    transcribe,
)
from ..lessons.pictures import png_data_uri
from ._html import TooltipBox, code, container, follow_direction, plain, prose

__all__ = ["SpeechExplorer", "read_upload"]

_UPLOAD = "upload"  # the clip menu's value for "the file I uploaded"


def read_upload(value: Any) -> tuple[np.ndarray, int]:
    """The file a `FileUpload` holds (ipywidgets 8: a tuple of dicts with "name" and "content") → samples
    (L,) or (L, channels) in [-1, 1], and the sampling rate. Only 16-bit PCM WAV files are read."""
    if not value:
        raise AudioError("No file was uploaded yet. Choose a WAV file with the upload button first.")
    upload = value[0]
    name = upload.get("name", "?")
    try:
        with wave.open(io.BytesIO(bytes(upload["content"])), "rb") as f:
            width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
            data = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as err:
        raise AudioError("{path} is not a WAV file the standard library can read ({reason}). Save it as 16-bit PCM "
                         "WAV, e.g. with Audacity or `ffmpeg -i clip.mp3 -ar 16000 -ac 1 clip.wav`.",
                         path=name, reason=str(err)) from None
    if width != 2:
        raise AudioError("{path}: read_wav reads 16-bit PCM WAV files; this one has {bits}-bit samples.",
                         path=name, bits=8 * width)
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768  # (L * channels,) interleaved
    return (samples.reshape(-1, channels) if channels > 1 else samples), rate


class SpeechExplorer(widgets.VBox):
    """Transcribe a clip: the pack's dictations, or a WAV file the learner uploads.

    Args:
        model: a Whisper model (`AutoModelForSpeechSeq2Seq`).
        processor: its processor (`AutoProcessor`): the feature extractor and the tokenizer.
        clip: the dictation selected at the start ("en", "fr", "ar" or "en_fast"); it is transcribed at once, so
            the explorer opens with a complete example (and a page that stores the widget shows one).
    """

    def __init__(self, model: Any, processor: Any, *, clip: str = "en") -> None:
        self.model, self.processor = model, processor
        self._intro = widgets.HTML()
        self._clip = widgets.Dropdown(value=clip, options=[(name, name) for name in DICTATIONS])
        self._upload = widgets.FileUpload(accept=".wav", multiple=False)
        # The arguments as written in code, so the same in every language.
        self._language = widgets.Dropdown(options=[("language=None", None), ('language="en"', "en"),
                                                   ('language="fr"', "fr"), ('language="ar"', "ar")])
        self._task = widgets.ToggleButtons(options=[('task="transcribe"', "transcribe"),
                                                    ('task="translate"', "translate")])
        self._run = widgets.Button(icon="play")
        self._result = widgets.HTML()
        self._shown: dict[str, Any] | None = None  # what the last run found, redrawn on a language change
        super().__init__([self._intro, widgets.HBox([TooltipBox(self._clip), TooltipBox(self._upload)]),
                          TooltipBox(self._language), TooltipBox(self._task), self._run, self._result])
        self.add_class("autotutor-speech-explorer")  # a stable hook for the page's tests and styles
        self._upload.observe(self._uploaded, names="value")
        self._run.on_click(lambda _button: self.run())
        on_language_change(self._relabel)
        self._relabel()
        self.run()

    # What the button does -----------------------------------------------------------------------------------
    def samples(self) -> tuple[np.ndarray, list[str]]:
        """The chosen clip, as the model needs it, and what was changed to get there."""
        if self._clip.value == _UPLOAD:
            return as_model_input(*read_upload(self._upload.value))
        return dictation(self._clip.value), []

    def run(self) -> str:
        """Transcribe the chosen clip with the chosen language and task; show the steps. Returns the text."""
        try:
            samples, changes = self.samples()
        except AudioError as err:
            self._shown = None
            self._result.value = container(f'<p style="color:#a00">{html.escape(str(err))}</p>')
            return ""
        language, task = self._language.value, self._task.value
        features = self.processor(samples, sampling_rate=16_000, return_tensors="pt")["input_features"]
        heard = language or detected_language(self.model, self.processor, samples).strip("<|>")
        text = transcribe(self.model, self.processor, samples, language=language, task=task)
        picture = png_data_uri(draw_log_mel(features[0], seconds=max(min(len(samples) / 16_000, 30.0), 1.0)))
        self._shown = {"changes": changes, "picture": picture, "detected": language is None, "language": heard,
                       "task": task, "text": text}
        self._draw_result()
        return text

    def _draw_result(self) -> None:
        """The last run's steps, in the current language (drawn again on a language change)."""
        shown = self._shown
        if shown is None:
            return
        rows = "".join(f"<tr><td>{row.position}</td><td>{code(row.token)}</td><td>{row.id}</td>"
                       f"<td>{html.escape(row.meaning)}</td></tr>"
                       for row in prompt_tokens(self.processor, language=shown["language"], task=shown["task"]))
        notes = "".join(f"<li>{html.escape(change)}</li>" for change in shown["changes"])
        detected = ""
        if shown["detected"]:
            said = _("Detected language: `{language}`").format(language=shown["language"])
            detected = f"<p>{prose(said)}</p>"
        self._result.value = container(
            (f"<ul>{notes}</ul>" if notes else "")
            + f'<img alt="log-mel" src="{shown["picture"]}" style="max-width:100%">'
            + detected
            + f"<table>{rows}</table>"
            + f'<p dir="auto" style="font-size:1.2em"><b>{html.escape(shown["text"])}</b></p>')

    def _uploaded(self, change: dict) -> None:
        options = [(name, name) for name in DICTATIONS]
        if self._upload.value:
            options.append((self._upload.value[0].get("name", _UPLOAD), _UPLOAD))
        self._clip.options = options
        if self._upload.value:
            self._clip.value = _UPLOAD

    # Labels ---------------------------------------------------------------------------------------------------
    def _relabel(self, lang: str | None = None) -> None:
        self._intro.value = container(prose(_(
            "Choose a clip of the course pack, or upload a WAV file of your own, then press the button. With "
            "`language=None` Whisper first guesses the language; `task=\"translate\"` asks for English.")))
        self._clip.description = _("Clip")
        self._clip.tooltip = plain(_("The pack's dictations, and the file you uploaded"))
        self._upload.description = _("Upload a WAV file")
        self._upload.tooltip = plain(_("A 16-bit PCM WAV file; stereo and other sampling rates are converted"))
        self._language.description = _("Language")
        self._language.tooltip = plain(_("The language token of the prompt; None lets Whisper detect it"))
        self._task.description = _("Task")
        self._task.tooltip = plain(_("Write down what is said, or translate it into English"))
        self._run.description = _("Transcribe")
        self._run.tooltip = plain(_("Compute the features, run generate() and decode the tokens"))
        follow_direction(self)
        self._draw_result()

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"SpeechExplorer({self._clip.value!r})"
