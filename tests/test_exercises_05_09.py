"""The exercises of lessons 5 to 9: each common mistake gets its own verdict code (tests/test_exercises.py runs
every exercise's solution and its one `wrong_example`; these are the other mistakes), odd answers are judged
without raising, and the lessons' notebooks hold the exercises' cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from autotutor.lessons.exercises import EXERCISES

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
MODULES = {"05": "autoprocessor", "06": "automodel", "07": "loading_safely", "08": "automodelforcausallm",
           "09": "automodelforspeechseq2seq"}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a shared 2-core machine, threads waiting for each other slow small models down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def function(source: str):
    """The function a cell defines."""
    namespace: dict = {}
    exec(compile(source, "<cell>", "exec"), namespace)
    defined = [value for value in namespace.values()
               if callable(value) and getattr(getattr(value, "__code__", None), "co_filename", "") == "<cell>"]
    assert len(defined) == 1, source
    return defined[0]


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    """The messages Babel extracts from the exercise modules, as `autotutor i18n extract` does."""
    folder = Path(__file__).resolve().parents[1] / "autotutor" / "lessons" / "exercises"
    return {found[2] for found in extract_from_dir(folder, keywords=DEFAULT_KEYWORDS)}


@pytest.fixture
def verdict_of(msgids):
    def judge(exercise_id: str, source: str):
        verdict = EXERCISES[exercise_id].check(function(source))
        assert verdict.message in msgids  # a catalog message, its fields filled in after translation
        verdict.text()  # the message and its fields fit together
        return verdict

    return judge


MISTAKES = [
    # 05.ocr_boxes -------------------------------------------------------------------------------------------
    ("05.ocr_boxes", "missing_boxes", '''
def encode_ocr(processor, page, ocr):
    return processor(page, [word for word, *box in ocr], return_tensors="pt")
'''),
    ("05.ocr_boxes", "axes_swapped", '''
def encode_ocr(processor, page, ocr):
    width, height = page.size
    boxes = [[int(1000 * l / height), int(1000 * t / width), int(1000 * (l + w) / height),
              int(1000 * (t + h) / width)] for word, l, t, w, h in ocr]
    return processor(page, [word for word, *box in ocr], boxes=boxes, return_tensors="pt")
'''),
    ("05.ocr_boxes", "width_as_corner", '''
def encode_ocr(processor, page, ocr):
    width, height = page.size
    boxes = [[int(1000 * l / width), int(1000 * t / height), int(1000 * w / width), int(1000 * h / height)]
             for word, l, t, w, h in ocr]
    return processor(page, [word for word, *box in ocr], boxes=boxes, return_tensors="pt")
'''),
    ("05.ocr_boxes", "scale_0_to_1", '''
def encode_ocr(processor, page, ocr):
    width, height = page.size
    boxes = [[l / width, t / height, (l + w) / width, (t + h) / height] for word, l, t, w, h in ocr]
    return processor(page, [word for word, *box in ocr], boxes=boxes, return_tensors="pt")
'''),
    ("05.ocr_boxes", "not_tensors", '''
def encode_ocr(processor, page, ocr):
    width, height = page.size
    boxes = [[round(1000 * l / width), round(1000 * t / height), round(1000 * (l + w) / width),
              round(1000 * (t + h) / height)] for word, l, t, w, h in ocr]
    return processor(page, [word for word, *box in ocr], boxes=boxes)
'''),
    ("05.ocr_boxes", "wrong_words", '''
def encode_ocr(processor, page, ocr):
    width, height = page.size
    words = [word.lower() + "s" for word, *box in ocr]
    boxes = [[int(1000 * l / width), int(1000 * t / height), int(1000 * (l + w) / width),
              int(1000 * (t + h) / height)] for word, l, t, w, h in ocr]
    return processor(page, words, boxes=boxes, return_tensors="pt")
'''),
    # 05.piece_boxes -----------------------------------------------------------------------------------------
    ("05.piece_boxes", "boxes_by_position", '''
def piece_boxes(processor, page, words, boxes):
    encoding = processor(page, words, boxes=boxes)
    pieces = [token for token, word in zip(encoding.tokens(), encoding.word_ids()) if word is not None]
    return [(piece, tuple(box)) for piece, box in zip(pieces, boxes)]
'''),
    ("05.piece_boxes", "words_not_pieces", '''
def piece_boxes(processor, page, words, boxes):
    return [(word, tuple(box)) for word, box in zip(words, boxes)]
'''),
    ("05.piece_boxes", "not_pairs", '''
def piece_boxes(processor, page, words, boxes):
    return processor(page, words, boxes=boxes)
'''),
    # 06.token_logits ----------------------------------------------------------------------------------------
    ("06.token_logits", "sequence_head", '''
from autotutor import AutoModelForSequenceClassification, AutoTokenizer

def token_logits(checkpoint, labels, text):
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=len(labels))
    return model(**AutoTokenizer.from_pretrained(checkpoint)(text, return_tensors="pt")).logits
'''),
    ("06.token_logits", "batch_dim_dropped", '''
from autotutor import AutoModelForTokenClassification, AutoTokenizer

def token_logits(checkpoint, labels, text):
    model = AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=len(labels))
    return model(**AutoTokenizer.from_pretrained(checkpoint)(text, return_tensors="pt")).logits[0]
'''),
    ("06.token_logits", "not_a_tensor", '''
from autotutor import AutoModelForTokenClassification, AutoTokenizer

def token_logits(checkpoint, labels, text):
    model = AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=len(labels))
    return model(**AutoTokenizer.from_pretrained(checkpoint)(text, return_tensors="pt")).logits.tolist()
'''),
    # 06.probabilities ---------------------------------------------------------------------------------------
    ("06.probabilities", "softmax_wrong_dim", '''
def label_probabilities(model, tokenizer, text):
    probabilities = model(**tokenizer(text, return_tensors="pt")).logits.softmax(dim=0)[0]
    return {model.config.id2label[i]: float(p) for i, p in enumerate(probabilities)}
'''),
    ("06.probabilities", "sigmoid_not_softmax", '''
def label_probabilities(model, tokenizer, text):
    probabilities = model(**tokenizer(text, return_tensors="pt")).logits.sigmoid()[0]
    return {model.config.id2label[i]: float(p) for i, p in enumerate(probabilities)}
'''),
    ("06.probabilities", "labels_not_named", '''
def label_probabilities(model, tokenizer, text):
    probabilities = model(**tokenizer(text, return_tensors="pt")).logits.softmax(dim=-1)[0]
    return {i: float(p) for i, p in enumerate(probabilities)}
'''),
    ("06.probabilities", "not_a_dict", '''
def label_probabilities(model, tokenizer, text):
    return model(**tokenizer(text, return_tensors="pt")).logits.softmax(dim=-1)[0].tolist()
'''),
    # 06.similarity ------------------------------------------------------------------------------------------
    ("06.similarity", "cls_vector", '''
import torch

def similarity(model, tokenizer, a, b):
    hidden = model(**tokenizer([a, b], padding=True, return_tensors="pt")).last_hidden_state
    return float(torch.nn.functional.cosine_similarity(hidden[0, 0], hidden[1, 0], dim=0))
'''),
    ("06.similarity", "not_normalised", '''
def similarity(model, tokenizer, a, b):
    inputs = tokenizer([a, b], padding=True, return_tensors="pt")
    mask = inputs["attention_mask"].unsqueeze(-1).float()
    pooled = (model(**inputs).last_hidden_state * mask).sum(dim=1) / mask.sum(dim=1)
    return float(pooled[0] @ pooled[1])
'''),
    # 07.load_safely -----------------------------------------------------------------------------------------
    ("07.load_safely", "refusal_swallowed", '''
import torch

def load_state_dict(path):
    try:
        return torch.load(path, weights_only=True)
    except Exception:
        return {}
'''),
    ("07.load_safely", "wrong_tensors", '''
import torch

def load_state_dict(path):
    return list(torch.load(path, weights_only=True).values())
'''),
    ("07.load_safely", "raised", '''
import pickle

def load_state_dict(path):
    with open(path, "rb") as f:
        return pickle.load(f)
'''),
    # 07.count_parameters ------------------------------------------------------------------------------------
    ("07.count_parameters", "counted_tensors", '''
import json, struct

def count_parameters(path):
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    return len([name for name in header if name != "__metadata__"])
'''),
    ("07.count_parameters", "metadata_as_tensor", '''
import json, math, struct

def count_parameters(path):
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    return sum(math.prod(info["shape"]) for info in header.values())
'''),
    ("07.count_parameters", "scalar_missed", '''
import json, operator, struct
from functools import reduce

def count_parameters(path):
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    return sum(reduce(operator.mul, info["shape"]) for name, info in header.items() if name != "__metadata__")
'''),
    ("07.count_parameters", "header_misread", '''
import json, math, struct

def count_parameters(path):
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack(">Q", f.read(8))[0]))
    return sum(math.prod(info["shape"]) for name, info in header.items() if name != "__metadata__")
'''),
    # 07.changed_files ---------------------------------------------------------------------------------------
    ("07.changed_files", "inverted", '''
import hashlib
from pathlib import Path

def changed_files(folder, manifest):
    return [name for name, recorded in manifest.items()
            if hashlib.sha256(Path(folder, name).read_bytes()).hexdigest() == recorded]
'''),
    ("07.changed_files", "nothing_found", '''
def changed_files(folder, manifest):
    return []
'''),
    ("07.changed_files", "not_a_list", '''
def changed_files(folder, manifest):
    return True
'''),
    # 08.chat_prompt -----------------------------------------------------------------------------------------
    ("08.chat_prompt", "no_template", '''
def chat_prompt(tokenizer, question):
    return question
'''),
    ("08.chat_prompt", "wrong_role", '''
def chat_prompt(tokenizer, question):
    messages = [{"role": "system", "content": question}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
'''),
    ("08.chat_prompt", "no_generation_prompt", '''
def chat_prompt(tokenizer, question):
    return tokenizer.apply_chat_template([{"role": "user", "content": question}], return_tensors="pt")
'''),
    ("08.chat_prompt", "not_a_prompt", '''
def chat_prompt(tokenizer, question):
    return 42
'''),
    # 08.next_token ------------------------------------------------------------------------------------------
    ("08.next_token", "wrong_position", '''
def next_token(model, tokenizer, prompt):
    probabilities = model(**tokenizer(prompt, return_tensors="pt")).logits[0, 0].softmax(dim=-1)
    best = int(probabilities.argmax())
    return tokenizer.decode([best]), float(probabilities[best])
'''),
    ("08.next_token", "softmax_wrong_dim", '''
def next_token(model, tokenizer, prompt):
    logits = model(**tokenizer(prompt, return_tensors="pt")).logits[0]
    best = int(logits[-1].argmax())
    return tokenizer.decode([best]), float(logits.softmax(dim=0)[-1, best])
'''),
    ("08.next_token", "id_not_text", '''
def next_token(model, tokenizer, prompt):
    probabilities = model(**tokenizer(prompt, return_tensors="pt")).logits[0, -1].softmax(dim=-1)
    best = int(probabilities.argmax())
    return best, float(probabilities[best])
'''),
    # 08.left_padding ----------------------------------------------------------------------------------------
    ("08.left_padding", "not_padded", '''
def batch_for_generation(tokenizer, prompts):
    tokenizer.padding_side = "left"
    return tokenizer(prompts, return_tensors="pt")
'''),
    ("08.left_padding", "no_attention_mask", '''
def batch_for_generation(tokenizer, prompts):
    tokenizer.padding_side = "left"
    return tokenizer(prompts, padding=True, return_tensors="pt")["input_ids"]
'''),
    ("08.left_padding", "not_tensors", '''
def batch_for_generation(tokenizer, prompts):
    tokenizer.padding_side = "left"
    return tokenizer(prompts, padding=True)
'''),
    # 09.speech_frames ---------------------------------------------------------------------------------------
    ("09.speech_frames", "padding_counted", '''
from autotutor.lessons.automodelforspeechseq2seq import as_model_input

def speech_frames(processor, samples, rate):
    clip, changes = as_model_input(samples, rate)
    return processor(clip, sampling_rate=16000, return_tensors="pt")["input_features"].shape[-1]
'''),
    ("09.speech_frames", "seconds_not_frames", '''
def speech_frames(processor, samples, rate):
    return len(samples) / rate
'''),
    ("09.speech_frames", "rate_refused", '''
def speech_frames(processor, samples, rate):
    return int(processor(samples, sampling_rate=rate, return_attention_mask=True)["attention_mask"].sum())
'''),
    ("09.speech_frames", "no_sampling_rate", '''
from autotutor.lessons.automodelforspeechseq2seq import as_model_input

def speech_frames(processor, samples, rate):
    clip, changes = as_model_input(samples, rate)
    return int(processor(clip, return_attention_mask=True)["attention_mask"].sum())
'''),
    ("09.speech_frames", "window_not_hop", '''
def speech_frames(processor, samples, rate):
    return int(len(samples) * 16000 / rate) // 400
'''),
    ("09.speech_frames", "samples_not_frames", '''
def speech_frames(processor, samples, rate):
    return int(len(samples) * 16000 / rate)
'''),
]


@pytest.mark.parametrize("exercise_id, code, source", MISTAKES,
                         ids=[f"{exercise_id}-{code}" for exercise_id, code, _source in MISTAKES])
def test_each_mistake_gets_its_code(exercise_id, code, source, verdict_of):
    verdict = verdict_of(exercise_id, source)
    assert (verdict.passed, verdict.code) == (False, code), verdict.text()


ALSO_RIGHT = [
    # Token ids are as good as the text for a chat prompt; rounding the boxes instead of truncating is fine.
    ("08.chat_prompt", '''
def chat_prompt(tokenizer, question):
    messages = [{"role": "user", "content": question}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
'''),
    ("05.ocr_boxes", '''
from autotutor.ocr import normalize_box

def encode_ocr(processor, page, ocr):
    words = [word for word, *box in ocr]
    boxes = [normalize_box([l, t, l + w, t + h], *page.size) for word, l, t, w, h in ocr]
    return processor(page, words, boxes=boxes, return_tensors="pt")
'''),
    ("06.similarity", '''
from autotutor.lessons.embeddings import cosine_similarities, sentence_embeddings

def similarity(model, tokenizer, a, b):
    vectors = sentence_embeddings(model, tokenizer, [a, b])
    return cosine_similarities(vectors[:1], vectors[1:])[0, 0]
'''),
    ("09.speech_frames", '''
import math

def speech_frames(processor, samples, rate):
    return math.ceil(len(samples) * 16000 / rate / 160)
'''),
]


@pytest.mark.parametrize("exercise_id, source", ALSO_RIGHT, ids=[item[0] for item in ALSO_RIGHT])
def test_other_right_answers_pass(exercise_id, source, verdict_of):
    verdict = verdict_of(exercise_id, source)
    assert verdict.passed and verdict.code == "right", verdict.text()


# -- Whisper: the model a check hands over notes what generate() is asked, so each case runs Whisper once at most
GENERATE = '''
def english_text(model, processor, samples, locale):
    features = processor(samples, sampling_rate=16000, return_tensors="pt")["input_features"]
    ids = model.generate(features, {options})
    return {returned}
'''
DECODED = "processor.batch_decode(ids, skip_special_tokens=True)[0]"
WHISPER_MISTAKES = [
    ("wrong_language_code", GENERATE.format(options='language=locale, task="translate", max_new_tokens=12',
                                            returned=DECODED)),
    ("language_missing", GENERATE.format(options='task="translate", max_new_tokens=12', returned=DECODED)),
    ("wrong_language", GENERATE.format(
        options='language="fr" if locale.startswith("ar") else "arabic", task="translate", max_new_tokens=12',
        returned=DECODED)),
    ("wrong_task", GENERATE.format(options='language=locale[:2], task="english", max_new_tokens=12',
                                   returned=DECODED)),
    ("too_few_tokens", GENERATE.format(options='language=locale[:2], task="translate", max_new_tokens=4',
                                       returned=DECODED)),
    ("not_text", GENERATE.format(options='language=locale[:2], task="translate", max_new_tokens=12',
                                 returned="ids")),
    ("not_decoded", GENERATE.format(options='language=f"<|{locale[:2]}|>", task="translate", max_new_tokens=12',
                                    returned=DECODED + ".upper()")),
    ("special_tokens_kept", GENERATE.format(options='language=locale[:2], task="translate", max_new_tokens=12',
                                            returned="processor.batch_decode(ids)[0] + '<|endoftext|>'")),
    ("no_sampling_rate", '''
def english_text(model, processor, samples, locale):
    ids = model.generate(processor(samples, return_tensors="pt")["input_features"], language=locale[:2],
                         task="translate", max_new_tokens=12)
    return processor.batch_decode(ids, skip_special_tokens=True)[0]
'''),
    ("wrong_features", '''
def english_text(model, processor, samples, locale):
    features = processor(samples[::2], sampling_rate=16000, return_tensors="pt")["input_features"]
    ids = model.generate(features, language=locale[:2], task="translate", max_new_tokens=12)
    return processor.batch_decode(ids, skip_special_tokens=True)[0]
'''),
    ("no_generate", '''
def english_text(model, processor, samples, locale):
    return "I am learning how a speech model turns sound into text."
'''),
]


@pytest.mark.parametrize("code, source", WHISPER_MISTAKES, ids=[code for code, _source in WHISPER_MISTAKES])
def test_whisper_mistakes_get_their_codes(code, source, verdict_of):
    verdict = verdict_of("09.to_english", source)
    assert (verdict.passed, verdict.code) == (False, code), verdict.text()


# -- odd answers: judged, never raised -------------------------------------------------------------------------
OURS = [exercise_id for exercise_id in EXERCISES if exercise_id[:2] in MODULES]


def test_every_lesson_has_two_or_three_exercises():
    for number in MODULES:
        assert 2 <= len([exercise_id for exercise_id in OURS if exercise_id.startswith(number)]) <= 3, number


@pytest.mark.parametrize("exercise_id", OURS)
@pytest.mark.parametrize("answer", [
    lambda *args: object(),
    lambda *args: "",
    lambda *args: (_ for _ in ()).throw(ValueError("no")),
    lambda *args: print(*args[:0]),
], ids=["object", "empty-string", "raises", "prints"])
def test_odd_answers_are_judged_not_raised(exercise_id, answer):
    verdict = EXERCISES[exercise_id].check(answer)
    assert not verdict.passed and verdict.code and verdict.text()


@pytest.mark.parametrize("exercise_id", OURS)
def test_a_blank_is_not_done(exercise_id):
    def blank(*args):
        ...

    assert EXERCISES[exercise_id].check(blank).code == "not_done"


def test_the_booby_trapped_file_names_only_the_harmless_marker():
    """The trap's pickle asks for this module's `_payload_ran` and nothing else than torch's own rebuilders."""
    from autotutor.lessons.loading_safely import pickle_calls

    seen = []

    def inspect(path):
        calls = pickle_calls(path)
        seen.append(calls)
        if any("_payload_ran" in call for call in calls):
            raise ValueError("refused")
        return torch.load(path, weights_only=True)

    assert EXERCISES["07.load_safely"].check(inspect).passed
    clean, trapped = seen
    foreign = [call for call in trapped if not call.startswith(("torch", "collections"))]
    assert foreign == ["autotutor.lessons.exercises.loading_safely _payload_ran"]
    assert not any("_payload_ran" in call for call in clean)


# -- the notebooks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", sorted(MODULES))
def test_the_lesson_ends_with_its_exercises(number):
    path = next(LESSONS.glob(f"{number}_*.ipynb"))
    text = path.read_text()
    notebook = json.loads(text)
    assert json.dumps(notebook, indent=1, ensure_ascii=False) + "\n" == text  # the sources' own layout
    cells = notebook["cells"]
    ids = [cell.get("id") for cell in cells if cell.get("id")]
    assert len(ids) == len(set(ids))
    sources = ["".join(cell["source"]) for cell in cells]
    summary = next(i for i, source in enumerate(sources) if source.startswith("## Summary"))
    quiz = next(i for i, source in enumerate(sources) if source.startswith("## Check your understanding"))
    exercises = [exercise for exercise in EXERCISES.values() if exercise.id.startswith(number)]
    position = [cell.get("id") for cell in cells].index("exercises")
    assert quiz < position < summary and sources[position].startswith("## Exercises")
    assert summary == position + 1 + 3 * len(exercises)
    for index, exercise in enumerate(exercises):
        task, code, check = cells[position + 1 + 3 * index: position + 4 + 3 * index]
        assert "".join(task["source"]) == f"### {exercise.title}\n\n{exercise.task}"
        name = function(exercise.solution).__name__
        assert f'ex = exercise("{exercise.id}")' in "".join(code["source"])
        assert f"def {name}(" in "".join(code["source"]) and "...  # your code here" in "".join(code["source"])
        assert "".join(check["source"]) == f"ex.check({name})"
        assert code["outputs"] == [] and check["outputs"] == []
