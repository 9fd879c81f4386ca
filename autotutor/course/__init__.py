"""The course tooling: what prepares and runs the course around the library and the lessons.

    cli.py           the `autotutor` command
    notebooks.py     lessons/*.ipynb + the catalogs → notebooks/{en,fr,ar}/, executed
    translations.py  the gettext catalogs: extract, update, compile, check
    workspace.py     `autotutor lab`: a learner's own copy of the lessons, updated without losing an edit
    doctor.py        `autotutor doctor`: is this machine ready for a workshop?
    pack_build.py    building the offline course pack (pack_media.py: its photos, documents and clips)

Imports point down: the tooling uses the lessons, the widgets and the library; none of them uses the tooling.
Every lesson's first cell is `from autotutor.course import setup; setup()`: the language, the pack, the switch.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..constants import ENV_LANG, env_text
from ..i18n import LANGUAGES, environment_language, set_language

__all__ = ["lesson_language", "setup"]

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


def setup() -> None:
    """Choose the lesson's language, make sure the offline course pack is installed, show the language switch.

    Called by the first code cell of every lesson; it displays the language switch and returns nothing.
    """
    from IPython.display import display

    from ..widgets import language_switch
    from .pack_build import ensure_installed

    set_language(lesson_language())
    ensure_installed()
    display(language_switch())
