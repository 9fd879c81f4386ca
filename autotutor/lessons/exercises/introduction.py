"""Lesson 0's exercises (the introduction: checkpoint, config, registry), on checkpoint folders made up by the
check: a `config.json` of a random architecture, with an `architectures` entry that names another class.

    00.model_class      the class an Auto class builds for a checkpoint: config.json's model_type + the registry
    00.auto_classes     every Auto class that can build a model from a checkpoint (none for LayoutLMv2)
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]


def _registry():
    from ...registry import REGISTRY, TASKS

    return REGISTRY, TASKS


def _make_checkpoint(folder: Path, model_type: str, saved_class: str | None, rng: random.Random) -> str:
    """A checkpoint folder holding only `config.json`, as `save_pretrained` writes it (no weights: the
    registry decides before any weight is read)."""
    folder.mkdir(parents=True)
    config = {"model_type": model_type, "hidden_size": rng.choice([32, 64, 128])}
    if saved_class is not None:
        config["architectures"] = [saved_class]  # the class that was saved, which is not what the Auto class builds
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return str(folder)


# ---------------------------------------------------------------------------------------------------------------
# 00.model_class
# ---------------------------------------------------------------------------------------------------------------
def check_model_class(answer: object) -> Verdict:
    registry, tasks = _registry()
    rng = random.Random()
    # The bare model of one architecture, then a head of two architectures that have several heads: the class
    # saved in `architectures` is then neither the answer nor the bare model (each mistake reads as itself).
    first = rng.choice([name for name, arch in registry.items() if len(arch.models) > 1])
    others = rng.sample([name for name, arch in registry.items() if len(arch.models) > 2 and name != first], 2)
    asked = [(first, "base")] + [
        (name, rng.choice([task for task in registry[name].models if task != "base"])) for name in others]
    with tempfile.TemporaryDirectory(prefix="autotutor-exercise-") as tmp:
        for i, (model_type, task) in enumerate(asked):
            arch = registry[model_type]
            expected = arch.models[task].__name__
            saved = rng.choice([cls.__name__ for name, cls in arch.models.items() if name not in ("base", task)])
            folder = _make_checkpoint(Path(tmp) / f"checkpoint-{i}", model_type, saved, rng)
            run = attempt(answer, folder, tasks[task])
            if run.verdict is not None:
                return run.verdict
            got = run.value
            if isinstance(got, type):
                return not_yet("returned_class", N_("Not yet: your function returned the class itself; the task "
                                                    "asks for its name, a string: `cls.__name__`."))
            if got == expected:
                continue
            fields = dict(model_type=model_type, auto_class=tasks[task], expected=expected, got=got)
            if got == model_type:
                return not_yet("returned_model_type", N_("Not yet: {got!r} is the checkpoint's `model_type`. The "
                                                         "registry maps it, with the Auto class's task, to a "
                                                         "class: here {expected}."), **fields)
            if got == saved:
                return not_yet("read_architectures", N_("Not yet: {got} is the class that was saved, from "
                                                        "config.json's `architectures`. An Auto class does not "
                                                        "read that key: {auto_class} builds {expected} from "
                                                        "`model_type` and its task."), **fields)
            if got == arch.config.__name__:
                return not_yet("returned_config_class", N_("Not yet: {got} is the config class. Look in the "
                                                           "registry entry's `models`, by task."), **fields)
            if got == arch.models["base"].__name__:
                return not_yet("ignored_task", N_("Not yet: {got} is the bare model; {auto_class} asks for "
                                                  "another task, and the registry gives {expected}. Map the "
                                                  "Auto class to its task first (`TASKS`)."), **fields)
            return not_yet("wrong_class", N_("Not yet: for a '{model_type}' checkpoint, {auto_class} builds "
                                             "{expected}; your function said {got!r}."), **fields)
    return right(N_("Right: `model_type` from config.json, the task from the Auto class, and the registry "
                    "gives the class, without reading a weight."))


MODEL_CLASS = Exercise(
    id="00.model_class",
    lesson="00_introduction",
    title=N_("Predict the class"),
    task=N_("Write `model_class_name(checkpoint, auto_class_name)`: given a checkpoint folder and the name of an "
            "Auto class (such as `\"AutoModel\"` or `\"AutoModelForCausalLM\"`), it returns the name of the class "
            "that Auto class would build, as a string (such as `\"BertModel\"`), without loading any weight.\n\n"
            "The check makes up checkpoint folders of other architectures than BERT; each holds only a "
            "`config.json`."),
    hint=N_("Read `model_type` from the folder's config.json (`load_config_dict(open_checkpoint(folder))`). "
            "`autotutor.registry.TASKS` maps each task to its Auto class name, and `REGISTRY[model_type].models` "
            "maps each task to a class."),
    solution='''\
from autotutor.checkpoint import open_checkpoint
from autotutor.configuration import load_config_dict
from autotutor.registry import REGISTRY, TASKS

def model_class_name(checkpoint, auto_class_name):
    model_type = load_config_dict(open_checkpoint(checkpoint))["model_type"]
    task = {name: task for task, name in TASKS.items()}[auto_class_name]
    return REGISTRY[model_type].models[task].__name__
''',
    check=check_model_class,
    wrong_example='''\
import json
from pathlib import Path

def model_class_name(checkpoint, auto_class_name):
    config = json.loads((Path(checkpoint) / "config.json").read_text())
    return config["architectures"][0]
''',
    wrong_code="read_architectures",
)


# ---------------------------------------------------------------------------------------------------------------
# 00.auto_classes
# ---------------------------------------------------------------------------------------------------------------
def check_auto_classes(answer: object) -> Verdict:
    registry, tasks = _registry()
    rng = random.Random()
    # One architecture the registry has no model for (LayoutLMv2) and two that have several.
    model_types = [name for name, arch in registry.items() if not arch.models][:1]
    model_types += rng.sample([name for name, arch in registry.items() if len(arch.models) > 2], 2)
    rng.shuffle(model_types)
    with tempfile.TemporaryDirectory(prefix="autotutor-exercise-") as tmp:
        for i, model_type in enumerate(model_types):
            arch = registry[model_type]
            expected = [tasks[task] for task in arch.models]
            folder = _make_checkpoint(Path(tmp) / f"checkpoint-{i}", model_type, None, rng)
            run = attempt(answer, folder)
            if run.verdict is not None:
                return run.verdict
            got = run.value
            if not isinstance(got, (list, tuple, set)) or not all(isinstance(name, str) for name in got):
                return not_yet("not_a_list", N_("Not yet: return a list of Auto class names (strings), such as "
                                                "`[\"AutoModel\", \"AutoModelForMaskedLM\"]`."))
            got = list(got)
            if sorted(got) == sorted(expected):
                continue
            fields = dict(model_type=model_type, expected=", ".join(expected) or "[]", got=", ".join(got) or "[]")
            if got and sorted(got) == sorted(arch.models):
                return not_yet("returned_tasks", N_("Not yet: {got} are the registry's task names. Turn each one "
                                                    "into the Auto class that asks for it with `TASKS`."), **fields)
            if got and sorted(got) == sorted(cls.__name__ for cls in arch.models.values()):
                return not_yet("returned_model_classes", N_("Not yet: {got} are the classes that get built; the "
                                                            "task asks for the Auto classes that build them."),
                               **fields)
            if not arch.models:
                return not_yet("layoutlmv2_refuses", N_("Not yet: the registry has no model class at all for a "
                                                        "'{model_type}' checkpoint, so no Auto class can build "
                                                        "one: the answer is an empty list."), **fields)
            if sorted(got) == sorted(name for name in expected if name != "AutoModel"):
                return not_yet("missed_auto_model", N_("Not yet: `AutoModel` is missing. It asks for the task "
                                                       "'base', the bare model, which the registry lists too."),
                               **fields)
            return not_yet("wrong_auto_classes", N_("Not yet: for a '{model_type}' checkpoint the Auto classes "
                                                    "are {expected}; your function said {got}."), **fields)
    return right(N_("Right: one Auto class per task the registry lists for the checkpoint's `model_type`, and "
                    "none for LayoutLMv2."))


AUTO_CLASSES = Exercise(
    id="00.auto_classes",
    lesson="00_introduction",
    title=N_("Every Auto class that fits"),
    task=N_("Write `auto_classes_for(checkpoint)`: given a checkpoint folder, it returns the list of the names of "
            "all the Auto classes that can build a model from it, such as `[\"AutoModel\", "
            "\"AutoModelForSequenceClassification\", …]`. A checkpoint no Auto class can build gives an empty "
            "list.\n\n"
            "The check makes up checkpoint folders of several architectures, LayoutLMv2 among them."),
    hint=N_("`REGISTRY[model_type].models` has one entry per task; `TASKS[task]` is the Auto class that asks "
            "for that task."),
    solution='''\
from autotutor.checkpoint import open_checkpoint
from autotutor.configuration import load_config_dict
from autotutor.registry import REGISTRY, TASKS

def auto_classes_for(checkpoint):
    model_type = load_config_dict(open_checkpoint(checkpoint))["model_type"]
    return [TASKS[task] for task in REGISTRY[model_type].models]
''',
    check=check_auto_classes,
    wrong_example='''\
from autotutor.checkpoint import open_checkpoint
from autotutor.configuration import load_config_dict
from autotutor.registry import REGISTRY

def auto_classes_for(checkpoint):
    model_type = load_config_dict(open_checkpoint(checkpoint))["model_type"]
    return list(REGISTRY[model_type].models)
''',
    wrong_code="returned_tasks",
)

EXERCISES = [MODEL_CLASS, AUTO_CLASSES]
