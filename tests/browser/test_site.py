"""The course website in a real browser: every page of every language, right-to-left Arabic, live widgets.

The site must be built first (`make book`; `make test-browser` does it). It is served from
book/_build/html by a local http.server on 127.0.0.1, and chromium must never reach another host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SITE_LANGUAGES as LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
# Every lesson of notebooks/en/ is a page of the site, and the landing page (index) too.
LESSONS = sorted(path.stem for path in (ROOT / "notebooks" / "en").glob("[0-9]*.ipynb"))
PAGES = ["index", *LESSONS]
TOKENIZER_LESSON = "01_autotokenizer"

# True once every widget view of the page has been drawn by the embed manager, which replaces nothing: it puts
# a .widget-subarea just before each view's <script>, and the widget's DOM inside.
ALL_WIDGETS_DRAWN = """() => {
    const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    return Array.from(views).every(view => {
        const area = view.previousElementSibling;
        return area && area.classList.contains('widget-subarea') && area.querySelector('.jupyter-widgets');
    });
}"""


# On a page with a live explorer (book/_static/live/live.js): whether it started, or why not.
LIVE_STARTED = """() => window.autotutorLive === undefined ? 'no live explorer'
    : window.autotutorLive.ready.then(() => 'started', error => 'failed: ' + error.message)"""


def _open(page, site: str, path: str) -> list[str]:
    """Load `path` of the site and wait for its widgets, and for its live explorer where it has one; returns what
    went to another host or failed (a live explorer that does not start included)."""
    trouble: list[str] = []
    page.on("request", lambda request: trouble.append(f"request to another host: {request.url}")
            if not request.url.startswith((site + "/", "data:", "blob:")) else None)
    page.on("response", lambda response: trouble.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    page.goto(f"{site}/{path}", wait_until="load")
    page.wait_for_function(ALL_WIDGETS_DRAWN, timeout=60_000)
    page.wait_for_load_state("networkidle")
    live = page.evaluate(LIVE_STARTED)
    if live.startswith("failed"):
        trouble.append(f"live explorer {live}")
    return trouble


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_loads_cleanly(page, site, lang, name):
    """Each page loads with no console error, no failed or outside request, its widgets drawn, and links to
    itself in the other languages."""
    trouble = _open(page, site, f"{lang}/{name}.html")
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.problems + trouble == []
    assert "Loading widget" not in page.inner_text("main")
    links = page.eval_on_selector_all("nav.site-languages a", "links => links.map(a => [a.hreflang, a.href])")
    assert links == [[other, f"{site}/{other}/{name}.html"] for other in LANGUAGES]


def test_arabic_is_laid_out_right_to_left(page, site):
    _open(page, site, f"ar/{TOKENIZER_LESSON}.html")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    layout = page.evaluate(_LAYOUT)
    assert layout["textDirection"] == "rtl"
    # The heading's text sits against the right edge of the article, and the lesson list is on the right.
    assert layout["headingGapRight"] < layout["headingGapLeft"]
    assert layout["sidebarLeft"] > layout["articleLeft"]
    # Code and its outputs keep their left-to-right order.
    assert set(layout["codeDirections"]) == {"ltr"} and layout["codeDirections"]
    assert set(layout["outputDirections"]) == {"ltr"} and layout["outputDirections"]


def test_english_is_laid_out_left_to_right(page, site):
    _open(page, site, f"en/{TOKENIZER_LESSON}.html")
    assert page.evaluate("document.documentElement.dir") in ("", "ltr")
    layout = page.evaluate(_LAYOUT)
    assert layout["textDirection"] == "ltr"
    assert layout["headingGapLeft"] < layout["headingGapRight"]
    assert layout["sidebarLeft"] < layout["articleLeft"]


# Measured in the page: the direction of body text, where the text of the first second-level heading sits
# inside the article, where the sidebar of lessons is, and the direction of code blocks and stream outputs.
_LAYOUT = """() => {
    const article = document.querySelector('article.bd-article');
    const heading = article.querySelector('h2');
    const range = document.createRange();
    range.selectNodeContents(heading.firstChild);
    const text = range.getBoundingClientRect();
    const box = article.getBoundingClientRect();
    const direction = el => getComputedStyle(el).direction;
    return {
        textDirection: direction(article.querySelector('section > p')),
        headingGapLeft: text.left - box.left,
        headingGapRight: box.right - text.right,
        sidebarLeft: document.querySelector('.bd-sidebar-primary').getBoundingClientRect().left,
        articleLeft: box.left,
        codeDirections: Array.from(article.querySelectorAll('.cell_input pre')).map(direction),
        outputDirections: Array.from(article.querySelectorAll('.cell_output pre')).map(direction),
    };
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_quiz_choices_start_where_the_reader_starts(page, site, lang):
    """A quiz's radio buttons lead their answers: on the left in English and French, on the right in Arabic."""
    _open(page, site, f"{lang}/{TOKENIZER_LESSON}.html")
    sides = page.evaluate("""() => Array.from(document.querySelectorAll('.autotutor-quiz .widget-radio-box label'))
        .map(label => {
            const box = label.getBoundingClientRect(), radio = label.querySelector('input').getBoundingClientRect();
            return radio.left - box.left < box.right - radio.right ? 'left' : 'right';
        })""")
    assert sides and set(sides) == {"right" if lang == "ar" else "left"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tokenizer_explorer_is_drawn_from_stored_state(page, site, artifacts, lang):
    """The explorer of the tokenizer lesson is real widget DOM, showing the text stored with the notebook, where
    the live explorer cannot run (here its files are refused; tests/browser/test_live.py tests it running)."""
    page.route("**/_static/live/**", lambda route: route.abort())
    _open(page, site, f"{lang}/{TOKENIZER_LESSON}.html")
    assert page.locator(".autotutor-live").is_hidden()
    textarea = page.locator(".jupyter-widgets.widget-textarea textarea").first
    assert textarea.is_visible()
    assert "hobbit" in textarea.input_value()
    assert page.locator(".widget-subarea .jupyter-widgets").count() >= 10
    page.screenshot(path=artifacts / f"site-{lang}-{TOKENIZER_LESSON}.png", full_page=True)


def test_language_link_opens_the_same_page(page, site):
    _open(page, site, f"ar/{TOKENIZER_LESSON}.html")
    page.click("nav.site-languages a[hreflang=fr]")
    page.wait_for_load_state("load")
    assert page.url == f"{site}/fr/{TOKENIZER_LESSON}.html"
    assert page.evaluate("document.documentElement.lang") == "fr"


def test_root_page_offers_the_three_languages(page, site, artifacts):
    trouble = _open(page, site, "index.html")
    assert page.problems + trouble == []
    links = page.eval_on_selector_all(".site-languages a", "links => links.map(a => [a.hreflang, a.href])")
    assert links == [[lang, f"{site}/{lang}/index.html"] for lang in LANGUAGES]
    page.click(".site-languages a[hreflang=ar]")
    page.wait_for_load_state("load")
    assert page.url == f"{site}/ar/index.html"
    assert page.evaluate("document.documentElement.dir") == "rtl"
