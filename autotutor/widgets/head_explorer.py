"""The head explorer of lesson 6: type a sentence, pick a head, see its logits turned into probabilities.

    predictions_html(model, tokenizer, text)    the table for one head, as HTML in the current language
    HeadExplorer(tokenizer, heads)              the widget; `heads` maps a name shown in the menu to a model
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..lessons.automodel import sequence_predictions, token_predictions
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["HeadExplorer", "predictions_html"]

_BAR = "#56b4e9"  # Okabe-Ito sky blue


def _bar(probability: float) -> str:
    width = round(probability * 120)
    return (f'<span style="display:inline-block;width:{width}px;height:0.8em;background:{_BAR}"></span> '
            f"{probability:.3f}")


def predictions_html(model: Any, tokenizer: Any, text: str) -> str:
    """The head's output for `text`: one row per label (sequence head) or per token (token head)."""
    if not text.strip():
        return container("<p>" + html.escape(_("Type a sentence above to see what the head makes of it.")) + "</p>")
    is_sequence = "TokenClassification" not in type(model).__name__  # one row per label, not per token
    cell = "<td style='text-align:start;padding:0 8px'>{}</td>"
    if is_sequence:
        rows: list[Any] = sequence_predictions(model, tokenizer, text)
        head = (_("label"), _("logit"), _("probability"))
        body = "".join("<tr>" + cell.format(code(r.label)) + cell.format(f"{r.logit:.3f}")
                       + cell.format(_bar(r.probability)) + "</tr>" for r in rows)
        explain = _("softmax turns the logits into probabilities that add up to 1; `id2label` gives each "
                    "position its name.")
    else:
        rows = token_predictions(model, tokenizer, text)
        head = (_("token"), _("label"), _("probability"))
        body = "".join("<tr>" + cell.format(code(r.token)) + cell.format(code(r.label))
                       + cell.format(_bar(r.probability)) + "</tr>" for r in rows)
        explain = _("One prediction per token: for each one, the most probable label and its probability.")
    header = "".join(f"<th style='text-align:start;padding:0 8px'>{html.escape(h)}</th>" for h in head)
    warning = _("This head is NEW: its weights were initialized at random and never trained, so these "
                "predictions are arbitrary. They only show the mechanics.")
    return container(f"<p>{code(type(model).__name__)}</p><table><tr>{header}</tr>{body}</table>"
                     f"<p>{prose(explain)}</p>"
                     f'<p style="color:#a15c00">⚠ {prose(warning)}</p>')


class HeadExplorer(widgets.VBox):
    """A sentence box, a menu of heads, and the table of logits and probabilities.

    Args:
        tokenizer: the checkpoint's tokenizer.
        heads: menu name → model, e.g. {"AutoModelForSequenceClassification": model, ...}.
        text: the sentence shown first.
    """

    def __init__(self, tokenizer: Any, heads: dict[str, Any], text: str = "") -> None:
        self.tokenizer = tokenizer
        self.heads = dict(heads)
        self._prompt = widgets.HTML()
        self._text = widgets.Text(value=text, continuous_update=False, style={"description_width": "initial"},
                                  layout=widgets.Layout(width="100%"))
        self._head = widgets.Dropdown(options=list(self.heads), style={"description_width": "initial"},
                                      layout=widgets.Layout(width="auto"))
        self._table = widgets.HTML()
        super().__init__([self._prompt, TooltipBox(self._text, layout=widgets.Layout(width="100%")),
                          TooltipBox(self._head), self._table])
        self.add_class("autotutor-head-explorer")  # a stable hook for the page's tests and styles
        for control in (self._text, self._head):
            control.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Type a sentence and pick a head: the table shows its logits and "
                                               "the probabilities softmax makes of them.")))
        self._text.placeholder = _("I loved this film.")
        self._text.description = _("Sentence")
        self._head.description = _("Head")
        self._head.tooltip = _("The Auto class that built the model, and so its head")
        self._text.tooltip = _("The sentence the model reads")
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        self._table.value = self.html()

    def html(self) -> str:
        return predictions_html(self.heads[self._head.value], self.tokenizer, self._text.value)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"HeadExplorer({list(self.heads)!r})"
