"""Image processors: photos → the `pixel_values` tensor a vision model reads.

A vision model was trained on images prepared one exact way, and it must see new images prepared the same
way. preprocessor_config.json records that way; each step below is switched on or off there:

    1. open      a file path, bytes, PIL image, numpy array or torch tensor → a PIL image in RGB
    2. resize    to `size` with Pillow (`resample`: 2 = bilinear for ViT, 3 = bicubic for Swin)
    3. crop      the centre `crop_size` (only where the config asks: `do_center_crop`)
    4. rescale   0..255 → 0..1 (× `rescale_factor`, 1/255)
    5. normalize (x − mean) / std per channel, so the values are centred on 0

Steps 4 and 5 are one affine map per channel, x · (factor / std) − mean / std, applied once to the whole
batch: the same numbers as doing them one after the other, in one pass over memory.

The results match transformers' Pillow backend (`ViTImageProcessorPil`, what `ViTImageProcessor` gives
without torchvision) to within 1e-5.
"""

from __future__ import annotations

import io
import os
from typing import Any, ClassVar

import numpy as np
import PIL.Image
import torch

from .errors import ConfigError, ImageError, UsageError
from .preprocessing import BatchFeature, Preprocessor

__all__ = ["ImageProcessor", "ViTImageProcessor"]


# Pillow's resampling filters, by the integer code preprocessor_config.json stores.
RESAMPLE_NAMES = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
_SIZE_FORMS = ({"height", "width"}, {"shortest_edge"})
_TENSOR_TYPES = (None, "pt", "np")


# ---------------------------------------------------------------------------------------------------------------
# Settings as preprocessor_config.json writes them, old form or new
# ---------------------------------------------------------------------------------------------------------------
def _size_dict(size: Any, name: str) -> dict[str, int]:
    """224 (old files) → {"height": 224, "width": 224}; [h, w] → {"height": h, "width": w}; dicts as they are."""
    if isinstance(size, bool):
        pass
    elif isinstance(size, int):
        size = {"height": size, "width": size}
    elif isinstance(size, (list, tuple)) and len(size) == 2:
        size = {"height": size[0], "width": size[1]}
    if isinstance(size, dict) and set(size) in _SIZE_FORMS and all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size.values()
    ):
        return dict(size)
    raise ConfigError(
        "{key}={value!r} is not a size autotutor can use. Give an int (a square), [height, width], "
        '{{"height": H, "width": W}} or {{"shortest_edge": S}}.',
        key=name, value=size,
    )


def _per_channel(values: Any, name: str) -> list[float]:
    values = [values] * 3 if isinstance(values, (int, float)) else values
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise ConfigError("{key}={value!r} must be a number or a list of numbers, one per channel.",
                          key=name, value=values) from None


class ImageProcessor(Preprocessor):
    """The generic pipeline of the module docstring; a model's processor sets its defaults.

    Every argument is a key of preprocessor_config.json. Calling the processor accepts the same names as
    keyword arguments to override them for one call: `processor(image, do_normalize=False)`.

    Example:
        >>> import PIL.Image
        >>> processor = ViTImageProcessor(size=32)
        >>> processor(PIL.Image.new("L", (40, 30)), return_tensors="pt").pixel_values.shape
        torch.Size([1, 3, 32, 32])
    """

    section: ClassVar[str] = "image_processor"
    type_key: ClassVar[str] = "image_processor_type"
    model_input_names: ClassVar[list[str]] = ["pixel_values"]

    def __init__(
        self,
        *,
        do_resize: bool = True,
        size: int | list[int] | dict[str, int] | None = None,
        resample: int = 2,
        do_center_crop: bool | None = None,
        crop_size: int | list[int] | dict[str, int] | None = None,
        do_rescale: bool = True,
        rescale_factor: float = 1 / 255,
        do_normalize: bool = True,
        image_mean: float | list[float] | None = None,
        image_std: float | list[float] | None = None,
        do_convert_rgb: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.do_resize = do_resize
        self.size = _size_dict(224 if size is None else size, "size")
        if not isinstance(resample, int) or isinstance(resample, bool) or resample not in RESAMPLE_NAMES:
            choices = ", ".join(f"{code} ({name})" for code, name in RESAMPLE_NAMES.items())
            raise ConfigError("resample={value!r} is not a Pillow filter code. Use one of: {choices}.",
                              key="resample", value=resample, choices=choices)
        self.resample = int(resample)
        self.do_center_crop = do_center_crop
        self.crop_size = None if crop_size is None else _size_dict(crop_size, "crop_size")
        if do_center_crop and (self.crop_size is None or set(self.crop_size) != {"height", "width"}):
            raise ConfigError("do_center_crop=True needs crop_size as {{'height': H, 'width': W}}, got {value!r}.",
                              key="crop_size", value=crop_size)
        self.do_rescale = do_rescale
        self.rescale_factor = float(rescale_factor)
        self.do_normalize = do_normalize
        self.image_mean = _per_channel([0.5] * 3 if image_mean is None else image_mean, "image_mean")
        self.image_std = _per_channel([0.5] * 3 if image_std is None else image_std, "image_std")
        if len(self.image_mean) != len(self.image_std) or 0.0 in self.image_std:
            raise ConfigError(
                "image_mean={mean} and image_std={std} must have one value per channel each, and no standard "
                "deviation may be 0.",
                mean=self.image_mean, std=self.image_std,
            )
        self.do_convert_rgb = do_convert_rgb

    def settings(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in (
            "do_resize", "size", "resample", "do_rescale", "rescale_factor", "do_normalize", "image_mean", "image_std",
        )}
        for name in ("do_center_crop", "crop_size", "do_convert_rgb"):  # written only when configured
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    # -- the steps, one image at a time (readable; __call__ uses them) ------------------------------------------
    def to_rgb(self, image: PIL.Image.Image) -> PIL.Image.Image:
        """Any Pillow mode → RGB. Transparent pixels are laid on white, as transformers does."""
        if image.mode == "RGB":
            return image
        if "A" in image.getbands() or "transparency" in image.info:  # RGBA, LA, palette with a transparent colour
            white = PIL.Image.new("RGBA", image.size, (255, 255, 255, 255))
            return PIL.Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
        return image.convert("RGB")  # L (grayscale: copied to 3 channels), P, CMYK, I, F, ...

    def resize(self, image: PIL.Image.Image, size: dict[str, int], resample: int) -> PIL.Image.Image:
        """Resize to {"height", "width"}, or so that the shorter side is `shortest_edge` (aspect ratio kept)."""
        width, height = image.size
        if "shortest_edge" in size:
            short, long = sorted((width, height))
            new_short, new_long = size["shortest_edge"], int(size["shortest_edge"] * long / short)
            height, width = (new_long, new_short) if width <= height else (new_short, new_long)
        else:
            height, width = size["height"], size["width"]
        return image.resize((width, height), resample=resample)

    def center_crop(self, image: PIL.Image.Image, crop_size: dict[str, int]) -> PIL.Image.Image:
        """The centre crop_size pixels; an image smaller than that is padded with black, centred."""
        width, height = image.size
        top, left = (height - crop_size["height"]) // 2, (width - crop_size["width"]) // 2
        return image.crop((left, top, left + crop_size["width"], top + crop_size["height"]))

    @staticmethod
    def rescale(pixels: np.ndarray, factor: float) -> np.ndarray:
        """0..255 → 0..1 (with factor 1/255), as float32."""
        return (pixels * factor).astype(np.float32)

    @staticmethod
    def normalize(pixels: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
        """(x − mean) / std per channel, for (..., C, H, W) arrays."""
        m = np.asarray(mean, np.float32)[:, None, None]
        s = np.asarray(std, np.float32)[:, None, None]
        return ((pixels - m) / s).astype(np.float32)

    # -- the whole pipeline ---------------------------------------------------------------------------------------
    def __call__(self, images: Any, return_tensors: str | None = None, **overrides: Any) -> BatchFeature:
        """Prepare one image or a list of them; returns {"pixel_values": (B, 3, H, W) float32}.

        Args:
            images: a PIL image, a file path or bytes, a numpy array or torch tensor ((H, W), (H, W, C) or
                (C, H, W); uint8, or floats in 0..1), a list of those, or a (B, ...) array for a batch.
            return_tensors: "pt" (a torch tensor), "np" (a numpy array) or None (a list of numpy arrays).
            **overrides: any setting of this processor, for this call only (`size={"height": 64, "width": 64}`).
        """
        if return_tensors not in _TENSOR_TYPES:
            raise ImageError("return_tensors={value!r} is not supported; use 'pt', 'np' or None.",
                             key="return_tensors", value=return_tensors)
        opts = self._options(overrides)
        batch = self._as_list(images)
        pixels, scales = [], []
        for image in batch:
            pil, extra_scale = _to_pil(image)
            if opts.do_convert_rgb is not False:
                pil = self.to_rgb(pil)
            if opts.do_resize:
                pil = self.resize(pil, opts.size, opts.resample)
            if opts.do_center_crop:
                pil = self.center_crop(pil, opts.crop_size)
            array = np.asarray(pil)  # (H, W, C) uint8
            pixels.append(array[:, :, None] if array.ndim == 2 else array)
            scales.append(extra_scale)
        if len({p.shape for p in pixels}) > 1 and return_tensors is not None:
            shapes = sorted({p.shape[:2] for p in pixels})
            raise ImageError(
                "After preprocessing the images have different sizes {shapes} (size={size}, "
                "do_resize={do_resize}), so they cannot be stacked into one tensor. Pass a fixed size "
                "({{'height': H, 'width': W}}), or do_center_crop=True with crop_size, or return_tensors=None for "
                "a list.",
                shapes=shapes, size=opts.size, do_resize=opts.do_resize,
            )
        if return_tensors is None:  # one array per image, as transformers returns
            values = [self._affine(p[None], [s], opts)[0] for p, s in zip(pixels, scales)]
            return BatchFeature({"pixel_values": values})
        values = self._affine(np.stack(pixels), scales, opts)  # (B, C, H, W) float32
        return BatchFeature({"pixel_values": torch.from_numpy(values) if return_tensors == "pt" else values})

    def _affine(self, pixels: np.ndarray, scales: list[float], opts: ImageProcessor) -> np.ndarray:
        """Rescale and normalise (B, H, W, C) uint8 → (B, C, H, W) float32 in one pass: x · a + b."""
        channels = pixels.shape[-1]
        factor = np.asarray(scales, np.float64) * (opts.rescale_factor if opts.do_rescale else 1.0)  # (B,)
        if opts.do_normalize:
            if len(opts.image_mean) != channels:
                raise ImageError(
                    "The images have {channels} channel(s) but image_mean has {mean_values} values. "
                    "Leave do_convert_rgb unset (or True) to turn every image into RGB.",
                    channels=channels, mean_values=len(opts.image_mean),
                )
            mean, std = np.asarray(opts.image_mean), np.asarray(opts.image_std)
            a, b = factor[:, None] / std, np.broadcast_to(-mean / std, (len(scales), channels))
        else:
            a, b = np.repeat(factor[:, None], channels, axis=1), np.zeros((len(scales), channels))
        out = np.empty((pixels.shape[0], channels, *pixels.shape[1:3]), np.float32)
        # uint8 × float32 → float32, written straight into the channel-first output (the transpose is a view).
        np.multiply(pixels.transpose(0, 3, 1, 2), a.astype(np.float32)[:, :, None, None], out=out, casting="unsafe")
        out += b.astype(np.float32)[:, :, None, None]
        return out

    def _options(self, overrides: dict[str, Any]) -> ImageProcessor:
        """This processor, or a copy with the call's overrides applied (validated like the JSON values)."""
        if not overrides:
            return self
        known = set(self.settings()) | {"do_center_crop", "crop_size", "do_convert_rgb"}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise UsageError("{class_name}() got unknown option(s) {unknown}; options are: {options}.",
                             class_name=type(self).__name__, unknown=unknown, options=", ".join(sorted(known)),
                             key=unknown[0])
        return type(self)(**{**self.settings(), **overrides})

    @staticmethod
    def _as_list(images: Any) -> list[Any]:
        if isinstance(images, (list, tuple)):
            if not images:
                raise ImageError("No images were given (an empty list).")
            return list(images)
        if isinstance(images, (np.ndarray, torch.Tensor)) and images.ndim == 4:  # (B, H, W, C) or (B, C, H, W)
            return list(images)
        return [images]


class ViTImageProcessor(ImageProcessor):
    """ViT's preprocessing (Dosovitskiy et al. 2020, https://arxiv.org/abs/2010.11929), also used by Swin.

    google/vit-base-patch16-224: 224×224, bilinear (2), mean = std = 0.5, which are the defaults.
    microsoft/swin-tiny-patch4-window7-224: 224×224, bicubic (3), ImageNet mean and std, read from its file.
    The older name ViTFeatureExtractor (`"feature_extractor_type"`, `"size": 224`) loads to this class.
    """


# ---------------------------------------------------------------------------------------------------------------
# Step 1: whatever was passed → a PIL image
# ---------------------------------------------------------------------------------------------------------------
def _to_pil(image: Any) -> tuple[PIL.Image.Image, float]:
    """The image as PIL, and a scale to apply after it: 1/255 when float pixels in 0..1 were turned into 0..255."""
    if isinstance(image, (str, os.PathLike, bytes)):
        image = _open(image)
    if isinstance(image, PIL.Image.Image):
        if image.width == 0 or image.height == 0:
            raise ImageError("The image is empty: size {size} (width, height).", size=image.size)
        return image, 1.0
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    if isinstance(image, np.ndarray):
        return _array_to_pil(image)
    raise ImageError(
        "Cannot read an image from a {type_name}. Pass a PIL image, a file path, bytes, a numpy "
        "array or a torch tensor (or a list of them).",
        type_name=type(image).__name__,
    )


def _open(source: str | os.PathLike | bytes) -> PIL.Image.Image:
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        raise ImageError(
            "{url} is a URL. autotutor does not download images: fetch it first (for example with "
            "requests.get(url).content) and pass the bytes, or save it and pass the path.",
            url=source,
        )
    try:
        image = PIL.Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        image.load()  # Pillow reads lazily; a truncated file fails here, not later
    except FileNotFoundError as err:  # only a path can be missing, never bytes
        raise ImageError("There is no image file at {path}.", path=os.fspath(source)) from err
    except (OSError, SyntaxError, ValueError) as err:  # PIL.UnidentifiedImageError is an OSError
        if isinstance(source, bytes):
            raise ImageError("Could not read an image from the given bytes: {error}. Is it a PNG, JPEG, ... file?",
                             error=err) from err
        raise ImageError("Could not read an image from {path}: {error}. Is it a PNG, JPEG, ... file?",
                         path=os.fspath(source), error=err) from err
    return image


def _array_to_pil(array: np.ndarray) -> tuple[PIL.Image.Image, float]:
    """(H, W), (H, W, C) or (C, H, W) with C in 1, 3, 4 → PIL. Channels first wins when both could be channels,
    as in transformers. Floats: whole numbers 0..255 are kept, 0..1 are scaled to 0..255 (then back)."""
    if array.ndim == 3:
        if array.shape[0] in (1, 3, 4):
            array = array.transpose(1, 2, 0)
        elif array.shape[-1] not in (1, 3, 4):
            raise ImageError("An image array of shape {shape} has no channel axis of size 1, 3 or 4.",
                             shape=array.shape)
        if array.shape[-1] == 1:
            array = array[:, :, 0]
    elif array.ndim != 2:
        raise ImageError(
            "An image array must have 2 dimensions (H, W), 3 ((H, W, C) or (C, H, W)) or, for a batch, 4; "
            "got shape {shape}.",
            shape=array.shape,
        )
    if array.size == 0:
        raise ImageError("The image array is empty: shape {shape}.", shape=array.shape)
    scale = 1.0
    if array.dtype != np.uint8:
        if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
            raise ImageError("Image arrays must hold numbers (uint8, or floats in 0..1); got dtype {dtype}.",
                             dtype=array.dtype)
        if not np.isfinite(array).all():
            raise ImageError("The image array contains NaN or infinite values; pixels must be finite numbers.")
        lo, hi = array.min(), array.max()
        if np.allclose(array, array.astype(np.int64)) and 0 <= lo and hi <= 255:
            array = array.astype(np.uint8)
        elif 0 <= lo and hi <= 1:  # transformers' rule: ×255 then truncate, and undo the ×255 after resizing
            array = (array.astype(np.float64) * 255).astype(np.float32).astype(np.uint8)
            scale = 1 / 255
        else:
            raise ImageError(
                "Image values range over [{low}, {high}]: expected whole numbers in 0..255 or floats in 0..1. "
                "Rescale the array first (for example (x - x.min()) / (x.max() - x.min())).",
                low=lo, high=hi,
            )
    return PIL.Image.fromarray(np.ascontiguousarray(array)), scale
