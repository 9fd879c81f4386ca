"""The course website's own code, without building it: the link checker on a small fabricated site, the
language links, the `dir` of right-to-left pages, the landing page and the Sphinx configuration.

(The built site itself is tested in a browser: tests/browser/test_site.py.)
"""

from __future__ import annotations

import html
import importlib.util
import json
import runpy
import sys
from pathlib import Path
from types import ModuleType

import pytest

from autotutor.i18n import translate

BOOK = Path(__file__).resolve().parents[1] / "book"


def _load(name: str, path: Path) -> ModuleType:
    """A module of book/ (not a package) by its path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


linkcheck = _load("linkcheck", BOOK / "linkcheck.py")
site_languages = _load("site_languages", BOOK / "_ext" / "site_languages.py")


def _page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!DOCTYPE html><html><head></head><body>{body}</body></html>", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A two-language site with one working link of each kind and one broken link of each kind."""
    _page(tmp_path / "index.html", '<a href="en/index.html">en</a> <a href="fr/">fr</a>')
    _page(tmp_path / "en" / "index.html", """
        <h1 id="top">Lessons</h1>
        <a href="lesson.html">ok</a> <a href="lesson.html#intro">ok</a> <a href="#top">ok</a> <a href="#">ok</a>
        <a href="../fr/index.html">ok</a> <a href="lesson%20two.html">ok</a>
        <link rel="stylesheet" href="_static/site.css"> <img src="_images/cat.png">
        <a href="https://example.org/">not followed</a> <a href="mailto:someone@example.org">not followed</a>
        <a href="missing.html">broken</a> <a href="lesson.html#nowhere">broken</a> <a href="#absent">broken</a>
        <script src="_static/gone.js"></script> <a href="../de/index.html">broken</a>
        <a href="../../outside.html">broken</a>
    """)
    _page(tmp_path / "en" / "lesson.html", '<section id="intro"><a name="old-anchor"></a></section>')
    _page(tmp_path / "en" / "lesson two.html", '<a href="lesson.html#old-anchor">ok</a>')
    (tmp_path / "en" / "_static").mkdir()
    (tmp_path / "en" / "_static" / "site.css").write_text("body {}")
    (tmp_path / "en" / "_images").mkdir()
    (tmp_path / "en" / "_images" / "cat.png").write_bytes(b"\x89PNG")
    # A theme's template macros, copied into _static/ as they are: not a page, not checked.
    _page(tmp_path / "en" / "_static" / "macros.html", "<script src=\"{{ pathto('x.js', 1) }}\"></script>")
    _page(tmp_path / "fr" / "index.html", '<a href="../en/index.html#top">ok</a>')
    return tmp_path


def test_link_checker_finds_exactly_the_broken_links(site):
    broken = {(problem.page.relative_to(site.resolve()).as_posix(), problem.reference)
              for problem in linkcheck.check_site(site)}
    assert broken == {
        ("en/index.html", "missing.html"),
        ("en/index.html", "lesson.html#nowhere"),
        ("en/index.html", "#absent"),
        ("en/index.html", "_static/gone.js"),
        ("en/index.html", "../de/index.html"),
        ("en/index.html", "../../outside.html"),
    }


def test_link_checker_says_why(site):
    reasons = {problem.reference: problem.reason for problem in linkcheck.check_site(site)}
    assert reasons["missing.html"] == "no file en/missing.html"
    assert reasons["lesson.html#nowhere"] == "no id 'nowhere' in that page"
    assert reasons["../../outside.html"] == "points outside the site"


def test_a_site_whose_links_all_work_passes(site):
    for page in ("en/index.html",):
        _page(site / page, '<a id="top" href="lesson.html#intro">ok</a> <a href="../fr/index.html">ok</a>')
    assert linkcheck.check_site(site) == []
    assert linkcheck.main([str(site)]) == 0


def test_link_checker_command_lists_file_and_href_and_fails(site, capsys):
    assert linkcheck.main([str(site)]) == 1
    out = capsys.readouterr().out
    assert "en/index.html: ../de/index.html (no file de/index.html)" in out
    assert "6 problem(s)" in out


def test_link_checker_needs_a_built_site(tmp_path):
    with pytest.raises(FileNotFoundError, match="make book"):
        linkcheck.check_site(tmp_path / "nothing here")


def test_scripts_and_stylesheets_from_other_hosts_are_found(tmp_path):
    _page(tmp_path / "en" / "index.html", """
        <script src="https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js"></script>
        <link rel="stylesheet" href="//unpkg.com/some/theme.css">
        <link rel="preload" as="script" href="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js">
        <script src="_static/widgets/embed-amd.js"></script> <link rel="stylesheet" href="_static/site.css">
        <a href="https://jupyter.org/">a link is not a download</a> <link rel="canonical" href="https://example.org/">
        <script type="application/vnd.jupyter.widget-state+json">{"state": {}}</script>
    """)
    found = [problem.reference for problem in linkcheck.external_assets(tmp_path)]
    assert found == [
        "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js",
        "//unpkg.com/some/theme.css",
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js",
    ]


# ---------------------------------------------------------------------------------------------------------------
# The language switcher and right-to-left pages (book/_ext/site_languages.py)
# ---------------------------------------------------------------------------------------------------------------
def test_language_links_go_to_the_same_page_in_each_language():
    links = site_languages.language_links("03_autobackbone", "fr", ["en", "fr", "ar"])
    assert [(link["lang"], link["href"], link["current"], link["dir"]) for link in links] == [
        ("en", "../en/03_autobackbone.html", False, "ltr"),
        ("fr", "../fr/03_autobackbone.html", True, "ltr"),
        ("ar", "../ar/03_autobackbone.html", False, "rtl"),
    ]
    nested = site_languages.language_links("part/page", "en", ["en", "ar"])
    assert [link["href"] for link in nested] == ["../../en/part/page.html", "../../ar/part/page.html"]


def test_each_language_is_named_in_itself():
    assert [site_languages.language_name(lang) for lang in ("en", "fr", "ar")] == ["English", "Français", "العربية"]


def test_dir_is_added_to_the_html_element_once():
    tag = '<html lang="ar" data-content_root="./" >'
    marked = site_languages._with_dir(tag, "rtl")
    assert marked == '<html lang="ar" data-content_root="./" dir="rtl">'
    assert site_languages._with_dir(marked, "rtl") == marked  # a second build leaves it as it is


# ---------------------------------------------------------------------------------------------------------------
# The sources of each language (book/build.py) and the Sphinx configuration (book/conf.py)
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def build() -> ModuleType:
    return _load("book_build", BOOK / "build.py")


def test_landing_page_lists_every_lesson_in_its_language(build):
    notebooks = build.lesson_notebooks("fr")
    page = build.landing_page("fr", notebooks)
    heading, summary = build._title_and_summary(notebooks[1])
    assert heading.startswith("# Lesson 1") and translate(heading, "fr") != heading
    assert f"**[{translate(heading, 'fr').removeprefix('# ')}](01_autotokenizer.ipynb)**" in page
    assert translate(summary, "fr") in page and summary not in page
    for notebook in notebooks:
        assert f"]({notebook.name})" in page and f"\n{notebook.stem}\n" in page  # linked, and in the toctree


def test_arabic_cells_lose_only_their_rtl_wrapper(build, tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ['<div dir="rtl" lang="ar">\n', "\n", "# عنوان\n", "\n",
                                                             "نص.\n", "\n", "</div>"]},
        {"cell_type": "markdown", "metadata": {}, "source": '<div dir="ltr">\n\n```python\nx = 1\n```\n\n</div>'},
        {"cell_type": "code", "metadata": {}, "source": "print(1)", "outputs": [], "execution_count": None},
    ]
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    sources = [cell["source"] for cell in json.loads(build.site_notebook(notebook, "ar"))["cells"]]
    assert sources == ["# عنوان\n\nنص.", '<div dir="ltr">\n\n```python\nx = 1\n```\n\n</div>', "print(1)"]
    assert build.site_notebook(notebook, "fr") == notebook.read_text()


def test_widget_javascript_is_served_by_the_site(build):
    conf = runpy.run_path(str(BOOK / "conf.py"))
    scripts = list(conf["nb_ipywidgets_js"])
    assert scripts and all("://" not in script and not script.startswith("//") for script in scripts)
    staged = set(build.WIDGET_FILES.values())
    ours = {path.name for path in (BOOK / "_static").iterdir()}
    assert all(script in staged or script in ours for script in scripts), scripts
    assert conf["nb_execution_mode"] == "off"


def test_mirror_copies_changes_and_removes_what_is_gone(build, tmp_path):
    source, target = tmp_path / "sphinx", tmp_path / "site"
    (source / "_static").mkdir(parents=True)
    (source / "index.html").write_text("new")
    (source / "_static" / "site.css").write_text("body {}")
    (target / "_static" / "old").mkdir(parents=True)
    (target / "index.html").write_text("old")
    (target / "gone.html").write_text("a page that no longer exists")
    (target / "_static" / "old" / "x.js").write_text("")
    build.mirror(source, target)
    assert sorted(path.relative_to(target).as_posix() for path in target.rglob("*")) == [
        "_static", "_static/site.css", "index.html"]
    assert (target / "index.html").read_text() == "new"


def test_the_site_sentences_are_in_the_catalogs_in_every_language(build):
    """The build script's and the extension's own sentences are extracted (course/translations.py reads book/) and
    translated: the landing page opens with them, the root page invites each reader in their language."""
    from autotutor.course.translations import _template

    template = {message.id for message in _template() if message.id}
    own = ["Choose the language of the course:", "This page in another language"]
    assert all(message in template for message in own)
    root = build.root_page(["en", "fr", "ar"])
    for lang, direction in (("en", "ltr"), ("fr", "ltr"), ("ar", "rtl")):
        text = translate("Choose the language of the course:", lang)
        assert f'<p lang="{lang}" dir="{direction}">{text}</p>' in root
    assert translate("Choose the language of the course:", "ar") != "Choose the language of the course:"
    landing = build.landing_page("ar", build.lesson_notebooks("ar"))
    first_paragraph = landing.split("```", 2)[2].strip().split("\n\n")[0]
    assert first_paragraph.startswith("كيف")


def test_arabic_paragraphs_become_markdown_again_on_the_site(build):
    """The lessons write Arabic paragraphs as right-aligned HTML for JupyterLab; the site (right to left as a
    whole) wants markdown, which its search indexes."""
    from autotutor.course.notebooks import translate_markdown

    cell = translate_markdown("A **bold** and *slanted* `model_type` line.", "ar")
    assert '<p style="text-align: right">' in cell  # what JupyterLab gets (the catalog's Arabic, or the English)
    source = build._markdown_paragraphs(cell)
    assert '<p style="text-align: right">' not in source and "</p>" not in source
    assert "**" in source and "<strong>" not in source and "<em>" not in source
    assert "<bdi><code>model_type</code></bdi>" in source  # code spans stay isolated left to right


def test_the_live_explorer_goes_right_after_its_cell_and_hides_until_drawn(build, tmp_path):
    """book/build.py's placeholder for a live explorer (book/_static/live/): after the one cell that makes the
    notebook's explorer, hidden, with the explorer's settings; a lesson without that cell stops the build."""
    live = build.LIVE_PAGES["01_autotokenizer"]
    notebook = build.NOTEBOOKS / "fr" / "01_autotokenizer.ipynb"
    cells = json.loads(build.with_live_explorer(notebook.read_text(encoding="utf-8"), live, notebook))["cells"]
    at = next(i for i, cell in enumerate(cells) if cell.get("id") == "autotutor-live-tokenizer-explorer")
    assert "TokenizerExplorer(" in "".join(cells[at - 1]["source"])
    placeholder = cells[at]["source"]
    assert placeholder.startswith('<div class="autotutor-live" data-live="tokenizer-explorer" ')
    assert placeholder.endswith(" hidden></div>") and "\n" not in placeholder  # one raw HTML block
    settings = json.loads(html.unescape(placeholder.split('data-settings="')[1].split('"')[0]))
    assert settings["repo_id"] == "google-bert/bert-base-uncased" and settings["data"] == build.live_data_file(
        "google-bert/bert-base-uncased") == "google-bert--bert-base-uncased.js"
    assert settings["replaces_previous_output"] is True and settings["libraries"] == ["tokenizers.js"]
    other = build.NOTEBOOKS / "fr" / "02_autoimageprocessor.ipynb"
    with pytest.raises(build.BookError, match="TokenizerExplorer"):
        build.with_live_explorer(other.read_text(encoding="utf-8"), live, other)


def test_the_live_pages_get_the_live_script_and_no_other_page_does():
    live_explorers = _load("live_explorers", BOOK / "_ext" / "live_explorers.py")
    from docutils import nodes

    page, other = nodes.document(None, None), nodes.document(None, None)
    page += nodes.raw("", '<div class="autotutor-live" data-live="chat-template" hidden></div>', format="html")
    other += nodes.raw("", "<div>autotutor-live</div>", format="html")
    assert live_explorers.has_live_explorer(page)
    assert not live_explorers.has_live_explorer(other) and not live_explorers.has_live_explorer(None)
    conf = runpy.run_path(str(BOOK / "conf.py"))
    assert "live_explorers" in conf["extensions"]
    assert {path.name for path in (BOOK / "_static" / "live").iterdir()} >= {"live.js", "live.css"} | {
        f"{page.kind}.js" for page in _load("book_build", BOOK / "build.py").LIVE_PAGES.values()}
