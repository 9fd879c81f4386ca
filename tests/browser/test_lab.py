"""The lessons in a real JupyterLab, driven by chromium the way a learner uses them: open a lesson, run every
cell from the menu, type into the tokenizer explorer, choose stages in the backbone explorer, switch the widgets'
language, and open the Arabic lesson. What the widgets show is compared with what the library and the catalogs
say it should be, and right to left is measured in the browser (computed `direction`, positions of controls).
So are the fixes for what a learner met in the page: each explorer fits its output area (a wide token table
scrolls in its own box), text typed in Arabic keeps each line's own direction, the language switch turns right to
left, every control shows its translated tooltip on hover and has a translated name (the text box and the padding
list too, through their visible labels), a disabled control is skipped by Tab, and Arabic prose is aligned right,
in the stored notebook as well as after a run.

One JupyterLab serves a temporary copy of the lessons (`lab_server.py`); each test opens one lesson in a fresh
page, and its kernel is shut down afterwards. Screenshots go to `tests/browser/artifacts/`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lab_server import LabServer  # tests/browser/ is on sys.path (pytest "prepend" import mode)
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from autotutor.i18n import isolate_code, translate

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
TEXT_LABEL = "Texts"  # the text box's visible label, and so its accessible name
PADDING_LABEL = "padding"  # the padding list's, translated too
SPECIAL_TOKEN = "special token"
TRUNCATION_TOOLTIP = "Cut every text longer than `max_length` tokens"
SPECIAL_TOOLTIP = "Add `[CLS]` at the start and `[SEP]` at the end, as BERT was trained"
MAX_LENGTH_TOOLTIP = "The length that truncation cuts to, and that `padding='max_length'` pads to"
PADDING_TOOLTIP = "Pad the shorter texts with `[PAD]` so every row has the same length"
INDICES_TOOLTIP = "The positions of the stages in `stage_names`: 0 is the stem"
FEATURES_TOOLTIP = "The names of the stages"
# A short paragraph of the Arabic lesson, one line: it must sit against the right edge of its cell.
SHORT_PARAGRAPH = "Two words come back in every lesson, and they do not mean the same thing."
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
    """Open the lesson, clear its saved outputs, run all cells from the menu and wait until every cell has run."""
    open_lesson(page, lab, path, artifacts)
    run_all_cells(page, path, artifacts)


def open_lesson(page: Page, lab: LabServer, path: str, artifacts: Path) -> None:
    """Open the lesson as stored (an untrusted notebook: its saved widgets are not drawn) and wait for the kernel."""
    # ?reset: a fresh workspace, with only this lesson open (JupyterLab would reopen the previous test's too)
    page.goto(lab.url(f"/lab/tree/{path}?reset"))
    expect(notebook(page).locator(".jp-CodeCell").first).to_be_visible()
    wait_for(page, artifacts, path, "the kernel to start", KERNEL_IDLE)


def run_all_cells(page: Page, path: str, artifacts: Path) -> None:
    """Clear the saved outputs, run all cells from the menu and wait until every cell has run.

    Clearing first makes every widget on the page come from this run, not from the outputs saved in the file.
    """
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


# --- finding the widgets (the classes autotutor adds to each one, and ipywidgets' own inside them) ---------------

def language_switch(page: Page) -> Locator:
    """The HBox of the first cell: a Label and the ToggleButtons."""
    return notebook(page).locator(".autotutor-language-switch")


def tokenizer_explorer(page: Page) -> Locator:
    return notebook(page).locator(".autotutor-tokenizer-explorer")


def backbone_explorer(page: Page) -> Locator:
    return notebook(page).locator(".autotutor-backbone-explorer")


def toggle(explorer: Locator, argument: str) -> Locator:
    """The toggle button that reads `argument=True` or `argument=False`."""
    return explorer.locator(".widget-toggle-button").filter(has_text=re.compile(rf"^{argument}=(True|False)$"))


def max_length_box(explorer: Locator) -> Locator:
    return explorer.locator("input[type=number]")


def padding_list(explorer: Locator) -> Locator:
    return explorer.locator(".widget-dropdown select")


def label_of(control: Locator) -> Locator:
    """The visible label ipywidgets draws for a control with a description: a <label for=...> just before it."""
    return control.locator("xpath=preceding-sibling::label[contains(@class, 'widget-label')]")


def expect_names(explorer: Locator, lang: str) -> None:
    """The text box and the padding list are named by their visible labels, in the page's language."""
    expect(explorer.locator("textarea")).to_have_accessible_name(translate(TEXT_LABEL, lang))
    expect(padding_list(explorer)).to_have_accessible_name(translate(PADDING_LABEL, lang))


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


def hover_text(locator: Locator) -> str | None:
    """The tooltip the browser shows over an element: the nearest non-empty `title`, from the element upward."""
    locator.hover()
    return locator.evaluate("""element => {
        for (let at = element; at; at = at.parentElement) {
            const title = at.getAttribute('title');
            if (title) return title;
        }
        return null;
    }""")


def tooltip_in(message: str, lang: str) -> str:
    """A tooltip as a widget shows it (widgets._html.plain): its code spans without their backticks, isolated
    left to right in Arabic."""
    text = translate(message, lang)
    return isolate_code(text, lang) if lang == "ar" else text.replace("`", "")


def expect_tooltips(explorer: Locator, lang: str) -> None:
    """Each control of the tokenizer explorer, and each visible label, shows its translated tooltip."""
    targets = {
        "the text box": (explorer.locator("textarea"), TEXT_TOOLTIP),
        "the text box label": (label_of(explorer.locator("textarea")), TEXT_TOOLTIP),
        "the padding list": (padding_list(explorer), PADDING_TOOLTIP),
        "the padding label": (label_of(padding_list(explorer)), PADDING_TOOLTIP),
        "truncation": (toggle(explorer, "truncation"), TRUNCATION_TOOLTIP),
        "max_length": (max_length_box(explorer), MAX_LENGTH_TOOLTIP),
        "the max_length label": (label_of(max_length_box(explorer)), MAX_LENGTH_TOOLTIP),
        "add_special_tokens": (toggle(explorer, "add_special_tokens"), SPECIAL_TOOLTIP),
    }
    shown = {name: hover_text(target) for name, (target, _) in targets.items()}
    assert shown == {name: tooltip_in(message, lang) for name, (_, message) in targets.items()}


def expect_fits_its_output(explorer: Locator) -> None:
    """The explorer is no wider than its output area; a token table wider than that scrolls in its own box, with
    its row labels in view (cut off in Arabic when the widget overflowed)."""
    output = explorer.locator("xpath=ancestor::*[contains(@class, 'jp-OutputArea-output')][1]")
    area, outer = box(output), box(explorer)
    assert outer["x"] >= area["x"] - 1 and outer["x"] + outer["width"] <= area["x"] + area["width"] + 1, (outer, area)
    scroller = picture(explorer).locator("div[dir=ltr]").first
    sizes = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], f"the table should be wider than its scroll box here: {sizes}"
    label = picture(explorer).locator("table").first.locator("th").first
    assert box(label)["x"] >= box(scroller)["x"] - 1, "the row labels are cut off"


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
    expect_switch_direction(switch, "ltr")
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

    # Left to right in English: the padding dropdown comes before the truncation button.
    dropdown, truncation = explorer.locator(".widget-dropdown"), toggle(explorer, "truncation")
    assert computed_direction(explorer) == "ltr"
    assert box(dropdown)["x"] < box(truncation)["x"]
    expect_tooltips(explorer, "en")
    expect_names(explorer, "en")
    expect(label_of(text_box)).to_have_text(TEXT_LABEL)

    # The keyboard: max_length is disabled (no truncation, no padding='max_length'), so Tab skips it; once
    # truncation is on, Tab reaches it. Every control has a name: the argument it sets.
    special, length = toggle(explorer, "add_special_tokens"), max_length_box(explorer)
    expect(truncation).to_have_accessible_name("truncation=False")
    expect(special).to_have_accessible_name("add_special_tokens=True")
    expect(length).to_have_accessible_name("max_length")
    expect(length).to_be_disabled()
    truncation.focus()
    page.keyboard.press("Tab")
    expect(special).to_be_focused()
    truncation.click()  # keyboard or mouse, the same button
    expect(truncation).to_have_text("truncation=True")
    expect(truncation).to_have_accessible_name("truncation=True")
    expect(length).to_be_enabled()
    truncation.focus()
    page.keyboard.press("Tab")
    expect(length).to_be_focused()
    page.keyboard.press("ArrowDown")  # 16 → 15: the picture follows
    expect(picture(explorer)).to_contain_text("max_length=15")

    # Français: every label of the lesson's widgets is redrawn from the French catalog; the tokens stay.
    switch.get_by_role("button", name="Français").click()
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "fr"))
    expect(switch.get_by_role("button", name="Français")).to_have_attribute(
        "title", translate(SWITCH_TOOLTIP, "fr"))
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "fr"))
    expect(text_box).to_have_attribute("placeholder", translate(PLACEHOLDER, "fr"))
    expect(label_of(text_box)).to_have_text(translate(TEXT_LABEL, "fr"))
    expect_names(explorer, "fr")
    expect(picture(explorer)).to_contain_text(translate(SPECIAL_TOKEN, "fr"))
    expect_tokens(explorer, tokenizer, [TYPED])
    assert computed_direction(explorer) == "ltr"
    expect_tooltips(explorer, "fr")
    explorer.screenshot(path=artifacts / "lab-tokenizer-fr.png")

    # العربية: Arabic text, and the explorer laid out right to left, as measured in the page.
    switch.get_by_role("button", name="العربية").click()
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "ar"))
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "ar"))
    expect(text_box).to_have_attribute("placeholder", translate(PLACEHOLDER, "ar"))
    expect(picture(explorer)).to_contain_text(translate(SPECIAL_TOKEN, "ar"))
    expect_right_to_left(explorer)
    expect_tokens(explorer, tokenizer, [TYPED])
    expect_tooltips(explorer, "ar")
    expect_names(explorer, "ar")
    expect_switch_direction(switch, "rtl")
    explorer.screenshot(path=artifacts / "lab-tokenizer-ar-switch.png")
    no_page_errors(page)


def expect_switch_direction(switch: Locator, direction: str) -> None:
    """The language switch runs in the page's language: in Arabic, the label on the right of the buttons."""
    assert computed_direction(switch) == direction
    label, buttons = switch.locator(":scope > .widget-label"), switch.locator(".widget-toggle-buttons")
    if direction == "rtl":
        assert box(label)["x"] > box(buttons)["x"] + box(buttons)["width"] - 1, "the label should be on the right"
        assert box(switch.get_by_role("button", name="English"))["x"] > box(
            switch.get_by_role("button", name="العربية"))["x"], "the buttons should run from the right"
    else:
        assert box(label)["x"] + box(label)["width"] <= box(buttons)["x"] + 1, "the label should be on the left"


def expect_right_to_left(explorer: Locator) -> None:
    """The explorer box is rtl and its controls mirrored, while the token table itself stays left to right."""
    expect(explorer).to_have_class(re.compile(r"\bautotutor-rtl\b"))
    expect(prompt(explorer)).to_have_attribute("dir", "rtl")
    expect(prompt(explorer)).to_have_attribute("lang", "ar")
    assert computed_direction(explorer) == "rtl"
    assert computed_direction(explorer.locator("textarea")) == "rtl"
    # An English line typed here keeps its own direction: "a hobbit." ends with its full stop on the right.
    assert explorer.locator("textarea").evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    # The controls row runs from the right: the dropdown, first in the row, is now to the right of truncation.
    dropdown, truncation = explorer.locator(".widget-dropdown"), toggle(explorer, "truncation")
    assert box(dropdown)["x"] > box(truncation)["x"]
    right_edge = box(explorer)["x"] + box(explorer)["width"]
    assert abs(box(dropdown)["x"] + box(dropdown)["width"] - right_edge) < 20, "the row should start on the right"
    # Each label is on the right of its control, where an Arabic reader starts, with a gap between the two.
    for control in (explorer.locator("textarea"), padding_list(explorer)):
        label, field = box(label_of(control)), box(control)
        assert field["x"] + field["width"] + 2 <= label["x"], f"the label should be right of its control: {label}"
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
    features = explorer.locator(".widget-select-multiple").filter(has_text="out_features").locator("select")
    # Each list is named by its visible label, and shows its tooltip over the list and over the label.
    expect(indices).to_have_accessible_name("out_indices")
    expect(features).to_have_accessible_name("out_features")
    for chooser, tooltip in ((indices, INDICES_TOOLTIP), (features, FEATURES_TOOLTIP)):
        label = chooser.locator("xpath=preceding-sibling::label[contains(@class, 'widget-label')]")
        assert hover_text(chooser) == hover_text(label) == tooltip_in(tooltip, "en")
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
    features.select_option("stage1")
    expect(picture(explorer)).to_contain_text(translate(WOULD_FAIL, "en"))
    expect(picture(explorer).locator("pre")).to_contain_text("ConfigError")
    expect(images).to_have_count(0)
    no_page_errors(page)


def test_arabic_lesson_starts_in_arabic_right_to_left(lab, lab_page, tokenizer, artifacts):
    page = lab_page
    path = "ar/01_autotokenizer.ipynb"
    open_lesson(page, lab, path, artifacts)
    # The notebook as stored, before anything runs (untrusted: no saved widget, so none of their style, is drawn)
    expect_right_aligned_prose(page, translate(SHORT_PARAGRAPH, "ar"))
    page.screenshot(path=artifacts / "lab-ar-prose-stored.png")
    run_all_cells(page, path, artifacts)
    switch, explorer = language_switch(page), tokenizer_explorer(page)
    expect(switch.locator(":scope > .widget-label")).to_have_text(translate(SWITCH_LABEL, "ar"))
    expect(switch.get_by_role("button", name="العربية")).to_have_class(re.compile(r"\bmod-active\b"))
    expect_switch_direction(switch, "rtl")
    switch.screenshot(path=artifacts / "lab-ar-switch.png")
    expect(prompt(explorer)).to_have_text(translate(PROMPT, "ar"))
    expect(explorer.locator("textarea")).to_have_attribute("placeholder", translate(PLACEHOLDER, "ar"))
    expect_names(explorer, "ar")
    expect(label_of(explorer.locator("textarea"))).to_have_text(translate(TEXT_LABEL, "ar"))
    expect_right_to_left(explorer)
    # The code is the same in every language: the explorer tokenizes the English sentences it is given.
    expect_tokens(explorer, tokenizer, [PLACEHOLDER, "A short one."])
    expect_tooltips(explorer, "ar")
    # A table wider than the output area (three hobbit sentences on one line): it scrolls inside the explorer.
    explorer.locator("textarea").fill(" ".join([PLACEHOLDER] * 3))
    expect_tokens(explorer, tokenizer, [" ".join([PLACEHOLDER] * 3)])
    expect_fits_its_output(explorer)
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "lab-ar.png")
    # The lesson's prose, for a look: the generated markdown carries dir="rtl" lang="ar".
    title = notebook(page).locator(".jp-MarkdownCell h1").first
    title.scroll_into_view_if_needed()
    expect(title).to_be_in_viewport()  # drawn: offscreen cells are skipped until they come into view
    expect_right_aligned_prose(page, translate(SHORT_PARAGRAPH, "ar"))
    page.screenshot(path=artifacts / "lab-ar-prose.png")
    no_page_errors(page)


def expect_right_aligned_prose(page: Page, text: str) -> None:
    """A one-line Arabic paragraph ends against the right edge of its cell (JupyterLab's own CSS aligns every
    paragraph left, which the lesson's markup must overcome), and is rendered right to left."""
    paragraph = notebook(page).locator(".jp-MarkdownCell .jp-RenderedMarkdown p").filter(has_text=text)
    paragraph.scroll_into_view_if_needed()
    expect(paragraph).to_be_in_viewport()
    assert computed_direction(paragraph) == "rtl"
    cell, line = paragraph.evaluate("""p => {
        const range = document.createRange();
        range.selectNodeContents(p);
        const text = range.getBoundingClientRect(), cell = p.closest('.jp-RenderedMarkdown').getBoundingClientRect();
        return [[cell.left, cell.right], [text.left, text.right]];
    }""")
    assert line[1] - line[0] < (cell[1] - cell[0]) / 2, f"not a short paragraph: {line} in {cell}"
    assert cell[1] - line[1] < 30, f"the text ends {cell[1] - line[1]:.0f} px from the right edge: {line} in {cell}"
