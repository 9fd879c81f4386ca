"""Llama and Qwen2 against transformers: logits, hidden states, RoPE variants, the key/value cache, the load report.

transformers builds each tiny random model and saves it; autotutor loads the folder. Every parameter is nudged
away from its initial value first, so that zero biases and all-one norms cannot hide a mistake.
"""

from __future__ import annotations

import pytest
import torch

import autotutor
from autotutor.cache import KeyValueCache
from autotutor.errors import ConfigError
from autotutor.models.llama import LlamaConfig, _inverse_frequencies
from autotutor.models.qwen2 import Qwen2Config

ATOL = 1e-4
TINY = dict(vocab_size=128, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64)
CLASSES = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 16}

@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """(folder, transformers model) for a model type and config overrides, built once per module."""
    import transformers

    made = {}

    def make(model_type: str, **overrides):
        key = (model_type, repr(sorted(overrides.items())))
        if key not in made:
            config = transformers.AutoConfig.for_model(model_type, **{**TINY, **overrides})
            torch.manual_seed(0)
            model = getattr(transformers, CLASSES[model_type])(config).eval()
            with torch.no_grad():
                g = torch.Generator().manual_seed(1)
                for p in model.parameters():
                    p.add_(torch.randn(p.shape, generator=g) * 0.05)
            folder = tmp_path_factory.mktemp(model_type)
            model.save_pretrained(folder)
            made[key] = (folder, model)
        return made[key]

    return make


def _batch(length: int = 9):
    """Two rows, the second left-padded, with the position ids generate() computes for them."""
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, TINY["vocab_size"], (2, length), generator=g)
    mask = torch.ones_like(ids)
    mask[1, :3] = 0  # left padding: the real tokens of row 1 start at index 3
    position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    return ids, mask, position_ids


@pytest.mark.parametrize("model_type", CLASSES)
@pytest.mark.parametrize("tied", [False, True], ids=["untied", "tied"])
def test_logits_match_transformers_with_left_padding(model_type, tied, checkpoint):
    folder, reference = checkpoint(model_type, tie_word_embeddings=tied)
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    assert type(model).__name__ == CLASSES[model_type]
    report = model.load_report
    assert not report.newly_initialized and not report.unexpected and not report.mismatched, str(report)
    ids, mask, pos = _batch()
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=mask, position_ids=pos).logits
        got = model(ids, attention_mask=mask, position_ids=pos).logits
    real = mask.bool()  # padded positions are garbage in both libraries
    torch.testing.assert_close(got[real], expected[real], atol=ATOL, rtol=0)
    shared = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert shared is tied


@pytest.mark.parametrize("model_type", CLASSES)
def test_base_model_hidden_states_match(model_type, checkpoint):
    folder, reference = checkpoint(model_type)
    model = autotutor.AutoModel.from_pretrained(folder)
    assert type(model).__name__ == CLASSES[model_type].replace("ForCausalLM", "Model")
    assert model.load_report.unexpected == ["lm_head.weight"]  # the head of a causal-LM checkpoint is unused
    ids, mask, pos = _batch()
    with torch.no_grad():
        expected = reference.model(input_ids=ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
        got = model(ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
    real = mask.bool()
    torch.testing.assert_close(got.last_hidden_state[real], expected.last_hidden_state[real], atol=ATOL, rtol=0)
    assert len(got.hidden_states) == len(expected.hidden_states) == TINY["num_hidden_layers"] + 1
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(ours[real], theirs[real], atol=ATOL, rtol=0)


def test_attention_weights_match(checkpoint):
    folder, reference = checkpoint("llama")
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    ids = _batch()[0]
    with torch.no_grad():
        expected = reference(input_ids=ids, output_attentions=True).attentions
        got = model(ids, output_attentions=True).attentions
    reference.config._attn_implementation = "sdpa"
    assert got[0].shape == (2, TINY["num_attention_heads"], 9, 9)
    for ours, theirs in zip(got, expected):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


@pytest.mark.parametrize("rope", [LLAMA3_ROPE, {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}],
                         ids=["llama3", "linear"])
def test_scaled_rope_matches_transformers(rope, checkpoint):
    folder, reference = checkpoint("llama", rope_parameters=dict(rope))
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    assert model.config.rope_parameters["rope_type"] == rope["rope_type"]
    plain = LlamaConfig(**{**TINY, "rope_parameters": {"rope_theta": rope["rope_theta"]}})
    assert not torch.allclose(_inverse_frequencies(model.config), _inverse_frequencies(plain))  # scaling did act
    ids, mask, pos = _batch(length=40)
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=mask, position_ids=pos).logits
        got = model(ids, attention_mask=mask, position_ids=pos).logits
    torch.testing.assert_close(got[mask.bool()], expected[mask.bool()], atol=ATOL, rtol=0)


def test_legacy_rope_keys_are_read_as_transformers_reads_them():
    import transformers

    legacy = dict(rope_theta=500000.0, rope_scaling={"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                    "high_freq_factor": 4.0})
    ours = LlamaConfig(**TINY, **legacy).rope_parameters
    theirs = transformers.LlamaConfig(**TINY, **legacy).rope_parameters
    for key in ("rope_type", "rope_theta", "factor", "low_freq_factor", "high_freq_factor",
                "original_max_position_embeddings"):
        assert ours[key] == theirs[key], key
    assert LlamaConfig(**TINY).rope_parameters == {"rope_type": "default", "rope_theta": 10000.0}


@pytest.mark.parametrize("model_type", CLASSES)
def test_incremental_decoding_with_the_cache(model_type, checkpoint):
    """Prompt, then one more token with the cache == prompt + token at once == transformers with its cache."""
    folder, reference = checkpoint(model_type)
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    ids, mask, pos = _batch()
    next_ids = torch.tensor([[5], [17]])
    full_ids, full_mask = torch.cat([ids, next_ids], 1), torch.cat([mask, torch.ones(2, 1, dtype=mask.dtype)], 1)
    next_pos = pos[:, -1:] + 1
    with torch.no_grad():
        first = model(ids, attention_mask=mask, position_ids=pos, use_cache=True)
        cache = first.past_key_values
        assert isinstance(cache, KeyValueCache) and cache.length == 9 and len(cache) == TINY["num_hidden_layers"]
        assert cache.keys[0].shape == (2, TINY["num_key_value_heads"], 9, 16)  # kv heads, not all heads
        step = model(next_ids, attention_mask=full_mask, position_ids=next_pos, past_key_values=cache, use_cache=True)
        assert step.past_key_values.length == 10
        whole = model(full_ids, attention_mask=full_mask, position_ids=torch.cat([pos, next_pos], 1))
        ref_first = reference(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True)
        ref_step = reference(input_ids=next_ids, attention_mask=full_mask, position_ids=next_pos,
                             past_key_values=ref_first.past_key_values, use_cache=True)
    torch.testing.assert_close(step.logits[:, -1], whole.logits[:, -1], atol=ATOL, rtol=0)
    torch.testing.assert_close(step.logits[:, -1], ref_step.logits[:, -1], atol=ATOL, rtol=0)
    no_cache = model(ids)
    assert no_cache.past_key_values is None


def test_default_positions_count_on_from_the_cache(checkpoint):
    folder, _ = checkpoint("llama")
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    ids = _batch()[0][:1]
    with torch.no_grad():
        cache = model(ids[:, :6], use_cache=True).past_key_values
        step = model(ids[:, 6:], past_key_values=cache, use_cache=True).logits
        whole = model(ids).logits
    torch.testing.assert_close(step, whole[:, 6:], atol=ATOL, rtol=0)


def test_qwen2_has_biases_on_q_k_v_only(checkpoint):
    folder, _ = checkpoint("qwen2")
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    attention = model.model.layers[0].self_attn
    assert all(getattr(attention, n).bias is not None for n in ("q_proj", "k_proj", "v_proj"))
    assert attention.o_proj.bias is None
    assert model.model.layers[0].mlp.gate_proj.bias is None
    assert "model.layers.0.self_attn.q_proj.bias" in model.load_report.loaded


def test_llama_bias_flags():
    config = LlamaConfig(**TINY, attention_bias=True, mlp_bias=True)
    model = autotutor.AutoModelForCausalLM.from_config(config)
    layer = model.model.layers[0]
    assert layer.self_attn.o_proj.bias is not None and layer.mlp.down_proj.bias is not None


@pytest.mark.parametrize("config_class", [LlamaConfig, Qwen2Config])
def test_from_config_builds_and_runs(config_class):
    model = autotutor.AutoModelForCausalLM.from_config(config_class(**TINY)).eval()
    out = model(_batch()[0], labels=_batch()[0])
    assert out.logits.shape == (2, 9, TINY["vocab_size"]) and torch.isfinite(out.logits).all()
    assert torch.isfinite(out.loss)
    assert not any(p.is_meta for p in model.parameters())


def test_from_config_starts_norms_at_one():
    model = autotutor.AutoModelForCausalLM.from_config(LlamaConfig(**TINY))
    assert all(bool((m.weight == 1).all()) for m in model.modules() if isinstance(m, torch.nn.RMSNorm))


def test_loss_matches_transformers(checkpoint):
    folder, reference = checkpoint("llama")
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    ids = _batch()[0]
    labels = ids.clone()
    labels[0, :4] = -100
    with torch.no_grad():
        torch.testing.assert_close(model(ids, labels=labels).loss, reference(input_ids=ids, labels=labels).loss,
                                   atol=ATOL, rtol=0)


def test_key_value_heads_must_divide_attention_heads():
    with pytest.raises(ConfigError) as info:
        LlamaConfig(**{**TINY, "num_key_value_heads": 3})
    assert info.value.key == "num_key_value_heads" and info.value.value == 3
    assert "num_key_value_heads=3 must divide num_attention_heads=4" in info.value.english
    with pytest.raises(ConfigError):
        Qwen2Config(**{**TINY, "num_key_value_heads": 3})


def test_unknown_rope_type_is_refused():
    with pytest.raises(ConfigError) as info:
        LlamaConfig(**TINY, rope_parameters={"rope_type": "yarn", "factor": 4.0})
    assert info.value.value == "yarn" and "llama3" in info.value.english


def test_config_round_trip(tmp_path):
    config = Qwen2Config(**TINY, rope_parameters=dict(LLAMA3_ROPE))
    config.save_pretrained(tmp_path)
    again = autotutor.AutoConfig.from_pretrained(tmp_path)
    assert type(again) is Qwen2Config and again == config


def test_attention_mask_must_cover_the_cache(checkpoint):
    folder, _ = checkpoint("llama")
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    ids = _batch()[0]
    cache = model(ids, use_cache=True).past_key_values
    with pytest.raises(autotutor.errors.ArgumentError):
        model(ids[:, :1], attention_mask=torch.ones(2, 1, dtype=torch.long), past_key_values=cache)
