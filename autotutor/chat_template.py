"""Chat templates: a conversation (a list of {"role", "content"} messages) → the one string a chat model reads.

A chat model was trained on conversations laid out in one exact format, ChatML for SmolLM2 and Qwen:

    <|im_start|>system
    You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
    <|im_start|>user
    What is the capital of France?<|im_end|>
    <|im_start|>assistant            ← add_generation_prompt=True writes this line: "now it is your turn"

The format is not code in the library: it ships with the checkpoint as a Jinja template, in tokenizer_config.json
(`"chat_template": "..."`) or in its own file, chat_template.jinja (which wins when both are there, as in
transformers). Rendering follows transformers 5.23 (`utils/chat_template_utils.py`) so that both libraries give
the same string, hence the same ids: `trim_blocks` and `lstrip_blocks`, the `loopcontrols` extension, a `tojson`
filter that does not escape HTML, and the globals `raise_exception(message)` and `strftime_now(format)`.

A template from the Hub is untrusted code. It runs in Jinja's `ImmutableSandboxedEnvironment`, made stricter here:
reaching for any attribute the sandbox calls unsafe (`''.__class__`, `cycler.__init__.__globals__`) stops the
rendering at once with a ChatTemplateError, where plain Jinja would quietly print nothing. Everything the template
sees is first copied into plain JSON values (strings, numbers, lists, dicts), so no object with methods reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import TemplateError, TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .checkpoint import Checkpoint
from .errors import ChatTemplateError
from .i18n import Text

__all__ = ["CHAT_TEMPLATE_FILE", "read_chat_template", "render_chat", "select_chat_template"]

# The file transformers 5 writes the template to (older checkpoints keep it in tokenizer_config.json).
CHAT_TEMPLATE_FILE = "chat_template.jinja"

Conversation = list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------------------------
# Where the template comes from
# ---------------------------------------------------------------------------------------------------------------
def read_chat_template(checkpoint: Checkpoint, settings: dict[str, Any]) -> str | dict[str, str] | None:
    """The checkpoint's template: chat_template.jinja, else tokenizer_config.json's `chat_template`, else None.

    tokenizer_config.json may hold several named templates, as a list of {"name", "template"}; they become a dict
    (name → template), and `select_chat_template` picks "default" unless told otherwise.
    """
    path = checkpoint.get(CHAT_TEMPLATE_FILE)
    if path is not None:
        return path.read_text(encoding="utf-8")
    template = settings.get("chat_template")
    if isinstance(template, list):
        return {entry["name"]: entry["template"] for entry in template}
    return template


def select_chat_template(own: str | dict[str, str] | None, chat_template: str | None = None, *,
                         tools: list[Any] | None = None) -> str:
    """The template to render: the one passed in, else the tokenizer's own (a named one when it has several)."""
    if isinstance(own, dict):
        if chat_template is not None:
            return own.get(chat_template, chat_template)  # a name of one of them, or a whole template
        name = "tool_use" if tools is not None and "tool_use" in own else "default"
        if name not in own:
            raise ChatTemplateError(
                "This tokenizer has several chat templates ({names}) and none is called 'default'. "
                "Pick one with apply_chat_template(..., chat_template=name).",
                names=", ".join(sorted(own)), key="chat_template",
            )
        return own[name]
    if chat_template is not None:
        return chat_template
    if own is None:
        raise ChatTemplateError(
            "This tokenizer has no chat template: its checkpoint ships neither {file} nor a 'chat_template' in "
            "tokenizer_config.json, which is usual for a base model that was never trained to chat. Use the "
            "instruct version of the model, or pass a Jinja template: apply_chat_template(messages, "
            "chat_template=...), or set tokenizer.chat_template.",
            file=CHAT_TEMPLATE_FILE, key="chat_template",
        )
    return own


# ---------------------------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------------------------
class _StrictSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, failing loudly: an unsafe attribute is an error, not an empty string."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise _sandbox_error(Text("the attribute {attribute} of a {kind} object", attribute=attribute,
                                  kind=type(obj).__name__))


class _GenerationTag(Extension):
    """`{% generation %}...{% endgeneration %}`: transformers marks the assistant's text with it (for training
    masks); rendering only needs the text inside."""

    tags = {"generation"}

    def parse(self, parser: Any) -> list[nodes.Node]:
        next(parser.stream)  # the word "generation"
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


class _TemplateNamespace(jinja2.utils.Namespace):
    """`namespace(...)`, refusing the underscore names that lead to Python's internals (as transformers does)."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # Jinja's own signature trick: `namespace(self=1)` works
        self, args = args[0], args[1:]
        attrs = dict(*args, **kwargs)
        for name in attrs:
            _TemplateNamespace._check_name(name)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _TemplateNamespace._check_name(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check_name(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise _sandbox_error(Text("a namespace attribute named {attribute}", attribute=name))


class _TemplateDict:
    """`dict(...)` and `dict.fromkeys(...)` without the rest of the `dict` type (its attributes lead outside)."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
        return dict.fromkeys(*args, **kwargs)


def _sandbox_error(what: Text) -> ChatTemplateError:
    return ChatTemplateError(
        "The chat template was stopped: it tried to reach {what}, a way into Python's internals that the sandbox "
        "forbids. A template comes from the checkpoint and is untrusted code; use the template of a checkpoint "
        "you trust, or pass your own with chat_template=...",
        what=what, key="chat_template",
    )


def _raise_exception(message: str) -> None:
    """The template's own way to refuse a conversation (roles that do not alternate, a missing system message)."""
    raise ChatTemplateError("The chat template refused this conversation: {reason}", reason=str(message),
                            key="messages")


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    # Jinja's own tojson escapes <, >, & for HTML pages; a prompt wants the characters as they are.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(format: str) -> str:
    return datetime.now().strftime(format)


@lru_cache(maxsize=32)
def _compile(template: str) -> jinja2.Template:
    environment = _StrictSandbox(trim_blocks=True, lstrip_blocks=True,
                                 extensions=[_GenerationTag, "jinja2.ext.loopcontrols"])
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    environment.globals["dict"] = _TemplateDict()
    environment.globals["namespace"] = _TemplateNamespace
    return environment.from_string(template)


def _plain(value: Any) -> Any:
    """A copy made of JSON values only; anything else (a tensor, an image, a custom object) becomes "<TypeName>"."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    for kind in (bool, str, int, float):  # subclasses (enums, numpy scalars) lose their extra methods
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return f"<{type(value).__name__}>"


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------
def render_chat(
    template: str,
    conversations: list[Conversation],
    *,
    add_generation_prompt: bool = False,
    tools: list[dict[str, Any]] | None = None,
    documents: list[dict[str, Any]] | None = None,
    **variables: Any,
) -> list[str]:
    """Render each conversation with `template`; `variables` (bos_token, eos_token, ...) are visible to it.

    Example:
        >>> render_chat("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\\n{% endfor %}",
        ...             [[{"role": "user", "content": "Hi"}]])
        ['user: Hi\\n']
    """
    try:
        compiled = _compile(template)
    except TemplateSyntaxError as err:
        raise ChatTemplateError("The chat template is not valid Jinja (line {line}): {reason}.",
                                line=err.lineno, reason=err.message, key="chat_template") from err
    shared = {"tools": _plain(tools), "documents": _plain(documents), **_plain(variables)}
    rendered = []
    for conversation in conversations:
        # As transformers: a key whose value is None is dropped (APIs send content=None; templates expect no key).
        messages = [{key: value for key, value in _plain(message).items() if value is not None}
                    for message in conversation]
        try:
            rendered.append(compiled.render(messages=messages, add_generation_prompt=add_generation_prompt, **shared))
        except TemplateError as err:
            raise ChatTemplateError("The chat template failed while rendering this conversation: {reason}.",
                                    reason=err.message, key="chat_template") from err
    return rendered
