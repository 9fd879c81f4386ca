"""Lesson 2 (AutoImageProcessor): the step-by-step helpers and the image explorer, without a browser."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from autotutor.i18n import set_language
from autotutor.image_processing import ViTImageProcessor
from autotutor.lessons.autoimageprocessor import (
    channel_stats,
    CAPTION_HEIGHT,
    compare_picture,
    histogram_image,
    normalize_question,
    settings_rows,
    settings_table,
    show,
    step_label,
    steps,
    steps_picture,
    steps_text,
    tensor_to_image,
)
from autotutor.widgets.image_explorer import ImageExplorer, explorer_html, steps_html, uploaded_bytes

CAT = Path(__file__).parent.parent / "autotutor" / "course" / "pack_data" / "cat.jpg"
VIT = "google/vit-base-patch16-224"
SWIN = "microsoft/swin-tiny-patch4-window7-224"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def vit():
    return ViTImageProcessor(size=224, resample=2, image_mean=[0.5] * 3, image_std=[0.5] * 3)


@pytest.fixture(scope="module")
def swin():
    return ViTImageProcessor(size=224, resample=3, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])


@pytest.fixture(scope="module")
def cat():
    return PIL.Image.open(CAT).convert("RGB")


@pytest.mark.parametrize("which", ["vit", "swin"])
def test_steps_end_with_the_processors_own_pixel_values(which, request, cat):
    processor = request.getfixturevalue(which)
    step_list = steps(cat, processor)
    assert [s.name for s in step_list] == ["open", "resize", "rescale", "normalize"]
    assert step_list[0].values.shape == (3, cat.height, cat.width)
    assert step_list[1].picture.size == (224, 224)
    assert step_list[1].values.dtype == np.uint8
    assert 0.0 <= step_list[2].values.min() and step_list[2].values.max() <= 1.0
    expected = processor(cat, return_tensors="pt").pixel_values[0].numpy()
    np.testing.assert_allclose(step_list[-1].values, expected, atol=1e-5)


def test_steps_follow_the_settings(vit, cat):
    plain = ViTImageProcessor(do_resize=False, do_normalize=False)
    assert [s.name for s in steps(cat, plain)] == ["open", "rescale"]
    cropped = ViTImageProcessor(size=256, do_center_crop=True, crop_size=224)
    names = [s.name for s in steps(cat, cropped)]
    assert names == ["open", "resize", "center_crop", "rescale", "normalize"]
    assert steps(PIL.Image.new("L", (30, 20), 128), vit)[0].values.shape == (3, 20, 30)  # grayscale → RGB


def test_normalize_range_is_what_the_step_can_give(vit, swin, cat):
    assert (steps(cat, vit)[-1].low, steps(cat, vit)[-1].high) == (-1.0, 1.0)
    last = steps(cat, swin)[-1]
    assert last.low == pytest.approx(-0.485 / 0.229) and last.high == pytest.approx((1 - 0.406) / 0.225)
    assert last.low <= last.values.min() and last.values.max() <= last.high


@pytest.mark.parametrize("which", ["vit", "swin"])
def test_tensor_to_image_gives_the_resized_photo_back(which, request, cat):
    processor = request.getfixturevalue(which)
    pixel_values = processor(cat, return_tensors="pt").pixel_values
    again = tensor_to_image(pixel_values, processor.image_mean, processor.image_std)
    resized = processor.resize(cat, processor.size, processor.resample)
    assert again.size == resized.size and again.mode == "RGB"
    assert np.abs(np.asarray(again, np.int16) - np.asarray(resized, np.int16)).max() <= 1
    assert tensor_to_image(pixel_values.numpy()[0], processor.image_mean, processor.image_std).size == (224, 224)


def test_tensor_to_image_refuses_a_batch(vit, cat):
    batch = vit([cat, cat], return_tensors="np").pixel_values
    with pytest.raises(ValueError, match="one image"):
        tensor_to_image(batch, vit.image_mean, vit.image_std)


def test_channel_stats():
    values = np.stack([np.full((2, 2), -1.0), np.arange(4.0).reshape(2, 2), np.ones((2, 2))])
    stats = channel_stats(values[None])
    assert [s.channel for s in stats] == ["R", "G", "B"]
    assert (stats[0].min, stats[0].max, stats[0].mean) == (-1.0, -1.0, -1.0)
    assert (stats[1].min, stats[1].max, stats[1].mean) == (0.0, 3.0, 1.5)


def test_histogram_is_a_picture_with_one_colour_per_channel(vit, cat):
    last = steps(cat, vit)[-1]
    picture = histogram_image(last.values, last.low, last.high, width=200, height=80)
    assert picture.size == (200, 94) and picture.mode == "RGB"
    colours = {c for _, c in picture.getcolors(maxcolors=100_000)}
    assert {(214, 39, 40), (44, 160, 44), (31, 119, 180)} <= colours


def test_settings_side_by_side_mark_the_differences(vit, swin):
    rows = {name: (a, b, differs) for name, a, b, differs in settings_rows(vit, swin)}
    assert rows["resample"] == ("2 (bilinear)", "3 (bicubic)", True)
    assert rows["image_mean"][2] and rows["image_std"][2]
    assert not rows["size"][2] and not rows["rescale_factor"][2]
    table = settings_table(vit, swin, ("ViT", "Swin"))
    assert "* resample" in table and "  size" in table


def test_html_shows_every_step_in_the_current_language(vit, swin, cat):
    english = steps_html(steps(cat, vit))
    assert english.count("data:image/jpeg;base64,") == english.count("data:image/png;base64,") == 4  # photo, histogram
    assert "3×224×224" in english and 'dir="ltr"' in english
    assert compare_picture(cat, {VIT: vit, SWIN: swin}, size=100).size == (212, 196 + CAPTION_HEIGHT)
    set_language("fr")
    assert step_label("rescale") != ("`rescale`: each value × 1/255, so 0..255 becomes 0..1. "
                                     "The picture does not change.")
    assert "`rescale`" in step_label("rescale")  # code stays code
    set_language("ar")
    assert 'dir="rtl"' in steps_html(steps(cat, vit))


def test_show_stores_one_format(cat):
    assert show(cat).format == "jpeg" and show(cat, fmt="png").data[:4] == b"\x89PNG"


def test_steps_picture_and_text(vit, cat):
    step_list = steps(cat, vit)
    assert steps_picture(step_list, size=100).size == (4 * 100 + 3 * 12, 100 + 12 + 70 + 14 + CAPTION_HEIGHT)
    text = steps_text(step_list)
    assert text.startswith("1. The photo as opened") and "4. normalize: (x − mean) / std" in text
    assert "shape 3×224×224" in text and "`" not in text
    set_language("fr")
    assert "shape 3×224×224" not in steps_text(step_list)


def test_explorer_html_and_unreadable_files(vit, cat):
    page = explorer_html(cat, vit, VIT)
    assert "[1, 3, 224, 224]" in page and VIT in page
    assert "cannot be read as an image" in explorer_html(b"not an image", vit, VIT)


def test_uploaded_bytes_reads_ipywidgets_8_and_7_values():
    assert uploaded_bytes(()) is None
    assert uploaded_bytes(({"name": "a.png", "content": memoryview(b"xyz")},)) == ("a.png", b"xyz")
    assert uploaded_bytes({"a.png": {"content": b"xyz"}}) == ("upload", b"xyz")


def test_explorer_widget_switches_photo_checkpoint_and_language(vit, swin, cat):
    explorer = ImageExplorer({VIT: vit, SWIN: swin}, {"cat.jpg": CAT})
    assert repr(explorer) == f"ImageExplorer({[VIT, SWIN]!r})"
    assert VIT in explorer.html()
    explorer.select(checkpoint=SWIN)
    assert SWIN in explorer.html()
    buffer = io.BytesIO()
    PIL.Image.new("RGB", (50, 10), (255, 0, 0)).save(buffer, format="PNG")
    explorer.add_image("red.png", buffer.getvalue())
    assert "red.png" in explorer._photo.options and "[1, 3, 224, 224]" in explorer.html()
    english = explorer._prompt.value
    set_language("ar")
    assert explorer._prompt.value != english and 'dir="rtl"' in explorer._prompt.value
    assert "autotutor-rtl" in explorer._dom_classes


def test_quiz_question_is_complete_in_every_language():
    for lang in ("en", "fr", "ar"):
        set_language(lang)
        question = normalize_question()
        assert len(question.choices) == len(question.feedback) == 4 and question.answer == 1
