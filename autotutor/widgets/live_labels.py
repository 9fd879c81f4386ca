"""The words of the course website's live explorers, as catalog messages, and the table the site gives them in.

On the website (book/), the tokenizer lesson's explorer and the text-generation lesson's chat-template renderer
run in the reader's browser, in JavaScript (`book/_static/live/`), where `_()` cannot be called. They show the
notebook explorer's own labels: each message below is a msgid of the catalogs, and `book/build.py` writes
`labels(lang)` into the site for each language, as JSON, for the page's script to read.

    labels("fr")["messages"]["Texts"]     → "Textes"
    labels("ar")["plurals"]["{n} token"]  → the six Arabic forms, picked in the page by `plural_forms`

A message the catalogs do not translate yet falls back to its English id, as `_()` does.
See https://www.gnu.org/software/gettext/manual/html_node/Plural-forms.html for the plural expression.
"""

from __future__ import annotations

import re
from typing import Any

from ..i18n import N_, direction, parse_plural_forms, translate

__all__ = ["CHAT_TEMPLATE_MESSAGES", "PLURALS", "TOKENIZER_EXPLORER_MESSAGES", "labels"]

# What the notebook's TokenizerExplorer shows (widgets/tokenizer_explorer.py, lessons/autotokenizer.py), and the
# one sentence the live page adds above it.
TOKENIZER_EXPLORER_MESSAGES = (
    N_("This explorer runs in your browser, on the checkpoint's own `tokenizer.json` read by "
       "`@huggingface/tokenizers`, a JavaScript tokenizer library: type, and the pieces follow."),
    N_("Type a text, or several: one line per text makes a batch. French and Arabic work too."),
    N_("In a hole in the ground there lived a hobbit."),
    N_("Texts"),
    N_("padding"),
    N_("One text per line: each line is a sequence of the batch"),
    N_("Pad the shorter texts with `[PAD]` so every row has the same length"),
    N_("Cut every text longer than `max_length` tokens"),
    N_("The length that truncation cuts to, and that `padding='max_length'` pads to"),
    N_("Add `[CLS]` at the start and `[SEP]` at the end, as BERT was trained"),
    N_("padding: filler the model ignores"),
    N_("special token, added by the tokenizer"),
    N_("a piece of word {number} of the text"),
    N_("word-piece"),
    N_("one colour per word: its pieces share it"),
    N_("special token"),
    N_("Type a text above to see its tokens."),
    N_("Only the first {count} lines are shown."),
    N_("Every row is {tokens} long: the batch is a rectangle, as a model needs."),
    N_("The rows have different lengths. A model needs a rectangle: choose `padding=True`."),
    N_("Text {number}: {tokens}"),
    N_("Truncated: `truncation=True` cut this text to `max_length` tokens; the rest is dropped."),
    N_("Identical: decoding gives back exactly the text you typed."),
    N_("The same words, normalized: this checkpoint lowercases the text and removes accents before cutting it, "
       "and decoding gives back that normalized form."),
    N_("Something was lost: characters the vocabulary cannot spell became {unk}, or the text was truncated."),
)

# The chat-template renderer of the text-generation lesson (the page's own; the notebook prints the template).
CHAT_TEMPLATE_MESSAGES = (
    N_("Try it here: edit the conversation, and the chat template of {repo_id} is rendered in your browser by "
       "`@huggingface/jinja`, then tokenized by `@huggingface/tokenizers`."),
    N_("Messages"),
    N_("Message {number}"),
    N_("role"),
    N_("content"),
    N_("Add a message"),
    N_("Remove"),
    N_("Remove message {number}"),
    N_("Open the assistant's turn at the end, so that the model's next tokens are its answer"),
    N_("The text the model reads, special tokens highlighted:"),
    N_("Its tokens: {tokens}"),
    N_("special token"),
    N_("id"),
    N_("token"),
    N_("The chat template could not render this conversation: {reason}"),
)

# singular → plural, as `ngettext` is called with them.
PLURALS = {"{n} token": "{n} tokens"}

# A `Plural-Forms` expression is C: `n`, numbers, comparisons, arithmetic, && || ! and ?:. The page evaluates it
# as JavaScript (the same syntax), so nothing else may be in it.
_PLURAL_EXPRESSION = re.compile(r"[n0-9\s()?:<>=!&|%+\-*/]+")


def labels(lang: str) -> dict[str, Any]:
    """Every message of the live explorers in `lang`, with its plural forms and the rule that picks one.

    Returns:
        {"lang", "dir", "messages": {msgid: text}, "plurals": {singular: [form, ...]}, "plural_forms": "(n > 1)"}

    Example:
        >>> labels("en")["messages"]["Texts"]
        'Texts'
    """
    messages = dict.fromkeys(TOKENIZER_EXPLORER_MESSAGES + CHAT_TEMPLATE_MESSAGES)
    expression = _plural_expression(lang)
    return {
        "lang": lang,
        "dir": direction(lang),
        "messages": {message: translate(message, lang) for message in messages},
        "plurals": {singular: _plural_forms(singular, plural, lang) for singular, plural in PLURALS.items()},
        "plural_forms": expression,
    }


def _plural_expression(lang: str) -> str:
    """The C expression of `lang`'s catalog header that gives a number's plural form (English: `(n != 1)`)."""
    from ..i18n import _read  # the catalog as Babel read it; its header holds the rule

    parsed = parse_plural_forms(dict(_read(lang).mime_headers).get("Plural-Forms", ""))
    expression = parsed[1] if parsed else "(n != 1)"
    # The header is the catalogs' own, checked by `autotutor i18n check`; this guards what the page evaluates.
    assert _PLURAL_EXPRESSION.fullmatch(expression), f"{lang}: Plural-Forms {expression!r} is not arithmetic"
    return expression


def _plural_forms(singular: str, plural: str, lang: str) -> list[str]:
    """The catalog's forms of a plural message in `lang`, or the English two when it has none (as ngettext)."""
    from ..i18n import _catalog  # msgid → translation, plural forms as a tuple

    forms = _catalog(lang).get(singular)
    if isinstance(forms, (tuple, list)) and all(forms):
        return list(forms)
    return [singular, plural]
