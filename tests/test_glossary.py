"""One vocabulary per language: each glossary (locales/<lang>/glossary.tsv) is read, shown in the lessons that
use its words, and no translation in the catalogs writes one of its banned words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from autotutor.course.glossary import glossary_markdown, read_glossary, uses
from autotutor.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ("fr", "ar")


def _translations(lang: str) -> list[tuple[str, str]]:
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / "autotutor.po", "rb") as f:
        catalog = read_po(f, locale=lang)
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        out += [(msgid, string) for string in strings if string]
    return out


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_language_has_a_glossary_of_the_courses_words(lang):
    entries = read_glossary(lang)
    assert len(entries) >= 25
    assert all(entry.term and entry.english for entry in entries)
    terms = [entry.term for entry in entries]
    assert len(set(terms)) == len(terms), "a term is listed twice"
    assert any(entry.banned for entry in entries) and any(entry.elsewhere for entry in entries)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_translation_writes_a_banned_word(lang):
    banned = [(word, entry) for entry in read_glossary(lang) for word in entry.banned]
    found = [f"{word!r} (write {entry.term!r}) in: {msgid[:70]!r}"
             for msgid, string in _translations(lang) for word, entry in banned if uses(string, word, strict=True)]
    assert not found, f"{len(found)} banned word(s):\n" + "\n".join(found)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_term_of_the_glossary_is_one_the_course_uses(lang):
    text = "\n".join(string for _, string in _translations(lang))
    unused = [entry.term for entry in read_glossary(lang) if not uses(text, entry.term)]
    assert not unused, f"terms the catalogs never write: {unused}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_lesson_shows_the_words_it_uses_under_its_title(lang):
    for notebook in sorted((ROOT / "notebooks" / lang).glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        box = "".join(cells[1]["source"])
        assert box.startswith('<details class="autotutor-glossary"'), notebook.name
        assert box.count("<tr>") >= 4, notebook.name


def test_words_are_matched_whole_in_french_and_through_the_article_in_arabic():
    assert uses("Le tenseur est prêt.", "tenseur") and not uses("Les tenseurs sont prêts.", "tenseur")
    assert uses("يعيد النموذج الموتراتِ وبالموتر", "موتر") and uses("للموتر", "موتر")
    assert not uses("لمهمة معيّنة", "عينة")  # inside another word: not a use
    assert uses("موتّر", "موتر") and not uses("موتر", "موتّر", strict=True)  # a spelling banned for its shadda
    box = glossary_markdown("fr", "Un tenseur, puis un jeton.")
    assert box is not None and "tenseur" in box and 'lang="en"' in box
    assert glossary_markdown("fr", "Rien de tout cela.") is None
