"""ViTImageProcessor against transformers' Pillow backend, on real photos.

Without torchvision, transformers 5.23's `ViTImageProcessor` is `ViTImageProcessorPil`: the reference here.
pixel_values must agree within 1e-5 for PIL, numpy and torch inputs, single images and batches, with the
vit-base-patch16-224 settings (bilinear, mean = std = 0.5) and the swin-tiny ones (bicubic, ImageNet).

Deliberate differences, each tested below:
- Grayscale, LA, RGBA, palette and CMYK images are turned into RGB by default. transformers does that only
  with do_convert_rgb=True; by default it raises "mean must have 1 elements" on a grayscale image.
- A 2-D (H, W) array is read as a grayscale image; transformers cannot make a list of images from it.
- Unreadable files, URLs, empty images, arrays of the wrong rank and images of different sizes that cannot be
  stacked raise ImageError naming the value and the fix.
"""

from __future__ import annotations

import io
import json

import numpy as np
import PIL.Image
import pytest
import torch
import transformers
from skimage import data

from autotutor import AutoImageProcessor
from autotutor.errors import ConfigError, ImageError
from autotutor.image_processing import ImageProcessor, ViTImageProcessor
from autotutor.preprocessing import BatchFeature

ATOL = 1e-5
VIT = dict(size=224, resample=2, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
SWIN = dict(size=224, resample=3, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
CONFIGS = {"vit": VIT, "swin": SWIN}

# Three photos of different sizes and aspect ratios: 512×512, 400×600, 300×451.
PHOTOS = [data.astronaut(), data.coffee(), data.chelsea()]

# How a photo is handed over, for each input type transformers accepts.
INPUTS = {
    "pil": PIL.Image.fromarray,
    "numpy-hwc": lambda a: a,
    "numpy-chw": lambda a: np.ascontiguousarray(a.transpose(2, 0, 1)),
    "numpy-float01": lambda a: a.astype(np.float32) / 255,
    "torch-hwc": torch.from_numpy,
    "torch-chw": lambda a: torch.from_numpy(a).permute(2, 0, 1),
}


def reference(**settings) -> transformers.ViTImageProcessorPil:
    processor = transformers.ViTImageProcessor(**settings)
    assert type(processor).__name__ == "ViTImageProcessorPil"  # the Pillow backend, not torchvision's
    return processor


def assert_same(ours, theirs) -> None:
    assert ours.dtype == torch.float32 and ours.is_contiguous()
    torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


# -- parity -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("name", CONFIGS)
def test_batch_matches_transformers(name, kind):
    images = [INPUTS[kind](photo) for photo in PHOTOS]
    got = ViTImageProcessor(**CONFIGS[name])(images, return_tensors="pt").pixel_values
    expected = reference(**CONFIGS[name])(images, return_tensors="pt").pixel_values
    assert got.shape == (3, 3, 224, 224)
    assert_same(got, expected)


@pytest.mark.parametrize("name", CONFIGS)
def test_single_image_matches_transformers(name):
    photo = PIL.Image.fromarray(PHOTOS[2])
    got = ViTImageProcessor(**CONFIGS[name])(photo, return_tensors="pt")
    expected = reference(**CONFIGS[name])(photo, return_tensors="pt")
    assert list(got.keys()) == ["pixel_values"] == list(expected.keys())
    assert_same(got.pixel_values, expected.pixel_values)


def test_a_4d_array_is_a_batch_as_in_transformers():
    batch = np.stack([np.asarray(PIL.Image.fromarray(p).resize((64, 48))) for p in PHOTOS])  # (3, 48, 64, 3)
    got = ViTImageProcessor(**VIT)(batch, return_tensors="pt").pixel_values
    assert_same(got, reference(**VIT)(batch, return_tensors="pt").pixel_values)


@pytest.mark.parametrize("settings", [
    dict(size={"shortest_edge": 100}, do_center_crop=True, crop_size=96),
    dict(size={"shortest_edge": 40}, do_center_crop=True, crop_size={"height": 64, "width": 48}),  # padded
    dict(size={"height": 64, "width": 80}, do_normalize=False),
    dict(size=32, do_rescale=False, resample=0),
])
def test_other_settings_match_transformers(settings):
    images = [PIL.Image.fromarray(p) for p in PHOTOS]
    got = ViTImageProcessor(**settings)(images, return_tensors="pt").pixel_values
    assert_same(got, reference(**settings)(images, return_tensors="pt").pixel_values)


def _rgba() -> PIL.Image.Image:
    pixels = np.array(PIL.Image.fromarray(PHOTOS[0]).convert("RGBA"))
    pixels[..., 3] = np.linspace(0, 255, pixels.shape[1]).astype(np.uint8)  # transparent on the left
    return PIL.Image.fromarray(pixels)


def _palette_with_transparency() -> PIL.Image.Image:
    image = PIL.Image.fromarray(PHOTOS[1]).convert("P")
    image.info["transparency"] = 0
    return image


MODES = {
    "L": lambda: PIL.Image.fromarray(data.camera()),
    "LA": lambda: _rgba().convert("LA"),
    "RGBA": _rgba,
    "P": _palette_with_transparency,
    "CMYK": lambda: PIL.Image.fromarray(PHOTOS[2]).convert("CMYK"),
}


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_becomes_rgb_like_transformers_with_do_convert_rgb(mode):
    image = MODES[mode]()
    assert image.mode == mode
    got = ViTImageProcessor(**SWIN)(image, return_tensors="pt").pixel_values
    assert got.shape == (1, 3, 224, 224)
    assert_same(got, reference(**SWIN, do_convert_rgb=True)(image, return_tensors="pt").pixel_values)


def test_grayscale_works_where_transformers_default_raises():
    """Deliberate difference: transformers 5.23's Pillow backend fails on a grayscale photo by default."""
    gray = PIL.Image.fromarray(data.camera())
    with pytest.raises(ValueError, match="mean must have 1 elements"):
        reference(**VIT)(gray, return_tensors="pt")
    got = ViTImageProcessor(**VIT)(gray, return_tensors="pt").pixel_values
    assert torch.equal(got[:, 0], got[:, 1]) and torch.equal(got[:, 1], got[:, 2])
    as_array = ViTImageProcessor(**VIT)(data.camera(), return_tensors="pt").pixel_values  # (H, W) array too
    assert torch.equal(got, as_array)


def test_rgba_arrays_are_laid_on_white_like_transformers():
    pixels = np.array(_rgba())
    got = ViTImageProcessor(**VIT)(pixels, return_tensors="pt").pixel_values
    assert_same(got, reference(**VIT, do_convert_rgb=True)(pixels, return_tensors="pt").pixel_values)


def test_do_convert_rgb_false_keeps_channels_and_says_why_it_fails():
    with pytest.raises(ImageError, match="1 channel"):
        ViTImageProcessor(do_convert_rgb=False)(PIL.Image.fromarray(data.camera()), return_tensors="pt")


# -- inputs and outputs -------------------------------------------------------------------------------------------
def test_paths_and_bytes_equal_the_opened_image(tmp_path):
    path = tmp_path / "cat.png"
    PIL.Image.fromarray(PHOTOS[2]).save(path)
    processor = ViTImageProcessor(**VIT)
    expected = processor(PIL.Image.fromarray(PHOTOS[2]), return_tensors="pt").pixel_values
    for source in (path, str(path), path.read_bytes()):
        assert torch.equal(processor(source, return_tensors="pt").pixel_values, expected)


def test_return_types():
    processor = ViTImageProcessor(size=32)
    images = [PIL.Image.fromarray(p) for p in PHOTOS]
    as_list = processor(images).pixel_values
    assert isinstance(as_list, list) and len(as_list) == 3 and as_list[0].shape == (3, 32, 32)
    as_np = processor(images, return_tensors="np").pixel_values
    assert isinstance(as_np, np.ndarray) and as_np.dtype == np.float32 and as_np.shape == (3, 3, 32, 32)
    as_pt = processor(images, return_tensors="pt")
    assert isinstance(as_pt, BatchFeature) and as_pt["pixel_values"] is as_pt.pixel_values
    np.testing.assert_array_equal(np.stack(as_list), as_np)
    np.testing.assert_array_equal(as_np, as_pt.pixel_values.numpy())
    assert repr(as_pt).startswith("{'pixel_values': tensor(")
    assert as_pt.to(torch.float64).pixel_values.dtype == torch.float64
    with pytest.raises(AttributeError, match="pixel_values"):
        as_pt.input_ids


def test_list_of_different_sizes_without_tensors_matches_transformers():
    settings = dict(size={"shortest_edge": 32})
    images = [PIL.Image.fromarray(p) for p in PHOTOS]
    got = ViTImageProcessor(**settings)(images).pixel_values
    expected = reference(**settings)(images).pixel_values
    assert [g.shape for g in got] == [e.shape for e in expected] == [(3, 32, 32), (3, 32, 48), (3, 32, 48)]
    for ours, theirs in zip(got, expected):
        np.testing.assert_allclose(ours, theirs, atol=ATOL, rtol=0)


def test_call_overrides_and_helpers_compose_to_the_same_result():
    processor = ViTImageProcessor(**SWIN)
    image = PIL.Image.fromarray(PHOTOS[1])
    small = processor(image, size={"height": 40, "width": 56}, return_tensors="np").pixel_values
    assert small.shape == (1, 3, 40, 56) and processor.size == {"height": 224, "width": 224}
    # The readable helpers, one step at a time, give what the fused batch path gives.
    step = processor.resize(processor.to_rgb(image), {"height": 40, "width": 56}, processor.resample)
    chw = np.asarray(step).transpose(2, 0, 1)
    by_hand = processor.normalize(processor.rescale(chw, processor.rescale_factor), processor.image_mean, processor.image_std)
    np.testing.assert_allclose(small[0], by_hand, atol=ATOL, rtol=0)
    with pytest.raises(TypeError, match="unknown option.*'sise'"):
        processor(image, sise=32)


# -- reading and writing preprocessor_config.json -------------------------------------------------------------------
OLD_VIT = {"do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
           "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2, "size": 224}
OLD_SWIN = {**OLD_VIT, "image_mean": SWIN["image_mean"], "image_std": SWIN["image_std"], "resample": 3}


@pytest.mark.parametrize("form", ["old-vit", "old-swin", "new", "nested"])
def test_every_file_form_loads(form, tmp_path):
    if form == "new":  # what transformers 5.23 writes
        reference(**SWIN).save_pretrained(tmp_path)
        assert "image_processor_type" in json.loads((tmp_path / "preprocessor_config.json").read_text())
    elif form == "nested":
        nested = {"processor_class": "SomeProcessor", "image_processor": {**OLD_SWIN, "size": {"height": 224, "width": 224}}}
        (tmp_path / "processor_config.json").write_text(json.dumps(nested))
    else:
        (tmp_path / "preprocessor_config.json").write_text(json.dumps(OLD_VIT if form == "old-vit" else OLD_SWIN))
    processor = AutoImageProcessor.from_pretrained(tmp_path)
    assert type(processor) is ViTImageProcessor
    assert processor.size == {"height": 224, "width": 224}
    expected = VIT if form == "old-vit" else SWIN
    assert (processor.resample, processor.image_mean, processor.image_std) == (
        expected["resample"], expected["image_mean"], expected["image_std"])
    assert processor.rescale_factor == pytest.approx(1 / 255)
    photo = PIL.Image.fromarray(PHOTOS[0])
    theirs = transformers.AutoImageProcessor.from_pretrained(tmp_path) if form != "nested" else reference(**SWIN)
    assert_same(processor(photo, return_tensors="pt").pixel_values, theirs(photo, return_tensors="pt").pixel_values)


def test_save_pretrained_is_read_by_transformers_to_the_same_settings(tmp_path):
    ours = ViTImageProcessor(**SWIN, do_center_crop=True, crop_size=200)
    ours.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["image_processor_type"] == "ViTImageProcessor" and saved["size"] == {"height": 224, "width": 224}
    theirs = transformers.AutoImageProcessor.from_pretrained(tmp_path)
    for key in ("do_resize", "resample", "do_rescale", "rescale_factor", "do_normalize", "do_center_crop"):
        assert getattr(theirs, key) == getattr(ours, key), key
    assert dict(theirs.size) == ours.size and dict(theirs.crop_size) == ours.crop_size
    assert list(theirs.image_mean) == ours.image_mean and list(theirs.image_std) == ours.image_std
    photo = PIL.Image.fromarray(PHOTOS[1])
    assert_same(ours(photo, return_tensors="pt").pixel_values, theirs(photo, return_tensors="pt").pixel_values)
    again = AutoImageProcessor.from_pretrained(tmp_path)
    assert again.to_dict() == ours.to_dict()


def test_unknown_keys_survive_a_round_trip(tmp_path):
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({**OLD_VIT, "some_future_key": [1, 2]}))
    processor = ViTImageProcessor.from_pretrained(tmp_path)
    assert processor.to_dict()["some_future_key"] == [1, 2]
    assert "feature_extractor_type" not in processor.to_dict()


# -- clear errors -------------------------------------------------------------------------------------------------
def test_unreadable_sources_are_named(tmp_path):
    processor = ViTImageProcessor()
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("hello")
    cases = {
        str(not_an_image): "notes.txt",
        str(tmp_path / "missing.jpg"): "no image file at .*missing.jpg",
        b"\x89PNG broken": "the given bytes",
        "https://example.com/cat.jpg": "does not download images",
        3.5: "Cannot read an image from a float",
    }
    for source, message in cases.items():
        with pytest.raises(ImageError, match=message):
            processor(source)
    with pytest.raises(ValueError):  # ImageError is also a ValueError
        processor([])


@pytest.mark.parametrize("array,message", [
    (np.zeros((0, 10, 3), np.uint8), "empty"),
    (np.zeros(10, np.uint8), "2 dimensions"),
    (np.zeros((1, 2, 3, 4, 5), np.uint8), "2 dimensions"),
    (np.zeros((10, 10, 2), np.uint8), "channel axis"),
    (np.full((10, 10, 3), 300.5), r"\[300.5, 300.5\]"),
    (np.full((10, 10, 3), np.nan), "NaN or infinite"),
    (np.zeros((10, 10, 3), bool), "dtype bool"),
])
def test_bad_arrays_are_explained(array, message):
    with pytest.raises(ImageError, match=message):
        ViTImageProcessor()(array)


def test_empty_pil_image_and_unstackable_sizes():
    with pytest.raises(ImageError, match="empty"):
        ViTImageProcessor()(PIL.Image.new("RGB", (0, 5)))
    images = [PIL.Image.fromarray(p) for p in PHOTOS]
    with pytest.raises(ImageError, match="different sizes.*return_tensors=None"):
        ViTImageProcessor(size={"shortest_edge": 32})(images, return_tensors="pt")
    with pytest.raises(ImageError, match="return_tensors='tf'"):
        ViTImageProcessor()(images, return_tensors="tf")


@pytest.mark.parametrize("settings,message", [
    (dict(size={"longest_edge": 10}), "shortest_edge"),
    (dict(size="big"), "size='big'"),
    (dict(resample=7), "resample=7.*2 \\(bilinear\\)"),
    (dict(resample="bilinear"), "resample='bilinear'"),
    (dict(image_std=[0.5, 0.0, 0.5]), "standard deviation"),
    (dict(image_mean=[0.5, 0.5]), "one value per channel"),
    (dict(do_center_crop=True), "crop_size"),
])
def test_bad_settings_are_config_errors(settings, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        ViTImageProcessor(**settings)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({**OLD_VIT, **settings}))
    with pytest.raises(ConfigError, match="preprocessor_config.json"):  # from a file: the file is named
        AutoImageProcessor.from_pretrained(tmp_path)


def test_the_base_class_is_the_generic_pipeline():
    assert issubclass(ViTImageProcessor, ImageProcessor)
    assert ImageProcessor.model_input_names == ["pixel_values"] and ImageProcessor.section == "image_processor"
    buffer = io.BytesIO()
    PIL.Image.fromarray(PHOTOS[0]).save(buffer, format="JPEG")
    assert ImageProcessor(size=16)(buffer.getvalue(), return_tensors="pt").pixel_values.shape == (1, 3, 16, 16)
