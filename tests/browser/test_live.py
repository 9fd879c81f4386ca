"""The course website's live explorers in a real browser, against autotutor in Python.

The tokenizer lesson's explorer and the text-generation lesson's chat template run in the page
(book/_static/live/). Each live page exposes `window.autotutorLive`; here its answers are compared with
autotutor's on a corpus (English, French with accents, Arabic, emoji, the empty string, 600 words, typed special
tokens; conversations with and without a system message and the generation prompt), on the en, fr and ar pages:
ids and strings must be identical. Then the explorers as a reader meets them: labels in the page's language,
right to left in Arabic, usable with the keyboard, working from file:// too, the stored widget shown where they
cannot start. The site must be built first (`make book`).
"""

from __future__ import annotations

import json

import pytest
from conftest import SITE, SITE_LANGUAGES
from playwright.sync_api import expect

from autotutor.i18n import ngettext, set_language, translate

TOKENIZER_PAGE, CHAT_PAGE = "01_autotokenizer", "08_automodelforcausallm"
BERT, SMOLLM = "google-bert/bert-base-uncased", "HuggingFaceTB/SmolLM2-135M-Instruct"

_WORDS = ("the hobbit lived under the hill, où l'élève lisait à la fenêtre; قرأ الطالب الكتاب "
          "unbelievably 😀 3.14").split()
CORPUS = [
    "In a hole in the ground there lived a hobbit.",
    "Un élève lit à l'école. Noël, façade, œuvre, naïve, Ångström.",
    "ذهب الطالب إلى المدرسة في الصباح.",
    "emoji 😀👍🏽 🇫🇷 family 👨‍👩‍👧",
    "",
    " ".join(_WORDS[i % len(_WORDS)] for i in range(600)),
    "Don't stop—it's 3.14 $5, e-mail foo@bar.com",
    "  spaces   and\ttabs\nnew line ",
    "[MASK] typed [SEP] special tokens <|im_start|>",
    "中文字符 and 日本語",
]
# The explorer's controls, as the keyword arguments of `tokenizer(texts, ...)` they stand for.
BATCH_OPTIONS = [
    {"padding": True},
    {"padding": "max_length", "max_length": 8},
    {"padding": True, "truncation": True, "max_length": 8},
    {"truncation": True, "max_length": 5, "add_special_tokens": False},
]
CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}],
    [{"role": "system", "content": "Tu es un assistant qui répond en français, brièvement."},
     {"role": "user", "content": "Quelle est la capitale de l'Italie ?"},
     {"role": "assistant", "content": "Rome."},
     {"role": "user", "content": "Et celle de l'Égypte ?"}],
    [{"role": "user", "content": "ما هي عاصمة فرنسا؟"}, {"role": "assistant", "content": "باريس."}],
    [{"role": "system", "content": "Be brief 😀"}, {"role": "user", "content": ""}],
    [{"role": "user", "content": "line one\nline two\twith a tab"},
     {"role": "assistant", "content": "<|im_end|> inside a message"}],
]


@pytest.fixture(scope="module")
def tokenizers() -> dict:
    """autotutor's tokenizers of the course pack's two checkpoints, as the site's build copied them."""
    from autotutor import AutoTokenizer
    from autotutor.pack.store import installed_entry

    folders = {repo_id: installed_entry(repo_id) for repo_id in (BERT, SMOLLM)}
    missing = [repo_id for repo_id, folder in folders.items() if folder is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not in the course pack: run `autotutor pack install`, then `make book`.")
    return {repo_id: AutoTokenizer.from_pretrained(str(folder)) for repo_id, folder in folders.items()}


def _live(page, site: str, path: str):
    """Open a live page and wait until its explorer has started; fails with the reason if it does not."""
    page.goto(f"{site}/{path}" if "://" not in path else path, wait_until="load")
    state = page.evaluate("() => window.autotutorLive.ready.then(() => 'started', e => 'failed: ' + e.message)")
    assert state == "started", state
    return page


# ---------------------------------------------------------------------------------------------------------------
# Equal to Python
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", SITE_LANGUAGES)
def test_the_tokenizer_page_tokenizes_and_decodes_as_python(page, site, tokenizers, lang):
    bert = tokenizers[BERT]
    _live(page, site, f"{lang}/{TOKENIZER_PAGE}.html")
    ids = page.evaluate("texts => Promise.all(texts.map(t => autotutorLive.tokenize(t)))", CORPUS)
    assert ids == [bert(text)["input_ids"] for text in CORPUS]
    decoded = page.evaluate("all => Promise.all(all.map(ids => autotutorLive.decode(ids, true)))", ids)
    assert decoded == [bert.decode(row, skip_special_tokens=True) for row in ids]
    assert page.problems == []


@pytest.mark.parametrize("lang", SITE_LANGUAGES)
def test_the_tokenizer_explorer_batches_as_python(page, site, tokenizers, lang):
    """Padding, truncation to max_length, special tokens: every list the explorer draws, as Python makes it."""
    bert = tokenizers[BERT]
    _live(page, site, f"{lang}/{TOKENIZER_PAGE}.html")
    for options in BATCH_OPTIONS:
        rows = page.evaluate("([texts, options]) => autotutorLive.encode(texts, options)", [CORPUS, options])
        batch = bert(CORPUS, **options)
        for i, row in enumerate(rows):
            encoding = batch[i]
            expected = {"input_ids": batch["input_ids"][i], "attention_mask": batch["attention_mask"][i],
                        "tokens": encoding.tokens, "word_ids": encoding.word_ids,
                        "special_tokens_mask": encoding.special_tokens_mask, "overflowing": bool(encoding.overflowing)}
            assert row == expected, (options, CORPUS[i][:40])


@pytest.mark.parametrize("lang", SITE_LANGUAGES)
def test_the_chat_template_page_renders_and_tokenizes_as_python(page, site, tokenizers, lang):
    smollm = tokenizers[SMOLLM]
    _live(page, site, f"{lang}/{CHAT_PAGE}.html")
    cases = [[messages, prompt] for messages in CONVERSATIONS for prompt in (True, False)]
    texts = page.evaluate("cases => Promise.all(cases.map(([m, p]) => autotutorLive.applyChatTemplate(m, p)))", cases)
    assert texts == [smollm.apply_chat_template(messages, tokenize=False, add_generation_prompt=prompt)
                     for messages, prompt in cases]
    assert texts[0].startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")  # its default
    ids = page.evaluate("texts => Promise.all(texts.map(t => autotutorLive.tokenize(t)))", texts)
    assert ids == [smollm.apply_chat_template(messages, add_generation_prompt=prompt)["input_ids"]
                   for messages, prompt in cases]
    corpus_ids = page.evaluate("texts => Promise.all(texts.map(t => autotutorLive.tokenize(t)))", CORPUS)
    assert corpus_ids == [smollm(text)["input_ids"] for text in CORPUS]
    assert page.problems == []


# ---------------------------------------------------------------------------------------------------------------
# As a reader meets them
# ---------------------------------------------------------------------------------------------------------------
def _count_tokens(n: int, lang: str) -> str:
    set_language(lang)
    try:
        return ngettext("{n} token", "{n} tokens", n).format(n=n)
    finally:
        set_language("en")


@pytest.mark.parametrize("lang", SITE_LANGUAGES)
def test_the_live_tokenizer_explorer_takes_the_stored_ones_place(page, site, tokenizers, artifacts, lang):
    """Labelled in the page's language (the catalogs' words), right to left in Arabic, redrawn as one types."""
    _live(page, site, f"{lang}/{TOKENIZER_PAGE}.html")
    live = page.locator(".autotutor-live")
    expect(live).to_be_visible()
    stored = page.locator(".autotutor-live-replaced .jupyter-widgets.widget-textarea textarea")
    assert stored.count() == 1 and stored.is_hidden() and "hobbit" in stored.input_value()  # drawn, replaced
    texts = live.get_by_label(translate("Texts", lang), exact=True)  # a <label for> names each control
    assert "hobbit" in texts.input_value()
    text = "Un élève lit à l'école.\nذهب الطالب 😀"
    texts.fill(text)
    headings = live.locator("h3").all_inner_texts()
    counts = [len(row) for row in tokenizers[BERT](text.split("\n"), padding=True)["input_ids"]]
    assert headings == [translate("Text {number}: {tokens}", lang).format(number=i + 1, tokens=_count_tokens(n, lang))
                        for i, n in enumerate(counts)]
    assert live.locator("table").first.evaluate("t => getComputedStyle(t).direction") == "ltr"  # lists stay ltr
    direction = live.evaluate("el => getComputedStyle(el).direction")
    box, label = texts.bounding_box(), live.locator("label", has_text=translate("Texts", lang)).bounding_box()
    if lang == "ar":
        assert direction == "rtl" and label["x"] > box["x"] + box["width"] - 1  # the label on the right
    else:
        assert direction == "ltr" and label["x"] + label["width"] < box["x"] + 1
    assert page.problems == []
    if lang != "fr":
        _screenshot(page, live, artifacts / f"live-{lang}-{TOKENIZER_PAGE}.png")


def test_the_live_tokenizer_explorer_works_with_the_keyboard(page, site):
    _live(page, site, f"en/{TOKENIZER_PAGE}.html")
    live = page.locator(".autotutor-live")
    texts = live.get_by_label("Texts", exact=True)
    texts.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("a hobbit")
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("""() => {
            const el = document.activeElement;
            return [el.id || el.textContent, getComputedStyle(el).outlineStyle !== 'none'];
        }"""))
    assert order == [["autotutor-live-padding", True], ["truncation=False", True],
                     ["add_special_tokens=True", True], [order[3][0], True]]  # max_length is skipped while off
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back on truncation=False
    page.keyboard.press("Space")
    assert live.get_by_role("button", name="truncation=True").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "autotutor-live-max-length"
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    assert "tokenizer('a hobbit', padding=True, truncation=True, max_length=3)" in live.inner_text()
    assert live.locator("h3").all_inner_texts() == ["Text 1: 3 tokens"]
    assert page.problems == []


def test_the_chat_template_renderer_follows_the_conversation(page, site, tokenizers, artifacts):
    smollm = tokenizers[SMOLLM]
    _live(page, site, f"en/{CHAT_PAGE}.html")
    live = page.locator(".autotutor-live")
    expect(live).to_be_visible()

    def shown() -> str:
        return live.locator("pre.autotutor-live-rendered").inner_text()

    conversation = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
    assert shown() == smollm.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    live.get_by_role("button", name="Add a message").click()
    page.keyboard.type("Paris.")  # the new message's content has the focus; it follows a user, so it answers
    live.get_by_role("button", name="Add a message").click()
    page.keyboard.type("Et l'Italie ? 🇮🇹")
    live.get_by_label("role", exact=True).first.select_option("system")
    conversation = [{"role": "system", "content": conversation[0]["content"]},
                    {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "Et l'Italie ? 🇮🇹"}]
    assert shown() == smollm.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    live.get_by_role("button", name="add_generation_prompt=True").click()
    assert shown() == smollm.apply_chat_template(conversation, tokenize=False, add_generation_prompt=False)
    marks = live.locator("mark.autotutor-live-special").all_inner_texts()
    assert marks == ["<|im_start|>", "<|im_end|>"] * 3
    ids = smollm.apply_chat_template(conversation, add_generation_prompt=False)["input_ids"]
    chips = live.locator(".autotutor-live-chip-id").all_inner_texts()
    assert [int(chip) for chip in chips] == ids
    assert f"{len(ids)} tokens" in live.inner_text()
    _screenshot(page, live, artifacts / f"live-en-{CHAT_PAGE}.png")
    live.get_by_role("button", name="Remove message 1").click()
    assert page.evaluate("document.activeElement.id").startswith("autotutor-live-role-")  # the focus stays near
    del conversation[0]
    assert shown() == smollm.apply_chat_template(conversation, tokenize=False, add_generation_prompt=False)
    assert shown().startswith("<|im_start|>system\nYou are a helpful AI assistant")  # no system message: default
    assert page.problems == []


def test_the_chat_template_renderer_runs_right_to_left_in_arabic(page, site):
    """The rows of the conversation start on the right, with each label before its control; the rendered text
    and the tokens keep their left-to-right order."""
    _live(page, site, f"ar/{CHAT_PAGE}.html")
    live = page.locator(".autotutor-live")
    assert live.evaluate("el => getComputedStyle(el).direction") == "rtl"
    role = live.get_by_label(translate("role", "ar"), exact=True).first
    label = live.locator("label", has_text=translate("role", "ar")).first
    assert label.bounding_box()["x"] > role.bounding_box()["x"] + role.bounding_box()["width"] - 1
    for shown in ("pre.autotutor-live-rendered", ".autotutor-live-chips"):
        assert live.locator(shown).evaluate("el => getComputedStyle(el).direction") == "ltr"
    chips = live.locator(".autotutor-live-chip")
    assert chips.nth(0).bounding_box()["x"] < chips.nth(1).bounding_box()["x"]  # <|im_start|> first, on the left
    assert page.problems == []


@pytest.mark.parametrize("name", [TOKENIZER_PAGE, CHAT_PAGE])
def test_the_live_pages_work_opened_from_the_disk(page, tokenizers, name):
    """file://: a classroom may open the built site without a server. Every file is a classic script there."""
    _live(page, "", (SITE / "en" / f"{name}.html").as_uri())
    text = CORPUS[1]
    checkpoint = BERT if name == TOKENIZER_PAGE else SMOLLM
    assert page.evaluate("text => autotutorLive.tokenize(text)", text) == tokenizers[checkpoint](text)["input_ids"]
    assert page.problems == []


def test_the_stored_widget_stays_where_the_live_explorer_cannot_start(page, site):
    page.route("**/_static/live/google-bert--bert-base-uncased.js", lambda route: route.abort())
    page.goto(f"{site}/en/{TOKENIZER_PAGE}.html", wait_until="load")
    state = page.evaluate("() => autotutorLive.ready.then(() => 'started', e => 'failed')")
    assert state == "failed"
    assert page.locator(".autotutor-live").is_hidden()
    stored = page.locator(".jupyter-widgets.widget-textarea textarea").first
    expect(stored).to_be_visible()
    assert "hobbit" in stored.input_value()


@pytest.mark.parametrize("name", [TOKENIZER_PAGE, CHAT_PAGE])
def test_page_weight(page, site, artifacts, name):
    """The HTML and every file the page loads, in bytes, once the explorer has started, and the live explorer's
    share (written to artifacts/live-page-weight.json): mostly the checkpoint's tokenizer.json."""
    responses = []
    page.on("response", lambda response: responses.append(response))
    _live(page, site, f"en/{name}.html")
    page.wait_for_load_state("networkidle")
    sizes = {response.url: len(response.body()) for response in responses if response.url.startswith(site)}
    live = sum(size for url, size in sizes.items() if "/_static/live/" in url)
    weight = {"page": name, "files": len(sizes), "bytes": sum(sizes.values()), "live_bytes": live}
    report = artifacts / "live-page-weight.json"
    table = json.loads(report.read_text()) if report.is_file() else {}
    table[name] = weight
    report.write_text(json.dumps(table, indent=1) + "\n")
    print(weight)
    # The rest (about 6 MB: ipywidgets' embed manager alone is 3.6 MB) is what every page with widgets loads.
    assert 0 < live < 2_500_000


def _screenshot(page, element, path) -> None:
    """The element alone, from a full-page picture (so that the page's sticky header does not cover it)."""
    box = element.bounding_box()
    scroll = page.evaluate("() => [window.scrollX, window.scrollY]")
    page.screenshot(path=path, full_page=True, clip={"x": box["x"] + scroll[0], "y": box["y"] + scroll[1],
                                                      "width": box["width"], "height": box["height"]})
