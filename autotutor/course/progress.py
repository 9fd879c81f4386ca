"""A learner's exercise results, kept in their own workspace: `<workspace>/.autotutor/progress.json`.

Each `ex.check(...)` in a lesson records its verdict here (`record`); `autotutor progress` reads it back, lesson by
lesson, and `autotutor progress --export FILE --name NAME` writes what the learner chooses to hand in. Nothing
else leaves the machine. The workspace is `$AUTOTUTOR_WORKSPACE`, else `~/autotutor-course` (as `autotutor lab`).

    {"version": 1,
     "learner": "Ada",                                      (optional: the name given to --export)
     "exercises": {
       "01.pad_batch": {"lesson": "01_autotokenizer",
                        "passed": true,                     (stays true when a later attempt fails)
                        "attempts": 3,
                        "first_passed": "2026-11-23T10:02:11+00:00",
                        "last": {"time": "2026-11-23T10:05:40+00:00", "code": "wrong_padding_side"},
                        "codes": {"not_done": 1, "right": 1, "wrong_padding_side": 1},
                        "messages": {"wrong_padding_side": "Not yet: ..."}}}}   (each code's msgid, English)

No record is ever lost. Every save writes a temporary file, flushes it and renames it over the old one
(`workspace._atomic_write`), so a kernel killed at any moment leaves the old file or the new one, never half of
one; and the read-modify-write runs under an exclusive lock (`_locking.exclusive`), so two kernels checking at
the same moment both count. A file that cannot be read (edited by hand, a disk error) is renamed
`progress.json.damaged-<time>`, kept for whoever wants to look at it, and a new one is started, with a warning:
a lesson never stops because of its progress file.

    >>> record("01.pad_batch", code="right", passed=True, lesson="01_autotokenizer")["attempts"]  # doctest: +SKIP
    1
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..i18n import Text, _
from ._locking import exclusive
from .workspace import _TMP_SUFFIX, DEFAULT_WORKSPACE, ENV_WORKSPACE, STATE_DIR, _atomic_write

__all__ = [
    "ENV_WORKSPACE",
    "checked",
    "course_exercises",
    "describe",
    "export",
    "lesson_exercises",
    "lesson_summary",
    "load",
    "on_record",
    "parse",
    "progress_path",
    "record",
    "set_learner",
]

PROGRESS_NAME = "progress.json"
LOCK_NAME = "progress.lock"
VERSION = 1
MAX_BYTES = 1_000_000  # a class of exercises fits in a few kilobytes: anything bigger is not a progress file
EXERCISE_ID = re.compile(r"[0-9]{2}\.[a-z0-9_]{1,60}")  # "01.pad_batch"
VERDICT_CODE = re.compile(r"[a-z0-9_]{1,60}")  # "wrong_padding_side"
MAX_TEXT = 500  # a learner's name, a lesson's name, a message: longer is not ours

_listeners: list[Callable[[str], None]] = []


def progress_path(workspace: str | os.PathLike[str] | None = None) -> Path:
    """The progress file of `workspace` (default: `$AUTOTUTOR_WORKSPACE`, else `~/autotutor-course`)."""
    root = workspace if workspace is not None else os.environ.get(ENV_WORKSPACE, "").strip() or DEFAULT_WORKSPACE
    return Path(root).expanduser() / STATE_DIR / PROGRESS_NAME


def on_record(callback: Callable[[str], None]) -> None:
    """Call `callback(lesson)` after each `record` in this process (the lesson's progress line redraws)."""
    _listeners.append(callback)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _empty() -> dict:
    return {"version": VERSION, "learner": None, "exercises": {}}


# ---------------------------------------------------------------------------------------------------------------
# Reading: every field checked, so that a damaged or hostile file is refused with the reason, never half-used
# ---------------------------------------------------------------------------------------------------------------
def _wrong_type(path: object, key: str, expected: Text, value: object) -> ConfigError:
    return ConfigError("{path}: {key} should be {expected}, but it is {kind}.", path=path, key=key,
                       expected=expected, kind=type(value).__name__)


def _text(value: object, path: object, key: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _wrong_type(path, key, Text("a text of at most 500 characters"), value)
    return value


def _count(value: object, path: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise _wrong_type(path, key, Text("a whole number, 0 or more"), value)
    return value


def _object(value: object, path: object, key: str) -> dict:
    if not isinstance(value, dict):
        raise _wrong_type(path, key, Text("an object"), value)
    return value


def _checked_entry(entry: object, path: object, key: str) -> dict:
    entry = _object(entry, path, key)
    passed = entry.get("passed")
    if not isinstance(passed, bool):
        raise _wrong_type(path, f"{key}.passed", Text("true or false"), passed)
    codes: dict[str, int] = {}
    field = f"{key}.codes"
    for code, n in _object(entry.get("codes", {}), path, field).items():
        if not VERDICT_CODE.fullmatch(code):
            raise ConfigError("{path}: {key} has a verdict code that autotutor never writes: {value!r}.",
                              path=path, key=field, value=code[:60])
        codes[code] = _count(n, path, f"{key}.codes.{code}")
    messages = {code: _text(text, path, f"{key}.messages.{code}")
                for code, text in _object(entry.get("messages", {}), path, f"{key}.messages").items()
                if code in codes}
    last = entry.get("last")
    if last is not None:
        last = _object(last, path, f"{key}.last")
        last = {"time": _text(last.get("time"), path, f"{key}.last.time", optional=True),
                "code": _text(last.get("code"), path, f"{key}.last.code", optional=True)}
    return {
        "lesson": _text(entry.get("lesson"), path, f"{key}.lesson", optional=True),
        "passed": passed,
        "attempts": _count(entry.get("attempts", sum(codes.values())), path, f"{key}.attempts"),
        "first_passed": _text(entry.get("first_passed"), path, f"{key}.first_passed", optional=True),
        "last": last,
        "codes": codes,
        "messages": messages,
    }


def checked(data: object, path: object) -> dict:
    """A progress file's (or an export's) content, every field checked and copied; a `ConfigError` naming `path`
    and the key at fault otherwise. Exercise ids and verdict codes must look like autotutor's."""
    data = _object(data, path, "(the whole file)")
    if "exercises" not in data:
        raise ConfigError('{path} is not an autotutor progress file: it has no "exercises".', path=path,
                          key="exercises")
    exercises = {}
    for exercise_id, entry in _object(data["exercises"], path, "exercises").items():
        if not EXERCISE_ID.fullmatch(exercise_id):
            raise ConfigError("{path}: {value!r} is not an exercise id (like 01.pad_batch).", path=path,
                              key="exercises", value=exercise_id[:60])
        exercises[exercise_id] = _checked_entry(entry, path, f"exercises.{exercise_id}")
    return {"version": VERSION, "learner": _text(data.get("learner"), path, "learner", optional=True),
            "exercises": exercises}


def parse(raw: bytes, path: object) -> dict:
    """`checked` JSON from the bytes of a file, refusing what is too big, not JSON or nested too deeply."""
    if len(raw) > MAX_BYTES:
        raise ConfigError("{path} is larger than {limit} bytes: it is not a progress file.", path=path,
                          key="size", value=len(raw), limit=MAX_BYTES)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ConfigError("{path} is not readable JSON ({detail}).", path=path, detail=str(err)[:200]) from err
    except RecursionError as err:  # [[[[…]]]]: Python's json parser gives up; so do we
        raise ConfigError("{path} is nested too deeply to be a progress file.", path=path) from err
    return checked(data, path)


def _read(path: Path) -> dict:
    with open(path, "rb") as f:
        return parse(f.read(MAX_BYTES + 1), path)


def _set_aside(path: Path, err: ConfigError) -> None:
    """Rename a damaged progress file out of the way (kept, never deleted) and say so."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    warnings.warn(str(Text("Your progress file could not be read ({reason}). It was kept as {aside} and a new "
                           "one was started: the exercises you check from now on are recorded again.",
                           reason=err.text, aside=aside)), UserWarning, stacklevel=3)


def _load_locked(path: Path) -> dict:
    """The progress in `path`, read while holding the lock: a damaged file is set aside, a missing one is new."""
    try:
        return _read(path)
    except FileNotFoundError:
        return _empty()
    except ConfigError as err:
        _set_aside(path, err)
        return _empty()


def load(workspace: str | os.PathLike[str] | None = None) -> dict:
    """The learner's progress (an empty one if there is none yet). Never raises: a damaged file is set aside
    with a warning, an unreadable folder gives an empty progress with a warning."""
    path = progress_path(workspace)
    try:
        try:
            return _read(path)  # the common case needs no lock: files are only ever replaced whole
        except FileNotFoundError:
            return _empty()
        except ConfigError:
            with exclusive(path.with_name(LOCK_NAME)):
                return _load_locked(path)  # read again: another kernel may have set it aside already
    except OSError as err:
        warnings.warn(str(Text("Your progress in {path} could not be read ({detail}).", path=path,
                               detail=err.strerror or str(err))), UserWarning, stacklevel=2)
        return _empty()


def _save(path: Path, data: Mapping) -> None:
    _atomic_write(path, (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------------------------
# Writing: one verdict at a time
# ---------------------------------------------------------------------------------------------------------------
def _add(entry: dict | None, *, code: str, passed: bool, lesson: str, message: str | None, time: str) -> dict:
    """`entry` with one more attempt; a passed exercise stays passed."""
    entry = entry or {"lesson": lesson, "passed": False, "attempts": 0, "first_passed": None, "last": None,
                      "codes": {}, "messages": {}}
    entry["lesson"] = lesson[:MAX_TEXT]
    entry["attempts"] += 1
    entry["last"] = {"time": time, "code": code}
    entry["codes"][code] = entry["codes"].get(code, 0) + 1
    if message is not None:
        entry["messages"][code] = message[:MAX_TEXT]
    if passed and not entry["passed"]:
        entry["passed"], entry["first_passed"] = True, time
    return entry


def record(exercise_id: str, *, code: str, passed: bool, lesson: str, message: str | None = None,
           workspace: str | os.PathLike[str] | None = None) -> dict:
    """Add one checked answer to the learner's progress; returns the exercise's entry as saved.

    Args:
        exercise_id: "01.pad_batch".
        code: the verdict's code ("right", "not_done", "wrong_padding_side", ...).
        passed: whether the answer was right (a passed exercise stays passed).
        lesson: the exercise's lesson, "01_autotokenizer".
        message: the verdict's message id (English, with its {fields} unfilled), for the class report.
        workspace: the course folder (default: `$AUTOTUTOR_WORKSPACE`, else `~/autotutor-course`).

    A progress file that cannot be written (a read-only folder, a full disk) gives a warning, not an error.

    Example:
        >>> record("01.pad_batch", code="not_done", passed=False, lesson="01_autotokenizer")["passed"]  # doctest: +SKIP
        False
    """
    if not EXERCISE_ID.fullmatch(exercise_id) or not VERDICT_CODE.fullmatch(code):
        raise ConfigError("An exercise id looks like 01.pad_batch and a verdict code like wrong_padding_side; "
                          "got {key!r} and {value!r}.", key=exercise_id, value=code)
    path = progress_path(workspace)
    entry = _add(None, code=code, passed=passed, lesson=lesson, message=message, time=_now())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive(path.with_name(LOCK_NAME)):  # read, add, write: no other kernel in between
            for leftover in path.parent.glob(f".{PROGRESS_NAME}.*{_TMP_SUFFIX}"):
                leftover.unlink(missing_ok=True)  # from a kernel killed mid-save: never the record itself
            data = _load_locked(path)
            entry = _add(data["exercises"].get(exercise_id), code=code, passed=passed, lesson=lesson,
                         message=message, time=_now())
            data["exercises"][exercise_id] = entry
            _save(path, data)
    except OSError as err:
        warnings.warn(str(Text("Your answer was checked, but it could not be recorded in {path} ({detail}).",
                               path=path, detail=err.strerror or str(err))), UserWarning, stacklevel=2)
    for listener in list(_listeners):
        listener(lesson)
    return copy.deepcopy(entry)


def set_learner(name: str, workspace: str | os.PathLike[str] | None = None) -> None:
    """Remember the learner's name (the one `--export --name` was given) for the next export."""
    path = progress_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path.with_name(LOCK_NAME)):
        data = _load_locked(path)
        data["learner"] = name
        _save(path, data)


# ---------------------------------------------------------------------------------------------------------------
# Reading it back: a lesson's summary, and the export a learner hands in
# ---------------------------------------------------------------------------------------------------------------
def course_exercises() -> Mapping[str, Any]:
    """The course's exercises, id → definition, in lesson order (`autotutor.lessons.exercises.EXERCISES`)."""
    from ..lessons.exercises import EXERCISES

    return EXERCISES


def lesson_exercises(lesson: str, exercises: Mapping[str, Any] | None = None) -> list[str]:
    """The ids of `lesson`'s exercises ("01_autotokenizer"), in the course's order."""
    exercises = course_exercises() if exercises is None else exercises
    return [exercise_id for exercise_id, exercise in exercises.items() if exercise.lesson == lesson]


def lesson_summary(lesson: str, exercise_ids: Iterable[str] | None = None,
                   workspace: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """(done, total): how many of the lesson's exercises the learner has passed, out of how many.

    `exercise_ids` defaults to the lesson's exercises in `autotutor.lessons.exercises`.

        >>> lesson_summary("01_autotokenizer")  # doctest: +SKIP
        (1, 3)
    """
    ids = list(exercise_ids) if exercise_ids is not None else lesson_exercises(lesson)
    exercises = load(workspace)["exercises"]
    return sum(1 for i in ids if exercises.get(i, {}).get("passed")), len(ids)


def export(file: str | os.PathLike[str], *, name: str, workspace: str | os.PathLike[str] | None = None) -> Path:
    """Write what a learner hands in to `file`: their name and, per exercise, its lesson, whether it passed,
    the number of attempts and the verdict codes (with their message ids). No times, no code."""
    keep = ("lesson", "passed", "attempts", "codes", "messages")
    exercises = {i: {k: entry[k] for k in keep} for i, entry in sorted(load(workspace)["exercises"].items())}
    target = Path(file).expanduser()
    data = {"version": VERSION, "learner": name, "exercises": exercises}
    _save(target.resolve(), data)
    return target


def describe(data: Mapping, exercises: Mapping[str, Any] | None = None) -> list[str]:
    """The lines `autotutor progress` prints, in the current language: for each lesson with exercises, how many
    are done, then each exercise with ✓ (done), ✗ (tried, not passed yet) or · (not tried yet)."""
    exercises = course_exercises() if exercises is None else exercises
    if not exercises:
        return [_("This course has no exercises yet.")]
    recorded = data["exercises"]
    lines: list[str] = []
    for lesson in dict.fromkeys(exercise.lesson for exercise in exercises.values()):
        ids = lesson_exercises(lesson, exercises)
        done = sum(1 for i in ids if recorded.get(i, {}).get("passed"))
        lines.append(_("{lesson}: {done} of {total} done").format(lesson=lesson, done=done, total=len(ids)))
        for i in ids:
            entry = recorded.get(i) or {"passed": False, "attempts": 0}
            if entry["passed"]:
                mark, state = "✓", _("done")
            elif entry["attempts"]:
                mark, state = "✗", _("not passed yet, attempts: {attempts}").format(attempts=entry["attempts"])
            else:
                mark, state = "·", _("not tried yet")
            lines.append(f"  {mark} {i}  {_(exercises[i].title)} — {state}")
    return lines
