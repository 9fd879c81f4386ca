"""The course tooling: what prepares and runs the course around the library and the lessons.

    cli.py           the `autotutor` command
    notebooks.py     lessons/*.ipynb + the catalogs → notebooks/{en,fr,ar}/, executed
    translations.py  the gettext catalogs: extract, update, compile, check
    workspace.py     `autotutor lab`: a learner's own copy of the lessons, updated without losing an edit
    doctor.py        `autotutor doctor`: is this machine ready for a workshop?
    pack_build.py    building the offline course pack (pack_media.py: its photos, documents and clips)
    progress.py      a learner's exercise results in the workspace, and their export (progress_note.py: the
                     lesson's line "1 of 3 done"); class_report.py: an instructor's report from the exports
    exercise.py      `exercise(id)`: a lesson's exercise in a notebook (check, hint, solution), recorded

Imports point down: the tooling uses the lessons, the widgets and the library; none of them uses the tooling.
Every lesson's first cell is `from autotutor.course import setup; setup("01_autotokenizer")` (the generator
writes the lesson's name in): the language, the pack, the switch, and the lesson's exercises done so far.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..constants import ENV_LANG, env_text
from ..i18n import LANGUAGES, environment_language, set_language
from .exercise import exercise

__all__ = ["exercise", "lesson_language", "setup"]

def lesson_language(folder: str | os.PathLike | None = None) -> str:
    """The language a lesson runs in: `AUTOTUTOR_LANG` if set, else the notebook's folder name, else the
    locale's (`LANG=fr_FR.UTF-8`), else "en".

    >>> lesson_language("notebooks/fr")  # doctest: +SKIP  (AUTOTUTOR_LANG, if set, wins)
    'fr'
    """
    from_env = env_text(ENV_LANG)
    if from_env:
        return from_env
    name = Path(folder if folder is not None else os.getcwd()).resolve().name
    return name if name in LANGUAGES else environment_language() or "en"


def setup(lesson: str | None = None) -> None:
    """Choose the lesson's language, make sure the offline course pack is installed, show the language switch
    and, when `lesson` ("01_autotokenizer") has exercises, how many of them the learner has done.

    Called by the first code cell of every lesson; it displays the switch (and the progress line) and returns
    nothing. The progress line is a widget whose plain-text form never changes (see `progress_note`).
    """
    from IPython.display import display

    from ..widgets import language_switch
    from .pack_build import ensure_installed

    set_language(lesson_language())
    ensure_installed()
    display(language_switch())
    if lesson is not None:
        from .progress_note import progress_note

        note = progress_note(lesson)
        if note is not None:
            display(note)
