"""The catalogs (complete, consistent, compiling), the runtime lookups, and the words the library shows."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Message

from autotutor import catalogs, i18n
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
    # Babel's (CLDR's) order, the one in the catalog's Plural-Forms header: zero, one, two, few (3–10),
    # 100–102 and other (11–99).
    forms = [ngettext("{count} tensor", "{count} tensors", n) for n in (0, 1, 2, 5, 101, 11)]
    assert forms == [f"form{i} {{count}}" for i in range(6)]
    set_language("en")
    assert [ngettext("{count} tensor", "{count} tensors", n) for n in (1, 2)] == ["{count} tensor", "{count} tensors"]


def test_direction_and_bdi():
    assert (i18n.direction("ar"), i18n.direction("fr")) == ("rtl", "ltr")
    assert i18n.bdi("a<b") == '<bdi dir="ltr">a&lt;b</bdi>'
    assert i18n.bdi_code("input_ids") == '<bdi dir="ltr"><code>input_ids</code></bdi>'


# ---------------------------------------------------------------------------------------------------------------
# The words the library shows in a notebook
# ---------------------------------------------------------------------------------------------------------------
def _report():
    from autotutor.loading import LoadReport

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


# ---------------------------------------------------------------------------------------------------------------
# The lessons' first cell and the language switch
# ---------------------------------------------------------------------------------------------------------------
def test_lesson_language_comes_from_the_environment_then_the_folder(monkeypatch, tmp_path):
    from autotutor.lessons import lesson_language

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
