"""The class report: a generated class of 100 learners, some of their files broken or hostile."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from autotutor import i18n
from autotutor.course.class_report import class_report, read_class
from autotutor.course.cli import main

EXERCISES = {f"0{n // 3}.task_{n}": SimpleNamespace(id=f"0{n // 3}.task_{n}", lesson=f"0{n // 3}_lesson",
                                                     title=f"Task {n}") for n in range(12)}
IDS = list(EXERCISES)
WRONG = {"wrong_padding_side": "Not yet: the padding is on the {side}; generation needs it on the left.",
         "returned_nothing": "Not yet: your function returned nothing (`None`)."}


def _learner(rng: random.Random, name: str | None) -> dict:
    """A random learner: exercise k is passed with a probability that falls with k, so the most missed is clear."""
    exercises = {}
    for k, exercise_id in enumerate(IDS):
        roll = rng.random()
        if roll < 0.15:
            continue  # not tried
        passed = roll < 0.95 - 0.07 * k
        wrong = rng.choice(list(WRONG))
        codes = {wrong: rng.randint(1, 3)} | ({"right": 1} if passed else {})
        exercises[exercise_id] = {"lesson": EXERCISES[exercise_id].lesson, "passed": passed,
                                  "attempts": sum(codes.values()), "codes": codes,
                                  "messages": {wrong: WRONG[wrong]}}
    return {"version": 1, "learner": name, "exercises": exercises}


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def a_class(tmp_path):
    """60 learners' workspaces under home/, 40 exports in handed-in/, and one broken file of each kind."""
    rng = random.Random(1234)
    home, handed_in, outside = tmp_path / "home", tmp_path / "handed-in", tmp_path / "outside"
    truth = {}
    for n in range(60):
        data = _learner(rng, None)
        _write(home / f"user{n:03}" / "autotutor-course" / ".autotutor" / "progress.json", data)
        truth[f"user{n:03}"] = data
    for n in range(40):
        name = f"Learner {n:03}" if n else "<script>alert(1)</script>"
        truth[name] = _learner(rng, name)
        _write(handed_in / f"export-{n:03}.json", truth[name])
    broken = {
        "not-json.json": _write(handed_in / "not-json.json", "{oops"),
        "huge.json": _write(handed_in / "huge.json", json.dumps({"exercises": {}, "pad": "x" * 1_100_000})),
        "deep.json": _write(handed_in / "deep.json", "[" * 200_000 + "]" * 200_000),
        "types.json": _write(handed_in / "types.json", {"exercises": {IDS[0]: {"passed": "yes", "codes": {}}}}),
        "list.json": _write(handed_in / "list.json", [1, 2, 3]),
        "folder.json": handed_in / "folder.json",
        "escape.json": handed_in / "escape.json",
        "loop.json": handed_in / "loop.json",
        "user900": home / "user900" / "autotutor-course" / ".autotutor" / "progress.json",
    }
    broken["folder.json"].mkdir()
    _write(outside / "secret.json", _learner(rng, "not in this class"))
    broken["escape.json"].symlink_to(outside / "secret.json")  # leads out of the folder given
    (handed_in / "loop-b.json").symlink_to(broken["loop.json"])
    broken["loop.json"].symlink_to(handed_in / "loop-b.json")  # two links pointing at each other
    broken["user900"].parent.mkdir(parents=True)
    broken["user900"].symlink_to(outside / "secret.json")  # a workspace's file leading out of /home
    return SimpleNamespace(home=home, handed_in=handed_in, truth=truth, broken=broken)


def test_a_class_of_100_in_seconds_with_broken_files_skipped(a_class, tmp_path):
    start = time.perf_counter()
    report = class_report([a_class.home, a_class.handed_in], out=tmp_path / "out", exercises=EXERCISES)
    seconds = time.perf_counter() - start
    print(f"\nclass report: 100 learners x {len(IDS)} exercises, {len(report.skipped)} files skipped, "
          f"{seconds:.2f} s")
    assert seconds < 5

    assert len(report.students) == 100
    skipped = "\n".join(report.skipped)
    assert len(report.skipped) == len(a_class.broken) + 1, skipped  # and loop-b.json, the loop's other end
    for name, path in a_class.broken.items():
        assert str(path) in skipped, name
    for reason in ("not readable JSON", "larger than 1000000 bytes", "nested too deeply", "should be true or false",
                   "not a plain file", "leads out of", "(the whole file) should be an object"):
        assert reason in skipped, reason
    assert "not in this class" not in report.html.read_text()

    passed = {(name, i) for name, data in a_class.truth.items() for i, e in data["exercises"].items() if e["passed"]}
    tried = sum(len(data["exercises"]) for data in a_class.truth.values()) - len(passed)
    page = report.html.read_text(encoding="utf-8")
    assert page.count('class="mark passed"') == len(passed)
    assert page.count('class="mark tried"') == tried
    assert page.count('class="mark not-tried"') == 100 * len(IDS) - len(passed) - tried
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<html lang="en" dir="ltr">' in page and "<link" not in page and "src=" not in page

    rows = list(csv.DictReader(report.csv.open(encoding="utf-8")))
    assert len(rows) == 100 and list(rows[0]) == ["learner", "source", "passed", *IDS]
    for i in IDS:
        assert sum(row[i] == "passed" for row in rows) == sum(1 for _, j in passed if j == i)
    by_name = {row["learner"]: row for row in rows}
    assert by_name["user007"]["passed"] == str(sum(1 for n, _ in passed if n == "user007"))

    # The most missed exercise is the one most learners have not passed; the commonest wrong answer is counted.
    not_passed = {i: 100 - sum(1 for _, j in passed if j == i) for i in IDS}
    missed = re.search(r'<table id="missed">.*?<tbody>\s*<tr><td><bdi dir="ltr">([^<]+)</bdi></td>.*?<td>(\d+)</td>',
                       page, re.S)
    assert missed.group(1) == max(IDS, key=lambda i: (not_passed[i], -IDS.index(i)))
    assert int(missed.group(2)) == max(not_passed.values())
    counts = {}
    for data in a_class.truth.values():
        for i, e in data["exercises"].items():
            for code in e["codes"]:
                if code != "right":
                    counts[i, code] = counts.get((i, code), 0) + 1
    top = max(counts.values())
    first = re.search(r'<table id="wrong">.*?<tbody>\s*<tr><td><bdi dir="ltr">([^<]+)</bdi></td>'
                      r'<td><bdi dir="ltr"><code>(\w+)</code></bdi></td><td dir="auto">(.*?)</td><td>(\d+)</td>',
                      page, re.S)
    assert counts[first.group(1), first.group(2)] == top == int(first.group(4))
    assert first.group(3).startswith("Not yet:") and "{" not in first.group(3)


def test_the_report_speaks_the_instructors_language(a_class, tmp_path, monkeypatch):
    fr = {"Class report": "Rapport de la classe",
          WRONG["wrong_padding_side"]: "Pas encore : le remplissage est à {side} ; il le faut à gauche.",
          WRONG["returned_nothing"]: "Pas encore : votre fonction n'a rien renvoyé (`None`)."}
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fr if lang == "fr" else {})
    i18n.set_language("fr")
    try:
        page = class_report([a_class.handed_in], out=tmp_path, exercises=EXERCISES).html.read_text()
    finally:
        i18n.set_language("en")
    assert '<html lang="fr" dir="ltr">' in page and "<h1>Rapport de la classe</h1>" in page
    assert "le remplissage est à … ; il le faut à gauche" in page  # the learner's own details left out
    assert 'renvoyé (<bdi dir="ltr"><code>None</code></bdi>)' in page


def test_the_command_writes_both_files_and_names_what_it_skipped(a_class, tmp_path, capsys):
    assert main(["class-report", str(a_class.handed_in), str(a_class.home / "user001"), "--out",
                 str(tmp_path / "out"), "--lang", "ar"]) == 0
    out, err = capsys.readouterr()
    assert (tmp_path / "out" / "class-report.html").is_file() and (tmp_path / "out" / "class-report.csv").is_file()
    assert 'dir="rtl"' in (tmp_path / "out" / "class-report.html").read_text()
    assert "not-json.json" in err and len(err.splitlines()) == 9  # the broken exports, one line each


def test_names_are_shown_safely_and_twins_told_apart(tmp_path):
    _write(tmp_path / "a.json", {"learner": "=HYPERLINK(\"http://x\")", "exercises": {}})
    _write(tmp_path / "b.json", {"learner": "Sam\u202e\n", "exercises": {}})
    _write(tmp_path / "c.json", {"learner": "Sam", "exercises": {}})
    report = class_report([tmp_path], out=tmp_path / "out", exercises=EXERCISES)
    assert [s.name for s in report.students] == ["=HYPERLINK(\"http://x\")", "Sam", "Sam (2)"]
    rows = list(csv.reader(report.csv.open(encoding="utf-8")))
    assert rows[1][0].startswith("'=")  # a spreadsheet shows it, does not run it


def test_an_unreadable_or_missing_file_is_named(tmp_path, monkeypatch):
    good = _write(tmp_path / "ok.json", {"learner": "Ada", "exercises": {}})
    locked = _write(tmp_path / "locked.json", {"learner": "Bob", "exercises": {}})
    real_open = os.open

    def refuse(path, *args, **kwargs):  # as chmod 000 would for anyone but root
        if Path(path).name == "locked.json":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    students, skipped = read_class([good, locked, tmp_path / "gone.json"])
    assert [s.name for s in students] == ["Ada"]
    assert skipped == [f"Skipped: {locked} could not be read (Permission denied).",
                       f"Skipped: {tmp_path / 'gone.json'} does not exist."]


def test_the_real_course_exercises_are_the_default_columns(tmp_path):
    from autotutor.lessons.exercises import EXERCISES as course

    report = class_report([], out=tmp_path)
    assert report.exercise_ids == list(course) and report.students == []


def test_a_file_reached_twice_counts_once(a_class, tmp_path):
    students, _ = read_class([a_class.home, a_class.home / "user001",
                              a_class.home / "user002" / "autotutor-course" / ".autotutor" / "progress.json"])
    assert len(students) == 60 and [s.name for s in students].count("user001") == 1
