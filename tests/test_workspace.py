"""A student's copy of the lessons: copied once, kept up to date, and never an edit lost."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autotutor.course import workspace
from autotutor.course.workspace import COURSE_DIR, LessonChange, describe, sync_lessons
from autotutor.i18n import set_language, translate

TODAY = datetime.date(2026, 11, 23)


def notebook(text: str) -> bytes:
    """A small, valid notebook whose only cell says `text`."""
    cell = {"cell_type": "markdown", "metadata": {}, "source": [text]}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def write_course(folder: Path, lessons: dict[str, str]) -> Path:
    """The course's notebooks for one language: name → the text of its one cell."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in lessons.items():
        (folder / name).write_bytes(notebook(text))
    return folder


def manifest(root: Path) -> dict[str, str]:
    data = json.loads((root / ".autotutor" / "manifest.json").read_text())
    return {key: value["sha256"] for key, value in data["files"].items()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def actions(changes: list[LessonChange]) -> dict[str, str]:
    return {change.path.name: change.action for change in changes}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course" / "fr", {"00_intro.ipynb": "intro v1", "01_tok.ipynb": "tok v1",
                                                     "02_img.ipynb": "img v1"})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "autotutor-course"


def sync(root: Path, course: Path) -> list[LessonChange]:
    return sync_lessons("fr", root, source=course, today=TODAY)


def test_fresh_copy_puts_every_lesson_in_the_language_folder_and_records_its_hash(root, course):
    changes = sync(root, course)

    assert actions(changes) == {"00_intro.ipynb": "new", "01_tok.ipynb": "new", "02_img.ipynb": "new"}
    for lesson in course.iterdir():
        assert (root / "fr" / lesson.name).read_bytes() == lesson.read_bytes()
    assert manifest(root) == {f"fr/{p.name}": sha(p.read_bytes()) for p in course.iterdir()}
    assert describe(changes) == [f"New lesson: {name}" for name in ("00_intro.ipynb", "01_tok.ipynb", "02_img.ipynb")]


def test_the_folder_name_gives_the_lessons_their_language(root, course, monkeypatch):
    from autotutor.course import lesson_language

    sync(root, course)
    monkeypatch.delenv("AUTOTUTOR_LANG", raising=False)
    assert lesson_language(root / "fr") == "fr"


def test_rerun_without_course_change_writes_nothing(root, course):
    sync(root, course)
    old = 1_600_000_000_000_000_000  # set every mtime in the past, so any rewrite would show
    files = [*(root / "fr").iterdir(), root / ".autotutor" / "manifest.json"]
    for path in files:
        os.utime(path, ns=(old, old))

    changes = sync(root, course)

    assert set(actions(changes).values()) == {"unchanged"}
    assert [path.stat().st_mtime_ns for path in files] == [old] * len(files)
    assert describe(changes) == ["All lessons are up to date."]


def test_untouched_lesson_is_updated_when_the_course_changes(root, course):
    sync(root, course)
    write_course(course, {"01_tok.ipynb": "tok v2"})

    changes = sync(root, course)

    assert actions(changes)["01_tok.ipynb"] == "updated"
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("tok v2")
    assert manifest(root)["fr/01_tok.ipynb"] == sha(notebook("tok v2"))
    assert describe(changes) == ["Updated to the latest version: 01_tok.ipynb"]


def test_edited_lesson_is_kept_byte_for_byte_and_the_new_version_goes_beside_it(root, course):
    sync(root, course)
    mine = root / "fr" / "01_tok.ipynb"
    edited = notebook("tok v1, with my notes")
    mine.write_bytes(edited)
    write_course(course, {"01_tok.ipynb": "tok v2", "02_img.ipynb": "img v2"})

    changes = sync(root, course)

    assert mine.read_bytes() == edited
    beside = root / "fr" / "01_tok.updated-2026-11-23.ipynb"
    assert beside.read_bytes() == notebook("tok v2")
    assert changes[1] == LessonChange(mine, "kept", beside)
    assert actions(changes)["02_img.ipynb"] == "updated"
    assert describe(changes)[0] == ("You have changed 01_tok.ipynb, so your version is kept as it is. The course's "
                                    "new version of this lesson is beside it: 01_tok.updated-2026-11-23.ipynb")
    # The manifest still holds what autotutor copied: the student's file stays "edited" on every later run,
    # and the same new version is not written twice.
    assert manifest(root)["fr/01_tok.ipynb"] == sha(notebook("tok v1"))
    again = sync_lessons("fr", root, source=course, today=TODAY + datetime.timedelta(days=3))
    assert mine.read_bytes() == edited
    assert again[1] == LessonChange(mine, "kept", beside)
    assert sorted(p.name for p in (root / "fr").glob("01_tok*")) == ["01_tok.ipynb", "01_tok.updated-2026-11-23.ipynb"]


def test_a_second_update_on_the_same_day_gets_its_own_file(root, course):
    sync(root, course)
    (root / "fr" / "01_tok.ipynb").write_bytes(notebook("mine"))
    write_course(course, {"01_tok.ipynb": "tok v2"})
    sync(root, course)
    write_course(course, {"01_tok.ipynb": "tok v3"})

    changes = sync(root, course)

    assert changes[1].new_version == root / "fr" / "01_tok.updated-2026-11-23-2.ipynb"
    assert changes[1].new_version.read_bytes() == notebook("tok v3")
    assert (root / "fr" / "01_tok.updated-2026-11-23.ipynb").read_bytes() == notebook("tok v2")
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("mine")


def test_edited_lesson_with_nothing_newer_is_left_alone(root, course):
    sync(root, course)
    (root / "fr" / "00_intro.ipynb").write_bytes(notebook("my own intro"))

    changes = sync(root, course)

    assert actions(changes)["00_intro.ipynb"] == "yours"
    assert (root / "fr" / "00_intro.ipynb").read_bytes() == notebook("my own intro")
    assert describe(changes) == ["All lessons are up to date."]
    assert not list((root / "fr").glob("*.updated-*"))


def test_new_lesson_in_the_course_is_copied(root, course):
    sync(root, course)
    write_course(course, {"03_audio.ipynb": "audio v1"})

    changes = sync(root, course)

    assert actions(changes)["03_audio.ipynb"] == "new"
    assert (root / "fr" / "03_audio.ipynb").read_bytes() == notebook("audio v1")
    assert describe(changes) == ["New lesson: 03_audio.ipynb"]


def test_a_deleted_lesson_comes_back_fresh(root, course):
    sync(root, course)
    (root / "fr" / "02_img.ipynb").unlink()

    changes = sync(root, course)

    assert actions(changes)["02_img.ipynb"] == "restored"
    assert (root / "fr" / "02_img.ipynb").read_bytes() == notebook("img v1")
    assert describe(changes) == ["You had deleted 02_img.ipynb: here is a fresh copy."]


def test_a_notebook_already_there_with_no_record_is_the_students(root, course):
    (root / "fr").mkdir(parents=True)
    theirs = notebook("a notebook I wrote before the workshop")
    (root / "fr" / "01_tok.ipynb").write_bytes(theirs)
    (root / "fr" / "00_intro.ipynb").write_bytes(notebook("intro v1"))  # identical to the course's: fine

    changes = sync(root, course)

    assert actions(changes) == {"00_intro.ipynb": "unchanged", "01_tok.ipynb": "not ours", "02_img.ipynb": "new"}
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == theirs
    assert (root / "fr" / "01_tok.updated-2026-11-23.ipynb").read_bytes() == notebook("tok v1")
    assert "fr/01_tok.ipynb" not in manifest(root)
    assert "fr/00_intro.ipynb" in manifest(root)
    assert describe(changes)[0].startswith("01_tok.ipynb was already in the folder and was not copied by autotutor")


def test_an_unreadable_record_keeps_every_file_as_the_students(root, course, capsys):
    sync(root, course)
    (root / "fr" / "01_tok.ipynb").write_bytes(notebook("edited"))
    (root / ".autotutor" / "manifest.json").write_text("{ not json")
    write_course(course, {"01_tok.ipynb": "tok v2"})

    changes = sync(root, course)

    assert actions(changes)["01_tok.ipynb"] == "not ours"
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("edited")
    assert "manifest.json could not be read" in capsys.readouterr().err


class Crash(Exception):
    """Stands for the process being killed."""


def crash_on_call(monkeypatch, module_attribute: str, n: int) -> None:
    """Make `workspace.<module_attribute>` raise Crash on its n-th call (1-based), after the calls before it."""
    original = getattr(workspace, module_attribute)
    calls = {"count": 0}

    def wrapper(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise Crash(f"killed during call {n} of {module_attribute}")
        return original(*args, **kwargs)

    monkeypatch.setattr(workspace, module_attribute, wrapper)


def test_a_copy_interrupted_before_a_rename_leaves_no_partial_file_and_loses_no_edit(root, course, monkeypatch):
    sync(root, course)
    edited = notebook("my notes")
    (root / "fr" / "00_intro.ipynb").write_bytes(edited)
    write_course(course, {name: f"{name} v2" for name in ("00_intro.ipynb", "01_tok.ipynb", "02_img.ipynb")})
    # Writes in order: 00's new version beside, 01, the manifest, 02, ...: die inside the rename of 01.
    real_replace = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            assert Path(src).name.endswith(".autotutor-tmp") and Path(dst).name == "01_tok.ipynb"
            raise Crash
        real_replace(src, dst)

    monkeypatch.setattr(workspace.os, "replace", replace)
    with pytest.raises(Crash):
        sync(root, course)
    monkeypatch.setattr(workspace.os, "replace", real_replace)

    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("tok v1")  # whole, the old version
    assert not list((root / "fr").glob(".*"))  # the temporary file went with the failure
    changes = sync(root, course)

    assert actions(changes) == {"00_intro.ipynb": "kept", "01_tok.ipynb": "updated", "02_img.ipynb": "updated"}
    assert (root / "fr" / "00_intro.ipynb").read_bytes() == edited
    for name in ("01_tok.ipynb", "02_img.ipynb"):
        assert (root / "fr" / name).read_bytes() == notebook(f"{name} v2")


def test_a_crash_between_a_copy_and_its_record_is_recognised_not_taken_for_an_edit(root, course, monkeypatch):
    sync(root, course)
    write_course(course, {"01_tok.ipynb": "tok v2", "02_img.ipynb": "img v2"})
    crash_on_call(monkeypatch, "_save_manifest", 1)  # 01 renamed into place, its record never written
    with pytest.raises(Crash):
        sync(root, course)
    monkeypatch.undo()
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("tok v2")
    assert manifest(root)["fr/01_tok.ipynb"] == sha(notebook("tok v1"))

    changes = sync(root, course)

    assert actions(changes) == {"00_intro.ipynb": "unchanged", "01_tok.ipynb": "unchanged", "02_img.ipynb": "updated"}
    assert not list((root / "fr").glob("*.updated-*"))
    assert manifest(root)["fr/01_tok.ipynb"] == sha(notebook("tok v2"))


def test_a_process_killed_mid_copy_leaves_whole_files_and_the_next_run_completes(root, course, tmp_path):
    """A real SIGKILL after the 2nd file's data is written and flushed, before it is renamed into place."""
    sync(root, course)
    edited = notebook("my notes in the intro")
    (root / "fr" / "00_intro.ipynb").write_bytes(edited)
    write_course(course, {name: f"{name} v2" for name in ("00_intro.ipynb", "01_tok.ipynb", "02_img.ipynb")})
    script = textwrap.dedent(f"""
        import os, signal
        from autotutor.course import workspace
        fsyncs = 0
        real_fsync = os.fsync
        def fsync(fd):
            global fsyncs
            real_fsync(fd)
            fsyncs += 1
            if fsyncs == 3:  # the beside file (its data, its folder), then 01's data: die before its rename
                os.kill(os.getpid(), signal.SIGKILL)
        workspace.os.fsync = fsync
        workspace.sync_lessons("fr", {str(root)!r}, source={str(course)!r})
    """)
    killed = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent, timeout=60)
    assert killed.returncode == -9
    leftovers = list((root / "fr").glob(".01_tok.ipynb.*.autotutor-tmp"))
    assert len(leftovers) == 1 and leftovers[0].read_bytes() == notebook("01_tok.ipynb v2")
    assert (root / "fr" / "01_tok.ipynb").read_bytes() == notebook("tok v1")

    changes = sync(root, course)

    assert actions(changes) == {"00_intro.ipynb": "kept", "01_tok.ipynb": "updated", "02_img.ipynb": "updated"}
    assert (root / "fr" / "00_intro.ipynb").read_bytes() == edited
    assert not list((root / "fr").glob(".*"))  # the leftover was cleared
    assert sorted(p.name for p in (root / "fr").iterdir() if ".updated-" in p.name) == [
        f"00_intro.updated-{datetime.date.today().isoformat()}.ipynb"]


def test_the_real_lessons_are_copied_from_the_generated_notebooks(tmp_path):
    changes = sync_lessons("ar", tmp_path / "course")

    names = sorted(p.name for p in (COURSE_DIR / "ar").glob("*.ipynb"))
    assert [c.path.name for c in changes] == names and len(names) >= 8
    for name in names:
        assert (tmp_path / "course" / "ar" / name).read_bytes() == (COURSE_DIR / "ar" / name).read_bytes()


def test_messages_are_in_the_current_language(root, course):
    sync(root, course)
    (root / "fr" / "01_tok.ipynb").write_bytes(notebook("mine"))
    write_course(course, {"01_tok.ipynb": "tok v2"})
    changes = sync(root, course)

    for lang in ("fr", "ar"):
        set_language(lang)
        line = describe(changes)[0]
        template = translate("You have changed {name}, so your version is kept as it is. The course's new version "
                             "of this lesson is beside it: {new}", lang)
        assert line == template.format(name="01_tok.ipynb", new="01_tok.updated-2026-11-23.ipynb")
        assert "You have changed" not in line and "<" not in line  # translated, and plain text
    set_language("ar")
    assert any("\u0600" <= ch <= "\u06ff" for ch in describe(changes)[0])


def test_unknown_language_or_missing_lessons_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="'de' is not available; choose one of en, fr, ar"):
        sync_lessons("de", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"No lessons in .*empty.*autotutor i18n notebooks"):
        sync_lessons("fr", tmp_path / "ws", source=tmp_path / "empty")
