"""The registry explorer of lesson 0: pick a checkpoint and an Auto class, see which file was read, which key and
value, which class the registry chose (or its refusal), and the picture of the path the call takes.

    decision_html(decision)    the decision as HTML in the current language (tests call it without a browser)
    RegistryExplorer()         the widget
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..lessons.introduction import AUTO_CLASSES, CHECKPOINTS, draw_call_path, registry_decision
from ..lessons.pictures import png
from ._html import TooltipBox, code, container, follow_direction, prose

__all__ = ["RegistryExplorer", "decision_html"]


def decision_html(decision: dict[str, Any]) -> str:
    """A small table: the file read, the key and its value, the task asked for, the class chosen or the refusal."""
    where = (_("the offline course pack") if decision["from_pack"] else _("the Hugging Face Hub or your cache"))
    rows = [
        (_("File read"), code(decision["file"]) + " — " + html.escape(where)
         + f'<br><small>{code(decision["file_path"])}</small>'),
        (_("Key and value"), code(f'"{decision["key"]}": "{decision["value"]}"')),
        (_("Task asked for"), code(decision["auto_class"]) + " → " + code(decision["task"])),
    ]
    if decision["error"]:
        rows.append((_("Decision"), '<span style="color:#c62828;font-weight:bold">✘ '
                     + html.escape(_("The registry refuses: {error_type}").format(error_type=decision["error_type"]))
                     + "</span><br>" + code(decision["error"])))
    else:
        rows.append((_("Decision"), '<span style="color:#1a7f37;font-weight:bold">✔</span> '
                     + code(decision["model_class"])))
    body = "".join(f"<tr><th style='text-align:start'>{html.escape(head)}</th><td style='text-align:start'>{cell}"
                   "</td></tr>" for head, cell in rows)
    call = f'{decision["auto_class"]}.from_pretrained("{decision["repo_id"]}")'
    return container(f"<p>{code(call)}</p><table>{body}</table>")


class RegistryExplorer(widgets.VBox):
    """Two menus (checkpoint, Auto class), the registry's decision, and the picture of the call's path."""

    def __init__(self, repo_id: str = CHECKPOINTS[0], auto_class: str = "AutoModel") -> None:
        self._prompt = widgets.HTML()
        self._checkpoint = widgets.Dropdown(options=list(CHECKPOINTS), value=repo_id,
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="auto"))
        self._auto_class = widgets.Dropdown(options=list(AUTO_CLASSES), value=auto_class,
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="auto"))
        self._decision = widgets.HTML()
        self._picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        controls = widgets.HBox([TooltipBox(self._checkpoint), TooltipBox(self._auto_class)],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([self._prompt, controls, self._decision, self._picture])
        self.add_class("autotutor-registry-explorer")  # a stable hook for the page's tests and styles
        for control in (self._checkpoint, self._auto_class):
            control.observe(self._redraw, names="value")
        on_language_change(self._relabel)
        self._relabel()

    def _relabel(self, lang: str | None = None) -> None:
        self._prompt.value = container(prose(_("Pick a checkpoint and an Auto class: the registry decides which "
                                               "class `from_pretrained` would build, before any weight is read.")))
        self._checkpoint.description = _("Checkpoint")
        self._auto_class.description = _("Auto class")
        self._checkpoint.tooltip = _("A checkpoint of the course pack, by its Hub id")
        self._auto_class.tooltip = _("The Auto class you would call: it names the task")
        follow_direction(self)
        self._redraw()

    def decision(self) -> dict[str, Any]:
        return registry_decision(self._checkpoint.value, self._auto_class.value)

    def _redraw(self, change: dict | None = None) -> None:
        decision = self.decision()
        self._decision.value = decision_html(decision)
        self._picture.value = png(draw_call_path(decision))

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"RegistryExplorer({self._checkpoint.value!r}, {self._auto_class.value!r})"
