"""Managing the gettext catalogs with Babel: `autotutor i18n extract | update | compile | check`.

    extract   autotutor/**/*.py (calls of `_()` and `ngettext()`), the course pack's notes (pack/catalog.py)
              and lessons/*.ipynb (each markdown paragraph)
              → locales/autotutor.pot, the template: every English message, where it comes from
    update    the template → locales/{en,fr,ar}/LC_MESSAGES/autotutor.po: new messages appear untranslated,
              changed ones are marked fuzzy with their old translation, removed ones go
    compile   each .po → its .mo (the runtime reads the .po files directly; the .mo files are for other tools)
    check     French and Arabic fully translated, nothing fuzzy (header included), no header field left at
              its template value, a Plural-Forms header that orders the forms as the language's CLDR
              categories, the same placeholders (`{name}`, `%s`) and the same inline `code` in every
              translation, catalogs that compile, template and catalogs up to date with the sources

English is the source language: its catalog holds the messages with empty translations.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ..i18n import DOMAIN, LANGUAGES, parse_plural_forms

__all__ = ["TEMPLATE", "check", "compile_catalogs", "extract", "po_path", "update"]

# The tooling edits the repository's own catalogs (a wheel's copies are only read).
REPO = Path(__file__).resolve().parents[2]
LOCALES_DIR = REPO / "locales"
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]  # must be complete
_HEADER = dict(project="autotutor", version="0.1", copyright_holder="the autotutor authors",
               msgid_bugs_address="", charset="utf-8")

# `{name}` / `{0}` / `{count:,}` (str.format) and `%s` / `%(name)s` / `%d` (logging, %). A percent sign followed
# by a space is French typography ("100 %"), not a placeholder.
_PLACEHOLDER = re.compile(r"\{\w*(?:[!:][^{}]*)?\}|%(?:\(\w+\))?[sdifr]")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")

# What a header field reads when nobody filled it in (Babel's and xgettext's templates); `msgfmt -c` warns.
_TEMPLATE_VALUES = ("FULL NAME", "EMAIL@ADDRESS", "YEAR-MO-DA", "LL@li.org", "LANGUAGE <")

# Each language's plural categories (CLDR, for whole numbers), in the order gettext numbers the forms: the
# catalog's Plural-Forms header must send every n to the form of its category. Written out here, not taken
# from Babel, so that a new release of Babel's CLDR data cannot move a form.
_PLURAL_CATEGORIES = {
    "en": (("one", "other"), lambda n: "one" if n == 1 else "other"),
    "fr": (("one", "other"), lambda n: "one" if n in (0, 1) else "other"),  # "many" only from a million on
    "ar": (("zero", "one", "two", "few", "many", "other"), lambda n: (
        "zero" if n == 0 else "one" if n == 1 else "two" if n == 2
        else "few" if 3 <= n % 100 <= 10 else "many" if 11 <= n % 100 <= 99 else "other")),
}
_PLURAL_CHECKED_UP_TO = 1000


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _relative(path: Path) -> str:
    return path.resolve().relative_to(REPO).as_posix()


def _add_found(catalog: Catalog, folder: str, found: Iterator[tuple]) -> None:
    """Add what Babel's extractor found under `folder`; a message found twice keeps both locations."""
    for filename, lineno, message, comments, context in found:
        location = (f"{folder}/{Path(filename).as_posix()}", lineno)
        existing = catalog.get(message, context)
        if existing is not None:
            existing.locations.append(location)
        else:
            catalog.add(message, locations=[location], auto_comments=comments, context=context)


def _template() -> Catalog:
    """Every message of the sources, lessons first (in reading order), then the library's."""
    from .notebooks import lesson_messages, lesson_sources

    catalog = Catalog(**_HEADER)
    for source in lesson_sources():
        for text, cell in lesson_messages(source):
            catalog.add(text, locations=[(_relative(source), cell)], flags=())
    package = REPO / "autotutor"
    # An error's first argument is its English sentence (autotutor/errors.py), so each error class is a keyword,
    # like `_` and `Text`.
    from .. import errors

    library_keywords = {**DEFAULT_KEYWORDS, "Text": (1,), **{
        name: (1,) for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.AutotutorError)}}
    _add_found(catalog, "autotutor", extract_from_dir(package, keywords=library_keywords,
                                                      comment_tags=("TRANSLATORS:",), strip_comment_tags=True))
    # The website's own sentences (book/): its build script and Sphinx extension call `translate(message, lang)`
    # (or the build's checked `_translated`), one language per page, so that call is what marks a message there.
    book = REPO / "book"
    keywords = {"translate": (1,), "_translated": (1,)}
    for folder in (book, book / "_ext"):
        _add_found(catalog, folder.relative_to(REPO).as_posix(), extract_from_dir(
            folder, method_map=[("*.py", "python")], keywords=keywords, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True, directory_filter=lambda path: False,  # this folder only, not node_modules
        ))
    # The course pack's one-line notes ("offline stand-in: ...") are shown under a load, so they are
    # translated too; they are data in pack/catalog.py, not `_()` calls.
    from ..pack.catalog import CATALOG

    for repo_id, entry in CATALOG.items():
        catalog.add(entry.summary, locations=[("autotutor/pack/catalog.py", 0)],
                    auto_comments=[f"The course pack's note on its copy of {repo_id}."])
    return catalog


def _serialise(catalog: Catalog, *, template: bool = False) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, ignore_obsolete=True, include_previous=True, omit_header=False)
    return out.getvalue()


def _without_dates(data: bytes) -> bytes:
    return re.sub(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', b"", data, flags=re.M)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already says the same apart from its dates (keeps diffs to real changes)."""
    if path.is_file() and _without_dates(path.read_bytes()) == _without_dates(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def extract() -> Path:
    """Write locales/autotutor.pot from the sources; returns its path."""
    _write_if_changed(TEMPLATE, _serialise(_template(), template=True))
    return TEMPLATE


def _read(path: Path, lang: str) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def update(languages: list[str] | None = None) -> list[Path]:
    """Bring each language's catalog in line with the template (creating it if missing); returns the paths."""
    template = _read(TEMPLATE, "en") if TEMPLATE.is_file() else _template()
    paths = []
    for lang in languages or LANGUAGES:
        path = po_path(lang)
        catalog = _read(path, lang) if path.is_file() else Catalog(locale=lang, domain=DOMAIN, **_HEADER)
        catalog.update(template, update_creation_date=False)
        for message in catalog:  # a settled translation no longer needs the English it was adapted from
            if not message.fuzzy:
                message.previous_id = []
        _write_if_changed(path, _serialise(catalog))
        paths.append(path)
    return paths


def compile_catalogs() -> list[Path]:
    """Write each language's .mo next to its .po; returns the paths."""
    paths = []
    for lang in LANGUAGES:
        mo = po_path(lang).with_suffix(".mo")
        with open(mo, "wb") as f:
            write_mo(f, _read(po_path(lang), lang))
        paths.append(mo)
    return paths


def _forms(message: Message) -> tuple[list[str], list[str]]:
    """(the English forms, the translated forms) of a message, plural or not."""
    ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
    strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]
    return ids, strings


def _short(text: str) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= 80 else text[:77] + "..."


def _message_problems(lang: str, message: Message) -> Iterator[str]:
    ids, strings = _forms(message)
    where = f"{lang}: {_short(ids[0])!r}"
    if not all(strings):
        yield f"{where}: not translated"
        return
    if message.fuzzy:
        yield f"{where}: fuzzy (check the translation, then remove the 'fuzzy' flag)"
    plural = len(ids) > 1
    for string in strings:
        for name, pattern in (("placeholders", _PLACEHOLDER), ("inline code", _INLINE_CODE)):
            expected = {m.group(0) for i in ids for m in pattern.finditer(i)}
            found = {m.group(0) for m in pattern.finditer(string)}
            # A plural form may leave the number out ("one file", "ملف واحد"); nothing may be invented.
            if (found - expected) if plural else (found != expected):
                yield f"{where}: {name} {sorted(expected)} in English, {sorted(found)} in {_short(string)!r}"


def _header_problems(lang: str, catalog: Catalog) -> Iterator[str]:
    """A fuzzy header (`pybabel compile` then skips the whole catalog), template values, a wrong plural rule."""
    if catalog.fuzzy:
        yield f"{lang}: the header is marked fuzzy, so `pybabel compile` skips the catalog: remove its '#, fuzzy'"
    for name, value in catalog.mime_headers:
        if any(placeholder in value for placeholder in _TEMPLATE_VALUES):
            yield f"{lang}: header field {name} still reads {value!r}: fill it in"
    yield from _plural_problems(lang, dict(catalog.mime_headers).get("Plural-Forms", ""))


def _plural_problems(lang: str, header: str) -> Iterator[str]:
    """Does `Plural-Forms: header` send each n = 0…1000 to the form of its CLDR category?"""
    import gettext

    categories, category_of = _PLURAL_CATEGORIES[lang]
    parsed = parse_plural_forms(header)
    if parsed is None:
        yield f"{lang}: no usable Plural-Forms header ({header!r}): write 'nplurals=N; plural=EXPRESSION;'"
        return
    nplurals, expression = parsed
    if nplurals != len(categories):
        yield f"{lang}: Plural-Forms says nplurals={nplurals}; {lang} has {len(categories)}: {', '.join(categories)}"
        return
    rule = gettext.c2py(expression)
    for n in range(_PLURAL_CHECKED_UP_TO + 1):
        expected = categories.index(category_of(n))
        if rule(n) != expected:
            yield (f"{lang}: Plural-Forms gives form {rule(n)} for n={n}, whose category is '{category_of(n)}' "
                   f"(form {expected} in the order {', '.join(categories)}): fix the header's expression")
            return


def check() -> list[str]:
    """Everything wrong with the catalogs, one line each (an empty list when all is well)."""
    problems: list[str] = []
    sources = _template()
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in sources if m.id}
    if not TEMPLATE.is_file():
        return [f"{_relative(TEMPLATE)} is missing: run `autotutor i18n extract` then `autotutor i18n update`"]
    template = _read(TEMPLATE, "en")
    in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for text in sorted(wanted - in_template):
        problems.append(f"template: new message {_short(text)!r}: run `autotutor i18n extract` and `update`")
    for text in sorted(in_template - wanted):
        problems.append(f"template: message no longer in the sources {_short(text)!r}: run `extract` and `update`")
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.is_file():
            problems.append(f"{lang}: {_relative(path)} is missing: run `autotutor i18n update`")
            continue
        catalog = _read(path, lang)
        in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        for text in sorted(in_template - in_catalog):
            problems.append(f"{lang}: {_short(text)!r} is in the template, not the catalog: run `autotutor i18n update`")
        for text in sorted(in_catalog - in_template):
            problems.append(f"{lang}: {_short(text)!r} is no longer in the template: run `autotutor i18n update`")
        problems.extend(_catalog_problems(lang, catalog))
    return problems


def _catalog_problems(lang: str, catalog: Catalog) -> Iterator[str]:
    """What is wrong inside one language's catalog: compiling, its header, each message."""
    try:
        write_mo(io.BytesIO(), catalog)
    except Exception as err:  # noqa: BLE001 - any failure to compile is reported as such
        yield f"{lang}: does not compile: {err}"
    for message, errors in catalog.check():
        yield from (f"{lang}: {_short(str(message.id))!r}: {error}" for error in errors)
    yield from _header_problems(lang, catalog)
    for message in catalog:
        if not message.id:
            continue
        if lang in TRANSLATED:
            yield from _message_problems(lang, message)
        elif message.fuzzy:  # English: the ids are the text, so a fuzzy entry is only left-over state
            yield f"{lang}: {_short(_forms(message)[0][0])!r}: fuzzy: remove the flag (English needs no translation)"
