"""The lessons' exercises: every check passes its solution, names the typical mistake, answers a blank with
"not_done", and cannot be fooled by printing or by replaying answers; the texts are catalog messages; the
notebook entry point shows, returns and records the verdict.

The checks are parametrised over `autotutor.lessons.exercises.EXERCISES`, so a new exercise is tested for free.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from autotutor.i18n import set_language
from autotutor.lessons.exercises import EXERCISES, LESSON_MODULES, exercises_for
from autotutor.lessons.exercises.base import Verdict, attempt, is_blank, not_yet, right


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread for this module: on a shared 2-core machine, two threads waiting for each other made a
    Whisper check about ten times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
ALL = list(EXERCISES.values())
IDS = [ex.id for ex in ALL]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def _function(source: str):
    """The last function `source` defines, executed in a fresh namespace (as a learner's cell would be)."""
    namespace: dict = {}
    exec(compile(source, "<cell>", "exec"), namespace)
    names = [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    assert names, "the source defines no function"
    return namespace[names[-1]]


def _blank(source: str):
    """The cell as a learner gets it: the same signature, the body `...`."""
    node = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
    node.body = [ast.Expr(ast.Constant(Ellipsis))]
    return _function(ast.unparse(node))


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    """Every message Babel extracts from the exercise modules (what `autotutor i18n extract` puts in the catalog)."""
    folder = ROOT / "autotutor" / "lessons" / "exercises"
    return {found[2] for found in extract_from_dir(folder, keywords=DEFAULT_KEYWORDS)}


# ---------------------------------------------------------------------------------------------------------------
# Every exercise
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_the_solution_passes(ex, msgids):
    verdict = ex.judge(_function(ex.solution))
    assert verdict.passed and verdict.code == "right", verdict.text()
    assert verdict.message in msgids and verdict.text()


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_the_typical_mistake_gets_its_own_verdict(ex, msgids):
    assert ex.wrong_code not in ("right", "not_done", "raised", "check_failed")
    verdict = ex.judge(_function(ex.wrong_example))
    assert not verdict.passed and verdict.code == ex.wrong_code, verdict.text()
    assert verdict.message in msgids and verdict.text()


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_a_blank_is_not_done_without_raising(ex):
    for blank in (_blank(ex.solution), ..., None):
        verdict = ex.judge(blank)
        assert (verdict.passed, verdict.code) == (False, "not_done")
    assert ex.check(_blank(ex.solution)).code == "not_done"  # the check itself, without judge's safety net


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_printing_the_expected_output_cannot_pass(ex, capsys):
    solution = _function(ex.solution)

    def prints(*args, **kwargs):
        print(solution(*args, **kwargs))

    verdict = ex.judge(prints)
    assert not verdict.passed and verdict.code == "returned_nothing"
    assert capsys.readouterr().out == ""  # what the learner's function prints during a check stays out of the cell


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_replaying_the_answers_of_an_earlier_check_fails(ex):
    """The inputs are fresh at each check: answers hard-coded from one check do not pass the next one."""
    solution = _function(ex.solution)
    answers: list = []

    def records(*args, **kwargs):
        answers.append(solution(*args, **kwargs))
        return answers[-1]

    assert ex.judge(records).passed
    for _ in range(3):  # a replay may match by chance once; three times in a row it would be a fixed input
        replayed = iter(list(answers))
        if not ex.judge(lambda *args, **kwargs: next(replayed)).passed:
            return
    pytest.fail("three checks in a row passed the answers recorded from an earlier one")


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_something_that_is_not_a_function_is_told_so(ex):
    verdict = ex.judge(42)
    assert not verdict.passed and verdict.code == "not_a_function"


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_the_texts_are_catalog_messages(ex, msgids):
    for text in (ex.title, ex.task, ex.hint):
        assert text in msgids, text
    assert ex.solution.strip() and ex.wrong_example.strip()


def test_no_message_is_an_f_string():
    """Babel extracts only plain literals: every N_() holds one, and every right()/not_yet() message is an N_()
    (or a constant made of one)."""
    def literal(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str)

    wrong = []
    for path in sorted((ROOT / "autotutor" / "lessons" / "exercises").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", None) if isinstance(node, ast.Call) else None
            if name in ("N_", "_") and not (node.args and literal(node.args[0])):
                wrong.append(f"{path.name}:{node.lineno}")
            position = {"right": 0, "not_yet": 1}.get(name)
            if position is not None and len(node.args) > position:
                message = node.args[position]
                if not (isinstance(message, ast.Call) and getattr(message.func, "id", None) == "N_"
                        or isinstance(message, ast.Name)):  # a constant set to an N_() once
                    wrong.append(f"{path.name}:{node.lineno}")
    assert not wrong, wrong


# ---------------------------------------------------------------------------------------------------------------
# More of the common mistakes, each with its own verdict code
# ---------------------------------------------------------------------------------------------------------------
MISTAKES = {
    "00.model_class": [
        ("from autotutor.checkpoint import open_checkpoint\nfrom autotutor.configuration import load_config_dict\n"
         "def f(checkpoint, auto_class_name):\n    return load_config_dict(open_checkpoint(checkpoint))['model_type']",
         "returned_model_type"),
        ("from autotutor.checkpoint import open_checkpoint\nfrom autotutor.configuration import load_config_dict\n"
         "from autotutor.registry import REGISTRY\n"
         "def f(checkpoint, auto_class_name):\n"
         "    return REGISTRY[load_config_dict(open_checkpoint(checkpoint))['model_type']].models['base'].__name__",
         "ignored_task"),
        ("from autotutor.checkpoint import open_checkpoint\nfrom autotutor.configuration import load_config_dict\n"
         "from autotutor.registry import REGISTRY, TASKS\n"
         "def f(checkpoint, auto_class_name):\n"
         "    task = {n: t for t, n in TASKS.items()}[auto_class_name]\n"
         "    return REGISTRY[load_config_dict(open_checkpoint(checkpoint))['model_type']].models[task]",
         "returned_class"),
    ],
    "00.auto_classes": [
        ("from autotutor.checkpoint import open_checkpoint\nfrom autotutor.configuration import load_config_dict\n"
         "from autotutor.registry import REGISTRY\n"
         "def f(checkpoint):\n"
         "    arch = REGISTRY[load_config_dict(open_checkpoint(checkpoint))['model_type']]\n"
         "    return [cls.__name__ for cls in arch.models.values()]",
         "returned_model_classes"),
        ("from autotutor.checkpoint import open_checkpoint\nfrom autotutor.configuration import load_config_dict\n"
         "from autotutor.registry import REGISTRY, TASKS\n"
         "def f(checkpoint):\n"
         "    arch = REGISTRY[load_config_dict(open_checkpoint(checkpoint))['model_type']]\n"
         "    return [TASKS[task] for task in arch.models if task != 'base']",
         "missed_auto_model"),
    ],
    "01.pad_batch": [
        ("def f(tokenizer, texts):\n    return tokenizer(texts, truncation=True, max_length=12)", "not_padded"),
        ("def f(tokenizer, texts):\n    return tokenizer(texts, padding='max_length', max_length=12)", "not_truncated"),
        ("def f(tokenizer, texts):\n    return tokenizer(texts, padding='max_length', truncation=True, max_length=12,"
         " add_special_tokens=False)", "no_special_tokens"),
        ("def f(tokenizer, texts):\n    return tokenizer(texts, padding='max_length', truncation=True, max_length=10)",
         "wrong_length"),
        ("def f(tokenizer, texts):\n    return tokenizer(texts, padding='max_length', truncation=True,"
         " max_length=12)['input_ids']", "not_an_encoding"),
        ("def f(tokenizer, texts):\n    enc = tokenizer(texts, padding='max_length', truncation=True, max_length=12)\n"
         "    return {'input_ids': enc['input_ids']}", "no_attention_mask"),
    ],
    "01.split_words": [
        ("def f(tokenizer, words):\n    return [w for w in words if w not in tokenizer.get_vocab()]",
         "ignored_normalization"),
        ("def f(tokenizer, words):\n    return ', '.join(words)", "not_a_list"),
    ],
    "02.prepare": [
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt')['pixel_values']", "right"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt', do_normalize=False)"
         "['pixel_values']", "not_normalised"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt', do_rescale=False)"
         "['pixel_values']", "not_rescaled"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt')['pixel_values'][0]",
         "no_batch_dimension"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt')['pixel_values']"
         ".permute(0, 2, 3, 1)", "channels_last"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt', size=224)['pixel_values']",
         "wrong_size"),
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt', resample=5 - processor.resample)"
         "['pixel_values']", "wrong_resample"),
        ("def f(processor, photo):\n    return photo", "returned_image"),
    ],
    "02.keep_proportions": [
        ("def f(processor, photo):\n    return processor(photo, return_tensors='pt')['pixel_values']", "squeezed"),
        ("def f(processor, photo):\n    side = processor.size['height']\n"
         "    return processor(photo, do_resize=False, do_center_crop=True, crop_size=side,"
         " return_tensors='pt')['pixel_values']", "not_resized"),
    ],
    "03.choose_stages": [
        ("from autotutor import AutoBackbone\ndef f(checkpoint):\n"
         "    return AutoBackbone.from_pretrained(checkpoint, out_indices=(2, 3))", "fixed_stage_numbers"),
        ("from autotutor import AutoBackbone\ndef f(checkpoint):\n"
         "    return AutoBackbone.from_pretrained(checkpoint, out_indices=(3, 4))", "off_by_one"),
        ("from autotutor import AutoBackbone\ndef f(checkpoint):\n"
         "    return AutoBackbone.from_pretrained(checkpoint, out_indices=(1, 4))", "wrong_stages"),
        ("def f(checkpoint):\n    return (2, 3)", "not_a_backbone"),
        ("from autotutor import AutoModel\ndef f(checkpoint):\n    return AutoModel.from_pretrained(checkpoint)",
         "not_a_backbone"),
        ("from autotutor import AutoBackbone\nfrom autotutor.models.swin import SwinConfig\ndef f(checkpoint):\n"
         "    return AutoBackbone.from_config(SwinConfig(embed_dim=4, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1],"
         " out_indices=(2, 3)))", "not_from_checkpoint"),
    ],
    "03.map_shapes": [
        ("import torch\ndef f(backbone, pixel_values):\n    with torch.no_grad():\n"
         "        states = backbone(pixel_values, output_hidden_states=True).hidden_states\n"
         "    return [(n, tuple(s.shape[1:])) for n, s in zip(backbone.config.stage_names, states)]", "all_stages"),
        ("import torch\ndef f(backbone, pixel_values):\n    with torch.no_grad():\n"
         "        maps = backbone(pixel_values).feature_maps\n"
         "    return [(f'stage{i}', tuple(m.shape[1:])) for i, m in enumerate(maps)]", "wrong_names"),
    ],
    "04.normalise_clip": [
        ("def f(extractor, clip):\n    return extractor(clip, sampling_rate=16000, return_tensors='pt')"
         "['input_values']", "wrong_sampling_rate"),
        ("import torch\ndef f(extractor, clip):\n    return torch.tensor(clip)[None]", "not_normalised"),
        ("def f(extractor, clip):\n    return extractor(clip, sampling_rate=extractor.sampling_rate,"
         " return_tensors='pt')['input_values'][0]", "no_batch_dimension"),
        ("import torch\ndef f(extractor, clip):\n    clip = torch.tensor(clip)\n"
         "    return (clip / clip.abs().max())[None]", "wrong_normalisation"),
    ],
    "04.batch": [
        ("def f(extractor, clips):\n    return extractor(clips, sampling_rate=extractor.sampling_rate,"
         " return_tensors='pt')", "not_padded"),
        ("def f(extractor, clips):\n    return extractor(clips, sampling_rate=extractor.sampling_rate, padding=True,"
         " return_attention_mask=False, return_tensors='pt')", "no_attention_mask"),
        ("def f(extractor, clips):\n    return extractor(clips, padding=True, return_tensors='pt')", "no_sampling_rate"),
    ],
}


@pytest.mark.parametrize("exercise_id, source, code",
                         [(i, source, code) for i, cases in MISTAKES.items() for source, code in cases],
                         ids=[f"{i}-{code}" for i, cases in MISTAKES.items() for _, code in cases])
def test_each_common_mistake_is_named(exercise_id, source, code, msgids):
    verdict = EXERCISES[exercise_id].judge(_function(source))
    assert verdict.code == code, verdict.text()
    assert verdict.message in msgids and verdict.text()


# ---------------------------------------------------------------------------------------------------------------
# The registry of exercises and the lessons
# ---------------------------------------------------------------------------------------------------------------
def test_the_registry_lists_the_ten_lesson_modules_in_order():
    assert [name for name in LESSON_MODULES] == [
        "introduction", "autotokenizer", "autoimageprocessor", "autobackbone", "autofeatureextractor",
        "autoprocessor", "automodel", "loading_safely", "automodelforcausallm", "automodelforspeechseq2seq"]
    assert len(LESSONS) == 10
    for lesson, module in zip(LESSONS, LESSON_MODULES):  # named like the lesson modules, lesson by lesson
        assert (ROOT / "autotutor" / "lessons" / f"{module}.py").is_file(), lesson


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_at_least_two_exercises(lesson):
    assert len(exercises_for(lesson)) >= 2
    assert exercises_for(lesson) == exercises_for(lesson[:2])


def test_ids_name_their_lesson_and_come_in_lesson_order():
    for ex in ALL:
        assert re.fullmatch(r"[0-9]{2}\.[a-z0-9_]+", ex.id), ex.id
        assert ex.lesson in LESSONS and ex.id[:2] == ex.lesson[:2], ex.id
    assert [ex.lesson for ex in ALL] == sorted(ex.lesson for ex in ALL)
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_the_lesson_notebook_holds_the_exercise(ex):
    """The English lesson shows the task in a markdown cell, then `exercise(id)` and the blank, then the check."""
    cells = json.loads((ROOT / "lessons" / f"{ex.lesson}.ipynb").read_text(encoding="utf-8"))["cells"]
    texts = ["".join(cell["source"]) for cell in cells]
    at = next(i for i, text in enumerate(texts) if f'exercise("{ex.id}")' in text)
    assert cells[at - 1]["cell_type"] == "markdown" and ex.task in texts[at - 1] and ex.title in texts[at - 1]
    name = _blank(ex.solution).__name__
    assert f"def {name}(" in texts[at] and f"ex.check({name})" in texts[at + 1]
    cell = texts[at].replace("from autotutor.course import exercise", "")
    assert is_blank(_function("exercise = str\n" + cell))  # the cell, as stored, is a blank


# ---------------------------------------------------------------------------------------------------------------
# The framework
# ---------------------------------------------------------------------------------------------------------------
def test_is_blank_knows_an_untouched_cell():
    def untouched(a, b):
        ...

    def documented(a):
        """Only a docstring."""

    def prints(a):
        print(a)

    assert is_blank(untouched) and is_blank(documented) and is_blank(...) and is_blank(None)
    assert not is_blank(prints) and not is_blank(len) and not is_blank(lambda: 1) and not is_blank(0)


def test_attempt_turns_an_exception_into_a_verdict_and_keeps_it():
    def fails(x):
        raise KeyError(x)

    run = attempt(fails, "input_ids")
    assert run.verdict.code == "raised" and isinstance(run.error, KeyError)
    assert "KeyError" in run.verdict.text()


def test_a_check_that_fails_by_itself_does_not_stop_the_lesson():
    from dataclasses import replace

    broken = replace(ALL[0], check=lambda answer: 1 / 0)
    verdict = broken.judge(lambda *args: 1)
    assert not verdict.passed and verdict.code == "check_failed" and "ZeroDivisionError" in verdict.text()


def test_a_verdict_reads_in_the_current_language():
    verdict = not_yet("wrong_length", "Not yet: every row has {length} tokens, not 12.", length=10)
    assert verdict.text() == "Not yet: every row has 10 tokens, not 12."
    assert right().text() == "Right." and right().passed
    assert isinstance(verdict, Verdict) and verdict.fields == {"length": 10}


# ---------------------------------------------------------------------------------------------------------------
# The notebook's side: showing, recording
# ---------------------------------------------------------------------------------------------------------------
def test_the_views_mark_right_and_wrong_with_a_sign_not_colour_alone():
    from autotutor.widgets.exercise import verdict_view

    good, bad = verdict_view(right()), verdict_view(not_yet("x", "Not yet: no."))
    assert "✔" in good.html and "✔" in repr(good) and "✘" in bad.html and "✘" in repr(bad)


def test_the_widget_in_arabic_is_right_to_left():
    from autotutor.i18n import RLI, printed
    from autotutor.widgets.exercise import hint_view, solution_view, task_view, verdict_view

    ex = EXERCISES["01.pad_batch"]
    set_language("ar")
    for view in (task_view(ex), verdict_view(ex.judge(...)), hint_view(ex), solution_view(ex)):
        assert 'lang="ar" dir="rtl"' in view.html
    verdict = verdict_view(ex.judge(...))
    assert repr(verdict) == printed("✘ " + ex.judge(...).text()) and repr(verdict).startswith((RLI, "\u2066"))
    assert '<pre dir="ltr"' in solution_view(ex).html  # code stays left to right inside Arabic
    set_language("en")
    assert 'dir="ltr"' in task_view(ex).html and "Rows of exactly 12 tokens" in task_view(ex).html


def test_exercise_shows_the_task_and_has_a_stable_repr(capsys):
    from autotutor.course import exercise

    ex = exercise("01.pad_batch")
    assert repr(ex) == "Exercise('01.pad_batch')"
    assert "Exercise('01.pad_batch')" in capsys.readouterr().out  # display() outside a notebook prints the repr
    assert "<b>" in ex._repr_html_() and "12 tokens" in ex._repr_html_()
    assert "padding" in repr(ex.hint()) and "def pad_batch" in repr(ex.solution())


def test_an_unknown_exercise_is_refused_with_the_list():
    from autotutor.course import exercise
    from autotutor.errors import ArgumentError

    with pytest.raises(ArgumentError, match="01.pad_batch"):
        exercise("01.no_such_thing", show=False)


@pytest.fixture
def recorded(monkeypatch):
    import autotutor.course.progress as progress

    calls: list[dict] = []
    monkeypatch.setattr(progress, "record", lambda exercise_id, **kwargs: calls.append({"id": exercise_id, **kwargs}))
    return calls


def test_check_records_the_verdict_through_progress(recorded):
    from autotutor.course import exercise

    ex = exercise("01.split_words", show=False)
    verdict = ex.check(_function(EXERCISES["01.split_words"].wrong_example))
    assert isinstance(verdict, Verdict) and verdict.code == "counted_special_tokens"
    assert repr(verdict).startswith("✘ Not yet")
    verdict = ex.check(_function(EXERCISES["01.split_words"].solution))
    assert verdict.passed and "✔" in verdict._repr_html_()
    assert [(c["id"], c["code"], c["passed"], c["lesson"]) for c in recorded] == [
        ("01.split_words", "counted_special_tokens", False, "01_autotokenizer"),
        ("01.split_words", "right", True, "01_autotokenizer")]
    assert recorded[0]["message"] == verdict_message("01.split_words", "counted_special_tokens")


def verdict_message(exercise_id: str, code: str) -> str:
    source = EXERCISES[exercise_id].wrong_example
    verdict = EXERCISES[exercise_id].judge(_function(source))
    assert verdict.code == code
    return verdict.message


def test_a_blank_cell_run_is_not_recorded(recorded):
    from autotutor.course import exercise

    assert exercise("01.pad_batch", show=False).check(...).code == "not_done"
    assert recorded == []


def test_a_progress_store_that_fails_only_warns(monkeypatch):
    import autotutor.course.progress as progress
    from autotutor.course import exercise

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(progress, "record", broken)
    with pytest.warns(UserWarning, match="disk on fire"):
        verdict = exercise("01.split_words", show=False).check(_function(EXERCISES["01.split_words"].solution))
    assert verdict.passed


def test_check_writes_the_learners_progress_file(tmp_path, monkeypatch):
    from autotutor.course import exercise
    from autotutor.course.progress import load

    monkeypatch.setenv("AUTOTUTOR_WORKSPACE", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # recording works without a warning
        exercise("01.split_words", show=False).check(_function(EXERCISES["01.split_words"].solution))
    entry = load(tmp_path)["exercises"]["01.split_words"]
    assert entry["passed"] is True and entry["attempts"] == 1

