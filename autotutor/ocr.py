"""Optical character recognition with Tesseract: a page image → its words and where they are.

Document models such as LayoutLMv2 read words *and* their boxes. When a page comes as a picture, the words
come from an OCR engine; transformers runs Google's Tesseract through the `pytesseract` package, and this
module runs the same `tesseract` program directly (no Python dependency), with the same arguments, so the
words and boxes are identical:

    tesseract <page.png> <out> -l <lang> -c tessedit_create_tsv=1 <tesseract_config>

writes out.tsv, one row per page, block, paragraph, line and word:

    level  page_num  block_num  par_num  line_num  word_num  left  top  width  height  conf  text
    5      1         1          1        1         1         23    25   98     21      96    Invoice

Rows without text (the containers, and empty words) are dropped. Boxes are in pixels, as
[left, top, right, bottom]; `normalize_box` turns them into the 0–1000 scale the model's 2-D position
embeddings use, independent of the page's resolution.

Install Tesseract with `apt-get install tesseract-ocr` (Debian/Ubuntu; `make system-deps` in this repository),
plus one package per extra language: `tesseract-ocr-fra`, `tesseract-ocr-ara`, ...
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OCRError, OCRLanguageError, TesseractNotFoundError
from .i18n import Text

if TYPE_CHECKING:  # Pillow is imported by the caller that has an image
    from PIL import Image

__all__ = [
    "apply_tesseract",
    "installed_languages",
    "normalize_box",
    "read_words",
]

# The program to run; set it to a full path if `tesseract` is not on PATH.
TESSERACT_COMMAND = "tesseract"

# Tesseract's TSV columns, in order; the text is always the last one.
_TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
                "left", "top", "width", "height", "conf", "text")


def normalize_box(box: list[int], width: int, height: int) -> list[int]:
    """A pixel box [x0, y0, x1, y1] on a `width`×`height` page → the same box on a 0–1000 scale.

    Each coordinate is divided by the page size, scaled to 1000 and truncated toward zero with `int`, as
    transformers does: a word ending one pixel before the right edge of a 640-pixel page gets 998, not 999.

    Example:
        >>> normalize_box([64, 24, 192, 48], width=640, height=480)
        [100, 50, 300, 100]
    """
    return [
        int(1000 * (box[0] / width)),
        int(1000 * (box[1] / height)),
        int(1000 * (box[2] / width)),
        int(1000 * (box[3] / height)),
    ]


def installed_languages() -> list[str]:
    """The language codes Tesseract has data for (`tesseract --list-langs`), e.g. ['ara', 'eng', 'fra', 'osd']."""
    done = _run([TESSERACT_COMMAND, "--list-langs"])
    # The first line is a heading ("List of available languages in ..."); one code per line follows.
    lines = (done.stdout + done.stderr).splitlines()
    return sorted(line.strip() for line in lines[1:] if line.strip() and " " not in line.strip())


def read_words(
    image: Image.Image, *, lang: str | None = None, tesseract_config: str = ""
) -> tuple[list[str], list[list[int]]]:
    """Run Tesseract on a Pillow image; return its words and their boxes in pixels, [left, top, right, bottom].

    Args:
        image: the page. An image with transparency is put on a white background first (as pytesseract does).
        lang: Tesseract language code(s): "eng" (the default when None), "fra", "ara", "eng+fra", ...
        tesseract_config: extra command-line options, e.g. "--psm 6" (assume one uniform block of text).

    Example:
        >>> from PIL import Image, ImageDraw, ImageFont
        >>> page = Image.new("RGB", (300, 60), "white")
        >>> ImageDraw.Draw(page).text((10, 10), "Hello world", fill="black", font=ImageFont.load_default(24))
        >>> read_words(page)[0]  # doctest: +SKIP
        ['Hello', 'world']
    """
    from PIL import Image

    if "A" in image.getbands():  # transparent pixels would otherwise read as black
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, (0, 0), image.getchannel("A"))
        image = background
    with tempfile.TemporaryDirectory(prefix="autotutor-ocr-") as folder:
        page, out = Path(folder) / "page.png", Path(folder) / "out"
        image.save(page, format="PNG")
        command = [TESSERACT_COMMAND, str(page), str(out)]
        if lang is not None:
            command += ["-l", lang]
        command += ["-c", "tessedit_create_tsv=1", *shlex.split(tesseract_config or "")]
        done = _run(command)
        _check(done, lang, tesseract_config)
        tsv_file = out.with_suffix(".tsv")
        if not tsv_file.is_file():
            raise OCRError(
                "Tesseract wrote no TSV output for options {value!r}. Its messages: {messages}",
                messages=done.stderr.strip() or Text("(none)"), key="tesseract_config", value=tesseract_config,
            )
        tsv = tsv_file.read_text(encoding="utf-8")
    return _parse_tsv(tsv)


def apply_tesseract(
    image: Image.Image, lang: str | None = None, tesseract_config: str | None = ""
) -> tuple[list[str], list[list[int]]]:
    """Words and their boxes on the 0–1000 scale: what LayoutLMv2's image processor adds to its output.

    Same name, arguments and result as transformers' `apply_tesseract` for a Pillow image.
    """
    words, boxes = read_words(image, lang=lang, tesseract_config=tesseract_config or "")
    width, height = image.size
    return words, [normalize_box(box, width, height) for box in boxes]


# ---------------------------------------------------------------------------------------------------------------
# Running the program and reading what it wrote
# ---------------------------------------------------------------------------------------------------------------
def _run(command: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise TesseractNotFoundError(
            "OCR needs the `{program}` program, which is not installed or not on PATH. Install it with "
            "`apt-get install tesseract-ocr` (or `make system-deps` in the autotutor repository). "
            "Or pass words and boxes yourself and build the processor with apply_ocr=False.",
            program=command[0],
        ) from None


def _check(done: subprocess.CompletedProcess, lang: str | None, tesseract_config: str) -> None:
    """Turn Tesseract's messages into an error. A missing language is an error even when Tesseract goes on
    without it ("eng+deu" with no German data reads English only and exits 0; pytesseract says nothing)."""
    messages = f"{done.stderr}\n{done.stdout}"  # Tesseract prints some errors (a bad --psm) on stdout
    missing = re.findall(r"Failed loading language '([^']+)'", messages)
    if missing:
        have = installed_languages()
        packages = " ".join(f"tesseract-ocr-{code}" for code in dict.fromkeys(missing))
        raise OCRLanguageError(
            "Tesseract has no data for language {missing} (lang={value!r}). Installed: {installed}. Install it "
            "with `apt-get install {packages}`, or choose an installed one (codes are ISO 639-2: 'eng', 'fra', "
            "'ara'; join several with '+').",
            missing=", ".join(repr(m) for m in dict.fromkeys(missing)), installed=", ".join(have) or Text("none"),
            packages=packages, key="lang", value=lang,
        )
    if done.returncode != 0:
        raise OCRError(
            "Tesseract failed (exit code {exit_code}) with tesseract_config={value!r}: {messages}. Check the "
            "options against `tesseract --help-extra`.",
            exit_code=done.returncode, messages=" ".join(messages.split()) or Text("no message"),
            key="tesseract_config", value=tesseract_config,
        )


def _parse_tsv(tsv: str) -> tuple[list[str], list[list[int]]]:
    """Tesseract's TSV → (words, pixel boxes), keeping rows whose text is not blank, in reading order."""
    rows = tsv.strip().split("\n")
    if rows[0].split("\t") != list(_TSV_COLUMNS):
        raise OCRError("Tesseract's TSV output has unexpected columns: {columns!r}; expected {expected}.",
                       columns=rows[0], expected=_TSV_COLUMNS)
    words: list[str] = []
    boxes: list[list[int]] = []
    for row in rows[1:]:
        cells = row.split("\t")
        # The text column is the last; an empty text at the end of the file loses its cell to strip().
        text = cells[11] if len(cells) > 11 else ""
        if not text.strip():
            continue
        left, top, width, height = (int(float(value)) for value in cells[6:10])
        words.append(text)
        boxes.append([left, top, left + width, top + height])
    return words, boxes
