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
