"""Lesson 0 (introduction): the registry's decision for each course-pack checkpoint, its text, its picture, the
explorer widget and the quiz, in each language."""

from __future__ import annotations

import pytest
from PIL import Image

from autotutor.i18n import set_language
from autotutor.lessons.introduction import (
    AUTO_CLASSES,
    CHECKPOINTS,
    STEP_COLOURS,
    auto_class_question,
    decision_text,
    draw_call_path,
    registry_decision,
    registry_table,
)
from autotutor.lessons.pictures import png
from autotutor.widgets.registry_explorer import RegistryExplorer, decision_html

EXPECTED = {
    "google-bert/bert-base-uncased": ("bert", "BertModel"),
    "distilbert/distilbert-base-uncased": ("distilbert", "DistilBertModel"),
    "google/vit-base-patch16-224": ("vit", "ViTModel"),
    "microsoft/swin-tiny-patch4-window7-224": ("swin", "SwinModel"),
    "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition": ("wav2vec2", "Wav2Vec2Model"),
    "microsoft/layoutlmv2-base-uncased": ("layoutlmv2", None),
}


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def test_auto_classes_are_the_registrys_tasks():
    assert AUTO_CLASSES[0] == "AutoModel"
    wanted = {"AutoModelForSequenceClassification", "AutoModelForTokenClassification", "AutoBackbone"}
    assert wanted <= set(AUTO_CLASSES)
    with pytest.raises(ValueError, match="AutoModel"):
        registry_decision(CHECKPOINTS[0], "AutoTokenizer")


@pytest.mark.parametrize("repo_id", CHECKPOINTS)
def test_automodel_decision_for_every_course_pack_checkpoint(repo_id):
    decision = registry_decision(repo_id, "AutoModel")
    model_type, class_name = EXPECTED[repo_id]
    assert (decision["file"], decision["key"], decision["value"]) == ("config.json", "model_type", model_type)
    assert decision["file_path"].endswith("config.json")
    assert decision["model_class"] == class_name
    assert decision["task"] == "base"
    if class_name is None:
        assert decision["error_type"] == "UnsupportedTaskError"
        assert "detectron2" in decision["error"]
        assert decision["error"].startswith(repo_id + ":")  # the Hub id, never a path of this machine
        assert decision["weights_file"] is None
    else:
        assert decision["error"] is None and decision["weights_file"] == "model.safetensors"


def test_a_head_the_architecture_lacks_is_refused_with_the_classes_that_work():
    decision = registry_decision("google/vit-base-patch16-224", "AutoModelForSequenceClassification")
    assert decision["model_class"] is None
    assert "AutoModelForImageClassification" in decision["error"]
    ok = registry_decision("distilbert/distilbert-base-uncased", "AutoModelForTokenClassification")
    assert ok["model_class"] == "DistilBertForTokenClassification"


def test_decision_text_has_no_machine_paths_and_follows_the_language():
    decision = registry_decision("google-bert/bert-base-uncased", "AutoModel")
    assert decision_text(decision).splitlines() == [
        "File read: config.json of google-bert/bert-base-uncased",
        'Key and value: "model_type": "bert"',
        'AutoModel asks the registry for the task "base"',
        "Class chosen: BertModel",
    ]
    set_language("fr")
    assert "Classe choisie" in decision_text(decision)
    set_language("ar")
    assert "BertModel" in decision_text(decision) and "الفئة" in decision_text(decision)


def test_registry_table_lists_every_model_class_and_no_layoutlmv2_model():
    rows = registry_table()
    assert ("bert", "AutoModel", "BertModel") in rows
    assert ("swin", "AutoBackbone", "SwinBackbone") in rows
    assert not any(model_type == "layoutlmv2" for model_type, _, _ in rows)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_call_path_picture_colours_each_step(lang):
    set_language(lang)
    ok = draw_call_path(registry_decision("google-bert/bert-base-uncased", "AutoModel"))
    refused = draw_call_path(registry_decision("microsoft/layoutlmv2-base-uncased", "AutoModel"))
    assert ok.mode == "RGB" and ok.width > 800
    colours = {colour for _, colour in ok.getcolors(1 << 20)}
    assert _rgb(STEP_COLOURS["done"]) in colours and _rgb(STEP_COLOURS["stopped"]) not in colours
    colours = {colour for _, colour in refused.getcolors(1 << 20)}
    assert _rgb(STEP_COLOURS["stopped"]) in colours and _rgb(STEP_COLOURS["skipped"]) in colours
    assert png(ok).startswith(b"\x89PNG")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return Image.new("RGB", (1, 1), hex_colour).getpixel((0, 0))


def test_explorer_shows_the_decision_and_redraws_on_change():
    explorer = RegistryExplorer()
    assert repr(explorer) == "RegistryExplorer('google-bert/bert-base-uncased', 'AutoModel')"
    assert "BertModel" in explorer._decision.value and bytes(explorer._picture.value).startswith(b"\x89PNG")
    explorer._checkpoint.value = "microsoft/layoutlmv2-base-uncased"
    assert "detectron2" in explorer._decision.value and "UnsupportedTaskError" in explorer._decision.value
    set_language("ar")
    assert 'dir="rtl"' in explorer._decision.value


def test_decision_html_escapes_and_keeps_code_left_to_right():
    html = decision_html(registry_decision("google/vit-base-patch16-224", "AutoModel"))
    assert '<bdi dir="ltr"><code>ViTModel</code></bdi>' in html
    assert "File read" in html


def test_quiz_question_is_consistent_in_every_language():
    for lang in ("en", "fr", "ar"):
        set_language(lang)
        question = auto_class_question()
        assert len(question.choices) == len(question.feedback) == 4
        assert len(set(question.choices)) == 4 and question.answer == 0
