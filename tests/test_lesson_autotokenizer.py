"""Lesson 1's picture of a sentence: each word above its pieces, each piece above its id."""

from __future__ import annotations

from autotutor import AutoTokenizer
from autotutor.lessons.autotokenizer import SPECIAL_COLOUR, pieces_picture, pieces_with_colours


def test_the_picture_has_one_box_per_piece_in_its_words_colour(minilm_dir):
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    text = "a hobbit"
    picture = pieces_picture(tokenizer, text)
    pieces = pieces_with_colours(tokenizer(text)[0])
    assert [p.text for p in pieces] == ["[CLS]", "a", "ho", "##bb", "##it", "[SEP]"]
    colours = {picture.getpixel((x, 50)) for x in range(picture.width)}  # the row of pieces
    for piece in pieces:
        rgb = tuple(int(piece.colour[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, piece
    assert tuple(int(SPECIAL_COLOUR[i:i + 2], 16) for i in (1, 3, 5)) in colours
    longer = pieces_picture(tokenizer, "a hobbit and a dwarf")
    assert longer.width > picture.width and longer.height == picture.height
