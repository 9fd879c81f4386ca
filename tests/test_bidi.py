"""Arabic text that mixes directions reads in its own order wherever it is printed.

JupyterLab lays `print()` output out left to right, so an Arabic line holding a Hub id, a number or code reads
scrambled unless it is isolated (U+2067 … U+2069). `i18n.printed` makes such lines; this walks every stored
output of the Arabic notebooks to hold it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autotutor.i18n import LRI, PDI, RLI, isolate_code, printed, set_language

ROOT = Path(__file__).resolve().parent.parent
ARABIC = re.compile("[\u0600-\u06ff]")
LEFT_TO_RIGHT = re.compile("[A-Za-z0-9]")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def _printed_lines(notebook: Path):
    """(cell index, line) of every line a cell printed or returned as plain text (widgets and images aside)."""
    for index, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = "".join(output["text"])
            elif output["output_type"] == "error":
                text = output["evalue"]
            elif "text/plain" in output.get("data", {}) and len(output["data"]) == 1:
                text = "".join(output["data"]["text/plain"])
            else:
                continue
            for line in text.splitlines():
                yield index, line


def _mixed(line: str) -> bool:
    return bool(ARABIC.search(line)) and bool(LEFT_TO_RIGHT.search(line))


def _isolated(line: str) -> bool:
    return line.lstrip(" ").startswith(RLI) and line.endswith(PDI)


ARABIC_NOTEBOOKS = sorted((ROOT / "notebooks" / "ar").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", ARABIC_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_printed_arabic_line_that_mixes_directions_is_isolated(notebook):
    wrong = [f"cell {i}: {line[:80]!r}" for i, line in _printed_lines(notebook) if _mixed(line) and not _isolated(line)]
    # The English error messages (section 2 of the language work) are not isolated: they are not Arabic yet.
    assert not wrong, f"{len(wrong)} line(s) read in the wrong order:\n" + "\n".join(wrong)


def _widget_texts(notebook: Path):
    """(model name, field, text, laid out right to left?) for every text of every stored widget: a label, a
    radio choice, a tooltip, an HTML value. A control is laid out right to left when it or a box holding it
    carries the Arabic class (`widgets._html.follow_direction`); an HTML value when it says `dir="rtl"`."""
    from autotutor.widgets._html import RTL_CLASS

    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    state = metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    parent = {child.removeprefix("IPY_MODEL_"): model_id for model_id, model in state.items()
              for child in model["state"].get("children", []) if isinstance(child, str)}

    def right_to_left(model_id: str | None) -> bool:
        while model_id is not None:
            if RTL_CLASS in state.get(model_id, {}).get("state", {}).get("_dom_classes", []):
                return True
            model_id = parent.get(model_id)
        return False

    for model_id, model in state.items():
        for field, value in model["state"].items():
            for text in value if isinstance(value, list) else [value]:
                if not isinstance(text, str) or field.startswith("_") and field != "_options_labels":
                    continue
                if model["model_name"] in ("HTMLModel", "HTMLMathModel") and field == "value":
                    yield model["model_name"], field, text, 'dir="rtl"' in text
                else:
                    yield model["model_name"], field, text, right_to_left(model_id)


@pytest.mark.parametrize("notebook", ARABIC_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_arabic_widget_text_that_mixes_directions_runs_right_to_left(notebook):
    texts = list(_widget_texts(notebook))
    wrong = [f"{name}.{field}: {text[:70]!r}" for name, field, text, rtl in texts
             if _mixed(text) and not rtl and not _isolated(text)]
    assert not wrong, f"{len(wrong)} widget text(s) laid out left to right:\n" + "\n".join(wrong)


def test_the_widget_walk_sees_the_texts_it_should():
    texts = [t for notebook in ARABIC_NOTEBOOKS for t in _widget_texts(notebook) if _mixed(t[2])]
    fields = {(name, field) for name, field, _, _ in texts}
    assert len(texts) >= 60 and {("RadioButtonsModel", "_options_labels"), ("HTMLModel", "value")} <= fields


def test_the_walk_sees_the_lines_it_should():
    """Not a vacuous pass: the Arabic notebooks do print mixed lines, and they are isolated."""
    mixed = [line for notebook in ARABIC_NOTEBOOKS for _, line in _printed_lines(notebook) if _mixed(line)]
    assert len(mixed) >= 60 and all(_isolated(line) for line in mixed)


def test_printed_isolates_lines_and_code_only_right_to_left():
    text = "الشكل 3×224×224\n\nيشير `out_indices` إلى stage1"
    pad = " " * (len("يشير out_indices إلى stage1") - len("الشكل 3×224×224"))  # isolates take no room
    # The padding ends with a right-to-left mark: spaces at the very end of a line would be laid out left to
    # right (bidi rule L1), on the right of the Arabic line, and the block would lose its right edge.
    assert printed(text, "ar") == (f"{RLI}الشكل 3×224×224{pad}\u200f{PDI}\n\n"
                                   f"{RLI}يشير {LRI}out_indices{PDI} إلى stage1{PDI}")
    assert printed(text, "fr") == text and printed(text, "en") == text
    assert isolate_code("`[1, 3, 224, 224]`", "ar") == f"{LRI}[1, 3, 224, 224]{PDI}"


def test_a_lesson_table_in_arabic_is_isolated_line_by_line():
    from autotutor.lessons.autofeatureextractor import ClipStats, stats_table

    stats = ClipStats(samples=48322, seconds=3.02, mean=0.0, std=0.085, min=-0.648, max=0.634)
    set_language("ar")
    lines = stats_table(stats, stats).splitlines()
    assert lines and all(_isolated(line) for line in lines)
    set_language("en")
    assert not any(RLI in line for line in stats_table(stats, stats).splitlines())


def test_quiz_text_keeps_its_code_in_order_in_arabic():
    from autotutor.widgets._html import plain, prose

    set_language("ar")
    assert plain("الشكل `[1, 3, 224, 224]`") == f"الشكل {LRI}[1, 3, 224, 224]{PDI}"
    # A printed line shown in a widget's HTML: the container's dir does the isolating, code is code again.
    assert prose(printed("يشير `out_indices` إلى stage1")) == 'يشير <bdi dir="ltr"><code>out_indices</code></bdi> إلى stage1'
    set_language("en")
    assert plain("shape `[1, 3]`") == "shape [1, 3]"


def test_the_load_report_says_where_the_files_are_in_the_learners_language(tmp_path):
    from autotutor.checkpoint import open_checkpoint
    from autotutor.report import LoadReport

    set_language("fr")
    assert open_checkpoint(tmp_path).where() == f"le dossier `{tmp_path.resolve()}`"
    set_language("ar")
    source = open_checkpoint(tmp_path).where()
    assert source == f"المجلد `{tmp_path.resolve()}`"
    html = LoadReport(model_class="BertModel", source=source, loaded=["w"])._repr_html_()
    assert f'المجلد <bdi dir="ltr"><code>{tmp_path.resolve()}</code></bdi>' in html
    assert all(_isolated(line) for line in str(LoadReport(model_class="BertModel", source=source, loaded=["w"])).splitlines())


def test_table_cells_without_arabic_keep_their_own_order():
    """A number's minus sign, a box's four numbers, word-pieces: each cell isolated left to right in the row."""
    line = printed("R  الأدنى   -0.969\n0   INVOICE    [78, 136, 257, 188]", "ar").split("\n")
    assert f"{LRI}-0.969{PDI}" in line[0] and f"{LRI}[78, 136, 257, 188]{PDI}" in line[1]
    assert "الأدنى" in line[0] and f"{LRI}الأدنى" not in line[0]  # Arabic cells flow with the line


def test_the_steps_picture_reads_right_to_left_in_arabic():
    """Lesson 02's steps side by side: the first step at the right in Arabic, as its text says (and lesson 00's
    diagram does)."""
    import numpy as np
    from PIL import Image

    from autotutor.lessons.autoimageprocessor import Step, steps_picture

    def step(colour):
        picture = Image.new("RGB", (20, 20), colour)
        return Step(name="resize", picture=picture, values=np.zeros((3, 20, 20), dtype=np.float32), low=0.0, high=1.0)

    first, second = step((255, 0, 0)), step((0, 0, 255))
    set_language("en")
    left_to_right = steps_picture([first, second], size=40)
    set_language("ar")
    right_to_left = steps_picture([first, second], size=40)
    assert left_to_right.getpixel((20, 30)) == (255, 0, 0) and right_to_left.getpixel((20, 30)) == (0, 0, 255)


def test_a_sentence_in_another_language_keeps_its_own_direction_in_an_arabic_block():
    text = "ما هي عاصمة فرنسا؟\nQuelle est la capitale de la France ?\nword-piece  101"
    first, second, third = printed(text, "ar").split("\n")
    assert first.startswith(RLI) and second.startswith(LRI) and third.startswith(RLI)  # a table row stays RTL
    assert second.rstrip(" " + PDI) == f"{LRI}Quelle est la capitale de la France ?"
