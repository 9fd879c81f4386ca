"""An instructor's view of a class: who did which exercise, which exercises were missed, which wrong answers
were common. `autotutor class-report PATH... [--out DIR]`.

    autotutor class-report /home                          every learner's workspace on a shared server
    autotutor class-report handed-in/ late/ada.json       the exports learners sent (`autotutor progress --export`)

A PATH is a file (an export, or a `progress.json`) or a folder. In a folder it reads every export right inside
it (`*.json`) and every workspace below it: `*/autotutor-course/.autotutor/progress.json` (a home folder's
course, named after the home folder unless the learner gave a name), and the folder's own
`autotutor-course/.autotutor/progress.json` or `.autotutor/progress.json`. It writes into `--out`:

    class-report.html   one page, no script, nothing fetched: a table learners × exercises (✓ passed,
                        ✗ tried and not passed yet, · not tried: a sign in each cell, the colour only adds to it),
                        the exercises most missed, and the most common wrong answers, each named by its verdict
                        code and its message in the instructor's language; its `lang` and `dir` are that language's
    class-report.csv    the same table for a spreadsheet: "passed", "tried" or "not tried" in each cell

Every file is a learner's, so none is trusted. A file that is not JSON, larger than 1 MB, nested too deeply, with
a field of the wrong type, a symbolic link leading out of the folder it was found in or in a loop, something that
is not a plain file, or that cannot be read, gets one line naming it and why, and is skipped; the report is
written all the same. Every text is escaped on the page, and a name a spreadsheet would run as a formula is
quoted in the CSV. Exercises are the course's (`autotutor.lessons.exercises`): ids it does not know are ignored.

    >>> report = class_report(["/home"], out="report")   # doctest: +SKIP
    >>> len(report.students), report.skipped[:1]         # doctest: +SKIP
    (24, ['Skipped: /home/sam/autotutor-course/.autotutor/progress.json is not readable JSON (...).'])
"""

from __future__ import annotations

import collections
import csv
import html
import io
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..i18n import Text, _, direction, get_language
from ..widgets._html import prose
from .progress import MAX_BYTES, PROGRESS_NAME, course_exercises, parse
from .workspace import STATE_DIR

__all__ = ["ClassReport", "Student", "class_report", "read_class"]

HTML_NAME, CSV_NAME = "class-report.html", "class-report.csv"
WORKSPACE_NAME = "autotutor-course"
NOT_WRONG = {"right", "not_done"}  # verdict codes that are not a wrong answer: passed, or the blank left as it was
TOP = 10  # rows in "most missed" and "most common wrong answers"
_FIELD = re.compile(r"\{[A-Za-z_]\w*(?:![rsa])?(?::[^{}]*)?\}")  # a message's {placeholder}


@dataclass
class Student:
    """One learner as the report shows them: a name, where they were read from, their exercises' entries."""

    name: str
    source: str
    exercises: dict[str, dict] = field(default_factory=dict)

    def state(self, exercise_id: str) -> str:
        """"passed", "tried" (not passed yet) or "not tried"."""
        entry = self.exercises.get(exercise_id)
        return "not tried" if not entry or not entry["attempts"] else "passed" if entry["passed"] else "tried"


@dataclass
class ClassReport:
    html: Path
    csv: Path
    students: list[Student]
    exercise_ids: list[str]
    skipped: list[str]  # one line per file that was not read, in the current language


# ---------------------------------------------------------------------------------------------------------------
# Reading: files and folders, every one of them untrusted
# ---------------------------------------------------------------------------------------------------------------
def _read_bytes(path: Path, inside: Path | None) -> bytes:
    """The bytes of the plain file `path`; when `inside` is given, `path` must not lead out of it."""
    if inside is not None:
        real = Path(os.path.realpath(path, strict=True))  # a loop raises OSError (ELOOP)
        if not real.is_relative_to(inside):
            raise ConfigError("{path} is a symbolic link that leads out of {folder}.", path=path, folder=inside)
        path = real
    # O_NONBLOCK: a named pipe would otherwise wait forever for a writer; it is refused just below.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) * (inside is not None))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError("{path} is not a plain file.", path=path)
        if info.st_size > MAX_BYTES:
            raise ConfigError("{path} is larger than {limit} bytes: it is not a progress file.", path=path,
                              key="size", value=info.st_size, limit=MAX_BYTES)
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(MAX_BYTES + 1)
    finally:
        os.close(fd)


def _found_in(folder: Path) -> Iterator[tuple[Path, str, bool]]:
    """(file, the name to use when it names no learner, whether it may be absent) for what a folder holds."""
    name = folder.resolve().name
    yield folder / WORKSPACE_NAME / STATE_DIR / PROGRESS_NAME, name, True  # the folder is a home
    yield folder / STATE_DIR / PROGRESS_NAME, folder.resolve().parent.name if name == WORKSPACE_NAME else name, True
    for child in sorted(folder.iterdir()):
        if child.suffix == ".json":
            yield child, child.stem, False  # an export
        else:
            yield child / WORKSPACE_NAME / STATE_DIR / PROGRESS_NAME, child.name, True  # a home under it


def _clean_name(name: object, fallback: str) -> str:
    """A learner's name fit to show: no control characters, one line, at most 80 characters."""
    text = name if isinstance(name, str) and name.strip() else fallback
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split())[:80] or "?"


def read_class(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Student], list[str]]:
    """The learners found in `paths` (files and folders), and one line per file skipped, with the reason."""
    students: list[Student] = []
    skipped: list[str] = []
    seen: set[str] = set()

    def skip(reason: Text | str) -> None:
        skipped.append(str(Text("Skipped: {reason}", reason=reason)))

    def add(path: Path, fallback: str, inside: Path | None, *, optional: bool) -> None:
        try:
            if optional:
                os.lstat(path)  # a folder without a workspace is no problem: say nothing
            data = parse(_read_bytes(path, inside), path)
        except (FileNotFoundError, NotADirectoryError):
            if not optional:
                skip(Text("{path} does not exist.", path=path))
            return
        except ConfigError as err:
            skip(err.text)
            return
        except OSError as err:  # unreadable, a loop of links, a folder named *.json
            skip(Text("{path} could not be read ({detail}).", path=path, detail=err.strerror or str(err)))
            return
        if os.path.realpath(path) not in seen:  # one file reached twice (`/home` and `/home/ada`) counts once
            seen.add(os.path.realpath(path))
            students.append(Student(_clean_name(data["learner"], fallback), str(path), data["exercises"]))

    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            inside = Path(os.path.realpath(path))
            try:
                found = list(_found_in(path))
            except OSError as err:
                skip(Text("{path} could not be read ({detail}).", path=path, detail=err.strerror or str(err)))
                continue
            for file, fallback, optional in found:
                add(file, fallback, inside, optional=optional)
        else:
            add(path, path.stem, None, optional=False)

    counts = collections.Counter(student.name for student in students)
    numbers: dict[str, int] = collections.defaultdict(int)
    for student in sorted(students, key=lambda s: s.source):  # two learners with one name: "Sam", "Sam (2)"
        if counts[student.name] > 1:
            numbers[student.name] += 1
            if numbers[student.name] > 1:
                student.name = f"{student.name} ({numbers[student.name]})"
    students.sort(key=lambda s: (s.name.casefold(), s.source))
    return students, skipped


# ---------------------------------------------------------------------------------------------------------------
# Counting: the exercises most missed, the wrong answers most given
# ---------------------------------------------------------------------------------------------------------------
def _missed(students: list[Student], ids: list[str]) -> list[tuple[str, int, int, int]]:
    """(id, passed, tried and not passed, not tried), the most missed first."""
    rows = []
    for exercise_id in ids:
        states = collections.Counter(student.state(exercise_id) for student in students)
        rows.append((exercise_id, states["passed"], states["tried"], states["not tried"]))
    rows.sort(key=lambda row: (-(row[2] + row[3]), -row[2], ids.index(row[0])))
    return [row for row in rows if row[2] + row[3]][:TOP]


def _wrong_answers(students: list[Student], ids: list[str]) -> list[tuple[str, str, str, int, int]]:
    """(id, verdict code, message id, learners who got it, times given), the most common first."""
    learners: collections.Counter = collections.Counter()
    times: collections.Counter = collections.Counter()
    messages: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    known = set(ids)
    for student in students:
        for exercise_id, entry in student.exercises.items():
            if exercise_id not in known:
                continue
            for code, n in entry["codes"].items():
                if code in NOT_WRONG or not n:
                    continue
                learners[exercise_id, code] += 1
                times[exercise_id, code] += n
                if code in entry["messages"]:
                    messages[exercise_id, code][entry["messages"][code]] += 1
    ranked = sorted(learners, key=lambda key: (-learners[key], -times[key], ids.index(key[0]), key[1]))
    return [(i, code, messages[i, code].most_common(1)[0][0] if messages[i, code] else "", learners[i, code],
             times[i, code]) for i, code in ranked[:TOP]]


def _message(msgid: str) -> str:
    """A verdict's message in the current language, its {fields} (this learner's details) shown as "…"."""
    return _FIELD.sub("…", _(msgid)) if msgid else ""


# ---------------------------------------------------------------------------------------------------------------
# Writing: the page and the spreadsheet
# ---------------------------------------------------------------------------------------------------------------
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: start; vertical-align: top; }
td.mark { text-align: center; min-width: 2.2em; }
th[scope=row] { white-space: nowrap; }
td.passed { background: #dff3e3; }
td.tried { background: repeating-linear-gradient(45deg, #fde9d9, #fde9d9 4px, #fff 4px, #fff 8px); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
                   white-space: nowrap; }
.scroll { overflow-x: auto; position: relative; }  /* relative: holds the hidden words, so they never widen the page */
"""
MARKS = {"passed": "✓", "tried": "✗", "not tried": "·"}


def _cell(student: Student, exercise_id: str, words: Mapping[str, str]) -> str:
    state = student.state(exercise_id)
    entry = student.exercises.get(exercise_id) or {"attempts": 0}
    tries = f" {entry['attempts']}" if state == "tried" else ""  # how many attempts, for one still trying
    return (f'<td class="mark {state.replace(" ", "-")}"><span aria-hidden="true">{MARKS[state]}{tries}</span>'
            f'<span class="visually-hidden">{html.escape(words[state])}{tries}</span></td>')


def _html(students: list[Student], ids: list[str], titles: Mapping[str, str], skipped: list[str]) -> str:
    lang = get_language()
    esc = html.escape
    words = {"passed": _("passed"), "tried": _("tried, not passed yet"), "not tried": _("not tried")}
    # The page's own words, looked up here (outside the f-strings below, where the catalogs would not find them).
    t = {key: esc(text) for key, text in dict(
        title=_("Class report"), who=_("Who did what"), learner=_("Learner"), passed=_("Passed"),
        missed=_("Exercises most missed"), exercise=_("Exercise"), exercise_title=_("Title"),
        not_passed=_("Not passed"), tried=_("Tried, not passed yet"), not_tried=_("Not tried"),
        wrong=_("Most common wrong answers"), verdict=_("Verdict"), read=_("What the learner read"),
        learners=_("Learners"), times=_("Times"), skipped=_("Files skipped"), none=_("None."),
        counts=_("Learners: {learners} · Exercises: {exercises} · Files skipped: {skipped}").format(
            learners=len(students), exercises=len(ids), skipped=len(skipped)),
    ).items()}
    legend = "&emsp;".join(f"<bdi>{MARKS[state]} {esc(word)}</bdi>" for state, word in words.items())
    header = "".join(f'<th scope="col" title="{esc(titles[i])}"><bdi dir="ltr">{esc(i)}</bdi></th>' for i in ids)
    rows = []
    for student in students:
        done = sum(student.state(i) == "passed" for i in ids)
        rows.append(f'<tr><th scope="row" title="{esc(student.source)}">{esc(student.name)}</th>'
                    + "".join(_cell(student, i, words) for i in ids) + f"<td>{done}/{len(ids)}</td></tr>")
    missed = "".join(
        f'<tr><td><bdi dir="ltr">{esc(i)}</bdi></td><td dir="auto">{esc(titles[i])}</td><td>{tried + untried}</td>'
        f"<td>{tried}</td><td>{untried}</td><td>{passed}</td></tr>\n"
        for i, passed, tried, untried in _missed(students, ids))
    wrong = "".join(
        f'<tr><td><bdi dir="ltr">{esc(i)}</bdi></td><td><bdi dir="ltr"><code>{esc(code)}</code></bdi></td>'
        f'<td dir="auto">{prose(_message(msgid))}</td><td>{learners}</td><td>{times}</td></tr>\n'
        for i, code, msgid, learners, times in _wrong_answers(students, ids))
    skipped_list = "".join(f"<li>{esc(line)}</li>\n" for line in skipped) or f"<li>{t['none']}</li>"
    body = "\n".join(rows)
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{direction(lang)}">
<head><meta charset="utf-8"><title>{t['title']}</title><style>{_STYLE}</style></head>
<body>
<h1>{t['title']}</h1>
<p>{t['counts']}</p>
<h2>{t['who']}</h2>
<p>{legend}</p>
<div class="scroll"><table id="learners">
<thead><tr><th scope="col">{t['learner']}</th>{header}<th scope="col">{t['passed']}</th></tr></thead>
<tbody>
{body}
</tbody></table></div>
<h2>{t['missed']}</h2>
<table id="missed"><thead><tr><th scope="col">{t['exercise']}</th><th scope="col">{t['exercise_title']}</th>
<th scope="col">{t['not_passed']}</th><th scope="col">{t['tried']}</th><th scope="col">{t['not_tried']}</th>
<th scope="col">{t['passed']}</th></tr></thead>
<tbody>
{missed}</tbody></table>
<h2>{t['wrong']}</h2>
<table id="wrong"><thead><tr><th scope="col">{t['exercise']}</th><th scope="col">{t['verdict']}</th>
<th scope="col">{t['read']}</th><th scope="col">{t['learners']}</th><th scope="col">{t['times']}</th></tr></thead>
<tbody>
{wrong}</tbody></table>
<h2>{t['skipped']}</h2>
<ul id="skipped">
{skipped_list}</ul>
</body>
</html>
"""


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab) would be run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(students: list[Student], ids: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "source", "passed", *ids])
    for student in students:
        states = [student.state(i) for i in ids]
        writer.writerow([_spreadsheet_safe(student.name), _spreadsheet_safe(student.source),
                         states.count("passed"), *states])
    return out.getvalue()


def class_report(paths: Iterable[str | os.PathLike[str]], *, out: str | os.PathLike[str] = ".",
                 exercises: Mapping[str, Any] | None = None) -> ClassReport:
    """Read the learners in `paths`, write `class-report.html` and `class-report.csv` into `out`.

    Args:
        paths: exported files, progress files, and folders holding them or learners' home folders.
        out: the folder to write into (created if needed).
        exercises: id → exercise (with `.title`, an N_ msgid), in course order; default: the course's own.

    Returns:
        A `ClassReport`: the two files, the learners read, the exercise ids shown, the files skipped.
    """
    exercises = course_exercises() if exercises is None else exercises
    students, skipped = read_class(paths)
    ids = list(exercises)
    titles = {i: _(exercises[i].title) for i in ids}
    folder = Path(out).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / HTML_NAME).write_text(_html(students, ids, titles, skipped), encoding="utf-8")
    (folder / CSV_NAME).write_text(_csv(students, ids), encoding="utf-8", newline="")
    return ClassReport(folder / HTML_NAME, folder / CSV_NAME, students, ids, skipped)
