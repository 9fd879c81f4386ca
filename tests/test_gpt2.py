"""GPT-2 (autotutor/models/gpt2.py) against transformers on a tiny random checkpoint transformers saves.

Logits within 1e-4 (float32): with a left-padded row, through the Auto classes, and token by token with the
key/value cache. Also: the tied head, the load report, and the older checkpoints without the "transformer."
prefix and with the attention-mask buffers.
"""

from __future__ import annotations

import json

import pytest
import torch

import autotutor
from autotutor.cache import KeyValueCache
from autotutor.models.gpt2 import Conv1D, GPT2Config, GPT2LMHeadModel, GPT2Model

ATOL = 1e-4
TINY = dict(n_embd=64, n_layer=2, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny random GPT2LMHeadModel built and saved by transformers: (folder, the transformers model)."""
    import transformers

    torch.manual_seed(0)
    reference = transformers.GPT2LMHeadModel(transformers.GPT2Config(**TINY)).eval()
    folder = tmp_path_factory.mktemp("gpt2")
    reference.save_pretrained(folder)
    return folder, reference


def _left_padded_batch() -> dict[str, torch.Tensor]:
    """Three rows of 10 tokens; row 1 has 3 padding tokens on the left, row 2 has 7."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 128, (3, 10), generator=g)
    mask = torch.ones(3, 10, dtype=torch.long)
    mask[1, :3] = 0
    mask[2, :7] = 0
    ids[mask == 0] = 0
    # Each real token's position counts real tokens only; padding gets 1 (any valid index: it is not used).
    position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    return {"input_ids": ids, "attention_mask": mask, "position_ids": position_ids}


def _real(t: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return t[mask.bool()]  # (real tokens, ...): padding positions are not compared


def test_logits_match_transformers_with_a_left_padded_row(checkpoint):
    folder, reference = checkpoint
    model = autotutor.AutoModelForCausalLM.from_pretrained(folder)
    assert isinstance(model, GPT2LMHeadModel)
    inputs = _left_padded_batch()
    with torch.no_grad():
        expected = reference(**inputs).logits
        got = model(**inputs).logits
    assert got.shape == (3, 10, 128)
    assert torch.isfinite(got).all()  # padding rows that see no key stay finite and do not spoil the rest
    mask = inputs["attention_mask"]
    torch.testing.assert_close(_real(got, mask), _real(expected, mask), atol=ATOL, rtol=0)


def test_default_positions_and_no_mask_match_transformers(checkpoint):
    folder, reference = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    ids = _left_padded_batch()["input_ids"][:1]
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, reference(ids).logits, atol=ATOL, rtol=0)


def test_automodel_gives_the_base_model_and_its_hidden_states(checkpoint):
    folder, reference = checkpoint
    model = autotutor.AutoModel.from_pretrained(folder)
    assert isinstance(model, GPT2Model)
    assert model.load_report.is_clean, str(model.load_report)
    inputs = _left_padded_batch()
    with torch.no_grad():
        expected = reference.transformer(**inputs, output_hidden_states=True)
        got = model(**inputs, output_hidden_states=True)
    mask = inputs["attention_mask"]
    torch.testing.assert_close(_real(got.last_hidden_state, mask), _real(expected.last_hidden_state, mask),
                               atol=ATOL, rtol=0)
    assert len(got.hidden_states) == len(expected.hidden_states) == 3  # embeddings + 2 blocks (the last after ln_f)
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(_real(ours, mask), _real(theirs, mask), atol=ATOL, rtol=0)


def test_incremental_decoding_with_the_cache_equals_the_full_pass(checkpoint):
    folder, _ = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    inputs = _left_padded_batch()
    ids, mask, positions = inputs["input_ids"], inputs["attention_mask"], inputs["position_ids"]
    with torch.no_grad():
        full = model(ids, attention_mask=mask, position_ids=positions).logits
        prompt = 7  # the prompt in one pass, then one token at a time
        out = model(ids[:, :prompt], attention_mask=mask[:, :prompt], position_ids=positions[:, :prompt],
                    use_cache=True)
        cache = out.past_key_values
        assert isinstance(cache, KeyValueCache) and cache.length == prompt and len(cache) == 2
        assert tuple(cache.keys[0].shape) == (3, 4, prompt, 16)  # (B, heads, positions, head size)
        steps = [out.logits]
        for t in range(prompt, 10):
            out = model(ids[:, t:t + 1], attention_mask=mask[:, :t + 1], position_ids=positions[:, t:t + 1],
                        past_key_values=cache, use_cache=True)
            assert out.past_key_values is cache and cache.length == t + 1
            steps.append(out.logits)
    incremental = torch.cat(steps, dim=1)
    torch.testing.assert_close(_real(incremental, mask), _real(full, mask), atol=ATOL, rtol=0)


def test_cache_with_default_positions_matches_transformers(checkpoint):
    """No mask, no position ids: the positions continue after the cache, as transformers counts them."""
    folder, reference = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    ids = _left_padded_batch()["input_ids"][:1]
    with torch.no_grad():
        cache = model(ids[:, :6], use_cache=True).past_key_values
        got = model(ids[:, 6:], past_key_values=cache, use_cache=True).logits
        expected = reference(ids).logits[:, 6:]
    torch.testing.assert_close(got, expected, atol=ATOL, rtol=0)


def test_the_tied_head_shares_the_token_embeddings_storage(checkpoint):
    folder, _ = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    assert model.lm_head.weight is model.transformer.wte.weight
    assert model.lm_head.weight.untyped_storage().data_ptr() == model.transformer.wte.weight.untyped_storage().data_ptr()
    assert ("lm_head.weight", "transformer.wte.weight") in model.load_report.tied


def test_the_load_report_is_clean(checkpoint):
    folder, _ = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    report = model.load_report
    assert report.is_clean, str(report)
    assert not report.unexpected and not report.newly_initialized and not report.mismatched
    assert "transformer.h.0.attn.c_attn.weight" in report.loaded


def test_conv1d_weights_load_without_transposing(checkpoint):
    folder, reference = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    c_attn = model.transformer.h[0].attn.c_attn
    assert isinstance(c_attn, Conv1D) and tuple(c_attn.weight.shape) == (64, 192)  # (in, out)
    torch.testing.assert_close(c_attn.weight, reference.transformer.h[0].attn.c_attn.weight, atol=0, rtol=0)


def test_a_checkpoint_without_the_transformer_prefix_and_with_old_buffers_loads(checkpoint, tmp_path):
    """The Hub's openai-community/gpt2 stores h.0..., wte, wpe, ln_f, plus the old causal-mask buffers."""
    from safetensors.torch import load_file, save_file

    folder, reference = checkpoint
    state = {k.removeprefix("transformer."): v for k, v in load_file(folder / "model.safetensors").items()}
    assert "h.0.attn.c_attn.weight" in state and not any(k.startswith("transformer.") for k in state)
    for i in range(2):
        state[f"h.{i}.attn.bias"] = torch.tril(torch.ones(64, 64)).view(1, 1, 64, 64)
        state[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    save_file(state, tmp_path / "model.safetensors", metadata={"format": "pt"})
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())

    inputs = _left_padded_batch()
    mask = inputs["attention_mask"]
    with torch.no_grad():
        expected = reference(**inputs)
    lm = autotutor.AutoModelForCausalLM.from_pretrained(tmp_path)
    assert lm.load_report.is_clean, str(lm.load_report)
    assert lm.lm_head.weight is lm.transformer.wte.weight
    base = autotutor.AutoModel.from_pretrained(tmp_path)
    assert base.load_report.is_clean, str(base.load_report)
    with torch.no_grad():
        torch.testing.assert_close(_real(lm(**inputs).logits, mask), _real(expected.logits, mask), atol=ATOL, rtol=0)
        hidden = base(**inputs).last_hidden_state
    torch.testing.assert_close(_real(lm.lm_head(hidden), mask), _real(expected.logits, mask), atol=ATOL, rtol=0)


def test_attention_weights_match_transformers_eager(checkpoint):
    folder, reference = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    ids = _left_padded_batch()["input_ids"][:1]
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    try:
        with torch.no_grad():
            expected = reference(ids, output_attentions=True)
            got = model(ids, output_attentions=True)
    finally:
        reference.config._attn_implementation = "sdpa"
    assert len(got.attentions) == 2 and got.attentions[0].shape == (1, 4, 10, 10)
    for ours, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)


def test_the_loss_matches_transformers(checkpoint):
    folder, reference = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    inputs = _left_padded_batch()
    labels = inputs["input_ids"].masked_fill(inputs["attention_mask"] == 0, -100)
    with torch.no_grad():
        expected = reference(**inputs, labels=labels).loss
        got = model(**inputs, labels=labels).loss
    torch.testing.assert_close(got, expected, atol=ATOL, rtol=0)


def test_the_config_transformers_saved_loads_with_its_common_names(checkpoint):
    folder, _ = checkpoint
    config = autotutor.AutoConfig.from_pretrained(folder)
    assert isinstance(config, GPT2Config) and config.model_type == "gpt2"
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (64, 2, 4)
    assert config.max_position_embeddings == 64 and config.activation_function == "gelu_new"
    assert config.layer_norm_epsilon == 1e-5 and config.n_inner is None and config.tie_word_embeddings
    # The common names set GPT-2's own ones, and config.json keeps GPT-2's names.
    config = GPT2Config(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, max_position_embeddings=16)
    assert (config.n_embd, config.n_layer, config.n_head, config.n_positions) == (32, 3, 2, 16)
    saved = json.loads(config.to_json_string())
    assert saved["n_embd"] == 32 and "hidden_size" not in saved


def test_a_config_whose_heads_do_not_divide_the_width_is_refused():
    with pytest.raises(autotutor.errors.ConfigError, match="divisible"):
        GPT2Config(n_embd=30, n_head=4)


def test_from_config_builds_a_random_model_that_runs():
    config = GPT2Config(**TINY)
    model = autotutor.AutoModelForCausalLM.from_config(config).eval()
    assert not any(p.is_meta for p in model.parameters())
    assert model.lm_head.weight is model.transformer.wte.weight
    c_fc, c_proj = model.transformer.h[0].mlp.c_fc.weight, model.transformer.h[0].mlp.c_proj.weight
    assert 0.01 < c_fc.std() < 0.03 and 0.005 < c_proj.std() < 0.015  # 0.02, and 0.02 / √(2 · 2) for c_proj
    out = model(**_left_padded_batch())
    assert out.logits.shape == (3, 10, 128) and torch.isfinite(out.logits).all()
    assert isinstance(autotutor.AutoModel.from_config(config), GPT2Model)


def test_what_autotutor_saves_transformers_loads(checkpoint, tmp_path):
    import transformers

    folder, _ = checkpoint
    model = GPT2LMHeadModel.from_pretrained(folder)
    model.save_pretrained(tmp_path)
    theirs = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    ids = _left_padded_batch()["input_ids"][:1]
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, theirs(ids).logits, atol=ATOL, rtol=0)
