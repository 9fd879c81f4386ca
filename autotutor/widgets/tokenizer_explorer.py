"""The tokenizer explorer: type any text (or several, one per line, for a batch) and see what a tokenizer makes
of it: the word-pieces coloured by word, their ids, the special tokens, the attention mask, what padding and
truncation do to a batch, and the round trip back through `decode`.

    explorer_html(tokenizer, texts, padding=True, truncation=True, max_length=8)   the picture, as HTML
    TokenizerExplorer(tokenizer, "In a hole in the ground there lived a hobbit.")  the widget around it

The controls are named after the arguments they set (`padding=True`, `truncation=True`, `max_length`), and the
picture starts with the call it shows, so what a learner tries here is what they write in code.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..lessons.autotokenizer import Piece, count_tokens, pieces_with_colours, round_trip
from ._html import TooltipBox, code, container, follow_direction, plain, prose

__all__ = ["MAX_TEXTS", "PADDING_OPTIONS", "TokenizerExplorer", "call_text", "explorer_html"]

# The padding dropdown: each label is the argument as written in code, so it is the same in every language.
PADDING_OPTIONS = (("padding=False", False), ("padding=True", True), ("padding='max_length'", "max_length"))
MAX_LENGTH_RANGE = (2, 64)
MAX_TEXTS = 8  # a pasted page would make a picture nobody can read
_CELL = "padding:2px 6px;text-align:center;font-family:monospace;white-space:pre;"


def _texts(text: str | list[str]) -> list[str]:
    """The non-blank lines of the text box (or the list given), each one text of the batch."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    return [line for line in lines if line.strip()]


def call_text(texts: list[str], *, padding: bool | str, truncation: bool, max_length: int,
              add_special_tokens: bool = True) -> str:
    """The tokenizer call the picture shows, as code: `tokenizer(texts, padding=True, max_length=8, ...)`."""
    args = [repr(texts[0]) if len(texts) == 1 else "texts"]
    if not add_special_tokens:
        args.append("add_special_tokens=False")
    if padding is not False:
        args.append(f"padding={padding!r}")
    if truncation:
        args.append("truncation=True")
    if truncation or padding == "max_length":
        args.append(f"max_length={max_length}")
    return f"tokenizer({', '.join(args)})"


def _piece_cell(piece: Piece, number: int) -> str:
    if piece.is_padding:
        tip, border = _("padding: filler the model ignores"), "1px dashed #999;color:#777"
    elif piece.is_special:
        tip, border = _("special token, added by the tokenizer"), "2px solid #555;font-weight:bold"
    else:
        tip, border = _("a piece of word {number} of the text").format(number=number), "1px solid #bbb"
    return (f'<td title="{html.escape(tip)}" style="{_CELL}background:{piece.colour};border:{border}">'
            f'<bdi dir="ltr">{html.escape(piece.text)}</bdi></td>')


def _sequence_table(pieces: list[Piece]) -> str:
    """One column per token: the word-piece, its id, its attention mask. Always left to right, like the lists."""
    label = f'<th style="{_CELL}text-align:left">'
    rows = [
        label + html.escape(_("word-piece")) + "</th>"
        + "".join(_piece_cell(p, (p.word or 0) + 1) for p in pieces),
        label + "<code>input_ids</code></th>" + "".join(f'<td style="{_CELL}">{p.id}</td>' for p in pieces),
        label + "<code>attention_mask</code></th>"
        + "".join(f'<td style="{_CELL}{"" if p.attention else "color:#c00;font-weight:bold"}">{p.attention}</td>'
                  for p in pieces),
    ]
    return ('<div dir="ltr" style="overflow-x:auto"><table style="border-collapse:separate;border-spacing:2px">'
            + "".join(f"<tr>{row}</tr>" for row in rows) + "</table></div>")


def _legend() -> str:
    swatch = '<span style="{}padding:0 6px;margin:0 4px"><bdi dir="ltr">{}</bdi></span>'
    return "<p>" + " ".join([
        swatch.format("background:#fde2b8;border:1px solid #bbb;", "ho")
        + swatch.format("background:#fde2b8;border:1px solid #bbb;", "##bb")
        + html.escape(_("one colour per word: its pieces share it")),
        swatch.format("background:#d9d9d9;border:2px solid #555;font-weight:bold;", "[CLS]")
        + html.escape(_("special token")),
        swatch.format("border:1px dashed #999;color:#777;", "[PAD]") + html.escape(_("padding")),
    ]) + "</p>"


def explorer_html(tokenizer: Any, text: str | list[str], *, padding: bool | str = False, truncation: bool = False,
                  max_length: int = 16, add_special_tokens: bool = True) -> str:
    """What the explorer shows for `text` (one text per line) with these options, as HTML in the current language.

    Example:
        >>> html = explorer_html(tok, "a hobbit\\nIn a hole", padding=True)  # doctest: +SKIP
    """
    texts = _texts(text)
    dropped = len(texts) - MAX_TEXTS
    texts = texts[:MAX_TEXTS]
    if not texts:
        return container("<p>" + html.escape(_("Type a text above to see its tokens.")) + "</p>")
    batch = tokenizer(texts, padding=padding, truncation=truncation, add_special_tokens=add_special_tokens,
                      max_length=max_length if truncation or padding == "max_length" else None)
    parts = ["<p>" + code(call_text(texts, padding=padding, truncation=truncation, max_length=max_length,
                                    add_special_tokens=add_special_tokens)) + "</p>", _legend()]
    if dropped > 0:
        parts.append("<p>" + html.escape(_("Only the first {count} lines are shown.").format(count=MAX_TEXTS)) + "</p>")
    lengths = {len(ids) for ids in batch["input_ids"]}
    if len(texts) > 1:
        if len(lengths) == 1:
            parts.append("<p>" + prose(_("Every row is {tokens} long: the batch is a rectangle, as a model "
                                         "needs.")).format(tokens=count_tokens(next(iter(lengths)))) + "</p>")
        else:
            parts.append("<p>" + prose(_("The rows have different lengths. A model needs a rectangle: choose "
                                         "`padding=True`.")) + "</p>")
    for number, line in enumerate(texts, start=1):
        encoding = batch[number - 1]
        pieces = pieces_with_colours(encoding)
        heading = _("Text {number}: {tokens}").format(number=number, tokens=count_tokens(len(pieces)))
        parts.append(f"<h4>{html.escape(heading)}</h4>")
        if encoding.overflowing:
            parts.append("<p>" + prose(_("Truncated: `truncation=True` cut this text to `max_length` tokens; "
                                         "the rest is dropped.")) + "</p>")
        parts.append(_sequence_table(pieces))
        trip = round_trip(tokenizer, line, ids=[p.id for p in pieces if not p.is_padding])
        parts.append(
            "<p>" + code("tokenizer.decode(input_ids, skip_special_tokens=True)") + " → "
            + code(trip.decoded) + "<br>" + prose(trip.explanation()).format(unk=code("[UNK]")) + "</p>"
        )
    return container("".join(parts))


class TokenizerExplorer(widgets.VBox):
    """A text box, the padding / truncation / max_length / add_special_tokens controls, and the picture of what
    the tokenizer does.

    Args:
        tokenizer: any autotutor (or transformers) tokenizer, e.g. `AutoTokenizer.from_pretrained(...)`.
        text: the text shown first; several lines make a batch.
        padding, truncation, max_length: the controls' first settings.
    """

    def __init__(self, tokenizer: Any, text: str = "", *, padding: bool | str = False, truncation: bool = False,
                 max_length: int = 16) -> None:
        self.tokenizer = tokenizer
        self._prompt = widgets.HTML()
        # Each control's description is its visible label and its name for a screen reader; the TooltipBox
        # around it shows its tooltip (see `TooltipBox`).
        self._text = widgets.Textarea(value=text, rows=3, style={"description_width": "initial"},
                                      layout=widgets.Layout(width="100%"))
        self._padding = widgets.Dropdown(options=PADDING_OPTIONS, value=padding, style={"description_width": "initial"},
                                         layout=widgets.Layout(width="auto"))
        # Toggle buttons rather than checkboxes: a button shows its tooltip whatever its text, and its text is the
        # argument as written in code, `truncation=False` or `truncation=True`, so its name says its state.
        self._truncation = widgets.ToggleButton(value=truncation, layout=widgets.Layout(width="auto"))
        # A number box, not a slider: ipywidgets' slider handle has no accessible name and stays reachable with
        # Tab while disabled; a disabled <input> is skipped.
        self._max_length = widgets.BoundedIntText(value=max_length, min=MAX_LENGTH_RANGE[0],
                                                  max=MAX_LENGTH_RANGE[1], description="max_length",
                                                  style={"description_width": "initial"},
                                                  layout=widgets.Layout(width="11em"))
        self._special = widgets.ToggleButton(value=True, layout=widgets.Layout(width="auto"))
        self._picture = widgets.HTML()
        controls = widgets.HBox([TooltipBox(self._padding), self._truncation, TooltipBox(self._max_length),
                                 self._special], layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        text_row = TooltipBox(self._text, layout=widgets.Layout(width="100%"))
        super().__init__([self._prompt, text_row, controls, self._picture])
        self.add_class("autotutor-tokenizer-explorer")  # a stable hook for the page's tests and styles
        for control in (self._text, self._padding, self._truncation, self._max_length, self._special):
            control.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        """Put every label and tooltip in the current language, then redraw."""
        self._prompt.value = container(prose(_("Type a text, or several: one line per text makes a batch. "
                                               "French and Arabic work too.")))
        self._text.placeholder = _("In a hole in the ground there lived a hobbit.")
        self._text.description = _("Texts")
        self._padding.description = _("padding")
        self._text.tooltip = _("One text per line: each line is a sequence of the batch")
        self._padding.tooltip = plain(_("Pad the shorter texts with `[PAD]` so every row has the same length"))
        self._truncation.tooltip = plain(_("Cut every text longer than `max_length` tokens"))
        self._max_length.tooltip = plain(_("The length that truncation cuts to, and that `padding='max_length'` pads to"))
        self._special.tooltip = plain(_("Add `[CLS]` at the start and `[SEP]` at the end, as BERT was trained"))
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        self._truncation.description = f"truncation={self._truncation.value}"
        self._special.description = f"add_special_tokens={self._special.value}"
        self._max_length.disabled = not (self._truncation.value or self._padding.value == "max_length")
        self._picture.value = self.html()

    def html(self) -> str:
        """The picture for the current text and settings (what the widget shows)."""
        return explorer_html(self.tokenizer, self._text.value, padding=self._padding.value,
                             truncation=self._truncation.value, max_length=self._max_length.value,
                             add_special_tokens=self._special.value)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"TokenizerExplorer({getattr(self.tokenizer, 'name_or_path', '')!r})"
