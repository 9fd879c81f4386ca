"""The generation explorer of lesson 8: write text one token at a time, and watch the distribution the next
token comes from before and after each filter (temperature, top-k, top-p).

    stages_html(stages, tokenizer)                  the four distributions as bars, as HTML in the current language
    GenerationExplorer(model, tokenizer, prompt)    the widget: sliders for the filters, greedy or sampled (seeded),
                                                    a button that appends the next token, and a reset

The model runs once per token; moving a slider only re-applies the filters to the scores it already has.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..i18n import _, ngettext, number, on_language_change
from ..lessons.automodelforcausallm import (
    Stage,
    choose_next,
    filtered_distributions,
    next_token_logits,
    top_candidates,
)
from ._html import TooltipBox, code, container, follow_direction, plain, prose

__all__ = ["GenerationExplorer", "stages_html"]

_BAR = "#56b4e9"  # Okabe-Ito sky blue
SHOWN = 8  # bars per distribution


def _stage_title(stage: Stage) -> str:
    return {"model": _("the model's distribution"), "temperature": _("after the temperature"),
            "top-k": _("after top-k"), "top-p": _("after top-p")}[stage.name]


def _stage_html(stage: Stage, tokenizer: Any) -> str:
    rows = []
    for candidate in top_candidates(tokenizer, stage.probabilities, SHOWN):
        width = round(candidate.probability * 140)
        rows.append(f"<tr><td style='text-align:end;padding:0 6px'>{code(candidate.text)}</td>"
                    f'<td style="padding:0 6px"><span style="display:inline-block;width:{width}px;height:0.8em;'
                    f'background:{_BAR}"></span> {number(candidate.probability, 3)}</td></tr>')
    setting = f" {code(stage.setting)}" if stage.setting else ""
    kept = ngettext("{count} token can be chosen", "{count} tokens can be chosen", stage.kept).format(
        count=number(stage.kept))
    return (f'<div style="display:inline-block;vertical-align:top;margin:0 12px 8px 0">'
            f"<b>{html.escape(_stage_title(stage))}</b>{setting}<br><small>{html.escape(kept)}</small>"
            f"<table>{''.join(rows)}</table></div>")


def stages_html(stages: list[Stage], tokenizer: Any) -> str:
    """Every stage side by side, each with its best tokens as bars and how many tokens it leaves."""
    return container("".join(_stage_html(stage, tokenizer) for stage in stages))


class GenerationExplorer(widgets.VBox):
    """Step through generation: the text so far, the filters, and the distributions they make.

    Args:
        model: a causal language model (`AutoModelForCausalLM`).
        tokenizer: its tokenizer.
        prompt: the text to start from (the chat template is not applied: the model continues this text).
        seed: the seed of the draws; the reset button starts the draws again from it.
    """

    def __init__(self, model: Any, tokenizer: Any, prompt: str, *, seed: int = 0) -> None:
        import torch

        self.model, self.tokenizer, self.prompt, self.seed = model, tokenizer, prompt, seed
        self._generator = torch.Generator().manual_seed(seed)
        self._prompt_ids = tokenizer(prompt, return_tensors="pt")["input_ids"]  # (1, T)
        self.ids = self._prompt_ids
        self._logits = next_token_logits(model, self.ids)  # the model runs once per token
        self._intro = widgets.HTML()
        self._text = widgets.HTML()
        slider = {"style": {"description_width": "initial"}, "continuous_update": False}
        self._temperature = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, **slider)
        self._top_k = widgets.IntSlider(value=0, min=0, max=50, step=1, **slider)
        self._top_p = widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, **slider)
        # The arguments as written in code, so the same in every language.
        self._mode = widgets.ToggleButtons(options=[("do_sample=False", False), ("do_sample=True", True)])
        self._next = widgets.Button(icon="plus")
        self._reset = widgets.Button(icon="undo")
        self._bars = widgets.HTML()
        controls = [TooltipBox(self._temperature), TooltipBox(self._top_k), TooltipBox(self._top_p)]
        super().__init__([self._intro, self._text, *controls, TooltipBox(self._mode),
                          widgets.HBox([self._next, self._reset]), self._bars])
        self.add_class("autotutor-generation-explorer")  # a stable hook for the page's tests and styles
        for control in (self._temperature, self._top_k, self._top_p):
            control.observe(self._redraw, names="value")
        self._next.on_click(lambda _button: self.step())
        self._reset.on_click(lambda _button: self.reset())
        on_language_change(self._relabel)
        self._relabel()

    # What the buttons do ------------------------------------------------------------------------------------
    def stages(self) -> list[Stage]:
        """The distributions of the next token with the filters as the sliders set them."""
        return filtered_distributions(self._logits, temperature=self._temperature.value, top_k=self._top_k.value,
                                      top_p=self._top_p.value)

    def step(self) -> int:
        """Choose the next token (the best one, or a seeded draw from the last distribution), append it, and run
        the model once on the longer text. Returns the token's id."""
        import torch

        token_id = choose_next(self.stages()[-1], sample=self._mode.value, generator=self._generator)
        self.ids = torch.cat([self.ids, torch.tensor([[token_id]])], dim=-1)
        self._logits = next_token_logits(self.model, self.ids)
        self._redraw()
        return token_id

    def reset(self) -> None:
        """Back to the prompt alone, and the draws back to their seed."""
        self._generator.manual_seed(self.seed)
        self.ids = self._prompt_ids
        self._logits = next_token_logits(self.model, self.ids)
        self._redraw()

    # Drawing -------------------------------------------------------------------------------------------------
    def _relabel(self, lang: str | None = None) -> None:
        self._intro.value = container(prose(_(
            "Set the filters, then add a token: with `do_sample=False` the most likely one (greedy), with "
            "`do_sample=True` one drawn from the last distribution on the right. The bars show each distribution's "
            "most likely tokens.")))
        self._temperature.description = "temperature"  # the arguments as written in code, in every language
        self._top_k.description = "top_k"
        self._top_p.description = "top_p"
        self._temperature.tooltip = plain(_("Below 1 the best tokens grow likelier; above 1 the choice widens"))
        self._top_k.tooltip = plain(_("Keep the k most likely tokens; 0 turns the filter off"))
        self._top_p.tooltip = plain(_("Keep the fewest best tokens whose probabilities add up to top_p; 1 turns "
                                      "the filter off"))
        self._mode.tooltip = plain(_("Greedy takes the best token; sampling draws one, seeded so the lesson "
                                     "repeats"))
        self._next.description = _("Add the next token")
        self._next.tooltip = plain(_("Choose a token, append it to the text and run the model again"))
        self._reset.description = _("Reset")
        self._reset.tooltip = plain(_("Back to the prompt, and the draws back to their seed"))
        follow_direction(self)
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        prompt_length = self._prompt_ids.shape[1]
        prompt = self.tokenizer.decode(self.ids[0, :prompt_length])
        new = self.tokenizer.decode(self.ids[0, prompt_length:])
        new_count = self.ids.shape[1] - prompt_length
        count = ngettext("{count} new token", "{count} new tokens", new_count).format(count=number(new_count))
        self._text.value = container(
            f'<p dir="auto" style="white-space:pre-wrap;font-family:monospace">{html.escape(prompt)}'
            f'<b style="background:#fdc98a">{html.escape(new)}</b></p><small>{html.escape(count)}</small>')
        self._bars.value = stages_html(self.stages(), self.tokenizer)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"GenerationExplorer({self.prompt!r})"
