"""The house's rules, as tests: three rooms with imports pointing down, no import cycle, modules short enough
to read top to bottom.

    course/ (the tooling)  →  lessons/, then widgets/ (what lesson cells call)  →  the library core

Every `import` and `from … import` of autotutor's modules is read from the source (at any depth: the lazy
imports inside functions count too), so a rule cannot be dodged by importing late.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autotutor"
MAX_NON_BLANK = 500  # a module a learner reads top to bottom
MAX_MODEL_LINES = 400  # one architecture per file (tests/test_style.py also holds this)


def _module_name(path: Path) -> str:
    parts = ["autotutor", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The autotutor modules `name` imports, resolved to the module (or package) it reads from."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("autotutor")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("autotutor"):
                continue
            for alias in node.names:  # `from . import marks` imports the module autotutor.lessons.marks
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {module for module in found if module in MODULES and module != name}


def _room(name: str) -> str:
    for room in ("course", "lessons", "widgets"):
        if name == f"autotutor.{room}" or name.startswith(f"autotutor.{room}."):
            return room
    return "core"


# Which rooms each room may import from. Down the list only.
ALLOWED = {
    "course": {"course", "widgets", "lessons", "core"},
    "widgets": {"widgets", "lessons", "core"},
    "lessons": {"lessons", "core"},
    "core": {"core"},
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    room = _room(name)
    wrong = sorted(m for m in _imports(name) if _room(m) not in ALLOWED[room])
    assert not wrong, f"{name} ({room}) imports {wrong}: only {sorted(ALLOWED[room])} are below it"


def test_the_package_root_exports_only_the_core():
    """`import autotutor` gives the library: no lesson, widget or tooling comes with it."""
    assert {_room(m) for m in _imports("autotutor")} == {"core"}


def test_no_import_cycle():
    graph = {name: _imports(name) for name in MODULES}
    # A package imports its own modules (`autotutor/__init__.py` re-exports); a module importing its own
    # package's __init__ is what would close a loop, and is counted like any other edge.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + "."):  # a package's own submodule: not a cycle through the package
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_readable(name):
    path = MODULES[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    non_blank = sum(1 for line in lines if line.strip())
    assert non_blank <= MAX_NON_BLANK, f"{path.relative_to(PACKAGE.parent)}: {non_blank} non-blank lines"
    if name.startswith("autotutor.models."):
        assert len(lines) <= MAX_MODEL_LINES, f"{path.relative_to(PACKAGE.parent)}: {len(lines)} lines"


def test_the_rules_catch_what_they_should(tmp_path, monkeypatch):
    """The checker itself: a core module importing a lesson, and two modules importing each other, are found."""
    core, lesson = tmp_path / "core.py", tmp_path / "lesson.py"
    core.write_text("from .lessons import quiz\nfrom autotutor import lesson_b\n", encoding="utf-8")
    lesson.write_text("def f():\n    from autotutor import core_a\n", encoding="utf-8")
    fake = {"autotutor.core_a": core, "autotutor.lesson_b": lesson, "autotutor.lessons.quiz": lesson,
            "autotutor.lessons": lesson}
    monkeypatch.setitem(globals(), "MODULES", fake)
    assert _imports("autotutor.core_a") == {"autotutor.lessons.quiz", "autotutor.lesson_b"}
    assert _room("autotutor.lessons.quiz") == "lessons" and "lessons" not in ALLOWED["core"]
    assert _imports("autotutor.lesson_b") == {"autotutor.core_a"}  # the lazy import inside a function
