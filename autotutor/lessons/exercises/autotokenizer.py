"""Lesson 1's exercises (AutoTokenizer), with `google-bert/bert-base-uncased`'s tokenizer.

    01.pad_batch     every row of a batch exactly 12 tokens: padding, truncation and max_length together
    01.split_words   which words the vocabulary cannot write in one piece (the uncased normalisation counts)

The checks run the learner's function on sentences and words drawn afresh at each check.
"""

from __future__ import annotations

import functools
import random

from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

CHECKPOINT = "google-bert/bert-base-uncased"
LENGTH = 12  # the row length 01.pad_batch asks for

# Words the bert-base-uncased vocabulary holds whole (the checks still ask the tokenizer, never this list).
_COMMON = ("the", "house", "river", "small", "green", "door", "window", "walked", "under", "bright", "morning",
           "garden", "friend", "letter", "quiet", "road", "mountain", "table", "bread", "old", "city", "light")
_SYLLABLES = ("bro", "vil", "quar", "zen", "thol", "mip", "grak", "dwe", "ulo", "spry", "fen", "dak")


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from ...auto import AutoTokenizer

    return AutoTokenizer.from_pretrained(CHECKPOINT)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_COMMON) for _ in range(words)).capitalize() + "."


def _as_lists(encoding: object, key: str) -> list[list[int]] | None:
    """`encoding[key]` as a list of rows of ints (from lists or a tensor), or None when it has no such key."""
    try:
        rows = encoding[key]
    except (KeyError, TypeError, IndexError):
        return None
    rows = rows.tolist() if hasattr(rows, "tolist") else rows
    return [list(row) for row in rows]


# ---------------------------------------------------------------------------------------------------------------
# 01.pad_batch
# ---------------------------------------------------------------------------------------------------------------
def _judge_batch(tokenizer, texts: list[str], encoding: object) -> Verdict | None:
    """What is wrong with `encoding` for `texts`, or None when it is what the task asks."""
    rows = _as_lists(encoding, "input_ids")
    if rows is None:
        return not_yet("not_an_encoding", N_("Not yet: return what the tokenizer returns for the batch (it has "
                                             "`input_ids` and `attention_mask`), not a part of it."))
    if len(rows) != len(texts):
        return not_yet("wrong_rows", N_("Not yet: the batch had {texts} texts but your result has {rows} rows. "
                                        "Pass the whole list to the tokenizer at once."),
                       texts=len(texts), rows=len(rows))
    if any(not row or row[0] != tokenizer.cls_token_id for row in rows):
        return not_yet("no_special_tokens", N_("Not yet: the rows do not start with `[CLS]`. Keep the special "
                                               "tokens (leave `add_special_tokens` at True): the 12 tokens "
                                               "include `[CLS]` and `[SEP]`."))
    lengths = sorted({len(row) for row in rows})
    if lengths[-1] > LENGTH:
        return not_yet("not_truncated", N_("Not yet: a long text gave {length} tokens. Add `truncation=True` "
                                           "with `max_length=12` to cut it."), length=lengths[-1])
    if len(lengths) > 1:
        return not_yet("not_padded", N_("Not yet: the rows have different lengths ({lengths}). `max_length` "
                                        "alone only cuts; to lengthen the short rows to 12 as well, pass "
                                        "`padding=\"max_length\"`."), lengths=lengths)
    if lengths[0] != LENGTH:
        natural = max(len(ids) for ids in tokenizer(texts)["input_ids"])
        if lengths[0] == natural:
            return not_yet("padded_to_longest", N_("Not yet: in a batch of short texts every row has "
                                                   "{length} tokens, the length of the longest one. "
                                                   "`padding=True` pads to the longest row; "
                                                   "`padding=\"max_length\"` pads to `max_length`."),
                           length=lengths[0])
        return not_yet("wrong_length", N_("Not yet: every row has {length} tokens, not 12. The special tokens "
                                          "count: `max_length=12` gives 12 in all."), length=lengths[0])
    expected = tokenizer(texts, padding="max_length", truncation=True, max_length=LENGTH)
    if rows != expected["input_ids"]:
        if any(row[0] == tokenizer.pad_token_id for row in rows):
            return not_yet("padded_left", N_("Not yet: the padding is at the start of the rows. BERT reads "
                                             "`[PAD]` at the end: keep the tokenizer's `padding_side`."))
        return not_yet("wrong_ids", N_("Not yet: the rows have 12 tokens, but not the ids the tokenizer gives "
                                       "these texts. Call the tokenizer on the texts themselves."))
    mask = _as_lists(encoding, "attention_mask")
    if mask is None:
        return not_yet("no_attention_mask", N_("Not yet: the result has no `attention_mask`, so the model "
                                               "would read the `[PAD]` tokens. Return the whole encoding."))
    if mask != expected["attention_mask"]:
        return not_yet("wrong_mask", N_("Not yet: the `attention_mask` does not mark the `[PAD]` tokens with 0 "
                                        "and the others with 1."))
    return None


def check_pad_batch(answer: object) -> Verdict:
    tokenizer, rng = _tokenizer(), random.Random()
    # A mixed batch (one text longer than 12 tokens), then a batch of short texts only: padding to the
    # longest row gives 12 in the first and fewer in the second.
    mixed = [_sentence(rng, rng.randint(2, 5)), _sentence(rng, rng.randint(16, 24)), _sentence(rng, 7)]
    short = [_sentence(rng, rng.randint(2, 4)), _sentence(rng, rng.randint(5, 7))]
    for texts in (mixed, short):
        run = attempt(answer, tokenizer, texts)
        if run.verdict is not None:
            return run.verdict
        verdict = _judge_batch(tokenizer, texts, run.value)
        if verdict is not None:
            return verdict
    return right(N_("Right: every row has exactly 12 tokens, `[CLS]` and `[SEP]` included, long texts cut "
                    "and short ones padded, with the padding masked."))


PAD_BATCH = Exercise(
    id="01.pad_batch",
    lesson="01_autotokenizer",
    title=N_("Rows of exactly 12 tokens"),
    task=N_("Write `pad_batch(tokenizer, texts)`: it returns the encoding of the list `texts` in which **every** "
            "row has exactly 12 tokens, `[CLS]` and `[SEP]` included. Longer texts are cut, shorter ones are "
            "padded, and `attention_mask` marks the padding.\n\n"
            "The check calls your function on batches it makes up: some with a long text, some with short "
            "texts only."),
    hint=N_("Three options work together: `padding=\"max_length\"`, `truncation=True` and `max_length=12`. "
            "`padding=True` pads only to the longest row of the batch."),
    solution='''\
def pad_batch(tokenizer, texts):
    return tokenizer(texts, padding="max_length", truncation=True, max_length=12)
''',
    check=check_pad_batch,
    wrong_example='''\
def pad_batch(tokenizer, texts):
    return tokenizer(texts, padding=True, truncation=True, max_length=12)
''',
    wrong_code="padded_to_longest",
)


# ---------------------------------------------------------------------------------------------------------------
# 01.split_words
# ---------------------------------------------------------------------------------------------------------------
def _words(rng: random.Random) -> list[str]:
    """Common words (some capitalised), and made-up ones that no vocabulary holds whole."""
    common = rng.sample(_COMMON, 4)
    common[0], common[1] = common[0].capitalize(), common[1].upper()
    made_up = ["".join(rng.sample(_SYLLABLES, 3)) for _ in range(2)]
    words = common + made_up
    rng.shuffle(words)
    return words


def check_split_words(answer: object) -> Verdict:
    tokenizer, rng = _tokenizer(), random.Random()
    words = _words(rng)
    expected = [word for word in words if len(tokenizer.tokenize(word)) > 1]
    run = attempt(answer, tokenizer, list(words))
    if run.verdict is not None:
        return run.verdict
    got = run.value
    if not isinstance(got, (list, tuple, set)) or not all(isinstance(word, str) for word in got):
        return not_yet("not_a_list", N_("Not yet: return a list of the words themselves (strings), e.g. "
                                        "`[\"hobbit\"]`."))
    got = list(got)
    if sorted(got) == sorted(expected):
        return right(N_("Right: {words} need several word-pieces; the others, whatever their capitals, are one "
                        "piece each."), words=", ".join(expected))
    if sorted(got) == sorted(words):
        return not_yet("counted_special_tokens", N_("Not yet: your function says every word is split. Did you "
                                                    "count `input_ids`? They include `[CLS]` and `[SEP]`: use "
                                                    "`tokenizer.tokenize(word)`, which gives the pieces alone."))
    vocab = tokenizer.get_vocab()
    if sorted(got) == sorted(word for word in words if word not in vocab):
        return not_yet("ignored_normalization", N_("Not yet: {words} look missing from the vocabulary, but the "
                                                   "tokenizer lowercases first: it writes them in one piece. "
                                                   "Ask the tokenizer (`tokenize`) instead of the vocabulary."),
                       words=", ".join(word for word in got if word not in expected))
    return not_yet("wrong_words", N_("Not yet: for the words {words} the right answer is {expected}, and your "
                                     "function gave {got}."),
                   words=", ".join(words), expected=", ".join(expected) or "[]", got=", ".join(got) or "[]")


SPLIT_WORDS = Exercise(
    id="01.split_words",
    lesson="01_autotokenizer",
    title=N_("Which words fall apart?"),
    task=N_("Write `split_words(tokenizer, words)`: it returns the words of the list `words` that the tokenizer "
            "cannot write as one piece of its vocabulary (they become several word-pieces, as “hobbit” does).\n\n"
            "The check gives your function words it makes up, some of them in capitals."),
    hint=N_("`tokenizer.tokenize(word)` gives the pieces of one word, without `[CLS]` and `[SEP]`. Looking a "
            "word up in the vocabulary yourself forgets that this tokenizer lowercases first."),
    solution='''\
def split_words(tokenizer, words):
    return [word for word in words if len(tokenizer.tokenize(word)) > 1]
''',
    check=check_split_words,
    wrong_example='''\
def split_words(tokenizer, words):
    return [word for word in words if len(tokenizer(word)["input_ids"]) > 1]
''',
    wrong_code="counted_special_tokens",
)

EXERCISES = [PAD_BATCH, SPLIT_WORDS]
