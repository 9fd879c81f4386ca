"""The body at work (lesson 6): a trained BERT turns sentences into vectors, and sentences that mean the same
point the same way. The notebook's cells call these; tests/test_lesson_embeddings.py checks them against
transformers.

    sentence_embeddings(model, tokenizer, texts)   mean pooling over the real tokens, scaled to length 1
    cosine_similarities(a, b)                       every vector of a against every vector of b
    search(model, tokenizer, query, texts)          texts ranked by similarity to the query
    ranking_text(rows), pairs_text(rows)            those results as aligned text, for print()
    language_pairs(model, tokenizer, lang)          an English sentence against its translation and an unrelated
                                                    one: what an English-trained model makes of French and Arabic
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..i18n import N_, _, number, printed, translate

__all__ = [
    "EMBEDDING_CHECKPOINT",
    "LanguagePair",
    "Match",
    "cosine_similarities",
    "example_sentences",
    "language_pairs",
    "mean_pooling",
    "pairs_text",
    "ranking_text",
    "search",
    "sentence_embeddings",
]

# Trained by the sentence-transformers project so that sentences with the same meaning get vectors pointing the
# same way; the course pack holds its real files.
EMBEDDING_CHECKPOINT = "sentence-transformers/all-MiniLM-L6-v2"


def mean_pooling(last_hidden_state: Any, attention_mask: Any) -> Any:
    """The average of each sentence's token vectors, padding left out.

    last_hidden_state: (batch, tokens, hidden); attention_mask: (batch, tokens), 1 for a real token, 0 for
    padding. Returns (batch, hidden). The mask is widened to (batch, tokens, 1) so it multiplies every number of
    a token's vector: padded tokens add nothing, and each sentence is divided by its own count of real tokens.
    """
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)  # (batch, tokens, 1)
    summed = (last_hidden_state * mask).sum(dim=1)  # (batch, hidden)
    counts = mask.sum(dim=1).clamp(min=1e-9)  # (batch, 1): never divide by zero
    return summed / counts


def sentence_embeddings(model: Any, tokenizer: Any, texts: list[str]) -> Any:
    """One vector of length 1 per text, (len(texts), hidden): the body's output, mean-pooled, then normalised
    (all-MiniLM-L6-v2 was trained that way, so a dot product of two of them is their cosine similarity)."""
    import torch

    inputs = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    model.eval()  # no dropout: the same text always gives the same vector
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state  # (batch, tokens, hidden)
    pooled = mean_pooling(hidden, inputs["attention_mask"])
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def cosine_similarities(a: Any, b: Any) -> Any:
    """(len(a), len(b)): the cosine of the angle between each vector of `a` and each of `b`. 1: same direction;
    0: unrelated; -1: opposite."""
    import torch

    return torch.nn.functional.normalize(a, dim=-1) @ torch.nn.functional.normalize(b, dim=-1).T


class Match(NamedTuple):
    score: float
    text: str


def search(model: Any, tokenizer: Any, query: str, texts: list[str]) -> list[Match]:
    """`texts` ranked by the cosine similarity of their vectors to the query's, best first."""
    vectors = sentence_embeddings(model, tokenizer, [query, *texts])
    scores = cosine_similarities(vectors[:1], vectors[1:])[0]
    return sorted((Match(float(score), text) for score, text in zip(scores, texts)), key=lambda m: -m.score)


def _table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [head, *body]) + 2 for i in range(len(head))]
    lines = ["".join(f"{cell:<{w}}" for cell, w in zip(row, widths)).rstrip() for row in [head, *body]]
    return printed("\n".join(lines))


def ranking_text(matches: list[Match]) -> str:
    """A search's results as a table: similarity to 2 decimals, then the sentence."""
    return _table([_("similarity"), _("sentence")], [[number(m.score, 2), m.text] for m in matches])


# The sentences of the lesson's search, in English; `example_sentences` adds their translation in the learner's
# language. Two of them answer the query; the others share words with it, or nothing.
_QUERY = N_("Where can I leave my bike for the night?")
_SENTENCES = (
    N_("The bicycle shed behind the station stays open until midnight."),
    N_("You can park your bike in the courtyard overnight."),
    N_("I ride my bike to work every morning."),
    N_("The museum opens at nine on Sundays."),
)


def example_sentences(lang: str) -> tuple[str, list[str]]:
    """(the query, the sentences to search) in `lang`; in French or Arabic the English sentences come too, so
    the search mixes both languages."""
    translated = [translate(text, lang) for text in _SENTENCES]
    english = list(_SENTENCES) if lang != "en" else []
    return translate(_QUERY, lang), translated + english


class LanguagePair(NamedTuple):
    english: str
    translation: str
    same_meaning: float  # similarity of the English sentence and its own translation
    unrelated: float  # similarity of the English sentence and the translation of an unrelated sentence


# Pairs for the measure: each English sentence against its translation, and against the next one's translation.
_MEASURED = (
    N_("The cat is sleeping on the sofa."),
    N_("Interest rates went up again this year."),
    N_("Drink plenty of water when it is hot."),
)


def language_pairs(model: Any, tokenizer: Any, lang: str) -> list[LanguagePair]:
    """For each measured sentence: its similarity to its translation in `lang`, and to an unrelated translation.
    A model that understands `lang` scores the first clearly above the second."""
    english = list(_MEASURED)
    translated = [translate(text, lang) for text in english]
    scores = cosine_similarities(sentence_embeddings(model, tokenizer, english),
                                 sentence_embeddings(model, tokenizer, translated))  # (n, n)
    n = len(english)
    return [LanguagePair(english[i], translated[i], float(scores[i, i]), float(scores[i, (i + 1) % n]))
            for i in range(n)]


def pairs_text(pairs: list[LanguagePair]) -> str:
    """The measure as a table: the translation, its similarity to its English sentence, to an unrelated one."""
    return _table([_("translation"), _("same meaning"), _("unrelated")],
                  [[p.translation, number(p.same_meaning, 2), number(p.unrelated, 2)] for p in pairs])
