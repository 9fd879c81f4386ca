"""LayoutLMv2's image processor: a page image → `pixel_values` uint8 BGR, plus the OCR's words and boxes.

Unlike a photo model's pipeline (`image_processing.py`), it neither rescales nor normalises: LayoutLMv2's
detectron2 backbone takes raw BGR pixels. The OCR (`ocr.py`, Tesseract) reads the page before the resize.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError, ProcessorError
from .ocr import apply_tesseract
from .preprocessing import BatchFeature, Preprocessor

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["LayoutLMv2ImageProcessor"]

_TENSOR_CHOICES = (None, "pt", "np")
_RESAMPLE_NAMES = {0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING"}  # PIL's codes


class LayoutLMv2ImageProcessor(Preprocessor):
    """Page images → `pixel_values` (B, 3, H, W) uint8 in BGR order, plus OCR `words` and `boxes`.

    No rescaling and no normalisation: LayoutLMv2's detectron2 backbone subtracts its own pixel mean, and it
    was trained on BGR images (OpenCV's order), hence the channel flip. OCR reads the original page, before the
    resize, so small text stays readable.

    Args:
        do_resize, size, resample: resize to size["height"] × size["width"] (224 × 224) with this PIL filter
            (2 = bilinear). An int size means a square.
        apply_ocr: run Tesseract to find the words and their boxes (0–1000 scale).
        ocr_lang: Tesseract language code(s), e.g. "fra" or "eng+ara"; None means English.
        tesseract_config: extra Tesseract options, e.g. "--psm 6".

    Example:
        >>> from PIL import Image
        >>> out = LayoutLMv2ImageProcessor(apply_ocr=False)(Image.new("RGB", (600, 800), "white"), return_tensors="pt")
        >>> tuple(out["pixel_values"].shape), out["pixel_values"].dtype
        ((1, 3, 224, 224), torch.uint8)
    """

    section = "image_processor"
    type_key = "image_processor_type"
    model_input_names = ["pixel_values"]

    def __init__(
        self,
        *,
        do_resize: bool = True,
        size: int | dict[str, int] = 224,
        resample: int = 2,
        apply_ocr: bool = True,
        ocr_lang: str | None = None,
        tesseract_config: str | None = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.do_resize = do_resize
        self.size = _check_size(size)
        self.resample = _check_resample(resample)
        self.apply_ocr = apply_ocr
        self.ocr_lang = ocr_lang
        self.tesseract_config = tesseract_config

    def settings(self) -> dict[str, Any]:
        out = {"apply_ocr": self.apply_ocr, "do_resize": self.do_resize, "resample": self.resample,
               "size": dict(self.size), "tesseract_config": self.tesseract_config}
        if self.ocr_lang is not None:  # transformers writes it only when set
            out["ocr_lang"] = self.ocr_lang
        return out

    def __call__(
        self,
        images: Any,
        *,
        do_resize: bool | None = None,
        size: int | dict[str, int] | None = None,
        resample: int | None = None,
        apply_ocr: bool | None = None,
        ocr_lang: str | None = None,
        tesseract_config: str | None = None,
        return_tensors: str | None = None,
    ) -> BatchFeature:
        """One image or a list: PIL images, or uint8 arrays/tensors (H, W, C) or (C, H, W). Options override
        the settings for this call. `return_tensors`: None (a list of (3, H, W) arrays), "np" or "pt"."""
        if return_tensors not in _TENSOR_CHOICES:
            raise ProcessorError("return_tensors={value!r} is not valid; choose one of {choices}.",
                                 key="return_tensors", value=return_tensors, choices=_TENSOR_CHOICES)
        do_resize = self.do_resize if do_resize is None else do_resize
        size = self.size if size is None else _check_size(size)
        resample = self.resample if resample is None else _check_resample(resample)
        apply_ocr = self.apply_ocr if apply_ocr is None else apply_ocr
        ocr_lang = self.ocr_lang if ocr_lang is None else ocr_lang
        tesseract_config = self.tesseract_config if tesseract_config is None else tesseract_config

        pages = [_to_pil(image, index) for index, image in enumerate(_as_list(images))]
        data: dict[str, Any] = {}
        pixels = []
        for page in pages:
            rgb = _to_rgb(page)
            if do_resize:
                rgb = rgb.resize((size["width"], size["height"]), resample=resample)
            pixels.append(np.ascontiguousarray(np.asarray(rgb).transpose(2, 0, 1)[::-1]))  # (3, H, W), RGB → BGR
        data["pixel_values"] = _stack(pixels, return_tensors)
        if apply_ocr:
            found = [apply_tesseract(_for_ocr(page), ocr_lang, tesseract_config) for page in pages]
            data["words"] = [words for words, _ in found]
            data["boxes"] = [boxes for _, boxes in found]
        return BatchFeature(data)

    preprocess = __call__  # transformers' other name for the call


def _check_size(size: Any) -> dict[str, int]:
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        return {"height": size, "width": size}
    if isinstance(size, dict) and set(size) == {"height", "width"} and all(
            isinstance(v, int) and v > 0 for v in size.values()):
        return {"height": size["height"], "width": size["width"]}
    raise ConfigError(
        "size={value!r} is not valid for LayoutLMv2: give one positive int (a square side, e.g. 224) or "
        "{{'height': 224, 'width': 224}}.",
        key="size", value=size,
    )


def _check_resample(resample: Any) -> int:
    if isinstance(resample, bool) or not isinstance(resample, int) or int(resample) not in _RESAMPLE_NAMES:
        choices = ", ".join(f"{code} ({name})" for code, name in _RESAMPLE_NAMES.items())
        raise ConfigError("resample={value!r} is not a PIL resampling filter; choose one of {choices}.",
                          key="resample", value=resample, choices=choices)
    return int(resample)


def _as_list(images: Any) -> list[Any]:
    if isinstance(images, (list, tuple)):
        if not images:
            raise ProcessorError("The list of images is empty; pass at least one page image.")
        return list(images)
    return [images]


def _to_pil(image: Any, index: int) -> Image.Image:
    """A PIL image as it is; a uint8 array or tensor, (H, W), (H, W, C) or (C, H, W), as a PIL image."""
    from PIL import Image

    if isinstance(image, Image.Image):
        return image
    array = image.cpu().numpy() if hasattr(image, "cpu") else image
    if not isinstance(array, np.ndarray):
        raise ProcessorError(
            "Image {index} is a {type_name}; pass a PIL image (Image.open(path)) or a uint8 array.",
            index=index, type_name=type(image).__name__,
        )
    if array.dtype != np.uint8:
        raise ProcessorError(
            "Image {index} has dtype {dtype}; LayoutLMv2 takes 0–255 pixels as uint8 (OCR and the model "
            "expect them). Convert with `(array * 255).round().astype('uint8')` if it holds 0–1 values.",
            index=index, dtype=array.dtype,
        )
    if array.ndim == 3 and array.shape[0] in (1, 3, 4):  # channels first, as transformers assumes when ambiguous
        array = array.transpose(1, 2, 0)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ProcessorError(
            "Image {index} has shape {shape}; expected (H, W), (H, W, 3) or (3, H, W) "
            "(1 or 4 channels work too).",
            index=index, shape=array.shape,
        )
    return Image.fromarray(array)


def _to_rgb(page: Image.Image) -> Image.Image:
    """Three channels for the model: grayscale is repeated, transparency is put on white, palettes expanded."""
    from PIL import Image

    if page.mode == "RGB":
        return page
    if page.mode == "P" and "transparency" in page.info:
        page = page.convert("RGBA")
    if "A" in page.getbands():
        background = Image.new("RGB", page.size, (255, 255, 255))
        background.paste(page.convert("RGBA"), (0, 0), page.getchannel("A"))
        return background
    return page.convert("RGB")


def _for_ocr(page: Image.Image) -> Image.Image:
    """Tesseract reads RGB, grayscale and black-and-white pages as they are; other modes become RGB."""
    return page if page.mode in ("1", "L", "RGB", "RGBA", "LA") else _to_rgb(page)


def _stack(pixels: list[np.ndarray], return_tensors: str | None) -> Any:
    if return_tensors is None:
        return pixels
    shapes = sorted({p.shape for p in pixels})
    if len(shapes) > 1:
        raise ProcessorError(
            "The images have different sizes {shapes} after preprocessing, so they cannot form one tensor; "
            "keep do_resize=True, or pass return_tensors=None.",
            shapes=shapes,
        )
    array = np.stack(pixels)  # (B, 3, H, W)
    if return_tensors == "np":
        return array
    import torch

    return torch.from_numpy(array)
