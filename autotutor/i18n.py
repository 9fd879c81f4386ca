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
import os
import re
import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from .constants import ENV_LANG, env_text
from .resources import course_folder

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALES_DIR",
    "N_",
    "Text",
    "_",
    "bdi",
    "bdi_code",
    "display_width",
    "direction",
    "environment_language",
    "get_language",
    "ngettext",
    "number",
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



def environment_language() -> str | None:
    """The language the environment asks for: `AUTOTUTOR_LANG`, else the locale, read as gettext reads it (the
    first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set: `fr_FR.UTF-8` is French). None when neither
    names one of LANGUAGES."""
    chosen = env_text(ENV_LANG)
    if chosen in LANGUAGES:
        return chosen
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            codes = [part.split(".")[0].split("_")[0].split("@")[0].lower() for part in value.split(":")]
            return next((code for code in codes if code in LANGUAGES), None)
    return None


_current = environment_language() or "en"
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
        # A builtin error: errors.py is written with this module, which therefore cannot raise its errors.
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


def N_(message: str) -> str:
    """Marks `message` for the catalogs where it is written as data; it is translated where it is used."""
    return message


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


def number(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """`value` as the language writes numbers: 1,234.5 in English (and in Arabic, whose lessons keep Latin
    digits); 1 234,5 in French, with a narrow no-break space between thousands, a decimal comma and a true minus.

        >>> number(-1234.5, 1, "fr") == "\u22121\u202f234,5"
        True
    """
    text = f"{value:,.{decimals}f}"
    if (lang or _current) == "fr":
        text = text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")
    return text


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
    shown = display_width

    width = max(shown(line) for line in lines)
    return "\n".join(_padded(line, width - shown(line)) if line.strip() else line for line in lines)


def display_width(text: str) -> int:
    """How many columns `text` takes in a monospaced output: the direction isolates and marks and the Arabic short
    vowels (combining marks, drawn over the letter before them) take none.

        >>> display_width("مُرمِّز"), len("مُرمِّز")
        (4, 7)
    """
    return sum(1 for ch in text if ch not in _NO_ROOM and not unicodedata.combining(ch))


def _padded(line: str, padding: int) -> str:
    """One printed line, isolated and padded. Spaces at the very end of a line are laid out in the paragraph's
    direction (Unicode bidi rule L1), left to right in JupyterLab's output, so they would land on the right of
    an Arabic line; a right-to-left mark after them keeps them inside the line, on its left."""
    isolate = _line_isolate(line)
    end = "\u200f" if padding and isolate == RLI else ""
    return f"{isolate}{line}{' ' * padding}{end}{PDI}"


def _line_isolate(line: str) -> str:
    """The isolate a printed line opens with: right to left for a line with Arabic in it and for a row of a table
    (its cells, each isolated, then keep the columns of the Arabic rows); left to right for a sentence in
    another language (a French question quoted in an Arabic lesson keeps its full stop at its end)."""
    table = len(_COLUMN_GAP.split(line)) >= 3
    return RLI if table or _ARABIC_LETTER.search(line) else LRI


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_NO_ROOM = {LRI, RLI, PDI, "\u2068", "\u200e", "\u200f"}  # FSI and the marks too
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


class Text:
    """An English sentence with named fields, put into words in whichever language is current when it is read.

    Errors are made of these: the English sentence is the catalogs' message id, the fields are filled in after
    translating, so `str(error)` follows the learner's language while `error.english` keeps the original (the
    words to search the web with). A field may itself be a `Text`. In a right-to-left language every other field
    (a path, a Hub id, a number) is isolated left to right, so it keeps its order inside the sentence.

        >>> where = Text("the folder '{folder}'", folder="./my-bert")
        >>> where.render("en")
        "the folder './my-bert'"
    """

    __slots__ = ("message", "fields")

    def __init__(self, message: str, /, **fields: object) -> None:
        self.message = message
        self.fields = fields

    def render(self, lang: str | None = None) -> str:
        lang = lang or _current
        filler = _Filler(lang)
        try:
            text = filler.format(translate(self.message, lang), **self.fields)
        except (KeyError, IndexError, ValueError):  # a translation whose fields went wrong: the English is right
            text = filler.format(self.message, **self.fields)
        if direction(lang) != "rtl":
            return text
        # Two fields joined by a sign (`{key}={value!r}`, `{height}×{width}`) make one left-to-right run, not two
        # runs an Arabic line would put in the opposite order; so does code the sentence quotes bare
        # (`torch.load(weights_only=True)`, `resample(waveform, 22050, 16000)`): its brackets and commas would
        # otherwise be laid out right to left.
        return _LATIN_RUN.sub(_isolated_run, _JOINED_FIELDS.sub(r"\1", isolate_code(text, lang)))

    @classmethod
    def lines(cls, parts: list["Text"], *, indent: str = "  ") -> "Text":
        """Several sentences, one per line, each read in the language of the whole (a layout, not a message of
        the catalogs)."""
        layout = "\n".join(f"{indent}{{line{i}}}" for i in range(len(parts)))
        return cls(layout, **{f"line{i}": part for i, part in enumerate(parts)})

    @property
    def english(self) -> str:
        return self.render("en")

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.english!r})"


_JOINED_FIELDS = re.compile(f"{PDI}([^\\w\\s\u0600-\u06ff]{{1,3}}){LRI}")


# A stretch with no Arabic letter that starts and ends with a Latin letter, a digit, a quote, a bracket or an
# isolate: code, a path, a Hub id, a number with its unit.
_LATIN_RUN = re.compile("[A-Za-z0-9_\u2066(\\[{'\"/~][^\u0600-\u06ff\u2067\n]*[A-Za-z0-9_\u2069)\\]}'\"]")


_PAIRS = {")": "(", "]": "[", "}": "{"}


def _isolated_run(match: re.Match) -> str:
    run, before, after = match.group(0), "", ""
    # A bracket whose partner lies outside the run belongs to the Arabic sentence ("(محتوياته: config.json)"):
    # it stays outside the isolate, where the right-to-left line mirrors it with its partner.
    while run and run[-1] in _PAIRS and run.count(run[-1]) > run.count(_PAIRS[run[-1]]):
        run, after = run[:-1], run[-1] + after
    while run and run[0] in _PAIRS.values() and run.count(run[0]) > run.count(
            next(close for close, open_ in _PAIRS.items() if open_ == run[0])):
        run, before = run[1:], before + run[0]
    if not run or (run.startswith(LRI) and run.endswith(PDI) and run.count(LRI) == 1):  # already one isolate
        return f"{before}{run}{after}"
    return f"{before}{LRI}{run}{PDI}{after}"


class _Rendered(str):
    """A field that was a `Text`, already in the right language (it is not isolated as a value)."""


class _Filler(string.Formatter):
    """`str.format` that renders `Text` fields in `lang` and, right to left, isolates every other field."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def get_value(self, key, args, kwargs):
        value = super().get_value(key, args, kwargs)
        return _Rendered(value.render(self.lang)) if isinstance(value, Text) else value

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if direction(self.lang) == "rtl" and not isinstance(value, _Rendered) and text:
            return f"{LRI}{text}{PDI}"
        return text

    def convert_field(self, value, conversion):
        return value if conversion is None else super().convert_field(value, conversion)
