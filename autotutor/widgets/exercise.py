"""How an exercise shows itself below a cell: its task, a verdict, a hint, a solution.

Each is a `Shown`: HTML for the notebook (in the current language, right to left in Arabic through `container`)
and a plain-text form that is also what nbval compares (`__repr__`, made with `i18n.printed`). A verdict carries
a mark as well as a colour, ✔ or ✘, so it reads the same without colour (`lessons/marks.py` draws the same two
signs in pictures).

    task_view(exercise)          the title and the task
    verdict_view(verdict)        ✔ Right. / ✘ Not yet: … why …
    hint_view(exercise)          the hint
    solution_view(exercise)      a correct answer, as a block of code
"""

from __future__ import annotations

import html
import re

from ..i18n import _, bdi, printed
from ..lessons.exercises.base import Exercise, Verdict
from ._html import container, prose

__all__ = ["Shown", "hint_view", "markdown_html", "solution_view", "task_view", "verdict_view"]

RIGHT_MARK, WRONG_MARK = "✔", "✘"
RIGHT_COLOUR, WRONG_COLOUR = "#1a7f37", "#c62828"  # the quiz's: green and red, each with its mark
# text-align: start, so that a page whose output area aligns left (the website's) still starts Arabic on the right
_BOX = "border-inline-start:4px solid {colour};padding:2px 10px;margin:4px 0;text-align:start"


class Shown:
    """Something a notebook displays: `html` for JupyterLab, `text` where only plain text is shown."""

    def __init__(self, html_text: str, text: str) -> None:
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def markdown_html(text: str) -> str:
    """The little Markdown the tasks use: paragraphs, `- ` lists, `inline code`, **bold**."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "".join(blocks)


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", prose(text))


def _plain_markdown(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def task_view(exercise: Exercise) -> Shown:
    title = _(exercise.title)
    body = (f'<div style="{_BOX.format(colour="#6e7781")}"><p><b>{html.escape(_("Exercise"))} '
            f"{bdi(exercise.id)} · {html.escape(title)}</b></p>{markdown_html(_(exercise.task))}</div>")
    return Shown(container(body), f"Exercise({exercise.id!r})")


def verdict_view(verdict: Verdict) -> Shown:
    mark, colour = (RIGHT_MARK, RIGHT_COLOUR) if verdict.passed else (WRONG_MARK, WRONG_COLOUR)
    text = verdict.text()
    body = (f'<div role="status" style="{_BOX.format(colour=colour)}"><p>'
            f'<span style="color:{colour};font-weight:bold">{mark}</span> {prose(text)}</p></div>')
    return Shown(container(body), printed(f"{mark} {text}"))


def hint_view(exercise: Exercise) -> Shown:
    label, hint = _("Hint:"), _(exercise.hint)
    body = f"<p><b>{html.escape(label)}</b> {_inline(hint)}</p>"
    return Shown(container(body), printed(f"{label} {_plain_markdown(hint)}"))


def solution_view(exercise: Exercise) -> Shown:
    """A correct answer: code, laid out left to right in every language (its comments are English)."""
    label = _("One possible solution:")
    body = (f"<p><b>{html.escape(label)}</b></p>"
            f'<pre dir="ltr" lang="en"><code class="language-python">{html.escape(exercise.solution.strip())}'
            "</code></pre>")
    return Shown(container(body), printed(label) + "\n" + exercise.solution.strip())
