"""From the model's scores for the next token to the scores a token is chosen from.

At every step of `generate()` the model gives one score (a logit) per vocabulary entry. Before a token is
chosen, a short chain of processors reshapes those scores, always in this order (transformers' order, so that a
seeded run chooses the same tokens):

    1. RepetitionPenaltyLogitsProcessor   tokens already in the text become less likely
    2. MinNewTokensLengthLogitsProcessor  the end-of-sequence token is forbidden until enough tokens are new
    --- only when sampling (do_sample=True): the "warpers", which reshape the distribution sampled from ---
    3. TemperatureLogitsWarper            divide by the temperature: < 1 sharpens, > 1 flattens
    4. TopKLogitsWarper                   keep the k best tokens
    5. TopPLogitsWarper                   keep the smallest set of best tokens whose probability reaches p
    6. MinPLogitsWarper                   keep tokens at least min_p times as likely as the best one

A removed token gets the score -inf: its probability after softmax is exactly 0. Every processor is a callable
`processor(input_ids, scores) -> scores`, with `input_ids` (B, length so far) and `scores` (B, vocab_size), as in
transformers, so a learner can run one alone on made-up scores:

    >>> import torch
    >>> TopKLogitsWarper(top_k=2)(None, torch.tensor([[1.0, 3.0, 2.0]]))
    tensor([[-inf, 3., 2.]])
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = [
    "LogitsProcessorList",
    "MinNewTokensLengthLogitsProcessor",
    "MinPLogitsWarper",
    "RepetitionPenaltyLogitsProcessor",
    "TemperatureLogitsWarper",
    "TopKLogitsWarper",
    "TopPLogitsWarper",
    "logits_processors_for",
]

FILTERED = -math.inf  # the score of a token that may not be chosen


class RepetitionPenaltyLogitsProcessor:
    """Make every token already present in the text less likely (CTRL, https://arxiv.org/abs/1909.05858).

    A seen token's score is divided by `penalty` when positive and multiplied by it when negative, so with
    penalty > 1 it always moves down. Each token counts once, however often it appears.

    Args:
        penalty: 1.0 changes nothing; 1.1–1.3 are common.
        prompt_ignore_length: (B,) per row, how many leading positions to leave out: the left padding of a batch,
            whose pad tokens are not part of the text (transformers 5 passes the padding lengths here too).
    """

    def __init__(self, penalty: float, prompt_ignore_length: torch.Tensor | None = None) -> None:
        self.penalty = float(penalty)
        self.prompt_ignore_length = prompt_ignore_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        vocab_size = scores.shape[-1]
        if self.prompt_ignore_length is not None:
            # Padding positions point at an extra column `vocab_size`, dropped at the end.
            positions = torch.arange(input_ids.shape[1], device=input_ids.device)
            ignored = positions[None, :] < self.prompt_ignore_length.to(input_ids.device)[:, None]
            input_ids = input_ids.masked_fill(ignored, vocab_size)
        # Ids beyond the output vocabulary (an embedding larger than the head) cannot be generated: same column.
        input_ids = input_ids.clamp(max=vocab_size)
        padded = torch.nn.functional.pad(scores, (0, 1))  # (B, vocab + 1)
        seen = torch.gather(padded, 1, input_ids)  # (B, length): the score of every token in the text
        seen = torch.where(seen < 0, seen * self.penalty, seen / self.penalty)
        return padded.scatter(1, input_ids, seen)[..., :vocab_size]


class MinNewTokensLengthLogitsProcessor:
    """Forbid the end-of-sequence token(s) until `min_new_tokens` tokens have been generated.

    Args:
        prompt_length_to_skip: the prompt's length (B, T): tokens before it are not new.
        min_new_tokens: how many new tokens at least.
        eos_token_id: one id or several (a chat model may end on any of a few tokens).
    """

    def __init__(self, prompt_length_to_skip: int, min_new_tokens: int, eos_token_id: int | list[int] | torch.Tensor):
        self.prompt_length_to_skip = prompt_length_to_skip
        self.min_new_tokens = min_new_tokens
        self.eos_token_id = torch.as_tensor(eos_token_id).reshape(-1)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        new_tokens = input_ids.shape[-1] - self.prompt_length_to_skip
        if new_tokens >= self.min_new_tokens:
            return scores.clone()
        vocabulary = torch.arange(scores.shape[-1], device=scores.device)
        is_eos = torch.isin(vocabulary, self.eos_token_id.to(scores.device))  # (vocab,)
        return torch.where(is_eos, FILTERED, scores)


class TemperatureLogitsWarper:
    """Divide the scores by `temperature`: below 1 the best tokens grow likelier, above 1 the choice widens."""

    def __init__(self, temperature: float) -> None:
        self.temperature = temperature

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores / self.temperature


class TopKLogitsWarper:
    """Keep the `top_k` highest scores of each row (ties with the k-th are kept too); filter the rest."""

    def __init__(self, top_k: int, filter_value: float = FILTERED, min_tokens_to_keep: int = 1) -> None:
        self.top_k = max(top_k, min_tokens_to_keep)
        self.filter_value = filter_value

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        top_k = min(self.top_k, scores.shape[-1])  # never more than the vocabulary
        kth_best = torch.topk(scores, top_k)[0][..., -1, None]  # (B, 1)
        return scores.masked_fill(scores < kth_best, self.filter_value)


class TopPLogitsWarper:
    """Nucleus sampling (https://arxiv.org/abs/1904.09751): keep the fewest best tokens whose probabilities add
    up to at least `top_p`, and at least `min_tokens_to_keep` of them."""

    def __init__(self, top_p: float, filter_value: float = FILTERED, min_tokens_to_keep: int = 1) -> None:
        self.top_p = float(top_p)
        self.filter_value = filter_value
        self.min_tokens_to_keep = min_tokens_to_keep

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        # Sorted from worst to best: the tokens whose running total stays within 1 - top_p are the tail to drop.
        sorted_scores, sorted_ids = torch.sort(scores, descending=False)
        cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)  # (B, vocab)
        remove_sorted = cumulative <= (1 - self.top_p)
        remove_sorted[..., -self.min_tokens_to_keep:] = False  # the best ones always stay
        remove = remove_sorted.scatter(1, sorted_ids, remove_sorted)  # back to vocabulary order
        return scores.masked_fill(remove, self.filter_value)


class MinPLogitsWarper:
    """Keep the tokens whose probability is at least `min_p` × the best token's probability
    (https://arxiv.org/abs/2407.01082): strict when the model is sure, generous when it hesitates."""

    def __init__(self, min_p: float, filter_value: float = FILTERED, min_tokens_to_keep: int = 1) -> None:
        self.min_p = min_p
        self.filter_value = filter_value
        self.min_tokens_to_keep = min_tokens_to_keep

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(scores, dim=-1)  # (B, vocab)
        threshold = self.min_p * probs.amax(dim=-1, keepdim=True)  # (B, 1)
        remove = probs < threshold
        keep = torch.topk(probs, min(self.min_tokens_to_keep, probs.shape[-1]), dim=-1).indices
        remove.scatter_(-1, keep, False)
        return scores.masked_fill(remove, self.filter_value)


class LogitsProcessorList(list):
    """Processors applied one after the other, in list order."""

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        for processor in self:
            scores = processor(input_ids, scores)
        return scores


def logits_processors_for(config: Any, *, prompt_length: int,
                          attention_mask: torch.Tensor | None = None) -> LogitsProcessorList:
    """The processors a generation config asks for, in transformers' order (see the module docstring).

    A processor that would change nothing (temperature 1.0, top_p 1.0, top_k 0, repetition_penalty 1.0) is left
    out, as transformers leaves it out.

    Args:
        config: the generation config (generation.GenerationConfig), after any per-call override.
        prompt_length: T of the (B, T) prompt, for min_new_tokens.
        attention_mask: (B, T) 1/0 of the prompt: its left padding is not penalised for repetition.
    """
    processors = LogitsProcessorList()
    if config.repetition_penalty is not None and config.repetition_penalty != 1.0:
        # The index of each row's first real token is its padding length (0 when the row is not padded).
        padding = (attention_mask != 0).int().argmax(dim=1) if attention_mask is not None else None
        processors.append(RepetitionPenaltyLogitsProcessor(config.repetition_penalty, prompt_ignore_length=padding))
    eos = config.eos_token_id
    if config.min_new_tokens and eos is not None:
        processors.append(MinNewTokensLengthLogitsProcessor(prompt_length, config.min_new_tokens, eos))
    if config.do_sample:
        if config.temperature is not None and config.temperature != 1.0:
            processors.append(TemperatureLogitsWarper(config.temperature))
        if config.top_k is not None and config.top_k != 0:
            processors.append(TopKLogitsWarper(config.top_k))
        if config.top_p is not None and config.top_p < 1.0:
            processors.append(TopPLogitsWarper(config.top_p))
        if config.min_p is not None:  # after temperature, as llama.cpp does it
            processors.append(MinPLogitsWarper(config.min_p))
    return processors
