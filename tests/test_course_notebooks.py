"""The notebook generator: lessons/*.ipynb → notebooks/{en,fr,ar}/, translated, right to left, run, up to date."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autotutor import i18n
from autotutor.course import notebooks as build

SAMPLE = Path(__file__).parent / "data" / "lessons" / "00_sample.ipynb"


@pytest.fixture
def fake_catalogs(monkeypatch):
    fake = {
        "en": {},
        "fr": {"# A sample lesson": "# Une leçon d'exemple",
               "The generator's tests use this lesson: `AutoTokenizer` turns text into `input_ids`.":
                   "Les tests du générateur utilisent cette leçon : `AutoTokenizer` change un texte en `input_ids`."},
        "ar": {"# A sample lesson": "# درس للتجربة",
               "The generator's tests use this lesson: `AutoTokenizer` turns text into `input_ids`.":
                   "تستعمل اختبارات المولِّد هذا الدرس: يحوّل `AutoTokenizer` النص إلى `input_ids`.",
               "A fenced block stays as it is:": "تبقى الكتلة المسيّجة كما هي:"},
    }
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fake[lang])
    return fake


def test_paragraphs_are_the_unit_of_translation():
    text = "# Title\n\nSome *prose*\non two lines.\n\n\n- one\n- two\n\n```python\nx = 1\n\ny = 2\n```\n\nEnd."
    assert build.paragraphs(text) == ["# Title", "Some *prose*\non two lines.", "- one\n- two", "End."]


def test_french_markdown_is_translated_paragraph_by_paragraph(fake_catalogs):
    missing = []
    out = build.translate_markdown("# A sample lesson\n\nNot translated yet.", "fr", missing=missing.append)
    assert out == "# Une leçon d'exemple\n\nNot translated yet."
    assert missing == ["Not translated yet."]


def test_arabic_markdown_reads_right_to_left_with_code_left_to_right(fake_catalogs):
    source = ("The generator's tests use this lesson: `AutoTokenizer` turns text into `input_ids`.\n\n"
              "A fenced block stays as it is:\n\n```python\nprint(`a` < 1)\n```")
    out = build.translate_markdown(source, "ar")
    assert out.startswith('<div dir="rtl" lang="ar">\n\n') and out.endswith("\n\n</div>")
    assert "يحوّل <bdi><code>AutoTokenizer</code></bdi> النص إلى <bdi><code>input_ids</code></bdi>." in out
    assert '<div dir="ltr">\n\n```python\nprint(`a` < 1)\n```\n\n</div>' in out  # code blocks stay as written
    assert "`" not in build.translate_markdown("Use `a<b`.", "ar").replace("print(`a`", "")
    assert "<bdi><code>a&lt;b</code></bdi>" in build.translate_markdown("Use `a<b`.", "ar")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_code_cells_are_byte_identical_but_setup_and_metadata_names_the_source(fake_catalogs, lang):
    source = nbformat.read(SAMPLE, as_version=4)
    out = build.translate_notebook(SAMPLE, lang)
    code = [c["source"] for c in out["cells"] if c["cell_type"] == "code"]
    assert code[0] == 'from autotutor.course import setup\nsetup("00_sample")'  # the lesson's name written in
    assert code[1:] == [c.source for c in source.cells if c.cell_type == "code"][1:]
    assert all(not c["outputs"] and c["execution_count"] is None for c in out["cells"] if c["cell_type"] == "code")
    assert out["metadata"]["autotutor"] == {"lang": lang, "source": "tests/data/lessons/00_sample.ipynb",
                                         "source_sha256": build.source_sha256(SAMPLE)}


def test_a_lesson_must_start_with_the_setup_cell(tmp_path):
    notebook = nbformat.read(SAMPLE, as_version=4)
    notebook.cells[1].source = "import autotutor"
    nbformat.write(notebook, tmp_path / "01_bad.ipynb")
    with pytest.raises(ValueError, match="first code cell of a lesson must be exactly"):
        build.translate_notebook(tmp_path / "01_bad.ipynb", "en")


def test_generated_notebook_runs_in_its_language_and_goes_stale_with_its_source(tmp_path, monkeypatch):
    """One real run (a kernel in notebooks/ar/): setup() reads the folder; then the up-to-date check."""
    monkeypatch.setenv("AUTOTUTOR_LANG", "fr")  # a learner's setting must not leak into the generated notebooks
    lessons, notebooks = tmp_path / "lessons", tmp_path / "notebooks"
    lessons.mkdir()
    source = lessons / SAMPLE.name
    shutil.copyfile(SAMPLE, source)
    target = build.build_notebook(source, "ar", out_dir=notebooks)
    run = nbformat.read(target, as_version=4)
    printed = [o for c in run.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert printed and printed[0].text.split()[0] == "ar"
    switch = run.cells[1].outputs[0].data
    assert "application/vnd.jupyter.widget-view+json" in switch and "ToggleButtons" in switch["text/plain"]

    stale = build.stale_notebooks(lessons_dir=lessons, notebooks_dir=notebooks)
    assert {s.split(":")[1].strip() for s in stale} == {"missing"} and len(stale) == 2  # en and fr not built

    notebook = nbformat.read(source, as_version=4)
    notebook.cells[0].source += "\n\nA new paragraph."
    nbformat.write(notebook, source)
    assert any("generated from another version" in s for s in build.stale_notebooks(lessons_dir=lessons,
                                                                                     notebooks_dir=notebooks))


def test_unrun_or_retranslated_notebooks_are_stale(tmp_path, fake_catalogs):
    lessons, notebooks = tmp_path / "lessons", tmp_path / "notebooks"
    lessons.mkdir()
    shutil.copyfile(SAMPLE, lessons / SAMPLE.name)
    for lang in i18n.LANGUAGES:
        build.build_notebook(lessons / SAMPLE.name, lang, out_dir=notebooks, execute=False)
    stale = build.stale_notebooks(lessons_dir=lessons, notebooks_dir=notebooks)
    assert len(stale) == 3 and all("not run" in s for s in stale)
    fake_catalogs["fr"]["# A sample lesson"] = "# Leçon d'exemple"  # a translation changed: fr must be regenerated
    assert any(s.startswith("fr/") and "today's catalogs" in s
               for s in build.stale_notebooks(lessons_dir=lessons, notebooks_dir=notebooks))
    (notebooks / "ar" / "99_gone.ipynb").write_text("{}")
    assert any("99_gone" in s and "no lesson source" in s
               for s in build.stale_notebooks(lessons_dir=lessons, notebooks_dir=notebooks))


def test_the_repositorys_notebooks_are_up_to_date():
    """notebooks/{en,fr,ar}/ were generated from today's lessons and catalogs: else `make notebooks`."""
    stale = build.stale_notebooks()
    assert not stale, "\n".join(stale) + "\nRun `make notebooks` (autotutor i18n notebooks)."

