"""Lesson 5's exercises (AutoProcessor), with `microsoft/layoutlmv2-base-uncased`'s processor, OCR off.

    05.ocr_boxes     your own OCR's pixel boxes (left, top, width, height) → LayoutLMv2's 0–1000 `bbox`
    05.piece_boxes   every word-piece with the box of its word: `word_ids()` lines tokens up with words

The checks make up each page (its size, its words, where they sit) afresh, so no answer can be written in
advance. The page is blank: with `apply_ocr=False` the processor only resizes it, and reads your words.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from ...errors import ProcessorError
from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

CHECKPOINT = "microsoft/layoutlmv2-base-uncased"

# Words of invoices, some that this uncased vocabulary cuts into several pieces (numbers, accents, codes).
_WORDS = ("Invoice", "Total", "Hélène", "2041", "€12.50", "Paid", "Quantity", "Date:", "Unit", "Customer",
          "Boulevard", "Amount", "#A-3372", "Rue", "Müller", "VAT", "Due", "Lyon", "Price", "17/03/2026")


@functools.lru_cache(maxsize=1)
def _processor():
    from ...auto import AutoProcessor

    return AutoProcessor.from_pretrained(CHECKPOINT, apply_ocr=False)


def _page(rng: random.Random) -> Any:
    """A blank page of a size a 72-dpi scan or a phone thumbnail has: under 1000 pixels each way, so that boxes
    left in pixels still fit on the 0–1000 scale and the tokenizer cannot catch the mistake for you."""
    from PIL import Image

    width, height = rng.randint(520, 760), rng.randint(800, 990)
    return Image.new("RGB", (width, height), "white")


def _page_rows(encoding: object) -> tuple[Any, Any] | None:
    """(input_ids, bbox) as the encoding holds them (tensors or lists); None when it lacks either."""
    try:
        ids, bbox = encoding["input_ids"], encoding["bbox"]
    except (KeyError, TypeError, IndexError):
        return None
    return ids, bbox


# ---------------------------------------------------------------------------------------------------------------
# 05.ocr_boxes
# ---------------------------------------------------------------------------------------------------------------
def _scaled(box: tuple[int, int, int, int], width: float, height: float) -> list[int]:
    x0, y0, x1, y1 = box
    return [int(1000 * x0 / width), int(1000 * y0 / height), int(1000 * x1 / width), int(1000 * y1 / height)]


def _close(got: list, wanted: list, tolerance: float = 1) -> bool:
    """Each box of `got` within `tolerance` of `wanted` (rounding instead of truncating is fine)."""
    try:
        return len(got) == len(wanted) and all(
            len(g) == 4 and all(abs(float(a) - b) <= tolerance for a, b in zip(g, w)) for g, w in zip(got, wanted))
    except (TypeError, ValueError):
        return False


def _ocr(rng: random.Random, width: int, height: int) -> list[tuple[str, int, int, int, int]]:
    """Words with pixel boxes as Tesseract gives them: (word, left, top, width, height), on one page."""
    lines = []
    for word in rng.sample(_WORDS, rng.randint(4, 6)):
        w, h = rng.randint(30, 160), rng.randint(12, 36)
        lines.append((word, rng.randint(0, width - w - 1), rng.randint(0, height - h - 1), w, h))
    return lines


def _axes_swapped(width: int, height: int) -> Verdict:
    return not_yet("axes_swapped", N_("Not yet: x and y were scaled by the wrong sides. x0 and x1 are divided by "
                                      "the page's width ({width} pixels), y0 and y1 by its height ({height} "
                                      "pixels): `page.size` is (width, height)."), width=width, height=height)


def check_ocr_boxes(answer: object) -> Verdict:
    processor, rng = _processor(), random.Random()
    page = _page(rng)
    width, height = page.size
    ocr = _ocr(rng, width, height)
    words = [word for word, *_box in ocr]
    corners = [(left, top, left + w, top + h) for _word, left, top, w, h in ocr]
    run = attempt(answer, processor, page, list(ocr))
    if run.verdict is not None:
        if isinstance(run.error, ProcessorError) and getattr(run.error, "key", None) == "boxes":
            return not_yet("missing_boxes", N_("Not yet: the processor was called without `boxes=`. With "
                                               "`apply_ocr=False` it reads your words and your boxes: pass both, "
                                               "one box per word."))
        if getattr(run.error, "key", None) == "boxes":
            # On a page under 1000 pixels, a box beyond 1000 comes from dividing by the wrong side.
            if any(value > 1000 for c in corners for value in _scaled(c, height, width)):
                return _axes_swapped(width, height)
            return not_yet("bad_boxes", N_("Not yet: the tokenizer refused the boxes: {detail}"),
                           detail=str(run.error))
        return run.verdict
    expected = processor(page, words, boxes=[_scaled(c, width, height) for c in corners], return_tensors="pt")
    rows = _page_rows(run.value)
    if rows is None:
        return not_yet("not_an_encoding", N_("Not yet: return what the processor returns (it has `input_ids`, "
                                             "`bbox` and `image`), not a part of it."))
    if not all(hasattr(value, "shape") for value in rows):
        return not_yet("not_tensors", N_("Not yet: the encoding holds lists. Pass `return_tensors=\"pt\"` so "
                                         "that the model can take it as it is."))
    ids, bbox = rows[0].reshape(-1).tolist(), rows[1].reshape(-1, 4).tolist()  # one page: (1, T) → T, (1, T, 4)
    if ids != expected["input_ids"][0].tolist():
        return not_yet("wrong_words", N_("Not yet: the tokens are not those of the OCR's words. Pass the list of "
                                         "words itself, in the OCR's order, as the processor's `text`."))
    # One box per word: the box of its first piece.
    word_ids = expected.word_ids(0)
    firsts = [word_ids.index(index) for index in range(len(words))]
    got = [bbox[position] for position in firsts]
    if _close(got, [_scaled(c, width, height) for c in corners]):
        return right(N_("Right: each word's pixel box became [x0, y0, x1, y1] on the 0–1000 scale of this "
                        "{width} × {height} page, and every piece of the word shares it."),
                     width=width, height=height)
    if _close(got, [list(c) for c in corners], 0):
        return not_yet("boxes_in_pixels", N_("Not yet: the boxes are still in pixels. LayoutLMv2 reads them on a "
                                             "0–1000 scale whatever the page's size: multiply x by 1000 / width "
                                             "and y by 1000 / height. The processor accepted them only because "
                                             "this page is under 1000 pixels each way; the model would see words in "
                                             "the wrong place."))
    if _close(got, [_scaled((left, top, w, h), width, height) for _word, left, top, w, h in ocr]):
        return not_yet("width_as_corner", N_("Not yet: the OCR gives a word's width and height, not its right "
                                             "and bottom edges. The box is [left, top, left + width, top + "
                                             "height], then scaled to 0–1000."))
    if _close(got, [_scaled(c, height, width) for c in corners]):
        return _axes_swapped(width, height)
    if all(0 <= value <= 1 for box in got for value in box):
        return not_yet("scale_0_to_1", N_("Not yet: the boxes are on a 0–1 scale (and the tokenizer turned "
                                          "them into 0 and 1). LayoutLMv2 wants integers from 0 to 1000: "
                                          "multiply by 1000."))
    return not_yet("wrong_boxes", N_("Not yet: the boxes do not sit where the OCR found the words. The first "
                                     "word, {word}, was at left {left}, top {top}, {w} × {h} pixels on a {width} "
                                     "× {height} page; your box for it is {box}."),
                   word=ocr[0][0], left=ocr[0][1], top=ocr[0][2], w=ocr[0][3], h=ocr[0][4], width=width,
                   height=height, box=got[0])


OCR_BOXES = Exercise(
    id="05.ocr_boxes",
    lesson="05_autoprocessor",
    title=N_("Your own OCR's boxes"),
    task=N_("Another OCR program read a page for you. Like Tesseract, it gives each word with its box in "
            "pixels: `(word, left, top, width, height)`. Write `encode_ocr(processor, page, ocr)`: it returns "
            "the processor's encoding of `page` with these words and their boxes, as tensors "
            "(`return_tensors=\"pt\"`), so that LayoutLMv2 sees every word where it is on the page.\n\n"
            "The processor comes loaded with `apply_ocr=False`. The check gives your function pages of "
            "different sizes, with words it makes up."),
    hint=N_("LayoutLMv2's boxes are `[x0, y0, x1, y1]`, each on a 0–1000 scale: x0 = 1000 × left / width of "
            "the page, x1 = 1000 × (left + width of the word) / width of the page, and the same with the "
            "heights for y. `page.size` is (width, height); `autotutor.ocr.normalize_box` does the scaling "
            "once you have the corners."),
    solution='''\
def encode_ocr(processor, page, ocr):
    width, height = page.size
    words, boxes = [], []
    for word, left, top, w, h in ocr:
        words.append(word)
        boxes.append([int(1000 * left / width), int(1000 * top / height),
                      int(1000 * (left + w) / width), int(1000 * (top + h) / height)])
    return processor(page, words, boxes=boxes, return_tensors="pt")
''',
    check=check_ocr_boxes,
    wrong_example='''\
def encode_ocr(processor, page, ocr):
    words = [word for word, *box in ocr]
    boxes = [[left, top, left + w, top + h] for word, left, top, w, h in ocr]
    return processor(page, words, boxes=boxes, return_tensors="pt")
''',
    wrong_code="boxes_in_pixels",
)


# ---------------------------------------------------------------------------------------------------------------
# 05.piece_boxes
# ---------------------------------------------------------------------------------------------------------------
def _pairs(value: Any) -> list[tuple[str, tuple[int, ...]]] | None:
    """The learner's rows as (piece, box) pairs with int boxes; None when they are not pairs of that kind."""
    try:
        return [(str(piece), tuple(int(v) for v in box)) for piece, box in value]
    except (TypeError, ValueError):
        return None


def _shown(pairs: list[tuple[str, tuple[int, ...]]]) -> str:
    return ", ".join(f"({piece!r}, {box})" for piece, box in pairs)


def check_piece_boxes(answer: object) -> Verdict:
    processor, rng = _processor(), random.Random()
    page = _page(rng)
    words = rng.sample(_WORDS, rng.randint(4, 6))
    boxes = []
    for _word in words:
        x0, y0 = rng.randint(0, 800), rng.randint(0, 950)
        boxes.append([x0, y0, x0 + rng.randint(20, 199), y0 + rng.randint(10, 49)])
    run = attempt(answer, processor, page, list(words), [list(box) for box in boxes])
    if run.verdict is not None:
        return run.verdict
    got = _pairs(run.value)
    if got is None:
        return not_yet("not_pairs", N_("Not yet: return a list of pairs, one per word-piece: the piece (a "
                                       "string such as `##vo`) and its box (4 numbers)."))
    encoding = processor(page, words, boxes=boxes)
    tokens, word_ids, bbox = encoding.tokens(), encoding.word_ids(), encoding["bbox"]
    expected = [(token, tuple(box)) for token, word, box in zip(tokens, word_ids, bbox) if word is not None]
    if got == expected:
        return right(N_("Right: {pieces} word-pieces for {words} words, each piece with its word's box."),
                     pieces=len(expected), words=len(words))
    if got == [(token, tuple(box)) for token, box in zip(tokens, bbox)]:
        return not_yet("special_tokens_kept", N_("Not yet: `[CLS]` and `[SEP]` are in your list, with their "
                                                 "fixed boxes. They belong to no word: leave out the tokens "
                                                 "whose `word_ids()` entry is None."))
    pieces = [token for token, _box in expected]
    if got == [(piece, tuple(box)) for piece, box in zip(pieces, boxes)] or got[:len(boxes)] == [
            (piece, tuple(box)) for piece, box in zip(pieces, boxes)]:
        return not_yet("boxes_by_position", N_("Not yet: the boxes were handed out in order, one per piece, "
                                               "but a word cut into several pieces needs its box several times. "
                                               "`encoding.word_ids()` says which word each token comes from."))
    if [piece for piece, _box in got] == list(words):
        return not_yet("words_not_pieces", N_("Not yet: your list has the words as you gave them, not the "
                                              "tokenizer's word-pieces. Take the pieces from the encoding: "
                                              "`encoding.tokens()`."))
    return not_yet("wrong_pairs", N_("Not yet: for the words {words}, the first pairs should be {expected}; your "
                                     "function gave {got}."),
                   words=", ".join(words), expected=_shown(expected[:3]), got=_shown(got[:3]))


PIECE_BOXES = Exercise(
    id="05.piece_boxes",
    lesson="05_autoprocessor",
    title=N_("Which box for which piece?"),
    task=N_("Write `piece_boxes(processor, page, words, boxes)`: it encodes the page with these words and "
            "boxes (already on the 0–1000 scale) and returns one pair `(piece, box)` for every word-piece, in "
            "order, for example `(\"##vo\", (78, 136, 257, 188))`. Tokens that belong to no word are left out.\n\n"
            "The check makes up the words and their boxes; several of them fall into more than one piece."),
    hint=N_("The encoding knows which word each token comes from: `encoding.word_ids()` gives the word's "
            "number, or None for `[CLS]` and `[SEP]`. Walk along `encoding.tokens()`, `encoding.word_ids()` "
            "and `encoding[\"bbox\"]` together (`zip`)."),
    solution='''\
def piece_boxes(processor, page, words, boxes):
    encoding = processor(page, words, boxes=boxes)
    rows = zip(encoding.tokens(), encoding.word_ids(), encoding["bbox"])
    return [(token, tuple(box)) for token, word, box in rows if word is not None]
''',
    check=check_piece_boxes,
    wrong_example='''\
def piece_boxes(processor, page, words, boxes):
    encoding = processor(page, words, boxes=boxes)
    return [(token, tuple(box)) for token, box in zip(encoding.tokens(), encoding["bbox"])]
''',
    wrong_code="special_tokens_kept",
)

EXERCISES = [OCR_BOXES, PIECE_BOXES]
