"""English lesson sources → one notebook per language, translated from the catalogs and executed.

    lessons/01_autotokenizer.ipynb  ──►  notebooks/en/01_autotokenizer.ipynb
                                         notebooks/fr/01_autotokenizer.ipynb
                                         notebooks/ar/01_autotokenizer.ipynb

A markdown cell is cut into paragraphs (blocks separated by a blank line); each paragraph is one message of
the catalogs, so a translator sees prose, never markdown cells. Code cells are copied byte for byte. Arabic
cells are wrapped in `<div dir="rtl" lang="ar">` and their inline `code` becomes `<bdi><code>…</code></bdi>`,
so code keeps its left-to-right order inside right-to-left prose; their paragraphs are written as
`<p style="text-align: right">`, the one way to align them right that JupyterLab keeps (see `_rtl_paragraph`).
Each notebook is then run in its own folder (the first cell, `setup()`, reads the language from it) and keeps
its own outputs. That first cell is the one code cell the generator changes: it writes the lesson's name in,
`setup("01_autotokenizer")`, so that the lesson can show how many of its exercises the learner has done. Its
metadata records the source and the source's sha256, so `stale_notebooks()` can tell when it must be generated
again.

    python -m autotutor.course.notebooks          # or: autotutor i18n notebooks
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import ConfigError
from ..i18n import LANGUAGES, direction
from .glossary import glossary_markdown

__all__ = [
    "LESSONS_DIR",
    "NOTEBOOKS_DIR",
    "build_all",
    "build_notebook",
    "lesson_messages",
    "lesson_sources",
    "paragraphs",
    "setup_cell",
    "stale_notebooks",
    "translate_markdown",
    "translate_notebook",
]

REPO = Path(__file__).resolve().parent.parent.parent
LESSONS_DIR = REPO / "lessons"
NOTEBOOKS_DIR = REPO / "notebooks"
SETUP_CELL = "from autotutor.course import setup\nsetup()"


def setup_cell(lesson: str) -> str:
    """The generated notebook's first cell: `SETUP_CELL` with the lesson's name, `setup("01_autotokenizer")`."""
    return SETUP_CELL.replace("setup()", f'setup("{lesson}")')


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FENCE = re.compile(r"^(```|~~~)")


# ---------------------------------------------------------------------------------------------------------------
# Paragraphs: the unit of translation
# ---------------------------------------------------------------------------------------------------------------
def _blocks(markdown: str) -> list[str]:
    """The markdown's blocks, split at blank lines, except inside a fenced code block."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in markdown.strip("\n").split("\n"):
        stripped = line.strip()
        if fence is None and not stripped:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
        if _FENCE.match(stripped):
            if fence is None:
                fence = stripped[:3]
            elif stripped.startswith(fence):
                fence = None
    if current:
        blocks.append("\n".join(current))
    return [block.rstrip() for block in blocks]


def _is_code_block(block: str) -> bool:
    return bool(_FENCE.match(block.lstrip()))


def paragraphs(markdown: str) -> list[str]:
    """The paragraphs of a markdown cell that a translator translates: each block between blank lines (a
    heading, a paragraph, a whole list), except fenced code blocks, which stay as they are.

    >>> paragraphs("# Title\\n\\nSome *prose*\\non two lines.\\n\\n- one\\n- two")
    ['# Title', 'Some *prose*\\non two lines.', '- one\\n- two']
    """
    return [block for block in _blocks(markdown) if not _is_code_block(block)]


def _read_notebook(path: Path) -> dict:
    """A notebook as plain JSON, its cells' sources joined into strings (nbformat itself takes seconds to import)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if notebook.get("nbformat") != 4:
        raise ConfigError("{path} is not a version 4 notebook; open and save it in JupyterLab.", path=_relative(path))
    for cell in notebook["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return notebook


def lesson_sources() -> list[Path]:
    """The English lesson sources, in course order: lessons/NN_slug.ipynb."""
    return sorted(LESSONS_DIR.glob("[0-9]*.ipynb"))


def lesson_messages(source: Path) -> Iterator[tuple[str, int]]:
    """(paragraph, cell number counted from 1) for every markdown paragraph of a lesson, in reading order."""
    notebook = _read_notebook(source)
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] == "markdown":
            for paragraph in paragraphs(cell["source"]):
                yield paragraph, number


# ---------------------------------------------------------------------------------------------------------------
# Translating: markdown paragraph by paragraph, code untouched
# ---------------------------------------------------------------------------------------------------------------
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_EMPHASIS = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*", re.S)
_NOT_A_PARAGRAPH = re.compile(r"#|[-*+] |\d+[.)] |>|\||<|\s{4}|(-{3,}|\*{3,}|_{3,})\s*$")  # headings, lists...
_LEFT_OVER_MARKDOWN = re.compile(r"\*|(?<!\w)__?\S|\]\(|!\[|\\[!-/:-@\[-`{-~]|  $", re.M)
# JupyterLab aligns every rendered `p` left (`.jp-RenderedHTMLCommon p { text-align: left }`), which beats the
# alignment a paragraph would inherit from its rtl <div>. Its markdown sanitizer keeps a `style` attribute but
# drops <style> elements, in stored notebooks and executed ones alike, so only a style on the `p` itself works.
_RTL_PARAGRAPH = '<p style="text-align: right">'


def _isolate_inline_code(markdown: str) -> str:
    """`code` → <bdi><code>code</code></bdi>: code keeps its left-to-right order inside right-to-left prose."""
    return _INLINE_CODE.sub(lambda m: f"<bdi><code>{html.escape(m.group(2).strip())}</code></bdi>", markdown)


def _is_paragraph(block: str) -> bool:
    """A block of plain prose (not a heading, a list, a quote, a table, HTML, an indented block or a rule)."""
    return not _NOT_A_PARAGRAPH.match(block)


def _rtl_paragraph(markdown: str) -> str:
    """A right-to-left paragraph as an HTML `<p>` aligned right, its inline markdown turned into HTML.

    Inside an HTML block markdown is not read, so the paragraph's emphasis is written as HTML here; its code
    spans are already <bdi><code>. Other inline markdown (a link, an image, a hard line break) would show as
    typed, so it stops the build, naming the paragraph.

    >>> _rtl_paragraph("نص **مهم** و*مائل*")
    '<p style="text-align: right">نص <strong>مهم</strong> و<em>مائل</em></p>'
    """
    out, start = [], 0
    for span in [*_INLINE_CODE.finditer(markdown), None]:  # the text between code spans, then the code span
        text = markdown[start:span.start() if span else len(markdown)]
        text = _EMPHASIS.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", text))
        if _LEFT_OVER_MARKDOWN.search(text):
            raise ConfigError(
                "This right-to-left paragraph has markdown that the notebook builder does not turn into HTML (only "
                "`code`, **strong** and *emphasis* are): {value!r}. Write that part as HTML in the translation "
                "(<a href=...>, <img ...>, <br>), or teach notebooks._rtl_paragraph to convert it.", value=markdown)
        out.append(text)
        if span:
            out.append(_isolate_inline_code(span.group(0)))
            start = span.end()
    body = "".join(out)
    return _RTL_PARAGRAPH + body + "</p>"


def translate_markdown(markdown: str, lang: str, *, missing: Callable[[str], None] | None = None) -> str:
    """A markdown cell in `lang`: each paragraph from the catalog (English where a translation is missing,
    reported to `missing`). Right-to-left languages get `<div dir="rtl" lang="..">`, their inline code `<bdi>`,
    their paragraphs an HTML `<p>` aligned right (`_rtl_paragraph`), and their fenced code blocks a
    left-to-right `<div>`."""
    from ..i18n import translate

    if lang == "en":  # the source language: the cell as written
        return markdown
    rtl = direction(lang) == "rtl"
    out = []
    for block in _blocks(markdown):
        if _is_code_block(block):
            out.append(f'<div dir="ltr">\n\n{block}\n\n</div>' if rtl else block)
            continue
        text = translate(block, lang)
        if text == block and missing is not None:
            missing(block)
        if rtl:
            text = _rtl_paragraph(text) if _is_paragraph(block) else _isolate_inline_code(text)
        out.append(text)
    body = "\n\n".join(out)
    return f'<div dir="rtl" lang="{lang}">\n\n{body}\n\n</div>' if rtl else body


def source_sha256(source: Path) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:  # outside the repository (the tests' lessons in a temporary folder): folder/name
        return f"{path.parent.name}/{path.name}"


def translate_notebook(source: Path, lang: str, *, missing: Callable[[str], None] | None = None):
    """The lesson `source` in `lang`, not yet run: markdown translated, code cells byte-identical but the first
    (`setup_cell`), no outputs, and metadata {"autotutor": {"lang", "source", "source_sha256"}}."""
    notebook = _read_notebook(source)
    code = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    if not code or code[0] != SETUP_CELL:
        raise ConfigError(
            "{path}: the first code cell of a lesson must be exactly {expected!r} (it chooses the language and "
            "installs the course pack); it is {value!r}.",
            path=_relative(source), expected=SETUP_CELL, value=code[0] if code else None)
    translated = copy.deepcopy(notebook)
    next(cell for cell in translated["cells"] if cell["cell_type"] == "code")["source"] = setup_cell(source.stem)
    for cell in translated["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = translate_markdown(cell["source"], lang, missing=missing)
        elif cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    # The lesson's words, in a folded box under its title (course/glossary.py): the terms its text uses.
    prose = "\n\n".join(cell["source"] for cell in translated["cells"] if cell["cell_type"] == "markdown")
    box = glossary_markdown(lang, prose)
    if box and translated["cells"] and translated["cells"][0]["cell_type"] == "markdown":
        translated["cells"].insert(1, {"cell_type": "markdown", "id": "glossary", "metadata": {"tags": ["glossary"]},
                                        "source": box})
    translated.setdefault("metadata", {})["autotutor"] = {
        "lang": lang,
        "source": _relative(source),
        "source_sha256": source_sha256(source),
    }
    return translated


# ---------------------------------------------------------------------------------------------------------------
# Running and writing
# ---------------------------------------------------------------------------------------------------------------
def _execute(notebook, folder: Path, *, timeout: int = 300) -> None:
    """Run `notebook` in `folder` (its kernel's cwd, which `setup()` reads the language from), in place."""
    from nbclient import NotebookClient

    env = {k: v for k, v in os.environ.items() if k != "AUTOTUTOR_LANG"}  # the folder decides, as for a learner
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(folder)}})
    # A new learner's workspace: the stored lesson shows no one's progress ("0 of 3 done"), and its exercise
    # checks record nothing into the progress of whoever generates the notebooks.
    with tempfile.TemporaryDirectory(prefix="autotutor-workspace-") as workspace:
        client.execute(env={**env, "AUTOTUTOR_WORKSPACE": workspace})


def build_notebook(source: Path, lang: str, *, out_dir: Path | None = None, execute: bool = True,
                   log: Callable[[str], None] = lambda line: None) -> Path:
    """Write `source` in `lang` to `out_dir/<lang>/<name>.ipynb` (default notebooks/), run; returns its path."""
    import nbformat

    missing: list[str] = []
    notebook = nbformat.from_dict(translate_notebook(source, lang, missing=missing.append))
    folder = (out_dir or NOTEBOOKS_DIR) / lang
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    start = time.perf_counter()
    if execute:
        _execute(notebook, folder)
    nbformat.write(notebook, target)
    done = f"{_relative(target)}: {time.perf_counter() - start:.1f} s"
    log(done + (f", {len(missing)} paragraph(s) still in English (see `autotutor i18n check`)" if missing else ""))
    return target


def build_all(*, languages: list[str] | None = None, only: list[str] | None = None,
              log: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Generate and run every lesson in every language (or only those named); returns the notebooks written."""
    written = []
    for source in lesson_sources():
        if only and source.stem not in only and source.name not in only:
            continue
        for lang in languages or LANGUAGES:
            written.append(build_notebook(source, lang, log=log))
    return written


# ---------------------------------------------------------------------------------------------------------------
# Is every generated notebook up to date?
# ---------------------------------------------------------------------------------------------------------------
def _notebook_problems(source: Path, lang: str, target: Path) -> Iterator[str]:
    name = _relative(target)
    if not target.is_file():
        yield f"{name}: missing"
        return
    stored = _read_notebook(target)
    meta = stored.get("metadata", {}).get("autotutor", {})
    if meta.get("source_sha256") != source_sha256(source) or meta.get("lang") != lang:
        yield f"{name}: generated from another version of {_relative(source)}"
        return
    fresh = translate_notebook(source, lang)
    texts = [[(c["cell_type"], c["source"]) for c in nb["cells"]] for nb in (stored, fresh)]
    if texts[0] != texts[1]:
        yield f"{name}: its text differs from {_relative(source)} translated with today's catalogs"
    if any(c["cell_type"] == "code" and c["source"].strip() and c.get("execution_count") is None for c in stored["cells"]):
        yield f"{name}: not run (code cells without outputs)"


def stale_notebooks(*, lessons_dir: Path | None = None, notebooks_dir: Path | None = None) -> list[str]:
    """One line per generated notebook that is missing, out of date or not run, or has no source any more."""
    sources = sorted((lessons_dir or LESSONS_DIR).glob("[0-9]*.ipynb")) if lessons_dir else lesson_sources()
    out = notebooks_dir or NOTEBOOKS_DIR
    problems = [p for s in sources for lang in LANGUAGES for p in _notebook_problems(s, lang, out / lang / s.name)]
    names = {s.name for s in sources}
    for lang in LANGUAGES:
        for orphan in sorted((out / lang).glob("*.ipynb")):
            if orphan.name not in names:
                problems.append(f"{_relative(orphan)}: no lesson source lessons/{orphan.name} any more")
    return problems
