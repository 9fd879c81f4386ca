"""The catalogs (complete, consistent, compiling), the runtime lookups, and the words the library shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Message

from autotutor import i18n
from autotutor.course import translations as catalogs
from autotutor.i18n import LANGUAGES, _, get_language, ngettext, set_language


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture
def fake_catalogs(monkeypatch):
    """Small in-memory catalogs, so these tests do not depend on the team's wording."""
    fake = {
        "en": {},
        "fr": {"loaded": "chargé", "NEW": "NOUVEAU", "Language of the widgets:": "Langue des widgets :",
               "{count} tensor": ("{count} tenseur", "{count} tenseurs")},
        "ar": {"loaded": "حُمِّل", "Language of the widgets:": "لغة الأدوات:",
               "{count} tensor": tuple(f"form{i} {{count}}" for i in range(6))},
    }
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fake[lang])
    return fake


# ---------------------------------------------------------------------------------------------------------------
# The catalogs of the repository (French and Arabic are the team's work: these fail until it is complete)
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def problems() -> list[str]:
    return catalogs.check()


def test_template_and_catalogs_follow_the_sources(problems):
    """locales/autotutor.pot and every .po hold exactly the messages of the code and the lessons."""
    stale = [p for p in problems if p.startswith("template:") or "run `autotutor i18n update`" in p]
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete_consistent_and_compiles(problems, lang):
    """fr and ar: 100% translated, nothing fuzzy, same placeholders and inline code; every catalog compiles."""
    mine = [p for p in problems if p.startswith(f"{lang}:")]
    assert not mine, f"{len(mine)} problem(s):\n" + "\n".join(mine)


def test_arabic_catalog_has_six_plural_forms():
    from babel.messages.pofile import read_po

    with open(catalogs.po_path("ar"), "rb") as f:
        assert read_po(f, locale="ar").num_plurals == 6


# ---------------------------------------------------------------------------------------------------------------
# What the check catches
# ---------------------------------------------------------------------------------------------------------------
def _problems(msgid, msgstr, *, fuzzy=False):
    message = Message(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])
    return list(catalogs._message_problems("fr", message))


def test_check_accepts_a_faithful_translation():
    assert _problems("{count} tensors from `model.safetensors`", "{count} tenseurs lus dans `model.safetensors`") == []


@pytest.mark.parametrize("msgid,msgstr,complaint", [
    ("from the checkpoint", "", "not translated"),
    ("from the checkpoint", "de l'ensemble de poids", "fuzzy"),
    ("{count} tensors", "{nombre} tenseurs", "placeholders"),
    ("%s was loaded", "chargé", "placeholders"),
    ("Call `AutoTokenizer`", "Appelez `TokeniseurAuto`", "inline code"),
])
def test_check_names_what_is_wrong(msgid, msgstr, complaint):
    found = _problems(msgid, msgstr, fuzzy=complaint == "fuzzy")
    assert found and complaint in found[0]


def test_a_french_percent_sign_is_not_a_placeholder():
    assert _problems("100% of the weights", "100 % des poids") == []


def test_a_plural_form_may_leave_the_number_out_but_not_invent_one():
    assert _problems(("{n} file", "{n} files"), ("un fichier", "{n} fichiers")) == []
    assert _problems(("{n} file", "{n} files"), ("{m} fichier", "{n} fichiers"))


# ---------------------------------------------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------------------------------------------
def test_messages_follow_the_language(fake_catalogs):
    seen = []
    i18n.on_language_change(seen.append)
    set_language("fr")
    assert (get_language(), _("loaded"), _("not in any catalog")) == ("fr", "chargé", "not in any catalog")
    assert i18n.translate("loaded", "ar") == "حُمِّل" and i18n.translate("loaded", "en") == "loaded"
    assert seen[-1] == "fr"
    with pytest.raises(ValueError, match="choose one of en, fr, ar"):
        set_language("de")


def test_arabic_plural_forms(fake_catalogs):
    set_language("ar")
    # The order of the catalog's Plural-Forms header (gettext's and CLDR's): zero, one, two, few (3–10),
    # many (11–99) and other (100–102, …).
    forms = [ngettext("{count} tensor", "{count} tensors", n) for n in (0, 1, 2, 5, 11, 101)]
    assert forms == [f"form{i} {{count}}" for i in range(6)]
    set_language("en")
    assert [ngettext("{count} tensor", "{count} tensors", n) for n in (1, 2)] == ["{count} tensor", "{count} tensors"]


def _cldr_arabic(n: int) -> int:
    """CLDR's Arabic categories for whole numbers, as the form's index in zero, one, two, few, many, other."""
    if n in (0, 1, 2):
        return n
    if 3 <= n % 100 <= 10:
        return 3
    if 11 <= n % 100 <= 99:
        return 4
    return 5


def test_arabic_plural_rule_is_the_catalogs_own_header_and_matches_cldr():
    """gettext's choice: the Plural-Forms line of ar.po, whatever Babel's own CLDR data say today."""
    from babel.messages.pofile import read_po

    with open(catalogs.po_path("ar"), "rb") as f:
        header = dict(read_po(f, locale="ar").mime_headers)["Plural-Forms"]
    assert header.startswith("nplurals=6;")
    rule = i18n.plural_rule("ar")
    assert [rule(n) for n in range(1001)] == [_cldr_arabic(n) for n in range(1001)]
    assert [rule(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111, 1000)] == \
        [0, 1, 2, 3, 3, 4, 4, 5, 5, 5, 3, 4, 5]


def test_the_plural_rule_does_not_come_from_babels_data(monkeypatch):
    """Babel 2.18 and 2.19 ordered Arabic's last two forms differently; the catalog's header decides."""
    import babel.messages.plurals

    monkeypatch.setattr(babel.messages.plurals, "get_plural", lambda *a, **k: pytest.fail("Babel's rule was asked"))
    i18n.plural_rule.cache_clear()
    try:
        assert i18n.plural_rule("ar")(96) == 4
    finally:
        i18n.plural_rule.cache_clear()


@pytest.mark.parametrize("n,expected", [
    (3, "3 موترات"), (10, "10 موترات"), (11, "11 موترًا"), (96, "96 موترًا"), (100, "100 موتر"), (101, "101 موتر"),
    (1, "موتر واحد"), (2, "موتران"),
])
def test_arabic_tensor_counts_read_right(n, expected):
    set_language("ar")
    assert ngettext("{count} tensor", "{count} tensors", n).format(count=n) == expected


def test_every_arabic_plural_entry_puts_tanween_in_the_11_to_99_form():
    """The slip that swapped forms 4 and 5: the accusative (موترًا) belongs to 11–99, not to 100–102."""
    from babel.messages.pofile import read_po

    with open(catalogs.po_path("ar"), "rb") as f:
        plurals = [m for m in read_po(f, locale="ar") if m.id and not isinstance(m.id, str)]
    assert plurals
    for message in plurals:
        assert "ًا" not in message.string[5], f"{message.id[0]!r}: form 5 (100–102) {message.string[5]!r} has the 11–99 ending"
    set_language("ar")
    assert ngettext("{count} entry complete in {folder}", "{count} entries complete in {folder}", 11).format(
        count=11, folder="x") == "11 عنصرًا مكتملًا في x"  # doctor's line, the first one found swapped


def test_french_rule_counts_zero_as_singular():
    rule = i18n.plural_rule("fr")
    assert [rule(n) for n in (0, 1, 2, 1000)] == [0, 0, 1, 1]


@pytest.mark.parametrize("header,complaint", [
    ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
     "n%100>=0 && n%100<=2 ? 4 : 5);", "form 5 for n=11, whose category is 'many'"),  # Babel 2.18's order
    ("nplurals=2; plural=(n != 1);", "ar has 6"),
    ("", "no usable Plural-Forms"),
])
def test_check_rejects_a_plural_header_that_does_not_follow_cldr(header, complaint):
    found = list(catalogs._plural_problems("ar", header))
    assert found and complaint in found[0], found


def test_check_rejects_a_fuzzy_or_unfilled_header():
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="en", domain="autotutor", fuzzy=True)  # Babel's defaults: FULL NAME, YEAR-MO-DA…
    found = list(catalogs._header_problems("en", catalog))
    assert any("header is marked fuzzy" in p for p in found)
    assert any("Last-Translator" in p and "FULL NAME" in p for p in found)
    assert any("PO-Revision-Date" in p for p in found)


def test_check_rejects_a_fuzzy_english_entry():
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="en", domain="autotutor", fuzzy=False)
    catalog.add("tensor", "", flags=["fuzzy"])
    assert "en: 'tensor': fuzzy: remove the flag (English needs no translation)" in catalogs._catalog_problems("en", catalog)


def test_the_real_headers_are_filled_in_and_not_fuzzy(problems):
    assert not [p for p in problems if "header" in p or "Plural-Forms" in p or "fuzzy" in p]


def test_direction_and_bdi():
    assert (i18n.direction("ar"), i18n.direction("fr")) == ("rtl", "ltr")
    assert i18n.bdi("a<b") == '<bdi dir="ltr">a&lt;b</bdi>'
    assert i18n.bdi_code("input_ids") == '<bdi dir="ltr"><code>input_ids</code></bdi>'


# ---------------------------------------------------------------------------------------------------------------
# The words the library shows in a notebook
# ---------------------------------------------------------------------------------------------------------------
def _report():
    from autotutor.report import LoadReport

    return LoadReport(model_class="BertForSequenceClassification", source="/tmp/ckpt",
                      loaded=["bert.embeddings.word_embeddings.weight"], newly_initialized=["classifier.weight"])


def test_load_report_speaks_the_learners_language(fake_catalogs):
    assert _report().rows()[0] == ("loaded", "1 tensor", "from the checkpoint")
    set_language("fr")
    assert _report().rows()[:2] == [("chargé", "1 tenseur", "from the checkpoint"), ("NOUVEAU", "classifier.weight",
                                    "not in the checkpoint: newly initialized, train it before use")]
    set_language("ar")
    html = _report()._repr_html_()
    assert html.startswith('<details open dir="rtl">') and "حُمِّل" in html
    assert '<bdi dir="ltr"><code>classifier.weight</code></bdi>' in html


def test_load_report_counts_are_prose_in_arabic():
    """A count is prose in the learner's language, not code kept left to right ("100 موتر", not "موتر 100")."""
    from autotutor.report import LoadReport

    set_language("ar")
    report = LoadReport(model_class="BertModel", source="/tmp/ckpt", loaded=[f"w{i}" for i in range(100)],
                        newly_initialized=["pooler.dense.weight"])
    html = report._repr_html_()
    assert "<td>100 موتر</td>" in html
    assert '<bdi dir="ltr"><code>pooler.dense.weight</code></bdi>' in html
    assert "<code>100" not in html


# ---------------------------------------------------------------------------------------------------------------
# The lessons' first cell and the language switch
# ---------------------------------------------------------------------------------------------------------------
def test_lesson_language_comes_from_the_environment_then_the_folder(monkeypatch, tmp_path):
    from autotutor.course import lesson_language

    monkeypatch.delenv("AUTOTUTOR_LANG", raising=False)
    for folder, lang in (("fr", "fr"), ("ar", "ar"), ("en", "en"), ("lessons", "en")):
        (tmp_path / folder).mkdir()
        assert lesson_language(tmp_path / folder) == lang
    monkeypatch.chdir(tmp_path / "ar")
    assert lesson_language() == "ar"
    monkeypatch.setenv("AUTOTUTOR_LANG", "fr")
    assert lesson_language(tmp_path / "ar") == "fr"


def test_language_switch_switches_and_follows(fake_catalogs):
    from autotutor.widgets import language_switch
    from autotutor.widgets.language import language_choices

    assert language_choices() == [("English", "en"), ("Français", "fr"), ("العربية", "ar")]
    switch = language_switch()
    label, buttons = switch.children
    assert (label.value, buttons.value) == ("Language of the widgets:", "en")
    buttons.value = "fr"  # a click
    assert get_language() == "fr" and label.value == "Langue des widgets :"
    set_language("ar")  # from code: the switch follows
    assert (buttons.value, label.value) == ("ar", "لغة الأدوات:")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pybabel_compile_takes_every_catalog(lang, tmp_path):
    """Babel's own command skips a catalog whose header is fuzzy ("is marked as fuzzy, skipping")."""
    import subprocess
    import sys

    mo = tmp_path / f"{lang}.mo"
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-D", "autotutor", "-l", lang,
                           "-i", str(catalogs.po_path(lang)), "-o", str(mo)], capture_output=True, text=True)
    assert done.returncode == 0 and "fuzzy" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert mo.stat().st_size > 1000


def test_every_message_the_code_marks_is_in_the_template():
    """Babel does not read inside an f-string: `f"{_('x')}"` would leave 'x' untranslated in every language."""
    import ast

    from babel.messages.pofile import read_po

    package = Path(i18n.__file__).resolve().parent
    with open(package.parent / "locales" / "autotutor.pot", "rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    missing = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_", "Text", "ngettext") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and node.args[0].value not in template):
                missing.append(f"{path.name}:{node.lineno}: {node.args[0].value!r}")
    assert not missing, "marked but not extracted (inside an f-string?):\n" + "\n".join(missing)
