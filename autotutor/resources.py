"""Where the course's own files live: the catalogs (`locales/`) and the generated lessons (`notebooks/`).

Both are edited at the top of the repository. A built wheel carries copies of them inside the package
(`autotutor/locales/`, `autotutor/notebooks/`: setup.py copies them at build time), so that a plain
`pip install autotutor` has French, Arabic and every lesson. An editable install or a checkout has no such
copies, and uses the repository's folders.

    >>> from autotutor.resources import course_folder
    >>> (course_folder("locales") / "fr" / "LC_MESSAGES" / "autotutor.po").is_file()
    True
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["COURSE_FOLDERS", "course_folder"]

COURSE_FOLDERS = ("locales", "notebooks")


def course_folder(name: str) -> Path:
    """The folder `name` ("locales" or "notebooks"): the wheel's package data, else the repository's own."""
    if name not in COURSE_FOLDERS:
        raise ValueError(f"course_folder({name!r}): the course's folders are {', '.join(COURSE_FOLDERS)}.")
    # A wheel is installed as plain files, so the package's Traversable is a real folder on disk.
    packaged = Path(str(files("autotutor").joinpath(name)))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name
