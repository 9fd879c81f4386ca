"""Lesson 6 (AutoModel, one checkpoint and several heads): the load report as blocks and as a picture, softmax and
id2label, the head explorer and the quiz, in each language."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from autotutor import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer
from autotutor.i18n import set_language
from autotutor.lessons.automodel import (
    STATUS_COLOURS,
    Block,
    draw_load_report,
    new_head_question,
    predictions_text,
    probabilities,
    sequence_predictions,
    token_predictions,
    weight_blocks,
)
from autotutor.report import LoadReport
from autotutor.widgets.head_explorer import HeadExplorer, predictions_html

CHECKPOINT = "distilbert/distilbert-base-uncased"
LAYERS = [f"transformer.layer.{i}" for i in range(6)]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    sequence = AutoModelForSequenceClassification.from_pretrained(CHECKPOINT)
    token = AutoModelForTokenClassification.from_pretrained(CHECKPOINT)
    return sequence, token, AutoTokenizer.from_pretrained(CHECKPOINT)


def test_blocks_of_the_sequence_classifier(models):
    sequence, _, _ = models
    blocks = weight_blocks(sequence.load_report)
    assert [b.name for b in blocks if b.status == "loaded"] == ["embeddings", *LAYERS]
    assert [b.name for b in blocks if b.status == "new"] == ["pre_classifier", "classifier"]
    unused = {b.name for b in blocks if b.status == "unused"}
    assert unused == {"vocab_transform", "vocab_layer_norm", "vocab_projector"}
    assert sum(b.tensors for b in blocks if b.status == "loaded") == len(sequence.load_report.loaded)
    assert Block("classifier", "new", 2) in blocks


def test_blocks_of_the_token_classifier_share_the_body(models):
    _, token, _ = models
    blocks = weight_blocks(token.load_report)
    assert [b.name for b in blocks if b.status == "new"] == ["classifier"]
    assert [b.name for b in blocks if b.status == "loaded"] == ["embeddings", *LAYERS]


def test_blocks_from_a_hand_made_report():
    report = LoadReport(model_class="BertForTokenClassification", source="x",
                        loaded=["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.output.dense.weight"],
                        newly_initialized=["classifier.weight"], unexpected=["cls.predictions.bias"],
                        mismatched=[("bert.pooler.dense.weight", (2, 2), (3, 3))])
    assert weight_blocks(report) == [
        Block("embeddings", "loaded", 1), Block("encoder.layer.0", "loaded", 1),
        Block("classifier", "new", 1), Block("pooler", "new", 1), Block("cls.predictions", "unused", 1),
    ]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_load_report_picture_has_the_three_colours(models, lang):
    set_language(lang)
    image = draw_load_report(models[0].load_report)
    colours = {colour for _, colour in image.getcolors(1 << 20)}
    for hex_colour in STATUS_COLOURS.values():
        assert Image.new("RGB", (1, 1), hex_colour).getpixel((0, 0)) in colours


def test_softmax_adds_up_to_one():
    probs = probabilities(torch.tensor([[2.0, 0.0, -1.0]]))
    assert torch.allclose(probs.sum(-1), torch.tensor([1.0]))
    assert probs[0].argmax() == 0
    assert probabilities(torch.tensor([0.0, 0.0])).tolist() == [0.5, 0.5]


def test_sequence_predictions_use_id2label_and_the_untrained_head_is_near_uniform(models):
    sequence, _, tok = models
    rows = sequence_predictions(sequence, tok, "I loved this film.")
    assert [r.label for r in rows] == ["LABEL_0", "LABEL_1"]
    assert sum(r.probability for r in rows) == pytest.approx(1.0)
    assert all(abs(r.probability - 0.5) < 0.1 for r in rows)  # small random head: logits near 0
    lines = predictions_text(rows).splitlines()
    assert lines[0].split() == ["label", "logit", "probability"] and lines[1].startswith("LABEL_0")


def test_token_predictions_have_one_row_per_token(models):
    _, token, tok = models
    rows = token_predictions(token, tok, "I loved this film.")
    assert [r.token for r in rows] == ["[CLS]", "i", "loved", "this", "film", ".", "[SEP]"]
    assert all(r.label in ("LABEL_0", "LABEL_1") and 0.5 <= r.probability <= 1 for r in rows)
    assert predictions_text(rows).splitlines()[0].split() == ["token", "label", "probability"]


def test_same_text_same_numbers(models):
    sequence, _, tok = models
    assert sequence_predictions(sequence, tok, "Hello") == sequence_predictions(sequence, tok, "Hello")


def test_explorer_switches_heads_and_warns_that_they_are_untrained(models):
    sequence, token, tok = models
    explorer = HeadExplorer(tok, {"AutoModelForSequenceClassification": sequence,
                                  "AutoModelForTokenClassification": token}, "I loved this film.")
    assert repr(explorer) == "HeadExplorer(['AutoModelForSequenceClassification', 'AutoModelForTokenClassification'])"
    assert "LABEL_1" in explorer._table.value and "arbitrary" in explorer._table.value
    explorer._head.value = "AutoModelForTokenClassification"
    assert "DistilBertForTokenClassification" in explorer._table.value and "loved" in explorer._table.value
    explorer._text.value = ""
    assert "Type a sentence" in explorer._table.value
    set_language("ar")
    assert 'dir="rtl"' in predictions_html(sequence, tok, "hi")


def test_quiz_question_is_consistent_in_every_language():
    for lang in ("en", "fr", "ar"):
        set_language(lang)
        question = new_head_question()
        assert len(question.choices) == len(question.feedback) == 4
        assert len(set(question.choices)) == 4 and question.answer == 0
