"""The lessons in a real JupyterLab, driven by chromium the way a learner uses them: open a lesson, run every
cell from the menu, type into the tokenizer explorer, choose stages in the backbone explorer, switch the widgets'
language, and open the Arabic lesson. What the widgets show is compared with what the library and the catalogs
say it should be, and right to left is measured in the browser (computed `direction`, positions of controls).

One JupyterLab serves a temporary copy of the lessons (`lab_server.py`); each test opens one lesson in a fresh
page, and its kernel is shut down afterwards. Screenshots go to `tests/browser/artifacts/`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from autotutor.i18n import translate

from lab_server import LabServer  # tests/browser/ is on sys.path (pytest "prepend" import mode)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# The lessons these tests open. The folder names matter: a lesson takes its language from its folder.
COPIED = {"en": ["01_autotokenizer.ipynb", "03_autobackbone.ipynb"], "ar": ["01_autotokenizer.ipynb"]}

RUN_TIMEOUT_MS = 120_000  # kernel start, torch import and every cell; 5–10 s on an idle machine
STEP_TIMEOUT_MS = 30_000  # any single wait for the page
PLAYWRIGHT_EXPECT_TIMEOUT_MS = 5_000  # Playwright's default, restored after each test
CHECKPOINT = "google-bert/bert-base-uncased"
# Typed key by key: "a", "b", "m" and "dd" are JupyterLab's shortcuts for new cells, markdown and delete, so the
# text only arrives whole, and the notebook keeps its cells, if the widget keeps the keys from the notebook.
TYPED = "Smaug guarded a hidden hoard"

# The notebook on show. JupyterLab keeps other open notebooks in the page, hidden: never look into those.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
PROMPTS = f"[...document.querySelectorAll('{NOTEBOOK} .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"

# The status bar's kernel item reads "Python 3 (ipykernel) | Idle" once the kernel has started and is idle (the
# toolbar's indicator already says idle before the kernel exists, so it is not enough on its own).
KERNEL_IDLE = """() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')
        ?.dataset.status === 'idle'
    && [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(item => /[|]\\s*Idle$/.test(item.textContent))"""

# Catalog messages the widgets show (the English text is the msgid).
SWITCH_LABEL = "Language of the widgets:"
SWITCH_TOOLTIP = "Show the widgets in this language"
PROMPT = "Type a text, or several: one line per text makes a batch. French and Arabic work too."
PLACEHOLDER = "In a hole in the ground there lived a hobbit."
TEXT_TOOLTIP = "One text per line: each line is a sequence of the batch"
SPECIAL_TOKEN = "special token"
EMPTY = "Type a text above to see its tokens."
STAGE_HEADING = "Stage {index}, {name}: feature map of shape {shape}"
WOULD_FAIL = "Loading would fail with:"
# swin-tiny's feature maps for the lesson's 224×224 photo (the documented shapes, as in test_lesson_backbone.py)
STAGE_SHAPES = {"stage1": [1, 96, 56, 56], "stage2": [1, 192, 28, 28], "stage3": [1, 384, 14, 14]}


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> LabServer:
    """JupyterLab serving a fresh copy of the lessons; stopped (with its kernels) whatever the tests do."""
    scratch = tmp_path_factory.mktemp("lab")
    lessons = scratch / "lessons"
    for lang, names in COPIED.items():
        (lessons / lang).mkdir(parents=True)
        for name in names:
            shutil.copy2(NOTEBOOKS / lang / name, lessons / lang / name)
    server = LabServer.start(lessons=lessons, home=scratch / "home")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lab_page(lab: LabServer, page: Page) -> Page:
    """The conftest's page, with waits long enough for widgets that redraw through a kernel on a busy machine."""
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    try:
        yield page
    finally:
        expect.set_options(timeout=PLAYWRIGHT_EXPECT_TIMEOUT_MS)
        page.close()  # before the kernels go, so their closing sockets are not reported as the page's errors
        lab.shut_down_kernels()


@pytest.fixture(scope="module")
def tokenizer():
    """The lesson's tokenizer, loaded here too (from the course pack the lesson's first cell installs)."""
    from autotutor import AutoTokenizer

    return AutoTokenizer.from_pretrained(CHECKPOINT, local_files_only=True)


# --- driving JupyterLab ---------------------------------------------------------------------------------------

def menu(page: Page, top: str, item: str) -> None:
    """Choose `top > item` in JupyterLab's menu bar, as a learner does."""
    page.get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def notebook(page: Page) -> Locator:
    return page.locator(NOTEBOOK)


def code_prompts(page: Page) -> list[str]:
    return notebook(page).locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()


def run_lesson(page: Page, lab: LabServer, path: str, artifacts: Path) -> None:
    """Open the lesson, clear its saved outputs, run all cells from the menu and wait until every cell has run.

    Clearing first makes every widget on the page come from this run, not from the outputs saved in the file.
    """
    # ?reset: a fresh workspace, with only this lesson open (JupyterLab would reopen the previous test's too)
    page.goto(lab.url(f"/lab/tree/{path}?reset"))
    expect(notebook(page).locator(".jp-CodeCell").first).to_be_visible()
    wait_for(page, artifacts, path, "the kernel to start", KERNEL_IDLE)
    menu(page, "Edit", "Clear Outputs of All Cells")
    wait_for(page, artifacts, path, "the outputs to be cleared", f"() => {PROMPTS}.every(p => !/\\d/.test(p))")
    menu(page, "Run", "Run All Cells")
    # Finished: the first cell has a number and no cell waits ([*]). On an error JupyterLab stops the run and
    # the cells after it lose their [*], so this ends either way; the assertion below tells which.
    wait_for(page, artifacts, path, "every cell to run", f"""() => {{
        const prompts = {PROMPTS};
        return prompts.length > 0 && /\\d/.test(prompts[0]) && !prompts.some(p => p.includes('*'));
    }}""", timeout=RUN_TIMEOUT_MS)
    prompts = code_prompts(page)
    if not all(re.fullmatch(r"\[\d+\]:", prompt) for prompt in prompts):
        errors = notebook(page).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        pytest.fail(f"{path}: not every cell ran (prompts {prompts}); the outputs say:\n"
                    + "\n".join(errors.all_text_contents()))
    wait_for(page, artifacts, path, "the kernel to be idle", KERNEL_IDLE)


def wait_for(page: Page, artifacts: Path, path: str, what: str, condition: str, *,
             timeout: float = STEP_TIMEOUT_MS) -> None:
    """Wait until the JavaScript `condition` holds; if it never does, fail with a screenshot of the page."""
    try:
        page.wait_for_function(condition, timeout=timeout)
    except PlaywrightTimeoutError:
        shot = artifacts / f"lab-timeout-{path.replace('/', '-')}.png"
        page.screenshot(path=shot)
        pytest.fail(f"{path}: waited {timeout / 1000:.0f} s for {what}; code cell prompts {code_prompts(page)}, "
                    f"screenshot {shot}")


def no_page_errors(page: Page) -> None:
    assert page.problems == [], "the page reported errors:\n" + "\n".join(page.problems)


# --- finding the widgets (ipywidgets' own classes, the only stable hooks in the page) ---------------------------

def language_switch(page: Page) -> Locator:
    """The HBox of the first cell: a Label and the ToggleButtons."""
    return notebook(page).locator(".widget-hbox:has(> .widget-toggle-buttons)")


def tokenizer_explorer(page: Page) -> Locator:
    """The VBox with the text box (the lesson has one)."""
    return notebook(page).locator(".widget-vbox:has(> .widget-textarea)")


def backbone_explorer(page: Page) -> Locator:
    """The VBox whose second row holds the out_indices and out_features lists."""
    return notebook(page).locator(".widget-vbox:has(> .widget-hbox > .widget-select-multiple)")


def picture(explorer: Locator) -> Locator:
    """The HTML an explorer draws, its last child."""
    return explorer.locator(":scope > .widget-html").last


def prompt(explorer: Locator) -> Locator:
    """The explorer's first line, the sentence that says what to do."""
    return explorer.locator(":scope > .widget-html").first.locator(".autotutor-widget")


def token_row(explorer: Locator, text_number: int, row: int) -> Locator:
    """The cells of one row (0: word-pieces, 1: input_ids, 2: attention_mask) of one text's table."""
    table = picture(explorer).locator("table").nth(text_number)
    return table.locator("tr").nth(row).locator("td")


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not displayed"
    return found


def computed_direction(locator: Locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def expect_tokens(explorer: Locator, tokenizer, texts: list[str]) -> None:
    """The explorer's tables show, cell by cell, the tokens and ids the tokenizer gives for `texts` (padding=True)."""
    batch = tokenizer(texts, padding=True)
    expect(picture(explorer).locator("table")).to_have_count(len(texts))
    for number in range(len(texts)):
        expect(token_row(explorer, number, 0)).to_have_text(batch.tokens(number))
        expect(token_row(explorer, number, 1)).to_have_text([str(i) for i in batch["input_ids"][number]])


# --- the tests ---------------------------------------------------------------------------------------------------

def test_tokenizer_explorer_follows_typing_and_the_language_switch(lab, lab_page, tokenizer, artifacts):
    page = lab_page
    run_lesson(page, lab, "en/01_autotokenizer.ipynb", artifacts)
    explorer, switch = tokenizer_explorer(page), language_switch(page)
    expect(explorer).to_have_count(1)
    expect(switch.locator(":scope > .widget-label")).to_have_text(SWITCH_LABEL)
    # The lesson's first text: the hobbit sentence and a short one, padded to a rectangle.
    expect_tokens(explorer, tokenizer, [PLACEHOLDER, "A short one."])

    # Type, key by key, into the emptied box.
    text_box = explorer.locator("textarea")
    cells_before = notebook(page).locator(".jp-Cell").count()
    text_box.fill("")
    expect(picture(explorer)).to_have_text(EMPTY)
    text_box.press_sequentially(TYPED)
    expect(text_box).to_have_value(TYPED)
    expect_tokens(explorer, tokenizer, [TYPED])
    expect(picture(explorer)).to_contain_text(TYPED.lower())  # the decode round trip
    assert notebook(page).locator(".jp-Cell").count() == cells_before, "typing reached JupyterLab's shortcuts"
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=artifacts / "lab-tokenizer-en.png")

    # Left to right in English: the padding dropdown comes before the truncation checkbox.
    dropdown, checkbox = explorer.locator(".widget-dropdown"), explorer.locator(".widget-checkbox").first
    assert computed_direction(explorer) == "ltr"
    assert box(dropdown)["x"] < box(checkbox)["x"]

    # Français: every label of the lesson's widgets is redrawn from the French catalog; the tokens stay.
    switch.get_by_role("button", name="Français").click()
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "fr"))
    expect(switch.get_by_role("button", name="Français")).to_have_attribute(
        "title", translate(SWITCH_TOOLTIP, "fr"))
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "fr"))
    expect(text_box).to_have_attribute("placeholder", translate(PLACEHOLDER, "fr"))
    expect(text_box).to_have_attribute("title", translate(TEXT_TOOLTIP, "fr"))
    expect(picture(explorer)).to_contain_text(translate(SPECIAL_TOKEN, "fr"))
    expect_tokens(explorer, tokenizer, [TYPED])
    assert computed_direction(explorer) == "ltr"
    explorer.screenshot(path=artifacts / "lab-tokenizer-fr.png")

    # العربية: Arabic text, and the explorer laid out right to left, as measured in the page.
    switch.get_by_role("button", name="العربية").click()
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "ar"))
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "ar"))
    expect(text_box).to_have_attribute("placeholder", translate(PLACEHOLDER, "ar"))
    expect(picture(explorer)).to_contain_text(translate(SPECIAL_TOKEN, "ar"))
    expect_right_to_left(explorer)
    expect_tokens(explorer, tokenizer, [TYPED])
    explorer.screenshot(path=artifacts / "lab-tokenizer-ar-switch.png")
    no_page_errors(page)


def expect_right_to_left(explorer: Locator) -> None:
    """The explorer box is rtl and its controls mirrored, while the token table itself stays left to right."""
    expect(explorer).to_have_class(re.compile(r"\bautotutor-rtl\b"))
    expect(prompt(explorer)).to_have_attribute("dir", "rtl")
    expect(prompt(explorer)).to_have_attribute("lang", "ar")
    assert computed_direction(explorer) == "rtl"
    assert computed_direction(explorer.locator("textarea")) == "rtl"
    # The controls row runs from the right: the dropdown, first in the row, is now to the right of the checkbox.
    dropdown, checkbox = explorer.locator(".widget-dropdown"), explorer.locator(".widget-checkbox").first
    assert box(dropdown)["x"] > box(checkbox)["x"]
    right_edge = box(explorer)["x"] + box(explorer)["width"]
    assert abs(box(dropdown)["x"] + box(dropdown)["width"] - right_edge) < 20, "the row should start on the right"
    # Token order is code order: [CLS] on the left, as in every language.
    pieces = token_row(explorer, 0, 0)
    assert computed_direction(pieces.first) == "ltr"
    assert box(pieces.first)["x"] < box(pieces.nth(1))["x"]


def test_backbone_explorer_shows_the_chosen_stages(lab, lab_page, artifacts):
    page = lab_page
    run_lesson(page, lab, "en/03_autobackbone.ipynb", artifacts)
    explorer = backbone_explorer(page)
    expect(explorer).to_have_count(1)
    headings, images = picture(explorer).locator("h4"), picture(explorer).locator("img")

    def heading(name: str) -> str:
        return translate(STAGE_HEADING, "en").format(index=name[-1], name=name, shape=STAGE_SHAPES[name])

    # The lesson's first choice, out_indices=(1,).
    expect(headings).to_have_text([heading("stage1")])
    first_tiles = images.first.get_attribute("src")

    # Choose stage 2 instead, then Ctrl+click stage 3 as well, in the out_indices list.
    indices = explorer.locator(".widget-select-multiple").filter(has_text="out_indices").locator("select")
    indices.select_option("2")
    expect(headings).to_have_text([heading("stage2")])
    expect(images).to_have_count(1)
    assert images.first.get_attribute("src") != first_tiles, "the tiles did not change with the stage"
    indices.get_by_role("option", name="3", exact=True).click(modifiers=["Control"])
    expect(headings).to_have_text([heading("stage2"), heading("stage3")])
    expect(images).to_have_count(2)
    # Every tile image decodes in the browser, at the size of a grid of tiles.
    sizes = images.evaluate_all("imgs => imgs.map(img => [img.complete, img.naturalWidth, img.naturalHeight])")
    assert all(complete and width > 50 and height > 50 for complete, width, height in sizes), sizes
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=artifacts / "lab-backbone.png")

    # A name in out_features that disagrees with the numbers: the error loading would raise, explained.
    features = explorer.locator(".widget-select-multiple").filter(has_text="out_features").locator("select")
    features.select_option("stage1")
    expect(picture(explorer)).to_contain_text(translate(WOULD_FAIL, "en"))
    expect(picture(explorer).locator("pre")).to_contain_text("ConfigError")
    expect(images).to_have_count(0)
    no_page_errors(page)


def test_arabic_lesson_starts_in_arabic_right_to_left(lab, lab_page, tokenizer, artifacts):
    page = lab_page
    run_lesson(page, lab, "ar/01_autotokenizer.ipynb", artifacts)
    switch, explorer = language_switch(page), tokenizer_explorer(page)
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "ar"))
    expect(switch.get_by_role("button", name="العربية")).to_have_class(re.compile(r"\bmod-active\b"))
    switch.screenshot(path=artifacts / "lab-ar-switch.png")
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "ar"))
    expect(explorer.locator("textarea")).to_have_attribute("placeholder", translate(PLACEHOLDER, "ar"))
    expect(explorer.locator("textarea")).to_have_attribute("title", translate(TEXT_TOOLTIP, "ar"))
    expect_right_to_left(explorer)
    # The code is the same in every language: the explorer tokenizes the English sentences it is given.
    expect_tokens(explorer, tokenizer, [PLACEHOLDER, "A short one."])
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "lab-ar.png")
    # The lesson's prose, for a look: the generated markdown carries dir="rtl" lang="ar".
    title = notebook(page).locator(".jp-MarkdownCell h1").first
    title.scroll_into_view_if_needed()
    expect(title).to_be_in_viewport()  # drawn: offscreen cells are skipped until they come into view
    page.screenshot(path=artifacts / "lab-ar-prose.png")
    no_page_errors(page)
