"""Rules that keep the library readable as a lesson."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import pytest

MODELS = sorted((Path(__file__).parent.parent / "autotutor" / "models").glob("[!_]*.py"))
COPIED = re.compile(r"^\s*# Copied from (autotutor\.[\w.]+)\s*$")


def _source_of(dotted: str) -> str:
    """'autotutor.models.bert.BertEncoder.forward' → that method's source, dedented."""
    parts = dotted.split(".")
    obj = importlib.import_module(".".join(parts[:3]))
    for attr in parts[3:]:
        obj = getattr(obj, attr)
    return textwrap.dedent(inspect.getsource(obj))


def _copies():
    for path in MODELS:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            m = COPIED.match(line)
            if m:
                yield pytest.param(path, i, m.group(1), id=f"{path.stem}:{i + 1}")


@pytest.mark.parametrize("path,line,original", list(_copies()))
def test_copied_blocks_stay_equal_to_their_original(path, line, original):
    """A block marked '# Copied from X' must read exactly like X, so a fix to one reaches the other."""
    tree = ast.parse(path.read_text())
    node = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.lineno == line + 2)
    copy = textwrap.dedent("\n".join(path.read_text().splitlines()[node.lineno - 1: node.end_lineno])) + "\n"
    assert copy == _source_of(original)


def test_there_is_at_least_one_marked_copy():
    assert list(_copies())


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_model_files_stand_alone(path):
    """One architecture per file: a model file never imports another model file, and stays short."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not (node.level == 1 and node.module), f"{path.name} imports models.{node.module}"
            assert "models" not in node.module.split("."), f"{path.name} imports {node.module}"
    assert len(path.read_text().splitlines()) <= 400


def _functions(path: Path):
    """(qualified name, line of the def, dedented source) of every function and method of a model file."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield f"{node.name}.{item.name}", item.lineno, textwrap.dedent("\n".join(lines[item.lineno - 1:item.end_lineno]))
        elif isinstance(node, ast.FunctionDef) and node.col_offset == 0:
            yield node.name, node.lineno, "\n".join(lines[node.lineno - 1:node.end_lineno])


def test_blocks_repeated_between_model_files_are_marked_as_copies():
    """The same function or method, five lines or more, in two model files: the later one says it is a copy."""
    seen: dict[str, tuple[Path, str]] = {}
    unmarked, repeats = [], 0
    for path in MODELS:
        lines = path.read_text().splitlines()
        for name, lineno, source in _functions(path):
            if source.count("\n") < 4:
                continue
            if source in seen and seen[source][0] != path:
                repeats += 1
                marked = lineno >= 2 and COPIED.match(lines[lineno - 2])
                if not marked:
                    unmarked.append(f"{path.stem}.{name} repeats {seen[source][0].stem}.{seen[source][1]}")
            else:
                seen.setdefault(source, (path, name))
    assert repeats >= 1  # the checker sees the marked copy (distilbert's Transformer.forward): it is not blind
    assert not unmarked, "mark these with '# Copied from autotutor.models.<file>.<name>':\n" + "\n".join(unmarked)
