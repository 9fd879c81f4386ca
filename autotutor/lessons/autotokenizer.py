"""What lesson 1 (AutoTokenizer) shows, as plain functions: the notebook's cells and the explorer widget call
these, and tests/test_widgets.py checks them without a browser.

    pieces_with_colours(encoding)     one sequence → its word-pieces, ids, special/padding marks and colours
    piece_table(tokenizer, text)      the word-pieces and ids of a text as an aligned table (for print)
    pieces_picture(tokenizer, text)   the same as a picture: each word above its pieces, each piece above its id
    round_trip(tokenizer, text)       text → ids → text, and what (if anything) the trip changed
    checkpoint_origin(repo_id)        where the checkpoint's files came from: the Hub, or the offline course pack
    hobbit_question(), mask_question()    the lesson's check-your-understanding questions

Every sentence comes from the catalogs through `_()` at the moment it is shown, so a language switch
(`autotutor.i18n.set_language`) reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from tokenizers import Encoding

from ..i18n import _, ngettext, printed
from .quiz import QuizQuestion

__all__ = [
    "PALETTE",
    "PADDING_COLOUR",
    "SPECIAL_COLOUR",
    "Piece",
    "RoundTrip",
    "checkpoint_origin",
    "count_tokens",
    "hobbit_question",
    "mask_question",
    "piece_table",
    "pieces_picture",
    "pieces_with_colours",
    "round_trip",
]

# One colour per word: the pieces of one word ("ho", "##bb", "##it") share it, neighbouring words differ.
# Light enough for black text, distinct for colour-blind readers (Okabe-Ito hues, lightened).
PALETTE = ("#fde2b8", "#c6e4f5", "#bfe8d9", "#f9f1a5", "#d2dff2", "#f5cfb6", "#ecd4e4")
SPECIAL_COLOUR = "#d9d9d9"  # [CLS], [SEP], [UNK], [MASK]: added by the tokenizer, not read from the text
PADDING_COLOUR = "#ffffff"  # [PAD]: filler the attention mask hides from the model


class Piece(NamedTuple):
    """One token of an encoded sequence, with what the explorer needs to draw it."""

    text: str  # the word-piece as the vocabulary spells it: "ho", "##bb", "[CLS]"
    id: int  # its row in the vocabulary: the number the model reads
    is_special: bool  # added by the tokenizer ([CLS], [SEP], [PAD]) rather than cut from the text
    colour: str  # background colour: the word's, or SPECIAL_COLOUR / PADDING_COLOUR
    is_padding: bool  # a [PAD] filler (attention mask 0)
    attention: int  # 1: the model looks at this token; 0: padding it ignores
    word: int | None  # which word of the text it came from (None for special and padding tokens)


def pieces_with_colours(encoding: Encoding) -> list[Piece]:
    """The tokens of one encoded sequence (`tokenizer(text)[0]`, or `batch[i]`), coloured by word.

    Example:
        >>> tok = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
        >>> [(p.text, p.id) for p in pieces_with_colours(tok("a hobbit")[0])]  # doctest: +SKIP
        [('[CLS]', 101), ('a', 1037), ('ho', 7570), ('##bb', 10322), ('##it', 4183), ('[SEP]', 102)]
    """
    pieces = []
    for text, token_id, word, special, attention in zip(
        encoding.tokens, encoding.ids, encoding.word_ids, encoding.special_tokens_mask, encoding.attention_mask
    ):
        padding = attention == 0
        if padding:
            colour = PADDING_COLOUR
        elif special or word is None:
            colour = SPECIAL_COLOUR
        else:
            colour = PALETTE[word % len(PALETTE)]
        pieces.append(Piece(text, token_id, bool(special) or padding, colour, padding, attention, word))
    return pieces


def piece_table(tokenizer, text: str) -> str:
    """Each token of `text` on its own line: the word-piece, its id, and a mark on the special ones.

    Example:
        >>> print(piece_table(tok, "a hobbit"))  # doctest: +SKIP
        word-piece     id
        [CLS]         101  special token
        a            1037
        ...
    """
    pieces = pieces_with_colours(tokenizer(text)[0])
    head_piece, head_id = _("word-piece"), _("id")
    width = max(len(head_piece), *(len(p.text) for p in pieces)) + 2
    id_width = max(len(head_id), *(len(str(p.id)) for p in pieces))
    # In Arabic, printed() lays each line out right to left with each cell in its own order.
    lines = [f"{head_piece:<{width}}{head_id:>{id_width}}"]
    for piece in pieces:
        mark = f"  {_('special token')}" if piece.is_special else ""
        lines.append(f"{piece.text:<{width}}{piece.id:>{id_width}}{mark}")
    return printed("\n".join(lines))


def pieces_picture(tokenizer, text: str):
    """Three rows, read top down: the words of `text`, the word-pieces each one became (boxes in the word's
    colour; special tokens grey and hatched, since they come from no word), and under each piece the id the model
    reads. A PIL image; the text is English, so it reads left to right in every language.
    """
    from PIL import Image, ImageDraw

    from . import marks
    from .pictures import font

    encoding = tokenizer(text)[0]
    pieces = pieces_with_colours(encoding)
    labels = [_("text"), _("word-pieces"), _("ids")]
    label_width = 16 + max(int(font(13).getlength(label)) for label in labels)
    widths = [max(font(15).getlength(p.text), font(13).getlength(str(p.id))) + 14 for p in pieces]
    gap, row = 4, 34
    width = int(label_width + sum(widths) + gap * len(pieces))
    image = Image.new("RGB", (width, 3 * row + 8), "white")
    draw = ImageDraw.Draw(image)
    for number, label in enumerate(labels):
        draw.text((4, number * row + row // 2), label, fill="#555555", font=font(13), anchor="lm")
    x, spans = label_width, {}  # word index → (left, right) of its pieces
    for piece, w in zip(pieces, widths):
        box = (x, row + 4, x + w, 2 * row - 4)
        draw.rectangle(box, fill=piece.colour, outline="#888888")
        if piece.is_special:
            marks.hatch(draw, box, "#aaaaaa", spacing=6, width=1)
        draw.text((x + w / 2, row + row // 2), piece.text, fill="black", font=font(15), anchor="mm")
        draw.text((x + w / 2, 2 * row + row // 2), str(piece.id), fill="black", font=font(13), anchor="mm")
        if piece.word is not None:
            left, _right = spans.get(piece.word, (x, x))
            spans[piece.word] = (left, x + w)
        x += w + gap
    for word, (left, right) in spans.items():
        start, end = encoding.word_to_chars(word)
        draw.line([(left, row - 2), (right, row - 2)], fill="#888888", width=1)  # which pieces the word became
        draw.text(((left + right) / 2, row // 2), text[start:end], fill="black", font=font(15), anchor="mm")
    return image


# ---------------------------------------------------------------------------------------------------------------
# The round trip: text → ids → text
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundTrip:
    """What `decode` gives back for a text, and how it compares with what was typed."""

    text: str  # what was typed
    ids: list[int]  # what the model would read
    decoded: str  # tokenizer.decode(ids, skip_special_tokens=True)
    verdict: str  # "identical", "normalized" (case, accents or spaces changed) or "lossy" (something is gone)

    def explanation(self) -> str:
        """One sentence, in the current language, saying what the trip changed."""
        if self.verdict == "identical":
            return _("Identical: decoding gives back exactly the text you typed.")
        if self.verdict == "normalized":
            return _("The same words, normalized: this checkpoint lowercases the text and removes accents "
                     "before cutting it, and decoding gives back that normalized form.")
        return _("Something was lost: characters the vocabulary cannot spell became {unk}, or the text "
                 "was truncated.")

    def __str__(self) -> str:
        return "\n".join([self.text, self.decoded, self.explanation().format(unk="[UNK]")])


def round_trip(tokenizer, text: str, *, ids: list[int] | None = None, max_length: int | None = None) -> RoundTrip:
    """Encode `text` (cut to `max_length` tokens if given; or take the `ids` already made from it), decode the
    ids again, and compare with the text.

    Example:
        >>> round_trip(tok, "Un élève").verdict  # doctest: +SKIP
        'normalized'
    """
    if ids is None:
        ids = tokenizer(text, truncation=max_length is not None, max_length=max_length)["input_ids"]
    ids = list(ids)
    decoded = tokenizer.decode(ids, skip_special_tokens=True)
    return RoundTrip(text, ids, decoded, _verdict(tokenizer, text, ids, decoded))


def _verdict(tokenizer, text: str, ids: list[int], decoded: str) -> str:
    if decoded == text:
        return "identical"
    if tokenizer.unk_token_id in ids:
        return "lossy"
    normalizer = tokenizer.backend_tokenizer.normalizer
    normalized = normalizer.normalize_str(text) if normalizer is not None else text
    # decode puts spaces around punctuation ("l ' ecole"): only the characters themselves are compared
    if "".join(decoded.split()) == "".join(normalized.split()):
        return "normalized"
    return "lossy"


# ---------------------------------------------------------------------------------------------------------------
# Where the files came from
# ---------------------------------------------------------------------------------------------------------------
def checkpoint_origin(repo_id: str) -> str:
    """A line or two saying where `repo_id`'s files come from: the Hub (or your cache), or the offline course pack,
    with the pack's own note of what in its copy is real and what is a stand-in (`autotutor.pack.note`).
    """
    from .. import pack
    from ..checkpoint import open_checkpoint
    from ..constants import TOKENIZER_CONFIG_FILE

    checkpoint = open_checkpoint(repo_id)
    checkpoint.get(TOKENIZER_CONFIG_FILE)  # decides where the files come from (already known after a load)
    if not checkpoint.from_pack:
        return printed(_("{repo_id}: the real files, from the Hugging Face Hub or your cache.").format(repo_id=repo_id))
    note = pack.note(repo_id)  # one of the catalogs' messages: `autotutor i18n extract` reads them from the pack
    return printed("\n".join([
        _("{repo_id}: the Hub cannot be reached, so these files come from the offline course pack.").format(
            repo_id=repo_id),
        _("What the pack says of its copy: {note}").format(note=_(note) if note else ""),
    ]))


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def hobbit_question() -> QuizQuestion:
    """Why "hobbit" became three pieces (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("The tokenizer turned “hobbit” into three pieces: `ho`, `##bb`, `##it`. Why?"),
        choices=(
            _("The word is not in the vocabulary, so WordPiece spells it with pieces that are."),
            _("Every word longer than five letters is cut into three pieces."),
            _("The pieces are chosen at random, so they change from one call to the next."),
            _("The model needs three numbers for every noun."),
        ),
        feedback=(
            _("The vocabulary has 30,522 entries. A word missing from it is spelled with smaller pieces that are "
              "in it, and `##` marks a piece glued to the one before."),
            _("Length is not the rule: “ground” has six letters, like “hobbit”, and stays whole. What counts is "
              "whether the vocabulary contains the word."),
            _("A tokenizer is deterministic: the same text always gives the same pieces and the same ids. "
              "Run the cell again and see."),
            _("A word becomes as many pieces as the vocabulary needs to spell it, noun or not: “ground” is a "
              "single piece."),
        ),
        answer=0,
    )


def mask_question() -> QuizQuestion:
    """What a 0 in the attention mask means (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("In a padded batch, a position of `attention_mask` holds 0. What does it tell the model?"),
        choices=(
            _("That the word at this position is unimportant."),
            _("That this position is a `[PAD]` filler added to make the rows equally long: ignore it."),
            _("That the text was truncated here."),
            _("That this token is a special token such as `[CLS]`."),
        ),
        feedback=(
            _("The mask does not rank words: it is 1 for every real token, however small the word."),
            _("Padding makes the batch rectangular, and the 0s tell the model which positions are filler, so "
              "they change nothing in its result."),
            _("Truncation removes tokens, it does not mark them: nothing of a cut text is left to point at."),
            _("`[CLS]` and `[SEP]` are real inputs that the model was trained with, so their mask is 1."),
        ),
        answer=1,
    )


def count_tokens(n: int) -> str:
    """ "15 tokens" in the current language (Arabic has six plural forms)."""
    return ngettext("{n} token", "{n} tokens", n).format(n=n)
