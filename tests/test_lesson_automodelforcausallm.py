"""Lesson 8 (AutoModelForCausalLM, writing text one token at a time): the next-token table and picture, greedy
decoding by hand against generate(), the filtered distributions against the library's processors, the cache
timing, the chat helpers, the generation explorer and the quiz, in each language."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import autotutor
from autotutor import AutoModelForCausalLM, AutoTokenizer
from autotutor.i18n import set_language
from autotutor.lessons.automodelforcausallm import (
    CAUSAL_CHECKPOINT,
    LIMIT_QUESTIONS,
    CacheTiming,
    Candidate,
    answers_in_languages,
    cache_question,
    cache_timing,
    cache_timing_text,
    candidates_text,
    chat_prompt,
    choose_next,
    draw_candidates,
    filtered_distributions,
    generation_prompt,
    greedy_by_hand,
    model_facts,
    next_token_logits,
    next_token_probabilities,
    pieces_text,
    prompt_pieces,
    shown_token,
    stages_text,
    top_candidates,
    top_p_question,
)
from autotutor.logits_processing import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper
from autotutor.models.gpt2 import GPT2Config
from autotutor.models.llama import LlamaConfig
from autotutor.widgets.generation_explorer import GenerationExplorer, stages_html

PROMPT = "The capital of France is"


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread for this module: on the shared 2-core test machine, two threads waiting for each other
    made these small forward passes up to ten times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def smol():
    model = AutoModelForCausalLM.from_pretrained(CAUSAL_CHECKPOINT).eval()
    return model, AutoTokenizer.from_pretrained(CAUSAL_CHECKPOINT)


def _tiny(config):
    torch.manual_seed(0)
    return autotutor.AutoModelForCausalLM.from_config(config).eval()


TINY_MODELS = {
    "llama": lambda: _tiny(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=48,
                                       initializer_range=0.3, bos_token_id=1, eos_token_id=2)),
    "gpt2": lambda: _tiny(GPT2Config(vocab_size=64, n_embd=32, n_layer=2, n_head=4, n_positions=48,
                                     initializer_range=0.3, bos_token_id=0, eos_token_id=0)),
}


# -- the model, the prompt, the next token ----------------------------------------------------------------------
def test_model_facts_name_the_real_sizes(smol):
    text = model_facts(smol[0])
    assert "LlamaForCausalLM" in text and "134,515,008" in text and "49,152" in text and "9 / 3" in text


def test_prompt_pieces_show_ids_and_spaces(smol):
    _model, tok = smol
    pieces = prompt_pieces(tok, PROMPT)
    assert [p.text for p in pieces] == ["The", "␣capital", "␣of", "␣France", "␣is"]
    assert [p.token_id for p in pieces] == tok(PROMPT)["input_ids"]
    assert pieces_text(pieces).splitlines()[0].split() == ["position", "id", "token"]
    assert shown_token(" a\nb") == "␣a\\nb"


def test_paris_is_the_most_likely_next_token(smol):
    model, tok = smol
    ids = tok(PROMPT, return_tensors="pt")["input_ids"]
    probs = next_token_probabilities(model, ids)
    assert probs.shape == (49152,) and float(probs.sum()) == pytest.approx(1.0, abs=1e-4)
    candidates = top_candidates(tok, probs, k=10)
    assert len(candidates) == 10 and candidates[0].text == "␣Paris"
    assert [c.probability for c in candidates] == sorted((c.probability for c in candidates), reverse=True)
    assert candidates_text(candidates).splitlines()[1].startswith("␣Paris")


def test_top_candidates_leave_filtered_tokens_out():
    class Tok:
        def decode(self, ids):
            return f"t{ids[0]}"

    probs = torch.tensor([0.0, 0.7, 0.3, 0.0])
    assert top_candidates(Tok(), probs, k=4) == [Candidate(1, "t1", pytest.approx(0.7)),
                                                 Candidate(2, "t2", pytest.approx(0.3))]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_candidates_picture_has_bars_and_mirrors_in_arabic(lang):
    set_language(lang)
    rows = [Candidate(1, "␣Paris", 0.8), Candidate(2, "␣the", 0.1)]
    image = draw_candidates(rows, "The capital of France is …")
    assert image.mode == "RGB" and image.height > 60
    blue = Image.new("RGB", (1, 1), "#56b4e9").getpixel((0, 0))
    columns = [x for x in range(image.width) if image.getpixel((x, image.height - 35)) == blue]
    assert columns, "no bar drawn"
    middle = image.width / 2
    # The longest bar starts after the labels: on the left half in English, ends on the right half in Arabic.
    first_bar_row = 20 + 34 + 14
    bar = [x for x in range(image.width) if image.getpixel((x, first_bar_row)) == blue]
    assert (max(bar) > middle) if lang == "ar" else (min(bar) < middle)


# -- greedy by hand == generate() ---------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", list(TINY_MODELS))
def test_greedy_by_hand_equals_generate_on_tiny_models(arch):
    model = TINY_MODELS[arch]()
    ids = torch.tensor([[3, 17, 5, 9]])
    by_hand = greedy_by_hand(model, ids, 12)
    # No early stop on either side: the loop by hand has no eos here, so neither has generate().
    assert torch.equal(by_hand, model.generate(ids, max_new_tokens=12, eos_token_id=None))
    assert by_hand.shape == (1, 16)


def test_greedy_by_hand_equals_generate_on_smollm2(smol):
    model, tok = smol
    ids = tok(PROMPT, return_tensors="pt")["input_ids"]
    by_hand = greedy_by_hand(model, ids, 4)
    assert torch.equal(by_hand, model.generate(ids, max_new_tokens=4, do_sample=False))
    assert tok.decode(by_hand[0]).startswith("The capital of France is Paris")


def test_greedy_by_hand_stops_at_eos():
    model = TINY_MODELS["llama"]()
    ids = torch.tensor([[3, 17, 5, 9]])
    first = int(greedy_by_hand(model, ids, 1)[0, -1])
    assert greedy_by_hand(model, ids, 10, eos_token_id=first).shape == (1, 5)


# -- sampling: the filters are the library's processors ----------------------------------------------------------
def test_filtered_distributions_equal_the_processors():
    torch.manual_seed(1)
    logits = torch.randn(100) * 3
    stages = filtered_distributions(logits, temperature=0.7, top_k=20, top_p=0.8)
    assert [s.name for s in stages] == ["model", "temperature", "top-k", "top-p"]
    expected = logits[None]
    assert torch.equal(stages[0].scores, expected[0])
    for stage, processor in zip(stages[1:], (TemperatureLogitsWarper(0.7), TopKLogitsWarper(20),
                                             TopPLogitsWarper(0.8))):
        expected = processor(None, expected)
        assert torch.equal(stage.scores, expected[0])
        assert torch.allclose(stage.probabilities, expected[0].softmax(-1))
    assert stages[1].kept == 100 and stages[2].kept == 20 and 1 <= stages[3].kept <= 20
    assert float(stages[3].probabilities.sum()) == pytest.approx(1.0, abs=1e-5)


def test_filters_that_are_off_change_nothing():
    logits = torch.randn(50)
    stages = filtered_distributions(logits)  # temperature 1, top_k 0, top_p 1
    assert all(torch.equal(stage.scores, logits) for stage in stages)
    assert [s.setting for s in stages] == ["", "temperature=1.0", "top_k=0", "top_p=1.0"]


def test_choose_next_is_greedy_or_a_seeded_draw():
    stage = filtered_distributions(torch.tensor([0.0, 2.0, 1.0, 1.5]), top_k=3)[-1]
    assert choose_next(stage, sample=False) == 1
    draws = [choose_next(stage, sample=True, generator=torch.Generator().manual_seed(5)) for _ in range(3)]
    assert len(set(draws)) == 1 and draws[0] in (1, 2, 3)  # same seed, same draw; never the filtered token 0


def test_stages_text_counts_what_is_left(smol):
    model, tok = smol
    logits = next_token_logits(model, tok(PROMPT, return_tensors="pt")["input_ids"])
    lines = stages_text(filtered_distributions(logits, temperature=0.8, top_k=20, top_p=0.9), tok).splitlines()
    assert lines[0].split()[:3] == ["after", "tokens", "left"] and "49,152" in lines[1]
    assert lines[3].startswith("top_k=20") and " 20 " in lines[3]


# -- the cache, measured ------------------------------------------------------------------------------------------
def test_cache_timing_measures_both_steps():
    model = TINY_MODELS["llama"]()
    threads = torch.get_num_threads()
    timing = cache_timing(model, torch.randint(3, 60, (1, 40)), repeats=2)
    assert torch.get_num_threads() == threads  # timed on one thread, then given back
    assert timing.prompt_length == 40 and timing.without_cache > 0 and timing.with_cache > 0
    text = cache_timing_text(CacheTiming(97, 0.0123, 0.004))
    assert "97" in text and "12.3 ms" in text and "4.0 ms" in text and "3.1 times" in text
    set_language("fr")
    assert "12,3" in cache_timing_text(CacheTiming(97, 0.0123, 0.004))


# -- chat ---------------------------------------------------------------------------------------------------------
def test_chat_prompt_and_what_the_generation_prompt_adds(smol):
    _model, tok = smol
    rendered = chat_prompt(tok, "Hi")
    assert rendered.startswith("<|im_start|>system\n") and "<|im_start|>user\nHi<|im_end|>\n" in rendered
    assert generation_prompt(tok, "Hi") == "<|im_start|>assistant\n"
    assert chat_prompt(tok, "Hi", add_generation_prompt=False) + "<|im_start|>assistant\n" == rendered


def test_answers_in_languages_keep_each_question(smol):
    model, tok = smol
    rows = answers_in_languages(model, tok, ("en",), max_new_tokens=8)
    assert rows[0][:2] == ("en", LIMIT_QUESTIONS["en"]) and "Paris" in rows[0][2]
    assert set(LIMIT_QUESTIONS) == {"en", "fr", "ar"} and "فرنسا" in LIMIT_QUESTIONS["ar"]


def test_answers_text_isolates_every_line_in_arabic():
    from autotutor.i18n import LRI, PDI, RLI, set_language
    from autotutor.lessons.automodelforcausallm import answers_text

    rows = [("fr", LIMIT_QUESTIONS["fr"], "La capitale\nest Paris."), ("ar", LIMIT_QUESTIONS["ar"], "باريس")]
    set_language("en")
    assert answers_text(rows).splitlines()[:2] == [LIMIT_QUESTIONS["fr"], "→ 'La capitale\\nest Paris.'"]
    set_language("ar")
    lines = [line for line in answers_text(rows).splitlines() if line.strip()]
    assert len(lines) == 4 and all(line.endswith(PDI) for line in lines)
    # the French question and answer keep their own direction; the Arabic ones run right to left
    assert [line[0] for line in lines] == [LRI, LRI, RLI, RLI]


# -- the explorer -------------------------------------------------------------------------------------------------
@pytest.fixture()
def explorer(smol):
    return GenerationExplorer(smol[0], smol[1], PROMPT, seed=0)


def test_explorer_steps_greedy_and_resets(explorer, smol):
    assert repr(explorer) == "GenerationExplorer('The capital of France is')"
    assert "␣Paris" in explorer._bars.value and explorer._bars.value.count("<table>") == 4
    token = explorer.step()
    assert smol[1].decode([token]) == " Paris" and explorer.ids.shape[1] == 6
    assert "Paris" in explorer._text.value and "1 new token<" in explorer._text.value
    explorer.reset()
    assert explorer.ids.shape[1] == 5 and "0 new tokens" in explorer._text.value


def test_explorer_sliders_filter_and_sampling_is_seeded(explorer):
    explorer._top_k.value = 3
    assert "3 tokens can be chosen" in explorer._bars.value
    explorer._mode.value = True
    first = explorer.step()
    explorer.reset()
    assert explorer.step() == first  # the reset starts the draws again from the seed
    assert explorer.stages()[-1].kept <= 3


def test_explorer_follows_the_language(explorer):
    set_language("fr")
    assert 'lang="fr"' in explorer._bars.value and 'lang="fr"' in explorer._text.value
    set_language("ar")
    assert 'dir="rtl"' in explorer._bars.value and 'dir="rtl"' in explorer._intro.value
    assert "autotutor-rtl" in explorer._dom_classes
    set_language("en")
    assert explorer._next.description == "Add the next token" and "autotutor-rtl" not in explorer._dom_classes


def test_stages_html_names_each_stage():
    stages = filtered_distributions(torch.tensor([0.0, 2.0, 1.0]), temperature=0.5, top_k=2, top_p=0.9)

    class Tok:
        def decode(self, ids):
            return f" t{ids[0]}"

    page = stages_html(stages, Tok())
    for title in ("the model&#x27;s distribution", "after the temperature", "after top-k", "after top-p"):
        assert title in page
    assert "top_k=2" in page and "␣t1" in page


# -- check your understanding -------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", [top_p_question, cache_question])
def test_quiz_questions_are_consistent_in_every_language(question):
    for lang in ("en", "fr", "ar"):
        set_language(lang)
        asked = question()
        assert len(asked.choices) == len(asked.feedback) == 4
        assert len(set(asked.choices)) == 4 and asked.answer == 0
