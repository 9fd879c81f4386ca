"""Every sentence a learner reads, in English, French or Arabic, from gettext catalogs.

The catalogs are `locales/<lang>/LC_MESSAGES/autotutor.po` at the top of the repository, managed with Babel
(`autotutor i18n extract | update | compile | check`); a built wheel carries a copy (`autotutor.resources`).
English is the source language: a message id *is* the English text, so an untranslated message still reads
correctly. Which plural form a number takes follows each catalog's own `Plural-Forms` header, as gettext does,
so a new release of Babel's language data cannot change a sentence.

    >>> from autotutor.i18n import _, set_language
    >>> set_language("fr")
    >>> _("Load report")                       # doctest: +SKIP
    'Rapport de chargement'

Arabic is written right to left. `direction()` tells which way the current language runs, and `bdi()` wraps
code, identifiers and numbers so they keep their left-to-right order inside Arabic prose.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

from .constants import ENV_LANG, env_text
from .resources import course_folder

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALES_DIR",
    "_",
    "bdi",
    "bdi_code",
    "direction",
    "get_language",
    "ngettext",
    "isolate_code",
    "on_language_change",
    "parse_plural_forms",
    "plural_rule",
    "printed",
    "set_language",
    "translate",
]

DOMAIN = "autotutor"
LANGUAGES = ("en", "fr", "ar")
RIGHT_TO_LEFT = {"ar"}
LOCALES_DIR = course_folder("locales")

_current = env_text(ENV_LANG) or "en"
_listeners: list[Callable[[str], None]] = []


@lru_cache(maxsize=None)
def _read(lang: str):
    """`lang`'s catalog as Babel reads it from its .po file (the header and every message)."""
    from babel.messages.pofile import read_po

    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        raise FileNotFoundError(f"No catalog for language '{lang}' at {path}. Languages: {', '.join(LANGUAGES)}.")
    with open(path, "rb") as f:
        return read_po(f, locale=lang)


@lru_cache(maxsize=None)
def _catalog(lang: str) -> dict[str, object]:
    """msgid → translation (a string, or a tuple of plural forms) for `lang`, read from its .po file."""
    if lang == "en":
        return {}
    return {
        message.id if isinstance(message.id, str) else message.id[0]: message.string
        for message in _read(lang)
        if message.id and message.string and not message.fuzzy
    }


def set_language(lang: str) -> None:
    """Switch every later message (and every widget listening) to `lang`: "en", "fr" or "ar"."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"language={lang!r} is not available; choose one of {', '.join(LANGUAGES)}.")
    _catalog(lang)  # fail now, not at the first message, if the catalog is missing
    _current = lang
    for listener in list(_listeners):
        listener(lang)


def get_language() -> str:
    return _current


def on_language_change(callback: Callable[[str], None]) -> None:
    """Call `callback(lang)` after each `set_language`, so a widget can redraw its text."""
    _listeners.append(callback)


def _(message: str) -> str:
    """The current language's translation of `message` (the English text itself in English)."""
    translated = _catalog(_current).get(message)
    return translated if isinstance(translated, str) and translated else message


def translate(message: str, lang: str) -> str:
    """`message` in `lang`, whatever the current language (the notebook generator writes all three)."""
    translated = _catalog(lang).get(message)
    return translated if isinstance(translated, str) and translated else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The right plural form for `n` (Arabic has six). Format the result with `n` yourself."""
    forms = _catalog(_current).get(singular)
    if isinstance(forms, (tuple, list)) and all(forms):
        return forms[min(_plural_index(_current, n), len(forms) - 1)]
    return singular if n == 1 else plural


@lru_cache(maxsize=None)
def plural_rule(lang: str) -> Callable[[int], int]:
    """n → the index of its plural form, from the `Plural-Forms` header of `lang`'s catalog.

    The header is a C expression (Arabic: zero, one, two, few, many, other); the standard library's gettext
    compiles it, exactly as `msgfmt` and every gettext runtime read the same line.

        >>> [plural_rule("ar")(n) for n in (0, 1, 2, 3, 11, 100)]
        [0, 1, 2, 3, 4, 5]
    """
    import gettext

    if lang == "en":  # English has no catalog of its own: the message ids are the English forms
        return lambda n: int(n != 1)
    header = dict(_read(lang).mime_headers).get("Plural-Forms", "")
    parsed = parse_plural_forms(header)
    if parsed is None:
        raise ValueError(f"The {lang} catalog ({LOCALES_DIR / lang / 'LC_MESSAGES' / (DOMAIN + '.po')}) has no "
                         f"usable Plural-Forms header ({header!r}): add one, e.g. "
                         "'nplurals=2; plural=(n > 1);' for French.")
    return gettext.c2py(parsed[1])


def parse_plural_forms(header: str) -> tuple[int, str] | None:
    """A `Plural-Forms` header → (nplurals, the C expression), or None when it is not one.

        >>> parse_plural_forms("nplurals=2; plural=(n > 1);")
        (2, '(n > 1)')
    """
    match = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*", header)
    return (int(match.group(1)), match.group(2)) if match else None


def _plural_index(lang: str, n: int) -> int:
    """Which plural form gettext picks for `n` in `lang`."""
    return plural_rule(lang)(n)


def direction(lang: str | None = None) -> str:
    """"rtl" for right-to-left languages (Arabic), else "ltr"."""
    return "rtl" if (lang or _current) in RIGHT_TO_LEFT else "ltr"


# Unicode's directional isolates: what a plain-text line needs where no HTML `dir` can be set.
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
_CODE_SPAN = re.compile(r"`([^`]+)`")


def isolate_code(text: str, lang: str | None = None) -> str:
    """Each `code` span of a right-to-left sentence isolated left to right (LRI … PDI), backticks dropped, so
    `[1, 3, 224, 224]` or `padding='max_length'` keep their order inside Arabic. Left-to-right text: unchanged."""
    if direction(lang) != "rtl":
        return text
    return _CODE_SPAN.sub(lambda m: f"{LRI}{m.group(1)}{PDI}", text)


def printed(text: str, lang: str | None = None) -> str:
    """Text for `print()` in the current language. JupyterLab lays plain output out left to right, so in a
    right-to-left language each line is isolated right to left (RLI … PDI), with its code spans isolated left
    to right: an Arabic line with a Hub id, a number or code then reads in its own order. Left-to-right text is
    returned as it is.

        >>> printed("الشكل 3×224×224", "ar") == "\u2067الشكل 3×224×224\u2069"
        True
    """
    if direction(lang) != "rtl":
        return text
    # The isolate does what left-to-right and right-to-left marks were patching in, so they go. Every line is
    # padded to the block's width: JupyterLab starts each line at the left, and equal widths line the block up
    # on its right edge, where Arabic starts (the padding is at the end of each line, so on its left).
    lines = [_isolate_cells(line.replace("\u200e", "").replace("\u200f", "")) for line in
             isolate_code(text, lang).split("\n")]
    def shown(line: str) -> int:  # the isolates take no room on screen
        return len(line) - sum(line.count(mark) for mark in (LRI, RLI, PDI))

    width = max(shown(line) for line in lines)
    return "\n".join(f"{RLI}{line}{' ' * (width - shown(line))}{PDI}" if line.strip() else line for line in lines)


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_COLUMN_GAP = re.compile(r"(\s{2,})")


def _isolate_cells(line: str) -> str:
    """In a line of a table (cells apart by two spaces or more), each cell without Arabic is isolated left to
    right: `-0.969`, `[78, 136, 257, 188]` or `in ##vo ##ice` keep their order inside the right-to-left line."""
    parts = _COLUMN_GAP.split(line)
    if len(parts) < 3:  # one cell: a sentence, whose own words the isolate of the whole line orders
        return line
    return "".join(part if i % 2 or not part.strip() or _ARABIC_LETTER.search(part) or LRI in part
                   else f"{LRI}{part}{PDI}" for i, part in enumerate(parts))


def bdi(text: str) -> str:
    """HTML that keeps `text` (code, an identifier, a number) in its own left-to-right order in any language."""
    return f'<bdi dir="ltr">{html.escape(text)}</bdi>'


def bdi_code(text: str) -> str:
    """`bdi` for code: `<bdi dir="ltr"><code>text</code></bdi>`, an identifier that stays left to right."""
    return f'<bdi dir="ltr"><code>{html.escape(text)}</code></bdi>'
