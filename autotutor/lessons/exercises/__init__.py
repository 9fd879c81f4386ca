"""The exercises that end each lesson, one module per lesson (named like the lesson modules), in lesson order.

    introduction.py          00_introduction          autotokenizer.py         01_autotokenizer
    autoimageprocessor.py    02_autoimageprocessor    autobackbone.py          03_autobackbone
    autofeatureextractor.py  04_autofeatureextractor  autoprocessor.py         05_autoprocessor
    automodel.py             06_automodel             loading_safely.py        07_loading_safely
    automodelforcausallm.py  08_automodelforcausallm  automodelforspeechseq2seq.py  09_automodelforspeechseq2seq

Each module holds an `EXERCISES` list; `base.py` is the framework (Verdict, Exercise, the checks' helpers).
A notebook reaches them through `autotutor.course.exercise(id)`, which also records the verdicts.

    >>> EXERCISES["01.pad_batch"].lesson
    '01_autotokenizer'
"""

from __future__ import annotations

from importlib import import_module

from .base import Exercise, Verdict, is_blank, not_yet, right

__all__ = ["EXERCISES", "LESSON_MODULES", "Exercise", "Verdict", "exercises_for", "is_blank", "not_yet", "right"]

# The ten lessons' modules, in lesson order (00 → 09): this list is the order of `EXERCISES`.
LESSON_MODULES = (
    "introduction",
    "autotokenizer",
    "autoimageprocessor",
    "autobackbone",
    "autofeatureextractor",
    "autoprocessor",
    "automodel",
    "loading_safely",
    "automodelforcausallm",
    "automodelforspeechseq2seq",
)


def _collect() -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    for name in LESSON_MODULES:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":  # the module exists and something it imports is missing
                raise
            continue  # a lesson whose exercises are not written yet (tests/test_exercises.py counts them)
        for exercise in module.EXERCISES:
            found[exercise.id] = exercise
    return found


EXERCISES: dict[str, Exercise] = _collect()


def exercises_for(lesson: str) -> list[Exercise]:
    """The exercises of one lesson, in order; `lesson` is its name ("01_autotokenizer") or number ("01")."""
    return [ex for ex in EXERCISES.values() if lesson in (ex.lesson, ex.lesson.split("_", 1)[0])]
