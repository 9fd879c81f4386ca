"""What the lessons' pictures share: a font with Latin and Arabic glyphs, and one way to encode an image.

(`marks.py` has the patterns that make a picture readable without its colours.)
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

from PIL import Image, ImageFont

__all__ = ["encoded", "font", "png", "png_data_uri"]

_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Latin and Arabic glyphs in one font
          "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")


@lru_cache(maxsize=None)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with Latin and Arabic glyphs (Pillow shapes Arabic through raqm), or Pillow's own default."""
    for path in _FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def encoded(picture: Image.Image, fmt: str = "png") -> bytes:
    """The picture's bytes as PNG, or as JPEG (quality 90, smaller for photos) when `fmt` is "jpeg"."""
    buffer = io.BytesIO()
    if fmt == "jpeg":
        picture.convert("RGB").save(buffer, format="JPEG", quality=90)
    else:
        picture.save(buffer, format="PNG")
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    """The image as PNG bytes: `IPython.display.Image(png(image))` shows it with a text form that never changes."""
    return encoded(image, "png")


def png_data_uri(picture: Image.Image, *, fmt: str = "png") -> str:
    """A picture as a `data:` URI, to put in an <img> of a widget's HTML (PNG, or "jpeg" for photos: smaller)."""
    return f"data:image/{fmt};base64," + base64.b64encode(encoded(picture, fmt)).decode("ascii")
