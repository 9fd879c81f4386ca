"""The line under a lesson's language switch: "Exercises of this lesson: 1 of 3 done".

It is a widget, not printed text, for two reasons. It redraws itself: after each `ex.check(...)` further down
the lesson (`progress.on_record`) and after a language switch. And its `text/plain` form, the one nbval
compares when it runs the generated notebooks, is the same on every run (`ProgressNote('01_autotokenizer')`),
while the count itself depends on the progress file of whoever runs the lesson: the sentence lives only in the
widget's HTML, which nbval does not compare (it skips widget views).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence

import ipywidgets as widgets

from ..i18n import _, on_language_change
from ..widgets._html import container
from . import progress

__all__ = ["ProgressNote", "progress_note"]


def note_text(done: int, total: int) -> str:
    """The sentence, in the current language."""
    return _("Exercises of this lesson: {done} of {total} done").format(done=done, total=total)


class ProgressNote(widgets.HTML):
    """How many of a lesson's exercises are done, redrawn after each check and each language switch."""

    def __init__(self, lesson: str, exercise_ids: Sequence[str], *,
                 workspace: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self.lesson = lesson
        self.exercise_ids = list(exercise_ids)
        self.workspace = workspace
        self.add_class("autotutor-progress-note")  # a stable hook for the page's tests and styles
        self.redraw()
        on_language_change(lambda lang: self.redraw())
        progress.on_record(lambda lesson: self.redraw() if lesson == self.lesson else None)

    def redraw(self) -> None:
        done, total = progress.lesson_summary(self.lesson, self.exercise_ids, self.workspace)
        self.value = container(f"<p>{html.escape(note_text(done, total))}</p>")

    def __repr__(self) -> str:  # what nbval compares: the same whatever the progress
        return f"ProgressNote({self.lesson!r})"


def progress_note(lesson: str, *, exercise_ids: Sequence[str] | None = None,
                  workspace: str | os.PathLike[str] | None = None) -> ProgressNote | None:
    """The progress line of `lesson`, or None when the lesson has no exercises.

    `exercise_ids` defaults to the lesson's exercises in `autotutor.lessons.exercises`.
    """
    ids = list(exercise_ids) if exercise_ids is not None else progress.lesson_exercises(lesson)
    return ProgressNote(lesson, ids, workspace=workspace) if ids else None
