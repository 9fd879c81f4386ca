"""One vocabulary per language: `locales/<lang>/glossary.tsv`, the words the course uses for each idea.

Each row (tab-separated, a header row first):

    term       the word the course writes in this language ("tenseur", "موتر")
    english    the English word it stands for ("tensor")
    code       where the idea appears in code (`torch.Tensor`), or empty
    elsewhere  other words a learner meets for it elsewhere, in the Hugging Face docs and other courses
               (shown, so they are recognised; never written by the course), apart by " | "
    banned     words the course must not write for it (a clash, a calque, a misspelling), apart by " | "

Each lesson shows the rows whose term it uses, in a folded box under its title (`glossary_markdown`), and
`tests/test_glossary.py` holds every catalog to it: no banned word in any translation.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..i18n import LOCALES_DIR, Text

__all__ = ["Entry", "glossary_markdown", "glossary_path", "lesson_entries", "read_glossary"]

COLUMNS = ("term", "english", "code", "elsewhere", "banned")
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")  # short vowels, shadda, sukun, tatweel: not part of a match


@dataclass(frozen=True)
class Entry:
    term: str
    english: str
    code: str
    elsewhere: tuple[str, ...]
    banned: tuple[str, ...]


def glossary_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "glossary.tsv"


def _variants(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def read_glossary(lang: str) -> list[Entry]:
    """The rows of `lang`'s glossary (empty when it has none)."""
    path = glossary_path(lang)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [Entry(row["term"].strip(), row["english"].strip(), row["code"].strip(), _variants(row["elsewhere"]),
                  _variants(row["banned"])) for row in rows if row.get("term", "").strip()]


def folded(text: str) -> str:
    """`text` as the glossary compares it: lower case, Arabic without its optional vowel marks."""
    return _ARABIC_MARKS.sub("", text).casefold()


# What Arabic writes onto the front of a word: a conjunction (و، ف), a preposition (ب، ل، ك), the article (ال).
_ARABIC_PREFIXES = "(?:[وف]?[بلك]?(?:ال|لل)?)"


def uses(text: str, word: str, *, strict: bool = False) -> bool:
    """Does `text` use `word`? Whole words for Latin letters. An Arabic word must start a word, after the
    conjunctions, prepositions and article written onto it (الموتر، بالموتر، والموترات), and may end with any
    ending (الموترات): «معيّنة» does not use «عينة». Case and Arabic vowel marks are ignored unless `strict` (a
    banned spelling may differ from the term by its marks alone: موتّر, موتر)."""
    text, word = (text, word) if strict else (folded(text), folded(word))
    if re.search("[\u0600-\u06ff]", word):
        return re.search(f"(?<![\u0600-\u06ff]){_ARABIC_PREFIXES}{re.escape(word)}", text) is not None
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def lesson_entries(lang: str, text: str) -> list[Entry]:
    """The glossary rows whose term `text` uses, in the glossary's order."""
    return [entry for entry in read_glossary(lang) if uses(text, entry.term)]


def glossary_markdown(lang: str, text: str) -> str | None:
    """The folded box of a lesson's words, as a markdown cell's HTML (None when the lesson uses none of them)."""
    entries = lesson_entries(lang, text)
    if not entries:
        return None
    heads = [Text("In this course").render(lang), Text("In English").render(lang), Text("In code").render(lang),
             Text("Also written elsewhere").render(lang)]
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in (
            html.escape(entry.term), f'<span lang="en">{html.escape(entry.english)}</span>',
            f"<bdi dir=\"ltr\"><code>{html.escape(entry.code)}</code></bdi>" if entry.code else "",
            html.escape(" · ".join(entry.elsewhere)))) + "</tr>"
        for entry in entries)
    table = ('<table style="border-collapse: separate; border-spacing: 14px 2px"><thead><tr>'
             + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    summary = html.escape(Text("The words of this lesson ({count})", count=len(entries)).render(lang)
                          .replace("\u2066", "").replace("\u2069", ""))  # HTML: the box's direction does that
    where = f' dir="rtl" lang="{lang}"' if lang == "ar" else f' lang="{lang}"'
    return f'<details class="autotutor-glossary"{where}><summary>{summary}</summary>\n\n{table}\n\n</details>'
