"""Lesson 6's exercises (AutoModel: one checkpoint, several heads), with `distilbert/distilbert-base-uncased` and
`sentence-transformers/all-MiniLM-L6-v2`.

    06.token_logits     the checkpoint loaded for token classification with your labels: logits (1, tokens, labels)
    06.probabilities    a sentence classifier's logits → a probability for each named label (softmax)
    06.similarity       two sentences compared: mean pooling with the attention mask, then cosine similarity

The checks draw the labels, the sentences and the classifier's head afresh at each check.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

from ...i18n import N_
from ..embeddings import EMBEDDING_CHECKPOINT, mean_pooling
from .base import Exercise, Verdict, _quietly, attempt, not_yet, right

__all__ = ["EXERCISES"]

CHECKPOINT = "distilbert/distilbert-base-uncased"

_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-DATE", "I-DATE", "B-MISC", "I-MISC")
_SENTIMENTS = ("negative", "neutral", "positive", "mixed", "sarcastic", "angry", "delighted")
_NAMES = ("Ada", "Hélène", "Omar", "Lin", "Kofi", "Marta", "Yusuf", "Ines")
_PLACES = ("Lyon", "Cairo", "Oslo", "Lima", "Nairobi", "Kyoto", "Porto", "Quebec")
# Pairs for the similarity: a short sentence and a long one, so that a batch of the two holds padding.
_SHORT = ("A cat sleeps.", "It is raining.", "Prices went up.", "I like tea.", "The train is late.")
_LONG = ("My neighbour's old grey cat spends most of the afternoon asleep on the warm windowsill.",
         "Heavy rain has been falling over the whole city since early this morning, and the streets are flooded.",
         "The cost of bread, milk and rent has risen again this year, faster than most people's wages.",
         "Every morning before work I make myself a large pot of green tea and drink it slowly.",
         "Our train to the coast left forty minutes behind schedule because of a signal failure near the station.")


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from ...auto import AutoTokenizer

    return AutoTokenizer.from_pretrained(CHECKPOINT)


@functools.lru_cache(maxsize=1)
def _embedder():
    from ...auto import AutoModel, AutoTokenizer

    with _quietly():
        model = AutoModel.from_pretrained(EMBEDDING_CHECKPOINT)
    return model.eval(), AutoTokenizer.from_pretrained(EMBEDDING_CHECKPOINT)


def _sentence(rng: random.Random) -> str:
    return rng.choice((
        "{name} flew from {place} to {other} last week.",
        "{name} works for a bakery in {place}.",
        "Yesterday {name} and {other_name} visited {place}.",
    )).format(name=rng.choice(_NAMES), other_name=rng.choice(_NAMES), place=rng.choice(_PLACES),
              other=rng.choice(_PLACES))


def _shape(value: Any) -> tuple[int, ...] | None:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else None


# ---------------------------------------------------------------------------------------------------------------
# 06.token_logits
# ---------------------------------------------------------------------------------------------------------------
def check_token_logits(answer: object) -> Verdict:
    rng = random.Random()
    labels = rng.sample(_LABELS, rng.randint(3, 7))
    text = _sentence(rng)
    run = attempt(answer, CHECKPOINT, list(labels), text)
    if run.verdict is not None:
        return run.verdict
    shape = _shape(run.value)
    if shape is None:
        return not_yet("not_a_tensor", N_("Not yet: return the logits themselves (the tensor `outputs.logits`), "
                                          "not {kind}."), kind=type(run.value).__name__)
    tokens = len(_tokenizer()(text)["input_ids"])
    expected = (1, tokens, len(labels))
    if shape == expected:
        return right(N_("Right: {shape}, one score for each of the {labels} labels at each of the {tokens} tokens "
                        "(`[CLS]` and `[SEP]` included)."), shape=expected, labels=len(labels), tokens=tokens)
    if shape == (1, len(labels)):
        return not_yet("sequence_head", N_("Not yet: the shape is {shape}, one row for the whole sentence: that is "
                                           "a sequence classifier. Labelling each token takes "
                                           "`AutoModelForTokenClassification`."), shape=shape)
    if len(shape) == 3 and shape[:2] == expected[:2] and shape[2] == 2:
        return not_yet("default_labels", N_("Not yet: the head gives 2 scores per token, the default. Tell "
                                            "`from_pretrained` how many labels there are: `num_labels=len(labels)`, "
                                            "or name them with `id2label`."))
    if shape == expected[1:]:
        return not_yet("batch_dim_dropped", N_("Not yet: the shape is {shape}: the batch dimension is gone. Return "
                                               "`outputs.logits` as the model gives it, {expected}."),
                       shape=shape, expected=expected)
    if len(shape) == 3 and shape[2] == len(labels) and shape[1] != tokens:
        return not_yet("wrong_tokens", N_("Not yet: the logits cover {got} positions, but the tokenizer makes "
                                          "{tokens} tokens of this sentence (with `[CLS]` and `[SEP]`). Run the "
                                          "model on the tokenizer's output for the sentence itself."),
                       got=shape[1], tokens=tokens)
    return not_yet("wrong_shape", N_("Not yet: the logits have the shape {shape}; for this sentence and {labels} "
                                     "labels they should be {expected}."), shape=shape, labels=len(labels),
                   expected=expected)


TOKEN_LOGITS = Exercise(
    id="06.token_logits",
    lesson="06_automodel",
    title=N_("A head for your labels"),
    task=N_("You want to label each word of a sentence with tags such as `B-PER` (a person's name begins) or `O` "
            "(outside any name). Write `token_logits(checkpoint, labels, text)`: it loads `checkpoint` with a "
            "token-classification head that has one output per label of the list `labels`, runs it on `text` "
            "and returns the logits.\n\n"
            "The check calls your function with DistilBERT, lists of labels of different lengths, and sentences "
            "it makes up. The head is new, so its numbers are random: the check looks at the shape."),
    hint=N_("`AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=len(labels))`, or "
            "`id2label=dict(enumerate(labels))` to name them too. Tokenize `text` with "
            "`return_tensors=\"pt\"` and return `model(**inputs).logits`."),
    solution='''\
import torch
from autotutor import AutoModelForTokenClassification, AutoTokenizer

def token_logits(checkpoint, labels, text):
    model = AutoModelForTokenClassification.from_pretrained(
        checkpoint, id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    inputs = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return model(**inputs).logits
''',
    check=check_token_logits,
    wrong_example='''\
import torch
from autotutor import AutoModelForTokenClassification, AutoTokenizer

def token_logits(checkpoint, labels, text):
    model = AutoModelForTokenClassification.from_pretrained(checkpoint)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    with torch.no_grad():
        return model(**tokenizer(text, return_tensors="pt")).logits
''',
    wrong_code="default_labels",
)


# ---------------------------------------------------------------------------------------------------------------
# 06.probabilities
# ---------------------------------------------------------------------------------------------------------------
def _classifier(rng: random.Random, labels: list[str]):
    """DistilBERT with a new sequence-classification head for `labels`, its head made decisive: weights drawn
    larger than an untrained head's, so that the probabilities differ clearly from one label to the next."""
    import torch

    from ...auto import AutoModelForSequenceClassification

    with _quietly():
        model = AutoModelForSequenceClassification.from_pretrained(
            CHECKPOINT, id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    with torch.no_grad():
        weight = model.classifier.weight
        weight.copy_(torch.randn(weight.shape, generator=generator) * 0.3)
    return model.eval()


def _as_dict(value: Any) -> dict[Any, float] | None:
    try:
        return {key: float(probability) for key, probability in dict(value).items()}
    except (TypeError, ValueError):
        return None


def _same(got: dict[str, float], numbers: list[float], labels: list[str], tolerance: float = 1e-3) -> bool:
    return all(abs(got[label] - number) <= tolerance for label, number in zip(labels, numbers))


def check_probabilities(answer: object) -> Verdict:
    import torch

    rng = random.Random()
    labels = rng.sample(_SENTIMENTS, rng.randint(3, 5))
    model, tokenizer, text = _classifier(rng, labels), _tokenizer(), _sentence(rng)
    run = attempt(answer, model, tokenizer, text)
    if run.verdict is not None:
        return run.verdict
    got = _as_dict(run.value)
    if got is None:
        return not_yet("not_a_dict", N_("Not yet: return a dictionary that maps each label's name to its "
                                        "probability, e.g. `dict(zip(names, numbers))`."))
    with torch.no_grad():
        logits = model(**tokenizer(text, return_tensors="pt")).logits[0]  # (labels,)
    if set(got) != set(labels):
        numbered = {f"LABEL_{i}" for i in range(len(labels))} | set(range(len(labels)))
        if set(got) <= numbered and len(got) == len(labels):
            return not_yet("labels_not_named", N_("Not yet: the keys are numbers, not the labels' names. "
                                                  "`model.config.id2label` maps each position to its name."))
        return not_yet("wrong_labels", N_("Not yet: the keys should be this model's labels, {labels}; your "
                                          "dictionary has {keys}."),
                       labels=", ".join(labels), keys=", ".join(map(str, got)))
    if _same(got, logits.softmax(-1).tolist(), labels):
        return right(N_("Right: {best} is the most probable label, at {probability}, and the {count} "
                        "probabilities add up to 1."), best=max(got, key=got.get),
                     probability=round(max(got.values()), 3), count=len(labels))
    if _same(got, logits.tolist(), labels):
        return not_yet("logits_not_probabilities", N_("Not yet: these are the logits, raw scores that can be any "
                                                      "number (they add up to {total}). Softmax turns them into "
                                                      "probabilities between 0 and 1 that add up to 1: "
                                                      "`logits.softmax(dim=-1)`."),
                       total=round(sum(got.values()), 3))
    if all(abs(probability - 1) <= 1e-4 for probability in got.values()):
        return not_yet("softmax_wrong_dim", N_("Not yet: every label got 1.0. The softmax ran over the batch "
                                               "dimension, which holds one sentence; take it over the labels, the "
                                               "last dimension: `softmax(dim=-1)`."))
    if _same(got, logits.sigmoid().tolist(), labels):
        return not_yet("sigmoid_not_softmax", N_("Not yet: each number is between 0 and 1, but together they add "
                                                 "up to {total}: that is the sigmoid, label by label. One label "
                                                 "out of several takes softmax, which shares 1 among them."),
                       total=round(sum(got.values()), 3))
    return not_yet("wrong_probabilities", N_("Not yet: the probabilities add up to {total}, and they are not "
                                             "softmax of this model's logits for the sentence."),
                   total=round(sum(got.values()), 3))


PROBABILITIES = Exercise(
    id="06.probabilities",
    lesson="06_automodel",
    title=N_("From logits to named probabilities"),
    task=N_("Write `label_probabilities(model, tokenizer, text)`: it runs the sentence classifier `model` on "
            "`text` and returns a dictionary mapping each label's name to its probability, for example "
            "`{\"negative\": 0.12, \"positive\": 0.88}`.\n\n"
            "The check gives your function classifiers with labels and heads it makes up, so the names and the "
            "numbers change from one check to the next."),
    hint=N_("`model(**tokenizer(text, return_tensors=\"pt\")).logits` has the shape (1, labels). "
            "`softmax(dim=-1)` turns a row of logits into probabilities, and `model.config.id2label[i]` is the "
            "name of position i."),
    solution='''\
import torch

def label_probabilities(model, tokenizer, text):
    with torch.no_grad():
        logits = model(**tokenizer(text, return_tensors="pt")).logits[0]
    probabilities = logits.softmax(dim=-1)
    return {model.config.id2label[i]: float(p) for i, p in enumerate(probabilities)}
''',
    check=check_probabilities,
    wrong_example='''\
import torch

def label_probabilities(model, tokenizer, text):
    with torch.no_grad():
        logits = model(**tokenizer(text, return_tensors="pt")).logits[0]
    return {model.config.id2label[i]: float(score) for i, score in enumerate(logits)}
''',
    wrong_code="logits_not_probabilities",
)


# ---------------------------------------------------------------------------------------------------------------
# 06.similarity
# ---------------------------------------------------------------------------------------------------------------
def _cosine(a: Any, b: Any) -> float:
    import torch

    return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


def check_similarity(answer: object) -> Verdict:
    import torch

    model, tokenizer = _embedder()
    rng = random.Random()
    pair = [rng.choice(_SHORT), rng.choice(_LONG)]
    rng.shuffle(pair)
    run = attempt(answer, model, tokenizer, pair[0], pair[1])
    if run.verdict is not None:
        return run.verdict
    try:
        got = float(run.value)
    except (TypeError, ValueError, RuntimeError):
        return not_yet("not_a_number", N_("Not yet: return one number, the cosine similarity of the two "
                                          "sentences (`float(...)` turns a one-number tensor into one)."))
    inputs = tokenizer(pair, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state  # (2, T, 384), the short sentence padded
    pooled = mean_pooling(hidden, inputs["attention_mask"])  # (2, 384)
    expected = _cosine(pooled[0], pooled[1])
    if math.isclose(got, expected, abs_tol=1e-3):
        return right(N_("Right: a similarity of {value} for these two sentences."), value=round(expected, 3))
    unmasked = hidden.mean(dim=1)  # padding averaged in
    if math.isclose(got, _cosine(unmasked[0], unmasked[1]), abs_tol=1e-3):
        return not_yet("mask_ignored", N_("Not yet: the average took in the padding of the shorter sentence. In a "
                                          "batch, multiply the token vectors by the attention mask before "
                                          "summing, and divide by the number of real tokens."))
    if math.isclose(got, _cosine(hidden[0, 0], hidden[1, 0]), abs_tol=1e-3):
        return not_yet("cls_vector", N_("Not yet: you compared the first token's vectors (`[CLS]`). This model "
                                        "was trained to compare the mean of all the real tokens' vectors: mean "
                                        "pooling, with the attention mask."))
    if math.isclose(got, float(pooled[0] @ pooled[1]), rel_tol=1e-3):
        return not_yet("not_normalised", N_("Not yet: {value} is the dot product of the two vectors, which grows "
                                            "with their lengths. Scale each vector to length 1 first "
                                            "(`torch.nn.functional.normalize`), or use "
                                            "`torch.nn.functional.cosine_similarity`."), value=round(got, 3))
    if not -1.0001 <= got <= 1.0001:
        return not_yet("out_of_range", N_("Not yet: {value} cannot be a cosine similarity, which lies between -1 "
                                          "and 1."), value=round(got, 3))
    return not_yet("wrong_similarity", N_("Not yet: your function gave {value} for these two sentences; mean "
                                          "pooling with the attention mask, then the cosine, gives another "
                                          "number."), value=round(got, 3))


SIMILARITY = Exercise(
    id="06.similarity",
    lesson="06_automodel",
    title=N_("How close are two sentences?"),
    task=N_("Write `similarity(model, tokenizer, a, b)`: it returns the cosine similarity of the sentences `a` "
            "and `b`, as all-MiniLM-L6-v2 was trained to compare them: each sentence's token vectors "
            "(`last_hidden_state`) averaged over its real tokens (mean pooling), then the cosine of the two "
            "averages.\n\n"
            "The check gives your function MiniLM and pairs of sentences of very different lengths."),
    hint=N_("Tokenize both sentences at once with `padding=True`: the shorter one gets padding, and "
            "`attention_mask` marks it with 0. Mean pooling multiplies the vectors by the mask "
            "(`mask.unsqueeze(-1)`) before summing, and divides by `mask.sum`; "
            "`torch.nn.functional.cosine_similarity(u, v, dim=0)` gives the cosine."),
    solution='''\
import torch

def similarity(model, tokenizer, a, b):
    inputs = tokenizer([a, b], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state          # (2, tokens, 384)
    mask = inputs["attention_mask"].unsqueeze(-1).float()    # (2, tokens, 1)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)    # (2, 384)
    return float(torch.nn.functional.cosine_similarity(pooled[0], pooled[1], dim=0))
''',
    check=check_similarity,
    wrong_example='''\
import torch

def similarity(model, tokenizer, a, b):
    inputs = tokenizer([a, b], padding=True, return_tensors="pt")
    with torch.no_grad():
        pooled = model(**inputs).last_hidden_state.mean(dim=1)
    return float(torch.nn.functional.cosine_similarity(pooled[0], pooled[1], dim=0))
''',
    wrong_code="mask_ignored",
)

EXERCISES = [TOKEN_LOGITS, PROBABILITIES, SIMILARITY]
