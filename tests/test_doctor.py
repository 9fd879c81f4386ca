"""`autotutor doctor`: every check passes on a machine set up for the course, and each one fails clearly,
with its fix, when its dependency is taken away."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import namedtuple
from importlib import metadata
from pathlib import Path

import pytest

from autotutor.course import doctor
from autotutor.course.cli import main
from autotutor.course.doctor import CheckResult, format_report, run_checks
from autotutor.i18n import set_language, translate


def test_every_check_passes_on_this_machine(tmp_path):
    from autotutor.course.pack_build import ensure_installed

    ensure_installed()  # what `autotutor lab` does first; a no-op once the pack is there
    results = run_checks(workspace=tmp_path / "course")

    assert [r.name for r in results] == ["Python", "torch", "Offline course pack", "Tesseract (OCR)", "espeak-ng",
                                         "Disk space", "JupyterLab", "Widgets", "JupyterLab in French and Arabic"]
    assert [r for r in results if not r.ok] == []
    assert all(r.detail and not r.fix for r in results)
    assert main(["doctor", "--workspace", str(tmp_path)]) == 0


def failed(result: CheckResult, *in_detail_and_fix: str) -> None:
    """The check failed, and its detail + fix mention each of the given words."""
    assert not result.ok
    assert result.fix
    text = f"{result.detail} {result.fix}"
    for word in in_detail_and_fix:
        assert word in text, f"{word!r} not in {text!r}"


def test_python_too_old():
    failed(doctor.check_python((3, 9, 18)), "3.9.18", "3.10")
    assert doctor.check_python((3, 10, 0)).ok


def test_torch_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    failed(doctor.check_torch(), "pip install torch")


def test_torch_reports_the_device():
    import torch

    result = doctor.check_torch()
    assert result.ok and torch.__version__ in result.detail
    assert ("GPU" in result.detail) == torch.cuda.is_available()


def fake_pack(root: Path) -> None:
    """A pack whose every entry has a manifest and one small file, as `autotutor pack install` lays it out."""
    from autotutor.course.pack_build import PACK_VERSION, entries
    from autotutor.course.pack_media import media_dir
    from autotutor.pack.store import MANIFEST_NAME, entry_dir

    for folder in [entry_dir(repo_id) for repo_id in entries()] + [media_dir(root)]:
        folder.mkdir(parents=True)
        (folder / "config.json").write_text("{}")
        manifest = {"pack_version": PACK_VERSION, "files": {"config.json": {"size": 2, "sha256": "-"}}}
        (folder / MANIFEST_NAME).write_text(json.dumps(manifest))


def test_pack_missing_damaged_or_outdated(tmp_path, monkeypatch):
    from autotutor.pack.store import MANIFEST_NAME, entry_dir

    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(tmp_path / "pack"))
    failed(doctor.check_pack(), "not installed", str(tmp_path / "pack"), "autotutor pack install")

    fake_pack(tmp_path / "pack")
    assert doctor.check_pack().ok
    (entry_dir("google/vit-base-patch16-224") / "config.json").write_text("{ }")  # one byte longer
    failed(doctor.check_pack(), "config.json", "google/vit-base-patch16-224",
           "autotutor pack install --force --only google/vit-base-patch16-224")

    manifest = entry_dir("google-bert/bert-base-uncased") / MANIFEST_NAME
    manifest.write_text(json.dumps({"pack_version": -1, "files": {}}))
    failed(doctor.check_pack(), "google-bert/bert-base-uncased", "another version", "autotutor pack install")


def which_without(*missing: str):
    real = shutil.which

    def which(name, *args, **kwargs):
        return None if name in missing else real(name, *args, **kwargs)

    return which


def test_tesseract_missing(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", which_without("tesseract"))
    failed(doctor.check_tesseract(), "tesseract", "make system-deps", "tesseract-ocr-ara")


def test_tesseract_without_arabic_data(monkeypatch):
    listing = "List of available languages in \"/usr/share/tesseract-ocr/5/tessdata/\" (3):\neng\nfra\nosd\n"
    monkeypatch.setattr(doctor.subprocess, "run",
                        lambda argv, **kw: subprocess.CompletedProcess(argv, 0, stdout=listing, stderr=""))
    failed(doctor.check_tesseract(), "ara", "tesseract-ocr-ara", "make system-deps")
    assert "fra" not in doctor.check_tesseract().fix


def test_espeak_missing(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", which_without("espeak-ng"))
    failed(doctor.check_espeak(), "espeak-ng", "make system-deps")


def test_disk_nearly_full(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: usage(10**11, 10**11 - 2 * 10**8, 2 * 10**8))
    failed(doctor.check_disk(tmp_path / "not-yet-created"), "0.2 GB", "1.0 GB", "--workspace")
    assert doctor.check_disk(tmp_path, minimum=10**8).ok


def version_without(*missing: str, **versions: str):
    real = metadata.version

    def version(name):
        if name in missing:
            raise metadata.PackageNotFoundError(name)
        return versions.get(name) or real(name)

    return version


def test_jupyterlab_missing_or_old(monkeypatch):
    monkeypatch.setattr(doctor.metadata, "version", version_without("jupyterlab"))
    failed(doctor.check_jupyterlab(), "pip install -e '.[lab]'")
    monkeypatch.setattr(doctor.metadata, "version", version_without(jupyterlab="3.6.8"))
    failed(doctor.check_jupyterlab(), "3.6.8", "JupyterLab 4")


def test_widgets_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "jupyterlab_widgets", None)
    failed(doctor.check_widgets(), "jupyterlab_widgets", "pip install -e '.[lab]'")
    assert "ipywidgets," not in doctor.check_widgets().detail


def test_language_pack_missing(monkeypatch):
    monkeypatch.setattr(doctor.metadata, "version", version_without("jupyterlab-language-pack-ar-SA"))
    failed(doctor.check_language_packs(), "pip install jupyterlab-language-pack-ar-SA")
    assert "fr-FR" not in doctor.check_language_packs().fix


def test_exit_status_is_1_when_a_check_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(doctor.shutil, "which", which_without("espeak-ng"))
    assert main(["doctor", "--lang", "en", "--workspace", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 problem to fix before the workshop."
    assert [line for line in out if line.startswith("problem")] == [
        "problem  espeak-ng: the `espeak-ng` program is not installed (it speaks the sample clips) — "
        "Fix: run `make system-deps` (Debian/Ubuntu package espeak-ng)"]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_report_is_in_the_chosen_language(lang, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(doctor.shutil, "which", which_without("espeak-ng", "tesseract"))
    assert main(["doctor", "--lang", lang, "--workspace", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()

    problem, ok = translate("problem", lang), translate("ok", lang)
    assert problem != "problem"
    assert sum(line.startswith(problem) for line in out) == 2
    espeak = next(line for line in out if "espeak-ng" in line)
    fix = translate("Fix: {fix}", lang).format(
        fix=translate("run `{command}` (Debian/Ubuntu package espeak-ng)", lang).format(command="make system-deps"))
    assert espeak.endswith(fix) and fix != "Fix: run `make system-deps` (Debian/Ubuntu package espeak-ng)"
    # the count in the language's own form: French writes the number, Arabic's dual says "two" by itself (مشكلتان)
    assert out[-1] != "2 problems to fix before the workshop." and ("2" in out[-1] or "مشكلتان" in out[-1])
    assert any(line.startswith(ok) for line in out)
    assert not any("<" in line for line in out)  # plain text in a terminal, no HTML
    if lang == "ar":
        assert any("\u0600" <= ch <= "\u06ff" for ch in out[-1])


def test_format_report_of_all_good_checks():
    set_language("fr")
    lines = format_report([CheckResult("Python", True, "3.11.7")])
    found = translate("{check}: {detail}", "fr").format(check="Python", detail="3.11.7")
    assert found == "Python\u00a0: 3.11.7"  # French puts a (non-breaking) space before a colon
    assert lines[0].startswith(translate("ok", "fr")) and lines[0].endswith("  " + found)
    assert lines[1] == translate("Everything is ready for the workshop.", "fr") != "Everything is ready for the workshop."
