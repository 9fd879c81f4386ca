"""Lesson 8's exercises (AutoModelForCausalLM), with `HuggingFaceTB/SmolLM2-135M-Instruct`.

    08.chat_prompt    a question through the chat template, the assistant's turn opened (add_generation_prompt)
    08.next_token     the most likely next token and its probability: the last position's logits, softmax
    08.left_padding   a batch of prompts ready for generate(): padded on the left, with its attention mask

The model and the tokenizer are loaded once (`functools.lru_cache`); each check runs the model on one short
prompt at most, and never generates. Questions and prompts are made up afresh at each check.
"""

from __future__ import annotations

import copy
import functools
import random
from typing import Any

from ...i18n import N_
from ..automodelforcausallm import CAUSAL_CHECKPOINT
from .base import Exercise, Verdict, _quietly, attempt, not_yet, right

__all__ = ["EXERCISES"]

_CITIES = ("Paris", "Cairo", "Lima", "Oslo", "Nairobi", "Kyoto", "Lisbon", "Quebec", "Dakar", "Hanoi")
_THINGS = ("a bicycle", "a teapot", "a lighthouse", "a violin", "a glacier", "a volcano", "a library", "a comet")


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from ...auto import AutoTokenizer

    return AutoTokenizer.from_pretrained(CAUSAL_CHECKPOINT)


@functools.lru_cache(maxsize=1)
def _model():
    from ...auto import AutoModelForCausalLM

    with _quietly():
        return AutoModelForCausalLM.from_pretrained(CAUSAL_CHECKPOINT).eval()


def _question(rng: random.Random) -> str:
    return rng.choice((
        "What is {a} plus {b}? Answer with a number.",
        "Describe {thing} in one sentence.",
        "Which country is {city} in?",
        "Write a short title for a story about {thing} in {city}.",
    )).format(a=rng.randint(2, 99), b=rng.randint(2, 99), thing=rng.choice(_THINGS), city=rng.choice(_CITIES))


def _ids(value: Any) -> list[int] | None:
    """Token ids from what the learner returned: an encoding, a tensor (1, T) or (T,), or a list."""
    if isinstance(value, dict) or hasattr(value, "keys"):
        try:
            value = value["input_ids"]
        except (KeyError, TypeError):
            return None
    value = value.tolist() if hasattr(value, "tolist") else value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if isinstance(value, list) and all(isinstance(token, int) for token in value):
        return value
    return None


# ---------------------------------------------------------------------------------------------------------------
# 08.chat_prompt
# ---------------------------------------------------------------------------------------------------------------
def _templated(tokenizer: Any, messages: list[dict[str, str]], *, text: bool, opened: bool) -> Any:
    if text:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=opened)
    return tokenizer.apply_chat_template(messages, add_generation_prompt=opened)["input_ids"]


def check_chat_prompt(answer: object) -> Verdict:
    tokenizer, rng = _tokenizer(), random.Random()
    question = _question(rng)
    run = attempt(answer, tokenizer, question)
    if run.verdict is not None:
        return run.verdict
    # Text or ids: both are what the model reads, so both are accepted (and compared in their own kind).
    text = isinstance(run.value, str)
    got = run.value if text else _ids(run.value)
    if got is None:
        return not_yet("not_a_prompt", N_("Not yet: return the prompt as text (`tokenize=False`) or as token ids; "
                                          "your function returned {kind}."), kind=type(run.value).__name__)
    user = [{"role": "user", "content": question}]
    if got == _templated(tokenizer, user, text=text, opened=True):
        return right(N_("Right: the conversation in the model's own format, the question as the user's turn, and "
                        "the assistant's turn opened for the answer."))
    if got == _templated(tokenizer, user, text=text, opened=False):
        return not_yet("no_generation_prompt", N_("Not yet: the prompt ends with the user's turn closed "
                                                  "(`<|im_end|>`). Nothing says it is the assistant's turn, so "
                                                  "the model may go on with more of your question. Pass "
                                                  "`add_generation_prompt=True`."))
    plain = question if text else tokenizer(question)["input_ids"]
    if got == plain:
        return not_yet("no_template", N_("Not yet: this is the question alone. A chat model was trained on "
                                         "conversations in one exact format: build the prompt with "
                                         "`tokenizer.apply_chat_template`, the question as a message whose role "
                                         "is \"user\"."))
    for role in ("system", "assistant"):
        if got == _templated(tokenizer, [{"role": role, "content": question}], text=text, opened=True):
            return not_yet("wrong_role", N_("Not yet: the question went in as a message of the role \"{role}\". "
                                            "It is the user who asks: `\"role\": \"user\"`."), role=role)
    return not_yet("wrong_prompt", N_("Not yet: this is not what the chat template makes of one user message "
                                      "with the question, with the assistant's turn opened."))


CHAT_PROMPT = Exercise(
    id="08.chat_prompt",
    lesson="08_automodelforcausallm",
    title=N_("The prompt a chat model reads"),
    task=N_("Write `chat_prompt(tokenizer, question)`: it returns the prompt SmolLM2-Instruct must read to "
            "answer `question`: the question as the user's message, in the model's chat format, ending where "
            "the assistant's answer begins. Text (`tokenize=False`) or token ids are both fine.\n\n"
            "The check asks your function questions it makes up."),
    hint=N_("`tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)`, where "
            "`messages` is a list with one dictionary: the role \"user\" and the content `question`. Without "
            "`add_generation_prompt=True`, the prompt stops after the user's turn."),
    solution='''\
def chat_prompt(tokenizer, question):
    messages = [{"role": "user", "content": question}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
''',
    check=check_chat_prompt,
    wrong_example='''\
def chat_prompt(tokenizer, question):
    messages = [{"role": "user", "content": question}]
    return tokenizer.apply_chat_template(messages, tokenize=False)
''',
    wrong_code="no_generation_prompt",
)


# ---------------------------------------------------------------------------------------------------------------
# 08.next_token
# ---------------------------------------------------------------------------------------------------------------
def _prompt(rng: random.Random) -> str:
    return rng.choice((
        "The capital of {country} is",
        "My friend from {city} sent me a photo of",
        "Once upon a time, {thing} and",
        "The train from {city} to",
    )).format(country=rng.choice(("France", "Egypt", "Peru", "Norway", "Kenya", "Japan", "Portugal")),
              city=rng.choice(_CITIES), thing=rng.choice(_THINGS))


def check_next_token(answer: object) -> Verdict:
    import torch

    model, tokenizer, rng = _model(), _tokenizer(), random.Random()
    prompt = _prompt(rng)
    run = attempt(answer, model, tokenizer, prompt)
    if run.verdict is not None:
        return run.verdict
    try:
        token, probability = run.value
        probability = float(probability)
    except (TypeError, ValueError, RuntimeError):
        return not_yet("not_a_pair", N_("Not yet: return two things, the token's text and its probability, "
                                        "e.g. `return text, probability`."))
    with torch.no_grad():
        logits = model(**tokenizer(prompt, return_tensors="pt")).logits[0].float()  # (T, vocab)
    probabilities = logits[-1].softmax(-1)
    best = int(probabilities.argmax())
    text = tokenizer.decode([best])
    if not isinstance(token, str):
        try:
            token_id = int(token)
        except (TypeError, ValueError, RuntimeError):
            token_id = None
        if token_id == best:
            return not_yet("id_not_text", N_("Not yet: {token} is the token's id. Return its text: "
                                             "`tokenizer.decode([token_id])`."), token=best)
        return not_yet("not_text", N_("Not yet: the first thing returned should be the token's text, a string."))
    if token == text and abs(probability - float(probabilities[best])) <= 1e-3:
        return right(N_("Right: after “{prompt}”, the model's favourite is {token!r}, with a probability of "
                        "{probability}."), prompt=prompt, token=text, probability=round(probability, 3))
    first = logits[0].softmax(-1)
    if token == tokenizer.decode([int(first.argmax())]) and token != text:
        return not_yet("wrong_position", N_("Not yet: that is the model's guess after the first token of the "
                                            "prompt. The next token of the whole prompt comes from the last "
                                            "position: `logits[0, -1]`."))
    if token == text and abs(probability - float(logits[-1, best])) <= 1e-3:
        return not_yet("logit_not_probability", N_("Not yet: {value} is the token's logit, a raw score. Its "
                                                   "probability is that of softmax over the whole vocabulary: "
                                                   "`logits[0, -1].softmax(dim=-1)`."),
                       value=round(probability, 3))
    if token == text and abs(probability - float(logits.softmax(0)[-1, best])) <= 1e-3:
        return not_yet("softmax_wrong_dim", N_("Not yet: the softmax ran over the positions of the prompt. The "
                                               "probabilities of the next token are spread over the vocabulary, "
                                               "the last dimension: `softmax(dim=-1)`."))
    if token == text:
        return not_yet("wrong_probability", N_("Not yet: the token is right, but its probability is "
                                               "{probability}, not {value}."),
                       probability=round(float(probabilities[best]), 3), value=round(probability, 3))
    return not_yet("wrong_token", N_("Not yet: after “{prompt}”, the most likely next token is not {token!r}. "
                                     "Take the argmax of the last position's probabilities."),
                   prompt=prompt, token=token)


NEXT_TOKEN = Exercise(
    id="08.next_token",
    lesson="08_automodelforcausallm",
    title=N_("The model's favourite next token"),
    task=N_("Write `next_token(model, tokenizer, prompt)`: it returns the token the model finds most likely to "
            "come right after `prompt`, as text, and its probability: `(text, probability)`, for example "
            "`(\" Paris\", 0.83)`.\n\n"
            "The check gives your function prompts it makes up."),
    hint=N_("`model(**tokenizer(prompt, return_tensors=\"pt\")).logits` has the shape (1, tokens, vocabulary). "
            "The next token is scored at the last position, `[0, -1]`; `softmax(dim=-1)` makes probabilities, "
            "`argmax()` finds the best, and `tokenizer.decode([best])` gives its text."),
    solution='''\
import torch

def next_token(model, tokenizer, prompt):
    with torch.no_grad():
        logits = model(**tokenizer(prompt, return_tensors="pt")).logits
    probabilities = logits[0, -1].softmax(dim=-1)
    best = int(probabilities.argmax())
    return tokenizer.decode([best]), float(probabilities[best])
''',
    check=check_next_token,
    wrong_example='''\
import torch

def next_token(model, tokenizer, prompt):
    with torch.no_grad():
        logits = model(**tokenizer(prompt, return_tensors="pt")).logits
    best = int(logits[0, -1].argmax())
    return tokenizer.decode([best]), float(logits[0, -1, best])
''',
    wrong_code="logit_not_probability",
)


# ---------------------------------------------------------------------------------------------------------------
# 08.left_padding
# ---------------------------------------------------------------------------------------------------------------
def _rows(value: Any, key: str) -> list[list[int]] | None:
    if hasattr(value, "shape"):  # a tensor alone: no keys
        return None
    try:
        rows = value[key]
    except (KeyError, TypeError, IndexError):
        return None
    rows = rows.tolist() if hasattr(rows, "tolist") else rows
    return rows if isinstance(rows, list) and all(isinstance(row, list) for row in rows) else None


def check_left_padding(answer: object) -> Verdict:
    rng = random.Random()
    # A copy of the tokenizer for each check: the learner's function may set its padding_side, and the next check
    # must start from the checkpoint's own setting again.
    tokenizer = copy.deepcopy(_tokenizer())
    prompts = [_prompt(rng), f"{_question(rng)} Tell me more about {rng.choice(_THINGS)} and {rng.choice(_CITIES)}.",
               rng.choice(_CITIES)]
    rng.shuffle(prompts)
    run = attempt(answer, tokenizer, list(prompts))
    if run.verdict is not None:
        if getattr(run.error, "key", None) == "input_ids":
            return not_yet("not_padded", N_("Not yet: the prompts have different lengths, so they cannot make one "
                                            "tensor. Pass `padding=True`."))
        return run.verdict
    own = [_tokenizer()(prompt)["input_ids"] for prompt in prompts]
    ids = _rows(run.value, "input_ids")
    if ids is None:
        if hasattr(run.value, "shape"):
            return not_yet("no_attention_mask", N_("Not yet: you returned the ids alone. `generate()` also needs "
                                                   "the `attention_mask`, or it reads the padding as text: return "
                                                   "the whole encoding and call `model.generate(**inputs)`."))
        return not_yet("not_an_encoding", N_("Not yet: return what the tokenizer returns for the batch, with "
                                             "`input_ids` and `attention_mask`."))
    if not hasattr(run.value["input_ids"], "shape"):
        return not_yet("not_tensors", N_("Not yet: the encoding holds lists. `generate()` takes tensors: pass "
                                         "`return_tensors=\"pt\"`."))
    mask = _rows(run.value, "attention_mask")
    if mask is None:
        return not_yet("no_attention_mask", N_("Not yet: you returned the ids alone. `generate()` also needs "
                                               "the `attention_mask`, or it reads the padding as text: return "
                                               "the whole encoding and call `model.generate(**inputs)`."))
    width = max(len(row) for row in own)
    pad = tokenizer.pad_token_id
    left = [[pad] * (width - len(row)) + row for row in own]
    right_padded = [row + [pad] * (width - len(row)) for row in own]
    if len(ids) != len(prompts):
        return not_yet("wrong_rows", N_("Not yet: {prompts} prompts should give {prompts} rows; your batch has "
                                        "{rows}."), prompts=len(prompts), rows=len(ids))
    if ids == right_padded:
        return not_yet("wrong_padding_side", N_("Not yet: the padding is at the end of the short prompts. A "
                                                "decoder-only model writes its next token after the last "
                                                "position, which would be padding: pad on the left "
                                                "(`tokenizer.padding_side = \"left\"`), so that every prompt ends "
                                                "at the last column."))
    if ids != left:
        return not_yet("wrong_ids", N_("Not yet: the rows are not the prompts' own tokens padded to the longest "
                                       "one. Tokenize the list of prompts itself, with `padding=True`."))
    if mask != [[0] * (width - len(row)) + [1] * len(row) for row in own]:
        return not_yet("wrong_mask", N_("Not yet: the `attention_mask` should have a 0 for each padding token "
                                        "and a 1 for each token of a prompt."))
    return right(N_("Right: {rows} prompts padded on the left to {width} tokens, so that each one ends at the "
                    "last column, where `generate()` adds the next token."), rows=len(ids), width=width)


LEFT_PADDING = Exercise(
    id="08.left_padding",
    lesson="08_automodelforcausallm",
    title=N_("A batch of prompts for generate()"),
    task=N_("Write `batch_for_generation(tokenizer, prompts)`: it returns the tokenizer's encoding of the list "
            "`prompts`, as tensors, ready for `model.generate(**inputs)` to continue every prompt of the batch "
            "at once.\n\n"
            "The check gives your function prompts of very different lengths, and a tokenizer with the "
            "checkpoint's own settings."),
    hint=N_("The prompts need padding to make one tensor (`padding=True`). `generate()` writes each new token "
            "after the last column, so that column must hold every prompt's last token, not padding: which side "
            "the tokenizer pads is its `padding_side`."),
    solution='''\
def batch_for_generation(tokenizer, prompts):
    tokenizer.padding_side = "left"
    return tokenizer(prompts, padding=True, return_tensors="pt")
''',
    check=check_left_padding,
    wrong_example='''\
def batch_for_generation(tokenizer, prompts):
    return tokenizer(prompts, padding=True, return_tensors="pt")
''',
    wrong_code="wrong_padding_side",
)

EXERCISES = [CHAT_PROMPT, NEXT_TOKEN, LEFT_PADDING]
