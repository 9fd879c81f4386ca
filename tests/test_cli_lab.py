"""`autotutor lab`: the workspace, the course pack, then JupyterLab in the chosen language.

Most tests replace the launcher and look at what would run; the last one really starts JupyterLab."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autotutor.course import workspace
from autotutor.course.cli import main
from autotutor.course.workspace import COURSE_DIR, LabLaunch, prepare_lab
from autotutor.i18n import translate

REPO = Path(__file__).resolve().parent.parent
PLUGIN = Path("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")


@pytest.fixture
def launched(monkeypatch):
    """Replace the pack installer and the launcher: record their calls, start nothing."""
    calls: dict[str, list] = {"pack": [], "launch": []}
    monkeypatch.setattr("autotutor.course.pack_build.ensure_installed", lambda: calls["pack"].append(True) or False)

    def run_jupyter(launch: LabLaunch) -> int:
        calls["launch"].append(launch)
        return 0

    monkeypatch.setattr(workspace, "run_jupyter", run_jupyter)
    return calls


def test_lab_copies_installs_and_starts_jupyterlab_in_french(tmp_path, launched, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AUTOTUTOR_LANG", "en")  # the shell's choice does not beat --lang in the lab
    ws = tmp_path / "course"

    assert main(["lab", "--lang", "fr", "--workspace", str(ws), "--no-open", "--port", "8123"]) == 0

    lessons = sorted(p.name for p in (COURSE_DIR / "fr").glob("*.ipynb"))
    assert sorted(p.name for p in (ws / "fr").iterdir()) == lessons
    assert launched["pack"] == [True]
    [launch] = launched["launch"]
    assert launch.argv[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ws / 'fr'}" in launch.argv
    assert "--ServerApp.port=8123" in launch.argv and "--no-browser" in launch.argv
    assert ("--allow-root" in launch.argv) == (os.geteuid() == 0)
    assert launch.cwd == ws / "fr"
    assert launch.env["AUTOTUTOR_LANG"] == "fr"
    assert launch.env["AUTOTUTOR_WORKSPACE"] == str(ws.resolve())  # where the exercises record their results
    assert json.loads((Path(launch.env["JUPYTERLAB_SETTINGS_DIR"]) / PLUGIN).read_text()) == {"locale": "fr_FR"}
    assert not (tmp_path / "home" / ".jupyter").exists()  # the student's own JupyterLab settings: untouched
    out = capsys.readouterr().out
    new_lesson = translate("New lesson: {name}", "fr")
    assert new_lesson != "New lesson: {name}" and new_lesson.format(name=lessons[0]) in out
    assert translate("Starting JupyterLab in {folder}. To stop it, press Ctrl+C twice.", "fr").format(
        folder=ws / "fr") in out


def test_lab_opens_the_browser_unless_told_not_to(tmp_path, launched):
    main(["lab", "--lang", "en", "--workspace", str(tmp_path)])
    assert "--no-browser" not in launched["launch"][0].argv
    assert not any(arg.startswith("--ServerApp.port") for arg in launched["launch"][0].argv)


def test_lab_rerun_after_an_update_keeps_the_students_edit_and_says_so(tmp_path, launched, monkeypatch, capsys):
    course = tmp_path / "notebooks"
    (course / "ar").mkdir(parents=True)
    for lesson in (COURSE_DIR / "ar").glob("*.ipynb"):
        (course / "ar" / lesson.name).write_bytes(lesson.read_bytes())
    monkeypatch.setattr(workspace, "COURSE_DIR", course)
    ws = tmp_path / "course"
    main(["lab", "--lang", "ar", "--workspace", str(ws), "--no-open"])
    mine = ws / "ar" / "01_autotokenizer.ipynb"
    edited = mine.read_bytes().replace(b'"cells": [', b'"cells": [{"cell_type": "markdown", "metadata": {}, '
                                                     b'"source": ["my notes"]}, ', 1)
    mine.write_bytes(edited)
    update = (course / "ar" / "01_autotokenizer.ipynb")
    update.write_bytes(update.read_bytes().replace(b'"nbformat_minor"', b'"x": 1, "nbformat_minor"', 1))
    capsys.readouterr()

    assert main(["lab", "--lang", "ar", "--workspace", str(ws), "--no-open"]) == 0

    assert mine.read_bytes() == edited
    [beside] = (ws / "ar").glob("01_autotokenizer.updated-*.ipynb")
    assert beside.read_bytes() == update.read_bytes()
    message = translate("You have changed {name}, so your version is kept as it is. The course's new version "
                        "of this lesson is beside it: {new}", "ar").format(name=mine.name, new=beside.name)
    assert message in capsys.readouterr().out.splitlines()


def test_print_command_shows_what_would_run_without_running_it(tmp_path, launched, capsys):
    assert main(["lab", "--lang", "ar", "--workspace", str(tmp_path / "ws"), "--no-open", "--print-command"]) == 0
    assert launched["launch"] == []
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(f"{sys.executable} -m jupyter lab --ServerApp.root_dir={tmp_path / 'ws' / 'ar'}")
    assert f"JUPYTERLAB_SETTINGS_DIR={tmp_path / 'ws' / '.autotutor' / 'lab-settings-ar'}" in lines
    assert "AUTOTUTOR_LANG=ar" in lines


def test_the_locale_setting_keeps_other_options_of_the_workspace(tmp_path):
    settings = tmp_path / ".autotutor" / "lab-settings-ar" / PLUGIN
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"locale": "fr_FR", "displayLanguagesInNativeLanguage": False}))

    launch = prepare_lab("ar", tmp_path, environ={"AUTOTUTOR_LANG": "fr", "PATH": "/usr/bin"})

    assert json.loads(settings.read_text()) == {"locale": "ar_SA", "displayLanguagesInNativeLanguage": False}
    assert launch.env == {"AUTOTUTOR_LANG": "ar", "PATH": "/usr/bin", "AUTOTUTOR_WORKSPACE": str(tmp_path.resolve()),
                          "JUPYTERLAB_SETTINGS_DIR": str(settings.parents[2])}
    assert launch.language_pack_missing is None


def test_a_missing_language_pack_is_named(tmp_path, monkeypatch, launched, capsys):
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(workspace.metadata, "version", lambda name: (_ for _ in ()).throw(
        metadata.PackageNotFoundError(name)) if name == "jupyterlab-language-pack-fr-FR" else real(name))
    main(["lab", "--lang", "fr", "--workspace", str(tmp_path), "--no-open"])
    out = capsys.readouterr().out
    assert translate("JupyterLab's menus will stay in English: its language pack is not installed. "
                     "Install it with: pip install {package}", "fr").format(
        package="jupyterlab-language-pack-fr-FR") in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_lab_really_serves_the_arabic_course(tmp_path):
    """`autotutor lab --lang ar --no-open` from a fresh home: JupyterLab answers, in Arabic, on the lessons."""
    from autotutor.pack.store import pack_root

    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "HOME": str(tmp_path / "home"), "JUPYTER_TOKEN": token,
           "AUTOTUTOR_PACK_DIR": str(pack_root())}  # the pack already built for this machine
    env.pop("AUTOTUTOR_LANG", None)
    log = open(tmp_path / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "autotutor.course.cli", "lab", "--lang", "ar", "--workspace", str(tmp_path / "course"),
         "--no-open", "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)  # its own process group: JupyterLab and its kernels stop together
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "lab.log").read_text()
            try:
                status = _get(f"{base}/api/status", token)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "lab.log").read_text()
                time.sleep(0.5)
        assert "started" in status

        arabic = _get(f"{base}/lab/api/translations/ar_SA", token)
        assert arabic["data"]["jupyterlab"]["Save"] == ["حفظ"]
        french = _get(f"{base}/lab/api/translations/fr_FR", token)
        assert french["data"]["jupyterlab"]["Save"] == ["Sauvegarder"]
        plugin = _get(f"{base}/lab/api/settings/@jupyterlab/translation-extension:plugin", token)
        assert plugin["settings"]["locale"] == "ar_SA"

        listing = _get(f"{base}/api/contents", token)
        names = sorted(item["name"] for item in listing["content"])
        assert names == sorted(p.name for p in (COURSE_DIR / "ar").glob("*.ipynb"))
        lesson = _get(f"{base}/api/contents/01_autotokenizer.ipynb", token)
        on_disk = json.loads((COURSE_DIR / "ar" / "01_autotokenizer.ipynb").read_text())["cells"]
        served = lesson["content"]["cells"]  # the contents API joins each cell's lines into one string
        assert [cell["source"] for cell in served] == ["".join(cell["source"]) for cell in on_disk]
        assert 'dir="rtl" lang="ar"' in served[0]["source"]
        assert not (tmp_path / "home" / ".jupyter" / "lab" / "user-settings").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()
    printed = (tmp_path / "lab.log").read_text()
    assert translate("New lesson: {name}", "ar").format(name="00_introduction.ipynb") in printed
