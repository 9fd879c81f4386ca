"""What lesson 5 (AutoProcessor) shows, as plain functions: the notebook's cells and the document explorer call
these, and tests/test_lesson_documents.py checks them without a browser.

    DOCUMENTS                             language → (the course pack's page image, Tesseract's language code)
    pixel_box(box, width, height)         a box on LayoutLMv2's 0–1000 scale → pixels of the page
    boxes_image(page, boxes)              the page with each word's box drawn on it, and the word's number
    word_rows(tokenizer, words, boxes)    each word → its word-pieces and its box (what the tokenizer makes of it)
    word_table(rows)                      those rows as an aligned table (for print)
    ocr_question(), boxes_question()      the lesson's check-your-understanding questions

Pictures carry only numbers (each word's index), so they are the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ..i18n import _, direction, printed
from .quiz import QuizQuestion

__all__ = [
    "BOX_COLOURS",
    "DOCUMENTS",
    "WordRow",
    "boxes_image",
    "boxes_question",
    "ocr_question",
    "pixel_box",
    "word_rows",
    "word_table",
]

# The course pack's document images and the Tesseract language that reads each one (processor's `ocr_lang`).
DOCUMENTS = {
    "en": ("document_en.png", "eng"),
    "fr": ("document_fr.png", "fra"),
    "ar": ("document_ar.png", "ara"),
}
# Okabe-Ito hues, saturated enough to show on white paper: neighbouring words differ.
BOX_COLOURS = ((0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233))


def pixel_box(box: list[int], width: int, height: int) -> tuple[int, int, int, int]:
    """A box [x0, y0, x1, y1] on the 0–1000 scale (LayoutLMv2's `bbox`) → pixel coordinates of a page.

    Example:
        >>> pixel_box([100, 500, 200, 1000], 800, 400)
        (80, 200, 160, 400)
    """
    x0, y0, x1, y1 = box
    return (round(x0 * width / 1000), round(y0 * height / 1000), round(x1 * width / 1000), round(y1 * height / 1000))


def boxes_image(page: Image.Image, boxes: list[list[int]], *, numbers: bool = True) -> Image.Image:
    """A copy of `page` with each box (0–1000 scale) drawn on it in its own colour, and the word's number
    (0, 1, 2, ... in the order of `words`) above it.
    """
    image = page.convert("RGB")  # a copy: the learner's page stays clean
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)  # Pillow's own font: digits only, no file needed
    for index, box in enumerate(boxes):
        colour = BOX_COLOURS[index % len(BOX_COLOURS)]
        x0, y0, x1, y1 = pixel_box(box, *image.size)
        draw.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], outline=colour, width=2)
        if numbers:
            draw.text((x0, max(0, y0 - 19)), str(index), fill=colour, font=font)
    return image


@dataclass(frozen=True)
class WordRow:
    """One word of a page and what the tokenizer makes of it."""

    index: int  # its place in the list of words (the number drawn on the page)
    word: str  # as the OCR (or you) gave it
    pieces: tuple[str, ...]  # its word-pieces: lowercased, accents removed, cut by WordPiece
    box: tuple[int, int, int, int]  # on the 0–1000 scale; every piece of the word gets this same box


def word_rows(tokenizer: Any, words: list[str], boxes: list[list[int]]) -> list[WordRow]:
    """Tokenize one page's words with their boxes (as the processor does) and group the pieces by word.

    Example:
        >>> rows = word_rows(processor.tokenizer, ["Invoice", "2041"], [[1, 2, 3, 4]] * 2)  # doctest: +SKIP
        >>> [r.pieces for r in rows]  # doctest: +SKIP
        [('in', '##vo', '##ice'), ('204', '##1')]
    """
    encoding = tokenizer(words, boxes=boxes)
    pieces: list[list[str]] = [[] for _ in words]
    token_boxes: list[Any] = [None] * len(words)
    for token, word, box in zip(encoding.tokens(0), encoding.word_ids(0), encoding["bbox"]):
        if word is not None:  # [CLS], [SEP] and padding belong to no word
            pieces[word].append(token)
            token_boxes[word] = tuple(box)
    return [WordRow(i, word, tuple(pieces[i]), token_boxes[i] or tuple(boxes[i])) for i, word in enumerate(words)]


def word_table(rows: list[WordRow]) -> str:
    """Each word on a line: its number, the word, its word-pieces and its box, in aligned columns.

    Example:
        >>> print(word_table(word_rows(tok, ["Invoice"], [[78, 136, 257, 188]])))  # doctest: +SKIP
        #  word      word-pieces      box
        0  Invoice   in ##vo ##ice    [78, 136, 257, 188]
    """
    head = ("#", _("word"), _("word-pieces"), _("box (0–1000)"))
    lines = [(str(r.index), r.word, " ".join(r.pieces), str(list(r.box))) for r in rows]
    widths = [max(len(line[c]) for line in [head, *lines]) + 2 for c in range(3)]
    # Arabic words in an English or French table run right to left: a left-to-right mark after each cell keeps
    # the columns in their order. (An Arabic lesson's table is laid out right to left by printed().)
    mark = "\u200e" if direction() != "rtl" and any(_has_rtl(r.word) for r in rows) else ""
    return printed("\n".join(
        "".join(f"{cell}{mark}{' ' * (widths[c] - len(cell))}" for c, cell in enumerate(line[:3])) + line[3]
        for line in [head, *lines]
    ))


def _has_rtl(text: str) -> bool:
    return any("\u0590" <= ch <= "\u08ff" for ch in text)


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def ocr_question() -> QuizQuestion:
    """What `apply_ocr` decides (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("You already have the words of your scans and their boxes, from your own OCR. How do you load "
                   "the processor?"),
        choices=(
            _("`AutoProcessor.from_pretrained(checkpoint, apply_ocr=False)`, then pass the words and `boxes=`."),
            _("`AutoProcessor.from_pretrained(checkpoint)`, and pass the words as well: the processor merges "
              "them with Tesseract's."),
            _("`AutoTokenizer.from_pretrained(checkpoint)` alone: the page image is no longer needed."),
        ),
        feedback=(
            _("With `apply_ocr=False` the image processor only resizes the page, and the tokenizer uses your "
              "words and boxes."),
            _("With OCR on, the processor refuses words and boxes you give it: it cannot know which to trust. "
              "It says so, and tells you to load it with `apply_ocr=False`."),
            _("LayoutLMv2 reads the page image too (the `image` input), so the image processor is still needed. "
              "Only the OCR step can go."),
        ),
        answer=0,
    )


def boxes_question() -> QuizQuestion:
    """Why every word-piece of a word has the same box (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("“Invoice” becomes three word-pieces. Which boxes do they get in `bbox`?"),
        choices=(
            _("All three get the box of the whole word."),
            _("The word's box is cut into three equal parts, one per piece."),
            _("Only the first piece gets a box; the others get `[0, 0, 0, 0]`."),
        ),
        feedback=(
            _("The OCR finds words, not word-pieces, so each piece inherits its word's box. `[CLS]` and `[SEP]` "
              "belong to no word and get fixed boxes: `[0, 0, 0, 0]` and `[1000, 1000, 1000, 1000]`."),
            _("The pieces are not the same width on the page (`##vo` and `##ice` have different letters), and "
              "the OCR never measured them: each piece repeats the word's box."),
            _("`[0, 0, 0, 0]` is the box of `[CLS]`, which is not on the page. The pieces of a word all share "
              "its box."),
        ),
        answer=0,
    )
