"""Whisper's `generate()`: from 30 seconds of log-mel features to the token ids of the transcript.

    >>> from autotutor import AutoModelForSpeechSeq2Seq, AutoProcessor                  # doctest: +SKIP
    >>> processor = AutoProcessor.from_pretrained("openai/whisper-base")                  # doctest: +SKIP
    >>> model = AutoModelForSpeechSeq2Seq.from_pretrained("openai/whisper-base")          # doctest: +SKIP
    >>> inputs = processor(audio, sampling_rate=16000, return_tensors="pt")               # doctest: +SKIP
    >>> ids = model.generate(inputs.input_features, language="fr")                        # doctest: +SKIP
    >>> processor.batch_decode(ids, skip_special_tokens=True)                             # doctest: +SKIP

What happens, in the order transformers' `WhisperGenerationMixin.generate` does it for a clip of up to 30 s:

    1. the encoder runs once: features (B, 80, 3000) → (B, 1500, H)
    2. the decoder prompt, from generation_config.json: <|startoftranscript|> <|fr|> <|transcribe|> <|notimestamps|>
       (decoder_start_token_id, lang_to_id, task_to_id, no_timestamps_token_id). With no language on a
       multilingual model, the language is detected first (`detect_language`).
    3. the greedy loop of generation.py, with Whisper's two logits processors: `suppress_tokens` are never
       written, `begin_suppress_tokens` (a blank, end-of-text) never as the first token.
    4. the result, as transformers 5.23 returns it: only the new tokens, without the prompt and without the
       end-of-text token, the rows padded on the right with pad_token_id to the longest.

Not implemented: timestamps, long-form audio (over 30 s), sampling and temperature fallback, beam search,
`prompt_ids`. A model that writes two timestamp tokens in a row despite <|notimestamps|> is cut into segments by
transformers (and the rest of the window decoded again); autotutor returns the tokens as written.
"""

from __future__ import annotations

from typing import Any

import torch

from .errors import ArgumentError, ConfigError, UsageError
from .generation import DEFAULT_MAX_LENGTH, GenerationConfig, GenerationMixin, TextStreamer, _decode_loop
from .logits_processing import FILTERED, LogitsProcessorList
from .tokenization_whisper import LANGUAGES, TO_LANGUAGE_CODE

__all__ = ["LANGUAGES", "TASKS", "TO_LANGUAGE_CODE", "SuppressTokensAtBeginLogitsProcessor",
           "SuppressTokensLogitsProcessor", "WhisperGenerationMixin"]

# The language tables are the tokenizer's: its language tokens are what they name.
TASKS = ("translate", "transcribe")

# What generate() takes besides the features, language and task: a greedy decoder of one window needs no more.
_OPTIONS = ("max_new_tokens", "max_length", "use_cache", "suppress_tokens", "begin_suppress_tokens",
            "decoder_start_token_id", "eos_token_id", "pad_token_id")


class SuppressTokensLogitsProcessor:
    """Never write these tokens: their scores become -inf at every step (Whisper: symbols that are not speech)."""

    def __init__(self, suppress_tokens: list[int]) -> None:
        self.suppress_tokens = torch.tensor(list(suppress_tokens), dtype=torch.long)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        vocabulary = torch.arange(scores.shape[-1], device=scores.device)
        return torch.where(torch.isin(vocabulary, self.suppress_tokens.to(scores.device)), FILTERED, scores)


class SuppressTokensAtBeginLogitsProcessor:
    """Not as the first new token (at `begin_index`, the prompt's length): a blank, or end-of-text (nothing heard)."""

    def __init__(self, begin_suppress_tokens: list[int], begin_index: int) -> None:
        self.begin_suppress_tokens = torch.tensor(list(begin_suppress_tokens), dtype=torch.long)
        self.begin_index = begin_index

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if input_ids.shape[-1] != self.begin_index:
            return scores
        vocabulary = torch.arange(scores.shape[-1], device=scores.device)
        return torch.where(torch.isin(vocabulary, self.begin_suppress_tokens.to(scores.device)), FILTERED, scores)


class WhisperGenerationMixin(GenerationMixin):
    """`generate()` and `detect_language()` for `WhisperForConditionalGeneration`, as transformers has them."""

    @property
    def generation_config(self) -> GenerationConfig:
        """generation_config.json's settings; without one, the model config's special and suppressed tokens."""
        config = self.__dict__.get("_generation_config")
        if config is None:
            keys = ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id", "suppress_tokens",
                    "begin_suppress_tokens")
            config = GenerationConfig(**{key: getattr(self.config, key, None) for key in keys})
            self.__dict__["_generation_config"] = config
        return config

    @generation_config.setter
    def generation_config(self, config: GenerationConfig) -> None:
        self.__dict__["_generation_config"] = config

    @torch.no_grad()
    def detect_language(self, input_features: torch.Tensor | None = None, *, encoder_outputs: Any = None,
                        generation_config: GenerationConfig | None = None) -> torch.Tensor:
        """The language token id of each clip, (B,) long: one decoder step from <|startoftranscript|>, the best
        of the tokens in `generation_config.lang_to_id` (transformers' `detect_language`)."""
        config = generation_config or self.generation_config
        lang_to_id = _lang_to_id(config, key="detect_language", value=None)
        if encoder_outputs is None:
            encoder_outputs = self.get_encoder()(input_features)
        batch_size = encoder_outputs[0].shape[0]
        start = torch.full((batch_size, 1), config.decoder_start_token_id, dtype=torch.long, device=self.device)
        logits = self(encoder_outputs=encoder_outputs, decoder_input_ids=start, use_cache=False).logits[:, -1]
        is_language = torch.zeros(logits.shape[-1], dtype=torch.bool, device=logits.device)
        is_language[list(lang_to_id.values())] = True
        return logits.masked_fill(~is_language, FILTERED).argmax(dim=-1)  # (B,)

    @torch.no_grad()
    def generate(
        self,
        input_features: torch.Tensor | None = None,
        *,
        generation_config: GenerationConfig | None = None,
        language: str | list[str] | None = None,
        task: str | None = None,
        is_multilingual: bool | None = None,
        attention_mask: torch.Tensor | None = None,
        streamer: TextStreamer | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        """Transcribe (or translate into English) clips of up to 30 s; returns the new token ids (B, T) long.

        Args:
            input_features: (B, 80, 3000) log-mel features, as the feature extractor makes them.
            language: "fr", "french" or "<|fr|>" (one, or one per clip); None: detected on a multilingual model.
            task: "transcribe" (the words as spoken) or "translate" (into English); None: transcribe.
            is_multilingual: overrides generation_config.is_multilingual.
            attention_mask: (B, 3000) from the feature extractor; not needed for one window, as in transformers.
            streamer: receives the prompt, then each new token (`TextStreamer` prints them).
            **kwargs: max_new_tokens, max_length, use_cache, suppress_tokens, begin_suppress_tokens, and the
                special token ids, for this call only.

        Returns, as transformers 5.23 does: only the tokens written, without the decoder prompt
        (<|startoftranscript|><|lang|><|task|><|notimestamps|>) and without the final end-of-text token; rows that
        finished first are padded on the right with pad_token_id. `tokenizer.batch_decode(ids)` reads them.
        """
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise UsageError(
                "Whisper's generate() got an unknown keyword argument '{key}'. Its options are: language, task, "
                "is_multilingual, attention_mask, generation_config, streamer, {options}. autotutor decodes "
                "Whisper greedily, one window of up to 30 s: no sampling, beams, temperature fallback or timestamps.",
                key=unknown[0], options=", ".join(_OPTIONS))
        config = (generation_config or self.generation_config).updated(**kwargs)
        config.do_sample = False  # as transformers' Whisper: greedy unless a temperature is passed to generate()
        if getattr(config, "return_timestamps", False):
            raise ArgumentError("The generation config asks for timestamps (return_timestamps=True), which autotutor "
                                "does not implement. Set return_timestamps to false in generation_config.json.",
                                key="return_timestamps", value=True)
        encoder_outputs = self.get_encoder()(input_features)  # once, for the language and for every step
        prompt = self._decoder_prompt(config, language, task, is_multilingual, encoder_outputs)  # (B, 4)
        max_length = _max_length(config, prompt.shape[1], self.config.max_target_positions)

        processors = LogitsProcessorList()
        if config.begin_suppress_tokens is not None:
            processors.append(SuppressTokensAtBeginLogitsProcessor(config.begin_suppress_tokens, prompt.shape[1]))
        if config.suppress_tokens is not None:
            processors.append(SuppressTokensLogitsProcessor(config.suppress_tokens))

        def decoder_step(ids, attention_mask, position_ids, past_key_values, use_cache):
            # generation.py's loop calls a causal model; Whisper's decoder also reads the (fixed) encoder output.
            return self(encoder_outputs=encoder_outputs, decoder_input_ids=ids, decoder_attention_mask=attention_mask,
                        decoder_position_ids=position_ids, past_key_values=past_key_values, use_cache=use_cache)

        if streamer is not None:
            streamer.put(prompt.cpu())
        eos = torch.tensor(config.eos_token_ids, dtype=torch.long, device=prompt.device)
        sequences = _decode_loop(decoder_step, prompt, torch.ones_like(prompt), config, processors, eos, max_length,
                                 streamer)
        return _new_tokens(sequences[:, prompt.shape[1]:], config)

    def _decoder_prompt(self, config: GenerationConfig, language, task, is_multilingual, encoder_outputs
                        ) -> torch.Tensor:
        """(B, L) <|startoftranscript|> [<|lang|>] [<|task|>] [<|notimestamps|>], as transformers builds it."""
        if is_multilingual is not None:
            config.is_multilingual = is_multilingual
        if getattr(config, "is_multilingual", True) is False and (task is not None or language is not None):
            raise ArgumentError("This Whisper is English-only (is_multilingual is false in its generation config): "
                                "it takes no language or task. Remove {key}=, or use a multilingual checkpoint.",
                                key="language" if language is not None else "task", value=language or task)
        language = language if language is not None else getattr(config, "language", None)
        task = task if task is not None else getattr(config, "task", None)
        batch_size = encoder_outputs[0].shape[0]
        tokens = [config.decoder_start_token_id]
        if task is None and language is None:  # older files force the prompt: [[1, None], [2, <|transcribe|>]]
            forced = getattr(config, "forced_decoder_ids", None) or getattr(self.config, "forced_decoder_ids", None)
            for position, token in forced or []:
                if position != len(tokens):
                    break
                tokens.append(token)  # None at position 1: the language, to detect
        one_for_all = language is not None and not isinstance(language, (list, tuple))
        languages = [language] if one_for_all else list(language) if language is not None else [None] * batch_size
        if len(languages) not in (1, batch_size):
            raise ArgumentError("language= lists {value} languages for a batch of {batch}: give one per clip, or one "
                                "for all.", key="language", value=len(languages), batch=batch_size)
        rows = [list(tokens) for _ in languages]
        lang_ids = None
        if language is not None:
            lang_ids = [_language_id(config, name) for name in languages]
        elif hasattr(config, "lang_to_id") and (len(tokens) == 1 or tokens[1] is None):
            lang_ids = self.detect_language(encoder_outputs=encoder_outputs, generation_config=config).tolist()
        for row, lang_id in zip(rows, lang_ids or []):
            if len(row) > 1:
                row[1] = lang_id
            else:
                row.append(lang_id)
        for i, row in enumerate(rows):
            if task is not None:
                if task not in TASKS:
                    raise ArgumentError("task={value!r} is not a Whisper task: use 'transcribe' (the words in the "
                                        "language spoken) or 'translate' (into English).", key="task", value=task)
                row.append(_task_to_id(config, task)[task])
            elif language is not None and hasattr(config, "task_to_id"):  # a language alone: transcribe
                if not any(t in row for t in config.task_to_id.values()):
                    row.append(config.task_to_id["transcribe"])
            no_timestamps = getattr(config, "no_timestamps_token_id", None)
            if no_timestamps is not None and row[-1] != no_timestamps:
                row.append(no_timestamps)
            rows[i] = [t for t in row if t is not None]
        return torch.tensor(rows, dtype=torch.long, device=self.device).expand(batch_size, -1)


def _lang_to_id(config: GenerationConfig, *, key: str, value: Any) -> dict[str, int]:
    if not hasattr(config, "lang_to_id"):
        raise ConfigError(
            "The generation config has no lang_to_id, so {key}={value!r} cannot become a language token. A "
            "multilingual Whisper's generation_config.json maps each language token to its id: add "
            "`\"lang_to_id\": {{\"<|en|>\": 50259, \"<|fr|>\": 50265, ...}}`, "
            "`\"task_to_id\": {{\"transcribe\": 50359, \"translate\": 50358}}`, "
            "`\"no_timestamps_token_id\": 50363` and `\"is_multilingual\": true`, as openai/whisper-base has them.",
            key=key, value=value)
    return config.lang_to_id


def _task_to_id(config: GenerationConfig, task: str) -> dict[str, int]:
    if not hasattr(config, "task_to_id"):
        raise ConfigError(
            "The generation config has no task_to_id, so task={value!r} cannot become a task token. Add "
            "`\"task_to_id\": {{\"transcribe\": 50359, \"translate\": 50358}}` (openai/whisper-base's ids) to "
            "generation_config.json.", key="task_to_id", value=task)
    return config.task_to_id


def _language_id(config: GenerationConfig, language: str) -> int:
    """"fr", "french", "French" or "<|fr|>" → the id of the token <|fr|>, as transformers reads a language."""
    lang_to_id = _lang_to_id(config, key="language", value=language)
    name = str(language).lower()
    if name in lang_to_id:
        token = name
    elif name in TO_LANGUAGE_CODE:
        token = "<|" + TO_LANGUAGE_CODE[name] + "|>"
    elif name in TO_LANGUAGE_CODE.values():
        token = "<|" + name + "|>"
    else:
        raise ArgumentError("language={value!r} is not a language Whisper knows. Pass a code or an English name, "
                            "e.g. 'fr' or 'french'. This model's codes: {codes}.", key="language", value=language,
                            codes=_codes(lang_to_id))
    if token not in lang_to_id:
        raise ArgumentError("language={value!r} ({token}) is a Whisper language, but not one this model was trained "
                            "on: its generation config's lang_to_id has no {token}. This model's codes: {codes}.",
                            key="language", value=language, token=token,
                            codes=_codes(lang_to_id))
    return lang_to_id[token]


def _codes(lang_to_id: dict[str, int]) -> str:
    """"en, zh, de, ...": the language codes of a lang_to_id, in token order (the order OpenAI lists them)."""
    return ", ".join(token.strip("<|>") for token in sorted(lang_to_id, key=lang_to_id.get))


def _max_length(config: GenerationConfig, prompt_length: int, max_target_positions: int) -> int:
    """The length (prompt + new tokens) at which generation stops, as transformers' Whisper decides it."""
    if config.max_new_tokens is not None:
        if config.max_new_tokens <= 0 or config.max_new_tokens + prompt_length > max_target_positions:
            raise ArgumentError(
                "max_new_tokens={value} does not fit: the decoder prompt has {prompt} tokens and the decoder has "
                "positions for {limit} (max_target_positions). Use 1 to {most}.",
                key="max_new_tokens", value=config.max_new_tokens, prompt=prompt_length, limit=max_target_positions,
                most=max_target_positions - prompt_length)
        return prompt_length + config.max_new_tokens
    if config.max_length_was_set:  # max_length counts the prompt, but never past the decoder's positions
        return min(config.max_length + min(max_target_positions // 2 - 1, prompt_length), max_target_positions)
    return prompt_length + DEFAULT_MAX_LENGTH  # nobody set a length: 20 new tokens


def _new_tokens(new: torch.Tensor, config: GenerationConfig) -> torch.Tensor:
    """(B, new) as generated → what transformers 5.23 returns: each row without its padding and end-of-text
    token, then padded on the right with pad_token_id to the longest row."""
    pad, eos = config.pad_token_id, config.eos_token_id
    rows = []
    for row in new:
        if len(row) and row[-1] == pad:  # a row that finished early: drop the padding, but not its end-of-text
            padding = int((row == pad).sum()) - (1 if pad == eos else 0)  # transformers counts every pad token
            row = row[:len(row) - padding]
        if len(row) and int(row[-1]) in config.eos_token_ids:
            row = row[:-1]
        rows.append(row)
    longest = max((len(row) for row in rows), default=0)
    padded = new.new_full((len(rows), longest), pad if pad is not None else 0)
    for i, row in enumerate(rows):
        padded[i, :len(row)] = row
    return padded
