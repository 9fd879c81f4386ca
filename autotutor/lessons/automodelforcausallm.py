"""What lesson 8 (AutoModelForCausalLM: writing text, one token at a time) shows, as plain functions: the
notebook's cells and the generation explorer call these, and tests/test_lesson_automodelforcausallm.py checks them.

    model_facts(model)                      class, parameters, layers, vocabulary: the model in a few lines
    prompt_pieces(tokenizer, text)          a prompt → (position, id, piece) rows, and `pieces_text` to print them
    next_token_probabilities(model, ids)    the model's probabilities for the token after `ids`, (vocab,)
    top_candidates(tokenizer, probs, k)     the k most likely next tokens, and `draw_candidates` as a picture
    greedy_by_hand(model, ids, n)           greedy decoding written out: argmax, append, repeat
    filtered_distributions(logits, ...)     the distribution after temperature, top-k, top-p (the library's
                                            own processors, in generate()'s order)
    choose_next(stage, ...)                 the next token from a distribution: the best one, or a seeded draw
    cache_timing(model, ids)                one step with and without the key/value cache, measured
    chat_prompt(...), answer(...)           a question through the chat template, and the model's answer
    LIMIT_QUESTIONS, answers_in_languages   the same question in English, French and Arabic
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from PIL import Image, ImageDraw, features

from ..i18n import _, direction, display_width, number, printed
from ..logits_processing import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper
from .pictures import font
from .quiz import QuizQuestion

__all__ = [
    "CAUSAL_CHECKPOINT",
    "LIMIT_QUESTIONS",
    "CacheTiming",
    "Candidate",
    "Piece",
    "Stage",
    "answer",
    "answers_in_languages",
    "answers_text",
    "cache_question",
    "cache_timing",
    "cache_timing_text",
    "candidates_text",
    "chat_prompt",
    "choose_next",
    "draw_candidates",
    "filtered_distributions",
    "generation_prompt",
    "greedy_by_hand",
    "model_facts",
    "next_token_logits",
    "next_token_probabilities",
    "pieces_text",
    "prompt_pieces",
    "shown_token",
    "stages_text",
    "top_candidates",
    "top_p_question",
]

# A real instruction-tuned model, small enough for a laptop: the course pack holds its published weights.
CAUSAL_CHECKPOINT = "HuggingFaceTB/SmolLM2-135M-Instruct"

_BAR = "#56b4e9"  # Okabe-Ito sky blue, as in the other lessons' bars


def _table(head: list[str], body: list[list[str]]) -> str:
    # Widths as shown: an Arabic short vowel is a character that takes no column.
    widths = [max(display_width(row[i]) for row in [head, *body]) + 2 for i in range(len(head))]
    lines = ["".join(cell + " " * (w - display_width(cell)) for cell, w in zip(row, widths)).rstrip()
             for row in [head, *body]]
    return printed("\n".join(lines))


def model_facts(model: Any) -> str:
    """The model in a few lines: its class, how many parameters, layers and heads, the vocabulary's size."""
    config = model.config
    parameters = sum(p.numel() for p in model.parameters())
    rows = [
        [_("class"), type(model).__name__],
        [_("parameters"), number(parameters)],
        [_("layers"), number(config.num_hidden_layers)],
        [_("vector size"), number(config.hidden_size)],
        [_("attention heads: queries / keys and values"), f"{config.num_attention_heads} / {config.num_key_value_heads}"],
        [_("vocabulary"), number(config.vocab_size)],
    ]
    return _table([_("what"), _("value")], rows)


# ---------------------------------------------------------------------------------------------------------------
# From a prompt to tokens, and from logits to the next token
# ---------------------------------------------------------------------------------------------------------------
def shown_token(text: str) -> str:
    """A token's text made visible: a leading space as `␣`, a line break as `\\n` (otherwise both vanish)."""
    return text.replace(" ", "␣").replace("\n", "\\n")


class Piece(NamedTuple):
    position: int
    token_id: int
    text: str  # the token decoded alone, spaces made visible


def prompt_pieces(tokenizer: Any, text: str) -> list[Piece]:
    """The prompt as the model reads it: one row per token, with its id and its text."""
    ids = tokenizer(text)["input_ids"]
    return [Piece(i, token_id, shown_token(tokenizer.decode([token_id]))) for i, token_id in enumerate(ids)]


def pieces_text(pieces: list[Piece]) -> str:
    return _table([_("position"), _("id"), _("token")], [[str(p.position), str(p.token_id), p.text] for p in pieces])


def next_token_logits(model: Any, input_ids: Any) -> Any:
    """The model's scores for the token that follows `input_ids` (1, T): the last position's logits, (vocab,)."""
    import torch

    model.eval()
    with torch.no_grad():
        return model(input_ids).logits[0, -1].float()  # (T, vocab) → the last row


def next_token_probabilities(model: Any, input_ids: Any) -> Any:
    """softmax of the last position's logits: one probability per vocabulary entry, adding up to 1."""
    return next_token_logits(model, input_ids).softmax(dim=-1)


class Candidate(NamedTuple):
    token_id: int
    text: str  # spaces made visible
    probability: float


def top_candidates(tokenizer: Any, probabilities: Any, k: int = 10) -> list[Candidate]:
    """The `k` most likely next tokens, best first (tokens with probability 0, filtered out, are left out)."""
    values, ids = probabilities.topk(min(k, probabilities.shape[-1]))
    return [Candidate(int(i), shown_token(tokenizer.decode([int(i)])), float(p))
            for p, i in zip(values, ids) if float(p) > 0]


def candidates_text(candidates: list[Candidate]) -> str:
    return _table([_("token"), _("id"), _("probability")],
                  [[c.text, str(c.token_id), number(c.probability, 3)] for c in candidates])


def draw_candidates(candidates: list[Candidate], title: str = "") -> Image.Image:
    """The candidates as horizontal bars, best on top: the token's text, a bar as long as its probability, the
    probability. Mirrored in a right-to-left language (text on the right, bars growing to the left)."""
    row_h, margin, label_w, bar_w, value_w = 28, 20, 150, 360, 70
    title_h = 34 if title else 0
    width = 2 * margin + label_w + bar_w + value_w
    height = 2 * margin + title_h + max(len(candidates), 1) * row_h
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    rtl = direction() == "rtl"
    if title:
        left = width - margin - draw.textlength(title, font=font(16)) if rtl else margin
        draw.text((left, margin), title, fill="black", font=font(16))
    scale = max([c.probability for c in candidates] + [1e-9])  # the best token gets the full bar
    # A token is code: laid out left to right even in an Arabic picture, so `␣Paris` keeps its space in front.
    ltr = {"direction": "ltr"} if features.check("raqm") else {}
    for row, candidate in enumerate(candidates):
        top = margin + title_h + row * row_h
        length = bar_w * candidate.probability / scale
        value = number(candidate.probability, 3)
        label_width = draw.textlength(candidate.text, font=font(15), **ltr)
        if rtl:
            right = width - margin
            draw.text((right - label_width, top + 4), candidate.text, fill="black", font=font(15), **ltr)
            bar_right = right - label_w
            draw.rectangle((bar_right - length, top + 4, bar_right, top + row_h - 4), fill=_BAR, outline="#333333")
            value_width = draw.textlength(value, font=font(14))
            draw.text((bar_right - length - 8 - value_width, top + 5), value, fill="black", font=font(14))
        else:
            draw.text((margin + label_w - 10 - label_width, top + 4), candidate.text, fill="black", font=font(15),
                      **ltr)
            bar_left = margin + label_w
            draw.rectangle((bar_left, top + 4, bar_left + length, top + row_h - 4), fill=_BAR, outline="#333333")
            draw.text((bar_left + length + 8, top + 5), value, fill="black", font=font(14))
    return image


# ---------------------------------------------------------------------------------------------------------------
# Greedy decoding, written out
# ---------------------------------------------------------------------------------------------------------------
def greedy_by_hand(model: Any, input_ids: Any, max_new_tokens: int, eos_token_id: int | None = None) -> Any:
    """What `generate(do_sample=False)` does, without its cache: run the model on the whole text, take the most
    likely next token (argmax), append it, and repeat; stop early at `eos_token_id`. Returns (1, T + new) ids."""
    import torch

    ids = input_ids
    for _step in range(max_new_tokens):
        next_id = next_token_logits(model, ids).argmax()  # the best token: greedy
        ids = torch.cat([ids, next_id.view(1, 1)], dim=-1)  # (1, T + 1)
        if eos_token_id is not None and int(next_id) == eos_token_id:
            break
    return ids


# ---------------------------------------------------------------------------------------------------------------
# Sampling: temperature, top-k, top-p
# ---------------------------------------------------------------------------------------------------------------
class Stage(NamedTuple):
    name: str  # "model", "temperature", "top-k", "top-p"
    setting: str  # the argument as written in code, e.g. "top_k=50"; "" for the model's own distribution
    scores: Any  # (vocab,) scores after this stage; a filtered token has -inf
    probabilities: Any  # (vocab,) softmax of the scores

    @property
    def kept(self) -> int:
        """How many tokens can still be chosen."""
        return int((self.probabilities > 0).sum())


def filtered_distributions(logits: Any, *, temperature: float = 1.0, top_k: int = 0,
                           top_p: float = 1.0) -> list[Stage]:
    """The distribution a sampled token is drawn from, stage by stage, with the processors generate() uses,
    in its order: the model's own, after the temperature, after top-k, after top-p. A stage that is off
    (temperature 1, top_k 0, top_p 1) changes nothing and is still shown."""
    scores = logits.float().reshape(1, -1)  # the processors work on (B, vocab)
    stages = [Stage("model", "", scores[0], scores[0].softmax(-1))]
    steps = [("temperature", f"temperature={temperature}", TemperatureLogitsWarper(temperature), True),
             ("top-k", f"top_k={top_k}", TopKLogitsWarper(top_k) if top_k else None, bool(top_k)),
             ("top-p", f"top_p={top_p}", TopPLogitsWarper(top_p), top_p < 1.0)]
    for name, setting, processor, active in steps:
        if active:
            scores = processor(None, scores)
        stages.append(Stage(name, setting, scores[0], scores[0].softmax(-1)))
    return stages


def stages_text(stages: list[Stage], tokenizer: Any, k: int = 3) -> str:
    """Each stage in one row: the setting, how many tokens are left, and the k most likely with probabilities."""
    body = []
    for stage in stages:
        best = ", ".join(f"{c.text} {number(c.probability, 2)}"
                         for c in top_candidates(tokenizer, stage.probabilities, k))
        body.append([stage.setting or _("the model"), number(stage.kept), best])
    return _table([_("after"), _("tokens left"), _("most likely")], body)


def choose_next(stage: Stage, *, sample: bool, generator: Any = None) -> int:
    """The next token from a distribution: its most likely token (greedy), or one drawn at random with the
    probabilities as weights (sampling); a seeded `torch.Generator` makes the draw the same on every run."""
    import torch

    if not sample:
        return int(stage.probabilities.argmax())
    return int(torch.multinomial(stage.probabilities, 1, generator=generator))


# ---------------------------------------------------------------------------------------------------------------
# The key/value cache, measured
# ---------------------------------------------------------------------------------------------------------------
class CacheTiming(NamedTuple):
    prompt_length: int  # tokens already there before the step
    without_cache: float  # seconds for one step that runs the whole text again
    with_cache: float  # seconds for one step that runs the new token alone against the cache

    @property
    def ratio(self) -> float:
        return self.without_cache / self.with_cache


def cache_timing(model: Any, input_ids: Any, repeats: int = 3) -> CacheTiming:
    """Time one generation step both ways, best of `repeats`: without a cache the model reads all T + 1 tokens
    again; with one it reads the new token only, against the keys and values kept from the first T.

    Both are timed on one CPU thread: on a machine shared with other programs, threads that wait for each other
    would measure the waiting, not the work."""
    import torch

    from ..cache import KeyValueCache

    model.eval()
    next_id = input_ids[:, -1:]  # any token will do as "the new one": the work is the same
    longer = torch.cat([input_ids, next_id], dim=-1)  # (1, T + 1)
    without, with_cache = [], []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            for _repeat in range(repeats):
                start = time.perf_counter()
                model(longer)
                without.append(time.perf_counter() - start)
                cache = model(input_ids, past_key_values=KeyValueCache(), use_cache=True).past_key_values  # untimed
                start = time.perf_counter()
                model(next_id, past_key_values=cache, use_cache=True)
                with_cache.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return CacheTiming(input_ids.shape[1], min(without), min(with_cache))


def cache_timing_text(timing: CacheTiming) -> str:
    """The measure in three lines, milliseconds with one decimal, as the language writes numbers."""
    lines = [
        _("tokens already there: {count}").format(count=number(timing.prompt_length)),
        _("one step without the cache: {time} ms").format(time=number(timing.without_cache * 1000, 1)),
        _("one step with the cache: {time} ms").format(time=number(timing.with_cache * 1000, 1)),
        _("the cache makes this step {ratio} times faster").format(ratio=number(timing.ratio, 1)),
    ]
    return printed("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# Chat: the template, the answer
# ---------------------------------------------------------------------------------------------------------------
def chat_prompt(tokenizer: Any, question: str, *, add_generation_prompt: bool = True) -> str:
    """The text the model really reads for one user message: the chat template rendered, special tokens and all."""
    return tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                         add_generation_prompt=add_generation_prompt)


def generation_prompt(tokenizer: Any, question: str) -> str:
    """What `add_generation_prompt=True` adds at the end: the opening of the assistant's turn."""
    without = chat_prompt(tokenizer, question, add_generation_prompt=False)
    with_prompt = chat_prompt(tokenizer, question, add_generation_prompt=True)
    assert with_prompt.startswith(without)  # the template only appends
    return with_prompt[len(without):]


def answer(model: Any, tokenizer: Any, question: str, *, max_new_tokens: int = 30, streamer: Any = None) -> str:
    """The model's answer to one question, greedy: the chat template, generate(), the new tokens decoded."""
    inputs = tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                           return_tensors="pt")
    output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, streamer=streamer)
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


# The same question in three languages: these are the model's input, the words a learner would type, so they stay
# in their own language whatever the lesson's language (they are not translated prose).
LIMIT_QUESTIONS = {
    "en": "What is the capital of France? Answer in one sentence.",
    "fr": "Quelle est la capitale de la France ? Répondez en une phrase.",
    "ar": "ما هي عاصمة فرنسا؟ أجب بجملة واحدة.",
}


def answers_text(rows: list[tuple[str, str, str]]) -> str:
    """Each question, then the model's answer as Python writes it (its line breaks shown as \\n), for print();
    in Arabic each line is isolated (`printed`), so a French question keeps its order there too."""
    return printed("\n\n".join(f"{question}\n→ {reply!r}" for _lang, question, reply in rows))


def answers_in_languages(model: Any, tokenizer: Any, languages: tuple[str, ...] = ("en", "fr", "ar"), *,
                         max_new_tokens: int = 30) -> list[tuple[str, str, str]]:
    """(language, question, the model's greedy answer) for each language of LIMIT_QUESTIONS asked, whatever the
    answer is."""
    return [(lang, LIMIT_QUESTIONS[lang],
             answer(model, tokenizer, LIMIT_QUESTIONS[lang], max_new_tokens=max_new_tokens)) for lang in languages]


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def top_p_question() -> QuizQuestion:
    """What top-p keeps (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("The model gives the next token these probabilities: 0.5, 0.3, 0.1, 0.05, 0.05. With "
                   "`top_p=0.8`, which tokens can still be drawn?"),
        choices=(
            _("The first two: together they reach 0.8."),
            _("Every token whose probability is at least 0.8: none of them."),
            _("The best 80 percent of the vocabulary: four of the five."),
            _("Only the first: top-p always keeps the best token alone."),
        ),
        feedback=(
            _("Right: top-p keeps the fewest best tokens whose probabilities add up to at least `top_p`. "
              "0.5 + 0.3 = 0.8, so the other three are filtered out."),
            _("top-p adds probabilities up, best first, until the total reaches `top_p`: it never compares "
              "one probability with `top_p`."),
            _("top-p counts probability, not tokens: a confident model may keep one token, a hesitant one "
              "hundreds."),
            _("That is greedy decoding. top-p keeps as many tokens as it takes to reach `top_p`."),
        ),
        answer=0,
    )


def cache_question() -> QuizQuestion:
    """What the key/value cache saves (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("Why is the second step of `generate()` cheaper than the first when `use_cache=True`?"),
        choices=(
            _("The model keeps every layer's keys and values of the tokens it has read, so it runs only the "
              "new token."),
            _("The cache stores the answers to questions the model has already been asked."),
            _("The second step uses a smaller model."),
            _("The second step skips the attention layers."),
        ),
        feedback=(
            _("Right: the keys and values of earlier tokens never change, so they are computed once and kept. "
              "Each later step runs one token through the model, against all of them."),
            _("The cache lives for one call of `generate()` and holds numbers of the layers, not texts."),
            _("It is the same model with the same weights; the new token simply comes alone."),
            _("The new token still attends to every earlier token, through the keys and values kept in the cache."),
        ),
        answer=0,
    )
