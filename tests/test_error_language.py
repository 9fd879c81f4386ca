"""Errors in the learner's language: every message autotutor raises is an English sentence of the catalogs,
read in French or Arabic when the learner works in French or Arabic, with the English original kept on it.

The static checks read every `raise` in the package: what a learner can meet is written so that it can be
translated (a literal sentence with named fields, never an f-string), and the fields it names are given.
"""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

from autotutor import AutoConfig, errors, i18n
from autotutor.errors import AutotutorError, CheckpointNotFoundError, ConfigError
from autotutor.i18n import LRI, PDI, RLI, Text, translate

PACKAGE = Path(errors.__file__).resolve().parent
ERROR_CLASSES = {name for name, value in vars(errors).items()
                 if isinstance(value, type) and issubclass(value, AutotutorError)}
# The builtin exceptions a learner may still meet from autotutor, and why they stay builtin and English:
# Python's own protocols read them (`hasattr` catches AttributeError, `next` StopIteration), and a few guard
# autotutor's own tooling against a programming mistake, never a learner's input.
BUILTIN_KEPT = {"AttributeError", "StopIteration", "NotImplementedError", "KeyError"}
# The modules errors.py is written with (the catalogs, where they are): they cannot raise its errors.
MODULES_KEPT = {"autotutor/resources.py", "autotutor/i18n.py"}


def _raises() -> list[tuple[str, int, ast.Call | ast.expr]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                found.append((path.relative_to(PACKAGE.parent).as_posix(), node.lineno, node.exc))
    return found


def _called_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _literal(node: ast.expr) -> str | None:
    """The text of a plain string literal (implicit concatenation included), else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


RAISES = _raises()


def test_every_error_a_learner_meets_is_an_autotutor_error():
    wrong = [f"{where}:{line}: raise {_called_name(exc)}(...)" for where, line, exc in RAISES
             if isinstance(exc, ast.Call) and _called_name(exc) not in ERROR_CLASSES
             and _called_name(exc) not in BUILTIN_KEPT and where not in MODULES_KEPT
             and _called_name(exc)[:1].isupper() and _called_name(exc).endswith(("Error", "Exception"))]
    assert not wrong, "raise the autotutor error that fits (errors.py), whose message is translated:\n" + "\n".join(wrong)


def test_every_error_message_is_a_literal_sentence_with_its_fields_given():
    problems = []
    for where, line, exc in RAISES:
        if _called_name(exc) not in ERROR_CLASSES or not exc.args:
            continue
        message = _literal(exc.args[0])
        if message is None:
            problems.append(f"{where}:{line}: the message is not a plain string literal (an f-string? a variable?)")
            continue
        given = {keyword.arg for keyword in exc.keywords}
        if None in given:  # **fields: the names cannot be checked here
            continue
        named = {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(message) if field}
        if named - given:
            problems.append(f"{where}:{line}: the sentence names {sorted(named - given)}, not given as keywords")
    assert not problems, "\n".join(problems)


def test_every_error_message_is_in_the_catalogs_and_translated():
    from babel.messages.pofile import read_po

    messages = {_literal(exc.args[0]) for _, _, exc in RAISES
                if _called_name(exc) in ERROR_CLASSES and exc.args and _literal(exc.args[0])}
    for lang in ("fr", "ar"):
        with open(i18n.LOCALES_DIR / lang / "LC_MESSAGES" / "autotutor.po", "rb") as f:
            catalog = {m.id: m.string for m in read_po(f) if m.id and isinstance(m.id, str)}
        missing = sorted(text for text in messages if not catalog.get(text))
        assert not missing, f"{lang}: {len(missing)} error messages not translated, e.g. {missing[:3]}"


@pytest.fixture
def language():
    before = i18n.get_language()
    yield i18n.set_language
    i18n.set_language(before)


def _missing_folder_error(tmp_path) -> CheckpointNotFoundError:
    with pytest.raises(CheckpointNotFoundError) as caught:
        AutoConfig.from_pretrained(tmp_path / "no-such-folder")
    return caught.value


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_an_error_reads_in_the_learners_language_and_keeps_its_english(tmp_path, language, lang):
    language(lang)
    err = _missing_folder_error(tmp_path)
    assert err.english.startswith("The folder '") and "does not exist" in err.english
    assert str(err) != err.english
    assert str(err).replace(LRI, "").replace(RLI, "").replace(PDI, "").strip().startswith(
        translate(err.text.message, lang).split("'")[0].split("«")[0].split("{")[0].strip()[:10])
    assert str(tmp_path / "no-such-folder") in str(err)  # the path, untouched
    assert err.args == (err.english,)  # what a log or a pickle keeps
    assert pickle.loads(pickle.dumps(err)).args == err.args


def test_an_error_follows_a_later_language_switch(tmp_path, language):
    language("en")
    err = _missing_folder_error(tmp_path)
    english = str(err)
    language("fr")
    assert str(err) != english and str(err) == err.text.render("fr")
    language("en")
    assert str(err) == english == err.english


def test_arabic_errors_are_isolated_line_by_line_with_their_fields_left_to_right(tmp_path, language):
    language("ar")
    err = _missing_folder_error(tmp_path)
    text = str(err)
    assert all(line.startswith(RLI) and line.endswith(PDI) for line in text.split("\n") if line.strip())
    assert f"{LRI}{tmp_path / 'no-such-folder'}{PDI}" in text


def test_a_translation_with_broken_fields_falls_back_to_the_english(monkeypatch):
    monkeypatch.setitem(i18n._catalog("fr"), "the sentence {name}", "la phrase {nom}")
    assert Text("the sentence {name}", name="x").render("fr") == "the sentence x"


def test_fields_that_are_sentences_are_translated_too(language):
    err = ConfigError("{source} has no {key} (it contains: {present}). Every checkpoint needs one: it names the "
                      "architecture (model_type) and its sizes. Is this the right folder?",
                      source=Text("folder '{folder}'", folder="/x"), present=Text("no files"), key="config.json")
    language("fr")
    assert translate("no files", "fr") in str(err) and translate("no files", "fr") != "no files"
    assert "no files" in err.english


# -- the `autotutor` command ---------------------------------------------------------------------------------
def _run_cli(argv, capsys):
    from autotutor.course.cli import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    out = capsys.readouterr()
    return exited.value.code, out.out + out.err


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_argparse_complains_in_the_learners_language(monkeypatch, capsys, lang):
    monkeypatch.setenv("AUTOTUTOR_LANG", lang)
    code, text = _run_cli(["lab", "--lang", "de"], capsys)
    assert code == 2
    usage, choice = translate("usage: ", lang), translate("invalid choice: %(value)r (choose from %(choices)s)", lang)
    assert usage != "usage: " and text.startswith(usage)
    assert choice.split("%")[0] in text and "'de'" in text
    assert "invalid choice" not in text


def test_help_speaks_the_commands_own_lang(monkeypatch, capsys):
    monkeypatch.delenv("AUTOTUTOR_LANG", raising=False)
    code, text = _run_cli(["doctor", "--lang", "fr", "--help"], capsys)
    assert code == 0
    for english in ("usage: ", "options", "show this help message and exit",
                    "the language of the report (default: $AUTOTUTOR_LANG, else en)"):
        assert translate(english, "fr") != english
        assert " ".join(translate(english, "fr").split("(")[0].split()) in " ".join(text.split())
    assert "show this help" not in text
    assert i18n.get_language() == "en"  # reading a command line changes nobody's language


def test_a_command_refused_with_an_autotutor_error_says_it_in_one_line(monkeypatch, capsys, tmp_path):
    from autotutor.course import cli

    def refuse(args):
        raise ConfigError("{path} is not valid JSON: {problem} at line {line}, column {column}. Fix the file by hand "
                          "or download it again.", path=tmp_path / "config.json", problem="x", line=1, column=2)

    monkeypatch.setattr(cli, "_doctor", refuse)
    assert cli.main(["doctor", "--lang", "fr"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(tmp_path / "config.json") in err
    assert translate("autotutor: error: {message}", "fr").split("{")[0] in err


def test_two_fields_joined_by_a_sign_stay_one_left_to_right_run():
    text = Text("{key}={value!r} is not allowed; use {height}×{width}.", key="size", value={"h": 1}, height=2, width=3)
    assert f"{LRI}size={{'h': 1}}{PDI}" in text.render("ar") and f"{LRI}2×3{PDI}" in text.render("ar")
    assert text.render("en") == "size={'h': 1} is not allowed; use 2×3."


def test_bare_code_in_an_arabic_sentence_is_one_left_to_right_run(monkeypatch):
    message = "Resample it first, e.g. torchaudio.functional.resample(waveform, {rate}, {expected})."
    monkeypatch.setitem(i18n._catalog("ar"), message,
                        "أعد أخذ العينات أولًا، مثلًا: torchaudio.functional.resample(waveform, {rate}, {expected}).")
    text = Text(message, rate=22050, expected=16000)
    rendered = text.render("ar")
    assert f"{LRI}torchaudio.functional.resample(waveform, {LRI}22050{PDI}, {LRI}16000{PDI}){PDI}" in rendered
    assert text.render("fr") == text.render("en") or LRI not in text.render("fr")  # left to right: untouched


def test_a_lesson_shows_the_error_in_its_language_with_the_english_one_click_away(tmp_path, language):
    from autotutor.lessons.refusals import error_line
    from autotutor.widgets.refusal import error_html

    language("en")
    err = _missing_folder_error(tmp_path)
    assert "<details>" not in error_html(err) and error_line(err) == f"CheckpointNotFoundError: {err.english}"
    language("fr")
    shown = error_html(err)
    assert 'dir="ltr"' in shown and "<code>CheckpointNotFoundError</code>" in shown
    assert translate("The same message in English, to search the web with", "fr") in shown
    assert shown.index(translate(err.text.message, "fr")[:8]) < shown.index("<details>") < shown.index("does not exist")
    language("ar")
    line = error_line(err)
    assert line.startswith(RLI) and line.endswith(PDI) and "CheckpointNotFoundError" in line


@pytest.mark.parametrize(("env", "expected"), [
    ({"AUTOTUTOR_LANG": "ar", "LANG": "fr_FR.UTF-8"}, "ar"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LC_ALL": "ar_EG.UTF-8", "LANG": "fr_FR.UTF-8"}, "ar"),  # gettext's order: LC_ALL before LANG
    ({"LANGUAGE": "de:fr", "LANG": "en_US.UTF-8"}, "fr"),
    ({"LANG": "C.UTF-8"}, None),
    ({"LANG": "de_DE.UTF-8"}, None),
])
def test_the_language_follows_autotutor_lang_then_the_locale(monkeypatch, env, expected):
    from autotutor.course.cli import _default_language

    for name in ("AUTOTUTOR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.environment_language() == expected
    assert _default_language() == (expected or "en")


def test_a_bracket_of_the_arabic_sentence_stays_outside_the_isolate(monkeypatch):
    message = "{source} has no {key} (it contains: {present})."
    monkeypatch.setitem(i18n._catalog("ar"), message, "ليس في {source} ملف {key} (محتوياته: {present}).")
    rendered = Text(message, source="x", key="config.json", present="a.json, b.txt").render("ar")
    assert rendered.endswith(f"(محتوياته: {LRI}a.json, b.txt{PDI}).")
    assert f"{LRI}resample(y, sr){PDI}" in Text("use {call}", call="resample(y, sr)").render("ar")
