"""Lesson 7 (loading safely): the helpers behind its cells and the header browser, in each language."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
import torch
from safetensors.torch import save_file

from autotutor import AutoConfig
from autotutor.errors import CorruptWeightsError
from autotutor.i18n import set_language
from autotutor.lessons.loading_safely import (
    Fingerprint,
    LABEL_BAND,
    file_layout_image,
    fingerprint_table,
    header_question,
    header_table,
    pack_fingerprints,
    pickle_calls,
    pickle_question,
    pin_question,
    safetensors_header,
    sha256_of,
    tensor_rows,
    try_to_load,
    write_booby_trapped_bin,
)
from autotutor.widgets.header_browser import MAX_ROWS, SAFETENSORS_CHECKPOINTS, HeaderBrowser, header_html


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture
def small_file(tmp_path):
    """A safetensors file written by the safetensors library itself: the reference for the header."""
    path = tmp_path / "model.safetensors"
    save_file({"b.weight": torch.zeros(3, 2), "a.bias": torch.ones(5, dtype=torch.float16),
               "c.ids": torch.arange(4)}, path, metadata={"format": "pt"})
    return path


def test_header_matches_the_safetensors_library(small_file):
    header = safetensors_header(small_file)
    assert header["__metadata__"] == {"format": "pt"}
    assert header["b.weight"]["dtype"] == "F32" and header["b.weight"]["shape"] == [3, 2]
    assert header["a.bias"]["dtype"] == "F16" and header["c.ids"]["dtype"] == "I64"
    (length,) = struct.unpack("<Q", small_file.read_bytes()[:8])
    assert json.loads(small_file.read_bytes()[8:8 + length]) == header


def test_rows_follow_the_bytes_and_sizes_add_up(small_file):
    rows = tensor_rows(safetensors_header(small_file))
    assert [r.start for r in rows] == sorted(r.start for r in rows) and rows[0].start == 0
    assert all(a.end == b.start for a, b in zip(rows, rows[1:]))  # no gap, no overlap
    sizes = {"F32": 4, "F16": 2, "I64": 8}
    for r in rows:
        assert r.nbytes == sizes[r.dtype] * torch.Size(r.shape).numel()


def test_header_refuses_what_is_not_safetensors(tmp_path):
    short = tmp_path / "short"
    short.write_bytes(b"abc")
    with pytest.raises(CorruptWeightsError, match="too short"):
        safetensors_header(short)
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"PK\x03\x04" * 4)  # a zip, such as pytorch_model.bin
    with pytest.raises(CorruptWeightsError, match="does not start with a safetensors header"):
        safetensors_header(wrong)


def test_header_table_and_limit(small_file):
    rows = tensor_rows(safetensors_header(small_file))
    table = header_table(rows, limit=2)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["tensor", "dtype", "shape"]
    assert len(lines) == 4 and lines[-1] == "… and 1 more tensor"
    assert "[3, 2]" in header_table(rows)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_header_table_is_translated(small_file, lang):
    set_language(lang)
    table = header_table(tensor_rows(safetensors_header(small_file)), limit=1)
    assert "tensor " not in table.splitlines()[0] and "dtype" in table
    assert ("\u2067" in table) == (lang == "ar")  # each row isolated right to left (i18n.printed)


def test_file_layout_image(small_file):
    image = file_layout_image(small_file, width=300, height=40)
    assert image.size == (300, 40 + LABEL_BAND)  # the names of the parts under the bar
    assert image.getpixel((2, 20)) == image.getpixel((9, 20)) == (0, 0, 0)  # the 8-byte length, 10 pixels wide
    assert image.getpixel((12, 20)) == image.getpixel((29, 20)) == (230, 159, 0)  # the JSON header
    assert image.crop((0, 40, 300, 40 + LABEL_BAND)).convert("L").getextrema()[0] < 128  # there is text
    assert file_layout_image(small_file, width=300, height=40, labels=False).size == (300, 40)


def test_booby_trapped_file_is_refused_and_never_runs(tmp_path):
    folder, marker = tmp_path / "ckpt", tmp_path / "HACKED"
    AutoConfig.for_model("bert", hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=8, vocab_size=10).save_pretrained(folder)
    path = write_booby_trapped_bin(folder, marker)
    assert path.name == "pytorch_model.bin" and not marker.exists()  # building it ran nothing
    calls = pickle_calls(path)
    assert calls[:1] == ["torch._utils _rebuild_tensor_v2"]
    assert "__builtin__ getattr" in calls and "pathlib Path" in calls  # the payload, read but not run
    said = try_to_load(folder)
    assert said.startswith("UnsafeCheckpointError: ") and "model.safetensors" in said
    assert "\x1b" not in said  # no terminal colour codes in a notebook
    assert not marker.exists()


def test_the_payload_is_real(tmp_path):
    """Proof that the demonstration is honest: a loader that obeys the pickle would create the marker. The file
    is ours and its only effect is an empty file in tmp_path."""
    folder, marker = tmp_path / "ckpt", tmp_path / "HACKED"
    write_booby_trapped_bin(folder, marker)
    torch.load(folder / "pytorch_model.bin", weights_only=False)
    assert marker.exists()


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 5000  # more than one 1 MiB block
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_pack_fingerprints_match_the_manifest():
    prints = pack_fingerprints("google-bert/bert-base-uncased")
    assert {p.name for p in prints} >= {"config.json", "model.safetensors"}
    assert all(p.same for p in prints)
    assert "matches" in fingerprint_table(prints)
    assert "DIFFERENT" in fingerprint_table([Fingerprint("x", "a" * 64, "b" * 64)])
    with pytest.raises(FileNotFoundError):
        pack_fingerprints("nobody/nothing")


@pytest.mark.parametrize("make", [pickle_question, header_question, pin_question])
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_questions_have_feedback_for_every_choice(make, lang):
    set_language(lang)
    question = make()
    assert len(question.choices) == len(question.feedback) == 3 and question.answer == 0
    if lang != "en":
        set_language("en")
        assert make().question != question.question


def test_header_html_filters_and_caps(small_file):
    page = header_html(small_file)
    assert "3 tensors, 0.0 MB of numbers." in page and "b.weight" in page
    assert "{&#x27;format&#x27;: &#x27;pt&#x27;}" in page
    filtered = header_html(small_file, "bias")
    assert "1 tensor matches “bias”." in filtered and "b.weight" not in filtered


def test_browser_caps_long_tables_and_follows_the_language():
    browser = HeaderBrowser()
    assert repr(browser) == f"HeaderBrowser({SAFETENSORS_CHECKPOINTS[0]!r})"
    assert browser.html().count("<tr>") == MAX_ROWS + 1 and "Only the first" in browser.html()
    browser._filter.value = "layer.0.attention.self.query"
    assert "2 tensors match" in browser.html()
    browser._menu.value = "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition"
    assert repr(browser) == "HeaderBrowser('ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition')"
    set_language("ar")
    assert 'dir="rtl"' in browser.html() and "tensors match" not in browser.html()
