"""Processors: the preprocessing of a multimodal model, several steps behind one call.

A document model such as LayoutLMv2 needs three inputs that come from one page image:

    page image ──► LayoutLMv2ImageProcessor ──► image (B, 3, 224, 224) uint8, BGR
         │               └─ Tesseract OCR ────► words + boxes (0–1000)
         └───────────────────────────────────────────► LayoutLMv2Tokenizer ──► input_ids, bbox, token_type_ids,
                                                                                attention_mask
`LayoutLMv2Processor(image)` runs them in that order. A checkpoint stores a processor as
processor_config.json (`{"processor_class": ..., "image_processor": {...}}`) next to the tokenizer files;
older checkpoints (microsoft/layoutlmv2-base-uncased on the Hub) have preprocessor_config.json instead
(`"feature_extractor_type": "LayoutLMv2FeatureExtractor"`). Both load.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .constants import PROCESSOR_CONFIG_FILE
from .errors import ConfigError, ProcessorError, TokenizerError
from .files import Checkpoint, open_checkpoint, pop_checkpoint_options
from .ocr import apply_tesseract
from .preprocessing import BatchFeature, Preprocessor
from .tokenization import BatchEncoding, PreTrainedTokenizer
from .tokenization_layoutlmv2 import LayoutLMv2Tokenizer

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["LayoutLMv2ImageProcessor", "LayoutLMv2Processor", "Processor"]

_TENSOR_CHOICES = (None, "pt", "np")
_RESAMPLE_NAMES = {0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING"}  # PIL's codes


# ---------------------------------------------------------------------------------------------------------------
# What every processor shares: two preprocessors, loaded and saved together
# ---------------------------------------------------------------------------------------------------------------
class Processor:
    """An image processor and a tokenizer, loaded from (and saved to) one checkpoint folder.

    A subclass names the two classes and defines `__call__`.
    """

    image_processor_class: ClassVar[type[Preprocessor]]
    tokenizer_class: ClassVar[type[PreTrainedTokenizer]]

    def __init__(self, image_processor: Preprocessor, tokenizer: PreTrainedTokenizer) -> None:
        for name, value, cls in (("image_processor", image_processor, self.image_processor_class),
                                 ("tokenizer", tokenizer, self.tokenizer_class)):
            if not isinstance(value, cls):
                raise ProcessorError(
                    f"{type(self).__name__} needs a {cls.__name__} as {name}; got {type(value).__name__}."
                )
        self.image_processor = image_processor
        self.tokenizer = tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike | Checkpoint, **kwargs: Any) -> Processor:
        """Load both parts from a folder or Hub id. Options of the image processor (`apply_ocr=False`, ...)
        go to it; the others (`model_max_length=...`) go to the tokenizer."""
        return cls.from_checkpoint(open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs)), **kwargs)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> Processor:
        """Build from an opened checkpoint (AutoProcessor calls this)."""
        image_options = [name for name, p in inspect.signature(cls.image_processor_class).parameters.items()
                         if p.kind is p.KEYWORD_ONLY]
        for_images = {key: kwargs.pop(key) for key in image_options if key in kwargs}
        image_processor = cls.image_processor_class.from_checkpoint(checkpoint, **for_images)
        try:
            tokenizer = cls.tokenizer_class.from_checkpoint(checkpoint, **kwargs)
        except TokenizerError as err:
            if "unknown option" not in str(err):
                raise
            raise ProcessorError(f"{err} Options of the image processor: {', '.join(image_options)}.") from err
        return cls(image_processor, tokenizer)

    def save_pretrained(self, save_directory: str | os.PathLike) -> list[str]:
        """Write processor_config.json (the image processor nested inside) and the tokenizer's files.

        Returns `[processor_config.json's path]`, as transformers does (the tokenizer's files are not listed).
        """
        folder = Path(save_directory)
        self.tokenizer.save_pretrained(folder)
        content = {"image_processor": self.image_processor.to_dict(), "processor_class": type(self).__name__}
        path = folder / PROCESSOR_CONFIG_FILE
        path.write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return [str(path)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}:\n- image_processor: {self.image_processor!r}\n- tokenizer: {self.tokenizer!r}"


# ---------------------------------------------------------------------------------------------------------------
# LayoutLMv2: the page image
# ---------------------------------------------------------------------------------------------------------------
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
            raise ProcessorError(f"return_tensors={return_tensors!r} is not valid; choose one of {_TENSOR_CHOICES}.")
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
        f"size={size!r} is not valid for LayoutLMv2: give one positive int (a square side, e.g. 224) or "
        "{'height': 224, 'width': 224}."
    )


def _check_resample(resample: Any) -> int:
    if isinstance(resample, bool) or not isinstance(resample, int) or int(resample) not in _RESAMPLE_NAMES:
        choices = ", ".join(f"{code} ({name})" for code, name in _RESAMPLE_NAMES.items())
        raise ConfigError(f"resample={resample!r} is not a PIL resampling filter; choose one of {choices}.")
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
            f"Image {index} is a {type(image).__name__}; pass a PIL image (Image.open(path)) or a uint8 array."
        )
    if array.dtype != np.uint8:
        raise ProcessorError(
            f"Image {index} has dtype {array.dtype}; LayoutLMv2 takes 0–255 pixels as uint8 (OCR and the model "
            "expect them). Convert with `(array * 255).round().astype('uint8')` if it holds 0–1 values."
        )
    if array.ndim == 3 and array.shape[0] in (1, 3, 4):  # channels first, as transformers assumes when ambiguous
        array = array.transpose(1, 2, 0)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ProcessorError(
            f"Image {index} has shape {array.shape}; expected (H, W), (H, W, 3) or (3, H, W) "
            "(1 or 4 channels work too)."
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
            f"The images have different sizes {shapes} after preprocessing, so they cannot form one tensor; "
            "keep do_resize=True, or pass return_tensors=None."
        )
    array = np.stack(pixels)  # (B, 3, H, W)
    if return_tensors == "np":
        return array
    import torch

    return torch.from_numpy(array)


# ---------------------------------------------------------------------------------------------------------------
# LayoutLMv2: page image + words → model inputs
# ---------------------------------------------------------------------------------------------------------------
class LayoutLMv2Processor(Processor):
    """Page image(s) → `input_ids`, `bbox`, `token_type_ids`, `attention_mask` and `image`.

    With `apply_ocr=True` (the checkpoint's default) the words and boxes come from Tesseract; a `text` is then
    a question about the page (document question answering). With `apply_ocr=False` the caller gives the words
    (`text`, or `text_pair` after a question) and their `boxes` on the 0–1000 scale, and optionally
    `word_labels` for token classification.

    Example:
        >>> processor = LayoutLMv2Processor.from_pretrained("microsoft/layoutlmv2-base-uncased")  # doctest: +SKIP
        >>> enc = processor(Image.open("invoice.png").convert("RGB"), return_tensors="pt")  # doctest: +SKIP
        >>> sorted(enc.keys())  # doctest: +SKIP
        ['attention_mask', 'bbox', 'image', 'input_ids', 'token_type_ids']
    """

    image_processor_class = LayoutLMv2ImageProcessor
    tokenizer_class = LayoutLMv2Tokenizer
    model_input_names: ClassVar[list[str]] = ["input_ids", "bbox", "token_type_ids", "attention_mask", "image"]

    def __call__(
        self,
        images: Any,
        text: str | list[str] | list[list[str]] | None = None,
        text_pair: list[str] | list[list[str]] | None = None,
        boxes: list[list[int]] | list[list[list[int]]] | None = None,
        word_labels: list[int] | list[list[int]] | None = None,
        *,
        return_tensors: str | None = None,
        **tokenizer_options: Any,
    ) -> BatchEncoding:
        """Tokenizer options (`padding=`, `truncation=`, `max_length=`, ...) are those of LayoutLMv2Tokenizer."""
        ocr = self.image_processor.apply_ocr
        if ocr:
            for name, value in (("boxes", boxes), ("word_labels", word_labels), ("text_pair", text_pair)):
                if value is not None:
                    raise ProcessorError(
                        f"This processor runs OCR (apply_ocr=True), so the words and their boxes come from the image "
                        f"and {name}= cannot be used. To give your own words, boxes and labels, load it with "
                        "apply_ocr=False: AutoProcessor.from_pretrained(name, apply_ocr=False)."
                    )
        elif text is None or boxes is None:
            missing = " and ".join(n for n, v in (("the words (text=...)", text), ("their boxes (boxes=...)", boxes))
                                   if v is None)
            raise ProcessorError(
                f"This processor does not run OCR (apply_ocr=False), so it needs {missing}: "
                "processor(image, ['Invoice', '12345'], boxes=[[23, 104, 176, 192], [410, 104, 560, 192]]). "
                "Or load it with apply_ocr=True to read the words from the image with Tesseract."
            )

        features = self.image_processor(images, return_tensors=return_tensors)
        n_images = len(features["pixel_values"])
        if ocr:
            words, boxes = features["words"], features["boxes"]
            if text is not None:  # a question (or one per image) about the OCR'd words
                questions = [text] if isinstance(text, str) else text
                _check_count("questions", len(questions), n_images)
                text, text_pair = questions, words
            else:
                text = words
        else:
            batched = isinstance(text, (list, tuple)) and (
                text_pair is not None or (len(text) > 0 and isinstance(text[0], (list, tuple))))
            _check_count("documents of words", len(text) if batched else 1, n_images)

        encoded = self.tokenizer(text, text_pair, boxes, word_labels, return_tensors=return_tensors,
                                 **tokenizer_options)
        encoded["image"] = features["pixel_values"]
        return encoded


def _check_count(what: str, count: int, n_images: int) -> None:
    if count != n_images:
        raise ProcessorError(
            f"There are {n_images} image(s) but {count} {what}; give one per image (a list for a batch)."
        )
