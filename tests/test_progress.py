"""A learner's progress: recorded atomically, under a lock, never lost; `autotutor progress`; the lesson's line."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from autotutor.course import progress
from autotutor.course.cli import main

LESSON = "01_autotokenizer"
FAKE = {  # a small course: two exercises in lesson 01, one in lesson 02
    "01.pad_batch": SimpleNamespace(id="01.pad_batch", lesson=LESSON, title="Pad a batch"),
    "01.split_words": SimpleNamespace(id="01.split_words", lesson=LESSON, title="Split words"),
    "02.resize": SimpleNamespace(id="02.resize", lesson="02_autoimageprocessor", title="Resize"),
}


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A fresh workspace named by AUTOTUTOR_WORKSPACE, and the fake course in place of the real one."""
    monkeypatch.setenv("AUTOTUTOR_WORKSPACE", str(tmp_path / "course"))
    monkeypatch.setattr(progress, "course_exercises", lambda: FAKE)
    return tmp_path / "course"


def test_the_file_lives_in_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOTUTOR_WORKSPACE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_path() == tmp_path / "autotutor-course" / ".autotutor" / "progress.json"
    monkeypatch.setenv("AUTOTUTOR_WORKSPACE", str(tmp_path / "elsewhere"))
    assert progress.progress_path() == tmp_path / "elsewhere" / ".autotutor" / "progress.json"
    assert progress.progress_path(tmp_path / "given") == tmp_path / "given" / ".autotutor" / "progress.json"


def test_a_passed_exercise_stays_passed_and_every_attempt_counts(ws):
    assert progress.load() == {"version": 1, "learner": None, "exercises": {}}
    progress.record("01.pad_batch", code="wrong_padding_side", passed=False, lesson=LESSON,
                    message="Not yet: the padding is on the {side}.")
    right = progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    later = progress.record("01.pad_batch", code="wrong_padding_side", passed=False, lesson=LESSON)
    assert right["passed"] and later["passed"] and later["first_passed"] == right["first_passed"]
    entry = progress.load()["exercises"]["01.pad_batch"]
    assert entry["attempts"] == 3 and entry["codes"] == {"wrong_padding_side": 2, "right": 1}
    assert entry["last"]["code"] == "wrong_padding_side" and entry["lesson"] == LESSON
    assert entry["messages"] == {"wrong_padding_side": "Not yet: the padding is on the {side}."}
    assert progress.lesson_summary(LESSON) == (1, 2)
    assert progress.lesson_summary(LESSON, ["01.pad_batch"]) == (1, 1)
    assert progress.lesson_summary("02_autoimageprocessor") == (0, 1)


def _recorder(workspace: str, exercise_id: str, start, n: int) -> None:
    start.wait()
    for _ in range(n):
        progress.record(exercise_id, code="not_done", passed=False, lesson=LESSON, workspace=workspace)


def test_two_kernels_recording_at_once_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    workers = [context.Process(target=_recorder, args=(str(tmp_path), exercise_id, start, 50))
               for exercise_id in ("01.pad_batch", "01.pad_batch")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert progress.load(tmp_path)["exercises"]["01.pad_batch"]["attempts"] == 100


def test_a_crash_between_the_temporary_file_and_the_rename_keeps_the_old_file(ws, monkeypatch):
    progress.record("01.pad_batch", code="not_done", passed=False, lesson=LESSON)
    before = progress.progress_path().read_bytes()

    def crash(src, dst):  # the kernel dies here: the new file is written, not yet renamed
        raise KeyboardInterrupt

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(os, "replace", crash)
        progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    assert progress.progress_path().read_bytes() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read as it is: nothing set aside
        assert progress.load(ws)["exercises"]["01.pad_batch"]["attempts"] == 1


CHILD = textwrap.dedent("""
    import builtins, os, sys, time
    from autotutor.course import progress, workspace

    ws, signal_file, mode = sys.argv[1:]

    def stop_here():  # tell the test where we are, then wait for its SIGKILL
        open(signal_file, "w").close()
        time.sleep(60)

    if mode == "mid-write":  # half of the new file is on disk when the kernel dies
        class Half:
            def __init__(self, f): self.f = f
            def __enter__(self): return self
            def __exit__(self, *exc): self.f.close()
            def write(self, data):
                self.f.write(data[: len(data) // 2]); self.f.flush(); os.fsync(self.f.fileno()); stop_here()
        workspace.open = lambda path, mode: Half(builtins.open(path, mode))
    else:  # the whole new file is on disk, not yet renamed
        os.replace = lambda src, dst: stop_here()
    progress.record("01.pad_batch", code="right", passed=True, lesson="01_autotokenizer", workspace=ws)
""")


@pytest.mark.parametrize("mode", ["mid-write", "before-rename"])
def test_a_kernel_killed_while_saving_leaves_the_old_file_whole(tmp_path, mode):
    progress.record("01.pad_batch", code="not_done", passed=False, lesson=LESSON, workspace=tmp_path)
    path = progress.progress_path(tmp_path)
    before = path.read_bytes()
    signal_file = tmp_path / "stopped"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(signal_file), mode])
    try:
        deadline = time.monotonic() + 60
        while not signal_file.exists():
            assert child.poll() is None and time.monotonic() < deadline, "the child never reached the save"
            time.sleep(0.02)
        leftovers = list(path.parent.glob(".progress.json.*"))
        assert leftovers and leftovers[0].read_bytes() != before  # the new file was being written beside it
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert progress.load(tmp_path)["exercises"]["01.pad_batch"]["attempts"] == 1
    progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON, workspace=tmp_path)
    assert progress.load(tmp_path)["exercises"]["01.pad_batch"]["attempts"] == 2
    assert not list(path.parent.glob(".progress.json.*"))  # the next save swept the half-written file away


@pytest.mark.parametrize("content", [b"{not json", b'{"exercises": {"01.pad_batch": {"passed": "yes"}}}',
                                     b"[" * 100_000, b'{"version": 1}'])
def test_a_damaged_file_is_set_aside_with_a_warning_and_the_lesson_goes_on(ws, content):
    path = progress.progress_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.warns(UserWarning, match="could not be read"):
        assert progress.load()["exercises"] == {}
    [aside] = path.parent.glob("progress.json.damaged-*")
    assert aside.read_bytes() == content and not path.exists()
    entry = progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    assert entry["passed"] and progress.load()["exercises"]["01.pad_batch"]["attempts"] == 1


def test_a_record_that_cannot_be_saved_warns_instead_of_stopping_the_lesson(ws, monkeypatch):
    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress, "_atomic_write", full_disk)
    with pytest.warns(UserWarning, match="could not be recorded"):
        entry = progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    assert entry["passed"] and entry["attempts"] == 1


def test_progress_prints_each_lesson_in_the_learners_language(ws, capsys, monkeypatch):
    progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    progress.record("01.split_words", code="raised", passed=False, lesson=LESSON)
    assert main(["progress", "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["01_autotokenizer: 1 of 2 done",
                       "  ✓ 01.pad_batch  Pad a batch — done",
                       "  ✗ 01.split_words  Split words — not passed yet, attempts: 1",
                       "02_autoimageprocessor: 0 of 1 done",
                       "  · 02.resize  Resize — not tried yet"]
    from autotutor import i18n

    fr = {"{lesson}: {done} of {total} done": "{lesson} : {done} sur {total} faits"}
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fr if lang == "fr" else {})
    assert main(["progress", "--lang", "fr"]) == 0
    assert "01_autotokenizer : 1 sur 2 faits" in capsys.readouterr().out
    assert main(["progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exercises"]["01.pad_batch"]["passed"] is True


def test_the_export_holds_results_and_verdict_codes_only(ws, tmp_path, capsys):
    progress.record("01.pad_batch", code="wrong_padding_side", passed=False, lesson=LESSON, message="Not yet: {x}")
    progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    assert main(["progress", "--export", str(tmp_path / "ada.json")]) == 1  # whose is it?
    assert "--name" in capsys.readouterr().err
    assert main(["progress", "--export", str(tmp_path / "ada.json"), "--name", "  Ada \n Lovelace "]) == 0
    exported = json.loads((tmp_path / "ada.json").read_text())
    assert exported == {"version": 1, "learner": "Ada Lovelace", "exercises": {"01.pad_batch": {
        "lesson": LESSON, "passed": True, "attempts": 2, "codes": {"right": 1, "wrong_padding_side": 1},
        "messages": {"wrong_padding_side": "Not yet: {x}"}}}}
    assert main(["progress", "--export", str(tmp_path / "again.json")]) == 0  # the name was remembered
    assert json.loads((tmp_path / "again.json").read_text())["learner"] == "Ada Lovelace"
    assert main(["progress", "--export", str(tmp_path / "no" / "such" / "folder.json")]) == 1
    assert "Could not write" in capsys.readouterr().err


def test_the_lessons_line_counts_redraws_and_compares_the_same_in_nbval(ws, monkeypatch):
    from autotutor import i18n
    from autotutor.course.progress_note import progress_note

    assert progress_note("00_introduction") is None  # no exercises: no line
    note = progress_note(LESSON)
    assert "Exercises of this lesson: 0 of 2 done" in note.value
    assert note._repr_mimebundle_()["text/plain"] == "ProgressNote('01_autotokenizer')"
    progress.record("01.pad_batch", code="right", passed=True, lesson=LESSON)
    assert "1 of 2 done" in note.value  # redrawn by the check, further down the lesson
    assert note._repr_mimebundle_()["text/plain"] == "ProgressNote('01_autotokenizer')"  # whatever the count
    fr = {"Exercises of this lesson: {done} of {total} done": "Exercices de cette leçon : {done} sur {total} faits"}
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fr if lang == "fr" else {})
    i18n.set_language("fr")
    try:
        assert "Exercices de cette leçon : 1 sur 2 faits" in note.value and 'lang="fr"' in note.value
    finally:
        i18n.set_language("en")


def test_setup_shows_the_switch_then_the_lessons_line(ws, monkeypatch):
    import IPython.display

    from autotutor.course import setup

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setattr("autotutor.course.pack_build.ensure_installed", lambda: False)
    monkeypatch.setenv("AUTOTUTOR_LANG", "en")
    setup(LESSON)
    assert [type(w).__name__ for w in shown] == ["HBox", "ProgressNote"]
    shown.clear()
    setup("00_introduction")  # no exercises
    setup()  # a notebook of the learner's own
    assert [type(w).__name__ for w in shown] == ["HBox", "HBox"]


def test_a_generated_lesson_stores_the_same_plain_text_whatever_the_progress(tmp_path, monkeypatch):
    """What nbval compares: the first cell's text/plain outputs, in runs with different progress. The generator
    itself runs each lesson as a new learner, whatever the progress of whoever runs it."""
    import shutil

    import nbformat
    from nbclient import NotebookClient

    from autotutor.course import notebooks as build

    monkeypatch.setenv("AUTOTUTOR_WORKSPACE", str(tmp_path / "course"))
    (tmp_path / "lessons").mkdir()
    source = tmp_path / "lessons" / "01_autotokenizer.ipynb"  # a lesson with exercises in the real course
    shutil.copyfile(Path(__file__).parent / "data" / "lessons" / "00_sample.ipynb", source)
    total = len(progress.lesson_exercises(LESSON))
    progress.record(progress.lesson_exercises(LESSON)[0], code="right", passed=True, lesson=LESSON)

    generated = nbformat.read(build.build_notebook(source, "en", out_dir=tmp_path / "notebooks"), as_version=4)
    assert generated.cells[1].source.endswith('setup("01_autotokenizer")')
    assert f"0 of {total} done" in json.dumps(generated.metadata.widgets)  # a new learner's, not this machine's
    assert progress.load()["exercises"].keys() == {progress.lesson_exercises(LESSON)[0]}  # nothing recorded here

    run = nbformat.from_dict(build.translate_notebook(source, "en"))  # as nbval runs it: in this workspace
    NotebookClient(run, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={k: v for k, v in os.environ.items() if k != "AUTOTUTOR_LANG"})
    assert f"1 of {total} done" in json.dumps(run.metadata.widgets)
    plain = [[output.data["text/plain"] for output in nb.cells[1].outputs] for nb in (generated, run)]
    assert plain[0] == plain[1] and plain[0][1] == "ProgressNote('01_autotokenizer')"
