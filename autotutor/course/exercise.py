"""The notebook's side of an exercise: `exercise(id)` shows the task; `check` judges, shows and records.

    from autotutor.course import exercise

    ex = exercise("01.pad_batch")      # shows the title and the task

    def pad_batch(tokenizer, texts):
        ...                            # the learner's code

    ex.check(pad_batch)                # ✔ Right. / ✘ Not yet: … why … (recorded in the learner's progress)
    ex.hint()
    ex.solution()

The definitions live in `autotutor.lessons.exercises`; this module ties one to the learner's progress
(`autotutor.course.progress`), which the lessons may not import.
"""

from __future__ import annotations

import warnings

from ..errors import ArgumentError
from ..i18n import Text
from ..lessons.exercises.base import Exercise, Verdict

__all__ = ["Checked", "ExerciseCell", "exercise"]


class Checked(Verdict):
    """A `Verdict` that shows itself: ✔/✘ and the message, as HTML below the cell (plain text for nbval)."""

    def _view(self):
        from ..widgets.exercise import verdict_view

        return verdict_view(self)

    def _repr_html_(self) -> str:
        return self._view().html

    def __repr__(self) -> str:
        return self._view().text


class ExerciseCell:
    """One exercise as a notebook uses it: `check(answer)`, `hint()`, `solution()`."""

    def __init__(self, definition: Exercise, *, workspace: str | None = None) -> None:
        self.definition = definition
        self.workspace = workspace  # None: the learner's workspace (AUTOTUTOR_WORKSPACE or ~/autotutor-course)

    @property
    def id(self) -> str:
        return self.definition.id

    def check(self, answer: object) -> Verdict:
        """Judge what the learner's cell produced, record the verdict, and return it (it shows itself).

        A blank left as it came (`not_done`) is not recorded: running every cell of a lesson is not an attempt.
        """
        verdict = self.definition.judge(answer)
        if verdict.code != "not_done":
            _record(self.definition, verdict, workspace=self.workspace)
        return Checked(verdict.passed, verdict.code, verdict.message, verdict.fields)

    def hint(self):
        from ..widgets.exercise import hint_view

        return hint_view(self.definition)

    def solution(self):
        from ..widgets.exercise import solution_view

        return solution_view(self.definition)

    def _repr_html_(self) -> str:
        from ..widgets.exercise import task_view

        return task_view(self.definition).html

    def __repr__(self) -> str:  # the notebook's text/plain output: stable, so nbval can compare it
        return f"Exercise({self.id!r})"


def exercise(exercise_id: str, *, show: bool = True, workspace: str | None = None) -> ExerciseCell:
    """The exercise `exercise_id` ("01.pad_batch"), its task shown below the cell (unless `show=False`).

    Example:
        >>> ex = exercise("01.pad_batch", show=False)
        >>> ex
        Exercise('01.pad_batch')
    """
    from ..lessons.exercises import EXERCISES

    if exercise_id not in EXERCISES:
        raise ArgumentError("There is no exercise {value!r}. The exercises are: {choices}.",
                            key="exercise_id", value=exercise_id, choices=", ".join(EXERCISES))
    cell = ExerciseCell(EXERCISES[exercise_id], workspace=workspace)
    if show:
        from IPython.display import display

        display(cell)
    return cell


def _record(definition: Exercise, verdict: Verdict, *, workspace: str | None) -> None:
    """Add the verdict to the learner's progress; a failure to record warns and never stops the lesson."""
    try:
        from .progress import record
    except ImportError:  # a course without progress keeping: nothing to record into
        return
    try:
        record(definition.id, code=verdict.code, passed=verdict.passed, lesson=definition.lesson,
               message=verdict.message, workspace=workspace)
    except Exception as err:
        warnings.warn(str(Text("Your answer to {exercise} could not be recorded in your progress ({error}); "
                               "the verdict above still holds.", exercise=definition.id, error=err)),
                      stacklevel=2)
