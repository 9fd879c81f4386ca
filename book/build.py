"""Build the course website: book/_build/html/{en,fr,ar}/ and a root page to pick a language.

    python book/build.py               # the whole site (what `make book` runs, after `npm ci`)
    python book/build.py --lang fr     # one language, then the root page and the link check

1. Sources   book/_src/<lang>/: the notebooks of notebooks/<lang>/ (translated and run by `make notebooks`)
             and index.md, the landing page, whose words come from the catalogs.
2. Widgets   book/node_modules/ → book/_build/static/widgets/: ipywidgets' embed manager and RequireJS, so
             the pages render their stored widget state without any CDN.
   Live      book/_build/static/live/: the explorers that run in the page (the tokenizer lesson's explorer, the
             text-generation lesson's chat template): @huggingface/tokenizers and @huggingface/jinja from
             node_modules, the checkpoints' tokenizer files from the course pack, the labels of each language
             from the catalogs; and in those lessons' sources, a placeholder after the explorer cell.
3. Sphinx    one build per language with book/conf.py, warnings as errors, every reference checked, into
             book/_build/sphinx/<lang>/html/, then copied to the site's <lang>/ folder.
4. Root      book/_build/html/index.html: the three languages.
5. Checks    every relative href/src of every page resolves, anchors included; no script or stylesheet from
             another host (book/linkcheck.py).

Everything is written under book/: _src/ (sources), _build/html/ (the site), _build/sphinx/ (what Sphinx
wrote, copied into the site), _build/doctrees/ (Sphinx's cache, which makes a second build quick).
"""

from __future__ import annotations

import argparse
import html
import json
from dataclasses import dataclass, field
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
NOTEBOOKS = REPO / "notebooks"
SOURCES = BOOK / "_src"
BUILD = BOOK / "_build"
SITE = BUILD / "html"
# Sphinx writes each language to sphinx/<lang>/html/, and myst-nb its notebook copies and images beside that
# folder, in sphinx/<lang>/jupyter_execute/; were the languages built straight into html/<lang>/, all three
# would share html/jupyter_execute/, at the same time, inside the site.
SPHINX = BUILD / "sphinx"
DOCTREES = BUILD / "doctrees"
STATIC = BUILD / "static"  # listed in conf.py's html_static_path: copied into each language's _static/
NODE_MODULES = BOOK / "node_modules"

sys.path.insert(0, str(BOOK))
sys.path.insert(0, str(BOOK / "_ext"))
from linkcheck import check_site, external_assets  # noqa: E402  (book/linkcheck.py)
from site_languages import language_name  # noqa: E402  (book/_ext/site_languages.py)

from autotutor.i18n import LANGUAGES, direction, translate  # noqa: E402
from autotutor.course.notebooks import LESSONS_DIR, lesson_messages  # noqa: E402
from autotutor.lessons.autotokenizer import PADDING_COLOUR, PALETTE, SPECIAL_COLOUR  # noqa: E402
from autotutor.pack.store import installed_entry  # noqa: E402
from autotutor.widgets.live_labels import labels  # noqa: E402
from autotutor.widgets.tokenizer_explorer import MAX_LENGTH_RANGE, MAX_TEXTS, PADDING_OPTIONS  # noqa: E402

# What the pages need from node_modules, and where it goes under _static/. embed-amd.js loads its icon fonts
# from its own folder, so they travel with it.
WIDGET_FILES = {
    "@jupyter-widgets/html-manager/dist/embed-amd.js": "widgets/embed-amd.js",
    "@jupyter-widgets/html-manager/dist/embed.js.LICENSE.txt": "widgets/embed-amd.js.LICENSE.txt",
    "requirejs/require.js": "widgets/require.js",
}
WIDGET_FONTS = "@jupyter-widgets/html-manager/dist"
FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".svg"}


class BookError(RuntimeError):
    """Something the site cannot be built without; the message says what to do."""


def _write_if_changed(path: Path, text: str) -> None:
    """Leave an unchanged file alone, so that Sphinx's incremental build does not redo its page."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_if_changed(source: Path, target: Path) -> None:
    """The same for a binary file."""
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


# ---------------------------------------------------------------------------------------------------------------
# 1. Sources
# ---------------------------------------------------------------------------------------------------------------
def lesson_notebooks(lang: str) -> list[Path]:
    notebooks = sorted((NOTEBOOKS / lang).glob("[0-9]*.ipynb"))
    if not notebooks:
        raise BookError(f"No lessons in {NOTEBOOKS / lang}: run `make notebooks` first.")
    return notebooks


def _title_and_summary(notebook: Path) -> tuple[str, str]:
    """The English heading of a lesson and its first paragraph, from its source in lessons/ (catalog ids)."""
    source = LESSONS_DIR / notebook.name
    if not source.is_file():
        raise BookError(f"{notebook.relative_to(REPO)} has no source {source.relative_to(REPO)}: "
                        "run `make notebooks` to bring notebooks/ in line with lessons/.")
    messages = [text for text, _cell in lesson_messages(source)]
    if len(messages) < 2 or not messages[0].startswith("# "):
        raise BookError(f"{source.relative_to(REPO)} must start with a '# Title' heading and a paragraph.")
    return messages[0], messages[1]


def _translated(message: str, lang: str) -> str:
    text = translate(message, lang)
    if lang != "en" and text == message:
        raise BookError(f"No {lang} translation of {message[:60]!r} in the catalogs: run `make i18n` and "
                        "translate what it lists.")
    return text


def landing_page(lang: str, notebooks: list[Path]) -> str:
    """index.md: each lesson's title, linked, and its opening paragraph, in `lang`, from the catalogs.
    (The hidden toctree gives the sidebar its order; the page itself shows the list.)"""
    lines = ["# autotutor", "", "```{toctree}", ":hidden:", "", *[nb.stem for nb in notebooks], "```", "",
             _translated("How does a pretrained model get from the Hub into your program? These short lessons "
                         "take the Auto classes of Hugging Face Transformers apart, one step at a time, on "
                         "real checkpoints.", lang), "",
             _translated("Each lesson is a notebook. Read it here with its results and its widgets as they "
                         "were; to run it and play with the widgets yourself, open it in JupyterLab with "
                         "`autotutor lab`.", lang), ""]
    for notebook in notebooks:
        heading, summary = _title_and_summary(notebook)
        title = _translated(heading, lang).removeprefix("# ").strip()
        lines += [f"**[{title}]({notebook.name})**", "", _translated(summary, lang), ""]
    return "\n".join(lines)


def site_notebook(notebook: Path, lang: str) -> str:
    """The notebook as the site reads it: in a right-to-left language, each markdown cell without the
    `<div dir="rtl" lang="..">` that wraps it for JupyterLab (whose page runs left to right).

    On the site the whole page is right to left already, and that wrapper would cut across the page's
    sections: it opens before a cell's heading and closes after it, inside the section the heading starts,
    which is not valid HTML. Nothing else changes; the wrapper of a fenced code block (`<div dir="ltr">`)
    opens and closes inside one section and stays.
    """
    text = notebook.read_text(encoding="utf-8")
    if direction(lang) != "rtl":
        return text
    data = json.loads(text)
    wrapper = re.compile(rf'<div dir="rtl" lang="{re.escape(lang)}">\n\n(?P<body>.*)\n\n</div>\s*', re.S)
    for cell in data["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            unwrapped = wrapper.fullmatch(source)
            cell["source"] = _markdown_paragraphs(unwrapped.group("body") if unwrapped else source)
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# For JupyterLab, whose CSS aligns every paragraph left, a right-to-left lesson writes each paragraph as
# <p style="text-align: right"> with its emphasis in HTML (autotutor/course/notebooks.py). The site is right to left
# already, and Sphinx indexes markdown paragraphs for its search but not raw HTML: so they become markdown again.
_RTL_PARAGRAPH = re.compile(r'^<p style="text-align: right">(?P<body>.*?)</p>$', re.S | re.M)


def _markdown_paragraphs(markdown: str) -> str:
    """`<p style="text-align: right">a <strong>b</strong> <em>c</em></p>` → `a **b** *c*` (code spans stay)."""
    def paragraph(match: re.Match) -> str:
        body = re.sub(r"</?strong>", "**", match.group("body"))
        return re.sub(r"</?em>", "*", body)

    return _RTL_PARAGRAPH.sub(paragraph, markdown)


def write_sources(lang: str, live: frozenset[str] = frozenset()) -> Path:
    """book/_src/<lang>/: the lesson notebooks and the landing page; stale files from earlier builds go. The
    lessons named in `live` get their live explorer's placeholder (see `with_live_explorer`)."""
    folder = SOURCES / lang
    notebooks = lesson_notebooks(lang)
    wanted = {"index.md"} | {nb.name for nb in notebooks}
    for notebook in notebooks:
        text = site_notebook(notebook, lang)
        if notebook.stem in live:
            text = with_live_explorer(text, LIVE_PAGES[notebook.stem], notebook)
        _write_if_changed(folder / notebook.name, text)
    _write_if_changed(folder / "index.md", landing_page(lang, notebooks))
    for old in folder.iterdir():
        if old.name not in wanted:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    return folder


# ---------------------------------------------------------------------------------------------------------------
# 2. Widget JavaScript
# ---------------------------------------------------------------------------------------------------------------
def stage_widget_files() -> None:
    missing = [name for name in WIDGET_FILES if not (NODE_MODULES / name).is_file()]
    if missing:
        raise BookError(f"{', '.join(missing)} not found in {NODE_MODULES}: run `npm ci --prefix book` "
                        "(`make book` does).")
    for name, target in WIDGET_FILES.items():
        _copy_if_changed(NODE_MODULES / name, STATIC / target)
    for font in (NODE_MODULES / WIDGET_FONTS).iterdir():
        if font.suffix in FONT_SUFFIXES:
            _copy_if_changed(font, STATIC / "widgets" / font.name)


# ---------------------------------------------------------------------------------------------------------------
# 2b. Live explorers: run in the page, on the checkpoint's own tokenizer files (book/_static/live/live.js)
# ---------------------------------------------------------------------------------------------------------------
LIVE = STATIC / "live"
# Each library is its npm build for CommonJS, wrapped into a classic script (see `_classic_script`).
LIVE_LIBRARIES = {
    "tokenizers.js": ("@huggingface/tokenizers", "dist/tokenizers.min.cjs"),
    "jinja.js": ("@huggingface/jinja", "dist/index.cjs"),
}


@dataclass(frozen=True)
class LivePage:
    """A lesson whose explorer also runs in the page: `_static/live/<kind>.js` draws it."""

    kind: str
    repo_id: str  # the course pack entry whose tokenizer.json and tokenizer_config.json it reads
    after: str  # the placeholder goes right after the one code cell whose source holds this
    libraries: tuple[str, ...]
    settings: dict = field(default_factory=dict)  # the explorer's first state, as the notebook's cell sets it
    replaces_previous_output: bool = False  # whether it takes the place of that cell's stored widget


LIVE_PAGES = {
    "01_autotokenizer": LivePage(
        "tokenizer-explorer", "google-bert/bert-base-uncased", after="TokenizerExplorer(",
        libraries=("tokenizers.js",), replaces_previous_output=True,
        # TokenizerExplorer(tokenizer, sentence + "\nA short one.", padding=True), with its widget's bounds
        settings={"text": "In a hole in the ground there lived a hobbit.\nA short one.", "padding": True,
                  "truncation": False, "max_length": 16, "max_length_range": list(MAX_LENGTH_RANGE),
                  "max_texts": MAX_TEXTS, "padding_options": [list(option) for option in PADDING_OPTIONS],
                  "palette": list(PALETTE), "special_colour": SPECIAL_COLOUR, "padding_colour": PADDING_COLOUR,
                  "pad_token": "[PAD]"},
    ),
    "08_automodelforcausallm": LivePage(
        "chat-template", "HuggingFaceTB/SmolLM2-135M-Instruct", after="generation_prompt(tokenizer, question)",
        libraries=("tokenizers.js", "jinja.js"),
        # the conversation of the lesson's chat-template cell
        settings={"messages": [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}],
                  "add_generation_prompt": True, "roles": ["system", "user", "assistant"]},
    ),
}


def live_data_file(repo_id: str) -> str:
    """The name under _static/live/ of a checkpoint's tokenizer files: "google-bert--bert-base-uncased.js"."""
    return repo_id.replace("/", "--") + ".js"


def with_live_explorer(text: str, live: LivePage, notebook: Path) -> str:
    """The notebook (as JSON text) with the live explorer's placeholder, a markdown cell of raw HTML, right after
    the code cell that holds `live.after`. It stays hidden until live.js has drawn the explorer in it."""
    data = json.loads(text)
    cells = data["cells"]
    found = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code" and live.after in _source(cell)]
    if len(found) != 1:
        raise BookError(f"{notebook.relative_to(REPO)}: the live {live.kind} goes after the one code cell with "
                        f"{live.after!r}; found {len(found)}. Update LIVE_PAGES in book/build.py.")
    settings = {**live.settings, "repo_id": live.repo_id, "data": live_data_file(live.repo_id),
                "libraries": list(live.libraries), "replaces_previous_output": live.replaces_previous_output}
    placeholder = (f'<div class="autotutor-live" data-live="{live.kind}" '
                   f'data-settings="{html.escape(json.dumps(settings, ensure_ascii=False))}" hidden></div>')
    cells.insert(found[0] + 1, {"cell_type": "markdown", "id": f"autotutor-live-{live.kind}", "metadata": {},
                                "source": placeholder})
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _classic_script(package: str, dist: str, licence: str) -> str:
    """A library's CommonJS build as a classic script that puts its exports in self.autotutorLiveLibraries.

    Its ES module build would be simpler to load, but a page opened from file:// cannot import a module
    (Chromium refuses it), while it runs classic scripts: wrapped this way the explorers work there too.
    """
    version = json.loads((NODE_MODULES / package / "package.json").read_text(encoding="utf-8"))["version"]
    source = (NODE_MODULES / package / dist).read_text(encoding="utf-8")
    source = re.sub(r"^//# sourceMappingURL=.*$", "", source, flags=re.M)  # no map is served
    return (f"/*! {package} {version}, {dist}; licence: {licence} */\n"
            "(function () {\n\"use strict\";\nvar module = { exports: {} }, exports = module.exports;\n"
            f"{source}\n;self.autotutorLiveLibraries = self.autotutorLiveLibraries || {{}};\n"
            f"self.autotutorLiveLibraries[{json.dumps(package)}] = module.exports;\n}})();\n")


def _data_script(name: str, value: object) -> str:
    """A JSON value as a script that hands it to live.js: `autotutorLiveData("labels", {...});` (a page opened
    from file:// cannot fetch a JSON file, but runs a script)."""
    return f"autotutorLiveData({json.dumps(name)}, {json.dumps(value, ensure_ascii=False, separators=(',', ':'))});\n"


def stage_live_files() -> frozenset[str]:
    """book/_build/static/live/: the libraries, each live checkpoint's tokenizer files and each language's labels.
    Returns the lessons whose explorer can go live: those whose checkpoint is in the course pack."""
    missing = [package for package, dist in LIVE_LIBRARIES.values() if not (NODE_MODULES / package / dist).is_file()]
    if missing:
        raise BookError(f"{', '.join(missing)} not found in {NODE_MODULES}: run `npm ci --prefix book` "
                        "(`make book` does).")
    wanted = set()
    for target, (package, dist) in LIVE_LIBRARIES.items():
        licence = f"{target}.LICENSE.txt"
        _write_if_changed(LIVE / target, _classic_script(package, dist, licence))
        _copy_if_changed(NODE_MODULES / package / "LICENSE", LIVE / licence)
        wanted |= {target, licence}
    for lang in LANGUAGES:
        _write_if_changed(LIVE / f"labels.{lang}.js", _data_script("labels", labels(lang)))
        wanted.add(f"labels.{lang}.js")
    live = set()
    for page, explorer in LIVE_PAGES.items():
        folder = installed_entry(explorer.repo_id)
        if folder is None:
            print(f"book: {explorer.repo_id} is not in the course pack, so {page} keeps only its stored widget; "
                  "`autotutor pack install` builds the pack.")
            continue
        files = {"tokenizer": json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")),
                 "config": json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))}
        name = live_data_file(explorer.repo_id)
        _write_if_changed(LIVE / name, _data_script(explorer.repo_id, files))
        wanted.add(name)
        live.add(page)
    for old in LIVE.iterdir():  # a checkpoint no longer used, or no longer in the pack
        if old.name not in wanted:
            old.unlink()
    return frozenset(live)


# ---------------------------------------------------------------------------------------------------------------
# 3. Sphinx, once per language
# ---------------------------------------------------------------------------------------------------------------
def sphinx_command(lang: str) -> list[str]:
    return [
        sys.executable, "-m", "sphinx", "--builder", "html", "--quiet",
        "--conf-dir", str(BOOK),
        "--define", f"language={lang}",
        "--write-all",  # pages are cheap to write; without it, a changed static file alone is never copied
        "--fail-on-warning", "--keep-going",  # every warning, and all of them at once
        "--nitpicky",
        "--doctree-dir", str(DOCTREES / lang),
        str(SOURCES / lang), str(SPHINX / lang / "html"),
    ]


def run_sphinx(languages: list[str], *, jobs: int) -> None:
    """The languages' builds, `jobs` at a time (each is one process: Sphinx holds global state)."""
    waiting = list(languages)
    running: dict[str, tuple[subprocess.Popen, float]] = {}
    failed: list[str] = []
    while waiting or running:
        while waiting and len(running) < jobs:
            lang = waiting.pop(0)
            process = subprocess.Popen(sphinx_command(lang), cwd=REPO, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
            running[lang] = (process, time.perf_counter())
        for lang, (process, started) in list(running.items()):
            if process.poll() is None:
                continue
            del running[lang]
            output = process.stdout.read() if process.stdout else ""
            if output.strip():
                print(output.rstrip())
            state = "ok" if process.returncode == 0 else f"FAILED (exit {process.returncode})"
            print(f"book: {lang} built in {time.perf_counter() - started:.1f} s: {state}")
            if process.returncode != 0:
                failed.append(lang)
            else:
                mirror(SPHINX / lang / "html", SITE / lang)
        time.sleep(0.2)
    if failed:
        raise BookError(f"Sphinx failed for {', '.join(failed)}: see its messages above.")


def mirror(source: Path, target: Path) -> None:
    """Make `target` a copy of `source`: changed files copied, files that are no longer there removed."""
    for path in source.rglob("*"):
        if path.is_file():
            copy = target / path.relative_to(source)
            stat = path.stat()
            if not copy.is_file() or copy.stat().st_size != stat.st_size or copy.stat().st_mtime != stat.st_mtime:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
    for copy in sorted(target.rglob("*"), reverse=True):  # deepest first, so emptied folders can go too
        original = source / copy.relative_to(target)
        if copy.is_file() and not original.is_file():
            copy.unlink()
        elif copy.is_dir() and not original.is_dir():
            shutil.rmtree(copy)


# ---------------------------------------------------------------------------------------------------------------
# 4. The root page
# ---------------------------------------------------------------------------------------------------------------
def root_page(languages: list[str]) -> str:
    """index.html at the site's root: the languages, each named in itself, each leading to its landing page."""
    # The same invitation in each language, each in its own direction: the reader finds theirs.
    prompts = "\n".join(
        f'  <p lang="{lang}" dir="{direction(lang)}">{html.escape(text)}</p>'
        for lang, text in ((lang, _translated("Choose the language of the course:", lang)) for lang in languages)
    )
    links = "\n".join(
        f'    <li><a href="{lang}/index.html" hreflang="{lang}" lang="{lang}" dir="{direction(lang)}">'
        f"{html.escape(language_name(lang))}</a></li>"
        for lang in languages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>autotutor</title>
  <link rel="icon" href="{languages[0]}/_static/favicon.svg" type="image/svg+xml">
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; }}
    ul {{ list-style: none; padding: 0; }}
    li a {{ display: block; margin: .75rem 0; padding: 1rem 1.25rem; border: 1px solid #bbb; border-radius: .5rem;
           font-size: 1.4rem; text-decoration: none; }}
    li a:hover, li a:focus {{ background: #f0f4ff; }}
  </style>
</head>
<body>
  <h1>autotutor</h1>
{prompts}
  <ul class="site-languages">
{links}
  </ul>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------------------------
# 5. Checks, and the whole build
# ---------------------------------------------------------------------------------------------------------------
def check(site: Path) -> None:
    broken = check_site(site)
    for link in broken:
        print(f"book: broken link in {link.page.relative_to(site)}: {link.reference} ({link.reason})")
    outside = external_assets(site)
    for asset in outside:
        print(f"book: {asset.page.relative_to(site)} loads {asset.reference} from another host")
    if broken or outside:
        raise BookError(f"{len(broken)} broken link(s), {len(outside)} outside asset(s) in {site}.")


def build(languages: list[str], *, jobs: int) -> None:
    started = time.perf_counter()
    live = stage_live_files()
    for lang in languages:
        write_sources(lang, live)
    stage_widget_files()
    run_sphinx(languages, jobs=jobs)
    _write_if_changed(SITE / "index.html", root_page(list(LANGUAGES)))
    check(SITE)
    print(f"book: {SITE.relative_to(REPO)}/index.html ({', '.join(languages)}) in "
          f"{time.perf_counter() - started:.1f} s; links checked")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lang", action="append", choices=LANGUAGES,
                        help="build only this language (repeatable); default: all")
    parser.add_argument("--jobs", type=int, default=2, help="languages built at the same time (default 2)")
    args = parser.parse_args(argv)
    try:
        build(args.lang or list(LANGUAGES), jobs=max(1, args.jobs))
    except BookError as err:
        print(f"book: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
