"""The document explorer: pick a page of the course pack and see what the processor reads on it: the OCR's boxes
drawn on the page, and each word with its word-pieces and its box.

    table_html(rows, ocr_lang=...)            the words, word-pieces and boxes of a page, as HTML
    DocumentExplorer(checkpoint)              the widget: a page menu, the page with its boxes, the table

OCR takes about a second a page, so each page is read once and kept.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
from PIL import Image

from ..i18n import _, ngettext, on_language_change
from ..lessons.autoprocessor import BOX_COLOURS, DOCUMENTS, WordRow, boxes_image, word_rows
from ..lessons.pictures import png
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["DocumentExplorer", "table_html"]

_CELL = "padding:2px 8px;border-bottom:1px solid #eee;"


def table_html(rows: list[WordRow], *, ocr_lang: str) -> str:
    """The call that read the page, and one table row per word: its number (in the colour of its box on the
    page), the word, its word-pieces and its box, in the current language."""
    head = "".join(f'<th style="{_CELL}">{html.escape(text)}</th>'
                   for text in ("#", _("word"), _("word-pieces"), _("box (0–1000)")))
    body = []
    for row in rows:
        r, g, b = BOX_COLOURS[row.index % len(BOX_COLOURS)]
        pieces = " ".join(code(piece) for piece in row.pieces)
        body.append(
            f'<tr><td style="{_CELL}color:rgb({r},{g},{b});font-weight:bold">{row.index}</td>'
            f'<td style="{_CELL}"><bdi>{html.escape(row.word)}</bdi></td>'
            f'<td style="{_CELL}" dir="ltr">{pieces}</td>'
            f'<td style="{_CELL}font-family:monospace" dir="ltr">{list(row.box)}</td></tr>'
        )
    count = (ngettext("The OCR found {count} word.", "The OCR found {count} words.", len(rows)).format(count=len(rows))
             if rows else _("The OCR found no words."))
    return container(
        "<p>" + code(f"AutoProcessor.from_pretrained(checkpoint, ocr_lang={ocr_lang!r})") + "</p>"
        + "<p>" + html.escape(count) + "</p>"
        + f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(body)}</table>'
    )


class DocumentExplorer(widgets.VBox):
    """A page menu, the page with the OCR's boxes drawn on it, and the table of words, word-pieces and boxes.

    Args:
        checkpoint: the processor's checkpoint, e.g. "microsoft/layoutlmv2-base-uncased".
        document: the language code of the page shown first ("en", "fr" or "ar").
    """

    def __init__(self, checkpoint: str, *, document: str = "fr") -> None:
        self.checkpoint = checkpoint
        self._readings: dict[str, tuple[Image.Image, list[WordRow]]] = {}  # language → page, words (OCR is slow)
        self._prompt = widgets.HTML()
        self._menu = widgets.Dropdown(options=[(name, lang) for lang, (name, _code) in DOCUMENTS.items()],
                                      value=document, style={"description_width": "initial"},
                                      layout=widgets.Layout(width="auto"))
        self._picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._table = widgets.HTML()
        super().__init__([self._prompt, TooltipBox(self._menu), self._picture, self._table])
        self.add_class("autotutor-document-explorer")  # a stable hook for the page's tests and styles
        self._menu.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def read(self, lang: str) -> tuple[Image.Image, list[WordRow]]:
        """The page of language `lang` and its words, read with that language's OCR (once, then kept)."""
        if lang not in self._readings:
            from .. import AutoProcessor
            from ..pack import sample_file

            name, ocr_lang = DOCUMENTS[lang]
            processor = AutoProcessor.from_pretrained(self.checkpoint, ocr_lang=ocr_lang)
            page = Image.open(sample_file(name)).convert("RGB")
            found = processor.image_processor(page)
            words, boxes = found["words"][0], found["boxes"][0]
            self._readings[lang] = (boxes_image(page, boxes), word_rows(processor.tokenizer, words, boxes))
        return self._readings[lang]

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Pick a page: the OCR reads it in its own language, and the "
                                               "tokenizer cuts each word into word-pieces that keep the word's box.")))
        self._menu.description = _("Page")
        self._menu.tooltip = _("A document image of the course pack")
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        page, rows = self.read(self._menu.value)
        self._picture.value = png(page)
        self._table.value = table_html(rows, ocr_lang=DOCUMENTS[self._menu.value][1])

    def html(self) -> str:
        """The table shown for the current page (what a test reads)."""
        return self._table.value

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"DocumentExplorer({DOCUMENTS[self._menu.value][0]!r})"
