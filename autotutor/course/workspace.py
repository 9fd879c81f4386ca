"""A student's own copy of the lessons, and the JupyterLab that opens it: `autotutor lab`.

The generated lessons in `notebooks/<lang>/` belong to the course; a student works on a copy in a workspace
folder (`~/autotutor-course/` unless told otherwise), laid out by language so that a lesson's folder name
tells it which language to speak (`autotutor.lessons.lesson_language`):

    <workspace>/fr/01_autotokenizer.ipynb                  the student's copy, theirs to edit
    <workspace>/fr/01_autotokenizer.updated-2026-11-23.ipynb   a newer course version, when theirs was edited
    <workspace>/.autotutor/manifest.json                   sha256 of each file as it was copied
    <workspace>/.autotutor/lab-settings-fr/                JupyterLab settings for this workspace only

Running `sync_lessons` again after the course changed:

    the student's file ...                  the course's lesson ...   what happens
    matches the manifest (untouched)        changed                   replaced by the new version ("updated")
    matches the manifest                    unchanged                 nothing is written ("unchanged")
    differs from the manifest (edited)      changed                   theirs kept byte for byte, the new version
                                                                      written beside it ("kept")
    differs from the manifest               unchanged                 nothing is written ("yours")
    exists, no manifest entry               (any)                     treated as the student's: kept, the course's
                                                                      version beside it ("not ours")
    equals the course's current version     (any)                     recorded as pristine ("unchanged")
    deleted by the student                  (any)                     copied again ("restored"): deleting a lesson
                                                                      is how a student starts it over
    does not exist yet                      new lesson                copied ("new")
    (any)                                   removed from the course   left where it is, never deleted

Running a lesson's cells in JupyterLab saves their outputs into the file, so that counts as a change too:
such a lesson is kept and its update goes beside it. When in doubt, the student's file wins.

Every file is written to a temporary file in the same folder, flushed to disk and renamed into place, and the
manifest is rewritten the same way after each file. A run killed at any moment therefore leaves each lesson
either whole-old or whole-new, never truncated, and a manifest that never claims a file the student might
have edited is pristine: a file that was renamed into place but not yet recorded equals the course's version,
which the next run recognises and records.

    >>> from autotutor.course.workspace import sync_lessons, describe
    >>> for line in describe(sync_lessons("fr", "~/autotutor-course")):  # doctest: +SKIP
    ...     print(line)
    Nouvelle leçon : 00_introduction.ipynb
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from ..errors import ArgumentError, CheckpointNotFoundError
from ..i18n import LANGUAGES, _
from ..resources import course_folder
from ._locking import exclusive

__all__ = [
    "COURSE_DIR",
    "DEFAULT_WORKSPACE",
    "LAB_LOCALES",
    "LANGUAGE_PACKS",
    "LabLaunch",
    "LessonChange",
    "describe",
    "prepare_lab",
    "run_jupyter",
    "sync_lessons",
]

COURSE_DIR = course_folder("notebooks")  # the wheel's copy, or the repository's notebooks/
DEFAULT_WORKSPACE = Path("~/autotutor-course")
STATE_DIR = ".autotutor"
ENV_WORKSPACE = "AUTOTUTOR_WORKSPACE"  # a learner's course folder, when it is not ~/autotutor-course
MANIFEST_NAME = "manifest.json"
_TMP_SUFFIX = ".autotutor-tmp"  # hidden, and removed by the next run when a copy was interrupted

# JupyterLab's own interface: the locale its translation extension should use, and the pip package with it.
LAB_LOCALES = {"en": "en", "fr": "fr_FR", "ar": "ar_SA"}
LANGUAGE_PACKS = {"fr": "jupyterlab-language-pack-fr-FR", "ar": "jupyterlab-language-pack-ar-SA"}
_TRANSLATION_PLUGIN = Path("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")

Action = Literal["new", "updated", "unchanged", "restored", "yours", "kept", "not ours"]


@dataclass(frozen=True)
class LessonChange:
    """What `sync_lessons` did with one lesson.

    Attributes:
        path: the lesson in the workspace (the student's file).
        action: "new", "updated", "unchanged", "restored", "yours" (edited, the course has nothing newer),
            "kept" (edited, the course's newer version is at `new_version`) or "not ours" (a file of that
            name that autotutor never copied; the course's version is at `new_version`).
        new_version: where the course's version was put when the student's file was kept, else None.
    """

    path: Path
    action: Action
    new_version: Path | None = None


# ---------------------------------------------------------------------------------------------------------------
# Files: hashes, atomic writes, the manifest
# ---------------------------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut (POSIX needs the directory itself flushed)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader (or a later run) sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{_TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _read_manifest(state: Path) -> dict[str, dict[str, str]]:
    """relative path → {"sha256": ...}. An unreadable manifest is treated as empty, which is safe: every
    existing file then counts as the student's and is kept."""
    path = state / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): dict(v) for k, v in files.items() if isinstance(v, dict) and "sha256" in v}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        print(_("The workspace record {path} could not be read: every lesson already there is kept as yours.")
              .format(path=path), file=sys.stderr)
        return {}


def _save_manifest(state: Path, files: Mapping[str, Mapping[str, str]]) -> None:
    data = {"format": 1, "files": dict(sorted(files.items()))}
    _atomic_write(state / MANIFEST_NAME, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def _beside(path: Path, data: bytes, today: datetime.date) -> tuple[Path, bool]:
    """Where the course's new version of `path` goes when the student's file is kept, and whether to write it.

    `01_autotokenizer.updated-2026-11-23.ipynb`; an earlier copy with the same content is reused, so running
    the command again does not pile up copies; a different update on the same day gets `-2`, `-3`, ...
    """
    digest = hashlib.sha256(data).hexdigest()
    for existing in sorted(path.parent.glob(f"{path.stem}.updated-*{path.suffix}")):
        if existing.is_file() and _sha256(existing) == digest:
            return existing, False
    base = f"{path.stem}.updated-{today.isoformat()}"
    candidate, n = path.with_name(base + path.suffix), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{base}-{n}{path.suffix}")
    return candidate, True


# ---------------------------------------------------------------------------------------------------------------
# Copying the lessons
# ---------------------------------------------------------------------------------------------------------------
def _course_lessons(source: Path, lang: str) -> list[Path]:
    lessons = sorted(source.glob("*.ipynb")) if source.is_dir() else []
    if not lessons:
        raise CheckpointNotFoundError(
            "No lessons in {path} for the language '{value}'. Generate them with `autotutor i18n notebooks`.",
            path=source, key="language", value=lang)
    return lessons


def sync_lessons(lang: str, workspace: str | os.PathLike[str] = DEFAULT_WORKSPACE, *,
                 source: str | os.PathLike[str] | None = None,
                 today: datetime.date | None = None) -> list[LessonChange]:
    """Bring `<workspace>/<lang>/` up to date with the course's lessons, never overwriting a student's edits.

    Args:
        lang: "en", "fr" or "ar".
        workspace: the student's course folder (created if needed; `~` is expanded).
        source: the course's notebooks for this language (default: `notebooks/<lang>/` of the course).
        today: the date used in the name of a new version put beside an edited lesson (default: today).

    Returns:
        One `LessonChange` per course lesson, in the course's order.

    Example:
        >>> changes = sync_lessons("ar", "/tmp/course")                  # doctest: +SKIP
        >>> [c.action for c in changes][:2]                               # doctest: +SKIP
        ['new', 'new']
    """
    if lang not in LANGUAGES:
        raise ArgumentError("language={value!r} is not available; choose one of {choices}.",
                            key="language", value=lang, choices=", ".join(LANGUAGES))
    root = Path(workspace).expanduser().resolve()
    source_dir = Path(source) if source is not None else COURSE_DIR / lang
    lessons = _course_lessons(source_dir, lang)
    folder, state = root / lang, root / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    today = today or datetime.date.today()
    changes: list[LessonChange] = []
    with exclusive(state / "lock"):  # one `autotutor lab` at a time per workspace; a second finds the work done
        for leftover in [*folder.glob(f".*{_TMP_SUFFIX}"), *state.glob(f".*{_TMP_SUFFIX}")]:
            leftover.unlink(missing_ok=True)  # from a run that was killed mid-write: never a lesson
        manifest = _read_manifest(state)
        for lesson in lessons:
            data = lesson.read_bytes()
            course_hash = hashlib.sha256(data).hexdigest()
            target = folder / lesson.name
            key = f"{lang}/{lesson.name}"
            recorded = manifest.get(key, {}).get("sha256")
            current = _sha256(target) if target.is_file() else None

            if current == course_hash:
                action: Action = "unchanged"  # also completes a run killed between the rename and the record
            elif current is None:
                action = "restored" if recorded is not None else "new"
                _atomic_write(target, data)
            elif current == recorded:
                action = "updated"
                _atomic_write(target, data)
            else:
                # The student's file: edited since it was copied, or a file autotutor never wrote.
                if recorded is not None and recorded == course_hash:
                    changes.append(LessonChange(target, "yours"))
                    continue
                beside, write = _beside(target, data, today)
                if write:
                    _atomic_write(beside, data)
                changes.append(LessonChange(target, "kept" if recorded is not None else "not ours", beside))
                continue  # the manifest keeps the hash of what autotutor copied, so the edit stays an edit
            if recorded != course_hash:
                manifest[key] = {"sha256": course_hash}
                _save_manifest(state, manifest)  # after the file: a crash in between is healed by the rule above
            changes.append(LessonChange(target, action))
    return changes


def describe(changes: list[LessonChange]) -> list[str]:
    """One sentence per lesson that changed or needs the student's attention, in the current language."""
    lines: list[str] = []
    for change in changes:
        name = change.path.name
        new = change.new_version.name if change.new_version else ""
        if change.action == "new":
            lines.append(_("New lesson: {name}").format(name=name))
        elif change.action == "updated":
            lines.append(_("Updated to the latest version: {name}").format(name=name))
        elif change.action == "restored":
            lines.append(_("You had deleted {name}: here is a fresh copy.").format(name=name))
        elif change.action == "kept":
            lines.append(_("You have changed {name}, so your version is kept as it is. The course's new version "
                           "of this lesson is beside it: {new}").format(name=name, new=new))
        elif change.action == "not ours":
            lines.append(_("{name} was already in the folder and was not copied by autotutor, so it is kept as it "
                           "is. The course's lesson is beside it: {new}").format(name=name, new=new))
    if changes and not lines:
        lines.append(_("All lessons are up to date."))
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Starting JupyterLab on the workspace
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabLaunch:
    """How to start JupyterLab on a workspace: run `argv` in `cwd` with `env` (the whole environment)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    settings_dir: Path
    language_pack_missing: str | None  # the pip package to install for JupyterLab's menus, if it is missing


def _write_lab_locale(settings_dir: Path, lang: str) -> None:
    """Select JupyterLab's interface language in this workspace's own settings folder.

    JupyterLab reads user settings from `$JUPYTERLAB_SETTINGS_DIR`; pointing it inside the workspace leaves
    the student's global settings (`~/.jupyter/lab/user-settings`) untouched. Other options already saved
    in the file are kept; a file it cannot read (JupyterLab allows comments) is replaced.
    """
    path = settings_dir / _TRANSLATION_PLUGIN
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        settings = settings if isinstance(settings, dict) else {}
    except (OSError, ValueError):
        settings = {}
    if settings.get("locale") == LAB_LOCALES[lang]:
        return
    settings["locale"] = LAB_LOCALES[lang]
    _atomic_write(path, (json.dumps(settings, indent=2) + "\n").encode("utf-8"))


def _language_pack_missing(lang: str) -> str | None:
    package = LANGUAGE_PACKS.get(lang)
    if package is None:
        return None
    try:
        metadata.version(package)
    except metadata.PackageNotFoundError:
        return package
    return None


def prepare_lab(lang: str, workspace: str | os.PathLike[str] = DEFAULT_WORKSPACE, *, port: int | None = None,
                open_browser: bool = True, environ: Mapping[str, str] | None = None) -> LabLaunch:
    """The command that opens `<workspace>/<lang>/` in JupyterLab, in `lang`, with this interpreter.

    JupyterLab listens on 127.0.0.1 only (a student's laptop should not offer its kernels to the network),
    keeps its usual token, and gets `AUTOTUTOR_LANG=<lang>` so that every notebook in the workspace, the
    lessons and the student's own, starts in the chosen language whatever the shell had set, and
    `AUTOTUTOR_WORKSPACE=<workspace>` so that the exercises record their results there.
    """
    root = Path(workspace).expanduser().resolve()
    folder = root / lang
    settings_dir = root / STATE_DIR / f"lab-settings-{lang}"
    _write_lab_locale(settings_dir, lang)
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", "--ServerApp.ip=127.0.0.1"]
    if port is not None:
        argv.append(f"--ServerApp.port={port}")
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses root unless told; classroom containers often run as root
    env = dict(os.environ if environ is None else environ)
    env["AUTOTUTOR_LANG"] = lang
    env[ENV_WORKSPACE] = str(root)  # the lessons' exercises record their results in this workspace
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings_dir)
    return LabLaunch(argv, env, folder, settings_dir, _language_pack_missing(lang))


def run_jupyter(launch: LabLaunch) -> int:
    """Run JupyterLab in the foreground until it stops; its exit status.

    Ctrl+C in the terminal reaches JupyterLab too, which asks for confirmation and shuts its kernels down
    cleanly; this process just keeps waiting for it instead of killing it.
    """
    process = subprocess.Popen(launch.argv, env=launch.env, cwd=launch.cwd)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
