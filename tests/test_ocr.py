"""autotutor.ocr against transformers 5.23's OCR path (LayoutLMv2ImageProcessorPil → pytesseract → tesseract).

Pages are rendered with Pillow (DejaVu Sans, which has Latin accents and Arabic; Arabic is shaped by raqm) and
read once per module by both libraries: Tesseract takes a few tenths of a second per page.
"""

from __future__ import annotations

import warnings

import pytest
from PIL import Image, ImageDraw, ImageFont

from autotutor import ocr
from autotutor.errors import AutotutorError, OCRError, OCRLanguageError, TesseractNotFoundError
from autotutor.ocr import (
    apply_tesseract,
    installed_languages,
    normalize_box,
    read_words,
)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = {
    "eng": ["Invoice number 12345", "Total due: $1,250.00", "Thank you for your order!"],
    "fra": ["Facture numéro 12345", "Total à payer : 1 250,00 €", "Merci pour votre commande !"],
    "ara": ["فاتورة رقم 12345", "المبلغ الإجمالي المستحق", "شكرا لطلبكم"],
}
# A word of each page that Tesseract must find, so an empty result cannot pass for parity.
EXPECTED = {"eng": "Invoice", "fra": "numéro", "ara": "فاتورة"}


def render_page(lines: list[str], *, rtl: bool = False, size: tuple[int, int] = (560, 200)) -> Image.Image:
    """Black text on a white page, one line every 48 pixels; right-aligned for right-to-left scripts."""
    page = Image.new("RGB", size, "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 28)
    for row, line in enumerate(lines):
        options = {"direction": "rtl", "language": "ar"} if rtl else {}
        x = size[0] - 20 - draw.textlength(line, font=font, **options) if rtl else 20
        draw.text((x, 20 + 48 * row), line, font=font, fill="black", **options)
    return page


@pytest.fixture(scope="module")
def pages() -> dict[str, Image.Image]:
    return {lang: render_page(lines, rtl=lang == "ara") for lang, lines in PAGES.items()}


@pytest.fixture(scope="module")
def read(pages):
    """lang → (our words, our 0–1000 boxes, transformers' words, transformers' boxes)."""
    from transformers import LayoutLMv2ImageProcessorPil

    results = {}
    for lang, page in pages.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = LayoutLMv2ImageProcessorPil(ocr_lang=lang)(page)
        results[lang] = (*apply_tesseract(page, lang), theirs["words"][0], theirs["boxes"][0])
    return results


@pytest.mark.parametrize("lang", list(PAGES))
def test_words_and_boxes_equal_transformers(read, lang):
    words, boxes, their_words, their_boxes = read[lang]
    assert EXPECTED[lang] in words
    assert words == their_words
    assert boxes == their_boxes


def test_pixel_boxes_are_on_the_page_and_normalize_to_the_model_boxes(read, pages):
    words, pixel_boxes = read_words(pages["eng"], lang="eng")
    width, height = pages["eng"].size
    assert words == read["eng"][0]
    for x0, y0, x1, y1 in pixel_boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert [normalize_box(box, width, height) for box in pixel_boxes] == read["eng"][1]


def test_normalize_box_truncates_like_transformers():
    from transformers.models.layoutlmv2.image_processing_pil_layoutlmv2 import normalize_box as reference

    for box, width, height in [([0, 0, 639, 479], 640, 480), ([1, 2, 3, 4], 7, 3), ([33, 17, 299, 101], 301, 103),
                               ([10.5, 3.25, 99.9, 50.0], 100, 51)]:
        assert normalize_box(box, width, height) == reference(box, width, height)
    assert normalize_box([0, 0, 639, 479], 640, 480) == [0, 0, 998, 997]  # truncated, not rounded


def test_tsv_parsing_drops_blank_words_and_handles_the_last_row():
    """Container rows and blank words go; a last row whose empty text lost its cell to strip() is kept whole."""
    header = "\t".join(ocr._TSV_COLUMNS)
    tsv = "\n".join([
        header,
        "1\t1\t0\t0\t0\t0\t0\t0\t640\t240\t-1\t",
        "5\t1\t1\t1\t1\t1\t23\t25\t98\t21\t96.5\tInvoice",
        "5\t1\t1\t1\t1\t2\t130\t25\t10\t21\t95\t ",
        "5\t1\t1\t1\t1\t3\t150\t25\t60\t21\t91\t12345",
        "5\t1\t1\t1\t1\t4\t220\t25\t5\t21\t-1\t",
    ]) + "\n"
    assert ocr._parse_tsv(tsv) == (["Invoice", "12345"], [[23, 25, 121, 46], [150, 25, 210, 46]])
    with pytest.raises(OCRError, match="unexpected columns"):
        ocr._parse_tsv("something else\n1\t2\n")


def test_tesseract_config_reaches_tesseract_as_in_transformers():
    """--psm 7 reads the page as one text line; the same option gives transformers the same words."""
    import numpy as np
    from transformers.models.layoutlmv2.image_processing_pil_layoutlmv2 import apply_tesseract as reference

    page = render_page(["Total due: $1,250.00"], size=(360, 60))
    ours = apply_tesseract(page, "eng", "--psm 7")
    assert ours[0] == ["Total", "due:", "$1,250.00"]
    assert ours == reference(np.array(page).transpose(2, 0, 1), "eng", "--psm 7", input_data_format="channels_first")


def test_transparent_page_is_read_on_white():
    """Black text on a transparent background: flattened on white first (black on black would read nothing)."""
    page = Image.new("RGBA", (360, 60), (0, 0, 0, 0))
    ImageDraw.Draw(page).text((20, 12), "Thank you", font=ImageFont.truetype(FONT, 28), fill=(0, 0, 0, 255))
    assert read_words(page)[0] == ["Thank", "you"]


def test_installed_languages_lists_the_debian_packages():
    assert {"eng", "fra", "ara"} <= set(installed_languages())


# ---------------------------------------------------------------------------------------------------------------
# Errors a learner meets
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def blank() -> Image.Image:
    return Image.new("RGB", (40, 20), "white")


def test_missing_tesseract_says_how_to_install_it(monkeypatch, blank):
    monkeypatch.setattr(ocr, "TESSERACT_COMMAND", "tesseract-not-installed-here")
    with pytest.raises(TesseractNotFoundError) as err:
        read_words(blank)
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, AutotutorError)
    assert "apt-get install tesseract-ocr" in str(err.value) and "apply_ocr=False" in str(err.value)


@pytest.mark.parametrize("lang", ["deu", "eng+deu"])
def test_missing_language_lists_the_installed_ones(blank, lang):
    """'eng+deu' without German data: Tesseract (and so transformers) reads English only and says nothing;
    autotutor raises, naming the package to install."""
    with pytest.raises(OCRLanguageError) as err:
        read_words(blank, lang=lang)
    message = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "'deu'" in message and "tesseract-ocr-deu" in message
    assert "eng" in message and "fra" in message and "ara" in message


def test_bad_tesseract_option_is_an_ocr_error(blank):
    with pytest.raises(OCRError, match="Invalid PSM value") as err:
        read_words(blank, tesseract_config="--psm 99")
    assert "--psm 99" in str(err.value)
