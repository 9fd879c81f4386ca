"""What lesson 6 (AutoModel: one checkpoint, several heads) shows, as plain functions: the notebook's cells and the
head explorer call these, and tests/test_lesson_automodel.py checks them.

    weight_blocks(report)             the load report grouped into blocks (embeddings, layer 0, ..., classifier),
                                      each loaded, new or unused
    draw_load_report(report)          those blocks as a picture, coloured and patterned by status
    probabilities(logits)             softmax over the last dimension
    sequence_predictions(...)         one text → (label, logit, probability) for every label
    token_predictions(...)            one text → for every token, its most probable label and that probability
    predictions_text(rows)            either table as aligned text (for print)
    new_head_question()               the lesson's check-your-understanding question
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from PIL import Image, ImageDraw

from ..i18n import _, direction, number
from . import marks
from .pictures import font
from .quiz import QuizQuestion

__all__ = [
    "STATUS_COLOURS",
    "Block",
    "Prediction",
    "TokenPrediction",
    "draw_load_report",
    "new_head_question",
    "paint_status",
    "predictions_text",
    "probabilities",
    "sequence_predictions",
    "token_predictions",
    "weight_blocks",
]

# Okabe-Ito hues, lightened so that black text stays readable: green loaded, orange new, grey unused.
STATUS_COLOURS = {"loaded": "#bfe8d9", "new": "#fdc98a", "unused": "#dddddd"}

_BASE_PREFIXES = ("distilbert.", "bert.", "vit.", "swin.", "wav2vec2.")
_LAYER = re.compile(r"^((?:transformer|encoder)\.layers?\.\d+)\.")


class Block(NamedTuple):
    """A group of weights the picture draws as one box."""

    name: str  # "embeddings", "transformer.layer.0", "classifier", ...
    status: str  # "loaded" (from the checkpoint), "new" (initialized now: train it) or "unused" (left out)
    tensors: int  # how many weight tensors the block holds


def _block_name(weight: str) -> str:
    """`distilbert.transformer.layer.3.ffn.lin1.weight` → `transformer.layer.3`; `classifier.bias` → `classifier`.
    """
    for prefix in _BASE_PREFIXES:
        if weight.startswith(prefix):
            weight = weight[len(prefix):]
            break
    layer = _LAYER.match(weight)
    if layer:
        return layer.group(1)
    first = weight.split(".")[0]
    if first in ("embeddings", "encoder", "transformer", "pooler"):
        return first
    return weight.rsplit(".", 1)[0]  # a head: drop ".weight" / ".bias"


def weight_blocks(report: Any) -> list[Block]:
    """The weights of `model.load_report`, grouped into blocks in the model's order, then the unused ones.

    Example:
        >>> [b[:2] for b in weight_blocks(model.load_report)][-3:]  # doctest: +SKIP
        [('classifier', 'new'), ('vocab_transform', 'unused'), ...]
    """
    status_of: dict[str, str] = {}
    counts: dict[str, int] = {}
    names = [(w, "loaded") for w in report.loaded] + [(w, "new") for w in report.newly_initialized]
    names += [(w, "new") for w, _, _ in report.mismatched]  # re-initialized: as new as a missing head
    names += [(w, "unused") for w in report.unexpected]
    for weight, status in names:
        block = _block_name(weight)
        counts[block] = counts.get(block, 0) + 1
        # A block with one new tensor is new as a whole: it was not learned as it stands.
        if block not in status_of or status == "new":
            status_of[block] = status
    blocks = [Block(name, status_of[name], counts[name]) for name in status_of]
    order = {"loaded": 0, "new": 1, "unused": 2}
    return sorted(blocks, key=lambda b: order[b.status])  # stable: forward order kept within each status


def _status_label(status: str) -> str:
    return {"loaded": _("loaded from the checkpoint"),
            "new": _("NEW: initialized at random, needs training"),
            "unused": _("UNUSED: in the checkpoint, left out")}[status]


def paint_status(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], status: str) -> None:
    """A block (or a legend's swatch) in its status's colour and pattern: plain with a solid edge (loaded),
    striped (new), dotted edge (unused). The pattern says it without colour, on paper or for colour-blind eyes."""
    if status == "unused":
        draw.rectangle(box, fill=STATUS_COLOURS[status])
        marks.dotted_box(draw, box, "#555555")
        return
    draw.rectangle(box, fill=STATUS_COLOURS[status], outline="#777777")
    if status == "new":
        marks.hatch(draw, box, "#b8651a", spacing=8, width=2)
        draw.rectangle(box, outline="#777777")


def draw_load_report(report: Any) -> Image.Image:
    """The model as a stack of blocks coloured and patterned by where their weights came from (`paint_status`),
    with the checkpoint's unused
    weights set apart on the side and a legend below. Mirrored in a right-to-left language."""
    blocks = weight_blocks(report)
    inside = [b for b in blocks if b.status != "unused"]
    outside = [b for b in blocks if b.status == "unused"]
    box_w, box_h, gap, margin, title_h = 300, 30, 6, 20, 34
    column_gap = 80
    legend_h = 3 * 28 + 10
    rows = max(len(inside), len(outside), 1)
    width = 2 * margin + 2 * box_w + column_gap
    height = 2 * margin + title_h + rows * (box_h + gap) + legend_h + 10
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    rtl = direction() == "rtl"
    columns = [(report.model_class, inside), (_("in the checkpoint, not used"), outside)]
    for index, (title, column) in enumerate(columns):
        slot = 1 - index if rtl else index
        left = margin + slot * (box_w + column_gap)
        title_width = draw.textlength(title, font=font(16))
        draw.text((left + (box_w - title_width) / 2, margin), title, fill="black", font=font(16))
        if index == 0:  # a frame around the model: everything inside it is part of the model that was built
            draw.rectangle((left - 8, margin + title_h - 8, left + box_w + 8,
                            margin + title_h + len(inside) * (box_h + gap) + 2), outline="#555555", width=2)
        for row, block in enumerate(column):
            top = margin + title_h + row * (box_h + gap)
            paint_status(draw, (left, top, left + box_w, top + box_h), block.status)
            text = f"{block.name}  ({block.tensors})"
            text_width = draw.textlength(text, font=font(14))
            text_left = left + (box_w - text_width) / 2
            # The label sits on a plain patch of the block's colour, so stripes never cross the letters.
            draw.rectangle((text_left - 4, top + 6, text_left + text_width + 4, top + box_h - 6),
                           fill=STATUS_COLOURS[block.status])
            draw.text((text_left, top + 7), text, fill="black", font=font(14))
    top = height - margin - legend_h + 10
    for row, status in enumerate(("loaded", "new", "unused")):
        y = top + row * 28
        label = _status_label(status)
        if rtl:
            right = width - margin
            paint_status(draw, (right - 20, y, right, y + 20), status)
            draw.text((right - 30 - draw.textlength(label, font=font(14)), y + 2), label, fill="black", font=font(14))
        else:
            paint_status(draw, (margin, y, margin + 20, y + 20), status)
            draw.text((margin + 30, y + 2), label, fill="black", font=font(14))
    return image


# ---------------------------------------------------------------------------------------------------------------
# Logits → probabilities
# ---------------------------------------------------------------------------------------------------------------
class Prediction(NamedTuple):
    label: str  # config.id2label[i]
    logit: float  # the head's raw score
    probability: float  # softmax of the logits


class TokenPrediction(NamedTuple):
    token: str  # the word-piece
    label: str  # its most probable label
    probability: float  # that label's probability


def probabilities(logits):
    """Softmax over the last dimension: exp(logit) / sum of exp(logits). Each row then adds up to 1.

    >>> import torch
    >>> probabilities(torch.tensor([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    return logits.softmax(dim=-1)


def _logits(model, tokenizer, text: str):
    import torch

    inputs = tokenizer(text, return_tensors="pt", truncation=True)
    model.eval()  # no dropout: the same text always gives the same numbers
    with torch.no_grad():
        return model(**inputs).logits[0], inputs


def sequence_predictions(model, tokenizer, text: str) -> list[Prediction]:
    """One prediction for the whole text: every label with its logit and its probability, in label order."""
    logits, _inputs = _logits(model, tokenizer, text)  # (num_labels,)
    probs = probabilities(logits)
    return [Prediction(model.config.id2label[i], float(logits[i]), float(probs[i])) for i in range(len(logits))]


def token_predictions(model, tokenizer, text: str) -> list[TokenPrediction]:
    """One prediction per token (special tokens included): its most probable label and that probability."""
    logits, inputs = _logits(model, tokenizer, text)  # (tokens, num_labels)
    probs = probabilities(logits)
    best = probs.max(dim=-1)
    tokens = inputs.tokens(0)
    return [TokenPrediction(token, model.config.id2label[int(i)], float(p))
            for token, i, p in zip(tokens, best.indices, best.values)]


def predictions_text(rows: list[Prediction] | list[TokenPrediction]) -> str:
    """Either kind of prediction as an aligned table, numbers to 3 decimals."""
    if rows and isinstance(rows[0], Prediction):
        head = [_("label"), _("logit"), _("probability")]
        body = [[r.label, number(r.logit, 3), number(r.probability, 3)] for r in rows]
    else:
        head = [_("token"), _("label"), _("probability")]
        body = [[r.token, r.label, number(r.probability, 3)] for r in rows]
    widths = [max(len(row[i]) for row in [head, *body]) + 2 for i in range(3)]
    mark = "\u200e" if direction() == "rtl" else ""  # keeps the columns in place in Arabic
    return "\n".join(mark + "".join(f"{cell:<{w}}" for cell, w in zip(row, widths)).rstrip() for row in [head, *body])


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def new_head_question() -> QuizQuestion:
    """What NEW in the load report means for predictions (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("The load report marks `classifier.weight` and `classifier.bias` as NEW. What can you expect "
                   "from this model's predictions before any training?"),
        choices=(
            _("They are arbitrary: the head was initialized at random, so it has learned nothing about the labels."),
            _("They are good: the checkpoint's weights make the whole model trained."),
            _("There are none: a model with NEW weights refuses to run."),
            _("They are those of the masked-language-model head the checkpoint was saved with."),
        ),
        feedback=(
            _("The body of the model is trained and gives meaningful hidden states, but the small head that turns "
              "them into labels starts from random numbers. Fine-tune it on labelled examples first."),
            _("Only the body comes from the checkpoint. The head that chooses a label is new, and nobody has "
              "trained it yet."),
            _("The model runs, and gives logits and probabilities: it is their meaning that is missing, not the "
              "numbers."),
            _("That head is in the checkpoint but UNUSED: a classification model has no place for it, so it is "
              "left out."),
        ),
        answer=0,
    )
