"""`autotutor doctor`: is this computer ready for the workshop? One line per check, with the fix.

Each check is a small function returning a `CheckResult`; `run_checks` runs them all in a few seconds (most
of it is `import torch`). They look, they never install or repair anything:

    check_python           Python 3.10 or newer
    check_torch            torch imports; whether it sees a GPU (the course runs on a CPU)
    check_pack             the offline course pack: every entry installed by this version of autotutor, every
                           file of its manifest present with the recorded size (no hashing: that is what
                           `autotutor pack verify` does, and it reads every byte)
    check_tesseract        the `tesseract` program, with English, French and Arabic data (AutoProcessor's OCR)
    check_espeak           the `espeak-ng` program (the course pack's speech clips)
    check_disk             free space where the course folder and the pack live
    check_jupyterlab       JupyterLab 4 installed (found and its version read, not imported: that takes 2 s)
    check_widgets          ipywidgets and jupyterlab_widgets (the lessons' explorers)
    check_language_packs   JupyterLab's French and Arabic menus

    >>> from autotutor.course.doctor import check_python
    >>> check_python().ok
    True
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..i18n import _, ngettext, number
from .workspace import DEFAULT_WORKSPACE, LANGUAGE_PACKS

__all__ = [
    "MIN_FREE_BYTES",
    "CheckResult",
    "check_disk",
    "check_espeak",
    "check_jupyterlab",
    "check_language_packs",
    "check_pack",
    "check_python",
    "check_tesseract",
    "check_torch",
    "check_widgets",
    "format_report",
    "run_checks",
]

MIN_FREE_BYTES = 1_000_000_000  # the pack takes about 350 MB; the rest is room for the student's work
TESSERACT_LANGUAGES = ("eng", "fra", "ara")
# The Debian/Ubuntu packages, and the make rule that installs all of them at once.
SYSTEM_FIX = "make system-deps"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: `name` (what was checked), `ok`, `detail` (what was found) and, when it is
    not ok, `fix` (what to do about it). Every text is already in the current language."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _problem(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, False, detail, fix)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _findable(module: str) -> bool:
    """True when `module` can be imported, without running it (sys.modules[module] = None means: cannot)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------------------------
def check_python(version: tuple[int, ...] | None = None) -> CheckResult:
    version = tuple(version or sys.version_info[:3])
    shown = ".".join(str(part) for part in version[:3])
    if version >= (3, 10):
        return CheckResult("Python", True, shown)
    return _problem("Python", _("version {version} is too old; the course needs 3.10 or newer").format(version=shown),
                    _("install Python 3.10 or newer, then create the environment again (`make clean lab`)"))


def check_torch() -> CheckResult:
    try:
        torch = importlib.import_module("torch")
    except ImportError as err:
        return _problem("torch", _("cannot be imported ({error})").format(error=err),
                        _("install it in this environment: pip install torch"))
    if torch.cuda.is_available():
        device = _("GPU: {name}").format(name=torch.cuda.get_device_name(0))
    else:
        device = _("CPU only, which is all the course needs")
    return CheckResult("torch", True, f"{torch.__version__} ({device})")


def check_pack() -> CheckResult:
    import json

    from ..pack.store import MANIFEST_NAME, entry_dir, pack_root
    from .pack_build import PACK_VERSION, entries
    from .pack_media import media_dir

    name = _("Offline course pack")
    root = pack_root()
    folders = {repo_id: entry_dir(repo_id) for repo_id in entries()} | {"media": media_dir(root)}
    for entry, folder in folders.items():
        try:
            manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return _problem(name, _("{entry} is not installed in {folder}").format(entry=entry, folder=root),
                            _("run `autotutor pack install`"))
        if manifest.get("pack_version") != PACK_VERSION:
            return _problem(name, _("{entry} was built by another version of autotutor").format(entry=entry),
                            _("run `autotutor pack install`"))
        for file, info in manifest.get("files", {}).items():
            path = folder / file
            if not path.is_file() or path.stat().st_size != info.get("size"):
                return _problem(name, _("{file} of {entry} is missing or damaged").format(file=file, entry=entry),
                                _("run `autotutor pack install --force --only {entry}`").format(entry=entry))
    complete = ngettext("{count} entry complete in {folder}", "{count} entries complete in {folder}", len(folders))
    return CheckResult(name, True, complete.format(count=len(folders), folder=root))


def check_tesseract() -> CheckResult:
    name = _("Tesseract (OCR)")
    program = shutil.which("tesseract")
    if program is None:
        return _problem(name, _("the `tesseract` program is not installed"),
                        _("run `{command}` (Debian/Ubuntu packages tesseract-ocr, tesseract-ocr-fra, "
                          "tesseract-ocr-ara)").format(command=SYSTEM_FIX))
    try:
        listed = subprocess.run([program, "--list-langs"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as err:
        return _problem(name, _("`tesseract --list-langs` failed ({error})").format(error=err),
                        _("reinstall it: `{command}`").format(command=SYSTEM_FIX))
    found = {line.strip() for line in listed.splitlines()}
    missing = [code for code in TESSERACT_LANGUAGES if code not in found]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code}" for code in missing)
        return _problem(name, _("no language data for: {codes}").format(codes=", ".join(missing)),
                        _("run `{command}` (Debian/Ubuntu packages: {packages})").format(command=SYSTEM_FIX,
                                                                                         packages=packages))
    return CheckResult(name, True, _("{program}, with eng, fra and ara").format(program=program))


def check_espeak() -> CheckResult:
    program = shutil.which("espeak-ng")
    if program is None:
        return _problem("espeak-ng", _("the `espeak-ng` program is not installed (it speaks the sample clips)"),
                        _("run `{command}` (Debian/Ubuntu package espeak-ng)").format(command=SYSTEM_FIX))
    return CheckResult("espeak-ng", True, program)


def _existing(path: Path) -> Path:
    """The folder itself, or its nearest existing parent (where it will be created)."""
    path = path.expanduser().absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_disk(workspace: str | os.PathLike[str] = DEFAULT_WORKSPACE, *, minimum: int = MIN_FREE_BYTES) -> CheckResult:
    from ..pack.store import pack_root

    name = _("Disk space")
    places = {Path(workspace).expanduser(), pack_root()}
    worst = min(((shutil.disk_usage(_existing(place)).free, place) for place in places), key=lambda item: item[0])
    free, place = worst
    shown = _("{free} GB free in {folder}").format(free=number(free / 1e9, 1), folder=place)
    if free < minimum:
        return _problem(name, shown + " " + _("(the course needs {need} GB)").format(need=number(minimum / 1e9, 1)),
                        _("free some space, or choose another folder with --workspace and AUTOTUTOR_PACK_DIR"))
    return CheckResult(name, True, shown)


def check_jupyterlab() -> CheckResult:
    version = _version("jupyterlab")
    if version is None or not _findable("jupyterlab"):
        return _problem("JupyterLab", _("not installed"), _("run: pip install -e '.[lab]'"))
    if int(version.split(".")[0]) < 4:
        return _problem("JupyterLab", _("version {version} is too old; the course needs JupyterLab 4")
                        .format(version=version), _("run: pip install -e '.[lab]'"))
    return CheckResult("JupyterLab", True, version)


def check_widgets() -> CheckResult:
    name = _("Widgets")
    missing = [package for package in ("ipywidgets", "jupyterlab_widgets")
               if _version(package) is None or not _findable(package)]
    if missing:
        return _problem(name, _("missing: {packages} (the lessons' explorers need them)")
                        .format(packages=", ".join(missing)), _("run: pip install -e '.[lab]'"))
    return CheckResult(name, True, f"ipywidgets {_version('ipywidgets')}, jupyterlab_widgets {_version('jupyterlab_widgets')}")


def check_language_packs() -> CheckResult:
    name = _("JupyterLab in French and Arabic")
    missing = [package for package in LANGUAGE_PACKS.values()
               if _version(package) is None or not _findable(package.replace("-", "_"))]
    if missing:
        return _problem(name, _("missing: {packages} (JupyterLab's menus would stay in English)")
                        .format(packages=", ".join(missing)), _("run: pip install {packages}").format(packages=" ".join(missing)))
    return CheckResult(name, True, ", ".join(f"{package} {_version(package)}" for package in LANGUAGE_PACKS.values()))


def run_checks(*, workspace: str | os.PathLike[str] = DEFAULT_WORKSPACE) -> list[CheckResult]:
    """Every check, in the order a workshop needs them; each one catches its own problems."""
    return [check_python(), check_torch(), check_pack(), check_tesseract(), check_espeak(), check_disk(workspace),
            check_jupyterlab(), check_widgets(), check_language_packs()]


def format_report(results: list[CheckResult]) -> list[str]:
    """The lines `autotutor doctor` prints: status, name, what was found, and the fix; then a summary.

    Plain text in every language (a terminal shows no HTML), Arabic included.
    """
    ok_word, problem_word = _("ok"), _("problem")
    width = max(len(ok_word), len(problem_word))
    lines = []
    for result in results:
        found = _("{check}: {detail}").format(check=result.name, detail=result.detail)
        line = f"{(ok_word if result.ok else problem_word):<{width}}  {found}"
        if not result.ok:
            line += " — " + _("Fix: {fix}").format(fix=result.fix)
        lines.append(line)
    problems = sum(not result.ok for result in results)
    if problems:
        lines.append(ngettext("{count} problem to fix before the workshop.",
                              "{count} problems to fix before the workshop.", problems).format(count=problems))
    else:
        lines.append(_("Everything is ready for the workshop."))
    return lines
