"""The lessons' shared first cell: `from autotutor.lessons import setup; setup()`.

Every language's notebook runs the same code. The language comes from the environment (`AUTOTUTOR_LANG`) or,
failing that, from the folder the notebook sits in: the kernel starts in that folder, so `notebooks/fr/`
gives French. The English sources are `lessons/*.ipynb`; `autotutor i18n notebooks` (see `build.py`) turns
each into `notebooks/{en,fr,ar}/`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import LANGUAGES, set_language

__all__ = ["lesson_language", "setup"]


def lesson_language(folder: str | os.PathLike | None = None) -> str:
    """The language a lesson runs in: `AUTOTUTOR_LANG` if set, else the notebook's folder name, else "en".

    >>> lesson_language("notebooks/fr")  # doctest: +SKIP  (AUTOTUTOR_LANG, if set, wins)
    'fr'
    """
    from_env = os.environ.get("AUTOTUTOR_LANG")
    if from_env:
        return from_env
    name = Path(folder if folder is not None else os.getcwd()).resolve().name
    return name if name in LANGUAGES else "en"


def setup() -> None:
    """Choose the lesson's language, make sure the offline course pack is installed, show the language switch.

    Called by the first code cell of every lesson; it displays the language switch and returns nothing.
    """
    from IPython.display import display

    from ..pack import ensure_installed
    from ..widgets import language_switch

    set_language(lesson_language())
    ensure_installed()
    display(language_switch())
