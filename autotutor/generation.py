"""`model.generate()`: a language model writes one token at a time.

A causal language model gives, for every position, scores for the token that comes next. Writing text is a loop:

    1. run the model on the text so far; keep the scores of the last position       (B, vocab_size)
    2. reshape them with the logits processors (logits_processing.py)                repetition, temperature, top-k...
    3. choose a token: the best one (greedy), or one drawn at random (sampling)
    4. append it, and stop when every row has written an end-of-sequence token or the length limit is reached

The key/value cache makes step 1 cheap: the first step runs the whole prompt and the model keeps every layer's
keys and values (cache.py); each later step runs only the one new token against them.

Batches are padded on the LEFT (`tokenizer.padding_side = "left"`): every row's last real token is then in the
last column, where the next token is read. The attention mask hides the padding, and position ids are counted
from the mask, so a padded row sees the same positions it would see alone.

    >>> from autotutor import AutoModelForCausalLM, AutoTokenizer                          # doctest: +SKIP
    >>> model = AutoModelForCausalLM.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct")  # doctest: +SKIP
    >>> tokenizer = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct")     # doctest: +SKIP
    >>> inputs = tokenizer("The capital of France is", return_tensors="pt")                  # doctest: +SKIP
    >>> model.generate(**inputs, max_new_tokens=8, streamer=TextStreamer(tokenizer))         # doctest: +SKIP

The same call, options and results as transformers' `generate()` (greedy and sampling; no beam search).
"""

from __future__ import annotations

import copy
import inspect
import json
import os
from pathlib import Path
from typing import Any

import torch

from .cache import KeyValueCache
from .checkpoint import Checkpoint, open_checkpoint, pop_checkpoint_options, read_json
from .errors import ArgumentError, ConfigError, UsageError
from .i18n import Text
from .logits_processing import logits_processors_for

__all__ = ["GENERATION_CONFIG_NAME", "GenerationConfig", "GenerationMixin", "TextStreamer"]

GENERATION_CONFIG_NAME = "generation_config.json"

# transformers 5: when neither max_length nor max_new_tokens was ever set, generate this many new tokens.
DEFAULT_MAX_LENGTH = 20

# Keys transformers writes into generation_config.json that only describe the file.
_FILE_ONLY_KEYS = {"transformers_version", "_from_model_config"}


class GenerationConfig:
    """How `generate()` chooses tokens and when it stops, with transformers' names and defaults.

    Args:
        max_new_tokens: how many tokens to generate at most, not counting the prompt. Preferred over max_length.
        max_length: the longest the whole sequence (prompt + new tokens) may become. When neither this nor
            max_new_tokens is set, 20 new tokens are generated (transformers 5's default).
        min_new_tokens: the end-of-sequence token is forbidden before this many new tokens.
        do_sample: False: always the most likely token (greedy); True: draw the token from the probabilities.
        temperature, top_k, top_p, min_p: how the probabilities are reshaped before sampling (only when sampling).
        repetition_penalty: > 1 makes tokens already in the text less likely (greedy and sampling).
        bos_token_id, eos_token_id, pad_token_id: the special tokens; eos_token_id may be a list (stop on any).
        use_cache: keep each layer's keys and values between steps (much faster, same tokens).
        **kwargs: any other key of a generation_config.json; kept as an attribute, not used.

    Example:
        >>> config = GenerationConfig(max_new_tokens=5)
        >>> config.max_length, config.do_sample, config.top_k, config.updated(top_k=10).top_k
        (20, False, 50, 10)
    """

    def __init__(
        self,
        *,
        max_length: int | None = None,
        max_new_tokens: int | None = None,
        min_new_tokens: int = 0,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_k: int = 50,
        top_p: float = 1.0,
        min_p: float | None = None,
        repetition_penalty: float = 1.0,
        bos_token_id: int | None = None,
        eos_token_id: int | list[int] | None = None,
        pad_token_id: int | None = None,
        use_cache: bool = True,
        **kwargs: Any,
    ) -> None:
        self.max_length = DEFAULT_MAX_LENGTH if max_length is None else max_length
        self.max_length_was_set = max_length is not None  # 20 alone means "20 new tokens"
        self.max_new_tokens = max_new_tokens
        self.min_new_tokens = min_new_tokens
        self.do_sample = do_sample
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.min_p = min_p
        self.repetition_penalty = repetition_penalty
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.pad_token_id = pad_token_id
        self.use_cache = use_cache
        for key, value in kwargs.items():
            if key not in _FILE_ONLY_KEYS:
                setattr(self, key, value)

    @property
    def eos_token_ids(self) -> list[int]:
        """eos_token_id as a list (empty when there is none): one id, or several."""
        if self.eos_token_id is None:
            return []
        return [self.eos_token_id] if isinstance(self.eos_token_id, int) else list(self.eos_token_id)

    def to_dict(self) -> dict[str, Any]:
        """The values that differ from the defaults, as `generation_config.json` holds them."""
        defaults = vars(GenerationConfig())
        out = {key: value for key, value in vars(self).items() if key not in defaults or defaults[key] != value}
        out.pop("max_length_was_set", None)
        if self.max_length_was_set:
            out["max_length"] = self.max_length
        return dict(sorted(out.items()))

    def updated(self, **changes: Any) -> "GenerationConfig":
        """A copy with `changes` applied; this config is left as it is."""
        return GenerationConfig(**{**copy.deepcopy(self.to_dict()), **changes})

    @classmethod
    def from_model_config(cls, model_config: Any) -> "GenerationConfig":
        """The defaults, with the special tokens the model's config names (bos, eos, pad)."""
        special = ("bos_token_id", "eos_token_id", "pad_token_id")
        return cls(**{key: getattr(model_config, key, None) for key in special})

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike | Checkpoint, **kwargs: Any) -> "GenerationConfig":
        """Read `generation_config.json` from a checkpoint folder or Hub id (or an opened `Checkpoint`);
        keyword arguments override its values."""
        checkpoint = open_checkpoint(name_or_path, **pop_checkpoint_options(kwargs))
        path = checkpoint.get(GENERATION_CONFIG_NAME)
        if path is None:
            raise ConfigError(
                "{source} has no {key} (it contains: {present}). Build one with GenerationConfig(...), or take the "
                "model's special tokens with GenerationConfig.from_model_config(model.config).",
                source=checkpoint.describe(), present=checkpoint.contents(),
                repo_id=checkpoint.name_or_path, key=GENERATION_CONFIG_NAME,
            )
        return cls(**{**read_json(path, what=Text("generation configuration")), **kwargs})

    def save_pretrained(self, save_directory: str | os.PathLike) -> None:
        """Write `generation_config.json` (the values that differ from the defaults) into `save_directory`."""
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (folder / GENERATION_CONFIG_NAME).write_text(text, encoding="utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GenerationConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"GenerationConfig({', '.join(f'{k}={v!r}' for k, v in self.to_dict().items())})"


# The options generate() accepts besides the model inputs: every GenerationConfig argument.
_OPTIONS = {name for name, parameter in inspect.signature(GenerationConfig).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY}


class TextStreamer:
    """Print the text as `generate()` writes it, a word at a time (transformers' `TextStreamer`).

    `generate()` calls `put(token_ids)` with the prompt first, then with each new token, and `end()` once.
    Decoding token by token would break words made of several tokens, so the streamer decodes everything since
    the last line break and prints only up to the last space: a word is printed once it is complete.

    Args:
        tokenizer: anything with `decode(ids, **decode_kwargs) -> str`.
        skip_prompt: do not print the prompt, only the new text.
        **decode_kwargs: passed to `decode` (`skip_special_tokens=True` hides the end-of-sequence token).
    """

    def __init__(self, tokenizer: Any, skip_prompt: bool = False, **decode_kwargs: Any) -> None:
        self.tokenizer = tokenizer
        self.skip_prompt = skip_prompt
        self.decode_kwargs = decode_kwargs
        self.token_cache: list[int] = []  # the tokens since the last line break
        self.print_len = 0  # how many characters of their text are already printed
        self.next_tokens_are_prompt = True

    def put(self, token_ids: torch.Tensor) -> None:
        """Receive the prompt (1, T) or one new token (1,); print the words it completes."""
        if token_ids.dim() > 1 and token_ids.shape[0] > 1:
            raise UsageError("TextStreamer prints one sequence; generate() was given a batch of {value}.",
                             key="streamer", value=token_ids.shape[0])
        if token_ids.dim() > 1:
            token_ids = token_ids[0]
        if self.skip_prompt and self.next_tokens_are_prompt:
            self.next_tokens_are_prompt = False
            return
        self.token_cache.extend(token_ids.tolist())
        text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
        if text.endswith("\n"):  # a finished line: print it and start afresh
            printable = text[self.print_len:]
            self.token_cache, self.print_len = [], 0
        elif text and _is_cjk(ord(text[-1])):  # Chinese characters are words of their own
            printable = text[self.print_len:]
            self.print_len += len(printable)
        else:  # up to the last space: the word after it may not be finished
            printable = text[self.print_len:text.rfind(" ") + 1]
            self.print_len += len(printable)
        self.on_finalized_text(printable)

    def end(self) -> None:
        """Print what is left, then a line break."""
        printable = ""
        if self.token_cache:
            printable = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)[self.print_len:]
        self.token_cache, self.print_len = [], 0
        self.next_tokens_are_prompt = True
        self.on_finalized_text(printable, stream_end=True)

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        """Where the text goes: stdout here (a notebook shows it as it comes); override to send it elsewhere."""
        print(text, flush=True, end=None if stream_end else "")


def _is_cjk(codepoint: int) -> bool:
    """Whether a character is in one of the CJK Unified Ideographs blocks (as transformers decides it)."""
    return any(start <= codepoint <= stop for start, stop in (
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))


class GenerationMixin:
    """Gives a causal language model `generate()`. The model class lists it as a second base:

        class LlamaForCausalLM(LlamaPreTrainedModel, GenerationMixin): ...

    The model must follow the causal-LM contract: `model(input_ids, attention_mask=, position_ids=,
    past_key_values=, use_cache=)` returns `.logits` (B, T, vocab) and `.past_key_values`, and `model.config`
    has the special token ids and `max_position_embeddings`.
    """

    @property
    def generation_config(self) -> GenerationConfig:
        """The model's default generation settings: set it, or the model config's special tokens are used."""
        config = self.__dict__.get("_generation_config")
        if config is None:
            config = GenerationConfig.from_model_config(self.config)
            self.__dict__["_generation_config"] = config
        return config

    @generation_config.setter
    def generation_config(self, config: GenerationConfig) -> None:
        self.__dict__["_generation_config"] = config

    def read_generation_config(self, checkpoint: Checkpoint) -> None:
        """Take the checkpoint's `generation_config.json` as this model's defaults, when it has one
        (`from_pretrained` calls this after loading the weights)."""
        if checkpoint.get(GENERATION_CONFIG_NAME) is not None:
            self.generation_config = GenerationConfig.from_pretrained(checkpoint)

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        generation_config: GenerationConfig | None = None,
        streamer: TextStreamer | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        """Continue each prompt; return prompt + new tokens, (B, T + new) ids.

        Args:
            input_ids: (B, T) prompt ids, left-padded for a batch. None: start from bos_token_id.
            attention_mask: (B, T) 1 for a real token, 0 for padding. None: every token is real.
            generation_config: the settings; default `model.generation_config`.
            streamer: receives the prompt and then each new token (`TextStreamer` prints them).
            **kwargs: any GenerationConfig option for this call only (`max_new_tokens=50, do_sample=True`), and
                what a tokenizer returns besides input_ids and attention_mask (`**tokenizer(...)`).
        """
        kwargs.pop("token_type_ids", None)  # a tokenizer may return it; decoder-only models do not use it
        unknown = sorted(set(kwargs) - _OPTIONS)
        if unknown:
            raise UsageError("generate() got an unknown keyword argument '{key}'. Its options are: {options}.",
                             key=unknown[0], options=", ".join(sorted(_OPTIONS)))
        config = (generation_config or self.generation_config).updated(**kwargs)
        device = next(self.parameters()).device
        if input_ids is None:
            if config.bos_token_id is None:
                raise ArgumentError("generate() was given no input_ids and the model has no bos_token_id to start "
                                    "from. Pass a prompt: model.generate(**tokenizer(text, return_tensors='pt')).",
                                    key="input_ids")
            input_ids = torch.full((1, 1), config.bos_token_id, dtype=torch.long, device=device)
        input_ids = input_ids.to(device)
        batch_size, prompt_length = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        attention_mask = attention_mask.to(device)
        max_length = _max_length(config, prompt_length, getattr(self.config, "max_position_embeddings", None))
        _check(config, batch_size, prompt_length, max_length, getattr(self.config, "max_position_embeddings", None))
        processors = logits_processors_for(config, prompt_length=prompt_length, attention_mask=attention_mask)
        eos = torch.tensor(config.eos_token_ids, dtype=torch.long, device=device)
        if streamer is not None:
            streamer.put(input_ids.cpu())
        return _decode_loop(self, input_ids, attention_mask, config, processors, eos, max_length, streamer)


def _max_length(config: GenerationConfig, prompt_length: int, max_positions: int | None) -> int:
    """The length (prompt + new) at which generation stops, as transformers 5 decides it."""
    if config.max_new_tokens is not None:
        return prompt_length + config.max_new_tokens
    if config.max_length_was_set:
        return config.max_length
    # Nobody set a length: 20 new tokens, but never past the positions the model knows.
    longest = prompt_length + config.max_length
    return min(longest, max_positions) if max_positions is not None else longest


def _check(config: GenerationConfig, batch_size: int, prompt_length: int, max_length: int,
           max_positions: int | None) -> None:
    """Refuse, before any work, the settings that cannot give what the caller expects."""
    if config.max_new_tokens is not None and config.max_new_tokens <= 0:
        raise ArgumentError("max_new_tokens={value} asks for no new token: it must be 1 or more.",
                            key="max_new_tokens", value=config.max_new_tokens)
    if config.do_sample and (config.temperature is None or config.temperature <= 0):
        raise ArgumentError("temperature={value} cannot be used to sample: it must be greater than 0. For the most "
                            "likely token at every step, use do_sample=False (greedy decoding).",
                            key="temperature", value=config.temperature)
    if max_positions is not None and prompt_length > max_positions:
        raise ArgumentError("The prompt has {value} tokens, more than this model's max_position_embeddings="
                            "{limit}. Shorten it, e.g. tokenizer(text, truncation=True, max_length={limit}).",
                            key="input_ids", value=prompt_length, limit=max_positions)
    if prompt_length >= max_length:
        raise ArgumentError("The prompt has {value} tokens and max_length={limit} counts the prompt too, so no "
                            "token is left to generate. Use max_new_tokens to say how many tokens to add.",
                            key="max_length", value=prompt_length, limit=max_length)
    if batch_size > 1 and config.pad_token_id is None:
        raise ArgumentError("A batch of {value} prompts needs a pad_token_id, to pad the shorter prompts and the "
                            "rows that finish first. Pass pad_token_id=tokenizer.pad_token_id, or, for a model "
                            "without one, pad_token_id=tokenizer.eos_token_id.",
                            key="pad_token_id", value=batch_size)


def _decode_loop(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor, config: GenerationConfig,
                 processors: Any, eos: torch.Tensor, max_length: int, streamer: TextStreamer | None) -> torch.Tensor:
    """The loop itself: one new token per row and step, until every row is finished."""
    batch_size = input_ids.shape[0]
    unfinished = torch.ones(batch_size, dtype=torch.bool, device=input_ids.device)  # (B,)
    cache = KeyValueCache() if config.use_cache else None
    step_ids = input_ids  # the first step runs the whole prompt
    while True:
        # Each token's position counts only the real tokens before it; padding gets 1, any value would do
        # (nobody attends to it; transformers 5 uses 0, v4 used 1).
        position_ids = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 1)
        outputs = model(step_ids, attention_mask=attention_mask, position_ids=position_ids[:, -step_ids.shape[1]:],
                        past_key_values=cache, use_cache=config.use_cache)
        if config.use_cache and outputs.past_key_values is not None:
            cache = outputs.past_key_values
        logits = outputs.logits[:, -1, :].to(dtype=torch.float32, copy=True)  # (B, vocab): the next token's
        scores = processors(input_ids, logits)
        if config.do_sample:
            next_tokens = torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1).squeeze(1)  # (B,)
        else:
            next_tokens = torch.argmax(scores, dim=-1)  # (B,)
        if len(eos) and config.pad_token_id is not None:  # a finished row only grows by padding
            next_tokens = torch.where(unfinished, next_tokens, config.pad_token_id)
        input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
        attention_mask = torch.cat([attention_mask, attention_mask.new_ones((batch_size, 1))], dim=-1)
        if streamer is not None:
            streamer.put(next_tokens.cpu())
        unfinished &= ~torch.isin(next_tokens, eos)
        if not unfinished.any() or input_ids.shape[1] >= max_length:
            break
        step_ids = next_tokens[:, None] if config.use_cache else input_ids  # (B, 1): the cache holds the rest
    if streamer is not None:
        streamer.end()
    return input_ids
