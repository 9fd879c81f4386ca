"""generate(), GenerationConfig, the logits processors and the streamer, against transformers.

transformers builds tiny random causal models (Llama, GPT-2) and saves them; both libraries generate from the
same weights: ids must be equal exactly, greedy and seeded sampling alike. The logits processors are compared
with transformers' own processor classes on random scores.

The loop is tested twice: on transformers' models wrapped in `_Contract`, a thin adapter that follows the
causal-LM contract with autotutor's KeyValueCache (it proves the loop alone), and on autotutor's own models
(skipped where a model file is not there; GenerationMixin is added here to a class that does not list it yet).
"""

from __future__ import annotations

import importlib

import pytest
import torch

from autotutor.cache import KeyValueCache
from autotutor.errors import ArgumentError, ConfigError, UsageError
from autotutor.generation import GenerationConfig, GenerationMixin, TextStreamer
from autotutor.logits_processing import (
    LogitsProcessorList,
    MinNewTokensLengthLogitsProcessor,
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
    logits_processors_for,
)
from autotutor.outputs import CausalLMOutputWithPast

VOCAB = 64
TINY = {
    "llama": ("LlamaForCausalLM", dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=48,
                                       initializer_range=0.3, bos_token_id=1, eos_token_id=2)),
    "gpt2": ("GPT2LMHeadModel", dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=48,
                                     initializer_range=0.3, bos_token_id=0, eos_token_id=0)),
}
# autotutor's class for each, once it is written (module, class).
AUTOTUTOR = {"llama": ("autotutor.models.llama", "LlamaForCausalLM"),
             "gpt2": ("autotutor.models.gpt2", "GPT2LMHeadModel")}
SAMPLING = dict(do_sample=True, temperature=0.7, top_k=5, top_p=0.9, min_p=0.05, repetition_penalty=1.3)


# -- models -----------------------------------------------------------------------------------------------------
class _Contract(torch.nn.Module, GenerationMixin):
    """A transformers model behind the causal-LM contract generate() relies on (autotutor's KeyValueCache)."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model
        self.config = model.config

    def forward(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None, use_cache=False):
        from transformers import DynamicCache

        dynamic = DynamicCache()
        for layer, (keys, values) in enumerate(zip(*(past_key_values.keys, past_key_values.values))
                                               if past_key_values is not None else []):
            dynamic.update(keys, values, layer)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=dynamic if use_cache else None, use_cache=use_cache)
        if not use_cache:
            return CausalLMOutputWithPast(logits=out.logits)
        cache = past_key_values if past_key_values is not None else KeyValueCache()
        seen = cache.length
        for layer, stored in enumerate(out.past_key_values.layers):  # only this step's new positions
            cache.update(layer, stored.keys[..., seen:, :], stored.values[..., seen:, :])
        return CausalLMOutputWithPast(logits=out.logits, past_key_values=cache)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """arch → (folder, the transformers model loaded back from it)."""
    import transformers

    made = {}
    for arch, (class_name, options) in TINY.items():
        config = transformers.AutoConfig.for_model(arch, **options)
        torch.manual_seed(0)
        model_class = getattr(transformers, class_name)
        folder = tmp_path_factory.mktemp(arch)
        model_class(config).eval().save_pretrained(folder)
        made[arch] = (folder, model_class.from_pretrained(folder).eval())
    return made


def _ours(arch, kind, saved):
    folder, reference = saved[arch]
    if kind == "adapter":
        return _Contract(reference).eval()
    module_name, class_name = AUTOTUTOR[arch]
    model_class = getattr(importlib.import_module(module_name), class_name)
    assert issubclass(model_class, GenerationMixin)
    return model_class.from_pretrained(folder).eval()


MODELS = [pytest.param(arch, kind, id=f"{arch}-{kind}") for arch in TINY for kind in ("adapter", "autotutor")]


def _prompts(batch: int = 3, length: int = 7, *, padded: bool = True):
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(3, VOCAB, (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.long)
    if padded and batch > 1:
        mask[1, :3] = 0  # left padding, as a tokenizer with padding_side="left" makes it
        mask[2, :5] = 0
    ids[mask == 0] = 5  # the pad token
    return ids, mask


def _both(arch, kind, saved, inputs, **options):
    """(autotutor's ids, transformers' ids) for the same inputs and options, each after torch.manual_seed(0)."""
    ours = _ours(arch, kind, saved)
    reference = saved[arch][1]
    torch.manual_seed(0)
    got = ours.generate(**inputs, **options)
    torch.manual_seed(0)
    expected = reference.generate(**inputs, **options)
    return got, expected


# -- the logits processors ----------------------------------------------------------------------------------------
def _scores_and_ids():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(4, VOCAB, generator=g) * 3
    ids = torch.randint(0, VOCAB, (4, 10), generator=g)
    mask = torch.ones(4, 10, dtype=torch.long)
    mask[1, :4] = 0
    return scores, ids, mask


def _processor_pairs():
    import transformers.generation.logits_process as hf

    padding = torch.tensor([0, 4, 0, 0])
    return {
        "repetition": (RepetitionPenaltyLogitsProcessor(1.3), hf.RepetitionPenaltyLogitsProcessor(1.3)),
        "repetition-padded": (RepetitionPenaltyLogitsProcessor(1.3, prompt_ignore_length=padding),
                              hf.RepetitionPenaltyLogitsProcessor(1.3, prompt_ignore_length=padding)),
        "min-new-tokens": (MinNewTokensLengthLogitsProcessor(8, 5, [2, 7]),
                           hf.MinNewTokensLengthLogitsProcessor(8, 5, [2, 7])),
        "min-new-tokens-reached": (MinNewTokensLengthLogitsProcessor(8, 2, 2),
                                   hf.MinNewTokensLengthLogitsProcessor(8, 2, 2)),
        "temperature": (TemperatureLogitsWarper(0.7), hf.TemperatureLogitsWarper(0.7)),
        "top-k": (TopKLogitsWarper(5), hf.TopKLogitsWarper(5)),
        "top-k-larger-than-vocab": (TopKLogitsWarper(VOCAB + 10), hf.TopKLogitsWarper(VOCAB + 10)),
        "top-p": (TopPLogitsWarper(0.9), hf.TopPLogitsWarper(0.9)),
        "top-p-keeps-3": (TopPLogitsWarper(0.01, min_tokens_to_keep=3),
                          hf.TopPLogitsWarper(0.01, min_tokens_to_keep=3)),
        "min-p": (MinPLogitsWarper(0.05), hf.MinPLogitsWarper(0.05)),
        "min-p-keeps-4": (MinPLogitsWarper(0.9, min_tokens_to_keep=4), hf.MinPLogitsWarper(0.9, min_tokens_to_keep=4)),
    }


@pytest.mark.parametrize("name", list(_processor_pairs()))
def test_each_processor_equals_transformers(name):
    ours, theirs = _processor_pairs()[name]
    scores, ids, _ = _scores_and_ids()
    torch.testing.assert_close(ours(ids, scores.clone()), theirs(ids, scores.clone()), atol=1e-6, rtol=0)


def test_the_chain_equals_transformers_in_transformers_order():
    from transformers import GenerationConfig as HFGenerationConfig

    scores, ids, mask = _scores_and_ids()
    config = GenerationConfig(eos_token_id=[2, 7], min_new_tokens=5, **SAMPLING)
    ours = logits_processors_for(config, prompt_length=8, attention_mask=mask)
    # transformers' own choice of processors and order, for the same settings.
    import transformers

    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**TINY["llama"][1]))
    hf_config = HFGenerationConfig(eos_token_id=[2, 7], min_new_tokens=5, **SAMPLING)
    model._prepare_special_tokens(hf_config, device="cpu")
    theirs = model._get_logits_processor(hf_config, input_ids_seq_length=8, model_kwargs={"attention_mask": mask},
                                         device="cpu")
    # transformers also adds MinLength (min_new_tokens + prompt): it does the same as MinNewTokens.
    theirs = [p for p in theirs if type(p).__name__ != "MinLengthLogitsProcessor"]
    assert [type(p).__name__ for p in ours] == [type(p).__name__ for p in theirs]
    torch.testing.assert_close(ours(ids, scores.clone()), LogitsProcessorList(theirs)(ids, scores.clone()),
                               atol=1e-6, rtol=0)


def test_greedy_uses_no_warper_and_defaults_add_nothing():
    assert logits_processors_for(GenerationConfig(), prompt_length=3) == []
    assert logits_processors_for(GenerationConfig(temperature=0.5, top_k=3), prompt_length=3) == []
    names = [type(p).__name__ for p in logits_processors_for(GenerationConfig(do_sample=True), prompt_length=3)]
    assert names == ["TopKLogitsWarper"]  # top_k=50 by default, as in transformers


# -- GenerationConfig ---------------------------------------------------------------------------------------------
def test_generation_config_defaults_are_transformers():
    config = GenerationConfig()
    assert (config.max_length, config.do_sample, config.temperature, config.top_k, config.top_p, config.min_p,
            config.repetition_penalty, config.max_new_tokens, config.min_new_tokens) == (
        20, False, 1.0, 50, 1.0, None, 1.0, None, 0)
    assert config.eos_token_id is None and config.pad_token_id is None and config.bos_token_id is None


def test_generation_config_reads_what_transformers_saves(saved, tmp_path):
    import transformers

    folder = saved["llama"][0]
    config = GenerationConfig.from_pretrained(folder)
    theirs = transformers.GenerationConfig.from_pretrained(folder)
    assert (config.bos_token_id, config.eos_token_id, config.pad_token_id) == (
        theirs.bos_token_id, theirs.eos_token_id, theirs.pad_token_id)
    assert GenerationConfig.from_pretrained(folder, top_k=3).top_k == 3
    written = transformers.GenerationConfig(max_new_tokens=7, do_sample=True, top_p=0.8, eos_token_id=[2, 9])
    written.save_pretrained(tmp_path)
    config = GenerationConfig.from_pretrained(tmp_path)
    assert (config.max_new_tokens, config.do_sample, config.top_p, config.eos_token_ids) == (7, True, 0.8, [2, 9])
    config.save_pretrained(tmp_path / "again")
    assert GenerationConfig.from_pretrained(tmp_path / "again") == config


def test_generation_config_without_its_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        GenerationConfig.from_pretrained(tmp_path)
    assert "generation_config.json" in caught.value.english


def test_overrides_leave_the_config_as_it_was():
    config = GenerationConfig(top_k=5)
    assert config.updated(top_k=7, do_sample=True).top_k == 7 and config.top_k == 5 and not config.do_sample


# -- generate() against transformers --------------------------------------------------------------------------------
@pytest.mark.parametrize("arch,kind", MODELS)
def test_greedy_single_prompt(arch, kind, saved):
    ids, _ = _prompts(batch=1)
    got, expected = _both(arch, kind, saved, {"input_ids": ids}, max_new_tokens=12)
    assert got.dtype == torch.long and got[:, :ids.shape[1]].equal(ids)
    assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("arch,kind", MODELS)
def test_greedy_default_length_is_20_new_tokens(arch, kind, saved):
    ids, _ = _prompts(batch=1)
    got, expected = _both(arch, kind, saved, {"input_ids": ids}, eos_token_id=None)
    assert got.shape[1] == ids.shape[1] + 20 and got.tolist() == expected.tolist()


@pytest.mark.parametrize("arch,kind", MODELS)
def test_greedy_left_padded_batch(arch, kind, saved):
    ids, mask = _prompts()
    inputs = {"input_ids": ids, "attention_mask": mask}
    got, expected = _both(arch, kind, saved, inputs, max_new_tokens=10, pad_token_id=5)
    assert got.tolist() == expected.tolist()
    # A padded row continues exactly as it does alone.
    alone = _ours(arch, kind, saved).generate(ids[2:3, 5:], max_new_tokens=10, pad_token_id=5)[0].tolist()
    assert got[2, 5:5 + len(alone)].tolist() == alone  # then, if it stopped early, only padding
    assert set(got[2, 5 + len(alone):].tolist()) <= {5}


@pytest.mark.parametrize("arch,kind", MODELS)
def test_greedy_with_repetition_penalty(arch, kind, saved):
    ids, mask = _prompts()
    got, expected = _both(arch, kind, saved, {"input_ids": ids, "attention_mask": mask}, max_new_tokens=10,
                          pad_token_id=5, repetition_penalty=1.3)
    assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("arch,kind", MODELS)
def test_eos_token_id_list_finishes_rows_with_padding(arch, kind, saved):
    ids, mask = _prompts()
    inputs = {"input_ids": ids, "attention_mask": mask}
    free = _ours(arch, kind, saved).generate(**inputs, max_new_tokens=10, pad_token_id=5, eos_token_id=None)
    # Two tokens that rows write early: they end those rows, the batch goes on for the others.
    eos = [free[0, ids.shape[1] + 2].item(), free[1, ids.shape[1] + 4].item()]
    got, expected = _both(arch, kind, saved, inputs, max_new_tokens=10, pad_token_id=5, eos_token_id=eos)
    assert got.tolist() == expected.tolist()
    finished = [row for row in got[:, ids.shape[1]:].tolist() if any(t in eos for t in row)]
    assert finished, "no row met an end-of-sequence token"
    for row in finished:
        end = next(i for i, t in enumerate(row) if t in eos)
        assert all(t == 5 for t in row[end + 1:])


@pytest.mark.parametrize("arch,kind", MODELS)
def test_min_new_tokens_holds_eos_back(arch, kind, saved):
    ids, _ = _prompts(batch=1)
    free = _ours(arch, kind, saved).generate(ids, max_new_tokens=1, eos_token_id=None)
    eos = free[0, -1].item()  # the very first new token
    got, expected = _both(arch, kind, saved, {"input_ids": ids}, max_new_tokens=8, eos_token_id=eos, min_new_tokens=4)
    assert got.tolist() == expected.tolist()
    assert got.shape[1] >= ids.shape[1] + 4 and eos not in got[0, ids.shape[1]:ids.shape[1] + 4].tolist()
    stopped = _ours(arch, kind, saved).generate(ids, max_new_tokens=8, eos_token_id=eos)
    assert stopped.shape[1] == ids.shape[1] + 1


@pytest.mark.parametrize("arch,kind", MODELS)
@pytest.mark.parametrize("batch", [1, 3])
def test_seeded_sampling_equals_transformers(arch, kind, batch, saved):
    ids, mask = _prompts(batch=batch)
    got, expected = _both(arch, kind, saved, {"input_ids": ids, "attention_mask": mask}, max_new_tokens=12,
                          pad_token_id=5, **SAMPLING)
    assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("arch,kind", MODELS)
def test_default_sampling_equals_transformers(arch, kind, saved):
    ids, _ = _prompts(batch=1)
    got, expected = _both(arch, kind, saved, {"input_ids": ids}, max_new_tokens=12, do_sample=True)
    assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("arch,kind", MODELS)
def test_the_cache_changes_nothing(arch, kind, saved):
    ids, mask = _prompts()
    model = _ours(arch, kind, saved)
    with_cache = model.generate(ids, attention_mask=mask, max_new_tokens=8, pad_token_id=5)
    without = model.generate(ids, attention_mask=mask, max_new_tokens=8, pad_token_id=5, use_cache=False)
    assert with_cache.tolist() == without.tolist()


def test_tokenizer_outputs_are_accepted(saved):
    ids, mask = _prompts(batch=1)
    model = _ours("llama", "adapter", saved)
    out = model.generate(**{"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)},
                         max_new_tokens=3)
    assert out.shape == (1, ids.shape[1] + 3)
    assert model.generate(max_new_tokens=3).shape == (1, 4)  # no prompt: from bos_token_id


# -- the streamer -------------------------------------------------------------------------------------------------
class _Words:
    """A tokenizer whose every id decodes to a word; id 7 is a line break and 8 a CJK character."""

    def decode(self, ids, **kwargs):
        return "".join("\n" if i == 7 else "中" if i == 8 else f" w{i}" for i in ids)


@pytest.mark.parametrize("arch", list(TINY))
def test_the_streamer_prints_the_new_text(arch, saved, capsys):
    from transformers import TextStreamer as HFTextStreamer

    ids, _ = _prompts(batch=1)
    model = _ours(arch, "adapter", saved)
    out = model.generate(ids, max_new_tokens=15, streamer=TextStreamer(_Words(), skip_prompt=True))
    printed = capsys.readouterr().out
    assert printed == _Words().decode(out[0, ids.shape[1]:].tolist()) + "\n"
    saved[arch][1].generate(ids, max_new_tokens=15, streamer=HFTextStreamer(_Words(), skip_prompt=True))
    assert capsys.readouterr().out == printed


def test_the_streamer_prints_words_as_they_complete(capsys):
    from transformers import TextStreamer as HFTextStreamer

    calls = [torch.tensor([[10, 11]]), torch.tensor([7]), torch.tensor([8]), torch.tensor([12]), torch.tensor([13])]
    shown = {}
    for name, streamer in [("ours", TextStreamer(_Words())), ("transformers", HFTextStreamer(_Words()))]:
        shown[name] = []
        for tokens in calls:
            streamer.put(tokens)
            shown[name].append(capsys.readouterr().out)
        streamer.end()
        shown[name].append(capsys.readouterr().out)
    assert shown["ours"] == shown["transformers"]
    # A word is printed once the next one starts; a line break or a CJK character prints at once.
    assert shown["ours"] == [" w10 ", "w11\n", "中", " ", "w12 ", "w13\n"]
    with pytest.raises(UsageError):
        TextStreamer(_Words()).put(torch.tensor([[1], [2]]))


# -- errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options,key", [
    (dict(max_new_tokens=0), "max_new_tokens"),
    (dict(max_new_tokens=-3), "max_new_tokens"),
    (dict(do_sample=True, temperature=0.0), "temperature"),
    (dict(do_sample=True, temperature=-1.0), "temperature"),
    (dict(max_length=5), "max_length"),
    (dict(max_new_tokens=3, temperatur=0.5), "temperatur"),
])
def test_bad_options_are_refused_clearly(options, key, saved):
    ids, _ = _prompts(batch=1)
    with pytest.raises((ArgumentError, UsageError)) as caught:
        _ours("llama", "adapter", saved).generate(ids, **options)
    assert caught.value.key == key
    assert key in caught.value.english


def test_temperature_zero_is_fine_when_greedy(saved):
    ids, _ = _prompts(batch=1)
    assert _ours("llama", "adapter", saved).generate(ids, max_new_tokens=2, temperature=0.0).shape[1] == 9


def test_a_prompt_longer_than_the_positions_is_refused(saved):
    ids = torch.randint(3, VOCAB, (1, 49))
    with pytest.raises(ArgumentError) as caught:
        _ours("gpt2", "adapter", saved).generate(ids, max_new_tokens=2)
    assert caught.value.value == 49 and "max_position_embeddings=48" in caught.value.english


def test_a_batch_needs_a_pad_token(saved):
    ids, mask = _prompts()
    with pytest.raises(ArgumentError) as caught:
        _ours("llama", "adapter", saved).generate(ids, attention_mask=mask, max_new_tokens=2)
    assert caught.value.key == "pad_token_id" and "pad_token_id=tokenizer.eos_token_id" in caught.value.english


def test_from_pretrained_takes_the_checkpoints_generation_config(saved, tmp_path):
    """generation_config.json beside the weights sets the model's defaults, as in transformers."""
    import shutil

    import autotutor

    folder = tmp_path / "ckpt"
    shutil.copytree(saved["llama"][0], folder)
    (folder / "generation_config.json").write_text('{"max_new_tokens": 3, "eos_token_id": 99, "pad_token_id": 0}')
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    assert model.generation_config.max_new_tokens == 3 and model.generation_config.eos_token_id == 99
    ids = torch.tensor([[5, 6, 7]])
    assert model.generate(ids).shape == (1, 6)  # 3 new tokens: the file's default
    assert model.generate(ids, max_new_tokens=4).shape == (1, 7)  # a call still overrides it
