"""What lesson 0 (the introduction: architecture, checkpoint, Auto class) shows, as plain functions: the
notebook's cells and the registry explorer call these, and tests/test_lesson_introduction.py checks them.

    CHECKPOINTS, AUTO_CLASSES          the six course-pack Hub ids and the Auto classes that build a model
    registry_decision(repo_id, name)   what `name.from_pretrained(repo_id)` decides before reading a weight
    decision_text(decision)            that decision, line by line, in the current language (for print)
    registry_table()                   the registry as (model_type, Auto class, class) rows
    draw_call_path(decision)           a picture of one call's path: files → config → registry → model → weights
    png(image)                         a Pillow image as PNG bytes (for IPython.display.Image, ipywidgets.Image)
    auto_class_question()              the lesson's check-your-understanding question

Every sentence comes from the catalogs through `_()` when it is shown, so a language switch reaches it.
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from ..errors import ArgumentError
from ..i18n import _, direction, printed
from . import marks
from .pictures import font
from .quiz import QuizQuestion

__all__ = [
    "AUTO_CLASSES",
    "CHECKPOINTS",
    "STEP_COLOURS",
    "auto_class_question",
    "decision_text",
    "draw_call_path",
    "paint_step",
    "registry_decision",
    "registry_table",
]

# The six checkpoints the tutorial names, all in the offline course pack.
CHECKPOINTS = (
    "google-bert/bert-base-uncased",
    "distilbert/distilbert-base-uncased",
    "google/vit-base-patch16-224",
    "microsoft/swin-tiny-patch4-window7-224",
    "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition",
    "microsoft/layoutlmv2-base-uncased",
)

WEIGHTS_FILE = "model.safetensors"


def _tasks() -> dict[str, str]:
    """Auto class name → the task it asks the registry for ("AutoModel" → "base")."""
    from ..registry import TASKS

    return {name: task for task, name in TASKS.items()}


AUTO_CLASSES = tuple(_tasks())  # AutoModel, AutoModelForSequenceClassification, ...


# ---------------------------------------------------------------------------------------------------------------
# The registry's decision
# ---------------------------------------------------------------------------------------------------------------
def registry_decision(repo_id: str, auto_class_name: str) -> dict[str, Any]:
    """What `<auto_class_name>.from_pretrained(repo_id)` decides, step by step, without building the model.

    Returns a dict: repo_id, auto_class, task, from_pack (the course pack served the files), file (the file
    read: "config.json"), file_path (where it lies), key ("model_type"), value (its value), model_class (the
    class's name, or None), weights_file ("model.safetensors", or None when the checkpoint has none), error
    and error_type (the registry's refusal, or None).

    Example:
        >>> registry_decision("google-bert/bert-base-uncased", "AutoModel")["model_class"]  # doctest: +SKIP
        'BertModel'
    """
    from .. import auto
    from ..checkpoint import open_checkpoint
    from ..configuration import load_config_dict
    from ..constants import CONFIG_NAME

    tasks = _tasks()
    if auto_class_name not in tasks:
        raise ArgumentError("{value!r} is not an Auto class that builds a model; choose one of: {choices}.",
                            key="auto_class_name", value=auto_class_name, choices=", ".join(AUTO_CLASSES))
    checkpoint = open_checkpoint(repo_id)
    config_dict = load_config_dict(checkpoint)
    decision: dict[str, Any] = {
        "repo_id": repo_id,
        "auto_class": auto_class_name,
        "task": tasks[auto_class_name],
        "from_pack": bool(checkpoint.from_pack),
        "file": CONFIG_NAME,
        "file_path": str(checkpoint.get(CONFIG_NAME)),
        "key": "model_type",
        "value": config_dict.get("model_type"),
        "model_class": None,
        "weights_file": None,
        "error": None,
        "error_type": None,
    }
    try:
        # The Auto class's own choice, exactly as from_pretrained makes it (through autotutor.registry). A refusal
        # names the checkpoint by its Hub id, which reads the same on every machine (not where the pack put it).
        model_class = getattr(auto, auto_class_name).model_class(config_dict, checkpoint, source=repo_id)
    except Exception as err:  # the registry's refusals are the lesson: UnsupportedTaskError, UnknownModelTypeError...
        decision["error"] = str(err)
        decision["error_type"] = type(err).__name__
        return decision
    decision["model_class"] = model_class.__name__
    if checkpoint.get(WEIGHTS_FILE) is not None:
        decision["weights_file"] = WEIGHTS_FILE
    return decision


def decision_text(decision: dict[str, Any]) -> str:
    """The decision as a few lines in the current language, the same on every machine (no paths)."""
    lines = [
        _("File read: {file} of {repo_id}").format(file=decision["file"], repo_id=decision["repo_id"]),
        _("Key and value: \"{key}\": \"{value}\"").format(key=decision["key"], value=decision["value"]),
        _("{auto_class} asks the registry for the task \"{task}\"").format(auto_class=decision["auto_class"],
                                                                          task=decision["task"]),
    ]
    if decision["error"]:
        lines.append(_("The registry refuses ({error_type}): {error}").format(
            error_type=decision["error_type"], error=decision["error"]))
    else:
        lines.append(_("Class chosen: {model_class}").format(model_class=decision["model_class"]))
    return printed("\n".join(lines))


def registry_table() -> list[tuple[str, str, str]]:
    """(model_type, Auto class, class name) for every entry of `autotutor.registry.REGISTRY`, in its order."""
    from ..registry import REGISTRY, TASKS

    rows = []
    for model_type, architecture in REGISTRY.items():
        for task, model_class in architecture.models.items():
            rows.append((model_type, TASKS[task], model_class.__name__))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Pictures (Pillow only)
# ---------------------------------------------------------------------------------------------------------------
# Okabe-Ito hues, lightened so that black text stays readable.
STEP_COLOURS = {"done": "#bfe8d9", "stopped": "#f5b7b1", "skipped": "#eeeeee"}
def _centered(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], lines: list[str], size: int, *,
              text_direction: str | None = None) -> None:
    left, top, right, bottom = box
    heights = [size + 6] * len(lines)
    y = top + (bottom - top - sum(heights)) // 2
    for line, height in zip(lines, heights):
        width = draw.textlength(line, font=font(size), direction=text_direction)
        draw.text((left + (right - left - width) / 2, y), line, fill="black", font=font(size),
                  direction=text_direction)
        y += height


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def paint_step(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], state: str, *, rtl: bool = False) -> None:
    """One step's box, told apart by its mark as well as its colour: a tick (done), a cross (stopped) or a dotted
    outline and no mark (skipped). The mark sits in the box's top corner on the side the path comes from."""
    left, top, right, bottom = box
    if state == "skipped":
        draw.rounded_rectangle(box, radius=10, fill=STEP_COLOURS[state])
        marks.dotted_box(draw, (left + 2, top + 2, right - 2, bottom - 2), "#555555")
        return
    draw.rounded_rectangle(box, radius=10, fill=STEP_COLOURS[state], outline="#555555", width=2)
    corner = (right - 24, top + 6, right - 8, top + 20) if not rtl else (left + 8, top + 6, left + 24, top + 20)
    (marks.tick if state == "done" else marks.cross)(draw, corner, "#222222")


def draw_call_path(decision: dict[str, Any]) -> Image.Image:
    """Five boxes, files → config → registry → model → weights, each with what it did for this decision.

    Green with a tick: the step ran; red with a cross: the registry refused, so the call stops there; grey with
    a dotted outline: never reached (`paint_step`). In a right-to-left language the path runs from right to left.
    """
    stopped = decision["error"] is not None
    steps = [
        (_("files"), [decision["file"], _shorten(decision["repo_id"].split("/")[-1], 18)], "done"),
        (_("config"), [f'{decision["key"]}:', f'"{decision["value"]}"'], "done"),
        (_("registry"), [decision["auto_class"].replace("AutoModelFor", "…For")[:18], f'+ "{decision["value"]}"'],
         "stopped" if stopped else "done"),
        (_("model"), [decision["model_class"] or "—"], "skipped" if stopped else "done"),
        (_("weights"), [decision["weights_file"] or "—"], "skipped" if stopped or not decision["weights_file"]
         else "done"),
    ]
    box_w, box_h, gap, margin, title_h = 170, 90, 40, 20, 30
    width = 2 * margin + 5 * box_w + 4 * gap
    height = 2 * margin + title_h + box_h + (60 if stopped else 20)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    rtl = direction() == "rtl"
    for index, (title, details, state) in enumerate(steps):
        slot = 4 - index if rtl else index
        left = margin + slot * (box_w + gap)
        top = margin + title_h
        paint_step(draw, (left, top, left + box_w, top + box_h), state, rtl=rtl)
        # The step's number leads its title, on the right in Arabic: the title line is laid out right to left.
        _centered(draw, (left, margin, left + box_w, top), [f"{index + 1}. {title}"], 17,
                  text_direction="rtl" if rtl else None)
        _centered(draw, (left + 4, top, left + box_w - 4, top + box_h), details, 14)
        if index < 4:  # the arrow to the next step
            y = top + box_h // 2
            if rtl:
                x0, x1 = left - 6, left - gap + 6
            else:
                x0, x1 = left + box_w + 6, left + box_w + gap - 6
            draw.line((x0, y, x1, y), fill="#333333", width=3)
            tip = -8 if rtl else 8
            draw.polygon([(x1, y), (x1 - tip, y - 6), (x1 - tip, y + 6)], fill="#333333")
    if stopped:
        message = _("The registry refuses: {error_type}").format(error_type=decision["error_type"])
        _centered(draw, (margin, height - margin - 40, width - margin, height - margin), [message], 16)
    return image


# ---------------------------------------------------------------------------------------------------------------
# Check your understanding
# ---------------------------------------------------------------------------------------------------------------
def auto_class_question() -> QuizQuestion:
    """How `AutoModel` knows which class to build (built at call time, in the current language)."""
    return QuizQuestion(
        question=_("`AutoModel.from_pretrained(\"google/vit-base-patch16-224\")` builds a `ViTModel`. "
                   "How does `AutoModel` know it must be ViT?"),
        choices=(
            _("It reads `model_type` in the checkpoint's `config.json` and looks that value up in the registry."),
            _("It guesses from the checkpoint's name, which contains “vit”."),
            _("It opens the weights file and recognises the shapes of the tensors."),
            _("It runs a Python file that comes with the checkpoint."),
        ),
        feedback=(
            _("The value `\"vit\"` is the key of the registry; together with the task of the Auto class it gives "
              "the class to build. Names and weights are not looked at for this choice."),
            _("A name can say anything: a folder called `my-model` works just as well. Only `config.json` "
              "decides."),
            _("The class is chosen before a single weight is read: it must exist first, so that the weights "
              "have somewhere to go."),
            _("autotutor never runs code that comes with a checkpoint; a config that asks for it is refused."),
        ),
        answer=0,
    )
