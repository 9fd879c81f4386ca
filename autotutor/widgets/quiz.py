"""A check-your-understanding question: pick an answer, press the button, read why it is right or not.

    question_html(question)            the question, as HTML in the current language
    feedback_html(question, choice)    what the learner reads after choosing `choice` (None: nothing chosen yet)
    Quiz(hobbit_question)              the widget; it takes a function that builds the question, so that a
                                       language switch can build it again in the new language
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..lessons.quiz import QuizQuestion
from ._html import TooltipBox, container, follow_direction, plain, prose

__all__ = ["Quiz", "feedback_html", "question_html"]


def question_html(question: QuizQuestion) -> str:
    return container(f"<p><b>{prose(question.question)}</b></p>")


def feedback_html(question: QuizQuestion, choice: int | None) -> str:
    """✔ or ✘ and the feedback written for `choice`; a reminder to pick one when `choice` is None."""
    if choice is None:
        return container("<p>" + html.escape(_("Pick an answer first.")) + "</p>")
    right = choice == question.answer
    verdict = _("Correct!") if right else _("Not this one.")
    colour, mark = ("#1a7f37", "✔") if right else ("#c62828", "✘")
    return container(f'<p><span style="color:{colour};font-weight:bold">{mark} {html.escape(verdict)}</span> '
                     f"{prose(question.feedback[choice])}</p>")


class Quiz(widgets.VBox):
    """The question, its choices as radio buttons, a button to check, and the feedback.

    Args:
        make_question: builds the `QuizQuestion` in the current language (e.g. `hobbit_question`).
    """

    def __init__(self, make_question: Callable[[], QuizQuestion]) -> None:
        self._make_question = make_question
        self._question_box = widgets.HTML()
        self._choices = widgets.RadioButtons(options=[], value=None, layout=widgets.Layout(width="auto"))
        self._button = widgets.Button(button_style="primary")
        self._feedback = widgets.HTML()
        self._checked: int | None = None  # the choice whose feedback is shown, if any
        self._shown = False
        # ipywidgets 8 puts a RadioButtons' tooltip on its hidden description label: the box shows it instead
        super().__init__([self._question_box, TooltipBox(self._choices), self._button, self._feedback])
        self.add_class("autotutor-quiz")  # a stable hook for the page's tests and styles
        self._button.on_click(self._check)
        on_language_change(self._relabel)
        self._relabel()

    @property
    def question(self) -> QuizQuestion:
        return self._question

    def _relabel(self, lang: str | None = None) -> None:
        """Build the question again in the current language, keeping the learner's choice and feedback."""
        chosen = self._choices.value
        self._question = self._make_question()
        self._question_box.value = question_html(self._question)
        self._choices.options = [(plain(text), index) for index, text in enumerate(self._question.choices)]
        self._choices.value = chosen
        self._button.description = _("Check my answer")
        self._choices.tooltip = _("Pick the answer you think is right")
        self._button.tooltip = _("See whether your answer is right, and why")
        follow_direction(self)
        self._feedback.value = feedback_html(self._question, self._checked) if self._shown else ""

    def answer(self, choice: int | None) -> str:
        """Choose `choice` and check it, as a click would; returns the feedback HTML."""
        self._choices.value = choice
        self._check()
        return self._feedback.value

    def _check(self, button: widgets.Button | None = None) -> None:
        self._checked, self._shown = self._choices.value, True
        self._feedback.value = feedback_html(self._question, self._checked)

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"Quiz({plain(self._question.question)!r})"
