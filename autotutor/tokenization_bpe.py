"""Byte-level BPE tokenizers, the kind causal language models use (GPT-2, Llama 3, Qwen2, SmolLM2), and chat.

Byte-level BPE never meets an unknown character: text is first turned into its UTF-8 bytes, each byte shown as
one printable character (a space becomes "Ġ", a newline "Ċ"), then merged pair by pair as the learned merges say:
"Ġh" + "ello" → "Ġhello". Everything is described by `tokenizer.json`, which is used exactly as written; the
class named in tokenizer_config.json only adds its default special tokens and options:

    TokenizersBackend, PreTrainedTokenizerFast   what transformers 5 writes: nothing added
    GPT2Tokenizer (SmolLM2)                      unk/bos/eos default to "<|endoftext|>"; honours add_prefix_space
    Qwen2Tokenizer                               unk/eos/pad default to "<|endoftext|>"; honours add_prefix_space
    LlamaTokenizer                               a byte-level file (Llama 3) loads as TokenizersBackend, as
                                                 transformers' AutoTokenizer does; an older SentencePiece-style
                                                 file gets <unk>/<s>/</s> and left padding

transformers 5 rebuilds the GPT-2 and Qwen2 pipelines from the class (its own pre-tokenizer, fed the file's
vocabulary and merges); for a checkpoint whose file and class agree, as on the Hub, the ids are the same.
The tokenizer.json post-processor decides whether a <bos> is added (Llama 3 adds <|begin_of_text|>); transformers 5
ignores tokenizer_config.json's add_bos_token when tokenizer.json is there, and so do we.

For generation, a batch is padded on the left, so that every row ends with its last real token:
`tokenizer.padding_side = "left"`. Many causal models have no padding token: set `tokenizer.pad_token =
tokenizer.eos_token` (the attention mask hides padding, so which token it is does not matter).
"""

from __future__ import annotations

from typing import Any, ClassVar

from tokenizers import Tokenizer, pre_tokenizers

from .batch_encoding import BatchEncoding
from .checkpoint import Checkpoint
from .constants import TOKENIZER_FILE
from .errors import ChatTemplateError, TokenizerError
from .tokenization import PreTrainedTokenizer
from .tokenizer_files import read_settings

__all__ = ["GPT2Tokenizer", "LlamaTokenizer", "Qwen2Tokenizer", "TokenizersBackend"]

_ENDOFTEXT = "<|endoftext|>"


class TokenizersBackend(PreTrainedTokenizer):
    """A tokenizer that `tokenizer.json` describes completely, with a chat template when the checkpoint has one.

    Example:
        >>> tok = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct")  # doctest: +SKIP
        >>> tok.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False)  # doctest: +SKIP
        '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, ...<|im_end|>\\n<|im_start|>user\\nHi...'
    """

    # tokenizer_config.json options this family reads; chat_template is handled in from_checkpoint.
    pipeline_options: ClassVar[tuple[str, ...]] = ("add_prefix_space",)
    # Used when tokenizer_config.json does not say.
    default_padding_side: ClassVar[str] = "right"
    # GPT-2 and Qwen2 rebuild their ByteLevel step with tokenizer_config.json's add_prefix_space (False if absent).
    sets_add_prefix_space: ClassVar[bool] = False

    def __init__(self, backend: Tokenizer, *, chat_template: str | dict[str, str] | None = None,
                 **options: Any) -> None:
        super().__init__(backend, **options)
        self.chat_template = chat_template

    # -- loading ------------------------------------------------------------------------------------------------
    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> TokenizersBackend:
        from .chat_template import read_chat_template  # Jinja is imported with it: only when a tokenizer is loaded

        chat_template = kwargs.pop("chat_template", None)
        tokenizer = super().from_checkpoint(checkpoint, **kwargs)
        settings = read_settings(checkpoint)  # a few lines of JSON; the base class has read them too
        if not kwargs.get("padding_side") and not settings.get("padding_side"):
            tokenizer.padding_side = cls.default_padding_side
        tokenizer.chat_template = chat_template or read_chat_template(checkpoint, settings)
        return tokenizer

    @classmethod
    def _load_backend(cls, checkpoint: Checkpoint, settings: dict[str, Any]) -> Tokenizer:
        backend = super()._load_backend(checkpoint, settings)
        if cls.sets_add_prefix_space:
            # add_prefix_space=True: "Hello" is read as " Hello", the form a word has inside a sentence.
            for step in _byte_level_steps(backend.pre_tokenizer):
                step.add_prefix_space = bool(settings.get("add_prefix_space") or False)
        return backend

    # -- padding ------------------------------------------------------------------------------------------------
    def _resolve_strategies(
        self, padding: bool | str, truncation: bool | str | None, max_length: int | None, pad_to_multiple_of: int | None
    ) -> tuple[str, str, int | None]:
        if padding not in (False, "do_not_pad") and self.pad_token is None:
            raise TokenizerError(
                "padding={value!r} needs a padding token and this tokenizer has none, as is usual for a causal "
                "language model. Set one first: `tokenizer.pad_token = tokenizer.eos_token` (the attention mask "
                "hides the padding, so any token will do), or call without padding.",
                key="padding", value=padding,
            )
        return super()._resolve_strategies(padding, truncation, max_length, pad_to_multiple_of)

    # -- chat ---------------------------------------------------------------------------------------------------
    def apply_chat_template(
        self,
        conversation: list[dict[str, Any]] | list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None = None,
        documents: list[dict[str, Any]] | None = None,
        chat_template: str | None = None,
        add_generation_prompt: bool = False,
        tokenize: bool = True,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
        return_dict: bool = True,
        tokenizer_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> str | list[str] | list[int] | list[list[int]] | BatchEncoding:
        """Lay a conversation out as the model was trained to read it, then (by default) tokenize it.

        Args:
            conversation: a list of {"role": ..., "content": ...} messages, or a list of such lists (a batch).
            chat_template: a Jinja template to use instead of the checkpoint's (or the name of one of its templates).
            add_generation_prompt: end with the header of an assistant turn, so that the model answers.
            tokenize: False returns the rendered text.
            return_dict: with tokenize, return the BatchEncoding (input_ids, attention_mask), as transformers 5
                does by default; False returns only the ids.
            kwargs: further variables the template reads (e.g. `enable_thinking=False`); the special tokens
                (bos_token, eos_token, ...) are passed too.

        Special tokens are written by the template itself, so the text is tokenized with add_special_tokens=False.

        Example:
            >>> messages = [{"role": "user", "content": "What is the capital of France?"}]
            >>> tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)  # doctest: +SKIP
            '<|im_start|>system\\n...<|im_end|>\\n<|im_start|>user\\nWhat is ...?<|im_end|>\\n<|im_start|>assistant\\n'
        """
        from .chat_template import render_chat, select_chat_template

        template = select_chat_template(self.chat_template, chat_template, tools=tools)
        if not isinstance(conversation, (list, tuple)) or len(conversation) == 0:
            raise ChatTemplateError(
                "apply_chat_template needs a conversation: a non-empty list of messages such as "
                "[{{'role': 'user', 'content': 'Hello'}}], or a list of such lists; got {value!r:.80}.",
                key="conversation", value=conversation,
            )
        batched = isinstance(conversation[0], (list, tuple))
        conversations = list(conversation) if batched else [conversation]
        for messages in conversations:
            if not all(isinstance(message, dict) for message in messages):
                raise ChatTemplateError(
                    "Each message should be a dict with 'role' and 'content', e.g. "
                    "{{'role': 'user', 'content': 'Hello'}}; got {value!r:.80}.",
                    key="conversation", value=messages,
                )
        variables = {**self.special_tokens_map, **kwargs}  # the caller's variables win, as in transformers
        rendered = render_chat(template, conversations, add_generation_prompt=add_generation_prompt,
                               tools=tools, documents=documents, **variables)
        text = rendered if batched else rendered[0]
        if not tokenize:
            return text
        encoding = self(text, add_special_tokens=False, padding=padding, truncation=truncation,
                        max_length=max_length, return_tensors=return_tensors, **(tokenizer_kwargs or {}))
        return encoding if return_dict else encoding["input_ids"]


def _byte_level_steps(pre_tokenizer: Any) -> list[Any]:
    """The ByteLevel steps of a pre-tokenizer, looking inside a Sequence (Qwen2: a regex Split, then ByteLevel)."""
    if isinstance(pre_tokenizer, pre_tokenizers.ByteLevel):
        return [pre_tokenizer]
    if isinstance(pre_tokenizer, pre_tokenizers.Sequence):
        steps, index = [], 0
        while True:
            try:
                step = pre_tokenizer[index]
            except IndexError:
                return steps
            steps += _byte_level_steps(step)
            index += 1
    return []


class GPT2Tokenizer(TokenizersBackend):
    """GPT-2's tokenizer, also named by SmolLM2 and many others: one token, <|endoftext|>, ends every text."""

    default_special_tokens: ClassVar[dict[str, str]] = {
        "unk_token": _ENDOFTEXT, "bos_token": _ENDOFTEXT, "eos_token": _ENDOFTEXT,
    }
    sets_add_prefix_space: ClassVar[bool] = True


class Qwen2Tokenizer(TokenizersBackend):
    """Qwen2's tokenizer: <|endoftext|> is also its padding token, so batches pad without further setup."""

    default_special_tokens: ClassVar[dict[str, str]] = {
        "unk_token": _ENDOFTEXT, "eos_token": _ENDOFTEXT, "pad_token": _ENDOFTEXT,
    }
    sets_add_prefix_space: ClassVar[bool] = True


class LlamaTokenizer(TokenizersBackend):
    """Llama's tokenizer. Llama 3's is byte-level BPE (loaded as TokenizersBackend); Llama 2's is SentencePiece BPE
    with <s> and </s>, padded on the left."""

    default_special_tokens: ClassVar[dict[str, str]] = {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
    default_padding_side: ClassVar[str] = "left"

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, **kwargs: Any) -> TokenizersBackend:
        path = checkpoint.get(TOKENIZER_FILE)
        # Llama 3 checkpoints still name LlamaTokenizer; transformers' AutoTokenizer then loads TokenizersBackend.
        if path is not None and '"ByteLevel"' in path.read_text(encoding="utf-8"):
            return TokenizersBackend.from_checkpoint(checkpoint, **kwargs)
        return super().from_checkpoint(checkpoint, **kwargs)
