"""Lesson 2's exercises (AutoImageProcessor), with the image processors of `google/vit-base-patch16-224` and
`microsoft/swin-tiny-patch4-window7-224`, and one made up by the check (another size, other statistics).

    02.prepare           resize, rescale, normalise by hand, reading every setting from the processor
    02.keep_proportions  no squeezing: shorter side to the model's size, then the centre square

The photos are drawn afresh at each check (colour gradients, blocks and noise, wide and tall).
"""

from __future__ import annotations

import functools
import random

from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

CHECKPOINTS = ("google/vit-base-patch16-224", "microsoft/swin-tiny-patch4-window7-224")
_TOLERANCE = 1e-4  # float32 arithmetic done in another order than the processor's


@functools.lru_cache(maxsize=1)
def _lesson_processors() -> tuple:
    from ...auto import AutoImageProcessor

    return tuple(AutoImageProcessor.from_pretrained(name) for name in CHECKPOINTS)


def _processors(rng: random.Random) -> list:
    """ViT's, Swin's, and one with another square size, filter and statistics."""
    from ...image_processing import ViTImageProcessor

    made_up = ViTImageProcessor(size=rng.choice([96, 128, 160]), resample=rng.choice([2, 3]),
                                image_mean=[round(rng.uniform(0.3, 0.6), 3) for _ in range(3)],
                                image_std=[round(rng.uniform(0.2, 0.3), 3) for _ in range(3)])
    return [*_lesson_processors(), made_up]


def _photo(rng: random.Random, width: int, height: int):
    """An RGB photo no one has seen: a gradient per channel, a few blocks of colour, some noise."""
    import numpy as np
    import PIL.Image

    gen = np.random.default_rng(rng.getrandbits(32))
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x / width * gen.uniform(60, 255), y / height * gen.uniform(60, 255),
                       (x + y) / (width + height) * gen.uniform(60, 255)], axis=-1)
    for _ in range(4):
        top, left = gen.integers(0, height - 8), gen.integers(0, width - 8)
        pixels[top:top + gen.integers(8, height // 2), left:left + gen.integers(8, width // 2)] = gen.uniform(0, 255, 3)
    pixels += gen.normal(0, 12, pixels.shape)
    return PIL.Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _tensor(value: object):
    """The learner's result as a float tensor, or None (a dict holding pixel_values counts too)."""
    import numpy as np
    import torch

    if hasattr(value, "keys") and "pixel_values" in value:
        value = value["pixel_values"]
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    return value.float() if isinstance(value, torch.Tensor) else None


def _judge_pixels(value: object, expected, *, variants: dict[str, object]) -> Verdict | None:
    """The mistakes both exercises share: type, layout, size, range; then which variant the values match."""
    import PIL.Image

    height, width = expected.shape[-2:]
    if isinstance(value, PIL.Image.Image):
        return not_yet("returned_image", N_("Not yet: your function returned a photo. The model reads a tensor "
                                            "of numbers: return `pixel_values`, shape [1, 3, height, width]."))
    pixels = _tensor(value)
    if pixels is None:
        return not_yet("not_a_tensor", N_("Not yet: return a torch tensor of shape [1, 3, height, width]; "
                                          "your function returned a {kind}."), kind=type(value).__name__)
    shape = list(pixels.shape)
    if len(shape) == 3 and shape[0] == 3:
        return not_yet("no_batch_dimension", N_("Not yet: the shape is {shape}; the model reads a batch. Add the "
                                                "batch dimension in front: `.unsqueeze(0)`."), shape=shape)
    if len(shape) == 4 and shape[-1] == 3 and shape[1] != 3:
        return not_yet("channels_last", N_("Not yet: the shape is {shape}, channels last, as Pillow and numpy "
                                           "store a photo. PyTorch models want them first: "
                                           "`.permute(2, 0, 1)` before adding the batch dimension."), shape=shape)
    if len(shape) != 4 or shape[:2] != [1, 3]:
        return not_yet("wrong_shape", N_("Not yet: the shape is {shape}; it should be {expected}."),
                       shape=shape, expected=list(expected.shape))
    if shape[2:] != [height, width]:
        if shape[2:] == [width, height] or height == width:
            return not_yet("wrong_size", N_("Not yet: the photo is {got_height}×{got_width}; this processor "
                                            "asks for {height}×{width}. Read `processor.size`, and remember "
                                            "that Pillow's `resize` takes (width, height)."),
                           got_height=shape[2], got_width=shape[3], height=height, width=width)
        return not_yet("wrong_size", N_("Not yet: the photo is {got_height}×{got_width}; this processor asks "
                                        "for {height}×{width}."),
                       got_height=shape[2], got_width=shape[3], height=height, width=width)
    if pixels.max() > 2.5 and pixels.max() > expected.max() * 10:
        return not_yet("not_rescaled", N_("Not yet: the values go up to {top}: they were not rescaled from "
                                          "0..255 to 0..1 (× `processor.rescale_factor`)."),
                       top=round(float(pixels.max()), 1))
    if pixels.min() >= 0 and expected.min() < -0.05:
        return not_yet("not_normalised", N_("Not yet: the values are between 0 and 1: rescaled, but not "
                                            "normalised. Subtract `processor.image_mean` and divide by "
                                            "`processor.image_std`, channel by channel."))
    if (pixels - expected).abs().max() <= _TOLERANCE:
        return None
    for code, variant in variants.items():
        if variant is not None and (pixels - variant).abs().max() <= _TOLERANCE:
            return _VARIANT_VERDICTS[code]
    return not_yet("wrong_values", N_("Not yet: the shape is right, but the values differ from the processor's "
                                      "by up to {gap}. Check each step: resize (with `processor.resample`), "
                                      "× `rescale_factor`, − mean, ÷ std."),
                   gap=round(float((pixels - expected).abs().max()), 3))


_VARIANT_VERDICTS = {
    "wrong_mean_std": not_yet("wrong_mean_std", N_("Not yet: the values were normalised with other numbers than "
                                                   "this processor's. Read `processor.image_mean` and "
                                                   "`processor.image_std` instead of writing 0.5: Swin's are "
                                                   "ImageNet's.")),
    "wrong_resample": not_yet("wrong_resample", N_("Not yet: almost right, but the photo was resized with another "
                                                   "filter. Pass `resample=processor.resample` to `resize`.")),
    "squeezed": not_yet("squeezed", N_("Not yet: this is the processor's usual output, where the whole photo is "
                                       "squeezed into the square. Resize the shorter side to the size, keeping "
                                       "the proportions, then cut the centre.")),
    "not_centred": not_yet("not_centred", N_("Not yet: the square was cut from the top left corner. Cut it from "
                                             "the centre: start at half of what is left over on each side.")),
    "not_resized": not_yet("not_resized", N_("Not yet: the centre square was cut from the photo at its own size. "
                                             "Resize first, so that the shorter side is the size the model "
                                             "asks for.")),
}


def _pixel_values(processor, photo, **overrides):
    return processor(photo, return_tensors="pt", **overrides)["pixel_values"].float()


# ---------------------------------------------------------------------------------------------------------------
# 02.prepare
# ---------------------------------------------------------------------------------------------------------------
def check_prepare(answer: object) -> Verdict:
    rng = random.Random()
    for processor in _processors(rng):
        photo = _photo(rng, rng.randint(180, 420), rng.randint(180, 420))
        expected = _pixel_values(processor, photo)
        variants = {
            "wrong_mean_std": _pixel_values(processor, photo, image_mean=[0.5] * 3, image_std=[0.5] * 3)
            if processor.image_mean != [0.5] * 3 else None,
            "wrong_resample": _pixel_values(processor, photo, resample=5 - processor.resample),  # 2 ↔ 3
        }
        # Hard-coded 0.5 often comes with the other hard-coded filter: name the statistics first.
        variants["wrong_mean_std_resample"] = _pixel_values(
            processor, photo, resample=5 - processor.resample, image_mean=[0.5] * 3, image_std=[0.5] * 3)
        run = attempt(answer, processor, photo.copy())
        if run.verdict is not None:
            return run.verdict
        verdict = _judge_pixels(run.value, expected, variants=variants)
        if verdict is not None:
            return verdict
    return right(N_("Right: resized to the processor's size with its filter, rescaled, and normalised with its "
                    "own mean and standard deviation, for ViT, Swin and a processor you had not seen."))


_VARIANT_VERDICTS["wrong_mean_std_resample"] = _VARIANT_VERDICTS["wrong_mean_std"]

PREPARE = Exercise(
    id="02.prepare",
    lesson="02_autoimageprocessor",
    title=N_("The three steps, by hand"),
    task=N_("Write `prepare(processor, photo)`: it returns the `pixel_values` tensor, shape [1, 3, height, "
            "width], that the processor would give for the photo, doing the steps yourself with Pillow and "
            "torch: resize, rescale, normalise. Read every setting from `processor`: `size`, `resample`, "
            "`rescale_factor`, `image_mean`, `image_std`.\n\n"
            "The check tries your function with ViT's processor, Swin's, and one with another size and other "
            "statistics, on photos it makes up."),
    hint=N_("`photo.resize((width, height), resample=processor.resample)`, then "
            "`torch.tensor(numpy.asarray(resized), dtype=torch.float32)` has the shape (height, width, 3): "
            "rescale, subtract the mean, divide by the standard deviation, then `.permute(2, 0, 1)` and "
            "`.unsqueeze(0)`."),
    solution='''\
import numpy as np
import torch

def prepare(processor, photo):
    size = processor.size
    resized = photo.convert("RGB").resize((size["width"], size["height"]), resample=processor.resample)
    pixels = torch.tensor(np.asarray(resized), dtype=torch.float32)   # (H, W, 3), 0..255
    pixels = pixels * processor.rescale_factor                          # 0..1
    pixels = (pixels - torch.tensor(processor.image_mean)) / torch.tensor(processor.image_std)
    return pixels.permute(2, 0, 1).unsqueeze(0)                         # (1, 3, H, W)
''',
    check=check_prepare,
    wrong_example='''\
import numpy as np
import torch

def prepare(processor, photo):
    size = processor.size
    resized = photo.convert("RGB").resize((size["width"], size["height"]), resample=processor.resample)
    pixels = torch.tensor(np.asarray(resized), dtype=torch.float32) / 255
    pixels = (pixels - 0.5) / 0.5
    return pixels.permute(2, 0, 1).unsqueeze(0)
''',
    wrong_code="wrong_mean_std",
)


# ---------------------------------------------------------------------------------------------------------------
# 02.keep_proportions
# ---------------------------------------------------------------------------------------------------------------
def _corner_crop(processor, photo, side: int):
    """What cutting the square at the top left, after the right resize, gives (a mistake the check names)."""
    resized = processor.resize(photo, {"shortest_edge": side}, processor.resample).crop((0, 0, side, side))
    return _pixel_values(processor, resized, do_resize=False)


def check_keep_proportions(answer: object) -> Verdict:
    rng = random.Random()
    for i, processor in enumerate(_processors(rng)):
        side = processor.size["height"]
        # Proportions of quarters and a shorter side in multiples of 4: the resized longer side and the
        # centre's offset are whole numbers, so rounding them another way cannot change the answer.
        short, ratio = 4 * rng.randint(45, 100), rng.choice([1.25, 1.5, 1.75, 2.0])
        width, height = (int(short * ratio), short) if i % 2 == 0 else (short, int(short * ratio))
        photo = _photo(rng, width, height)
        square = {"height": side, "width": side}
        expected = _pixel_values(processor, photo, size={"shortest_edge": side}, do_center_crop=True,
                                 crop_size=square)
        variants = {
            "squeezed": _pixel_values(processor, photo, size=square),
            "not_centred": _corner_crop(processor, photo, side),
            "not_resized": _pixel_values(processor, photo, do_resize=False, do_center_crop=True, crop_size=square),
        }
        run = attempt(answer, processor, photo.copy())
        if run.verdict is not None:
            return run.verdict
        verdict = _judge_pixels(run.value, expected, variants=variants)
        if verdict is not None:
            return verdict
    return right(N_("Right: the shorter side resized to the model's size, proportions kept, and the centre "
                    "square cut out, for wide and tall photos alike."))


KEEP_PROPORTIONS = Exercise(
    id="02.keep_proportions",
    lesson="02_autoimageprocessor",
    title=N_("No more squeezed cats"),
    task=N_("The processor squeezes a wide photo into its square. Write `keep_proportions(processor, photo)`: "
            "it returns `pixel_values` (shape [1, 3, size, size]) for which the photo is resized so that its "
            "**shorter** side is the processor's size, keeping its proportions, and then the centre square is "
            "cut out; rescaled and normalised as the processor does.\n\n"
            "The check tries wide and tall photos, with ViT's processor, Swin's, and one of another size."),
    hint=N_("The processor can do it for one call: its options `size={\"shortest_edge\": …}`, "
            "`do_center_crop=True` and `crop_size` replace its settings for that call. Or resize and `crop` with "
            "Pillow yourself, then give the processor the square."),
    solution='''\
def keep_proportions(processor, photo):
    side = processor.size["height"]
    square = {"height": side, "width": side}
    return processor(photo, size={"shortest_edge": side}, do_center_crop=True, crop_size=square,
                     return_tensors="pt")["pixel_values"]
''',
    check=check_keep_proportions,
    wrong_example='''\
def keep_proportions(processor, photo):
    side = processor.size["height"]
    width, height = photo.size
    scale = side / min(width, height)
    resized = photo.resize((round(width * scale), round(height * scale)), resample=processor.resample)
    square = resized.crop((0, 0, side, side))
    return processor(square, return_tensors="pt")["pixel_values"]
''',
    wrong_code="not_centred",
)

EXERCISES = [PREPARE, KEEP_PROPORTIONS]
