"""Lesson 6's body at work: sentence embeddings from the real all-MiniLM-L6-v2, against transformers.

transformers has no sentence pooling of its own (sentence-transformers adds it); the reference here is
transformers' BertModel and tokenizer on the same files, mean-pooled and normalised the way the model's own
`modules.json` says (Transformer → Pooling(mean) → Normalize), written out in the test.
"""

from __future__ import annotations

import json

import pytest
import torch

from autotutor import AutoModel, AutoTokenizer
from autotutor.i18n import translate
from autotutor.lessons.embeddings import (
    cosine_similarities,
    example_sentences,
    language_pairs,
    mean_pooling,
    pairs_text,
    ranking_text,
    search,
    sentence_embeddings,
)

SENTENCES = ["In a hole in the ground there lived a hobbit.", "Short one.",
             "Le chat dort sur le canapé.", "القطة نائمة على الأريكة."]


@pytest.fixture(scope="module")
def ours(minilm_dir):
    folder = minilm_dir
    return AutoModel.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module")
def theirs(minilm_dir):
    import transformers

    folder = minilm_dir
    return transformers.AutoModel.from_pretrained(folder).eval(), transformers.AutoTokenizer.from_pretrained(folder)


def test_the_checkpoint_says_mean_pooling_then_normalisation(minilm_dir):
    modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((minilm_dir / "modules.json").read_text())]
    pooling = json.loads((minilm_dir / "1_Pooling" / "config.json").read_text())
    assert modules == ["Transformer", "Pooling", "Normalize"] and pooling["pooling_mode_mean_tokens"]


def test_embeddings_match_transformers(ours, theirs):
    model, tokenizer = ours
    reference_model, reference_tokenizer = theirs
    batch = reference_tokenizer(SENTENCES, padding=True, truncation=True, return_tensors="pt")
    assert tokenizer(SENTENCES, padding=True, truncation=True)["input_ids"] == batch["input_ids"].tolist()
    with torch.no_grad():
        hidden = reference_model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)
    got = sentence_embeddings(model, tokenizer, SENTENCES)
    assert got.shape == (4, 384)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert torch.allclose(got.norm(dim=1), torch.ones(4), atol=1e-6)


def test_padding_changes_nothing(ours):
    model, tokenizer = ours
    alone = sentence_embeddings(model, tokenizer, ["Short one."])
    in_a_batch = sentence_embeddings(model, tokenizer, SENTENCES)[1:2]  # padded to the longest sentence
    torch.testing.assert_close(alone, in_a_batch, atol=1e-5, rtol=0)


def test_mean_pooling_leaves_padding_out():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    assert mean_pooling(hidden, torch.tensor([[1, 1, 0]])).tolist() == [[2.0, 3.0]]
    assert cosine_similarities(torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0], [0.0, 3.0]])).tolist() == [[1.0, 0.0]]


def test_the_search_puts_the_two_answers_first(ours):
    model, tokenizer = ours
    query, sentences = example_sentences("en")
    ranked = search(model, tokenizer, query, sentences)
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert {m.text for m in ranked[:2]} == {sentences[0], sentences[1]}
    assert ranking_text(ranked).splitlines()[1].startswith(f"{ranked[0].score:.2f}")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_search_mixes_the_learners_language_with_english(lang):
    query, sentences = example_sentences(lang)
    assert query == translate("Where can I leave my bike for the night?", lang) != "Where can I leave my bike for the night?"
    assert len(sentences) == 8 and sentences[4:] == example_sentences("en")[1]


def test_what_an_english_model_makes_of_french_and_arabic(ours):
    """The lesson's claims, measured: an English sentence is no closer to its own French or Arabic translation
    than to an unrelated one, and a question in French or Arabic finds the sentences of its own language first,
    never the English ones."""
    model, tokenizer = ours
    for lang in ("fr", "ar"):
        pairs = language_pairs(model, tokenizer, lang)
        assert all(abs(p.same_meaning - p.unrelated) < 0.15 and p.same_meaning < 0.3 for p in pairs), pairs
        query, sentences = example_sentences(lang)
        ranked = search(model, tokenizer, query, sentences)
        assert {m.text for m in ranked[:4]} == set(sentences[:4])  # the learner's language first
    assert all(p.same_meaning == pytest.approx(1.0, abs=1e-5) for p in language_pairs(model, tokenizer, "en"))
    assert len(pairs_text(language_pairs(model, tokenizer, "fr")).splitlines()) == 4
