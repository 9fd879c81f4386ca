"""Lesson 5 (AutoProcessor): the helpers behind its cells and the document explorer, in each language."""

from __future__ import annotations

import pytest
from PIL import Image

from autotutor import AutoProcessor
from autotutor.i18n import set_language
from autotutor.lessons.autoprocessor import (
    BOX_COLOURS,
    DOCUMENTS,
    WordRow,
    boxes_image,
    boxes_question,
    ocr_question,
    pixel_box,
    word_rows,
    word_table,
)
from autotutor.widgets.document_explorer import DocumentExplorer, table_html

CHECKPOINT = "microsoft/layoutlmv2-base-uncased"
WORDS = ["INVOICE", "2041", "Hélène"]
BOXES = [[78, 136, 257, 188], [278, 136, 386, 188], [252, 530, 403, 588]]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def tokenizer():
    """The checkpoint's real uncased tokenizer (from the Hub, the cache or the course pack)."""
    return AutoProcessor.from_pretrained(CHECKPOINT, apply_ocr=False).tokenizer


def test_pixel_box_scales_from_0_1000():
    assert pixel_box([0, 0, 1000, 1000], 800, 500) == (0, 0, 800, 500)
    assert pixel_box([100, 500, 200, 1000], 800, 400) == (80, 200, 160, 400)


def test_boxes_image_draws_on_a_copy():
    page = Image.new("RGB", (200, 100), "white")
    drawn = boxes_image(page, [[100, 200, 500, 800]])
    assert page.getpixel((20, 50)) == (255, 255, 255)  # the page itself is untouched
    assert drawn.getpixel((19, 50)) == BOX_COLOURS[0]  # the box's left edge, 2 px outside x = 100/1000 × 200
    assert drawn.getpixel((60, 50)) == (255, 255, 255)  # inside stays clear


def test_word_rows_give_every_piece_its_word_box(tokenizer):
    rows = word_rows(tokenizer, WORDS, BOXES)
    assert [r.pieces for r in rows] == [("in", "##vo", "##ice"), ("204", "##1"), ("helene",)]
    assert [list(r.box) for r in rows] == BOXES
    assert [r.index for r in rows] == [0, 1, 2] and rows[2].word == "Hélène"


def test_word_table_lines_up(tokenizer):
    table = word_table(word_rows(tokenizer, WORDS, BOXES))
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["#", "word"]
    assert lines[1].startswith("0") and "in ##vo ##ice" in lines[1] and lines[1].endswith("[78, 136, 257, 188]")
    assert len({line.index("[") for line in lines[1:]}) == 1  # the boxes start in one column
    assert "\u200e" not in table


def test_word_table_keeps_arabic_columns_in_order(tokenizer):
    table = word_table(word_rows(tokenizer, ["رقم", "2041"], BOXES[:2]))
    assert "\u200e" in table and "ر ##ق ##م" in table


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_word_table_headings_are_translated(tokenizer, lang):
    set_language(lang)
    table = word_table([WordRow(0, "a", ("a",), (1, 2, 3, 4))])
    assert "word-pieces" not in table and "[1, 2, 3, 4]" in table


@pytest.mark.parametrize("make", [ocr_question, boxes_question])
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_questions_have_feedback_for_every_choice(make, lang):
    set_language(lang)
    question = make()
    assert len(question.choices) == len(question.feedback) == 3 and question.answer == 0
    if lang != "en":
        set_language("en")
        assert make().question != question.question


def test_table_html_counts_words_and_keeps_code_ltr():
    rows = [WordRow(0, "Hélène", ("helene",), (1, 2, 3, 4)), WordRow(1, "x", ("x",), (5, 6, 7, 8))]
    page = table_html(rows, ocr_lang="fra")
    assert "ocr_lang=&#x27;fra&#x27;" in page or "ocr_lang='fra'" in page
    assert "The OCR found 2 words." in page and "[5, 6, 7, 8]" in page
    assert "The OCR found 1 word." in table_html(rows[:1], ocr_lang="eng")
    assert "The OCR found no words." in table_html([], ocr_lang="eng")
    set_language("ar")
    assert 'dir="rtl"' in table_html(rows, ocr_lang="ara") and "The OCR found" not in table_html(rows, ocr_lang="ara")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_word_count_plural_is_translated(lang):
    set_language(lang)
    for n in (1, 2, 3, 11, 100):
        rows = [WordRow(i, "a", ("a",), (0, 0, 0, 0)) for i in range(n)]
        assert "The OCR found" not in table_html(rows, ocr_lang="eng")


def test_documents_name_the_pack_pages_and_tesseract_codes():
    assert DOCUMENTS == {"en": ("document_en.png", "eng"), "fr": ("document_fr.png", "fra"),
                         "ar": ("document_ar.png", "ara")}


def test_explorer_reads_each_page_once(monkeypatch):
    explorer = DocumentExplorer(CHECKPOINT, document="en")
    assert repr(explorer) == "DocumentExplorer('document_en.png')"
    assert "in ##vo ##ice" in explorer.html().replace("</code></bdi> <bdi dir=\"ltr\"><code>", " ")
    assert explorer._picture.value[:4] == b"\x89PNG"
    loads = []
    real = AutoProcessor.from_pretrained

    def counted(*args, **kwargs):
        loads.append(kwargs.get("ocr_lang"))
        return real(*args, **kwargs)

    monkeypatch.setattr(AutoProcessor, "from_pretrained", counted)
    explorer._menu.value = "fr"
    assert loads == ["fra"] and "helene" in explorer.html()
    explorer._menu.value = "en"  # read before: kept, no second OCR
    assert loads == ["fra"] and repr(explorer) == "DocumentExplorer('document_en.png')"
