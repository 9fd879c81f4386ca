"""Colour is never the only signal in the lessons' pictures.

Each test makes every colour of one picture the same (as a colour-blind reader or a grey print might see them)
and checks that the kinds the picture distinguishes still look different: ticks and crosses on the registry's
call path, stripes and dotted edges in the load report, dashes in the histograms, stripes on padding, words on
the waveforms, white edges between tensors. (The token explorer's check lives in test_accessibility.py.)
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from autotutor.i18n import set_language, translate
from autotutor.lessons import autofeatureextractor, autoimageprocessor, automodel, introduction, loading_safely


def _grey(picture: Image.Image) -> np.ndarray:
    return np.asarray(picture.convert("L"), dtype=np.int16)


def _all_differ(crops: dict[str, np.ndarray]) -> None:
    for (a, x), (b, y) in itertools.combinations(crops.items(), 2):
        assert np.abs(x - y).sum() > 0, f"{a!r} and {b!r} look the same without colour"


def _painted(paint, states, size=(60, 40)) -> dict[str, np.ndarray]:
    crops = {}
    for state in states:
        picture = Image.new("RGB", (size[0] + 20, size[1] + 20), "white")
        paint(ImageDraw.Draw(picture), (10, 10, 10 + size[0], 10 + size[1]), state)
        crops[state] = _grey(picture)
    return crops


# --- lesson 0: the registry's call path --------------------------------------------------------------------------
def test_each_step_state_has_its_own_mark(monkeypatch):
    monkeypatch.setattr(introduction, "STEP_COLOURS", dict.fromkeys(introduction.STEP_COLOURS, "#dddddd"))
    _all_differ(_painted(introduction.paint_step, ("done", "stopped", "skipped"), size=(170, 90)))


def test_a_refused_call_path_reads_without_colour(monkeypatch):
    monkeypatch.setattr(introduction, "STEP_COLOURS", dict.fromkeys(introduction.STEP_COLOURS, "#dddddd"))
    decision = {"repo_id": "google/vit-base-patch16-224", "file": "config.json", "key": "model_type", "value": "vit",
                "auto_class": "AutoModelForTokenClassification", "model_class": None, "weights_file": None,
                "error": "no token head", "error_type": "UnsupportedTaskError"}
    picture = _grey(introduction.draw_call_path(decision))
    # Boxes are 170 wide, 40 apart, from x = 20; the mark sits in each box's top right corner (y 56–70).
    corner = {name: picture[54:74, 20 + i * 210 + 140:20 + i * 210 + 166]
              for i, name in ((0, "files: done"), (2, "registry: stopped"), (3, "model: skipped"))}
    _all_differ(corner)


# --- lesson 6: the load report -----------------------------------------------------------------------------------
def test_each_weight_status_has_its_own_pattern(monkeypatch):
    monkeypatch.setattr(automodel, "STATUS_COLOURS", dict.fromkeys(automodel.STATUS_COLOURS, "#dddddd"))
    _all_differ(_painted(automodel.paint_status, ("loaded", "new", "unused")))


class _Report:
    model_class = "DistilBertForTokenClassification"
    loaded = ["distilbert.embeddings.word_embeddings.weight"]
    newly_initialized = ["classifier.weight", "classifier.bias"]
    unexpected = ["vocab_projector.bias"]
    mismatched: list = []


def test_the_load_report_legend_reads_without_colour(monkeypatch):
    monkeypatch.setattr(automodel, "STATUS_COLOURS", dict.fromkeys(automodel.STATUS_COLOURS, "#dddddd"))
    report = _Report()
    blocks = automodel.weight_blocks(report)
    assert {b.status for b in blocks} == {"loaded", "new", "unused"}
    picture = _grey(automodel.draw_load_report(report))
    height = picture.shape[0]
    top = height - 20 - (3 * 28 + 10) + 10  # the legend: three swatches of 20 × 20 at x = 20, 28 px apart
    swatches = {status: picture[top + row * 28:top + row * 28 + 21, 20:41]
                for row, status in enumerate(("loaded", "new", "unused"))}
    _all_differ(swatches)


# --- lessons 2 and 3: histograms ---------------------------------------------------------------------------------
def test_each_channel_has_its_own_line_style(monkeypatch):
    monkeypatch.setattr(autoimageprocessor, "_INK", dict.fromkeys(autoimageprocessor._INK, (0, 0, 0)))
    points = [(x, 20 + 10 * np.sin(x / 6)) for x in range(0, 100, 3)]
    crops = {}
    for name in autoimageprocessor.CHANNELS:
        picture = Image.new("RGB", (110, 40), "white")
        autoimageprocessor._series(ImageDraw.Draw(picture), points, name)
        crops[name] = _grey(picture)
    _all_differ(crops)


def test_the_histogram_has_a_key_that_reads_without_colour(monkeypatch):
    monkeypatch.setattr(autoimageprocessor, "_INK", dict.fromkeys(autoimageprocessor._INK, (0, 0, 0)))
    flat = np.zeros((3, 8, 8))  # every value in one bin: the curves overlap, only the key tells them apart
    picture = _grey(autoimageprocessor.histogram_image(flat, -1, 1, width=224, height=90))
    key = {name: picture[4 + row * 11 - 2:4 + row * 11 + 3, 224 - 24:224 - 4]
           for row, name in enumerate(autoimageprocessor.CHANNELS)}
    _all_differ(key)


# --- lesson 4: audio ---------------------------------------------------------------------------------------------
def test_padding_is_striped_as_well_as_grey(monkeypatch):
    monkeypatch.setattr(autofeatureextractor, "PADDING_COLOUR", autofeatureextractor.WAVE_COLOUR)
    mask = np.ones((2, 700), dtype=np.int64)
    mask[1, 350:] = 0
    picture = _grey(autofeatureextractor.mask_image(mask))
    real, padding = picture[46:62, 100:200], picture[46:62, 500:600]  # the second bar: real half, padded half
    assert real.std() == 0, "real samples are drawn plain"
    assert padding.std() > 10, "padding carries stripes"


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_two_waveforms_are_named_in_words(lang):
    set_language(lang)
    clip = np.sin(np.linspace(0, 60, 8000)) * 0.1
    picture = _grey(autofeatureextractor.before_after_image(clip, clip * 8, width=720, height=140))
    for top in (0, 148):  # each panel's label strip
        strip = picture[top + 1:top + 18]
        assert (strip < 100).sum() > 30, "a label is written in the panel's top strip"
    assert translate("1. as recorded", lang) and translate("2. normalised", lang)
    if lang != "en":
        assert translate("1. as recorded", lang) != "1. as recorded"


# --- lesson 7: the safetensors file ------------------------------------------------------------------------------
def test_tensors_in_the_file_bar_are_separated_by_white_edges(tmp_path, monkeypatch):
    import torch
    from safetensors.torch import save_file

    monkeypatch.setattr(loading_safely, "_TENSOR_COLOURS", [(60, 60, 60)])
    path = tmp_path / "model.safetensors"
    save_file({f"t{i}": torch.zeros(2000) for i in range(4)}, str(path))
    picture = _grey(loading_safely.file_layout_image(path, width=720, height=70))
    row = picture[35, 40:]
    assert (row == 255).sum() >= 3, "a white edge between each pair of tensors"
